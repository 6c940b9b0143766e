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
    // The same 784 values a sample as for the CNN: row after row, which is step after step.
    fashion::train(FashionLstm::seeded(1), 10, 2e-3)?;
    Ok(())
}
