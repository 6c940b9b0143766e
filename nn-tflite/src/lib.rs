//! TensorFlow Lite's `.tflite` files, read in pure Rust: the operators of each subgraph with
//! their settings, the tensors with their shapes, types and quantization parameters, and where
//! each weight buffer lies in the file.
//!
//! The file is a flatbuffer (TensorFlow Lite's `schema.fbs`); [`read`] decodes the parts of it
//! that describe a network and checks every offset and length as it goes, so a damaged or
//! hostile file is an [`Error`] that says what is wrong, in time and memory bounded by the
//! file's size, never a panic. [`write()`] writes a [`Model`] (and its buffers' bytes) back out
//! as a `.tflite` file that TensorFlow Lite loads and runs.
//!
//! ```no_run
//! let bytes = std::fs::read("model.tflite")?;
//! let model = nn_tflite::read(&bytes)?;
//! for op in &model.subgraphs[0].operators {
//!     println!("{}", op.operator.name());
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![no_std]
#![deny(unsafe_code)]

extern crate alloc;

mod builder;
mod flatbuffer;
mod write;

pub use write::write;

use alloc::string::String;
use alloc::vec::Vec;
use core::ops::Range;

use flatbuffer::{Budget, Table};

/// What is wrong with a file: the part of it being read and the problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// The part of the file (`"model"`, `"tensor"`, `"operator"`, ...).
    pub part: &'static str,
    /// What is wrong with it.
    pub problem: String,
}

impl Error {
    fn new(part: &'static str, problem: impl Into<String>) -> Self {
        Self {
            part,
            problem: problem.into(),
        }
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "TensorFlow Lite file, {}: {}", self.part, self.problem)
    }
}

impl core::error::Error for Error {}

/// A `.tflite` file's model.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    /// The schema version (3 for every current file).
    pub version: u32,
    /// The converter's description (`"MLIR Converted."`, ...).
    pub description: String,
    /// The subgraphs; the first is the model.
    pub subgraphs: Vec<Subgraph>,
    /// Where each buffer's bytes lie in the file (empty for a buffer without data, such as
    /// buffer 0 and those of activations).
    pub buffers: Vec<Range<usize>>,
}

/// A graph of operators over tensors.
#[derive(Clone, Debug, PartialEq)]
pub struct Subgraph {
    /// Its name (often empty).
    pub name: String,
    /// The tensors, which operators name by index.
    pub tensors: Vec<Tensor>,
    /// The indices of its input tensors.
    pub inputs: Vec<i32>,
    /// The indices of its output tensors.
    pub outputs: Vec<i32>,
    /// The operators, in the order they run.
    pub operators: Vec<Operator>,
}

/// A tensor: a weight (its data in a buffer) or an activation.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    /// Its name.
    pub name: String,
    /// Its shape, batch first for activations (`-1` for an unknown size in `shape_signature`,
    /// not here).
    pub shape: Vec<i32>,
    /// Its element type.
    pub element: Element,
    /// Its buffer's index in [`Model::buffers`].
    pub buffer: u32,
    /// Its quantization, for a quantized tensor.
    pub quantization: Option<Quantization>,
    /// Whether it is a variable: a state an operator keeps from one run to the next (an
    /// LSTM's output and cell state), which the interpreter resets to its zero point.
    pub is_variable: bool,
}

/// A tensor's element type (TensorFlow Lite's `TensorType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Element {
    /// `float32`.
    F32,
    /// `float16`.
    F16,
    /// `int32`.
    I32,
    /// `uint8`.
    U8,
    /// `int64`.
    I64,
    /// `int16`.
    I16,
    /// `int8`.
    I8,
    /// Another type, by its number in the schema.
    Other(i8),
}

impl Element {
    fn from_schema(code: i8) -> Self {
        match code {
            0 => Self::F32,
            1 => Self::F16,
            2 => Self::I32,
            3 => Self::U8,
            4 => Self::I64,
            7 => Self::I16,
            9 => Self::I8,
            other => Self::Other(other),
        }
    }
}

