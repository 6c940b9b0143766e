use nn::prelude::*;

network! {
    pub struct Classifier = Dense<32, 64, Relu, use_bias = 1, trainable = yes>, Dense<64, 10, Relu, activation = Tanh>, Dense<10, 2, kernel_initializer = Constant>;
}

fn main() {}
