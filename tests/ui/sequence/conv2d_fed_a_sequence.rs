use nn::prelude::*;

network! {
    /// A sequence is not an image.
    pub struct Wrong = Input<10, 4>, Conv2D<8, (3, 3)>;
}

fn main() {}
