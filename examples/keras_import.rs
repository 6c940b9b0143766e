//! Train in Keras, run in Rust: a model trained and saved by Keras is loaded into a declared
//! network, which then reaches Keras's accuracy on the Fashion-MNIST test set.
//!
//! The Python side is `tools/keras_fashion.py`: it trains `Input(784) → Dense(64, relu) →
//! Dropout(0.2) → Dense(10, softmax)` with Keras 3 (layer names left at Keras's defaults),
//! saves it with `model.save("fashion_mlp.keras")`, and writes Keras's test accuracy and its
//! probabilities for test image 0 to `fashion_mlp.json`. Both files are committed in
//! `examples/models/`, so this example needs no Python.
//!
//! The declaration carries `#[keras("examples/models/fashion_mlp.keras", embed)]`, so the build
//! checks it against the file and builds the weights into the program. The example then loads the file with `load_keras` (which makes the same
//! check at run time), counts the correct predictions on the 10,000 test images and compares
//! them with Keras's, compares image 0's probabilities with Keras's to 1e-5, and declares a
//! network that does not fit the file to show the error that loading it gets.
//!
//! Last, the Keras model goes to int8 without TensorFlow's converter: our calibration on 1,000
//! training images (`Int8::<FashionMlp>::quantize`), the int8 test accuracy beside the float
//! one, and the int8 model written as a `.tflite` file (`nn::tflite::write`) in the target
//! folder, which TensorFlow Lite runs.
//!
//! The dataset installs from Debian: `apt-get install -y dataset-fashion-mnist`.
//! Run with `cargo run --release --example keras_import`.

mod fashion;

use std::path::Path;
use std::time::Instant;

use nn::prelude::*;

network! {
    /// The Keras model: `Input((784,))`, `Dense(64, "relu")`, `Dropout(0.2)`,
    /// `Dense(10, "softmax")`; the fields get Keras's default layer names (`dense`, `dropout`,
    /// `dense_1`). The attribute compares the declaration with the file during the build, as
    /// `load_keras` does at run time, and (`embed`) builds the weights into the program.
    #[keras("examples/models/fashion_mlp.keras", embed)]
    #[int8]
    pub struct FashionMlp = Dense<784, 64, Relu>, Dropout<0.2>, Dense<64, 10, Softmax>;
}

network! {
    /// The model declared from a faulty memory, wrong twice: 128 hidden units instead of 64, and
    /// a dropout rate of 0.5 instead of 0.2. It does not fit the file.
    pub struct Misremembered = Dense<784, 128, Relu>, Dropout<0.5>, Dense<128, 10, Softmax>;
}

/// What Keras measured, from `fashion_mlp.json`.
struct Keras {
    version: String,
    accuracy: f64,
    first_probabilities: Vec<f64>,
}

fn keras_results(path: &Path) -> Result<Keras, Box<dyn std::error::Error>> {
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let missing = |key: &str| format!("{}: no `{key}`", path.display());
    Ok(Keras {
        version: json["keras"].as_str().ok_or(missing("keras"))?.to_owned(),
        accuracy: json["test_accuracy"]
            .as_f64()
            .ok_or(missing("test_accuracy"))?,
        first_probabilities: json["first_test_probabilities"]
            .as_array()
            .ok_or(missing("first_test_probabilities"))?
            .iter()
            .map(|v| v.as_f64().ok_or(missing("first_test_probabilities")))
            .collect::<Result<_, _>>()?,
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/models");
    let file = models.join("fashion_mlp.keras");
    let keras = keras_results(&models.join("fashion_mlp.json"))?;
    let (train, test) = fashion::load()?;

    let started = Instant::now();
    let net = FashionMlp::load_keras(&file)?;
    let load_time = started.elapsed();
    println!(
        "loaded {} ({} bytes, saved by Keras {}) in {:.2} ms",
        file.display(),
        std::fs::metadata(&file)?.len(),
        keras.version,
        load_time.as_secs_f64() * 1e3
    );
    println!("{}", net.summary());

    // Accuracy on the test set: the same count of correct predictions as Keras.
    let probabilities = net.predict_batch(test.x());
    let correct = (0..test.len())
        .filter(|&i| probabilities.column(i).argmax().0 == test.class_of(i))
        .count();
    let accuracy = correct as f64 / test.len() as f64;
    let keras_correct = (keras.accuracy * test.len() as f64).round() as usize;
    println!(
        "test accuracy: nn {accuracy:.4} ({correct} of {} correct), Keras {:.4} ({keras_correct} correct)",
        test.len(),
        keras.accuracy
    );
    let same_accuracy = correct == keras_correct;
    if same_accuracy {
        println!("  the same count of correct predictions as Keras");
    } else {
        println!(
            "  DIFFERENT: nn gets {correct}, Keras {keras_correct} ({:+} images)",
            correct as i64 - keras_correct as i64
        );
    }

    // Test image 0: the same probabilities as Keras, to 1e-5.
    let first = probabilities.column(0);
    let largest_difference = first
        .iter()
        .zip(&keras.first_probabilities)
        .map(|(&ours, &theirs)| (f64::from(ours) - theirs).abs())
        .fold(0.0, f64::max);
    let close = keras.first_probabilities.len() == 10 && largest_difference <= 1e-5;
    println!(
        "test image 0: class {} with probability {:.6} (Keras {:.6}); largest difference from Keras's 10 probabilities {largest_difference:.1e}{}",
        first.argmax().0,
        first.max(),
        keras
            .first_probabilities
            .iter()
            .copied()
            .fold(0.0, f64::max),
        if close {
            ", within 1e-5"
        } else {
            ", MORE than 1e-5"
        }
    );

    // The same weights, built into the program: no file, no error, the same predictions.
    static EMBEDDED: FashionMlp = FashionMlp::EMBEDDED;
    let same = EMBEDDED.predict_batch(test.x()) == probabilities;
    println!(
        "FashionMlp::EMBEDDED, the weights built into the program: {} predictions",
        if same { "the same" } else { "DIFFERENT" }
    );

    // The check: a declaration that does not fit the file is refused, with every difference.
    println!("\nloading the same file as `Misremembered` (128 hidden units, dropout 0.5):");
    match Misremembered::load_keras(&file) {
        Ok(_) => return Err("a network that does not fit the file was loaded".into()),
        Err(error) => println!("{error}"),
    }

    // Keras to int8 TensorFlow Lite, through our calibration.
    let calibration = train.x().columns(0, 1000).into_owned();
    let int8 = Int8::<FashionMlp>::quantize(&net, &calibration)?;
    let q = int8.input_quantization();
    let int8_correct = (0..test.len())
        .filter(|&i| {
            let x: [i8; 784] = core::array::from_fn(|k| q.quantize(test.x()[(k, i)]));
            let y = int8.predict(&x);
            // The first of the largest, as `argmax` takes it (int8 probabilities tie often).
            let best = (0..10).fold(0, |best, k| if y[k] > y[best] { k } else { best });
            best == test.class_of(i)
        })
        .count();
    let (model, data) = Int8::<FashionMlp>::quantized_model(&net, &calibration)?;
    let tflite = nn::tflite::write(&model, &data)?;
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fashion_mlp_int8.tflite");
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&out, &tflite)?;
    println!(
        "\nint8 (our calibration on 1,000 training images): test accuracy {:.4} ({int8_correct} \
         correct; float {accuracy:.4}); written as {} ({} bytes)",
        int8_correct as f64 / test.len() as f64,
        out.display(),
        tflite.len()
    );

    if !(same_accuracy && close && same) {
        return Err("nn does not reproduce Keras's results (see above)".into());
    }
    Ok(())
}
