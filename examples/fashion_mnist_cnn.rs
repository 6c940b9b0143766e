//! A small CNN on Fashion-MNIST: two Conv2D + BatchNormalization + pooling blocks, dropout, then
//! Dense layers. The dataset installs from Debian: `apt-get install -y dataset-fashion-mnist`.
//!
//! Run with `cargo run --release --example fashion_mnist_cnn`.

#[path = "fashion/cnn.rs"]
mod cnn;
mod fashion;

use cnn::FashionCnn;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    fashion::train(FashionCnn::seeded(1), 15, 1e-3)?;
    Ok(())
}
