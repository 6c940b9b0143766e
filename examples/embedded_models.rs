//! Trains the two networks the firmware example (`firmware/`) builds into its program, and
//! writes their weights with `nn::io::save_weights`:
//!
//! - `firmware/models/sine.safetensors`: the "sine" model of TensorFlow Lite Micro's and
//!   MicroFlow's hello-world (1 → 16 relu → 16 relu → 1), fitted to `sin(x)` on [0, 2π];
//! - `firmware/models/digits.safetensors`: the quickstart's digits classifier, with
//!   `firmware/models/digits.rs` holding its input standardization and a few test images;
//! - `tests/fixtures/embedded/mixed.safetensors`: a network with every kind of layer that has
//!   weights, for the tests of `#[safetensors(.., embed)]`;
//! - `tests/fixtures/embedded/blocks.safetensors`: a network with a residual block and a
//!   concatenation, briefly trained (so its moving statistics are not the initial ones).
//!
//! Run with `cargo run --release --example embedded_models`. The files are committed; running
//! it again (same seeds) rewrites them.

use std::fmt::Write as _;

use nn::data::{Columns, Standardizer, read_csv};
use nn::prelude::*;
use rand::{RngExt, SeedableRng};

network! {
    /// The hello-world of microcontroller inference: `sin(x)` from `x` in [0, 2π].
    pub struct Sine = Dense<1, 16, Relu>, Dense<16, 16, Relu>, Dense<16, 1>;

    /// The quickstart's classifier of 8×8 digits.
    pub struct Digits = Dense<64, 64, Relu>, Dropout<0.2>, Dense<64, 10, Softmax>;

    /// Every kind of layer with weights, with options that change how it is built.
    pub struct Mixed =
        Input<6, 6, 2>,
        Conv2D<3, (3, 3), Relu, padding = Same>,
        BatchNormalization,
        PReLU,
        DepthwiseConv2D<(3, 3), Relu, padding = Same, depth_multiplier = 2>,
        SeparableConv2D<4, (2, 2), padding = Same, use_bias = false>,
        MaxPool2D<(2, 2)>,
        Flatten,
        Dense<_, 5, LeakyRelu, use_bias = false, trainable = false>,
        Dropout<0.25>,
        Dense<5, 3, Softmax, kernel_regularizer = L2(0.01)>;

    /// A residual block and a concatenation of a strided 1×1 convolution and a pool.
    pub struct Blocks = Input<6, 6, 2>, Conv2D<4, (3, 3), Relu, padding = Same>,
        Add<[Conv2D<4, (3, 3), Relu, padding = Same>, BatchNormalization], []>,
        Concatenate<[Conv2D<2, (1, 1), strides = (2, 2)>], [MaxPool2D<(2, 2)>]>,
        Flatten, Dense<_, 3, Softmax>;
}

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    sine()?;
    digits()?;
    mixed()?;
    blocks()?;
    Ok(())
}

fn sine() -> Result<(), nn::Error> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let x: Vec<[f32; 1]> = (0..1000)
        .map(|_| [rng.random_range(0.0..std::f32::consts::TAU)])
        .collect();
    let y: Vec<[f32; 1]> = x.iter().map(|&[x]| [x.sin()]).collect();
    let data = Dataset::<f32, 1, 1>::from_rows(&x, &y)?;
    let mut model = Model::new(Sine::seeded(3), Adam::new(0.01), MeanSquaredError);
    let fit = Fit {
        epochs: 400,
        batch_size: 32,
        seed: 5,
        verbose: Verbosity::Silent,
        ..Fit::default()
    };
    let history = model.fit(&data, &fit)?;
    let loss = history.get("loss").and_then(|l| l.last()).copied();
    println!("sine: final mean squared error {loss:.5?}");
    nn::io::save_weights(
        &model.network,
        format!("{ROOT}/firmware/models/sine.safetensors"),
    )
}

