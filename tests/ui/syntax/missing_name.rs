use nn::prelude::*;

network! {
    pub struct = Dense<32, 10>;
}

fn main() {}
