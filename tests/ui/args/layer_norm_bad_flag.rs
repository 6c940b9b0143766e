use nn::prelude::*;

network! {
    /// `center` and `scale` are booleans.
    pub struct Normalized = Dense<4, 8>, LayerNormalization<center = 0>, Dense<8, 2>;
}

fn main() {}
