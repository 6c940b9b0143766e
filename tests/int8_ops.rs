//! `nn::int8`'s kernels against TensorFlow Lite's reference kernels (`BUILTIN_REF`, TensorFlow
//! 2.21.0), operator by operator: for MLPerf Tiny's five int8 models, TensorFlow Lite Micro's
//! hello world and speech models (`tests/fixtures/tflm/`) and
//! `tests/fixtures/tflite/int8_ops.tflite` (strided, dilated, depth-multiplied and padded
//! windows, an ADD of two scales), `int8_bn.tflite` (MULs and ADDs of per-channel constants),
//! `int8_mean.tflite` and `int8_mean_keep.tflite` (a MEAN over height and width that
//! requantizes), `int8_more.tflite` (leaky ReLUs, a concatenation) and `int8_acts.tflite`
//! (HARD_SWISH, GELU, PRELU, LOG_SOFTMAX),
//! `tools/int8_reference.py` recorded every activation the
//! interpreter computed on a seeded input. Here each operator is built from what `nn_tflite`
//! reads in the file, run on its recorded inputs and its output compared with the recorded
//! one bit for bit; then each model is run from its input alone, up to its softmax.

use std::collections::HashMap;

use nn::int8::kernels::{
    Add, AveragePool, Conv2D, DepthwiseConv2D, FullyConnected, LeakyRelu, LogSoftmax, Lookup, Lstm,
    LstmGate, MaxPool, Mean, Mul, PRelu, Softmax, concatenate,
};
use nn::int8::{Geometry, Multiplier, Output, Padding, activation_range};
use nn_tflite::{Activation, Code, Element, Model, Operator, Options, Tensor};

/// A model file, what `nn_tflite` reads in it, and what the interpreter computed in it.
struct Fixture {
    name: &'static str,
    bytes: Vec<u8>,
    model: Model,
    /// The recorded int8 tensors, by index.
    tensors: HashMap<i32, Vec<i8>>,
    /// Four more inputs and the model's outputs for them.
    more: Vec<(Vec<i8>, Vec<i8>)>,
}

const FILES: [&str; 15] = [
    "mlperf_tiny/ad01_int8",
    "mlperf_tiny/pretrainedResnet_quant",
    "mlperf_tiny/vww_96_int8",
    "mlperf_tiny/kws_ref_model",
    "mlperf_tiny/str_ww_ref_model",
    "tflite/int8_ops",
    "tflite/int8_bn",
    "tflm/sine",
    "tflm/speech",
    "tflite/int8_mean",
    "tflite/int8_mean_keep",
    "tflite/int8_more",
    "tflite/int8_acts",
    "tflite/int8_lstm",
    "tflite/int8_lstm_seq",
];

