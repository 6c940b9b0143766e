//! Our own post-training quantization: a float network, with the ranges its activations took
//! on calibration samples ([`Ranges`]), becomes a TensorFlow Lite int8 model ([`Converter`])
//! in the scheme TensorFlow Lite's converter uses: weights symmetric per output channel,
//! activations asymmetric per tensor from their minimum and maximum, biases in int32, batch
//! normalizations folded into the weights before them and ReLUs fused. A batch normalization
//! that cannot be folded (after an activation or an add) becomes a 1×1 depthwise convolution,
//! per channel, where TensorFlow's converter writes a per-tensor `MUL` and `ADD`. The int8
//! network is then read from that model as from a file, and the model can be written as one.

use std::ops::Range;
use std::string::String;
use std::vec::Vec;

use nn_tflite::{
    Activation, Code, Element, Model, Operator, Options, Padding, Quantization, Subgraph, Tensor,
    Window,
};

/// The ranges a float network's activations took on calibration samples: one `[min, max]`
/// per layer (a block's inner layers included), in the order the layers are walked.
#[derive(Clone, Debug, Default)]
pub struct Ranges {
    ranges: Vec<(f32, f32)>,
    at: usize,
}

impl Ranges {
    /// Starts a pass over a batch: the next layer observed is the first.
    pub fn rewind(&mut self) {
        self.at = 0;
    }

    /// Widens the next layer's range to hold `values` (non-finite values are left out).
    pub fn observe(&mut self, values: &[f32]) {
        let (lo, hi) = values
            .iter()
            .filter(|v| v.is_finite())
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        if self.at == self.ranges.len() {
            self.ranges.push((lo, hi));
        } else {
            let r = &mut self.ranges[self.at];
            *r = (r.0.min(lo), r.1.max(hi));
        }
        self.at += 1;
    }

    /// The next layer's range, in the converter's walk.
    fn next(&mut self) -> (f32, f32) {
        let r = self.ranges.get(self.at).copied();
        self.at += 1;
        r.unwrap_or((0.0, 0.0))
    }
}

/// How an activation's `[min, max]` becomes its int8 scale and zero point, as TensorFlow
/// Lite's converter chooses them: the range widened to hold 0, split into 255 steps, the zero
/// point the nearest int8 to where 0 falls.
pub fn activation_quantization((min, max): (f32, f32)) -> (f32, i32) {
    let (min, max) = (min.min(0.0), max.max(0.0));
    if !(max - min).is_finite() || max - min <= 0.0 {
        return (1.0, -128);
    }
    let scale = (f64::from(max) - f64::from(min)) / 255.0;
    let zero = libm::round(-128.0 - f64::from(min) / scale).clamp(-128.0, 127.0) as i32;
    (scale as f32, zero)
}

/// Where a [`Converter`] stands: the activation tensor the next layer reads
/// ([`Converter::mark`]).
#[derive(Clone, Copy, Debug)]
pub struct Mark(usize);

/// How a weight tensor's values are laid out by output channel.
#[derive(Clone, Copy, Debug)]
pub enum Layout {
    /// Each channel's weights in a row of this many (`OI`, `OHWI`).
    Rows(usize),
    /// The channel last, of this many (`1HWO`).
    Columns(usize),
}

impl Layout {
    fn channel(self, k: usize) -> usize {
        match self {
            Self::Rows(n) => k / n.max(1),
            Self::Columns(n) => k % n.max(1),
        }
    }
}

/// An operator whose weights and output quantization wait for the layers after it (a batch
/// normalization to fold, an activation to fuse, the range its output finally takes).
#[derive(Debug)]
struct Open {
    op: usize,
    /// Weights in TensorFlow Lite's layout, as reals.
    weights: Vec<f32>,
    /// Which output channel each weight is of.
    layout: Layout,
    bias: Vec<f32>,
    weights_tensor: usize,
    bias_tensor: usize,
    input_scale: f32,
    range: (f32, f32),
}

/// Builds a TensorFlow Lite int8 model, layer by layer.
#[derive(Debug)]
pub struct Converter {
    ranges: Ranges,
    tensors: Vec<Tensor>,
    operators: Vec<Operator>,
    data: Vec<u8>,
    buffers: Vec<Range<usize>>,
    current: usize,
    input: usize,
    open: Option<Open>,
    /// The activation tensors that hold a sequence as a `1 × steps` image, as TensorFlow's
    /// converter writes a 1-D layer's input and output ([`slide`](Self::slide)).
    rows: Vec<usize>,
    /// Each sequence reshaped into a row, with that row: read again, it is not reshaped twice.
    reshaped: Vec<(usize, usize)>,
    /// The observed range of each activation tensor not yet given its quantization.
    pending: Vec<(usize, (f32, f32))>,
    /// The layer being converted, for messages.
    layer: String,
    problems: Vec<String>,
}

