//! Loading Fashion-MNIST for the examples that train on it.

use std::path::Path;

use nn::data::{Dataset, read_idx};
use nn::prelude::*;

/// Where Debian's `dataset-fashion-mnist` package installs the set.
const DIR: &str = "/usr/share/datasets/fashion-mnist";

/// The training and test sets (pixels scaled to [0, 1], integer labels). Exits with a message
/// saying how to install the set when it is missing.
pub(crate) fn load() -> Result<(Dataset<f32, 784, 1>, Dataset<f32, 784, 1>), nn::Error> {
    if !Path::new(DIR).join("train-images-idx3-ubyte.gz").exists() {
        eprintln!(
            "Fashion-MNIST is not installed: run `apt-get install -y dataset-fashion-mnist` (it installs into {DIR})."
        );
        std::process::exit(2);
    }
    Ok((
        split("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")?,
        split("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")?,
    ))
}

/// The images and labels of one split.
fn split(images: &str, labels: &str) -> Result<Dataset<f32, 784, 1>, nn::Error> {
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

/// A network of Fashion-MNIST trained by [`train`], with its optimizer.
#[allow(dead_code, reason = "`keras_import` only loads the set")]
pub(crate) type Trained<N> = Model<f32, N, Adam<nn::CosineDecay>, SparseCategoricalCrossentropy>;

/// Trains `net` on Fashion-MNIST as the examples do (Adam with a cosine decay from
/// `learning_rate` over the run, batches of 64, `EPOCHS` epochs or `default_epochs`, the test
/// set shown after each epoch and chosen by nothing), prints the time and the test accuracy,
/// and returns the model and the test set.
#[allow(dead_code, reason = "`keras_import` only loads the set")]
pub(crate) fn train<N>(
    net: N,
    default_epochs: usize,
    learning_rate: f64,
) -> Result<(Trained<N>, Dataset<f32, 784, 1>), Box<dyn std::error::Error>>
where
    N: Network<f32, Input = nn::nalgebra::Const<784>, Output = nn::nalgebra::Const<10>>,
{
    let epochs: usize = std::env::var("EPOCHS")
        .ok()
        .and_then(|e| e.parse().ok())
        .unwrap_or(default_epochs);
    let (train, test) = load()?;
    println!("{} training and {} test images", train.len(), test.len());
    println!("{}", nn::Summary::of(&net));

    let batch_size = 64;
    let steps = epochs * train.len().div_ceil(batch_size);
    let optimizer = Adam::new(nn::CosineDecay::new(learning_rate, steps as u64));
    let mut model = Model::new(net, optimizer, SparseCategoricalCrossentropy::default())
        .with_metrics(&[Metric::Accuracy]);
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
    Ok((model, test))
}

/// The first `n` training images, one per column: calibration samples for quantization.
#[allow(dead_code, reason = "only the examples that quantize calibrate")]
pub(crate) fn calibration(n: usize) -> Result<nn::Batch<f32, 784>, nn::Error> {
    let (train, _) = load()?;
    Ok(train.x().columns(0, n.min(train.len())).into_owned())
}

/// The share of `test`'s images whose class `classify` gets right.
#[allow(dead_code, reason = "only the examples that quantize count this way")]
pub(crate) fn accuracy(
    test: &Dataset<f32, 784, 1>,
    classify: impl Fn(&[f32; 784]) -> usize,
) -> f64 {
    let right = test
        .x()
        .column_iter()
        .zip(test.y().iter())
        .filter(|(x, y)| {
            let x: [f32; 784] = core::array::from_fn(|k| x[k]);
            classify(&x) == **y as usize
        })
        .count();
    right as f64 / test.len() as f64
}

/// Writes an int8 network's `.tflite` `file` as `name` in the temporary folder, and prints the
/// test accuracy of `int8` beside that of `float` (each classifies an image) and the file's size.
#[allow(dead_code, reason = "only the examples that quantize compare")]
pub(crate) fn compare_int8(
    test: &Dataset<f32, 784, 1>,
    (file, name): (&[u8], &str),
    float: impl Fn(&[f32; 784]) -> usize,
    int8: impl Fn(&[f32; 784]) -> usize,
) -> std::io::Result<()> {
    let tflite = std::env::temp_dir().join(name);
    std::fs::write(&tflite, file)?;
    let float_accuracy = accuracy(test, float);
    let int8_accuracy = accuracy(test, int8);
    println!(
        "test accuracy: float {float_accuracy:.4}, int8 {int8_accuracy:.4} ({:+.2} points); \
         int8 model {} bytes ({})",
        100.0 * (int8_accuracy - float_accuracy),
        file.len(),
        tflite.display()
    );
    Ok(())
}

/// The index of the greatest of `values` (the first of equals).
#[allow(dead_code, reason = "only the examples that quantize count this way")]
pub(crate) fn argmax<T: PartialOrd + Copy>(values: &[T]) -> usize {
    let mut best = 0;
    for (k, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = k;
        }
    }
    best
}
