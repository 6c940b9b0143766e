//! What an int8 network is: the int8 form of a declaration (`#[int8]`), named `Int8<Net>`.

/// A declaration with an int8 form: `network!` implements it for a network declared with
/// `#[int8]` (or read from a `.tflite` file), its form [`Int8<Net>`](Int8).
pub trait Quantized {
    /// The int8 network: the declaration's layers in their int8 forms, with `predict` on int8
    /// samples and the quantization of its input and output.
    type Int8;
}

/// The int8 form of the network `N` (declared with `#[int8]`). `network!` generates it with:
///
/// - `Int8::<N>::load_tflite(path)`, `from_tflite(bytes)`: read from a TensorFlow Lite file,
///   its graph compared with the declaration (`Error::Mismatch` lists every difference);
/// - `Int8::<N>::quantize(&net, &calibration)`: our own post-training quantization of a float
///   `N`, and `quantized_model` for the TensorFlow Lite model it makes (`nn::tflite::write`
///   writes it as a file);
/// - `predict(&[i8; INPUT]) -> [i8; OUTPUT]` (no heap, no `std`), `predict_f32`,
///   `input_quantization()`, `output_quantization()`, `INPUT`, `OUTPUT`.
///
/// Reading and quantizing build the network on the heap, but in a debug build by way of the
/// stack: a network of several megabytes of weights needs a larger stack there (a release
/// build does not).
pub type Int8<N> = <N as Quantized>::Int8;

/// How a tensor's int8 values stand for reals: `real = scale · (q − zero)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quant {
    /// The real step between neighbouring values.
    pub scale: f32,
    /// The int8 value that stands for 0.
    pub zero: i32,
}

impl Quant {
    /// The int8 value nearest to `x` (TensorFlow Lite's `QUANTIZE`: `round(x / scale) + zero`,
    /// halves away from zero, saturated to int8; NaN gives the zero point).
    pub fn quantize(self, x: f32) -> i8 {
        let q = libm::roundf(x / self.scale);
        // `as` saturates (and sends NaN to 0) before the clamp.
        (q as i32).saturating_add(self.zero).clamp(-128, 127) as i8
    }

    /// The real that `q` stands for.
    pub fn dequantize(self, q: i8) -> f32 {
        self.scale * (i32::from(q) - self.zero) as f32
    }
}

/// Reads an int8 network from a TensorFlow Lite file's `bytes` (from `path`, for messages):
/// `layers` loads each declared layer from the walk. The input's and the output's
/// quantization.
///
/// # Errors
///
/// [`Error::Format`](crate::Error::Format) when the bytes are not a TensorFlow Lite file of one
/// int8 graph; [`Error::Mismatch`](crate::Error::Mismatch) with every difference between the
/// file and the declaration `network`.
#[cfg(feature = "std")]
pub fn read(
    bytes: &[u8],
    path: &std::path::Path,
    network: &'static str,
    layers: impl FnOnce(&mut super::Walk<'_>),
) -> Result<(Quant, Quant), crate::Error> {
    let model = nn_tflite::read(bytes).map_err(|e| format_error(path, e))?;
    from_model(&model, bytes, path, network, layers)
}

/// A file's error as [`Error::Format`](crate::Error::Format).
#[cfg(feature = "std")]
pub fn format_error(path: &std::path::Path, error: nn_tflite::Error) -> crate::Error {
    crate::Error::format_because(path, error.to_string(), error)
}

/// [`read`] on a model already read (or built: [`quantize`]), whose buffers lie in `bytes`.
///
/// # Errors
///
/// Those of [`read`].
#[cfg(feature = "std")]
pub fn from_model(
    model: &nn_tflite::Model,
    bytes: &[u8],
    path: &std::path::Path,
    network: &'static str,
    layers: impl FnOnce(&mut super::Walk<'_>),
) -> Result<(Quant, Quant), crate::Error> {
    let format = |problem: String| crate::Error::format(path, problem);
    let mut walk = super::Walk::new(model, bytes).map_err(format)?;
    let input = walk.input_quantization();
    layers(&mut walk);
    walk.part("the output");
    let output = walk.input_quantization();
    walk.finish().map_err(|problems| crate::Error::Mismatch {
        path: path.to_path_buf(),
        network,
        problems,
    })?;
    match (input, output) {
        (Some((s, z)), Some((os, oz))) => Ok((
            Quant { scale: s, zero: z },
            Quant {
                scale: os,
                zero: oz,
            },
        )),
        // `finish` reports a tensor without quantization.
        _ => Err(format("its input or output is not quantized".into())),
    }
}

/// Converts a float network to an int8 model: `observe` runs it on each batch of the
/// calibration samples `x` (at most 32 at a time), noting each layer's range; `convert` then
/// adds each layer's operators to a converter for inputs of `shape`.
///
/// # Errors
///
/// [`Error::Data`](crate::Error::Data) when there are no calibration samples;
/// [`Error::Setting`](crate::Error::Setting) naming each layer that cannot be converted.
#[cfg(feature = "std")]
pub fn quantize<const I: usize>(
    x: &crate::Batch<f32, I>,
    shape: &[usize],
    mut observe: impl FnMut(&crate::Batch<f32, I>, &mut super::Ranges),
    convert: impl FnOnce(&mut super::Converter),
) -> Result<(nn_tflite::Model, std::vec::Vec<u8>), crate::Error> {
    if x.ncols() == 0 {
        return Err(crate::Error::data(
            "no calibration samples; expected some samples of the data the network will see",
        ));
    }
    let mut ranges = super::Ranges::default();
    // The ranges, hence the file's scales, depend on the last bits of the float outputs. On
    // AVX-512 a small dense layer's batch sums as `predict` does (`layers/dense/batch.rs`), not
    // as the products of AVX2 and of the baseline, whose roundings gave the same ranges on every
    // network of `tests/int8_quantize.rs`: the calibration stays on those, so that a network
    // quantizes to the same file on every x86-64 processor.
    let isa = crate::simd::Isa::current().min(crate::simd::Isa::Avx2);
    crate::simd::with_isa(isa, || {
        for start in (0..x.ncols()).step_by(32) {
            let batch = x.columns(start, 32.min(x.ncols() - start)).into_owned();
            ranges.rewind();
            ranges.observe(batch.as_slice());
            observe(&batch, &mut ranges);
        }
    });
    let mut converter = super::Converter::new(ranges, shape);
    convert(&mut converter);
    converter
        .finish()
        .map_err(|problems| crate::Error::Setting {
            what: "quantization",
            problem: problems.join("; "),
        })
}
/// The bytes of the file at `path`.
///
/// # Errors
///
/// [`Error::Io`](crate::Error::Io) when it cannot be read.
#[cfg(feature = "std")]
pub fn bytes(path: &std::path::Path) -> Result<std::vec::Vec<u8>, crate::Error> {
    std::fs::read(path).map_err(|e| crate::Error::io(path, e))
}
