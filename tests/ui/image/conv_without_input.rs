use nn::prelude::*;

network! {
    pub struct NoImage = Dense<64, 64, Relu>, Conv2D<4, (3, 3), Relu>;
    pub struct LateInput = Dense<4, 4>, Input<2, 2, 1>;
}

fn main() {}
