use nn::prelude::*;

network! {
    pub struct Pooled = Dense<4, 8, Relu>, GlobalMaxPool2D, Dense<8, 2>;
}

fn main() {}