impl Converter {
    /// A converter for a network whose input took `ranges`'s first range and whose `len`
    /// values per sample have the shape `shape` (`[h, w, c]` or `[n]`).
    pub fn new(mut ranges: Ranges, shape: &[usize]) -> Self {
        ranges.at = 0;
        let range = ranges.next();
        let mut c = Self {
            ranges,
            tensors: Vec::new(),
            operators: Vec::new(),
            data: Vec::new(),
            // Buffer 0 is empty, as TensorFlow Lite's files have it.
            buffers: core::iter::once(0..0).collect(),
            current: 0,
            input: 0,
            open: None,
            rows: Vec::new(),
            reshaped: Vec::new(),
            pending: Vec::new(),
            layer: String::new(),
            problems: Vec::new(),
        };
        let input = c.activation("input", shape);
        c.quantize_activation(input, range);
        c.current = input;
        c.input = input;
        c
    }

    /// The next layer's observed range.
    pub fn range(&mut self) -> (f32, f32) {
        self.ranges.next()
    }

    /// The shape of the tensor the next layer reads (without the batch): `[h, w, c]` or
    /// `[n]`.
    pub fn shape(&self) -> Vec<usize> {
        self.tensors[self.current].shape[1..]
            .iter()
            .map(|&d| d as usize)
            .collect()
    }

    /// Where the converter stands.
    ///
    /// The operator before is finished here: a block's branches both read its output, so
    /// neither may fold a batch normalization into it or fuse an activation.
    pub fn mark(&mut self) -> Mark {
        self.close();
        Mark(self.current)
    }

    /// Goes back (or on) to `mark`: a block's second branch starts where the first did.
    pub fn go_to(&mut self, mark: Mark) {
        self.close();
        self.current = mark.0;
    }

    /// Converts a block's two branches, each from where the block starts (`first`, then
    /// `second`): where each ends, for the operator that joins them.
    pub fn branches(
        &mut self,
        first: impl FnOnce(&mut Self),
        second: impl FnOnce(&mut Self),
    ) -> (Mark, Mark) {
        let start = self.mark();
        first(self);
        let a = self.mark();
        self.go_to(start);
        second(self);
        (a, self.mark())
    }

    /// Starts converting the layer at `position` (`field`, declared as `text`).
    pub fn layer(&mut self, position: usize, field: &str, text: &str) {
        self.layer = format!("layer {position} (`{field}`, {text})");
    }

    /// Records a layer that cannot be converted.
    pub fn problem(&mut self, problem: impl Into<String>) {
        self.problems
            .push(format!("{}: {}", self.layer, problem.into()));
    }

    /// A new activation tensor of `shape` (batch 1 in front), its quantization to come.
    fn activation(&mut self, name: &str, shape: &[usize]) -> usize {
        self.tensors.push(Tensor {
            name: format!("{name}_{}", self.tensors.len()),
            shape: core::iter::once(1)
                .chain(shape.iter().map(|&d| d as i32))
                .collect(),
            element: Element::I8,
            buffer: 0,
            quantization: None,
            is_variable: false,
        });
        self.tensors.len() - 1
    }

    /// A constant tensor of `bytes`.
    fn constant(&mut self, name: &str, shape: &[usize], element: Element, bytes: &[u8]) -> usize {
        // Aligned as the interpreter may read int32 biases in place.
        while !self.data.len().is_multiple_of(16) {
            self.data.push(0);
        }
        let start = self.data.len();
        self.data.extend_from_slice(bytes);
        self.buffers.push(start..self.data.len());
        self.tensors.push(Tensor {
            name: format!("{name}_{}", self.tensors.len()),
            shape: shape.iter().map(|&d| d as i32).collect(),
            element,
            buffer: (self.buffers.len() - 1) as u32,
            quantization: None,
            is_variable: false,
        });
        self.tensors.len() - 1
    }

    fn quantize_activation(&mut self, tensor: usize, range: (f32, f32)) {
        let (scale, zero) = activation_quantization(range);
        self.set_quantization(tensor, scale, zero);
    }

    fn set_quantization(&mut self, tensor: usize, scale: f32, zero: i32) {
        self.tensors[tensor].quantization = Some(Quantization {
            scale: vec![scale],
            zero_point: vec![i64::from(zero)],
            dimension: 0,
        });
    }

    /// The scale of the current tensor (closing the open operator, whose output it may be).
    fn current_scale(&mut self) -> (f32, i32) {
        self.close();
        self.tensors[self.current]
            .quantization
            .as_ref()
            .map_or((1.0, 0), |q| (q.scale[0], q.zero_point[0] as i32))
    }

