use nn::prelude::*;

network! {
    pub struct Tiny = Input<6, 2>, DepthwiseConv1D<3, dilation_rate = 3>, Flatten, Dense<_, 2>;
}

fn main() {}
