use nn::prelude::*;

network! {
    pub struct Classifier = Dense<32, 64, Rleu>, Dense<64, 10, softmax>;
}

fn main() {}
