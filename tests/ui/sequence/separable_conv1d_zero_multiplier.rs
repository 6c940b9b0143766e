use nn::prelude::*;

network! {
    pub struct Tiny = Input<8, 2>, SeparableConv1D<4, 3, depth_multiplier = 0>, Flatten, Dense<_, 2>;
}

fn main() {}
