use nn::prelude::*;

network! {
    pub struct Tiny = Input<8, 2>, SeparableConv1D<3>, Flatten, Dense<_, 2>;
}

fn main() {}