/// A quantized tensor's parameters: `real = scale · (q − zero_point)`, per tensor (one scale)
/// or per channel along `dimension`.
#[derive(Clone, Debug, PartialEq)]
pub struct Quantization {
    /// The scales, one per tensor or per channel.
    pub scale: Vec<f32>,
    /// The zero points, as many as the scales.
    pub zero_point: Vec<i64>,
    /// The dimension the channels are along, when there are several scales.
    pub dimension: i32,
}

/// An operator: what it computes, its settings and its tensors.
#[derive(Clone, Debug, PartialEq)]
pub struct Operator {
    /// What it computes.
    pub operator: Code,
    /// The indices of its input tensors (`-1` for an optional input left out).
    pub inputs: Vec<i32>,
    /// The indices of its output tensors.
    pub outputs: Vec<i32>,
    /// Its settings.
    pub options: Options,
    /// The indices of the tensors it keeps between its steps (`intermediates`: an int8
    /// `UNIDIRECTIONAL_SEQUENCE_LSTM`'s quantization of its gates and hidden state), usually
    /// none.
    pub intermediates: Vec<i32>,
}

/// What an operator computes: a builtin operator by its number in the schema, or a custom one
/// by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Code {
    /// A builtin operator (`BuiltinOperator`), such as [`Code::CONV_2D`].
    Builtin(i32),
    /// A custom operator's name.
    Custom(String),
}

/// The builtin operators named here: each a constant of [`Code`] and its schema name, from
/// one list.
macro_rules! builtins {
    ($($name:ident = $code:literal),* $(,)?) => {
        impl Code {
            $(
                #[doc = concat!("`", stringify!($name), "`.")]
                pub const $name: Code = Code::Builtin($code);
            )*

            /// The schema's names of the builtin operators named here, by code.
            const NAMES: &'static [(i32, &'static str)] = &[$(($code, stringify!($name))),*];
        }
    };
}

builtins! {
    ADD = 0,
    AVERAGE_POOL_2D = 1,
    CONCATENATION = 2,
    CONV_2D = 3,
    DEPTHWISE_CONV_2D = 4,
    DEQUANTIZE = 6,
    FULLY_CONNECTED = 9,
    LOGISTIC = 14,
    MAX_POOL_2D = 17,
    MUL = 18,
    RELU = 19,
    RELU6 = 21,
    RESHAPE = 22,
    SOFTMAX = 25,
    TANH = 28,
    PAD = 34,
    MEAN = 40,
    SUB = 41,
    UNIDIRECTIONAL_SEQUENCE_LSTM = 44,
    STRIDED_SLICE = 45,
    LOG_SOFTMAX = 50,
    PRELU = 54,
    REDUCE_MAX = 82,
    LEAKY_RELU = 98,
    ELU = 111,
    QUANTIZE = 114,
    HARD_SWISH = 117,
    GELU = 150,
}

impl Code {
    /// The schema's name of the operator (`"CONV_2D"`), `"BUILTIN"` for a builtin not listed
    /// here, or a custom operator's own name.
    pub fn name(&self) -> &str {
        match self {
            Code::Builtin(code) => Self::NAMES
                .iter()
                .find(|(c, _)| c == code)
                .map_or("BUILTIN", |(_, name)| name),
            Code::Custom(name) => name,
        }
    }
}

/// How a window meets the edges (TensorFlow Lite's `Padding`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    /// Zeros around the input so that the output has `ceil(input / stride)` positions.
    Same,
    /// Windows only where they fit.
    Valid,
}

/// An activation fused into an operator (TensorFlow Lite's `ActivationFunctionType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    /// None.
    None,
    /// `max(x, 0)`.
    Relu,
    /// `x` clamped to `[-1, 1]`.
    ReluN1To1,
    /// `x` clamped to `[0, 6]`.
    Relu6,
    /// `tanh`.
    Tanh,
    /// The sign bit.
    SignBit,
}

