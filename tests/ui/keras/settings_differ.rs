// A declaration that does not fit its Keras file: other units (a named constant), another
// activation, another dropout rate.
use nn::prelude::*;

const HIDDEN: usize = 128;

network! {
    #[keras("tests/fixtures/keras/mlp.keras")]
    pub struct Classifier = Dense<32, HIDDEN, Relu>, Dropout<0.25>, Dense<_, 10, Sigmoid>;
}

fn main() {}
