use nn::prelude::*;

network! {
    pub struct Classifier = Dense<32, 64, Relu, kernel_regularizer = L3(0.1), bias_constraint = MaxNorm(1.0, 2.0)>;
}

fn main() {}
