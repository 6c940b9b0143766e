//! The main example: declares the design card's network, prints its shapes and parameter count,
//! and runs a prediction. (The training issue turns it into a training run.)
//!
//! Run with `cargo run --release --example quickstart`.

use nn::prelude::*;

network! {
    /// The design card's network: 32 inputs, a hidden relu layer, dropout, 10 class
    /// probabilities.
    pub struct Classifier = Dense<32, 64, Relu>, Dropout<0.5>, Dense<64, 10, Softmax>;
}

// A layer that does not fit the one before it does not compile. Declaring
//
//     pub struct Broken = Dense<32, 64, Relu>, Dense<65, 10, Softmax>;
//
// gives:
//
//     error: `Dense<65, 10, Softmax>` expects 65 inputs, but `Dense<32, 64, Relu>` (layer 1) produces 64
//      --> src/main.rs:4:46
//       |
//     4 |     pub struct Broken = Dense<32, 64, Relu>, Dense<65, 10, Softmax>;
//       |                                              ^^^^^^^^^^^^^^^^^^^^^^

fn main() {
    let net = Classifier::seeded(42);
    println!(
        "Classifier: {} inputs -> {} outputs, {} parameters",
        Classifier::INPUT,
        Classifier::OUTPUT,
        Classifier::PARAMS
    );
    net.visit_params(&mut |layer, p| {
        let name = format!("{layer}.{}", p.name);
        println!(
            "  {name:<16} shape {:?}{}",
            p.shape,
            if p.trainable { "" } else { " (frozen)" }
        );
    });

    let x = SVector::<f32, 32>::from_fn(|i, _| (i as f32 * 0.3).sin());
    let probabilities = net.predict(&x);
    let (class, p) = probabilities.argmax();
    println!("prediction for one sample: class {class} with probability {p:.4}");
    println!("probabilities sum to {:.6}", probabilities.sum());
}
