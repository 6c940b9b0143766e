//! A residual network of depthwise-separable blocks on Fashion-MNIST (`examples/fashion/resnet.rs`):
//! trained as `fashion_mnist_cnn` is, with a third of its parameters. The dataset installs
//! from Debian: `apt-get install -y dataset-fashion-mnist`.
//!
//! Run with `cargo run --release --example fashion_mnist_resnet`.

mod fashion;
#[path = "fashion/resnet.rs"]
mod resnet;

use resnet::FashionResnet;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    fashion::train(FashionResnet::seeded(1), 15, 1e-3)?;
    Ok(())
}
