use nn::prelude::*;

const INPUT: usize = 32;
const HIDDEN: usize = 64;
const WIDER: usize = 65;

network! {
    pub struct Classifier = Dense<INPUT, HIDDEN, Relu>, Dropout<0.5>, Dense<WIDER, 10, Softmax>;
}

fn main() {}
