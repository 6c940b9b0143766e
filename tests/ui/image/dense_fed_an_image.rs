use nn::prelude::*;

network! {
    pub struct NoFlatten = Input<8, 8, 1>, Conv2D<4, (3, 3), Relu>, Dense<144, 10>;
}

fn main() {}
