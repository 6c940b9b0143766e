//! The `network!` macro of [`nn`](https://docs.rs/nn). Use it through the `nn` crate, which
//! re-exports it with the runtime it expands to.
//!
//! The macro is a pipeline of small modules:
//!
//! 1. `parse` reads the invocation into `ast`, the syntax as written (every token kept for
//!    error spans). It accepts any identifier as a layer kind, option or activation.
//! 2. `check` runs the layers' rules in order. The rules live in `kinds`: one file per layer
//!    kind and one table, `kinds::KINDS`, with each kind's DSL name, Keras class, options with
//!    their defaults, and rule. A rule sees its layer and what the layers before it produce
//!    (`shared::context`), checks the layer with the helpers in `shared` (arguments, shapes,
//!    windows, activations, initializers, regularizers, constraints, the options of layers with
//!    weights), and returns its output shape and, for a real layer, its description in `ir`.
//!    `check` names the fields and collects every mistake (`errors`), so that all of them are
//!    reported in one build.
//! 3. `ir` is the checked network, which knows no kinds: each layer is a runtime type (a name
//!    and generic arguments), its constructors in a small expression language, fields to set,
//!    its shapes, and whether it is the identity at inference.
//! 4. `expand` writes the struct and its impls from the IR, every layer the same way. It is the
//!    only module that names the runtime's crate.
//!
//! Keras's facts (class names, defaults, window arithmetic, the inline-storage limit) come
//! from the `nn-keras` crate, which the runtime reads too.
#![deny(unsafe_code)]

mod ast;
mod blocks;
mod budget;
mod check;
mod embed;
mod errors;
mod expand;
mod int8;
mod ir;
mod keras_file;
mod kinds;
mod names;
mod onnx_file;
mod parse;
mod pytorch_file;
mod safetensors_file;
mod shared;
mod tflite;

use proc_macro::TokenStream;

