use nn::prelude::*;

network! {
    pub struct Classifier = Dense<32>, Dense<32, 64, Relu, Softmax>, Dropout<0.1, 0.2>, Dense<64, 10, LeakyRelu(0.1, 0.2)>;
}

fn main() {}
