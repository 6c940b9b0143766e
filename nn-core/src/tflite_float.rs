//! Float TensorFlow Lite files read into a declared float network (`Net::load_tflite(path)`,
//! `Net::from_tflite(bytes)`): the graph walked from its `float32` input, layer by layer as the
//! declaration lists them ([`Network::KERAS`]), each layer's operators, windows, activations and
//! weight shapes compared, every difference listed; the weights turned from TensorFlow Lite's
//! layouts into Keras's and set through the network's parameters.
//!
//! TensorFlow's converter folds a batch normalization into the convolution or dense layer
//! before it where it can: the declared `BatchNormalization` then reads as the identity (its
//! scale 1, shift 0, mean 0 and variance `1 − ε`, so that it divides by √(variance + ε) = 1);
//! one it could not fold (after an activation) is a `MUL` and an `ADD` of one constant per
//! channel, its scale and shift. Weights stored in int8 with scales (TensorFlow's dynamic-range
//! quantization) are read as the reals they stand for; TensorFlow Lite runs those operators as
//! hybrid kernels that also quantize the activations, so a network computing in `f32` from them
//! differs from its interpreter by that quantization's error.
//!
//! Blocks are walked as int8 files are: each branch from where the block starts, then the
//! operator that joins the two branches' ends (an `ADD`, whose fused activation the activation
//! layer after the block accounts for, or a `CONCATENATION` along the channels, first branch
//! first); a branch may be the block's input itself, or hold a block.
//!
//! Read: `Dense`, `Conv2D`, `DepthwiseConv2D`, `SeparableConv2D`, `MaxPool2D`, `AvgPool2D`,
//! `GlobalAvgPool2D` (`MEAN` or a whole-input `AVERAGE_POOL_2D`), `BatchNormalization`,
//! `Dropout`, `Flatten` and activation layers, with the activations linear, ReLU, ReLU6
//! (fused), softmax, sigmoid and tanh (operators of their own), in chains and in `Add` and
//! `Concatenate` blocks. Not yet: the other blocks (`Subtract`, `Multiply`, ...), layers and
//! activations.

use std::collections::HashMap;
use std::format;
use std::string::String;
use std::vec::Vec;

use nn_keras::config::{LayerConfig, ModelConfig, Value};
use nn_tflite::{Activation, Code, Element, Options, Padding, Tensor};

use crate::int8::Bounds;
use crate::int8::walk::{Op, Position, Walk};
use crate::keras::{Found, transpose};
use crate::{Error, Network};

/// Reads the float network `N` from a TensorFlow Lite file's bytes (`path` names them in
/// messages).
///
/// # Errors
///
/// [`Error::Format`] when the bytes are not a TensorFlow Lite file of one float graph;
/// [`Error::Mismatch`] listing every difference from the declaration.
pub fn read<N: Network<f32>>(bytes: &[u8], path: &std::path::Path) -> Result<N, Error> {
    let model = nn_tflite::read(bytes).map_err(|e| crate::int8::format_error(path, e))?;
    let mut walk = Walk::new_float(&model, bytes).map_err(|p| Error::format(path, p))?;
    let mismatch = |problems: Vec<String>| Error::Mismatch {
        path: path.to_path_buf(),
        network: N::NAME,
        problems,
    };
    let layers = N::KERAS.layers;
    // Where the walk stands after each layer: a layer is read from where the layer that feeds
    // it ends (a block's branches each from the block's start), a block's join from where its
    // two branches end.
    let start = walk.position();
    let mut ends: HashMap<&'static str, Position> = HashMap::new();
    let mut found: HashMap<&'static str, Found> = HashMap::new();
    for layer in layers {
        let at = |name: &str| ends.get(name).cloned().unwrap_or_else(|| start.clone());
        if layer.class != nn_keras::class::INPUT_LAYER {
            walk.layer_named(layer.name, layer.class);
            match layer.inputs {
                [] => {
                    walk.set_position(start.clone());
                    found.insert(layer.name, read_layer(&mut walk, layer));
                }
                [fed] => {
                    walk.set_position(at(fed));
                    found.insert(layer.name, read_layer(&mut walk, layer));
                }
                [a, b] => {
                    let (a, b) = (
                        (at(a), channels(&N::KERAS, a)),
                        (at(b), channels(&N::KERAS, b)),
                    );
                    join(&mut walk, layer, a, b);
                }
                more => walk.problem(format!(
                    "it joins {} layers; float TensorFlow Lite files are read for blocks of two \
                     branches",
                    more.len()
                )),
            }
        }
        ends.insert(layer.name, walk.position());
    }
    walk.part("the output");
    if walk.input().element != Element::F32 {
        walk.problem(format!("it is {:?}, not float32", walk.input().element));
    }
    walk.finish().map_err(mismatch)?;
    crate::keras::set_found(&found, "").map_err(mismatch)
}

