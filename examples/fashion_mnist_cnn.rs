//! A small CNN on Fashion-MNIST: two Conv2D + BatchNormalization + pooling blocks, dropout, then
//! Dense layers; then our int8 post-training quantization (1000 training images as
//! calibration) written as a `.tflite` file, read back, and its test accuracy set beside the
//! float network's (`tools/int8_fashion_tf.py` then runs the file in TensorFlow Lite and sets
//! TensorFlow's own quantization of the same weights beside it). The trained weights are saved
//! too, for that tool. The dataset installs from Debian: `apt-get install -y
//! dataset-fashion-mnist`.
//!
//! Run with `cargo run --release --example fashion_mnist_cnn`.

#[path = "fashion/cnn.rs"]
mod cnn;
mod fashion;

use cnn::FashionCnn;
use nn::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (model, test) = fashion::train(FashionCnn::seeded(1), 15, 1e-3)?;
    let path = std::env::temp_dir().join("fashion_mnist_cnn.safetensors");
    nn::io::save_weights(&model.network, &path)?;
    println!("saved to {}", path.display());

    // Int8: quantized with 1000 training images, written as a .tflite file and read back.
    let calibration = fashion::calibration(1000)?;
    let (int8_model, data) = Int8::<FashionCnn>::quantized_model(&model.network, &calibration)?;
    let file = nn::tflite::write(&int8_model, &data)?;
    let int8 = Int8::<FashionCnn>::from_tflite(&file)?;
    let q = int8.input_quantization();
    fashion::compare_int8(
        &test,
        (&file, "fashion_mnist_cnn_int8.tflite"),
        |x| {
            let y = model.network.predict(&SVector::from_column_slice(x));
            fashion::argmax(y.as_slice())
        },
        |x| fashion::argmax(&int8.predict(&x.map(|v| q.quantize(v)))),
    )?;
    Ok(())
}