/// How a convolution's kernel moves over its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// The padding.
    pub padding: Padding,
    /// Strides `(h, w)`.
    pub strides: (i32, i32),
    /// Dilations `(h, w)`.
    pub dilation: (i32, i32),
}

/// An operator's settings, for the operators whose settings a network's layers have.
#[derive(Clone, Debug, PartialEq)]
pub enum Options {
    /// No settings.
    None,
    /// `CONV_2D`'s.
    Conv2D {
        /// How the kernel moves.
        window: Window,
        /// The fused activation.
        activation: Activation,
    },
    /// `DEPTHWISE_CONV_2D`'s.
    DepthwiseConv2D {
        /// How the kernel moves.
        window: Window,
        /// Kernels per input channel.
        depth_multiplier: i32,
        /// The fused activation.
        activation: Activation,
    },
    /// `FULLY_CONNECTED`'s.
    FullyConnected {
        /// The fused activation.
        activation: Activation,
        /// Whether the output keeps the input's leading dimensions.
        keep_num_dims: bool,
    },
    /// `AVERAGE_POOL_2D`'s and `MAX_POOL_2D`'s.
    Pool2D {
        /// The padding.
        padding: Padding,
        /// Strides `(h, w)`.
        strides: (i32, i32),
        /// The window `(h, w)`.
        filter: (i32, i32),
        /// The fused activation.
        activation: Activation,
    },
    /// `SOFTMAX`'s.
    Softmax {
        /// The factor of the inputs.
        beta: f32,
    },
    /// `CONCATENATION`'s.
    Concatenation {
        /// The axis the inputs are joined along (negative: from the last).
        axis: i32,
        /// The fused activation.
        activation: Activation,
    },
    /// `LEAKY_RELU`'s.
    LeakyRelu {
        /// The slope of the negative part.
        alpha: f32,
    },
    /// `GELU`'s.
    Gelu {
        /// Whether it is the tanh approximation.
        approximate: bool,
    },
    /// `ADD`'s.
    Add {
        /// The fused activation.
        activation: Activation,
    },
    /// `MUL`'s.
    Mul {
        /// The fused activation.
        activation: Activation,
    },
    /// `RESHAPE`'s.
    Reshape {
        /// The new shape, if given here (else it is the second input).
        new_shape: Vec<i32>,
    },
    /// `UNIDIRECTIONAL_SEQUENCE_LSTM`'s.
    SequenceLstm {
        /// The activation of the cell gate and of the cell state (Keras's `activation`).
        activation: Activation,
        /// The bound of the cell state (0: none).
        cell_clip: f32,
        /// The bound of the projection (0: none).
        proj_clip: f32,
        /// Whether time is the first dimension (else the batch is).
        time_major: bool,
    },
    /// `STRIDED_SLICE`'s: bit masks over the dimensions (its begin, end and strides are its
    /// inputs).
    StridedSlice {
        /// Dimensions whose begin is ignored (the slice starts at 0).
        begin_mask: i32,
        /// Dimensions whose end is ignored (the slice runs to the end).
        end_mask: i32,
        /// Dimensions of an ellipsis.
        ellipsis_mask: i32,
        /// New dimensions of size 1.
        new_axis_mask: i32,
        /// Dimensions dropped from the output (each then one index).
        shrink_axis_mask: i32,
    },
    /// Settings of another kind, by its number in the schema's `BuiltinOptions`.
    Other(u8),
}

