use nn::prelude::*;

network! {
    pub struct Tiny = Input<4, 4, 2>, DepthwiseConv2D<(3, 3), depth_multiplier = 0>, Flatten, Dense<_, 2>;
}

fn main() {}
