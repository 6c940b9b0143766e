use nn::prelude::*;

network! {
    pub struct Tiny = Input<4, 4, 1>, Conv2D<4, (3, 3), Relu>, MaxPool2D<(3, 3)>, Flatten, Dense<_, 2>;
}

fn main() {}
