// A Keras file that is missing, and an attribute with an unknown option.
use nn::prelude::*;

network! {
    #[keras("tests/fixtures/missing.keras")]
    pub struct Missing = Dense<32, 64, Relu>;

    #[keras("tests/fixtures/keras/mlp.keras", inline)]
    pub struct Unknown = Dense<32, 64, Relu>, Dropout<0.5>, Dense<64, 10, Softmax>;
}

fn main() {}
