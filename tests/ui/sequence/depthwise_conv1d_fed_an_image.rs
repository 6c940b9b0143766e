use nn::prelude::*;

network! {
    pub struct Tiny = Input<8, 8, 2>, DepthwiseConv1D<3>, Flatten, Dense<_, 2>;
}

fn main() {}
