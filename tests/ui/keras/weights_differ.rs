// A `.weights.h5` holds no configuration: the number of weights the file has for each layer is
// checked, and weights the declaration has no layer for are reported; `embed` is refused, since
// shapes cannot be checked.
use nn::prelude::*;

network! {
    #[keras("tests/fixtures/keras/mlp.weights.h5")]
    pub struct Wider = Dense<32, 128, Relu>, Dropout<0.5>, Dense<128, 10, Softmax>;

    #[keras("tests/fixtures/keras/mlp.weights.h5")]
    pub struct Shorter = Dense<32, 64, Relu>;

    #[keras("tests/fixtures/keras/mlp.weights.h5", embed)]
    pub struct Embedded = Dense<32, 64, Relu>, Dropout<0.5>, Dense<64, 10, Softmax>;
}

fn main() {}