    /// An operator with weights: `code` with `options`, reading the current tensor through
    /// `weights` (reals in TensorFlow Lite's layout, of shape `weights_shape`, by channel as
    /// `layout` says) and `bias` (one per output channel), giving an output of `shape` whose
    /// values took `range`. Its weights are quantized when the layers after it are done with it.
    #[allow(clippy::too_many_arguments)]
    pub fn weighted(
        &mut self,
        code: Code,
        options: Options,
        weights: Vec<f32>,
        weights_shape: &[usize],
        layout: Layout,
        bias: Vec<f32>,
        shape: &[usize],
        range: (f32, f32),
    ) {
        let (input_scale, _) = self.current_scale();
        let w = self.constant(
            "weights",
            weights_shape,
            Element::I8,
            &vec![0; weights.len()],
        );
        let b = self.constant(
            "bias",
            &[bias.len()],
            Element::I32,
            &vec![0; 4 * bias.len()],
        );
        let out = self.activation("activation", shape);
        self.operators.push(Operator {
            intermediates: Vec::new(),
            operator: code,
            inputs: vec![self.current as i32, w as i32, b as i32],
            outputs: vec![out as i32],
            options,
        });
        self.follow(out);
        self.open = Some(Open {
            op: self.operators.len() - 1,
            weights,
            layout,
            bias,
            weights_tensor: w,
            bias_tensor: b,
            input_scale,
            range,
        });
    }

    /// A batch normalization: each output channel `c` times `scale[c]`, plus `shift[c]`; its
    /// output takes `range`. Folded into the open operator when it has weights and no fused
    /// activation yet (TensorFlow Lite's converter folds it there too); else, as after an
    /// activation (where `scale · relu(z) + shift` is not `relu(scale · z + shift)`), an add,
    /// a pool or the input, an operator of its own: a 1×1 `DEPTHWISE_CONV_2D` with the factors
    /// as its weights and the shifts as its biases; on values that are not an image's
    /// `(h, w, channels)`, which that operator needs, a `MUL` and an `ADD` of per-channel
    /// constants ([`scale_and_shift`](Self::scale_and_shift)).
    pub fn fold(&mut self, scale: &[f32], shift: &[f32], range: (f32, f32)) {
        let foldable = self.open.as_ref().is_some_and(|open| {
            open.weights_tensor != usize::MAX
                && fused(&self.operators[open.op].options) == Some(Activation::None)
        });
        if foldable && let Some(open) = &mut self.open {
            for (k, w) in open.weights.iter_mut().enumerate() {
                *w *= scale[open.layout.channel(k) % scale.len()];
            }
            for (c, b) in open.bias.iter_mut().enumerate() {
                *b = *b * scale[c % scale.len()] + shift[c % shift.len()];
            }
            open.range = range;
            return;
        }
        let shape: Vec<usize> = self.tensors[self.current]
            .shape
            .iter()
            .map(|&d| usize::try_from(d).unwrap_or(0))
            .collect();
        let &[1, h, w, c] = shape.as_slice() else {
            // Not an image: TensorFlow Lite's converter's own way, a MUL and an ADD of
            // per-tensor quantized constants (less exact than per-channel weights).
            self.scale_and_shift(scale, shift, range);
            return;
        };
        if c != scale.len() || c != shift.len() {
            self.problem(format!(
                "a batch normalization of {} channels on values of {c}",
                scale.len()
            ));
            return;
        }
        let options = Options::DepthwiseConv2D {
            window: Window {
                padding: Padding::Valid,
                strides: (1, 1),
                dilation: (1, 1),
            },
            depth_multiplier: 1,
            activation: Activation::None,
        };
        self.weighted(
            Code::DEPTHWISE_CONV_2D,
            options,
            scale.to_vec(),
            &[1, 1, 1, c],
            Layout::Columns(c),
            shift.to_vec(),
            &[h, w, c],
            range,
        );
    }

    /// A batch normalization that cannot be folded, as TensorFlow Lite's converter writes one:
    /// a `MUL` by one constant per channel (`scale`), then an `ADD` of another (`shift`), the
    /// output taking `range`.
    pub fn scale_and_shift(&mut self, scale: &[f32], shift: &[f32], range: (f32, f32)) {
        let (in_scale, in_zero) = self.current_scale();
        let shape = self.shape();
        // The reals the input can hold, times each channel's scale: the product's range.
        let (lo, hi) = (
            in_scale * (-128 - in_zero) as f32,
            in_scale * (127 - in_zero) as f32,
        );
        let products = scale.iter().flat_map(|&s| [lo * s, hi * s]);
        let product_range = products.fold((0f32, 0f32), |(a, b), p| (a.min(p), b.max(p)));
        let scale_tensor = self.quantized_constant("scale", scale);
        let mid = self.activation("activation", &shape);
        self.quantize_activation(mid, product_range);
        self.operators.push(Operator {
            intermediates: Vec::new(),
            operator: Code::MUL,
            inputs: vec![self.current as i32, scale_tensor as i32],
            outputs: vec![mid as i32],
            options: Options::Mul {
                activation: Activation::None,
            },
        });
        let shift_tensor = self.quantized_constant("shift", shift);
        self.open_add(mid, shift_tensor, range);
    }

