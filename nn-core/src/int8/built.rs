//! An int8 network as `network!` reads it during the build (`#[tflite("file")]`): each layer's
//! int8 form with its sizes known at run time and its constants owned, read from the file by
//! the same code that reads a typed int8 layer ([`Layer::load`](super::Layer::load)), so that
//! the build checks a file exactly as the program would and builds in (`embed`) exactly what
//! the program would have read.

use std::boxed::Box;
use std::string::{String, ToString};
use std::vec::Vec;

use super::kernels::Add;
use super::layers::{
    Activation, AverageOp, Constants, Form, LstmParts, NormRead, Then, load_concat, load_conv,
    load_dense, load_depthwise, load_fork, load_global, load_global_max, load_lstm, load_norm,
    load_pool, load_prelu, load_reshape,
};
use super::walk::Problems;
use super::{Bounds, Geometry, Multiplier, Output, Quant, Walk};

/// The constants of one weighted operator (`FULLY_CONNECTED`, `CONV_2D`,
/// `DEPTHWISE_CONV_2D`), owned.
#[derive(Clone, Debug)]
pub struct Parts {
    /// Where the windows fall (a 1×1 image for a fully connected operator).
    pub geometry: Geometry,
    /// The declared activation's bounds.
    pub bounds: Bounds,
    /// The weights, in TensorFlow Lite's layout.
    pub weights: Vec<i8>,
    /// The int32 biases.
    pub bias: Vec<i32>,
    /// The requantization of each output channel.
    pub multipliers: Vec<Multiplier>,
    /// The input's zero point.
    pub input_zero: i32,
    /// The output's zero point and clamp.
    pub output: Output,
}

impl Parts {
    /// Zero constants for `weights` weights over `channels` output channels.
    pub fn zeroed(geometry: Geometry, bounds: Bounds, weights: usize, channels: usize) -> Self {
        Self {
            geometry,
            bounds,
            weights: vec![0; weights],
            bias: vec![0; channels],
            multipliers: vec![Multiplier { value: 0, shift: 0 }; channels],
            input_zero: 0,
            output: Output::FULL,
        }
    }

    /// The constants, borrowed to be read.
    pub(crate) fn constants(&mut self) -> Constants<'_> {
        Constants {
            geometry: &self.geometry,
            bounds: self.bounds,
            weights: &mut self.weights,
            bias: &mut self.bias,
            multipliers: &mut self.multipliers,
            input_zero: &mut self.input_zero,
            output: &mut self.output,
        }
    }

    /// The number of values of the output image.
    fn len(&self) -> usize {
        let (h, w, c) = self.geometry.output;
        h * w * c
    }
}

/// One layer of a network read during the build: where it is in the declaration (for
/// messages), and its int8 form.
#[derive(Clone, Debug)]
pub struct Step {
    /// Its position in the declaration, counting from 1.
    pub position: usize,
    /// Its field.
    pub field: String,
    /// Its Keras class.
    pub class: String,
    /// Its int8 form.
    pub layer: Built,
}

