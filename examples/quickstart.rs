use nn::prelude::*;

network! {
    /// The design card's network.
    pub struct Classifier = Dense<32, 64, Relu>, Dropout<0.5>, Dense<64, 10, Softmax>;
}

fn main() {
    let net = Classifier::seeded(42);
    println!("{} -> {}, {} params", Classifier::INPUT, Classifier::OUTPUT, Classifier::PARAMS);
    let x = SVector::<f32, 32>::from_fn(|i, _| i as f32 / 32.0);
    let y = net.predict(&x);
    println!("{y:?}");
}
