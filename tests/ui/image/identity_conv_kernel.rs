use nn::prelude::*;

// Keras's `Identity` fills 2-D matrices only; a Conv2D kernel is 4-D. (A Dense kernel is fine.)
network! {
    pub struct Tiny =
        Input<8, 8, 1>,
        Conv2D<4, (3, 3), Relu, kernel_initializer = Identity>,
        Conv2D<4, (1, 1), kernel_initializer = Identity(1.0)>,
        Flatten,
        Dense<_, 2, kernel_initializer = Identity>;
}

fn main() {}