    /// A constant int8 tensor of `values`, quantized per tensor from their range.
    fn quantized_constant(&mut self, name: &str, values: &[f32]) -> usize {
        let range = values
            .iter()
            .fold((0f32, 0f32), |(a, b), &v| (a.min(v), b.max(v)));
        let (scale, zero) = activation_quantization(range);
        let q: Vec<u8> = values
            .iter()
            .map(|&v| {
                let q = libm::roundf(v / scale) as i32 + zero;
                (q.clamp(-128, 127) as i8) as u8
            })
            .collect();
        let t = self.constant(name, &[values.len()], Element::I8, &q);
        self.set_quantization(t, scale, zero);
        t
    }

    /// Fuses `activation` into the operator before (its output takes `range`). A problem
    /// when there is none, or it fuses one already.
    pub fn fuse(&mut self, activation: Activation, range: (f32, f32)) {
        let Some(open) = &mut self.open else {
            self.problem(
                "an activation with no dense, convolution or add right before it, which int8 \
                 networks here fuse it into",
            );
            return;
        };
        open.range = range;
        let op = &mut self.operators[open.op];
        let slot = match &mut op.options {
            Options::Conv2D { activation, .. }
            | Options::DepthwiseConv2D { activation, .. }
            | Options::FullyConnected { activation, .. }
            | Options::Add { activation } => activation,
            _ => {
                self.problems.push(format!(
                    "{}: an activation after an operator that cannot fuse it",
                    self.layer
                ));
                return;
            }
        };
        if *slot != Activation::None {
            self.problems
                .push(format!("{}: two activations in a row", self.layer));
        }
        *slot = activation;
    }

    /// An operator without weights whose output keeps the input's quantization (a pool, a
    /// reshape): `code` with `options`, giving an output of `shape`.
    pub fn keeping(&mut self, code: Code, options: Options, shape: &[usize]) {
        let (scale, zero) = self.current_scale();
        let out = self.activation("activation", shape);
        self.set_quantization(out, scale, zero);
        self.push_unary(code, options, out);
    }

