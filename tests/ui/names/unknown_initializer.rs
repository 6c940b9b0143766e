use nn::prelude::*;

network! {
    pub struct Classifier = Dense<32, 64, Relu, kernel_initializer = HeNormel>, Dense<64, 10, bias_initializer = Identity>;
}

fn main() {}
