use nn::prelude::*;

// Only the unknown layer is reported: what it would produce is unknown, so the next layer's
// input size is checked against nothing.
network! {
    pub struct Classifier = Dense<32, 64, Relu>, Dens<64, 16>, Dense<16, 3, Softmax>;
}

fn main() {}
