//! A Dense-only network on Fashion-MNIST (60,000 training and 10,000 test images of clothing,
//! 28×28, 10 classes), then a save and a load that must predict the same.
//!
//! The dataset installs from Debian: `apt-get install -y dataset-fashion-mnist`.
//! Run with `cargo run --release --example fashion_mnist`.

mod fashion;

use nn::CosineDecay;
use nn::io::{load_weights, save_weights};
use nn::prelude::*;

network! {
    /// 784 pixels → 256 → 128 relu units with dropout → 10 class probabilities.
    pub struct Fashion =
        Dense<784, 256, Relu>, Dropout<0.2>,
        Dense<256, 128, Relu>, Dropout<0.2>,
        Dense<128, 10, Softmax>;
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (train, test) = fashion::load()?;
    println!("{} training and {} test images", train.len(), test.len());
    println!("{}", Fashion::seeded(1).summary());

    // Adam with the learning rate decaying along a cosine over the whole run.
    let (epochs, batch_size) = (30, 64);
    let steps = epochs * train.len().div_ceil(batch_size);
    let optimizer = Adam::new(CosineDecay::new(1e-3, steps as u64));
    let mut model = Model::new(
        Fashion::seeded(1),
        optimizer,
        SparseCategoricalCrossentropy::default(),
    )
    .with_metrics(&[Metric::Accuracy]);
    // The test set is only displayed after each epoch; nothing is chosen by it.
    let fit = Fit {
        epochs,
        batch_size,
        validation_data: Some(&test),
        seed: 1,
        ..Fit::default()
    };
    let started = std::time::Instant::now();
    model.fit(&train, &fit)?;
    println!("trained in {:.1} s", started.elapsed().as_secs_f64());

    // Save, load back, and check the loaded network predicts exactly the same.
    let path = std::env::temp_dir().join("fashion_mnist.safetensors");
    save_weights(&model.network, &path)?;
    let loaded: Fashion = load_weights(&path)?;
    let predictions = model.predict(test.x())?;
    assert_eq!(
        loaded.predict_batch(test.x()),
        predictions,
        "the loaded model predicts the same"
    );
    println!(
        "saved to {} and loaded back: identical predictions on {} test images",
        path.display(),
        test.len()
    );

    let scores = model.evaluate(&test)?;
    let accuracy = nn::train::log_value(&scores, "accuracy").unwrap_or(f64::NAN);
    println!("test accuracy: {accuracy:.4}");
    Ok(())
}
