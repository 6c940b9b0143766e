use nn::prelude::*;

network! {
    // A GRU has no int8 form (TensorFlow's converter writes none): the layer is named in the
    // error.
    #[int8]
    struct Tagger = Input<20, 8>, GRU<16>, Dense<16, 4, Softmax>;
}

network! {
    // Nor has an LSTM that reads backwards.
    #[int8]
    struct Reversed = Input<20, 8>, LSTM<16, go_backwards = true>, Dense<16, 4, Softmax>;
}

network! {
    // Nor has mish: the activation is named.
    #[int8]
    struct Smooth = Input<8>, Dense<_, 4, Mish>;
}

fn main() {}