fn read(path: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

impl Fixture {
    fn load(name: &'static str) -> Self {
        let bytes = read(&format!("{name}.tflite"));
        let model = nn_tflite::read(&bytes).unwrap();
        let blob: Vec<i8> = read(&format!("{name}.tensors.bin"))
            .into_iter()
            .map(|b| b as i8)
            .collect();
        let index: serde_json::Value =
            serde_json::from_slice(&read(&format!("{name}.tensors.json"))).unwrap();
        let slice = |v: &serde_json::Value| -> Vec<i8> {
            let [offset, length]: [usize; 2] = serde_json::from_value(v.clone()).unwrap();
            blob[offset..offset + length].to_vec()
        };
        let tensors = index["tensors"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.parse().unwrap(), slice(v)))
            .collect();
        let more = index["more"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (slice(&m["input"]), slice(&m["output"])))
            .collect();
        Self {
            name,
            bytes,
            model,
            tensors,
            more,
        }
    }

    fn tensor(&self, i: i32) -> &Tensor {
        &self.model.subgraphs[0].tensors[i as usize]
    }

    /// A constant tensor's bytes.
    fn data(&self, i: i32) -> &[u8] {
        &self.bytes[self.model.buffers[self.tensor(i).buffer as usize].clone()]
    }

    fn weights(&self, i: i32) -> Vec<i8> {
        assert_eq!(self.tensor(i).element, Element::I8);
        self.data(i).iter().map(|&b| b as i8).collect()
    }

    /// An operator's optional int32 bias (input 2).
    fn bias(&self, op: &Operator) -> Vec<i32> {
        match op.inputs.get(2) {
            Some(&b) if b >= 0 => {
                assert_eq!(self.tensor(b).element, Element::I32);
                self.data(b)
                    .chunks_exact(4)
                    .map(|c| i32::from_le_bytes(c.try_into().unwrap()))
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    /// A quantized tensor's only scale and zero point.
    fn per_tensor(&self, i: i32) -> (f32, i32) {
        let q = self.tensor(i).quantization.as_ref().expect("quantized");
        (q.scale[0], i32::try_from(q.zero_point[0]).unwrap())
    }

    /// An activation tensor's `(height, width, channels)`, from `[1, h, w, c]`.
    fn hwc(&self, i: i32) -> (usize, usize, usize) {
        match self.tensor(i).shape[..] {
            [1, h, w, c] => (h as usize, w as usize, c as usize),
            ref other => panic!("{}: tensor {i} of shape {other:?}", self.name),
        }
    }

    /// The output of `op`: its zero point and the clamp of `activation`.
    fn output(&self, op: &Operator, activation: Activation) -> Output {
        let (scale, zero) = self.per_tensor(op.outputs[0]);
        let (low, high) = match activation {
            Activation::None => (None, None),
            Activation::Relu => (Some(0.0), None),
            Activation::Relu6 => (Some(0.0), Some(6.0)),
            Activation::ReluN1To1 => (Some(-1.0), Some(1.0)),
            other => panic!("{}: fused {other:?}", self.name),
        };
        let (min, max) = activation_range(low, high, scale, zero);
        Output { zero, min, max }
    }

    /// Per output channel, the factor `scale_x · scale_w[c] / scale_y` as TensorFlow Lite's
    /// `PopulateConvolutionQuantizationParams` computes it for convolutions (in `f64`, where
    /// fully connected layers take the product of the scales in `f32`).
    fn conv_multipliers(&self, op: &Operator) -> Vec<Multiplier> {
        let (x, _) = self.per_tensor(op.inputs[0]);
        let (y, _) = self.per_tensor(op.outputs[0]);
        let w = self.tensor(op.inputs[1]).quantization.as_ref().unwrap();
        w.scale
            .iter()
            .map(|&s| Multiplier::for_channel(x, s, y))
            .collect()
    }

    /// `op` computed by `nn::int8` on `inputs` (its tensors' values, in order); `None` for an
    /// operator whose kernel is not here yet.
    fn run(&self, op: &Operator, inputs: &[&[i8]]) -> Option<Vec<i8>> {
        let out = op.outputs[0];
        let len: usize = self.tensor(out).shape.iter().map(|&d| d as usize).product();
        let mut y = vec![0i8; len];
        let x = inputs[0];
        let padding = |p: nn_tflite::Padding| match p {
            nn_tflite::Padding::Same => Padding::Same,
            nn_tflite::Padding::Valid => Padding::Valid,
        };
        let pair = |(a, b): (i32, i32)| (a as usize, b as usize);
        match (&op.operator, &op.options) {
            (c, &Options::Conv2D { window, activation }) if *c == Code::CONV_2D => {
                let w = self.tensor(op.inputs[1]);
                let [o, kh, kw, _] = w.shape[..] else {
                    panic!("{}: conv weights {:?}", self.name, w.shape)
                };
                let geometry = Geometry::new(
                    self.hwc(op.inputs[0]),
                    (kh as usize, kw as usize),
                    o as usize,
                    pair(window.strides),
                    pair(window.dilation),
                    padding(window.padding),
                );
                assert_eq!(geometry.output, self.hwc(out), "{}: output size", self.name);
                Conv2D {
                    geometry,
                    weights: &self.weights(op.inputs[1]),
                    bias: &self.bias(op),
                    multipliers: &self.conv_multipliers(op),
                    input_zero: self.per_tensor(op.inputs[0]).1,
                    output: self.output(op, activation),
                }
                .run(x, &mut y);
            }
            (
                c,
                &Options::DepthwiseConv2D {
                    window,
                    depth_multiplier,
                    activation,
                },
            ) if *c == Code::DEPTHWISE_CONV_2D => {
                let w = self.tensor(op.inputs[1]);
                let [1, kh, kw, o] = w.shape[..] else {
                    panic!("{}: depthwise weights {:?}", self.name, w.shape)
                };
                let input = self.hwc(op.inputs[0]);
                assert_eq!(o as usize, input.2 * depth_multiplier as usize);
                let geometry = Geometry::new(
                    input,
                    (kh as usize, kw as usize),
                    o as usize,
                    pair(window.strides),
                    pair(window.dilation),
                    padding(window.padding),
                );
                assert_eq!(geometry.output, self.hwc(out), "{}: output size", self.name);
                DepthwiseConv2D {
                    geometry,
                    weights: &self.weights(op.inputs[1]),
                    bias: &self.bias(op),
                    multipliers: &self.conv_multipliers(op),
                    input_zero: self.per_tensor(op.inputs[0]).1,
                    output: self.output(op, activation),
                }
                .run(x, &mut y);
            }
            (
                c,
                &Options::Pool2D {
                    padding: p,
                    strides,
                    filter,
                    activation,
                },
            ) if *c == Code::AVERAGE_POOL_2D || *c == Code::MAX_POOL_2D => {
                let input = self.hwc(op.inputs[0]);
                assert_eq!(self.per_tensor(op.inputs[0]), self.per_tensor(out));
                let geometry = Geometry::new(
                    input,
                    pair(filter),
                    input.2,
                    pair(strides),
                    (1, 1),
                    padding(p),
                );
                assert_eq!(geometry.output, self.hwc(out), "{}: output size", self.name);
                let Output { min, max, .. } = self.output(op, activation);
                if *c == Code::AVERAGE_POOL_2D {
                    AveragePool { geometry, min, max }.run(x, &mut y);
                } else {
                    MaxPool { geometry, min, max }.run(x, &mut y);
                }
            }
            (c, &Options::Add { activation }) if *c == Code::ADD => {
                let (a, b) = (op.inputs[0], op.inputs[1]);
                let add = Add::new(
                    self.per_tensor(a),
                    self.per_tensor(b),
                    self.per_tensor(out).0,
                    self.output(op, activation),
                );
                if self.is_constant(b) {
                    // One value per channel (a batch normalization the converter could not
                    // fold).
                    add.run_channels(x, &self.weights(b), &mut y);
                } else {
                    assert_eq!(self.tensor(a).shape, self.tensor(b).shape, "broadcast");
                    add.run(inputs[0], inputs[1], &mut y);
                }
            }
            (c, &Options::Mul { activation }) if *c == Code::MUL => {
                let c = op.inputs[1];
                assert!(self.is_constant(c), "a MUL by an activation");
                Mul::new(
                    self.per_tensor(op.inputs[0]),
                    self.per_tensor(c),
                    self.per_tensor(out).0,
                    self.output(op, activation),
                )
                .run_channels(x, &self.weights(c), &mut y);
            }
            (c, &Options::FullyConnected { activation, .. }) if *c == Code::FULLY_CONNECTED => {
                let (x_scale, x_zero) = self.per_tensor(op.inputs[0]);
                let w = self.tensor(op.inputs[1]).quantization.as_ref().unwrap();
                let (y_scale, _) = self.per_tensor(out);
                let multipliers: Vec<Multiplier> = w
                    .scale
                    .iter()
                    .map(|&s| Multiplier::for_product(x_scale, s, y_scale))
                    .collect();
                FullyConnected {
                    weights: &self.weights(op.inputs[1]),
                    bias: &self.bias(op),
                    multipliers: &multipliers,
                    input_zero: x_zero,
                    output: self.output(op, activation),
                }
                .run(x, &mut y);
            }
            (c, _) if *c == Code::MEAN => {
                // Over the height and width, the output `[1, c]` or `[1, 1, 1, c]`.
                let axes: Vec<i32> = self
                    .data(op.inputs[1])
                    .chunks_exact(4)
                    .map(|b| i32::from_le_bytes(b.try_into().unwrap()))
                    .collect();
                assert_eq!(axes, [1, 2], "{}: MEAN axes", self.name);
                let (h, w, c) = self.hwc(op.inputs[0]);
                assert_eq!(len, c, "{}: MEAN output", self.name);
                Mean::new(self.per_tensor(op.inputs[0]), self.per_tensor(out), h * w)
                    .run(x, &mut y);
            }
            (c, _) if *c == Code::RESHAPE => {
                assert_eq!(self.per_tensor(op.inputs[0]), self.per_tensor(out));
                y.copy_from_slice(x);
            }
            (c, &Options::Softmax { beta }) if *c == Code::SOFTMAX => {
                let (scale, _) = self.per_tensor(op.inputs[0]);
                assert_eq!(self.per_tensor(out), (1.0 / 256.0, -128));
                let width = *self.tensor(out).shape.last().unwrap() as usize;
                for (x, y) in x.chunks_exact(width).zip(y.chunks_exact_mut(width)) {
                    Softmax::new(scale, beta).run(x, y);
                }
            }
            (c, &Options::LeakyRelu { alpha }) if *c == Code::LEAKY_RELU => {
                LeakyRelu::new(self.per_tensor(op.inputs[0]), self.per_tensor(out), alpha)
                    .run(x, &mut y);
            }
            (c, _) if *c == Code::LOG_SOFTMAX => {
                let (scale, _) = self.per_tensor(op.inputs[0]);
                assert_eq!(self.per_tensor(out), (16.0 / 256.0, 127));
                let width = *self.tensor(out).shape.last().unwrap() as usize;
                for (x, y) in x.chunks_exact(width).zip(y.chunks_exact_mut(width)) {
                    LogSoftmax::new(scale).run(x, y);
                }
            }
            (c, _) if *c == Code::HARD_SWISH => {
                Lookup::hard_swish(self.per_tensor(op.inputs[0]), self.per_tensor(out))
                    .expect("a HARD_SWISH TensorFlow Lite takes")
                    .run(x, &mut y);
            }
            (c, options) if *c == Code::GELU => {
                let approximate = matches!(options, Options::Gelu { approximate: true });
                Lookup::gelu(
                    self.per_tensor(op.inputs[0]),
                    self.per_tensor(out),
                    approximate,
                )
                .run(x, &mut y);
            }
            (c, _) if *c == Code::PRELU => {
                let alpha: Vec<i8> = self.data(op.inputs[1]).iter().map(|&b| b as i8).collect();
                let slopes = self.per_tensor(op.inputs[1]);
                PRelu::new(self.per_tensor(op.inputs[0]), slopes, self.per_tensor(out))
                    .run(&alpha, x, &mut y);
            }
            (c, &Options::Concatenation { axis, activation }) if *c == Code::CONCATENATION => {
                let rank = self.tensor(out).shape.len() as i32;
                assert!(axis == -1 || axis == rank - 1, "along the last axis");
                assert_eq!(activation, Activation::None);
                let [a, b] = op.inputs[..] else {
                    panic!("a concatenation of two")
                };
                // TensorFlow Lite's int8 kernel copies: every input has the output's
                // quantization.
                assert_eq!(self.per_tensor(a), self.per_tensor(out));
                assert_eq!(self.per_tensor(b), self.per_tensor(out));
                let last = |t: i32| *self.tensor(t).shape.last().unwrap() as usize;
                concatenate(inputs[0], inputs[1], (last(a), last(b)), &mut y);
            }
            (c, _) if *c == Code::UNIDIRECTIONAL_SEQUENCE_LSTM => self.lstm(op, x, &mut y),
            (c, _) if *c == Code::STRIDED_SLICE => {
                // The last step of an LSTM's `[1, steps, units]` output.
                let begin = self.ints(op.inputs[1]);
                let units = len;
                assert_eq!(begin[1], -1, "{}: a slice of the last step", self.name);
                assert!(matches!(
                    op.options,
                    Options::StridedSlice {
                        shrink_axis_mask: 2,
                        ..
                    }
                ));
                y.copy_from_slice(&x[x.len() - units..]);
            }
            (c, options) => panic!("{}: no kernel for {} {options:?}", self.name, c.name()),
        }
        Some(y)
    }

    /// A constant int32 tensor's values.
    fn ints(&self, i: i32) -> Vec<i32> {
        self.data(i)
            .chunks_exact(4)
            .map(|b| i32::from_le_bytes(b.try_into().unwrap()))
            .collect()
    }

    /// An `UNIDIRECTIONAL_SEQUENCE_LSTM` as the converter writes Keras's `LSTM` (every gate,
    /// no peephole, projection or layer norm), of 8 units.
    fn lstm(&self, op: &Operator, x: &[i8], y: &mut [i8]) {
        const UNITS: usize = 8;
        assert_eq!(op.inputs.len(), 24);
        for optional in [9, 10, 11, 16, 17, 20, 21, 22, 23] {
            assert_eq!(
                op.inputs[optional], -1,
                "{}: LSTM input {optional}",
                self.name
            );
        }
        let (x_scale, x_zero) = self.per_tensor(op.inputs[0]);
        // The output state: the previous step's output, of the output's quantization.
        let (h_scale, h_zero) = self.per_tensor(op.inputs[18]);
        assert_eq!((h_scale, h_zero), self.per_tensor(op.outputs[0]));
        let (c_scale, c_zero) = self.per_tensor(op.inputs[19]);
        assert_eq!(c_zero, 0);
        let Options::SequenceLstm {
            activation: Activation::Tanh,
            cell_clip,
            proj_clip: 0.0,
            time_major: false,
        } = op.options
        else {
            panic!("{}: LSTM options {:?}", self.name, op.options)
        };
        // Without layer norm only the hidden state's intermediate counts: the output's here.
        assert_eq!(op.intermediates.len(), 5);
        let (hidden_scale, hidden_zero) = self.per_tensor(op.intermediates[4]);
        assert_eq!((hidden_scale, hidden_zero), (h_scale, h_zero));
        let cell_shift = c_scale.log2() as i32;
        assert_eq!(2f32.powi(cell_shift), c_scale, "{}: cell scale", self.name);
        let weights: Vec<(Vec<i8>, Vec<i8>)> = (0..4)
            .map(|g| {
                (
                    self.weights(op.inputs[1 + g]),
                    self.weights(op.inputs[5 + g]),
                )
            })
            .collect();
        let mut sums = vec![[vec![0; UNITS], vec![0; UNITS]]; 4];
        let mut multipliers = Vec::new();
        for (g, ((w, r), [a, b])) in weights.iter().zip(sums.iter_mut()).enumerate() {
            let bias = self.ints(op.inputs[12 + g]);
            LstmGate::fold(w, &bias, x_zero, a);
            LstmGate::fold(r, &[], h_zero, b);
            let (w_scale, _) = self.per_tensor(op.inputs[1 + g]);
            let (r_scale, _) = self.per_tensor(op.inputs[5 + g]);
            multipliers.push((
                LstmGate::multiplier(x_scale, w_scale),
                LstmGate::multiplier(h_scale, r_scale),
            ));
        }
        let gate = |g: usize| LstmGate {
            input_weights: &weights[g].0,
            recurrent_weights: &weights[g].1,
            input_bias: &sums[g][0],
            recurrent_bias: &sums[g][1],
            input_multiplier: multipliers[g].0,
            recurrent_multiplier: multipliers[g].1,
        };
        Lstm {
            gates: [gate(0), gate(1), gate(2), gate(3)],
            cell_shift,
            cell_clip: Lstm::cell_clip(cell_clip, c_scale),
            hidden: Lstm::hidden_multiplier(hidden_scale),
            hidden_zero,
        }
        .run::<UNITS>(x, true, y);
    }

    /// Whether a tensor is a constant (its data in the file).
    fn is_constant(&self, i: i32) -> bool {
        !self.data(i).is_empty()
    }

    /// The tensors an operator reads that are activations (recorded), not constants.
    fn activations<'a>(&self, op: &Operator, values: &'a HashMap<i32, Vec<i8>>) -> Vec<&'a [i8]> {
        let count = if op.operator == Code::ADD || op.operator == Code::CONCATENATION {
            2
        } else {
            1
        };
        op.inputs[..count]
            .iter()
            .filter(|&&i| !self.is_constant(i))
            .map(|i| {
                values
                    .get(i)
                    .unwrap_or_else(|| panic!("{}: tensor {i} not recorded", self.name))
                    .as_slice()
            })
            .collect()
    }
}

/// Panics with the operator and the first difference if `got` is not `expected`.
fn same(name: &str, index: usize, op: &Operator, got: &[i8], expected: &[i8]) {
    assert_eq!(
        got.len(),
        expected.len(),
        "{name}: operator {index} ({}): length",
        op.operator.name()
    );
    if let Some(i) = got.iter().zip(expected).position(|(a, b)| a != b) {
        let differ = got.iter().zip(expected).filter(|(a, b)| a != b).count();
        panic!(
            "{name}: operator {index} ({}): output {i} is {} where TensorFlow Lite has {} \
             ({differ} of {} differ)",
            op.operator.name(),
            got[i],
            expected[i],
            got.len()
        );
    }
}

#[test]
fn every_operator_gives_tflite_reference_outputs_bit_for_bit() {
    let mut checked: HashMap<String, usize> = HashMap::new();
    for name in FILES {
        let f = Fixture::load(name);
        for (index, op) in f.model.subgraphs[0].operators.iter().enumerate() {
            let inputs = f.activations(op, &f.tensors);
            let Some(y) = f.run(op, &inputs) else {
                continue;
            };
            let expected = &f.tensors[&op.outputs[0]];
            same(name, index, op, &y, expected);
            *checked.entry(op.operator.name().to_string()).or_default() += 1;
        }
    }
    // Every kind of operator in the files, each more than once.
    for op in [
        "CONV_2D",
        "DEPTHWISE_CONV_2D",
        "AVERAGE_POOL_2D",
        "MAX_POOL_2D",
        "ADD",
        "RESHAPE",
        "FULLY_CONNECTED",
        "SOFTMAX",
        "MUL",
        "MEAN",
        "LEAKY_RELU",
        "CONCATENATION",
        "HARD_SWISH",
        "GELU",
        "PRELU",
        "LOG_SOFTMAX",
    ] {
        assert!(
            checked.get(op).copied().unwrap_or(0) >= 1,
            "{op} never checked: {checked:?}"
        );
    }
}

/// Runs the model from `input` through every operator, returning the values computed and the
/// last tensor computed.
fn chain(f: &Fixture, input: &[i8]) -> (HashMap<i32, Vec<i8>>, i32) {
    let graph = &f.model.subgraphs[0];
    let mut values = HashMap::new();
    values.insert(graph.inputs[0], input.to_vec());
    let mut last = graph.inputs[0];
    for op in &graph.operators {
        let inputs = f.activations(op, &values);
        let Some(y) = f.run(op, &inputs) else {
            break;
        };
        last = op.outputs[0];
        values.insert(last, y);
    }
    (values, last)
}

#[test]
fn every_model_runs_to_its_output_as_tflite_does() {
    for name in FILES {
        let f = Fixture::load(name);
        let graph = &f.model.subgraphs[0];
        let (values, last) = chain(&f, &f.tensors[&graph.inputs[0]]);
        // Every activation along the way, the last one included.
        for (index, op) in graph.operators.iter().enumerate() {
            if let Some(y) = values.get(&op.outputs[0]) {
                same(name, index, op, y, &f.tensors[&op.outputs[0]]);
            }
        }
        assert!(
            values.contains_key(&last) && last != graph.inputs[0],
            "{name}: nothing run"
        );
        // To the model's output, and the other four inputs too.
        assert_eq!(last, graph.outputs[0], "{name}: the chain stops short");
        {
            let op = graph.operators.last().unwrap();
            for (x, expected) in &f.more {
                let (values, _) = chain(&f, x);
                same(
                    name,
                    graph.operators.len() - 1,
                    op,
                    &values[&last],
                    expected,
                );
            }
        }
    }
}
