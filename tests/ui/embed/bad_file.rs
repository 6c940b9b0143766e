// A weights file that is missing, one that is not a safetensors file, an unknown option, and a
// second file to embed.
use nn::prelude::*;

network! {
    #[safetensors("tests/fixtures/missing.safetensors", embed)]
    pub struct Missing = Dense<1, 16, Relu>;

    #[safetensors("data/breast_cancer.csv")]
    pub struct NotSafetensors = Dense<1, 16, Relu>;

    #[safetensors("firmware/models/sine.safetensors", inline)]
    pub struct Unknown = Dense<1, 16, Relu>, Dense<16, 16, Relu>, Dense<16, 1>;

    #[keras("tests/fixtures/keras/mlp.keras", embed)]
    #[safetensors("firmware/models/sine.safetensors", embed)]
    pub struct Twice = Dense<32, 64, Relu>, Dropout<0.5>, Dense<64, 10, Softmax>;
}

fn main() {}