/// A layer's int8 form with its sizes known at run time: what each typed int8 layer of
/// [`layers`](super::layers) holds.
#[derive(Clone, Debug)]
pub enum Built {
    /// [`Dense`](super::Dense): `parts.weights` of `parts.bias.len()` rows.
    Dense {
        /// Its activation's form.
        form: Form,
        /// Its operator's constants.
        parts: Parts,
        /// The activation's operator after it.
        then: Then,
    },
    /// [`Conv`](super::Conv).
    Conv(Parts),
    /// [`Activated`](super::Activated): a layer, then its activation's operator.
    Activated {
        /// The layer.
        layer: Box<Built>,
        /// The activation's form.
        form: Form,
        /// Its operator (before it is read, the declared slope of a leaky ReLU).
        then: Then,
        /// The values of the output.
        len: usize,
    },
    /// [`Depthwise`](super::Depthwise).
    Depthwise(Parts),
    /// [`Separable`](super::Separable).
    Separable {
        /// The depthwise step.
        depthwise: Parts,
        /// The pointwise step.
        pointwise: Parts,
    },
    /// [`Pool`](super::Pool).
    Pool {
        /// A max pool (else an average).
        max: bool,
        /// Where the windows fall.
        geometry: Geometry,
        /// The clamp of the fused activation.
        clamp: (i32, i32),
    },
    /// [`GlobalAverage`](super::GlobalAverage).
    GlobalAverage {
        /// The values of the input.
        inputs: usize,
        /// Its channels.
        channels: usize,
        /// The operator it is computed as, read from the file.
        op: AverageOp,
    },
    /// [`GlobalMax`](super::GlobalMax).
    GlobalMax {
        /// The values of the input.
        inputs: usize,
        /// Its channels.
        channels: usize,
        /// The pool over all positions as one column, with the clamp the file fuses.
        pool: super::Pool<true>,
    },
    /// [`Norm`](super::Norm).
    Norm {
        /// The values it normalizes.
        len: usize,
        /// Its channels.
        channels: usize,
        /// What the file has for it.
        read: NormRead,
    },
    /// [`Lstm`](super::Lstm).
    Lstm {
        /// Its steps.
        steps: usize,
        /// Features a step.
        features: usize,
        /// Its units.
        units: usize,
        /// Whether it returns every step's output (else the last step's).
        sequences: bool,
        /// Its constants.
        parts: LstmParts,
    },
    /// [`Pass`](super::Pass).
    Pass,
    /// [`Reshape`](super::Reshape) of `len` values.
    Reshape(usize),
    /// [`Activation`](super::Activation) of `len` values.
    Activation {
        /// The values it applies to.
        len: usize,
        /// The layer.
        layer: Activation,
    },
    /// [`PRelu`](super::PRelu): a slope for each value.
    PRelu {
        /// The slopes, int8.
        alpha: Vec<i8>,
        /// The operator's constants.
        kernel: super::kernels::PRelu,
    },
    /// [`Fork`](super::Fork): two branches and the `ADD` of their `len` outputs.
    Fork {
        /// The first branch's layers (none: the block's input).
        first: Vec<Step>,
        /// The second branch's.
        second: Vec<Step>,
        /// The addition.
        add: Add,
        /// The values of the output.
        len: usize,
    },
    /// [`Concat`](super::Concat): two branches and the `CONCATENATION` of their outputs
    /// along the channels.
    Concat {
        /// The first branch's layers (none: the block's input).
        first: Vec<Step>,
        /// The second branch's.
        second: Vec<Step>,
        /// Each branch's channels.
        channels: (usize, usize),
        /// The values of the output.
        len: usize,
    },
}

impl Built {
    /// A dense layer of `inputs` inputs and `units` outputs, ending in `form`.
    pub fn dense(inputs: usize, units: usize, form: Form) -> Self {
        let geometry = Geometry {
            input: (1, 1, inputs),
            output: (1, 1, units),
            kernel: (1, 1),
            strides: (1, 1),
            dilations: (1, 1),
            padding: (0, 0),
        };
        Self::Dense {
            form,
            parts: Parts::zeroed(geometry, form.bounds(), inputs * units, units),
            then: Then::None,
        }
    }

    /// A PReLU of `len` values, its slopes and constants zero until read.
    pub fn prelu(len: usize) -> Self {
        let zero = Multiplier { value: 0, shift: 0 };
        Self::PRelu {
            alpha: vec![0; len],
            kernel: super::kernels::PRelu {
                input_zero: 0,
                alpha_zero: 0,
                output_zero: 0,
                identity: zero,
                negative: zero,
            },
        }
    }

    /// An LSTM over `steps` steps of `features` into `units` units, returning every step's
    /// output with `sequences`.
    pub fn lstm(steps: usize, features: usize, units: usize, sequences: bool) -> Self {
        Self::Lstm {
            steps,
            features,
            units,
            sequences,
            parts: LstmParts::zeroed(features, units),
        }
    }

    /// A global average of `inputs` values over `channels` channels, an average pool until
    /// read.
    pub fn global_average(inputs: usize, channels: usize) -> Self {
        Self::GlobalAverage {
            inputs,
            channels,
            op: AverageOp::pool(inputs, channels),
        }
    }

    /// A global max of `inputs` values over `channels` channels.
    pub fn global_max(inputs: usize, channels: usize) -> Self {
        Self::GlobalMax {
            inputs,
            channels,
            pool: super::layers::global_max_pool(inputs, channels),
        }
    }

