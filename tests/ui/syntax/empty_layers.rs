use nn::prelude::*;

network! {
    pub struct Classifier = ;
}

fn main() {}
