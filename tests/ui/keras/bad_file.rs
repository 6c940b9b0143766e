// A Keras file that is missing, and one that holds weights but no configuration.
use nn::prelude::*;

network! {
    #[keras("models/missing.keras")]
    pub struct Missing = Dense<32, 64, Relu>;

    #[keras("../../../../tests/fixtures/keras/mlp.weights.h5")]
    pub struct WeightsOnly = Dense<32, 64, Relu>, Dropout<0.5>, Dense<64, 10, Softmax>;
}

fn main() {}
