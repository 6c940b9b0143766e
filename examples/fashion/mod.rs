//! Loading Fashion-MNIST for the examples that train on it.

use std::path::Path;

use nn::data::{Dataset, read_idx};

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