/// Reads a `.tflite` file's model from its bytes.
///
/// # Errors
///
/// When the bytes are not a TensorFlow Lite flatbuffer (no `TFL3` identifier), or any offset,
/// length, enum or string in it is out of range or damaged.
pub fn read(bytes: &[u8]) -> Result<Model, Error> {
    if bytes.get(4..8) != Some(b"TFL3".as_slice()) {
        return Err(Error::new(
            "model",
            "not a TensorFlow Lite file (no `TFL3` identifier at bytes 4 to 8)",
        ));
    }
    let budget = Budget::for_file(bytes.len());
    let model = Table::at(bytes, &budget, 0, "model")?;
    let codes = model.tables(1, "operator code", operator_code)?;
    let buffers = model.tables(4, "buffer", |b| buffer(b, bytes.len()))?;
    let subgraphs = model.tables(2, "subgraph", |s| subgraph(s, &codes))?;
    Ok(Model {
        version: model.u32(0, 0)?,
        description: model.string(3)?,
        subgraphs,
        buffers,
    })
}

fn operator_code(table: Table<'_>) -> Result<Code, Error> {
    // The code was a byte, `deprecated_builtin_code`, until there were more than 127; newer
    // files write both, older ones only the byte.
    let deprecated = i32::from(table.i8(0, 0)?);
    let code = table.i32(3, 0)?.max(deprecated);
    if code == 32 {
        // `CUSTOM`.
        return Ok(Code::Custom(table.string(1)?));
    }
    Ok(Code::Builtin(code))
}

fn buffer(table: Table<'_>, file_len: usize) -> Result<Range<usize>, Error> {
    let data = table.bytes(0)?;
    // Models over 2 GB keep their buffers after the flatbuffer, at `offset` (from the file's
    // start), `size` bytes long.
    let offset = table.u64(1, 0)?;
    if offset > 1 {
        let size = table.u64(2, 0)?;
        let range = usize::try_from(offset)
            .ok()
            .zip(usize::try_from(size).ok())
            .and_then(|(start, size)| Some(start..start.checked_add(size)?))
            .filter(|r| r.end <= file_len)
            .ok_or_else(|| Error::new("buffer", "a buffer's data lies past the end of the file"))?;
        return Ok(range);
    }
    Ok(data)
}

fn subgraph(table: Table<'_>, codes: &[Code]) -> Result<Subgraph, Error> {
    let tensors = table.tables(0, "tensor", tensor)?;
    let operators = table.tables(3, "operator", |o| operator(o, codes))?;
    let subgraph = Subgraph {
        name: table.string(4)?,
        tensors,
        inputs: table.i32s(1)?,
        outputs: table.i32s(2)?,
        operators,
    };
    let count = subgraph.tensors.len();
    let inside = |&i: &i32| usize::try_from(i).is_ok_and(|i| i < count);
    let optional = |&i: &i32| i == -1 || inside(&i);
    let ends = subgraph.inputs.iter().chain(&subgraph.outputs).all(inside);
    let ops = subgraph
        .operators
        .iter()
        .all(|op| op.inputs.iter().all(optional) && op.outputs.iter().all(inside));
    if !(ends && ops) {
        return Err(Error::new(
            "subgraph",
            "an operator or the subgraph names a tensor it does not have",
        ));
    }
    Ok(subgraph)
}

fn tensor(table: Table<'_>) -> Result<Tensor, Error> {
    let quantization = match table.table(4, "quantization")? {
        None => None,
        Some(q) => {
            let scale = q.f32s(2)?;
            let zero_point = q.i64s(3)?;
            if scale.is_empty() {
                // Only `min`/`max` (or nothing): not a quantized tensor.
                None
            } else if zero_point.len() != scale.len() {
                return Err(Error::new(
                    "quantization",
                    "a tensor has a different number of scales and zero points",
                ));
            } else {
                Some(Quantization {
                    scale,
                    zero_point,
                    dimension: q.i32(6, 0)?,
                })
            }
        }
    };
    Ok(Tensor {
        shape: table.i32s(0)?,
        element: Element::from_schema(table.i8(1, 0)?),
        buffer: table.u32(2, 0)?,
        name: table.string(3)?,
        quantization,
        is_variable: table.bool(5, false)?,
    })
}

