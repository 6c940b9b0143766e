use nn::prelude::*;

network! {
    /// LayerNormalization takes its width from the layer before it, so it cannot come first.
    pub struct Normalized = LayerNormalization, Dense<4, 2>;
}

fn main() {}
