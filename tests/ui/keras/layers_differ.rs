// A declaration whose layers are not the file's: one layer missing, so the classes differ.
use nn::prelude::*;

network! {
    #[keras("tests/fixtures/keras/mlp.keras")]
    pub struct Classifier = Dense<32, 64, Relu>, Dense<64, 10, Softmax>;
}

fn main() {}
