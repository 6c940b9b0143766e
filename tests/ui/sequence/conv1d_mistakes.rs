use nn::prelude::*;

network! {
    struct ImageIn = Input<8, 8, 1>, Conv1D<4, 3>, Flatten, Dense<_, 2>;
    struct TooLong = Input<6, 2>, Conv1D<4, 3, dilation_rate = 3>, Flatten, Dense<_, 2>;
    struct StridedAndDilated = Input<16, 2>, Conv1D<4, 3, strides = 2, dilation_rate = 2>, Flatten, Dense<_, 2>;
    struct CausalImage = Input<8, 8, 1>, Conv2D<4, 3, padding = Causal>, Flatten, Dense<_, 2>;
    struct PoolAfterLastStep = Input<8, 2>, LSTM<4>, MaxPool1D<2>, Dense<_, 2>;
    struct GlobalOfImage = Input<8, 8, 1>, GlobalAvgPool1D, Dense<1, 2>;
}

fn main() {}
