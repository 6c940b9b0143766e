//! An LSTM on Fashion-MNIST, each image read as a sequence of 28 rows of 28 pixels. The dataset
//! installs from Debian: `apt-get install -y dataset-fashion-mnist`.
//!
//! Run with `cargo run --release --example fashion_mnist_lstm` (`EPOCHS=n` to change the
//! number of epochs).

mod fashion;

use nn::prelude::*;

network! {
    /// 28 rows of 28 pixels, read top to bottom → 10 classes.
    pub struct FashionLstm =
        Input<28, 28>,
        LSTM<64>,
        Dropout<0.2>,
        Dense<64, 10, Softmax>;
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let epochs: usize = std::env::var("EPOCHS")
        .ok()
        .and_then(|e| e.parse().ok())
        .unwrap_or(10);
    // The same 784 values a sample as for the CNN: row after row, which is step after step.
    let (train, test) = fashion::load()?;
    println!("{}", FashionLstm::seeded(1).summary());

    let batch_size = 64;
    let steps = epochs * train.len().div_ceil(batch_size);
    let optimizer = Adam::new(nn::CosineDecay::new(2e-3, steps as u64));
    let mut model = Model::new(
        FashionLstm::seeded(1),
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
    println!(
        "trained {epochs} epochs in {:.0} s",
        started.elapsed().as_secs_f64()
    );

    let scores = model.evaluate(&test)?;
    let accuracy = nn::train::log_value(&scores, "accuracy").unwrap_or(f64::NAN);
    println!("test accuracy: {accuracy:.4}");
    Ok(())
}
