// A Keras LayerNormalization over every axis of an image; `nn` normalizes over the last only.
use nn::prelude::*;

network! {
    #[keras("tests/fixtures/keras/layer_norm_axes.keras")]
    pub struct LastAxisOnly = Input<2, 2, 3>, LayerNormalization;
}

fn main() {}
