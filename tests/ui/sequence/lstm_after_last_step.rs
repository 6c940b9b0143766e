use nn::prelude::*;

network! {
    /// The first LSTM returns only its last step; the second needs a sequence.
    pub struct Stacked = Input<10, 4>, LSTM<32>, LSTM<16>, Dense<16, 2>;
}

fn main() {}
