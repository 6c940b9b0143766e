use nn::prelude::*;

const RATE: f64 = 1.5;

network! {
    pub struct Classifier = Dense<32, 64, Relu>, Dropout<RATE>, Dense<64, 10>;
}

fn main() {}
