use nn::prelude::*;

network! {
    /// Concatenated channels need the same pixels on both sides.
    pub struct Inception = Input<8, 8, 4>,
        Concatenate<[Conv2D<4, (3, 3)>], [Conv2D<4, (1, 1)>]>,
        Flatten, Dense<_, 2>;
}

fn main() {}
