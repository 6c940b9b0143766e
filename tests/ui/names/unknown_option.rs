use nn::prelude::*;

network! {
    pub struct Classifier = Dense<32, 64, Relu, kernel_init = HeNormal>, Dropout<0.5, seed = 3>;
}

fn main() {}