    /// Reads the layer where `walk` stands, as its typed form does.
    pub fn load(&mut self, walk: &mut Walk<'_>) {
        match self {
            Self::Dense { form, parts, then } => {
                *then = load_dense(
                    walk,
                    (*form, then.slope()),
                    &mut parts.weights,
                    &mut parts.bias,
                    &mut parts.multipliers,
                    (&mut parts.input_zero, &mut parts.output),
                );
            }
            Self::Conv(parts) => {
                let len = parts.len();
                load_conv(walk, parts.constants(), len);
            }
            Self::Depthwise(parts) => {
                let len = parts.len();
                load_depthwise(walk, parts.constants(), len);
            }
            Self::Activated {
                layer,
                form,
                then,
                len,
            } => {
                layer.load(walk);
                *then = Then::load(walk, *form, *len, then.slope());
            }
            Self::Separable {
                depthwise,
                pointwise,
            } => {
                let len = depthwise.len();
                load_depthwise(walk, depthwise.constants(), len);
                let len = pointwise.len();
                load_conv(walk, pointwise.constants(), len);
            }
            Self::Pool {
                max,
                geometry,
                clamp,
            } => {
                let (h, w, c) = geometry.output;
                if let Some(found) = load_pool(walk, *max, geometry, h * w * c) {
                    *clamp = found;
                }
            }
            Self::GlobalAverage {
                inputs,
                channels,
                op,
            } => {
                if let Some(found) = load_global(walk, *inputs, *channels) {
                    *op = found;
                }
            }
            Self::GlobalMax {
                inputs,
                channels,
                pool,
            } => {
                if let Some((min, max)) = load_global_max(walk, *inputs, *channels) {
                    (pool.min, pool.max) = (min, max);
                }
            }
            Self::Norm {
                len,
                channels,
                read,
            } => *read = load_norm(walk, *len, *channels),
            Self::Lstm {
                steps,
                features,
                units,
                sequences,
                parts,
            } => load_lstm(walk, (*steps, *features, *units), *sequences, parts),
            Self::Pass => {}
            Self::Reshape(len) => load_reshape(walk, *len),
            Self::Activation { len, layer } => layer.read(walk, *len),
            Self::PRelu { alpha, kernel } => {
                if let Some(found) = load_prelu(walk, alpha) {
                    *kernel = found;
                }
            }
            Self::Fork {
                first,
                second,
                add,
                len,
            } => {
                if let Some(found) = load_fork(
                    walk,
                    *len,
                    |walk| load_steps(walk, first),
                    |walk| load_steps(walk, second),
                ) {
                    *add = found;
                }
            }
            Self::Concat {
                first,
                second,
                channels,
                len,
            } => load_concat(
                walk,
                *channels,
                *len,
                |walk| load_steps(walk, first),
                |walk| load_steps(walk, second),
            ),
        }
    }
}

/// Reads `steps` in order from where `walk` stands.
fn load_steps(walk: &mut Walk<'_>, steps: &mut [Step]) {
    for step in steps {
        walk.layer(step.position, &step.field, &step.class);
        step.layer.load(walk);
    }
}

/// Why [`read`] could not read a network.
#[derive(Clone, Debug)]
pub enum Failure {
    /// The bytes are not a TensorFlow Lite file of one int8 graph.
    Format(String),
    /// Every difference from the declaration, each with the position of the layer it is
    /// about.
    Mismatch(Problems),
}

/// Reads the network `steps` from a TensorFlow Lite file's bytes, as a typed int8 network's
/// `from_tflite` does: the quantization of its input and of its output.
///
/// # Errors
///
/// [`Failure`]: a file that is not one int8 graph, or every difference from the declaration.
pub fn read(bytes: &[u8], steps: &mut [Step]) -> Result<(Quant, Quant), Failure> {
    let model = nn_tflite::read(bytes).map_err(|e| Failure::Format(e.to_string()))?;
    let mut walk = Walk::new(&model, bytes).map_err(Failure::Format)?;
    let input = walk.input_quantization();
    load_steps(&mut walk, steps);
    walk.part("the output");
    let output = walk.input_quantization();
    walk.finish_at().map_err(Failure::Mismatch)?;
    match (input, output) {
        (Some((scale, zero)), Some((os, oz))) => Ok((
            Quant { scale, zero },
            Quant {
                scale: os,
                zero: oz,
            },
        )),
        // `finish_at` reports a tensor without quantization.
        _ => Err(Failure::Format(
            "its input or output is not quantized".to_string(),
        )),
    }
}
