use nn::prelude::*;

network! {
    /// Keras files are matched as chains for now.
    #[keras("tests/fixtures/keras/mlp.keras")]
    pub struct Residual = Input<32>, Dense<_, 64, Relu>, Add<[Dense<_, 64>], []>, Dense<_, 10, Softmax>;
}

fn main() {}