/// The channels of the layer `name`'s output (the last axis), or of the network's input when
/// no layer is named so (a block at the start whose branch is the input itself).
fn channels(network: &ModelConfig, name: &str) -> usize {
    let shape = network
        .layers
        .iter()
        .find(|l| l.name == name)
        .map_or(network.input, |l| l.output);
    shape.last().copied().unwrap_or(0)
}

/// Reads a block's join, the merge layer `layer`, from the ends of its two branches, each with
/// the channels the declaration gives it.
fn join(walk: &mut Walk<'_>, layer: &LayerConfig, a: (Position, usize), b: (Position, usize)) {
    let joined = match layer.class {
        "Add" => walk.join_add(&a.0, &b.0),
        "Concatenate" => walk.join_concatenation(&a.0, &b.0, (a.1, b.1)),
        other => {
            walk.problem(format!(
                "{other} blocks are not read from float TensorFlow Lite files yet (`Add` and \
                 `Concatenate` are)"
            ));
            return;
        }
    };
    if let Some((op, activation)) = joined {
        shapes_of(walk, &op, None, Some(layer.output));
        // An activation fused into the join is the next activation layer's.
        walk.advance(op, activation, Bounds::NONE);
    }
}

/// A setting of two numbers (`kernel_size`, `strides`), `default` without it.
fn pair(layer: &LayerConfig, key: &str, default: (usize, usize)) -> (usize, usize) {
    match layer.setting(key) {
        Some(Value::Sizes(&[a, b])) => (a, b),
        _ => default,
    }
}

/// How a declared activation is in a file: a clamp fused into the operator, or an operator of
/// its own after it.
#[derive(Clone, PartialEq, Debug)]
enum Ending {
    Clamp(Bounds),
    Op(Code),
}

/// The layer's activation (its `activation` setting), or a problem for one not read yet.
fn ending(walk: &mut Walk<'_>, layer: &LayerConfig) -> Option<Ending> {
    let name = match layer.setting("activation") {
        None => "linear",
        Some(Value::Str(name)) => name,
        Some(_) => "",
    };
    let clamp = |low, high| Some(Ending::Clamp(Bounds { low, high }));
    match name {
        "linear" => clamp(None, None),
        "relu" => clamp(Some(0.0), None),
        "relu6" => clamp(Some(0.0), Some(6.0)),
        "softmax" => Some(Ending::Op(Code::SOFTMAX)),
        "sigmoid" => Some(Ending::Op(Code::LOGISTIC)),
        "tanh" => Some(Ending::Op(Code::TANH)),
        other => {
            walk.problem(format!(
                "its activation `{other}` is not read from float TensorFlow Lite files yet"
            ));
            None
        }
    }
}

/// The image a layer reads: height, width, channels.
fn image(layer: &LayerConfig) -> (usize, usize, usize) {
    match *layer.input {
        [h, w, c] => (h, w, c),
        _ => (0, 0, 0),
    }
}

