// Keras files that cannot be built in, each reported with its reason (and nothing built): a
// float64 model, a declaration with more layers than the file's, and a named constant that
// differs from the file's shape.
use nn::prelude::*;

const UNITS: usize = 7;

network! {
    #[keras("tests/fixtures/keras/float64.keras", embed)]
    pub struct Wide = Dense<3, 2, Tanh>;

    #[keras("tests/fixtures/keras/mlp.keras", embed)]
    pub struct Longer = Dense<32, 64, Relu>, Dropout<0.5>, Dense<64, 10, Softmax>, Dense<10, 2>;

    #[keras("tests/fixtures/keras/mlp.keras", embed)]
    pub struct Named = Dense<32, 64, Relu>, Dropout<0.5>, Dense<64, UNITS, Softmax>;
}

fn main() {}
