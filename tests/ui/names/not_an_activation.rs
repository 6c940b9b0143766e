use nn::prelude::*;

/// A type that is not an activation.
#[derive(Clone, Copy, Debug, Default)]
struct Doubling;

network! {
    pub struct Classifier = Dense<32, 64, Doubling>, Dense<64, 10>;
}

fn main() {
    let _ = Classifier::seeded(0);
}