/// Reads one layer's operators and weights where `walk` stands.
fn read_layer(walk: &mut Walk<'_>, layer: &LayerConfig) -> Found {
    use nn_keras::class;
    let mut found = Found::new();
    match layer.class {
        class::DENSE => dense(walk, layer, &mut found),
        class::CONV_2D => {
            let filters = layer.output.last().copied().unwrap_or(0);
            let (_, _, c) = image(layer);
            let (kh, kw) = pair(layer, "kernel_size", (1, 1));
            let shape = [filters, kh, kw, c];
            if let Some(op) = windowed(walk, layer, Code::CONV_2D, Some(&shape)) {
                // `OHWI` into Keras's `(kh, kw, in, out)`.
                if let Some(w) = weights(walk, &op, 1, &shape) {
                    let kernel = transpose(&w, &[filters, kh * kw * c], &[1, 0]);
                    found.push(("kernel", kernel));
                }
                bias(walk, &op, 2, filters, layer, &mut found);
                finish(walk, op, layer);
            }
        }
        class::DEPTHWISE_CONV_2D => {
            let outputs = layer.output.last().copied().unwrap_or(0);
            let (kh, kw) = pair(layer, "kernel_size", (1, 1));
            let shape = [1, kh, kw, outputs];
            if let Some(op) = windowed(walk, layer, Code::DEPTHWISE_CONV_2D, Some(&shape)) {
                // `1HW(C·M)` is Keras's `(kh, kw, C, M)` already.
                if let Some(w) = weights(walk, &op, 1, &shape) {
                    found.push(("depthwise_kernel", w));
                }
                bias(walk, &op, 2, outputs, layer, &mut found);
                finish(walk, op, layer);
            }
        }
        class::SEPARABLE_CONV_2D => separable(walk, layer, &mut found),
        class::MAX_POOLING_2D | class::AVERAGE_POOLING_2D => {
            let code = if layer.class == class::MAX_POOLING_2D {
                Code::MAX_POOL_2D
            } else {
                Code::AVERAGE_POOL_2D
            };
            if let Some(op) = windowed(walk, layer, code, None) {
                walk.advance(op, fused(&op), Bounds::NONE);
            }
        }
        class::GLOBAL_AVERAGE_POOLING_2D => {
            let code = if walk.next_is(&Code::MEAN) {
                Code::MEAN
            } else {
                Code::AVERAGE_POOL_2D
            };
            if let Some(op) = walk.operator(&code) {
                shapes(walk, &op, layer);
                walk.advance(op, fused(&op), Bounds::NONE);
            }
        }
        class::BATCH_NORMALIZATION => norm(walk, layer, &mut found),
        class::DROPOUT => {}
        class::FLATTEN => {
            if walk.next_is(&Code::RESHAPE)
                && let Some(op) = walk.operator(&Code::RESHAPE)
            {
                walk.advance(op, Activation::None, Bounds::NONE);
            }
        }
        class::ACTIVATION => match ending(walk, layer) {
            Some(Ending::Clamp(bounds)) => walk.fused_activation(bounds),
            Some(Ending::Op(code)) => {
                if let Some(op) = walk.operator(&code) {
                    walk.advance(op, Activation::None, Bounds::NONE);
                }
            }
            None => {}
        },
        other => walk.problem(format!(
            "{other} layers are not read from float TensorFlow Lite files yet"
        )),
    }
    found
}

/// The activation an operator fuses (none for one without settings).
fn fused(op: &Op<'_>) -> Activation {
    match *op.options() {
        Options::Conv2D { activation, .. }
        | Options::DepthwiseConv2D { activation, .. }
        | Options::Pool2D { activation, .. }
        | Options::FullyConnected { activation, .. }
        | Options::Add { activation }
        | Options::Mul { activation } => activation,
        _ => Activation::None,
    }
}

/// Moves past a layer's weighted operator, its activation fused into it or the activation's
/// operator after it.
fn finish<'a>(walk: &mut Walk<'a>, op: Op<'a>, layer: &LayerConfig) {
    let activation = fused(&op);
    match ending(walk, layer) {
        Some(Ending::Clamp(bounds)) => walk.advance(op, activation, bounds),
        Some(Ending::Op(code)) => {
            walk.advance(op, activation, Bounds::NONE);
            if let Some(op) = walk.operator(&code) {
                walk.advance(op, Activation::None, Bounds::NONE);
            }
        }
        None => walk.advance(op, activation, Bounds::NONE),
    }
}

fn dense(walk: &mut Walk<'_>, layer: &LayerConfig, found: &mut Found) {
    let units = layer.output.last().copied().unwrap_or(0);
    let inputs = layer.input.iter().product::<usize>();
    let shape = [units, inputs];
    let Some(op) = walk.operator_where(&Code::FULLY_CONNECTED, |op| weights_fit(op, &shape)) else {
        return;
    };
    // `OI` into Keras's `(inputs, units)`.
    if let Some(w) = weights(walk, &op, 1, &[units, inputs]) {
        found.push(("kernel", transpose(&w, &[units, inputs], &[1, 0])));
    }
    bias(walk, &op, 2, units, layer, found);
    finish(walk, op, layer);
}

fn separable(walk: &mut Walk<'_>, layer: &LayerConfig, found: &mut Found) {
    let (_, _, c) = image(layer);
    let filters = layer.output.last().copied().unwrap_or(0);
    let multiplier = match layer.setting("depth_multiplier") {
        Some(Value::Size(m)) => m,
        _ => 1,
    };
    let (kh, kw) = pair(layer, "kernel_size", (1, 1));
    let shape = [1, kh, kw, c * multiplier];
    let Some(op) = windowed_into(walk, layer, Code::DEPTHWISE_CONV_2D, Some(&shape), None) else {
        return;
    };
    if let Some(w) = weights(walk, &op, 1, &shape) {
        found.push(("depthwise_kernel", w));
    }
    walk.advance(op, fused(&op), Bounds::NONE);
    let Some(op) = walk.operator(&Code::CONV_2D) else {
        return;
    };
    shapes_of(walk, &op, None, Some(layer.output));
    // `O11I` into Keras's `(1, 1, in, out)`.
    if let Some(w) = weights(walk, &op, 1, &[filters, 1, 1, c * multiplier]) {
        let kernel = transpose(&w, &[filters, c * multiplier], &[1, 0]);
        found.push(("pointwise_kernel", kernel));
    }
    bias(walk, &op, 2, filters, layer, found);
    finish(walk, op, layer);
}

