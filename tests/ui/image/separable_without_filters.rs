use nn::prelude::*;

network! {
    pub struct Tiny = Input<8, 8, 2>, SeparableConv2D<(3, 3), Relu>, Flatten, Dense<_, 2>;
}

fn main() {}
