// What `#[pytorch]` does not read during the build: sizes given by named constants, a block
// where the file has a layer, a separable convolution where the file has a depthwise one and a
// batch normalization, a stacked LSTM declared as one layer, a block whose layer differs (at the
// block), and a file that is not a state dict.
use nn::prelude::*;

const UNITS: usize = 16;

network! {
    #[pytorch("tests/fixtures/pytorch/mlp.safetensors")]
    struct Named = Dense<6, UNITS, Relu>, Dropout<0.1>, Dense<UNITS, 8, Tanh>, Dense<8, 3, Softmax>;

    #[pytorch("tests/fixtures/pytorch/cnn.safetensors")]
    struct Block =
        Input<10, 10, 2>, Add<[Conv2D<2, (3, 3), padding = Same>], []>, Flatten, Dense<_, 5>;

    #[pytorch("tests/fixtures/pytorch/separable.safetensors")]
    struct Separable =
        Input<8, 8, 3>, SeparableConv2D<8, (3, 3), padding = Same>, GlobalAvgPool2D, Dense<_, 4>;

    #[pytorch("tests/fixtures/pytorch/stacked.safetensors")]
    struct OneLayer = Input<6, 3>, lstm: LSTM<5>, head: Dense<5, 2>;

    #[pytorch("tests/fixtures/pytorch/residual_sequential.safetensors", embed)]
    struct Residual =
        Input<6, 6, 2>, Conv2D<4, (3, 3), Relu, padding = Same>,
        Add<[], [
            body_0: Conv2D<4, (5, 5), padding = Same>, body_1: BatchNormalization<epsilon = 1e-5>,
            Activation<Relu>, body_3: Conv2D<4, (3, 3), padding = Same>
        ]>,
        Activation<Relu>, GlobalAvgPool2D, Dense<_, 3>;

    #[pytorch("tests/fixtures/pytorch/README.md")]
    struct NotAStateDict = Dense<6, 3>;
}

fn main() {}
