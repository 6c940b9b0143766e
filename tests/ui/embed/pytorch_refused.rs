// What `#[pytorch]` does not read during the build: sizes given by named constants, blocks,
// a layer a state dict cannot hold, and a file that is not a state dict.
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

    #[pytorch("tests/fixtures/pytorch/README.md")]
    struct NotAStateDict = Dense<6, 3>;
}

fn main() {}