    /// An LSTM as TensorFlow's converter writes Keras's: an `UNIDIRECTIONAL_SEQUENCE_LSTM` over
    /// `steps` steps of the current tensor's `features` into `units` units (the current
    /// tensor reshaped to `[1, steps, features]` first if it is not so), then without
    /// `sequences` a `STRIDED_SLICE` of the last step. `gates` are Keras's four (input,
    /// forget, cell, output), each its input weights (`units` rows of `features`), recurrent
    /// weights (`units` rows of `units`) and bias, as reals; each weight matrix is quantized
    /// per tensor, symmetric, as TensorFlow Lite's kernel takes them. The output and the
    /// output state take `range`; the int16 cell state the least power-of-two scale from
    /// 2^-15 to 2^-9 that holds `cell` (the largest magnitude the cell state took; beyond 64
    /// it saturates).
    pub fn lstm(
        &mut self,
        gates: [(&[f32], &[f32], &[f32]); 4],
        (steps, features, units): (usize, usize, usize),
        sequences: bool,
        range: (f32, f32),
        cell: f32,
    ) {
        if self.shape() != [steps, features] {
            let new_shape = vec![1, steps as i32, features as i32];
            self.keeping(
                Code::RESHAPE,
                Options::Reshape { new_shape },
                &[steps, features],
            );
        }
        let (x_scale, x_zero) = self.current_scale();
        let _ = x_zero;
        let (h_scale, h_zero) = activation_quantization(range);
        let per_tensor = |values: &[f32]| {
            let m = values.iter().fold(0f32, |m, w| m.max(w.abs()));
            let scale = if m > 0.0 && m.is_finite() {
                m / 127.0
            } else {
                1.0
            };
            let q: Vec<u8> = values
                .iter()
                .map(|&w| (libm::roundf(w / scale).clamp(-127.0, 127.0) as i8) as u8)
                .collect();
            (scale, q)
        };
        let mut inputs = vec![-1i32; 24];
        inputs[0] = self.current as i32;
        for (g, (w, r, b)) in gates.iter().enumerate() {
            let (w_scale, wq) = per_tensor(w);
            let t = self.constant("input_weights", &[units, features], Element::I8, &wq);
            self.set_weight_scale(t, w_scale);
            inputs[1 + g] = t as i32;
            let (r_scale, rq) = per_tensor(r);
            let t = self.constant("recurrent_weights", &[units, units], Element::I8, &rq);
            self.set_weight_scale(t, r_scale);
            inputs[5 + g] = t as i32;
            let bias_scale = x_scale * w_scale;
            let bq: Vec<u8> = b
                .iter()
                .flat_map(|&b| {
                    let q = libm::round(f64::from(b) / f64::from(bias_scale));
                    (q.clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32).to_le_bytes()
                })
                .collect();
            let t = self.constant("bias", &[units], Element::I32, &bq);
            self.set_weight_scale(t, bias_scale);
            inputs[12 + g] = t as i32;
        }
        // The states, which the interpreter keeps (and resets to their zero points).
        let state = self.activation("output_state", &[units]);
        self.set_quantization(state, h_scale, h_zero);
        self.tensors[state].is_variable = true;
        inputs[18] = state as i32;
        let cell_state = self.activation("cell_state", &[units]);
        let shift = if cell > 0.0 && cell.is_finite() {
            (libm::ceilf(libm::log2f(cell)) as i32 - 15).clamp(-15, -9)
        } else {
            -15
        };
        self.set_quantization(cell_state, libm::exp2f(shift as f32), 0);
        self.tensors[cell_state].element = Element::I16;
        self.tensors[cell_state].is_variable = true;
        inputs[19] = cell_state as i32;
        // The gates' intermediates (read only with layer norm: float, unquantized, as
        // TensorFlow's converter leaves them) and the hidden state's, of the output's
        // quantization.
        let mut intermediates = Vec::new();
        for _ in 0..4 {
            let t = self.activation("gate_intermediate", &[]);
            self.tensors[t].shape.clear();
            self.tensors[t].element = Element::F32;
            intermediates.push(t as i32);
        }
        let hidden = self.activation("hidden_intermediate", &[]);
        self.tensors[hidden].shape.clear();
        self.set_quantization(hidden, h_scale, h_zero);
        intermediates.push(hidden as i32);
        let out = self.activation("activation", &[steps, units]);
        self.set_quantization(out, h_scale, h_zero);
        self.operators.push(Operator {
            intermediates,
            operator: Code::UNIDIRECTIONAL_SEQUENCE_LSTM,
            inputs,
            outputs: vec![out as i32],
            options: Options::SequenceLstm {
                activation: Activation::Tanh,
                cell_clip: 0.0,
                proj_clip: 0.0,
                time_major: false,
            },
        });
        self.current = out;
        if !sequences {
            let ints =
                |v: [i32; 3]| -> Vec<u8> { v.iter().flat_map(|x| x.to_le_bytes()).collect() };
            let begin = self.constant("begin", &[3], Element::I32, &ints([0, -1, 0]));
            let end = self.constant("end", &[3], Element::I32, &ints([1, 0, units as i32]));
            let strides = self.constant("strides", &[3], Element::I32, &ints([1, 1, 1]));
            let last = self.activation("activation", &[units]);
            self.set_quantization(last, h_scale, h_zero);
            self.operators.push(Operator {
                intermediates: Vec::new(),
                operator: Code::STRIDED_SLICE,
                inputs: vec![out as i32, begin as i32, end as i32, strides as i32],
                outputs: vec![last as i32],
                options: Options::StridedSlice {
                    begin_mask: 5,
                    end_mask: 5,
                    ellipsis_mask: 0,
                    new_axis_mask: 0,
                    shrink_axis_mask: 2,
                },
            });
            self.current = last;
        }
    }

    /// A constant's one scale (zero point 0).
    fn set_weight_scale(&mut self, tensor: usize, scale: f32) {
        self.set_quantization(tensor, scale, 0);
    }

    /// An operator without weights whose output is quantized as `(scale, zero)` (a softmax:
    /// 1/256 and −128).
    pub fn fixed(&mut self, code: Code, options: Options, shape: &[usize], scale: f32, zero: i32) {
        self.close();
        let out = self.activation("activation", shape);
        self.set_quantization(out, scale, zero);
        self.push_unary(code, options, out);
    }

    /// Adds `code` reading the current tensor into `out`, which becomes the current one.
    fn push_unary(&mut self, code: Code, options: Options, out: usize) {
        self.operators.push(Operator {
            intermediates: Vec::new(),
            operator: code,
            inputs: vec![self.current as i32],
            outputs: vec![out as i32],
            options,
        });
        self.follow(out);
    }

    /// Moves on to `out`, the output of an operator reading the current tensor: still a
    /// sequence as a row when the current one is and `out` is an image.
    fn follow(&mut self, out: usize) {
        if self.rows.contains(&self.current) && self.tensors[out].shape.len() == 4 {
            self.rows.push(out);
        }
        self.current = out;
    }

    /// Makes the current tensor an image: a sequence (`steps × c`) is reshaped into a
    /// `1 × steps` image, which TensorFlow Lite's 2-D operators take.
    pub(crate) fn image(&mut self) {
        self.close();
        let mark = Mark(self.current);
        if self.tensors[mark.0].shape.len() == 3 {
            self.current = self.row_of(mark).0;
        }
    }