/// A batch normalization: folded (the identity), or TensorFlow's `MUL` and `ADD` of one
/// constant per channel.
fn norm(walk: &mut Walk<'_>, layer: &LayerConfig, found: &mut Found) {
    let channels = layer.input.last().copied().unwrap_or(0);
    let epsilon = match layer.setting("epsilon") {
        Some(Value::Float(e)) => e,
        _ => 1e-3,
    };
    let mut scale = vec![1.0; channels];
    let mut shift = vec![0.0; channels];
    if walk.next_is(&Code::MUL) {
        for (code, out) in [(Code::MUL, &mut scale), (Code::ADD, &mut shift)] {
            let Some(op) = walk.operator(&code) else {
                return;
            };
            if let Some(values) = weights(walk, &op, 1, &[channels]) {
                *out = values;
            }
            // An activation fused into the ADD is the next activation layer's.
            walk.advance(op, fused(&op), Bounds::NONE);
        }
    }
    // Variance `1 − ε`: divided by √(variance + ε), that is by 1.
    let variance = (1.0 - epsilon) as f32;
    found.push(("gamma", scale));
    found.push(("beta", shift));
    found.push(("moving_mean", vec![0.0; channels]));
    found.push(("moving_variance", vec![variance; channels]));
}

/// The operator of a windowed layer (convolution or pool), its window compared with the
/// declaration's (`weights`: a convolution's weight shape, whose window is its kernel; none for
/// a pool). Where several operators read the layer's input (a block's branches), the one whose
/// weights have that shape.
fn windowed<'a>(
    walk: &mut Walk<'a>,
    layer: &LayerConfig,
    code: Code,
    weights: Option<&[usize]>,
) -> Option<Op<'a>> {
    windowed_into(walk, layer, code, weights, Some(layer.output))
}

/// [`windowed`], its output compared with `output` (none: the first of a layer's operators).
fn windowed_into<'a>(
    walk: &mut Walk<'a>,
    layer: &LayerConfig,
    code: Code,
    weights: Option<&[usize]>,
    output: Option<&[usize]>,
) -> Option<Op<'a>> {
    let weighted = weights.is_some();
    let kernel = if weighted {
        pair(layer, "kernel_size", (1, 1))
    } else {
        pair(layer, "pool_size", (1, 1))
    };
    let (kh, kw) = kernel;
    let op = match weights {
        Some(shape) => walk.operator_where(&code, |op| weights_fit(op, shape))?,
        None => walk.operator(&code)?,
    };
    let strides = pair(layer, "strides", if weighted { (1, 1) } else { kernel });
    let dilation = pair(layer, "dilation_rate", (1, 1));
    let padding = match layer.setting("padding") {
        Some(Value::Str("same")) => Padding::Same,
        _ => Padding::Valid,
    };
    let (file_strides, file_dilation, file_padding, filter) = match *op.options() {
        Options::Conv2D { window, .. } | Options::DepthwiseConv2D { window, .. } => {
            (window.strides, window.dilation, window.padding, None)
        }
        Options::Pool2D {
            padding,
            strides,
            filter,
            ..
        } => (strides, (1, 1), padding, Some(filter)),
        _ => {
            walk.problem(format!("its {} operator has no settings", code.name()));
            return Some(op);
        }
    };
    let pair_i32 = |(a, b): (usize, usize)| (a as i32, b as i32);
    if file_strides != pair_i32(strides)
        || file_dilation != pair_i32(dilation)
        || file_padding != padding
        || filter.is_some_and(|f| f != pair_i32(kernel))
    {
        walk.problem(format!(
            "the file's {} has strides {file_strides:?}, dilations {file_dilation:?}, \
             {file_padding:?} padding{}; the declaration's strides {strides:?}, dilations \
             {dilation:?}, {padding:?} padding{}",
            code.name(),
            filter.map_or_else(String::new, |f| format!(", a {}×{} window", f.0, f.1)),
            if weighted {
                String::new()
            } else {
                format!(", a {kh}×{kw} window")
            }
        ));
    }
    shapes_of(walk, &op, Some(layer.input), output);
    Some(op)
}

