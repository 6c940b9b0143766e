use nn::prelude::*;

network! {
    pub struct ImageNet = Input<64, 64, 3>, Conv2D<32, (3, 3), Relu>, Flatten, Dense<123000, 128, Relu>, Dense<128, 10, Softmax>;
}

fn main() {}