fn padding(code: u8) -> Result<Padding, Error> {
    match code {
        0 => Ok(Padding::Same),
        1 => Ok(Padding::Valid),
        other => Err(Error::new(
            "operator",
            alloc::format!("padding {other} is neither SAME (0) nor VALID (1)"),
        )),
    }
}

fn activation(code: u8) -> Result<Activation, Error> {
    Ok(match code {
        0 => Activation::None,
        1 => Activation::Relu,
        2 => Activation::ReluN1To1,
        3 => Activation::Relu6,
        4 => Activation::Tanh,
        5 => Activation::SignBit,
        other => {
            return Err(Error::new(
                "operator",
                alloc::format!("fused activation {other} is not one of the schema's (0 to 5)"),
            ));
        }
    })
}

fn operator(table: Table<'_>, codes: &[Code]) -> Result<Operator, Error> {
    let index = table.u32(0, 0)? as usize;
    let code = codes.get(index).cloned().ok_or_else(|| {
        Error::new(
            "operator",
            alloc::format!(
                "operator code {index} does not exist (the file has {})",
                codes.len()
            ),
        )
    })?;
    let kind = table.u8(3, 0)?;
    let options = match table.table(4, "operator options")? {
        None => Options::None,
        Some(o) => options(kind, o)?,
    };
    Ok(Operator {
        operator: code,
        inputs: table.i32s(1)?,
        outputs: table.i32s(2)?,
        options,
        intermediates: table.i32s(8)?,
    })
}

fn options(kind: u8, o: Table<'_>) -> Result<Options, Error> {
    Ok(match kind {
        1 => Options::Conv2D {
            window: Window {
                padding: padding(o.u8(0, 0)?)?,
                strides: (o.i32(2, 0)?, o.i32(1, 0)?),
                dilation: (o.i32(5, 1)?, o.i32(4, 1)?),
            },
            activation: activation(o.u8(3, 0)?)?,
        },
        2 => Options::DepthwiseConv2D {
            window: Window {
                padding: padding(o.u8(0, 0)?)?,
                strides: (o.i32(2, 0)?, o.i32(1, 0)?),
                dilation: (o.i32(6, 1)?, o.i32(5, 1)?),
            },
            depth_multiplier: o.i32(3, 0)?,
            activation: activation(o.u8(4, 0)?)?,
        },
        5 => Options::Pool2D {
            padding: padding(o.u8(0, 0)?)?,
            strides: (o.i32(2, 0)?, o.i32(1, 0)?),
            filter: (o.i32(4, 0)?, o.i32(3, 0)?),
            activation: activation(o.u8(5, 0)?)?,
        },
        8 => Options::FullyConnected {
            activation: activation(o.u8(0, 0)?)?,
            keep_num_dims: o.bool(2, false)?,
        },
        9 => Options::Softmax {
            beta: o.f32(0, 0.0)?,
        },
        10 => Options::Concatenation {
            axis: o.i32(0, 0)?,
            activation: activation(o.u8(1, 0)?)?,
        },
        75 => Options::LeakyRelu {
            alpha: o.f32(0, 0.0)?,
        },
        116 => Options::Gelu {
            approximate: o.bool(0, false)?,
        },
        11 => Options::Add {
            activation: activation(o.u8(0, 0)?)?,
        },
        17 => Options::Reshape {
            new_shape: o.i32s(0)?,
        },
        21 => Options::Mul {
            activation: activation(o.u8(0, 0)?)?,
        },
        32 => Options::StridedSlice {
            begin_mask: o.i32(0, 0)?,
            end_mask: o.i32(1, 0)?,
            ellipsis_mask: o.i32(2, 0)?,
            new_axis_mask: o.i32(3, 0)?,
            shrink_axis_mask: o.i32(4, 0)?,
        },
        71 => Options::SequenceLstm {
            activation: activation(o.u8(0, 0)?)?,
            cell_clip: o.f32(1, 0.0)?,
            proj_clip: o.f32(2, 0.0)?,
            time_major: o.bool(3, false)?,
        },
        other => Options::Other(other),
    })
}
