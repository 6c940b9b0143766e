use nn::prelude::*;

const UNITS: usize = 0;

network! {
    pub struct Classifier = Dense<32, UNITS, Relu>;
}

fn main() {}
