use nn::prelude::*;

network! {
    /// LayerNormalization's settings are options, as in Keras: its epsilon is not positional.
    pub struct Normalized = Dense<4, 8>, LayerNormalization<1e-5>, Dense<8, 2>;
}

fn main() {}
