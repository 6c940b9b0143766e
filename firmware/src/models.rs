//! The two networks the firmware runs, their weights built into the program from the files
//! `cargo run --release --example embedded_models` wrote (with `nn::io::save_weights`). The host
//! test `tests/firmware.rs` declares the same networks, loads the same files at run time and
//! compares its predictions with the ones these print. The inputs are here too, so that both
//! sides run the same.

use nn::prelude::*;

network! {
    /// TensorFlow Lite Micro's and MicroFlow's hello world: `sin(x)` for `x` in [0, 2π],
    /// 1 → 16 relu → 16 relu → 1.
    #[safetensors("models/sine.safetensors", embed)]
    pub struct Sine = Dense<1, 16, Relu>, Dense<16, 16, Relu>, Dense<16, 1>;

    /// The quickstart's classifier of 8×8 handwritten digits.
    #[safetensors("models/digits.safetensors", embed)]
    pub struct Digits = Dense<64, 64, Relu>, Dropout<0.2>, Dense<64, 10, Softmax>;
}

/// The sine model, in flash.
pub static SINE: Sine = Sine::EMBEDDED;

/// The digits classifier, in flash.
pub static DIGITS: Digits = Digits::EMBEDDED;

include!("../models/sine_inputs.rs");

/// The digits network's standardization and five test images.
pub mod digits {
    include!("../models/digits.rs");
}

/// A raw image (pixels 0 to 16) standardized as in training: `(x − mean) / scale`.
pub fn standardize(pixels: &[f32; 64]) -> SVector<f32, 64> {
    SVector::from_fn(|i, _| (pixels[i] - digits::MEAN[i]) / digits::SCALE[i])
}
