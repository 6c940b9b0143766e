use nn::prelude::*;

network! {
    /// PReLU's alpha is shaped like its input, not a 2-D matrix.
    pub struct Parametric = Dense<4, 8>, PReLU<alpha_initializer = Identity>, Dense<8, 2>;
}

fn main() {}
