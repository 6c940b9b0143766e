//! A small CNN on Fashion-MNIST: two Conv2D + BatchNormalization + pooling blocks, dropout, then
//! Dense layers. The dataset installs from Debian: `apt-get install -y dataset-fashion-mnist`.
//!
//! Run with `cargo run --release --example fashion_mnist_cnn`.

use std::path::Path;

use nn::data::read_idx;
use nn::prelude::*;

network! {
    /// 28×28 greyscale images → 10 classes.
    pub struct FashionCnn =
        Input<28, 28, 1>,
        Conv2D<32, (3, 3), Relu>, BatchNormalization, MaxPool2D<(2, 2)>,
        Conv2D<64, (3, 3), Relu>, BatchNormalization, MaxPool2D<(2, 2)>,
        Flatten, Dropout<0.3>,
        Dense<_, 128, Relu>, Dropout<0.3>,
        Dense<128, 10, Softmax>;
}

const DIR: &str = "/usr/share/datasets/fashion-mnist";

fn load(images: &str, labels: &str) -> Result<Dataset<f32, 784, 1>, nn::Error> {
    let (dims, pixels) = read_idx(Path::new(DIR).join(images))?;
    let (label_dims, classes) = read_idx(Path::new(DIR).join(labels))?;
    if dims[1..] != [28, 28] || label_dims[0] != dims[0] {
        return Err(nn::Error::Data {
            problem: format!("images {dims:?} and labels {label_dims:?} do not match"),
        });
    }
    let x: Vec<f32> = pixels.iter().map(|&p| f32::from(p) / 255.0).collect();
    let y: Vec<f32> = classes.iter().map(|&c| f32::from(c)).collect();
    Dataset::from_slices(&x, &y)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if !Path::new(DIR).join("train-images-idx3-ubyte.gz").exists() {
        eprintln!(
            "Fashion-MNIST is not installed: run `apt-get install -y dataset-fashion-mnist` (it installs into {DIR})."
        );
        std::process::exit(2);
    }
    let epochs: usize = std::env::var("EPOCHS")
        .ok()
        .and_then(|e| e.parse().ok())
        .unwrap_or(15);
    let train = load("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")?;
    let test = load("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")?;
    println!("{}", FashionCnn::seeded(1).summary());

    let batch_size = 64;
    let steps = epochs * train.len().div_ceil(batch_size);
    let optimizer = Adam::new(nn::CosineDecay::new(1e-3, steps as u64));
    let mut model = Model::new(
        FashionCnn::seeded(1),
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
    let accuracy = scores
        .iter()
        .find(|(k, _)| k == "accuracy")
        .map_or(f64::NAN, |s| s.1);
    println!("test accuracy: {accuracy:.4}");
    Ok(())
}
