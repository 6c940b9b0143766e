use nn::prelude::*;

network! {
    /// An LSTM reads steps: a vector has none, and neither has an image.
    pub struct NoSteps = Dense<4, 8>, LSTM<16>, Dense<16, 2>;

    pub struct Image = Input<4, 4, 1>, LSTM<16>;
}

fn main() {}
