use nn::prelude::*;

network! {
    pub struct First = Dense<32, 64, Relu>, Dense<65, 10, Sofmax>;
    pub struct Second = Dense<4, 0>, Dropout<2.0>;
}

fn main() {}
