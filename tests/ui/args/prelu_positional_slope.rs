use nn::prelude::*;

network! {
    /// PReLU learns its slopes: it takes no positional slope (LeakyReLU has a fixed one).
    pub struct Parametric = Dense<4, 8>, PReLU<0.25>, Dense<8, 2>;
}

fn main() {}
