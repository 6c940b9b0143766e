use nn::prelude::*;

network! {
    // Keras's `DepthwiseConv1D` and `SeparableConv1D` take `valid` or `same` only.
    pub struct Tiny = Input<8, 2>, DepthwiseConv1D<3, padding = Causal>, Flatten, Dense<_, 2>;
}

fn main() {}
