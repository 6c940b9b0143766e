use nn::prelude::*;

network! {
    /// A residual branch that halves the image cannot be added to the image itself: the
    /// shortcut needs its own strided convolution.
    pub struct Resnet = Input<8, 8, 4>,
        Add<[Conv2D<4, (3, 3), strides = (2, 2), padding = Same>], []>,
        Flatten, Dense<_, 2>;
}

fn main() {}