    /// The sequence at `mark` as a row: reshaped the first time, as TensorFlow's converter
    /// does, then the same row.
    fn row_of(&mut self, mark: Mark) -> Mark {
        let t = mark.0;
        if let Some(&(_, row)) = self.reshaped.iter().find(|(s, _)| *s == t) {
            return Mark(row);
        }
        let shape: Vec<usize> = core::iter::once(1)
            .chain(self.tensors[t].shape[1..].iter().map(|&d| d as usize))
            .collect();
        let out = self.activation("activation", &shape);
        self.tensors[out].quantization = self.tensors[t].quantization.clone();
        if let Some(&(_, range)) = self.pending.iter().find(|(p, _)| *p == t) {
            self.pending.push((out, range));
        }
        self.operators.push(Operator {
            operator: Code::RESHAPE,
            inputs: vec![t as i32],
            outputs: vec![out as i32],
            options: Options::Reshape {
                new_shape: core::iter::once(1)
                    .chain(shape.iter().map(|&d| d as i32))
                    .collect(),
            },
            intermediates: Vec::new(),
        });
        self.rows.push(out);
        self.reshaped.push((t, out));
        Mark(out)
    }

    /// Notes that the current tensor, an image, holds no sequence (a global pool's output).
    pub(crate) fn not_a_row(&mut self) {
        let current = self.current;
        self.rows.retain(|&t| t != current);
    }

    /// Where a declared layer's window `w` over `dims` dimensions (1 or 2) slides, as the
    /// settings of the operator about to be added (which reads the current tensor). A 1-D
    /// layer reads its sequence as a `1 × steps` image (`w` is already the row's window,
    /// [`row`](super::layers::conv::row)): a sequence not yet one is reshaped first, as
    /// TensorFlow's converter does. Padding that is neither valid nor same (causal) is a
    /// `PAD` of its own before, as the converter writes it, with valid padding after.
    pub(crate) fn slide(&mut self, w: &crate::Window, dims: usize) -> Window {
        if dims == 1 {
            self.image();
        }
        let settings = window(w);
        let same = super::Geometry::new(
            (w.h, w.w, w.c),
            (w.kh, w.kw),
            w.c,
            (w.sh, w.sw),
            (w.dh, w.dw),
            super::Padding::Same,
        );
        let fits = settings.padding == Padding::Valid
            || (same.padding == (w.pad_top, w.pad_left)
                && (same.output.0, same.output.1) == (w.oh, w.ow));
        if fits {
            return settings;
        }
        // The rows and columns after the input the last window reaches.
        let after = |size: usize, k: usize, d: usize, s: usize, out: usize, before: usize| {
            ((out.max(1) - 1) * s + (k.max(1) - 1) * d + 1).saturating_sub(size + before)
        };
        let bottom = after(w.h, w.kh, w.dh, w.sh, w.oh, w.pad_top);
        let right = after(w.w, w.kw, w.dw, w.sw, w.ow, w.pad_left);
        let pads: Vec<u8> = [0, 0, w.pad_top, bottom, w.pad_left, right, 0, 0]
            .iter()
            .flat_map(|&p| (p as i32).to_le_bytes())
            .collect();
        let paddings = self.constant("paddings", &[4, 2], Element::I32, &pads);
        let (scale, zero) = self.current_scale();
        let image = [w.h + w.pad_top + bottom, w.w + w.pad_left + right, w.c];
        let out = self.activation("activation", &image);
        self.set_quantization(out, scale, zero);
        self.operators.push(Operator {
            operator: Code::PAD,
            inputs: vec![self.current as i32, paddings as i32],
            outputs: vec![out as i32],
            options: Options::None,
            intermediates: Vec::new(),
        });
        self.follow(out);
        Window {
            padding: Padding::Valid,
            ..settings
        }
    }

    /// An operator without weights whose output, of the input's shape, is quantized from the
    /// `range` it took (a leaky ReLU).
    pub fn activated(&mut self, code: Code, options: Options, range: (f32, f32)) {
        self.close();
        let shape = self.shape();
        let out = self.activation("activation", &shape);
        self.quantize_activation(out, range);
        self.push_unary(code, options, out);
    }

    /// A `PRELU` of the current tensor with slopes `alpha` (one per value, laid out as the
    /// tensor), its output of the input's shape quantized from the `range` it took. The
    /// slopes are an int8 constant of the input's shape (without the batch), quantized as
    /// TensorFlow's converter quantizes them: symmetric, one scale, the largest magnitude at
    /// 127.
    pub fn prelu(&mut self, alpha: &[f32], range: (f32, f32)) {
        self.close();
        let shape = self.shape();
        let largest = alpha.iter().fold(0f32, |m, a| m.max(a.abs()));
        let scale = if largest > 0.0 && largest.is_finite() {
            largest / 127.0
        } else {
            1.0
        };
        let q: Vec<u8> = alpha
            .iter()
            .map(|&a| (libm::roundf(a / scale).clamp(-127.0, 127.0) as i8) as u8)
            .collect();
        let slopes = self.constant("alpha", &shape, Element::I8, &q);
        self.set_quantization(slopes, scale, 0);
        let out = self.activation("activation", &shape);
        self.quantize_activation(out, range);
        self.operators.push(Operator {
            operator: Code::PRELU,
            inputs: vec![self.current as i32, slopes as i32],
            outputs: vec![out as i32],
            options: Options::None,
            intermediates: Vec::new(),
        });
        self.current = out;
    }

