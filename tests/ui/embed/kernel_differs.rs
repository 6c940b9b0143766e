// A kernel size that is not the file's, with the weights built in: one error, the setting's,
// not also the kernel's shape and the layer's number of weights.
use nn::prelude::*;

network! {
    #[keras("tests/fixtures/keras/cnn.keras", embed)]
    pub struct Cnn =
        Input<10, 10, 2>,
        Conv2D<4, (2, 2), Relu, padding = Same>,
        BatchNormalization,
        MaxPool2D<(2, 2)>,
        Conv2D<6, (2, 3), Elu, strides = (1, 2)>,
        AvgPool2D<(2, 1)>,
        Flatten,
        Dense<_, 5, Softmax>;
}

fn main() {}
