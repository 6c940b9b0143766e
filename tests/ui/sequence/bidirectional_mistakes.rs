use nn::prelude::*;

network! {
    struct NotRecurrent = Input<5, 3>, Bidirectional<Dense<3, 4>>, Flatten, Dense<_, 2>;
    struct Backwards = Input<5, 3>, Bidirectional<LSTM<4, go_backwards = true>>, Dense<8, 2>;
    struct UnknownMerge = Input<5, 3>, Bidirectional<LSTM<4>, merge_mode = Max>, Dense<8, 2>;
    struct FedVector = Dense<4, 8>, Bidirectional<GRU<4>>, Dense<8, 2>;
    struct Widths = Input<5, 3>, Bidirectional<LSTM<4>>, Dense<4, 2>;
}

fn main() {}
