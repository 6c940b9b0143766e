use nn::prelude::*;

network! {
    pub struct Classifier = Dense<32, 64, Relu>, Dense<65, 10, Softmax>;
}

fn main() {}