    /// A `CONCATENATION` of the tensors at `a` and `b` along their last axis, its output
    /// taking `range`. TensorFlow Lite's int8 kernel takes only inputs quantized as its
    /// output, so each branch's end is given the output's quantization, as TensorFlow's
    /// converter gives it: possible where the operator writing it requantizes into any scale
    /// (a dense layer, a convolution, an add, a leaky ReLU, an ELU, a hard swish, a GELU), a problem where its quantization
    /// is fixed (the block's input, a pool, a reshape, a softmax).
    pub fn concatenate(&mut self, a: Mark, b: Mark, range: (f32, f32)) {
        self.close();
        let (scale, zero) = activation_quantization(range);
        for t in [a.0, b.0] {
            let same = self.tensors[t]
                .quantization
                .as_ref()
                .is_some_and(|q| q.scale == [scale] && q.zero_point == [i64::from(zero)]);
            let free = self.operators.iter().any(|op| {
                op.outputs.first() == Some(&(t as i32))
                    && [
                        Code::FULLY_CONNECTED,
                        Code::CONV_2D,
                        Code::DEPTHWISE_CONV_2D,
                        Code::ADD,
                        Code::LEAKY_RELU,
                        Code::ELU,
                        Code::HARD_SWISH,
                        Code::GELU,
                        Code::PRELU,
                    ]
                    .contains(&op.operator)
            });
            if free {
                self.pending.retain(|(p, _)| *p != t);
                self.set_quantization(t, scale, zero);
            } else if !same {
                self.problem(
                    "a concatenation of a branch that ends where the quantization is fixed (the                      block's input, a pool, a reshape, a softmax), which TensorFlow Lite's int8                      kernel cannot requantize",
                );
            }
        }
        let (a, b) = self.align(a, b);
        let mut shape: Vec<usize> = self.tensors[a.0].shape[1..]
            .iter()
            .map(|&d| d as usize)
            .collect();
        let last = |t: &Tensor| t.shape.last().map_or(0, |&d| d as usize);
        let channels = last(&self.tensors[a.0]) + last(&self.tensors[b.0]);
        if let Some(c) = shape.last_mut() {
            *c = channels;
        }
        let out = self.activation("activation", &shape);
        self.set_quantization(out, scale, zero);
        self.operators.push(Operator {
            intermediates: Vec::new(),
            operator: Code::CONCATENATION,
            inputs: vec![a.0 as i32, b.0 as i32],
            outputs: vec![out as i32],
            options: Options::Concatenation {
                axis: shape.len() as i32,
                activation: Activation::None,
            },
        });
        self.current = out;
        if self.rows.contains(&a.0) {
            self.rows.push(out);
        }
    }

    /// The tensors at `a` and `b` in one form: where one is a sequence as a row (after a
    /// 1-D layer) and the other the sequence itself, the latter reshaped into a row too.
    fn align(&mut self, a: Mark, b: Mark) -> (Mark, Mark) {
        let row = |c: &Self, t: usize| c.rows.contains(&t);
        let flat = |c: &Self, t: usize| c.tensors[t].shape.len() == 3;
        match (a.0, b.0) {
            (x, y) if row(self, x) && flat(self, y) => (a, self.row_of(b)),
            (x, y) if row(self, y) && flat(self, x) => (self.row_of(a), b),
            _ => (a, b),
        }
    }

    /// An `ADD` of the tensors at `a` and `b` (of one shape), its output taking `range`; the
    /// operator stays open for an activation to fuse.
    pub fn add(&mut self, a: Mark, b: Mark, range: (f32, f32)) {
        self.close();
        let (a, b) = self.align(a, b);
        self.open_add(a.0, b.0, range);
        if self.rows.contains(&a.0) {
            self.rows.push(self.current);
        }
    }

    /// An `ADD` of tensors `a` and `b` into a tensor of `a`'s shape, whose values take
    /// `range`; it stays open without weights, so that an activation after it fuses into it.
    fn open_add(&mut self, a: usize, b: usize, range: (f32, f32)) {
        let shape: Vec<usize> = self.tensors[a].shape[1..]
            .iter()
            .map(|&d| d as usize)
            .collect();
        let out = self.activation("activation", &shape);
        self.operators.push(Operator {
            intermediates: Vec::new(),
            operator: Code::ADD,
            inputs: vec![a as i32, b as i32],
            outputs: vec![out as i32],
            options: Options::Add {
                activation: Activation::None,
            },
        });
        self.current = out;
        self.pending.push((out, range));
        self.open = Some(Open {
            op: self.operators.len() - 1,
            weights: Vec::new(),
            layout: Layout::Rows(1),
            bias: Vec::new(),
            weights_tensor: usize::MAX,
            bias_tensor: usize::MAX,
            input_scale: 1.0,
            range,
        });
    }

