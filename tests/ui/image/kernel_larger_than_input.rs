use nn::prelude::*;

network! {
    pub struct Tiny = Input<2, 2, 1>, Conv2D<4, (3, 3), Relu>, Flatten, Dense<_, 2>;
}

fn main() {}
