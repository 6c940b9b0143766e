use nn::prelude::*;

network! {
    pub struct Classifier = Dense<32, 64, Relu>, Desne<64, 10>;
}

fn main() {}