    /// Quantizes the open operator: its output from its range, its weights per output channel
    /// (symmetric, the largest magnitude at 127), its biases at `input · weight` scale.
    fn close(&mut self) {
        let Some(open) = self.open.take() else {
            return;
        };
        let out = self.operators[open.op].outputs[0] as usize;
        self.pending.retain(|(t, _)| *t != out);
        self.quantize_activation(out, open.range);
        if open.weights_tensor == usize::MAX {
            return;
        }
        let channels = open.bias.len().max(1);
        let mut largest = vec![0f32; channels];
        for (k, w) in open.weights.iter().enumerate() {
            let c = open.layout.channel(k) % channels;
            largest[c] = largest[c].max(w.abs());
        }
        let scales: Vec<f32> = largest
            .iter()
            .map(|&m| {
                if m > 0.0 && m.is_finite() {
                    m / 127.0
                } else {
                    1.0
                }
            })
            .collect();
        let q: Vec<u8> = open
            .weights
            .iter()
            .enumerate()
            .map(|(k, &w)| {
                let s = scales[open.layout.channel(k) % channels];
                (libm::roundf(w / s).clamp(-127.0, 127.0) as i8) as u8
            })
            .collect();
        let bias: Vec<u8> = open
            .bias
            .iter()
            .zip(&scales)
            .flat_map(|(&b, &s)| {
                let q = libm::round(f64::from(b) / (f64::from(open.input_scale) * f64::from(s)));
                (q.clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32).to_le_bytes()
            })
            .collect();
        self.write(open.weights_tensor, &q);
        self.write(open.bias_tensor, &bias);
        let weights = &mut self.tensors[open.weights_tensor];
        let dimension = if self.operators[open.op].operator == Code::DEPTHWISE_CONV_2D {
            3
        } else {
            0
        };
        weights.quantization = Some(Quantization {
            zero_point: vec![0; scales.len()],
            scale: scales.clone(),
            dimension,
        });
        self.tensors[open.bias_tensor].quantization = Some(Quantization {
            scale: scales.iter().map(|s| s * open.input_scale).collect(),
            zero_point: vec![0; scales.len()],
            dimension: 0,
        });
    }

    fn write(&mut self, tensor: usize, bytes: &[u8]) {
        let range = self.buffers[self.tensors[tensor].buffer as usize].clone();
        self.data[range].copy_from_slice(bytes);
    }

    /// The model, and the bytes its buffers lie in; or the layers that could not be
    /// converted.
    ///
    /// # Errors
    ///
    /// Every layer that could not be converted.
    pub fn finish(mut self) -> Result<(Model, Vec<u8>), Vec<String>> {
        self.close();
        if self.rows.contains(&self.current) {
            // A sequence again at the end, as the network's output is.
            let shape = self.shape()[1..].to_vec();
            let new_shape = core::iter::once(1)
                .chain(shape.iter().map(|&d| d as i32))
                .collect();
            self.keeping(Code::RESHAPE, Options::Reshape { new_shape }, &shape);
        }
        for (t, range) in core::mem::take(&mut self.pending) {
            self.quantize_activation(t, range);
        }
        if !self.problems.is_empty() {
            return Err(self.problems);
        }
        let model = Model {
            version: 3,
            description: String::from("nn post-training quantization"),
            subgraphs: vec![Subgraph {
                name: String::from("main"),
                inputs: vec![self.input as i32],
                outputs: vec![self.current as i32],
                tensors: self.tensors,
                operators: self.operators,
            }],
            buffers: self.buffers,
        };
        Ok((model, self.data))
    }
}

/// The activation an operator's settings fuse, for an operator that can fuse one.
fn fused(options: &Options) -> Option<Activation> {
    match options {
        Options::Conv2D { activation, .. }
        | Options::DepthwiseConv2D { activation, .. }
        | Options::FullyConnected { activation, .. }
        | Options::Add { activation }
        | Options::Pool2D { activation, .. } => Some(*activation),
        _ => None,
    }
}

/// A declared layer's window as a file's settings: valid padding when the window has no
/// padding and fits the input exactly as valid padding would place it, else same.
pub(crate) fn window(w: &crate::Window) -> Window {
    let valid = |size: usize, k: usize, d: usize, s: usize, out: usize| {
        let span = (k - 1) * d + 1;
        size >= span && (size - span) / s + 1 == out
    };
    let is_valid = w.pad_top == 0
        && w.pad_left == 0
        && valid(w.h, w.kh, w.dh, w.sh, w.oh)
        && valid(w.w, w.kw, w.dw, w.sw, w.ow);
    Window {
        padding: if is_valid {
            Padding::Valid
        } else {
            Padding::Same
        },
        strides: (w.sh as i32, w.sw as i32),
        dilation: (w.dh as i32, w.dw as i32),
    }
}
