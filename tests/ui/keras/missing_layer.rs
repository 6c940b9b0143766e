// A declaration without one of the file's layers (its batch normalization): one error, at the
// layer it should come before, and nothing about the layers after it.
use nn::prelude::*;

network! {
    #[keras("tests/fixtures/keras/cnn.keras")]
    pub struct Cnn =
        Input<10, 10, 2>,
        Conv2D<4, (3, 3), Relu, padding = Same>,
        MaxPool2D<(2, 2)>,
        Conv2D<6, (2, 3), Elu, strides = (1, 2)>,
        AvgPool2D<(2, 1)>,
        Flatten,
        Dense<_, 5, Softmax>;
}

fn main() {}
