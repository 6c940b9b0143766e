//! The main example: trains a classifier on the handwritten digits in `data/digits.csv.gz`
//! (1797 8×8 images, UCI), with a progress bar, and reports its test accuracy.
//!
//! Run with `cargo run --release --example quickstart`.

use nn::data::{Columns, Standardizer, read_csv};
use nn::prelude::*;

network! {
    /// 64 pixels → 64 relu units → dropout → 10 class probabilities.
    pub struct Digits = Dense<64, 64, Relu>, Dropout<0.2>, Dense<64, 10, Softmax>;
}

// A layer that does not fit the one before it does not compile. Declaring
//
//     pub struct Broken = Dense<64, 64, Relu>, Dense<65, 10, Softmax>;
//
// gives:
//
//     error: `Dense<65, 10, Softmax>` expects 65 inputs, but `Dense<64, 64, Relu>` (layer 1) produces 64
//      --> src/main.rs:4:46
//       |
//     4 |     pub struct Broken = Dense<64, 64, Relu>, Dense<65, 10, Softmax>;
//       |                                              ^^^^^^^^^^^^^^^^^^^^^^

fn main() -> Result<(), nn::Error> {
    println!(
        "Digits: {} inputs -> {} outputs, {} parameters",
        Digits::INPUT,
        Digits::OUTPUT,
        Digits::PARAMS
    );

    // Each row: 64 pixel values (0 to 16), then the digit.
    let data = read_csv(
        concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv.gz"),
        0,
    )?
    .dataset::<f32, 64, 1>(Columns::Last)?;
    let (train, test) = data.train_test_split(0.2, 42, true)?;

    // Standardize with statistics of the training set only.
    let scaler = Standardizer::fit(train.x())?;
    let (train, test) = (
        scaler.transform_dataset(&train)?,
        scaler.transform_dataset(&test)?,
    );

    let mut model = Model::new(
        Digits::seeded(42),
        Adam::default(),
        SparseCategoricalCrossentropy::default(),
    )
    .with_metrics(&[Metric::Accuracy]);
    let fit = Fit {
        epochs: 30,
        batch_size: 32,
        validation_split: Some(0.1),
        seed: 42,
        ..Fit::default()
    };
    let started = std::time::Instant::now();
    model.fit(&train, &fit)?;
    println!("trained in {:.2} s", started.elapsed().as_secs_f64());

    let scores = model.evaluate(&test)?;
    let accuracy = nn::train::log_value(&scores, "accuracy").unwrap_or(f64::NAN);
    println!("test accuracy: {accuracy:.4}");
    Ok(())
}