fn digits() -> Result<(), Box<dyn std::error::Error>> {
    let data =
        read_csv(format!("{ROOT}/data/digits.csv.gz"), 0)?.dataset::<f32, 64, 1>(Columns::Last)?;
    let (train, test) = data.train_test_split(0.2, 42, true)?;
    let scaler = Standardizer::fit(train.x())?;
    let (scaled_train, scaled_test) = (
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
        seed: 42,
        verbose: Verbosity::Silent,
        ..Fit::default()
    };
    model.fit(&scaled_train, &fit)?;
    let accuracy = nn::train::log_value(&model.evaluate(&scaled_test)?, "accuracy");
    println!("digits: test accuracy {accuracy:.4?}");
    nn::io::save_weights(
        &model.network,
        format!("{ROOT}/firmware/models/digits.safetensors"),
    )?;

    // The standardization and five test images (raw pixels, 0 to 16) for the firmware.
    let mut source = String::from(
        "// Written by `cargo run --release --example embedded_models`: the digits network's input\n\
         // standardization (from its training set) and five images of its test set.\n\n",
    );
    let array = |values: &[f32]| {
        let items: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
        format!("[{}]", items.join(", "))
    };
    writeln!(source, "/// Each pixel's mean over the training set.").unwrap();
    writeln!(
        source,
        "pub const MEAN: [f32; 64] = {};",
        array(scaler.mean())
    )
    .unwrap();
    writeln!(
        source,
        "/// Each pixel's standard deviation (1 where it is 0)."
    )
    .unwrap();
    writeln!(
        source,
        "pub const SCALE: [f32; 64] = {};",
        array(scaler.scale())
    )
    .unwrap();
    writeln!(
        source,
        "/// Five test images, raw pixels (0 to 16), and their digits."
    )
    .unwrap();
    writeln!(source, "pub const IMAGES: [([f32; 64], usize); 5] = [").unwrap();
    for i in 0..5 {
        let pixels: Vec<f32> = test.x().column(i).iter().copied().collect();
        writeln!(source, "    ({}, {}),", array(&pixels), test.class_of(i)).unwrap();
    }
    writeln!(source, "];").unwrap();
    std::fs::write(format!("{ROOT}/firmware/models/digits.rs"), source)?;
    Ok(())
}

fn blocks() -> Result<(), nn::Error> {
    let x: Vec<f32> = (0..72 * 32).map(|i| (i as f32 * 0.37).sin()).collect();
    let y: Vec<f32> = (0..32).map(|i| (i % 3) as f32).collect();
    let data = nn::data::Dataset::<f32, 72, 1>::from_slices(&x, &y)?;
    let mut model = Model::new(
        Blocks::seeded(5),
        Adam::new(0.01),
        SparseCategoricalCrossentropy::default(),
    );
    let fit = Fit {
        batch_size: 8,
        epochs: 3,
        verbose: nn::Verbosity::Silent,
        ..Fit::default()
    };
    model.fit(&data, &fit)?;
    nn::io::save_weights(
        &model.network,
        format!("{ROOT}/tests/fixtures/embedded/blocks.safetensors"),
    )
}

fn mixed() -> Result<(), nn::Error> {
    let mut net = Mixed::seeded(7);
    // Moving statistics other than the initial ones, so that they matter.
    for (i, v) in net.batch_normalization.moving_mean.iter_mut().enumerate() {
        *v = 0.1 * i as f32 - 0.05;
    }
    for (i, v) in net
        .batch_normalization
        .moving_variance
        .iter_mut()
        .enumerate()
    {
        *v = 0.5 + 0.25 * i as f32;
    }
    for (i, v) in net.p_re_lu.alpha.iter_mut().enumerate() {
        *v = 0.01 * (i % 7) as f32;
    }
    nn::io::save_weights(
        &net,
        format!("{ROOT}/tests/fixtures/embedded/mixed.safetensors"),
    )
}