/// Declares one or more networks whose shapes the compiler checks.
///
/// ```
/// use nn::prelude::*;
///
/// const HIDDEN: usize = 64;
///
/// network! {
///     /// A small classifier.
///     pub struct Classifier = Dense<32, HIDDEN, Relu>, Dropout<0.5>, Dense<_, 10, Softmax>;
///
///     /// An autoencoder with named layers and Keras options.
///     pub struct Autoencoder =
///         encoder: Dense<16, 4, Selu, kernel_initializer = LecunNormal>,
///         decoder: Dense<4, 16, Sigmoid, use_bias = false>;
/// }
///
/// let net = Classifier::seeded(0);
/// assert_eq!(Classifier::PARAMS, 32 * 64 + 64 + 64 * 10 + 10);
/// let y = net.predict(&SVector::<f32, 32>::zeros());
/// assert!((y.sum() - 1.0).abs() < 1e-5);
/// assert_eq!(Autoencoder::<f64>::seeded(1).encoder.kernel.shape(), (4, 16));
/// ```
///
/// An image network: the macro computes every output shape and writes it out.
///
/// ```
/// use nn::prelude::*;
///
/// network! {
///     pub struct Digits =
///         Input<28, 28, 1>,
///         Conv2D<8, (3, 3), Relu, padding = Same>,
///         BatchNormalization,
///         MaxPool2D<(2, 2)>,
///         Conv2D<16, (3, 3), Relu, strides = (2, 2)>,
///         GlobalAvgPool2D,
///         Dense<_, 10, Softmax>;
/// }
///
/// let shapes: Vec<&[usize]> = <Digits as Network<f32>>::LAYERS.iter().map(|l| l.output).collect();
/// assert_eq!(shapes, [&[28, 28, 8][..], &[28, 28, 8], &[14, 14, 8], &[6, 6, 16], &[16], &[10]]);
/// let y = Digits::seeded(0).predict(&SVector::<f32, 784>::zeros());
/// assert!((y.sum() - 1.0).abs() < 1e-5);
/// ```
///
/// # Grammar
///
/// ```text
/// network := attribute* visibility "struct" Name "=" layer ("," layer)* ";"
/// layer   := (field ":")? Kind ("<" argument ("," argument)* ">")?
///          | (field ":")? Join "<" branch "," branch ">"
/// branch  := "[" (layer ("," layer)*)? "]"
/// ```
///
/// Positional arguments come first, then options as `name = value`. A vector size is a
/// literal, a named `usize` constant, or `_` for the previous layer's width; image sizes,
/// kernels, pools and strides are literals, since the macro computes with them. A layer's field
/// is named as Keras names layers (`dense`, `dense_1`, `conv2d`, `max_pooling2d`, ...) unless
/// the layer is named (`hidden: Dense<32, 64, Relu>`).
///
/// # Layers
///
/// Shapes are channels last: `[H, W, C]` for an image, `[STEPS, FEATURES]` for a sequence, `[N]`
/// for a vector. Layers that do not know steps (Dense, PReLU) are not fed a sequence: `Flatten`
/// it, or end it with a recurrent layer that returns only its last step. A layer whose
/// output is "its input's" passes the shape on.
///
/// | layer | arguments | output shape |
/// |---|---|---|
/// | `Input<H, W, C>` | the network's image; first, and not a layer itself | `[H, W, C]` |
/// | `Input<STEPS, FEATURES>` | the network's sequence; first, and not a layer itself | `[STEPS, FEATURES]` |
/// | `Input<N>` | the network's vector (`N` token ids before an `Embedding`); first, and not a layer itself | `[N]` |
/// | `Embedding<VOCAB, DIM>` | right after `Input<STEPS>`: each token id (a whole number below `VOCAB`) replaced by its vector | `[STEPS, DIM]` |
/// | `Dense<INPUTS, UNITS[, Activation]>` | `INPUTS` equals the previous width (or `_`); `UNITS` at least 1; fed a vector | `[UNITS]` |
/// | `Dropout<RATE>` | a rate in [0, 1), literal or named constant; the identity at inference | its input's |
/// | `Conv2D<FILTERS, (KH, KW)[, Activation]>` | fed an image; kernels `(KH, KW, C, FILTERS)`; `(K, K)` may be written `K` | `[OH, OW, FILTERS]` |
/// | `DepthwiseConv2D<(KH, KW)[, Activation]>` | fed an image; each channel `c` convolved with its own `M` kernels (`depth_multiplier`), output channel `c·M + m`; kernels `(KH, KW, C, M)` | `[OH, OW, C·M]` |
/// | `SeparableConv2D<FILTERS, (KH, KW)[, Activation]>` | fed an image; `DepthwiseConv2D` (without its bias and activation), then a pointwise `1 × 1` convolution of the `C·M` channels into `FILTERS`; kernels `(KH, KW, C, M)` and `(1, 1, C·M, FILTERS)` | `[OH, OW, FILTERS]` |
/// | `MaxPool2D<(PH, PW)>` | fed an image; the largest value of each window | `[OH, OW, C]` |
/// | `AvgPool2D<(PH, PW)>` | fed an image; the mean of each window's values inside the image | `[OH, OW, C]` |
/// | `GlobalAvgPool2D` | fed an image; each channel's mean | `[C]` |
/// | `GlobalMaxPool2D` | fed an image; each channel's largest value | `[C]` |
/// | `Conv1D<FILTERS, K[, Activation]>` | fed a sequence; kernels `(K, FEATURES, FILTERS)`; `K` a literal | `[OUT_STEPS, FILTERS]` |
/// | `DepthwiseConv1D<K[, Activation]>` | fed a sequence; each feature `c` convolved along the steps with its own `M` kernels (`depth_multiplier`), output feature `c·M + m`; kernels `(K, C, M)` | `[OUT_STEPS, C·M]` |
/// | `SeparableConv1D<FILTERS, K[, Activation]>` | fed a sequence; `DepthwiseConv1D` (without its bias and activation), then a pointwise convolution of the `C·M` features into `FILTERS`; kernels `(K, C, M)` and `(1, C·M, FILTERS)` | `[OUT_STEPS, FILTERS]` |
/// | `MaxPool1D<P>` | fed a sequence; the largest value of each window of steps | `[OUT_STEPS, FEATURES]` |
/// | `AvgPool1D<P>` | fed a sequence; the mean of each window's steps inside the sequence | `[OUT_STEPS, FEATURES]` |
/// | `GlobalAvgPool1D` | fed a sequence; each feature's mean over the steps | `[FEATURES]` |
/// | `GlobalMaxPool1D` | fed a sequence; each feature's largest value over the steps | `[FEATURES]` |
/// | `Flatten` | fed an image, a sequence or a vector (which it leaves as it is, as Keras does); the identity on the data | `[H · W · C]`, `[STEPS · FEATURES]`, `[N]` |
/// | `BatchNormalization` | per channel of an image, per unit of a vector | its input's |
/// | `LSTM<UNITS>` | fed a sequence; Keras's LSTM (tanh, sigmoid gates); `UNITS` a literal | `[UNITS]`, or `[STEPS, UNITS]` with `return_sequences = true` |
/// | `GRU<UNITS>` | as `LSTM`: Keras's GRU with `reset_after` (its default) | as `LSTM` |
/// | `SimpleRNN<UNITS>` | as `LSTM`: `h = tanh(W x + R h + b)` | as `LSTM` |
/// | `Bidirectional<LSTM<UNITS, ..>>` | fed a sequence; the layer (`LSTM`, `GRU`, `SimpleRNN`) forwards and a copy with its own weights backwards, merged step by step | `[2·UNITS]` with `Concat`, `[UNITS]` otherwise; per step with `return_sequences = true` |
/// | `LayerNormalization` | each sample's values at each position over their channels (a vector's units), with the sample's own statistics | its input's |
/// | `Activation<Activation>` | any activation, as a layer | its input's |
/// | `LeakyReLU` | the leaky ReLU as a layer | its input's |
/// | `ELU` | the ELU as a layer | its input's |
/// | `PReLU` | a leaky ReLU with a learned slope per input value (`alpha` shaped like its input) | its input's |
///
/// # Blocks
///
/// A block feeds its input to two branches and joins their outputs with one of Keras's merge
/// layers: `Add`, `Subtract` (first minus second), `Multiply`, `Average`, `Maximum`, `Minimum`
/// (value by value: both branches give one shape, the block's), or `Concatenate` (their last
/// axes side by side: the channels of each pixel, the features of each step; the other axes
/// agree). A branch is layers in a row, checked as a chain fed the block's input, or `[]`, the
/// input itself. A ResNet block with an identity shortcut, and one whose shortcut is a strided
/// 1×1 convolution:
///
/// ```
/// use nn::prelude::*;
///
/// network! {
///     pub struct Resnet = Input<8, 8, 4>,
///         Add<[Conv2D<4, (3, 3), Relu, padding = Same>, Conv2D<4, (3, 3), padding = Same>], []>,
///         Activation<Relu>,
///         Add<[Conv2D<8, (3, 3), Relu, strides = (2, 2), padding = Same>, Conv2D<8, (3, 3), padding = Same>],
///             [Conv2D<8, (1, 1), strides = (2, 2)>]>,
///         Activation<Relu>, GlobalAvgPool2D, Dense<_, 10, Softmax>;
/// }
///
/// let net = Resnet::seeded(1);
/// assert!((net.predict(&SVector::repeat(0.5)).sum() - 1.0).abs() < 1e-5);
/// // The block is a field (`add`, `add_1`, ...); its branches hold their layers by name.
/// let shortcut = &net.add_1.second.conv2d_4;
/// # let _ = shortcut;
/// ```
///
/// Branches whose shapes do not fit the join are a compile error at the block naming both
/// shapes. A block trains, streams when its branches do (a `Concatenate` does not), and is saved
/// and loaded with `nn::io`. A Keras functional model with such blocks (ResNet's) loads at run
/// time (`load_keras`) and is checked during the build (`#[keras]`, `embed` included), matched
/// to the declaration layer by layer and block by block; `save_keras` writes one that Keras
/// loads.
///
/// Windows follow Keras: with valid padding `OH = floor((H − KH) / SH) + 1` (a kernel larger
/// than its input is an error), with same padding `OH = ceil(H / SH)`; the same for widths and
/// steps. `Conv1D`'s causal padding puts all `(K − 1)·D` zeros before the first step, so an
/// output never sees a later step: `OUT_STEPS = ceil(STEPS / S)`. A kernel dilated by `D`
/// spans `(K − 1)·D + 1` steps.
///
/// # Options
///
/// | option | of | default |
/// |---|---|---|
/// | `activation` | `Dense`, `Conv2D`, `Conv1D`, `DepthwiseConv2D`, `SeparableConv2D`, `DepthwiseConv1D`, `SeparableConv1D` (or as the last positional argument) | `Linear` |
/// | `use_bias` | `Dense`, `Conv2D`, `Conv1D`, `DepthwiseConv2D`, `SeparableConv2D`, `DepthwiseConv1D`, `SeparableConv1D` | `true` |
/// | `kernel_initializer` | `Dense`, `Conv2D`, `Conv1D` | `GlorotUniform` |
/// | `bias_initializer` | `Dense`, `Conv2D`, `Conv1D`, `DepthwiseConv2D`, `SeparableConv2D`, `DepthwiseConv1D`, `SeparableConv1D` | `Zeros` |
/// | `trainable` | `Dense`, `Conv2D`, `Conv1D`, `DepthwiseConv2D`, `SeparableConv2D`, `DepthwiseConv1D`, `SeparableConv1D`, `Embedding`, `BatchNormalization`, `LayerNormalization`, `LSTM`, `GRU`, `SimpleRNN`, `PReLU` | `true` |
/// | `kernel_regularizer`, `bias_regularizer`, `activity_regularizer` | `Dense`, `Conv2D`, `Conv1D` | none |
/// | `depthwise_regularizer`, `bias_regularizer`, `activity_regularizer` | `DepthwiseConv2D`, `SeparableConv2D`, `DepthwiseConv1D`, `SeparableConv1D` | none |
/// | `pointwise_regularizer`, `pointwise_constraint` | `SeparableConv2D`, `SeparableConv1D` | none |
/// | `pointwise_initializer` | `SeparableConv2D` (any initializer for a 4-D tensor), `SeparableConv1D` (3-D) | `GlorotUniform` |
/// | `kernel_constraint`, `bias_constraint` | `Dense`, `Conv2D`, `Conv1D` | none |
/// | `depthwise_constraint`, `bias_constraint` | `DepthwiseConv2D`, `SeparableConv2D`, `DepthwiseConv1D`, `SeparableConv1D` | none |
/// | `depthwise_initializer` | `DepthwiseConv2D`, `SeparableConv2D` (any initializer for a 4-D tensor), `DepthwiseConv1D`, `SeparableConv1D` (3-D) | `GlorotUniform` |
/// | `strides` | `Conv2D`, `DepthwiseConv2D`, `SeparableConv2D` | `(1, 1)` |
/// | `strides` | `Conv1D`, `DepthwiseConv1D`, `SeparableConv1D` | `1` |
/// | `strides` | `MaxPool2D`, `AvgPool2D`, `MaxPool1D`, `AvgPool1D` | the pool size |
/// | `padding` | `Conv2D`, `DepthwiseConv2D`, `SeparableConv2D`, `DepthwiseConv1D`, `SeparableConv1D`, `MaxPool2D`, `AvgPool2D`, `MaxPool1D`, `AvgPool1D` (`Valid` or `Same`); `Conv1D` (also `Causal`) | `Valid` |
/// | `dilation_rate` | `Conv1D` (taps this many steps apart; not with `strides` above 1) | `1` |
/// | `dilation_rate` | `DepthwiseConv2D`, `SeparableConv2D` (taps this many rows and columns apart; with any `strides`, as Keras 3 allows) | `(1, 1)` |
/// | `dilation_rate` | `DepthwiseConv1D`, `SeparableConv1D` (taps this many steps apart; with any `strides`, as Keras 3 allows) | `1` |
/// | `depth_multiplier` | `DepthwiseConv2D`, `SeparableConv2D`, `DepthwiseConv1D`, `SeparableConv1D` (kernels per input channel, `M`) | `1` |
/// | `momentum` | `BatchNormalization` | `0.99` |
/// | `epsilon` | `BatchNormalization`, `LayerNormalization` | `0.001` |
/// | `center`, `scale` | `LayerNormalization` (a learned shift `beta`, a learned scale `gamma`) | `true` |
/// | `return_sequences` | `LSTM`, `GRU`, `SimpleRNN` (every step's output, not only the last) | `false` |
/// | `go_backwards` | `LSTM`, `GRU`, `SimpleRNN` (read from the last step; outputs in that order) | `false` |
/// | `merge_mode` | `Bidirectional` (`Concat`, `Sum`, `Mul` or `Ave`) | `Concat` |
/// | `negative_slope` | `LeakyReLU` (Keras's layer default; the activation's is 0.2) | `0.3` |
/// | `alpha` | `ELU` | `1.0` |
/// | `embeddings_initializer` | `Embedding` (any initializer for a 2-D tensor) | `RandomUniform` |
/// | `alpha_initializer` | `PReLU` (any initializer for a 1-D tensor) | `Zeros` |
///
/// # Names
///
/// - Activations: `Linear`, `Relu`, `Relu6`, `LeakyRelu` (`LeakyRelu(slope)`, 0.2 by
///   default), `Elu` (`Elu(alpha)`), `Selu`, `Gelu`, `GeluApprox`, `Sigmoid`, `HardSigmoid`,
///   `Silu`, `Swish`, `HardSilu`, `HardSwish`, `Softplus`, `Softsign`, `Mish`, `Tanh`,
///   `Exponential`, `Softmax`, `LogSoftmax`, or a type of yours implementing `nn::Elementwise`
///   or `nn::Activation` (`MyActivation`, or `MyActivation(args)` for its `new`).
/// - Initializers: `GlorotUniform`, `GlorotNormal`, `HeNormal`, `HeUniform`, `LecunNormal`,
///   `LecunUniform`, `RandomNormal` and `TruncatedNormal` (none or `(mean, stddev)`),
///   `RandomUniform` (none or `(minval, maxval)`), `VarianceScaling` (none or `(scale,
///   FanIn|FanOut|FanAvg, TruncatedNormal|UntruncatedNormal|Uniform)`), `Orthogonal` (none or
///   `(gain)`; kernels only), `Identity` (none or `(gain)`; 2-D kernels only, so `Dense`, not
///   `Conv2D`), `Constant(value)`, `Zeros`, `Ones`.
/// - Regularizers: `L1` (none or `(l1)`, 0.01), `L2` (none or `(l2)`, 0.01), `L1L2` (none or
///   `(l1, l2)`, 0 and 0).
/// - Constraints: `MaxNorm` (none or `(max_value)`, 2), `NonNeg`, `UnitNorm`, `MinMaxNorm`
///   (none, `(min_value, max_value)` or `(min_value, max_value, rate)`; 0, 1 and 1).
///
/// # Checked against a Keras file
///
/// `#[keras("path")]` on a declaration (the path relative to the crate's manifest) checks it
/// against a Keras model file during the build: a `.keras` archive, a legacy `.h5` model, or a
/// `.weights.h5` (which has no architecture, so only the weights are compared). The number of
/// layers, their classes, the input shape and weights the declaration has no layer for are
/// compared by the macro; every setting that decides what a layer computes (units, filters,
/// kernel size, strides, padding, activation, `use_bias`, rates, epsilon, momentum, slopes,
/// channels-last) and each layer's number of weights by the compiler, so that named constants
/// and activation types of yours are compared too. Each difference is an error at the layer it
/// concerns, naming both values, and the crate is rebuilt when the file changes. Loading the
/// file at run time (`Classifier::load_keras`) makes the same comparison.
///
/// `#[keras("path", embed)]` also builds the weights into the program: the constant
/// `Classifier::EMBEDDED` is the network with the file's weights, with no file to ship, no
/// parsing and no error to handle. The macro finds where each tensor lies in the file and
/// checks its shape against the declaration's (a difference is an error naming the tensor and
/// both shapes); the compiler reads the values from the file's bytes (`include_bytes!`). Every
/// matrix of such a network is inline, so it is a plain constant: keep it in a `static`.
///
/// # Weights from `nn::io`
///
/// `#[safetensors("path")]` does the same for a file written by `nn::io::save_weights`: every
/// tensor is compared by name (`dense.kernel`) and shape with the declaration during the build,
/// and `#[safetensors("path", embed)]` builds them in as `EMBEDDED`. This needs no `std`: it is
/// how a network reaches a microcontroller (see the guide `nn::guide::microcontroller`).
///
/// ```
/// use nn::prelude::*;
///
/// network! {
///     #[safetensors("../firmware/models/sine.safetensors", embed)]
///     pub struct Sine = Dense<1, 16, Relu>, Dense<16, 16, Relu>, Dense<16, 1>;
/// }
///
/// static SINE: Sine = Sine::EMBEDDED; // read-only data: in flash on a microcontroller
/// let y = SINE.predict(&SVector::<f32, 1>::new(core::f32::consts::FRAC_PI_2));
/// assert!((y[0] - 1.0).abs() < 0.15); // it was trained to fit sin(x)
/// ```
///
/// ```
/// use nn::prelude::*;
///
/// network! {
///     /// The model a Keras `model.save("mlp.keras")` wrote (here one of the repository's test
///     /// files), in Rust.
///     #[keras("../tests/fixtures/keras/mlp.keras", embed)]
///     pub struct Classifier = Dense<32, 64, Relu>, Dropout<0.5>, Dense<64, 10, Softmax>;
/// }
///
/// # fn main() -> Result<(), nn::Error> {
/// static EMBEDDED: Classifier = Classifier::EMBEDDED; // no file at run time
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/keras/mlp.keras");
/// let loaded = Classifier::load_keras(path)?; // the same file, read at run time
/// let x = SVector::<f32, 32>::repeat(0.5);
/// assert_eq!(EMBEDDED.predict(&x), loaded.predict(&x));
/// # Ok(())
/// # }
/// ```
///
/// # PyTorch state dicts
///
/// `#[pytorch("path")]` checks a state dict saved with
/// `safetensors.torch.save_file(model.state_dict(), path)` against the declaration during the
/// build, as `Net::load_pytorch` reads it at run time (see `nn::pytorch`): the layers are
/// matched to the modules by field name, or in order for an `nn.Sequential`'s numbered
/// modules, and each missing, extra or misshapen tensor is an error at its layer.
/// `#[pytorch("path", embed)]` builds the weights in as `EMBEDDED`, converted to our layout
/// during the build (a block's as its layers', in order). The sizes of the layers with weights
/// must be numbers here (not named constants).
///
/// ```
/// use nn::prelude::*;
///
/// network! {
///     /// `nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 8),
///     /// nn.Tanh(), nn.Linear(8, 3), nn.Softmax(dim=1))`: the modules `0`, `3` and `5`.
///     #[pytorch("../tests/fixtures/pytorch/mlp.safetensors", embed)]
///     pub struct Mlp = Dense<6, 16, Relu>, Dropout<0.1>, Dense<16, 8, Tanh>, Dense<8, 3, Softmax>;
/// }
///
/// static MLP: Mlp = Mlp::EMBEDDED;
/// let p = MLP.predict(&SVector::repeat(0.5));
/// assert!((p.sum() - 1.0).abs() < 1e-5);
/// ```
///
/// # ONNX files
///
/// `#[onnx("path")]` checks an ONNX file (a PyTorch model exported with `torch.onnx.export`)
/// against the declaration during the build, as `Net::load_onnx` reads it at run time: the graph
/// walked layer by layer, each operator, window, padding, activation and weight shape compared,
/// each difference an error at its layer. `#[onnx("path", embed)]` builds the weights in as
/// `EMBEDDED`, converted to our layout during the build. The sizes and settings must be values
/// here (not named constants); a block's weights are built in as its layers', in order.
///
/// ```
/// use nn::prelude::*;
///
/// network! {
///     /// `nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 4), nn.Softmax(dim=1))`.
///     #[onnx("../tests/fixtures/onnx/mlp.onnx", embed)]
///     pub struct Mlp = Input<6>, Dense<_, 16, Relu>, Dense<_, 4, Softmax>;
/// }
///
/// static MLP: Mlp = Mlp::EMBEDDED;
/// let p = MLP.predict(&SVector::repeat(0.5));
/// assert!((p.sum() - 1.0).abs() < 1e-5);
/// ```
///
/// # In int8
///
/// `#[int8]` gives the declaration an int8 form, `nn::Int8<Net>`: the same layers as
/// TensorFlow Lite's full-integer network computes them (int8 weights per output channel,
/// int8 activations with a scale and a zero point each, int32 sums requantized in fixed point),
/// its outputs bit for bit those of TensorFlow Lite's reference kernels. It comes from a
/// `.tflite` file (`Int8::<Net>::load_tflite(path)`, `from_tflite(bytes)`), whose graph is
/// compared with the declaration with every difference listed, or from a trained float
/// network and calibration samples (`Int8::<Net>::quantize(&net, &samples)`, our own
/// post-training quantization; `quantized_model` gives the model for `nn::tflite::write`). Its
/// `predict` takes and gives int8 samples, allocates nothing and needs no `std`; `predict_f32`
/// quantizes in and out. A layer without an int8 form is a compile error naming it. Read at run
/// time, its weights, biases and multipliers are on the heap (MLPerf Tiny's visual wake words
/// network is a 7.8 kB struct); built in, they are read-only data.
///
/// ```
/// use nn::prelude::*;
///
/// network! {
///     #[int8]
///     struct Net = Input<4>, Dense<_, 8, Relu>, Dense<_, 3, Softmax>;
/// }
///
/// # fn main() -> Result<(), nn::Error> {
/// let float = Net::seeded(1);
/// // Calibration samples, one per column: the ranges the activations take on them set the
/// // int8 scales.
/// let samples = nn::Batch::<f32, 4>::from_fn(64, |i, j| ((i + 3 * j) % 17) as f32 / 8.0 - 1.0);
/// let int8 = Int8::<Net>::quantize(&float, &samples)?;
/// let x = [0.5, -0.25, 1.0, 0.0];
/// let (want, got) = (float.predict(&SVector::from(x)), int8.predict_f32(&x));
/// for (w, g) in want.iter().zip(&got) {
///     assert!((w - g).abs() < 0.05); // the same probabilities, to a few hundredths
/// }
/// // The same network as a `.tflite` file, which TensorFlow Lite runs.
/// let (model, data) = Int8::<Net>::quantized_model(&float, &samples)?;
/// let file = nn::tflite::write(&model, &data).expect("a model of ours");
/// let again = Int8::<Net>::from_tflite(&file)?;
/// assert_eq!(again.predict(&[1, 2, 3, 4]), int8.predict(&[1, 2, 3, 4]));
/// # Ok(())
/// # }
/// ```
///
/// `#[tflite("model.tflite")]` reads the file during the build, as `load_tflite` would, and
/// makes each difference a compile error at its layer; `#[tflite("model.tflite", embed)]` also
/// builds the network into the program: `Int8::<Net>::EMBEDDED`, a constant, which needs no
/// `std` (the weights in flash on a microcontroller, no file, no parsing, no heap).
///
/// ```
/// use nn::prelude::*;
///
/// network! {
///     /// MLPerf Tiny's keyword spotter (a DS-CNN), from its int8 reference file.
///     #[int8]
///     #[tflite("../tests/fixtures/mlperf_tiny/kws_ref_model.tflite", embed)]
///     pub struct Kws =
///         Input<49, 10, 1>,
///         Conv2D<64, (10, 4), strides = (2, 2), padding = Same>, BatchNormalization,
///         Activation<Relu>, Dropout<0.2>,
///         DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization, Activation<Relu>,
///         Conv2D<64, (1, 1), padding = Same>, BatchNormalization, Activation<Relu>,
///         DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization, Activation<Relu>,
///         Conv2D<64, (1, 1), padding = Same>, BatchNormalization, Activation<Relu>,
///         DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization, Activation<Relu>,
///         Conv2D<64, (1, 1), padding = Same>, BatchNormalization, Activation<Relu>,
///         DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization, Activation<Relu>,
///         Conv2D<64, (1, 1), padding = Same>, BatchNormalization, Activation<Relu>,
///         Dropout<0.4>, AvgPool2D<(25, 5)>, Flatten, Dense<_, 12, Softmax>;
/// }
///
/// # fn main() -> Result<(), nn::Error> {
/// static KWS: Int8<Kws> = Int8::<Kws>::EMBEDDED; // read-only data, checked during the build
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/mlperf_tiny/kws_ref_model.tflite");
/// let loaded = Int8::<Kws>::load_tflite(path)?; // the same file, read at run time
/// let features = [7; 490];
/// assert_eq!(KWS.predict(&features), loaded.predict(&features));
/// # Ok(())
/// # }
/// ```
///
/// # What it generates
///
/// The struct is generic over its scalar type (`f32` by default) and offers `seeded`, `new`,
/// `zeros`, `INPUT`, `OUTPUT`, `PARAMS`, `predict`, `predict_batch`, `tape`, `forward_train`,
/// `backward`, `summary`, `load_keras`, `save_keras`, `load_tflite`, `from_tflite`,
/// `load_pytorch` and `from_pytorch` (and the constant `EMBEDDED` with
/// `embed`), and implements `nn::Network` (with its
/// Keras configuration, `Network::KERAS`), which walks its layers
/// (`Network::visit`, and on it `visit_params`, `visit_params_mut` and `params`). Every mistake
/// in the invocation is reported at once, at the layer it concerns.
#[proc_macro]
pub fn network(input: TokenStream) -> TokenStream {
    let invocation = syn::parse_macro_input!(input as ast::Invocation);
    run(invocation).into()
}

/// The whole pipeline on a parsed invocation: every network's code, then every error.
fn run(invocation: ast::Invocation) -> proc_macro2::TokenStream {
    let mut errors = errors::Errors::default();
    for error in invocation.errors {
        errors.push(error);
    }
    let mut output = proc_macro2::TokenStream::new();
    for decl in invocation.networks {
        let mut network = check::network(decl, &mut errors);
        keras_file::apply(&mut network, &mut errors);
        safetensors_file::apply(&mut network, &mut errors);
        pytorch_file::apply(&mut network, &mut errors);
        onnx_file::apply(&mut network, &mut errors);
        // `#[tflite]` needs `#[int8]`; when `#[int8]` is there but refused, that is the one
        // error to report.
        let asked_int8 = network.attrs.iter().any(|a| a.path().is_ident("int8"));
        int8::apply(&mut network, &mut errors);
        budget::apply(&mut network, &mut errors);
        tflite::apply(&mut network, asked_int8, &mut errors);
        output.extend(expand::network(&network));
    }
    if !errors.is_empty() {
        output.extend(errors.into_compile_errors());
    }
    output
}

#[cfg(test)]
mod tests;