/// Whether `op`'s weights (its input 1) have `shape`: of the operators that read a block's
/// input, the one a branch's first layer stands for.
fn weights_fit(op: &Op<'_>, shape: &[usize]) -> bool {
    op.input(1).is_some_and(|t| {
        t.shape.len() == shape.len()
            && t.shape
                .iter()
                .zip(shape)
                .all(|(&d, &s)| usize::try_from(d) == Ok(s))
    })
}

/// Compares an operator's input and output shapes with the layer's.
fn shapes(walk: &mut Walk<'_>, op: &Op<'_>, layer: &LayerConfig) {
    shapes_of(walk, op, Some(layer.input), Some(layer.output));
}

/// Compares an operator's input and output (where given) with shapes of the declaration.
fn shapes_of(walk: &mut Walk<'_>, op: &Op<'_>, input: Option<&[usize]>, output: Option<&[usize]>) {
    let values = |t: Option<&Tensor>| {
        t.map(|t| {
            t.shape
                .iter()
                .try_fold(1usize, |n, &d| n.checked_mul(usize::try_from(d).ok()?))
        })
    };
    let want = |shape: &[usize]| Some(Some(shape.iter().product::<usize>()));
    for (what, got, shape) in [
        ("input", values(op.input(0)), input),
        ("output", values(op.output()), output),
    ] {
        let Some(shape) = shape else {
            continue;
        };
        if got != want(shape) {
            walk.problem(format!(
                "its {what} has another number of values in the file than the declaration's \
                 {shape:?}"
            ));
        }
    }
}

/// The reals of `op`'s constant input `k`, of `shape`: `float32` values, or int8 ones with their
/// scales (per tensor or along one axis) turned into the reals they stand for.
fn weights(walk: &mut Walk<'_>, op: &Op<'_>, k: usize, shape: &[usize]) -> Option<Vec<f32>> {
    let Some(tensor) = op.input(k) else {
        walk.problem("the operator has no weights");
        return None;
    };
    let file: Vec<usize> = tensor
        .shape
        .iter()
        .map(|&d| usize::try_from(d).unwrap_or(usize::MAX))
        .collect();
    if file != shape {
        walk.problem(format!(
            "weights `{}` are {:?} in the file, the declaration's are {shape:?}",
            tensor.name, tensor.shape
        ));
        return None;
    }
    let data = op.data(tensor);
    let count: usize = shape.iter().product();
    match tensor.element {
        Element::F32 if data.len() == 4 * count => Some(
            data.chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
        ),
        Element::I8 if data.len() == count => {
            let q = tensor.quantization.as_ref()?;
            let axis = usize::try_from(q.dimension).unwrap_or(0);
            let (scales, zeros) = (&q.scale, &q.zero_point);
            let per = if scales.len() == 1 {
                None
            } else if axis < shape.len()
                && scales.len() == shape[axis]
                && zeros.len() == scales.len()
            {
                Some(shape[axis + 1..].iter().product::<usize>())
            } else {
                walk.problem(format!(
                    "weights `{}` have {} scales along axis {axis}, which does not fit their \
                     shape {shape:?}",
                    tensor.name,
                    scales.len()
                ));
                return None;
            };
            Some(
                data.iter()
                    .enumerate()
                    .map(|(i, &b)| {
                        let c = per.map_or(0, |inner| (i / inner.max(1)) % scales.len());
                        let zero = zeros.get(c).copied().unwrap_or(0) as f32;
                        scales[c] * (f32::from(b as i8) - zero)
                    })
                    .collect(),
            )
        }
        other => {
            walk.problem(format!(
                "weights `{}` are {other:?} of {} bytes, not {count} float32 or int8 values",
                tensor.name,
                data.len()
            ));
            None
        }
    }
}

/// The bias of `op`'s input `k` into `found` (zeros when the file has none: the converter
/// leaves out a bias of zeros), for a layer that has one.
fn bias(
    walk: &mut Walk<'_>,
    op: &Op<'_>,
    k: usize,
    len: usize,
    layer: &LayerConfig,
    found: &mut Found,
) {
    let declared = !matches!(layer.setting("use_bias"), Some(Value::Bool(false)));
    let values = match op.input(k) {
        None => vec![0.0; len],
        Some(_) => match weights(walk, op, k, &[len]) {
            Some(values) => values,
            None => return,
        },
    };
    if declared {
        found.push(("bias", values));
    } else if values.iter().any(|&b| b != 0.0) {
        walk.problem(
            "the file has a bias, which the declaration's `use_bias = false` leaves out (a \
             batch normalization folded into it: declare it with a bias)",
        );
    }
}
