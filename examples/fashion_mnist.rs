//! A Dense-only network on Fashion-MNIST (60,000 training and 10,000 test images of clothing,
//! 28×28, 10 classes), then a save and a load that must predict the same, and our int8
//! post-training quantization (1000 training images as calibration) written as a `.tflite`
//! file, read back, and its test accuracy set beside the float network's
//! (`tools/int8_fashion_tf.py` then runs the file in TensorFlow Lite and sets TensorFlow's own
//! quantization of the same weights beside it).
//!
//! The dataset installs from Debian: `apt-get install -y dataset-fashion-mnist`.
//! Run with `cargo run --release --example fashion_mnist` (`EPOCHS=n` to change the number of
//! epochs).

mod fashion;

use nn::io::{load_weights, save_weights};
use nn::prelude::*;

network! {
    /// 784 pixels → 256 → 128 relu units with dropout → 10 class probabilities.
    #[int8]
    pub struct Fashion =
        Dense<784, 256, Relu>, Dropout<0.2>,
        Dense<256, 128, Relu>, Dropout<0.2>,
        Dense<128, 10, Softmax>;
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Adam with the learning rate decaying along a cosine over the whole run.
    let (model, test) = fashion::train(Fashion::seeded(1), 30, 1e-3)?;

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

    // Int8: quantized with 1000 training images, written as a .tflite file and read back.
    let calibration = fashion::calibration(1000)?;
    let (int8_model, data) = Int8::<Fashion>::quantized_model(&model.network, &calibration)?;
    let file = nn::tflite::write(&int8_model, &data)?;
    let int8 = Int8::<Fashion>::from_tflite(&file)?;
    let q = int8.input_quantization();
    fashion::compare_int8(
        &test,
        (&file, "fashion_mnist_int8.tflite"),
        |x| {
            let y = model.network.predict(&SVector::from_column_slice(x));
            fashion::argmax(y.as_slice())
        },
        |x| fashion::argmax(&int8.predict(&x.map(|v| q.quantize(v)))),
    )?;
    Ok(())
}
