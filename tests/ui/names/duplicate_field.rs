use nn::prelude::*;

network! {
    pub struct Classifier = hidden: Dense<32, 64, Relu>, hidden: Dense<64, 10>, dense: Dense<10, 10>, Dense<10, 2>;
}

fn main() {}
