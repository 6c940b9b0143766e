use nn::prelude::*;

network! {
    /// Keras would apply the Dense layer to every step; `nn` asks which is meant.
    pub struct PerStep = Input<10, 4>, LSTM<8, return_sequences = true>, Dense<80, 2>;
}

fn main() {}
