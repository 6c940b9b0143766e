// A Keras file whose configuration leaves out `activation`, `padding` and `strides` (written by
// `tests/keras_bad_files.rs` from `cnn.keras`): Keras builds its layers with its defaults (linear,
// valid, strides of 1 or a pool's size), which are not this declaration's.
use nn::prelude::*;

network! {
    #[keras("tests/fixtures/keras/cnn_missing_settings.keras")]
    pub struct Cnn =
        Input<10, 10, 2>,
        Conv2D<4, (3, 3), Relu, padding = Same>,
        BatchNormalization,
        MaxPool2D<(2, 2)>,
        Conv2D<6, (2, 3), Elu, strides = (1, 2)>,
        AvgPool2D<(2, 1)>,
        Flatten,
        Dense<_, 5, Softmax>;
}

fn main() {}
