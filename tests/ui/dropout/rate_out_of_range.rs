use nn::prelude::*;

network! {
    pub struct Classifier = Dense<32, 64, Relu>, Dropout<1.0>, Dense<64, 10>, Dropout<-0.1>;
}

fn main() {}
