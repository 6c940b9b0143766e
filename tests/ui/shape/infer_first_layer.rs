use nn::prelude::*;

network! {
    pub struct Classifier = Dense<_, 10>;
}

fn main() {}
