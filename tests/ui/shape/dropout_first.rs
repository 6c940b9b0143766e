use nn::prelude::*;

network! {
    pub struct Classifier = Dropout<0.5>, Dense<32, 10>;
}

fn main() {}
