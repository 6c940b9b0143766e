use nn::prelude::*;

network! {
    pub struct Tiny = Input<4, 4, 2>, DepthwiseConv2D<(3, 3), dilation_rate = (2, 1)>, Flatten, Dense<_, 2>;
}

fn main() {}
