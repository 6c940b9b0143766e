//! Float networks written as ONNX files (`net.to_onnx()`, `net.save_onnx(path)`), the way
//! PyTorch's exporter writes the same model, so that ONNX Runtime (or any ONNX runtime) serves
//! a network trained with `nn`, and `Net::load_onnx` reads it back.
//!
//! The file is ONNX's IR version [`IR_VERSION`] with ONNX's operators of opset [`OPSET`] (what
//! `torch.onnx.export(..., opset_version=17)` writes), `producer_name` `"nn"`, one graph named
//! after the network, its weights as `float32` initializers.
//!
//! **Layout: channels first, as PyTorch.** The graph's input `input` is `(batch, C, H, W)` for
//! an image the declaration takes as `(H, W, C)`, `(batch, C, L)` for a sequence `(L, C)`,
//! `(batch, n)` for a vector, the batch dimension named `batch` (any size); the output `output`
//! likewise (a vector for a network that ends with a dense layer, a global pool or a flatten:
//! the flatten of an image is PyTorch's, channels first). Weights are PyTorch's: a
//! convolution's kernel `(O, I, KH, KW)` (a 1-D one's `(O, I, K)`, a depthwise one's
//! `(C·M, 1, KH, KW)` with `group` = C), a dense layer a `Gemm` with `transB` and its kernel
//! `(units, inputs)`, whose columns after a `Flatten` of an image are in PyTorch's
//! channels-first order. So the file is fed and answers as the PyTorch model would.
//!
//! Written: `Dense` (`Gemm`), `Conv1D` and `Conv2D` (`Conv`; TensorFlow's `same` padding as
//! explicit `pads`, the extra one at the end; `causal` all before), `DepthwiseConv2D` (`Conv`
//! with `group`), `SeparableConv2D` (the depthwise `Conv`, then a 1×1 one),
//! `BatchNormalization`, the 1-D and 2-D max and average pools (`MaxPool`, `AveragePool`), the
//! global pools (`ReduceMean`, `ReduceMax` over the positions), `Flatten`, `PReLU` (`PRelu`),
//! `Dropout` (left out: the identity at inference), the activations `Relu`, ReLU6 (`Clip`),
//! `LeakyRelu`, `Elu`, `Selu`, GELU (`Div`, `Erf`, `Add`, `Mul`, `Mul`: opset 17 has no
//! `Gelu`) and its tanh approximation (`Mul`s, `Add`s and `Tanh`), `Sigmoid`, `HardSigmoid`,
//! `Tanh`, `Softplus`, `Softsign`, `Softmax` and `LogSoftmax` (over the channels, axis 1),
//! whether a layer's or a layer of their own, and the `Add` and `Concatenate` blocks (`Add`,
//! `Concat` along the channels; a dense layer after a concatenation of flattened images has
//! each image's columns in channels-first order).
//!
//! **Recurrent layers and embeddings, as PyTorch's `batch_first` layers.** A network that starts
//! with a recurrent layer takes `(batch, steps, features)` as ours does; one that starts with an
//! `Embedding` takes its token ids as `int64` `(batch, steps)` (ours takes them as floats),
//! looked up with a `Gather` from the table `(tokens, features)`, as PyTorch's `nn.Embedding`.
//! `LSTM`, `GRU` and `SimpleRNN` are ONNX's `LSTM`, `GRU` (`linear_before_reset = 1`: Keras's
//! `reset_after`) and `RNN` nodes with their default activations (Keras's), their weights
//! `W (directions, gates · units, features)`, `R (directions, gates · units, units)` and
//! `B (directions, 2 · gates · units)` in ONNX's gate order (an LSTM's `i, o, f, c`), the
//! recurrent bias zeros but a GRU's own; `Bidirectional<..>` is the node with `direction =
//! bidirectional`, the two directions side by side, forward first (`merge_mode = concat`).
//! Around the node: a `Transpose` of its input to `(steps, batch, features)` (from a sequence
//! batch first, or a 1-D convolution's `(batch, channels, steps)`), and after it, for
//! `return_sequences`, `Y` as `(batch, steps, units)` (`Squeeze` of the direction and
//! `Transpose`, or `Transpose` and `Reshape` of both), which a `Flatten` flattens as ours does,
//! or else the last state `Y_h` as `(batch, units)` (`Squeeze`, or `Transpose` and `Reshape`).
//! A sequence batch first as the network's output is `(batch, steps, units)`.
//!
//! Anything else (a layer that reads backwards only, a `Bidirectional` that does not
//! concatenate, a GRU with `reset_after = false`, other recurrent activations, a sequence read
//! by a layer other than a recurrent one, `Flatten` or `Dropout`, an embedding after another
//! layer, the other blocks and activations) is an [`Error::Setting`] that names every such
//! layer, and nothing is written.

use std::collections::HashMap;
use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

use nn_keras::class;
use nn_keras::config::{LayerConfig, ModelConfig, Value};
use nn_onnx::{Attribute, Dim, Graph, Model, Node, OperatorSet, Tensor, ValueInfo, data_type};

use crate::keras::{keras_layer, tensor_key, transpose};
use crate::onnx::recurrent::{self, NAMES};
use crate::onnx::{Act, branch_widths, declared_pads, flat_order, joined_order, sizes};
use crate::{Error, Float, Network};

/// The version of ONNX's operators the files use.
pub const OPSET: i64 = 17;

/// The version of ONNX's file format the files use (the one that goes with opset 17).
pub const IR_VERSION: i64 = 8;

/// The network `net` as an `.onnx` file's bytes; see the [module](self).
///
/// # Errors
///
/// [`Error::Setting`] naming every layer (and activation) that is not written to ONNX files.
pub fn to_bytes<T: Float, N: Network<T>>(net: &N) -> Result<Vec<u8>, Error> {
    let mut tensors: Tensors = HashMap::new();
    for (name, param) in net.params() {
        // A block's tensors are its layers'; a tensor within a layer is named by its path
        // there (a `Bidirectional`'s `forward_kernel`).
        let (owner, within) = keras_layer(N::KERAS.layers, name, param.path.segments());
        let key = tensor_key(within, param.name);
        let values = param.values.iter().map(|v| v.as_f64() as f32).collect();
        tensors.entry(owner).or_default().push((key, values));
    }
    let graph = graph(&N::KERAS, &tensors).map_err(|problems| Error::Setting {
        what: "ONNX file",
        problem: format!(
            "`{}` cannot be written as one: {}",
            N::NAME,
            problems.join("; ")
        ),
    })?;
    Ok(nn_onnx::write(&Model {
        ir_version: IR_VERSION,
        opset_import: vec![OperatorSet {
            domain: String::new(),
            version: OPSET,
        }],
        producer_name: "nn".to_string(),
        producer_version: env!("CARGO_PKG_VERSION").to_string(),
        graph,
    }))
}

/// Writes [`to_bytes`]'s file at `path`, replaced atomically: a failed save leaves the previous
/// file intact, and a network that cannot be written writes nothing.
///
/// # Errors
///
/// Those of [`to_bytes`], and [`Error::Io`] when the file cannot be written.
pub fn save<T: Float, N: Network<T>>(
    net: &N,
    path: impl AsRef<std::path::Path>,
) -> Result<(), Error> {
    let bytes = to_bytes(net)?;
    crate::io::write_atomically(path.as_ref(), &bytes)
}

/// Each layer's tensors (by name) by their names within it, in Keras's layouts.
type Tensors = HashMap<&'static str, Vec<(String, Vec<f32>)>>;

/// A value of the graph: its name, and for a vector that is a flatten of an image (or is made
/// of such), where each of our channels-last values is in the file's.
#[derive(Clone, Debug)]
struct Val {
    name: String,
    order: Option<Vec<usize>>,
    /// A sequence batch first, `(batch, steps, features)` as ours (the input of a network that
    /// starts with a recurrent layer, an embedding's or a recurrent layer's output), not
    /// PyTorch's channels-first `(batch, channels, steps)`.
    seq: bool,
}

/// The graph being written: nodes, initializers and the problems found.
struct Writer<'a> {
    /// The network.
    config: &'a ModelConfig,
    graph: Graph,
    tensors: &'a Tensors,
    /// The layer being written (its name and class), for names and messages.
    layer: &'a LayerConfig,
    /// How many nodes the layer has written, for their names.
    count: usize,
    problems: Vec<String>,
}

/// The graph of the network `config` describes, with the weights `tensors` of each layer (by
/// name, in Keras's layouts), or every problem found.
fn graph(config: &ModelConfig, tensors: &Tensors) -> Result<Graph, Vec<String>> {
    const INPUT: LayerConfig = LayerConfig {
        name: "input",
        class: class::INPUT_LAYER,
        input: &[],
        output: &[],
        inputs: &[],
        settings: &[],
    };
    let mut w = Writer {
        config,
        graph: Graph {
            name: config.name.to_string(),
            input: vec![input_info(config)],
            ..Graph::default()
        },
        tensors,
        layer: &INPUT,
        count: 0,
        problems: Vec::new(),
    };
    let first = config
        .layers
        .iter()
        .find(|l| l.class != class::INPUT_LAYER)
        .map_or("", |l| l.class);
    let start = Val {
        name: "input".to_string(),
        order: None,
        seq: first == class::EMBEDDING || recurrent::is_recurrent(first),
    };
    let mut ends: HashMap<&'static str, Val> = HashMap::new();
    let mut last = start.clone();
    for layer in config.layers {
        if layer.class == class::INPUT_LAYER {
            continue;
        }
        w.layer = layer;
        w.count = 0;
        let at = |name: &str| ends.get(name).cloned().unwrap_or_else(|| start.clone());
        let out = match layer.inputs {
            [] => w.layer_nodes(start.clone()),
            [fed] => w.layer_nodes(at(fed)),
            [a, b] => w.join(at(a), at(b)),
            more => {
                w.problem(format!("it joins {} layers, not two", more.len()));
                None
            }
        };
        // A layer not written: what follows reads on from a value of no layout of its own.
        last = out.unwrap_or_else(|| Val::new(start.name.clone()));
        ends.insert(layer.name, last.clone());
    }
    if !w.problems.is_empty() {
        return Err(w.problems);
    }
    // The last value is the graph's output, `output`.
    let output = config.layers.last().map_or(config.input, |l| l.output);
    match w.graph.node.iter_mut().find(|n| n.output[0] == last.name) {
        Some(node) if last.name != "input" => node.output[0] = "output".to_string(),
        _ => {
            w.count = 0;
            w.node("Identity", vec![last.name], Vec::new());
            let node = w.graph.node.last_mut().map(|n| &mut n.output[0]);
            if let Some(name) = node {
                *name = "output".to_string();
            }
        }
    }
    let mut info = value_info("output", output);
    if last.seq {
        info = sequence_info("output", output, data_type::FLOAT);
    }
    w.graph.output.push(info);
    Ok(w.graph)
}

/// The graph's input `input`: channels first, or a sequence batch first (a network that starts
/// with a recurrent layer), or an embedding's token ids, int64 `(batch, steps)`.
fn input_info(config: &ModelConfig) -> ValueInfo {
    let first = config
        .layers
        .iter()
        .find(|l| l.class != class::INPUT_LAYER)
        .map_or("", |l| l.class);
    if first == class::EMBEDDING {
        sequence_info("input", config.input, data_type::INT64)
    } else if recurrent::is_recurrent(first) {
        sequence_info("input", config.input, data_type::FLOAT)
    } else {
        value_info("input", config.input)
    }
}

/// A value `name` of `elem_type`, the batch and `shape` as it is (a sequence, batch first).
fn sequence_info(name: &str, shape: &[usize], elem_type: i32) -> ValueInfo {
    let mut dims = vec![Dim::Param("batch".to_string())];
    dims.extend(shape.iter().map(|&d| Dim::Value(d as i64)));
    ValueInfo {
        name: name.to_string(),
        elem_type,
        shape: Some(dims),
    }
}

/// A float value `name` of the batch and `shape` (channels last) moved channels first.
fn value_info(name: &str, shape: &[usize]) -> ValueInfo {
    let mut dims = vec![Dim::Param("batch".to_string())];
    if let Some((&c, spatial)) = shape.split_last() {
        dims.push(Dim::Value(c as i64));
        dims.extend(spatial.iter().map(|&d| Dim::Value(d as i64)));
    }
    ValueInfo {
        name: name.to_string(),
        elem_type: data_type::FLOAT,
        shape: Some(dims),
    }
}

fn ints(name: &str, values: &[usize]) -> Attribute {
    Attribute {
        name: name.to_string(),
        r#type: 7,
        ints: values.iter().map(|&v| v as i64).collect(),
        ..Attribute::default()
    }
}

fn int(name: &str, value: i64) -> Attribute {
    Attribute {
        name: name.to_string(),
        r#type: 2,
        i: value,
        ..Attribute::default()
    }
}

fn float(name: &str, value: f64) -> Attribute {
    Attribute {
        name: name.to_string(),
        r#type: 1,
        f: value as f32,
        ..Attribute::default()
    }
}

/// Keras's `(cols, gates · units)` weights as ONNX's `(gates · units, cols)`, Keras's gate `g`
/// at ONNX's `order[g]` (a bias is `cols` 1).
fn onnx_gates(keras: &[f32], cols: usize, units: usize, order: &[usize]) -> Vec<f32> {
    let gu = order.len() * units;
    let mut out = vec![0.0; cols * gu];
    for c in 0..cols {
        for (g, &p) in order.iter().enumerate() {
            for u in 0..units {
                out[(p * units + u) * cols + c] = keras[c * gu + g * units + u];
            }
        }
    }
    out
}

/// The values of `ours` (a vector in channels-last order) at the file's places `order`.
fn reorder(ours: &[f32], order: Option<&[usize]>) -> Vec<f32> {
    match order {
        Some(order) if order.len() == ours.len() => {
            let mut file = vec![0.0; ours.len()];
            for (i, &j) in order.iter().enumerate() {
                file[j] = ours[i];
            }
            file
        }
        _ => ours.to_vec(),
    }
}

impl Val {
    /// A value that is not a flattened image nor a sequence batch first.
    fn new(name: String) -> Self {
        Self {
            name,
            order: None,
            seq: false,
        }
    }
}

impl Writer<'_> {
    fn problem(&mut self, problem: impl core::fmt::Display) {
        self.problems.push(format!(
            "layer `{}` ({}): {problem}",
            self.layer.name, self.layer.class
        ));
    }

    /// Adds a node of operator `op` reading `inputs`; returns its output's name.
    fn node(&mut self, op: &str, inputs: Vec<String>, attribute: Vec<Attribute>) -> String {
        let name = match self.count {
            0 => format!("/{}/{op}", self.layer.name),
            k => format!("/{}/{op}_{k}", self.layer.name),
        };
        self.count += 1;
        let output = format!("{name}_output_0");
        self.graph.node.push(Node {
            op_type: op.to_string(),
            name,
            input: inputs,
            output: vec![output.clone()],
            attribute,
            ..Node::default()
        });
        output
    }

    /// Adds an initializer `name` of `dims` holding `values`; returns its name.
    fn constant(&mut self, name: &str, dims: &[usize], values: &[f32]) -> String {
        let name = format!("{}.{name}", self.layer.name);
        self.graph.initializer.push(Tensor {
            name: name.clone(),
            dims: dims.iter().map(|&d| d as i64).collect(),
            data_type: data_type::FLOAT,
            raw_data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
            ..Tensor::default()
        });
        name
    }

    /// The layer's tensor `name` (Keras's layout) of `len` values.
    fn tensor(&mut self, name: &str, len: usize) -> Option<Vec<f32>> {
        let values = self
            .tensors
            .get(self.layer.name)
            .and_then(|ts| ts.iter().find(|(n, _)| *n == name))
            .map(|(_, v)| v.clone());
        match values {
            Some(v) if v.len() == len => Some(v),
            Some(v) => {
                self.problem(format!("its `{name}` holds {} values, not {len}", v.len()));
                None
            }
            None => {
                self.problem(format!("it has no `{name}`"));
                None
            }
        }
    }

    /// Adds an int64 initializer `name` of `dims` holding `values`; returns its name.
    fn int_constant(&mut self, name: &str, dims: &[usize], values: &[i64]) -> String {
        let name = format!("{}.{name}", self.layer.name);
        self.graph.initializer.push(Tensor {
            name: name.clone(),
            dims: dims.iter().map(|&d| d as i64).collect(),
            data_type: data_type::INT64,
            raw_data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
            ..Tensor::default()
        });
        name
    }

    /// Adds a `Transpose` of `x` by `perm`; returns its output's name.
    fn transpose(&mut self, x: String, perm: &[usize]) -> String {
        self.node("Transpose", vec![x], vec![ints("perm", perm)])
    }

    /// An `Embedding`, the network's first layer: a `Gather` of the rows of its table
    /// `(tokens, features)` at the int64 ids the graph's input holds, as PyTorch's
    /// `nn.Embedding` is written; a sequence batch first.
    fn embedding(&mut self, x: Val) -> Option<Val> {
        let layer = self.layer;
        if x.name != "input" || !x.seq {
            self.problem(
                "an Embedding is written to ONNX files as the network's first layer only (its \
                 input is the file's int64 token ids)",
            );
            return None;
        }
        if matches!(layer.setting("mask_zero"), Some(Value::Bool(true))) {
            self.problem("it masks the id 0 (`mask_zero`), which ONNX's Gather does not");
            return None;
        }
        let tokens = match layer.setting("input_dim") {
            Some(Value::Size(n)) => n,
            _ => 0,
        };
        let dims = layer.output.last().copied().unwrap_or(0);
        let table = self.tensor("embeddings", tokens * dims)?;
        let table = self.constant("weight", &[tokens, dims], &table);
        let y = self.node("Gather", vec![table, x.name], vec![int("axis", 0)]);
        Some(Val {
            name: y,
            order: None,
            seq: true,
        })
    }

    /// A recurrent layer (`LSTM`, `GRU`, `SimpleRNN`, or a `Bidirectional` of one that
    /// concatenates its directions) as ONNX's `LSTM`, `GRU` or `RNN` node, with the layout
    /// nodes PyTorch's exporter writes around it: the `Transpose` of its input to `(steps,
    /// batch, features)`, and after it, every step batch first (`Squeeze` or `Transpose` and
    /// `Reshape` of the directions, `Transpose`), or the last state `Y_h` (`Squeeze`, or
    /// `Transpose` and `Reshape`).
    fn recurrent(&mut self, x: Val) -> Option<Val> {
        let layer = self.layer;
        let bidirectional = layer.class == class::BIDIRECTIONAL;
        let setting = |key: &str| recurrent::setting(layer, key);
        let (inner, cell) = recurrent::cell_of(layer);
        let Some(cell) = cell else {
            self.problem(format!(
                "a Bidirectional of {inner} is not written to ONNX files"
            ));
            return None;
        };
        let mut fits = true;
        if setting("go_backwards") == Some(Value::Bool(true)) {
            self.problem(
                "it reads backwards only (`go_backwards`), which PyTorch's recurrent layers do \
                 not (they read forwards, or both ways: `Bidirectional`)",
            );
            fits = false;
        }
        if bidirectional
            && let Some(Value::Str(merge)) = layer.setting("merge_mode")
            && merge != "concat"
        {
            self.problem(format!(
                "its merge_mode is `{merge}`; ONNX's bidirectional nodes concatenate the two \
                 directions (`merge_mode = concat`)"
            ));
            fits = false;
        }
        // ONNX's default activations are Keras's defaults; others are refused.
        for (key, want) in [("recurrent_activation", "sigmoid"), ("activation", "tanh")] {
            if key == "recurrent_activation" && cell.gates == 1 {
                continue;
            }
            match setting(key) {
                None => {}
                Some(Value::Str(a)) if a == want => {}
                Some(other) => {
                    self.problem(format!(
                        "its {key} is {other:?}, which is not written to ONNX files (Keras's \
                         `{want}` is)"
                    ));
                    fits = false;
                }
            }
        }
        if cell.op == "GRU" && setting("reset_after") == Some(Value::Bool(false)) {
            self.problem(
                "its reset gate applies before the recurrent kernel (`reset_after = false`), \
                 which is not written to ONNX files (`reset_after = true` is ONNX's \
                 `linear_before_reset = 1`, PyTorch's GRU)",
            );
            fits = false;
        }
        if setting("use_bias") == Some(Value::Bool(false)) {
            self.problem("it has no bias (`use_bias = false`), which is not written");
            fits = false;
        }
        if !fits {
            return None;
        }
        let units = match setting("units") {
            Some(Value::Size(n)) => n,
            _ => 0,
        };
        let sequences = setting("return_sequences") == Some(Value::Bool(true));
        let features = layer.input.get(1).copied().unwrap_or(0);
        let directions = if bidirectional { 2 } else { 1 };
        let gu = cell.gates * units;
        let (mut w, mut r, mut b) = (Vec::new(), Vec::new(), Vec::new());
        for d in 0..directions {
            let names = NAMES[if bidirectional { d + 1 } else { 0 }];
            let kernel = self.tensor(names[0], features * gu)?;
            let recurrent_kernel = self.tensor(names[1], units * gu)?;
            let rows = if cell.op == "GRU" { 2 } else { 1 };
            let bias = self.tensor(names[2], rows * gu)?;
            w.extend(onnx_gates(&kernel, features, units, cell.order));
            r.extend(onnx_gates(&recurrent_kernel, units, units, cell.order));
            // ONNX's input bias, then its recurrent one (zeros, but a GRU's own).
            let input_bias = onnx_gates(&bias[..gu], 1, units, cell.order);
            let recurrent_bias = match rows {
                2 => onnx_gates(&bias[gu..], 1, units, cell.order),
                _ => vec![0.0; gu],
            };
            b.extend(input_bias);
            b.extend(recurrent_bias);
        }
        // `(batch, steps, features)`, or a 1-D convolution's `(batch, channels, steps)`, as
        // `(steps, batch, features)`.
        let perm: &[usize] = if x.seq { &[1, 0, 2] } else { &[2, 0, 1] };
        let input = self.transpose(x.name, perm);
        let w = self.constant("weight_ih", &[directions, gu, features], &w);
        let r = self.constant("weight_hh", &[directions, gu, units], &r);
        let b = self.constant("bias", &[directions, 2 * gu], &b);
        let mut attribute = vec![int("hidden_size", units as i64)];
        if bidirectional {
            attribute.push(Attribute {
                name: "direction".to_string(),
                r#type: 3,
                s: b"bidirectional".to_vec(),
                ..Attribute::default()
            });
        }
        if cell.op == "GRU" {
            attribute.push(int("linear_before_reset", 1));
        }
        let name = format!("/{}/{}", layer.name, cell.op);
        self.count += 1;
        let (y, h) = (format!("{name}_output_0"), format!("{name}_output_1"));
        self.graph.node.push(Node {
            op_type: cell.op.to_string(),
            name,
            input: vec![input, w, r, b],
            output: if sequences {
                vec![y.clone()]
            } else {
                vec![String::new(), h.clone()]
            },
            attribute,
            ..Node::default()
        });
        let out = match (sequences, bidirectional) {
            // `Y (steps, 1, batch, units)` → `(batch, steps, units)`.
            (true, false) => {
                let axes = self.int_constant("squeeze_axes", &[1], &[1]);
                let y = self.node("Squeeze", vec![y, axes], Vec::new());
                self.transpose(y, &[1, 0, 2])
            }
            // `Y (steps, 2, batch, units)` → `(batch, steps, 2, units)` → `(batch, steps, 2 ·
            // units)`, forward first.
            (true, true) => {
                let y = self.transpose(y, &[2, 0, 1, 3]);
                let shape = self.int_constant("shape", &[3], &[0, 0, -1]);
                self.node("Reshape", vec![y, shape], Vec::new())
            }
            // `Y_h (1, batch, units)` → `(batch, units)`.
            (false, false) => {
                let axes = self.int_constant("squeeze_axes", &[1], &[0]);
                self.node("Squeeze", vec![h, axes], Vec::new())
            }
            // `Y_h (2, batch, units)` → `(batch, 2, units)` → `(batch, 2 · units)`.
            (false, true) => {
                let h = self.transpose(h, &[1, 0, 2]);
                let shape = self.int_constant("shape", &[2], &[0, -1]);
                self.node("Reshape", vec![h, shape], Vec::new())
            }
        };
        Some(Val {
            name: out,
            order: None,
            seq: sequences,
        })
    }

    /// Whether the layer has a bias (`use_bias`, true when not given).
    fn biased(&self) -> bool {
        !matches!(self.layer.setting("use_bias"), Some(Value::Bool(false)))
    }

    /// Writes one layer reading `x`; returns its output.
    fn layer_nodes(&mut self, x: Val) -> Option<Val> {
        let layer = self.layer;
        if layer.class == class::EMBEDDING {
            return self.embedding(x);
        }
        if recurrent::is_recurrent(layer.class) {
            return self.recurrent(x);
        }
        let passes = matches!(
            layer.class,
            class::FLATTEN | class::DROPOUT | class::ACTIVATION | class::LEAKY_RELU | class::ELU
        );
        if x.seq && !passes {
            self.problem(
                "it reads a sequence batch first (a recurrent layer's or an embedding's \
                 output), which is written to ONNX files for recurrent layers, Flatten, \
                 Dropout and the activations of each value only",
            );
            return None;
        }
        let image = |name: String| {
            Some(Val {
                name,
                order: None,
                seq: false,
            })
        };
        match layer.class {
            class::DENSE => {
                let y = self.dense(x)?;
                self.activation_of(y)
            }
            class::CONV_1D | class::CONV_2D | class::DEPTHWISE_CONV_2D => {
                let y = self.conv(x)?;
                self.activation_of(image(y)?)
            }
            class::SEPARABLE_CONV_2D => {
                let y = self.separable(x)?;
                self.activation_of(image(y)?)
            }
            class::MAX_POOLING_1D
            | class::MAX_POOLING_2D
            | class::AVERAGE_POOLING_1D
            | class::AVERAGE_POOLING_2D => image(self.pool(x)),
            class::GLOBAL_AVERAGE_POOLING_1D
            | class::GLOBAL_AVERAGE_POOLING_2D
            | class::GLOBAL_MAX_POOLING_1D
            | class::GLOBAL_MAX_POOLING_2D => {
                let max = matches!(
                    layer.class,
                    class::GLOBAL_MAX_POOLING_1D | class::GLOBAL_MAX_POOLING_2D
                );
                let rank = layer.input.len().saturating_sub(1);
                let axes: Vec<usize> = (2..2 + rank).collect();
                let op = if max { "ReduceMax" } else { "ReduceMean" };
                image(self.node(
                    op,
                    vec![x.name],
                    vec![ints("axes", &axes), int("keepdims", 0)],
                ))
            }
            class::FLATTEN => {
                let y = self.node("Flatten", vec![x.name], vec![int("axis", 1)]);
                let order = match x.order {
                    // A sequence batch first is flattened as ours is: steps, then features.
                    _ if x.seq => return Some(Val::new(y)),
                    Some(order) => order,
                    None => {
                        let inputs = layer.input.iter().product();
                        flat_order(Some(layer.input), inputs)
                    }
                };
                Some(Val {
                    name: y,
                    order: Some(order),
                    seq: false,
                })
            }
            class::DROPOUT => Some(x),
            class::BATCH_NORMALIZATION => self.norm(x),
            class::ACTIVATION => self.activation_of(x),
            class::LEAKY_RELU | class::ELU => self.activation(x, Act::of_layer(layer)),
            class::PRELU => {
                let count: usize = layer.input.iter().product();
                let alpha = self.tensor("alpha", count)?;
                // Keras's `(spatial.., C)` as PyTorch's `(C, spatial..)`, or a vector's order.
                let (slope, dims) = match layer.input.split_last() {
                    Some((&c, spatial)) if !spatial.is_empty() => {
                        let s = count / c.max(1);
                        let mut dims = vec![c];
                        dims.extend_from_slice(spatial);
                        (transpose(&alpha, &[s, c], &[1, 0]), dims)
                    }
                    _ => (reorder(&alpha, x.order.as_deref()), vec![count]),
                };
                let slope = self.constant("weight", &dims, &slope);
                let y = self.node("PRelu", vec![x.name, slope], Vec::new());
                Some(Val {
                    name: y,
                    order: x.order,
                    seq: false,
                })
            }
            other => {
                self.problem(format!(
                    "{other} layers are not written to ONNX files (those written: Dense, \
                     Conv1D, Conv2D, DepthwiseConv2D, SeparableConv2D, BatchNormalization, the \
                     pools and global pools, Flatten, Dropout, the activation layers, PReLU, \
                     LSTM, GRU, SimpleRNN, Bidirectional, Embedding, and Add and Concatenate \
                     blocks)"
                ));
                None
            }
        }
    }

    /// A block's join, the merge layer, of its branches' ends `a` and `b`.
    fn join(&mut self, a: Val, b: Val) -> Option<Val> {
        match self.layer.class {
            "Add" => {
                if a.order != b.order {
                    self.problem(
                        "it adds a flattened image to a vector whose values are in another \
                         order, which PyTorch's channels-first layout cannot express",
                    );
                    return None;
                }
                let y = self.node("Add", vec![a.name, b.name], Vec::new());
                Some(Val {
                    name: y,
                    order: a.order,
                    seq: false,
                })
            }
            "Concatenate" => {
                let y = self.node("Concat", vec![a.name, b.name], vec![int("axis", 1)]);
                // Vectors side by side: the second's places after the first's.
                let widths = branch_widths(self.config.layers, self.config.input, self.layer);
                let order = joined_order(a.order.as_deref(), b.order.as_deref(), widths);
                Some(Val {
                    name: y,
                    order,
                    seq: false,
                })
            }
            other => {
                self.problem(format!(
                    "{other} blocks are not written to ONNX files (Add and Concatenate blocks \
                     are)"
                ));
                None
            }
        }
    }

    fn dense(&mut self, x: Val) -> Option<Val> {
        let layer = self.layer;
        let units = layer.output.last().copied().unwrap_or(0);
        let inputs: usize = layer.input.iter().product();
        let kernel = self.tensor("kernel", inputs * units)?;
        // Keras's `(inputs, units)` as `(units, inputs)`, the inputs at the file's places.
        let order: Vec<usize> = x.order.clone().unwrap_or_else(|| (0..inputs).collect());
        let mut weight = vec![0.0; inputs * units];
        for (i, &j) in order.iter().enumerate() {
            for u in 0..units {
                weight[u * inputs + j] = kernel[i * units + u];
            }
        }
        let mut read = vec![x.name, self.constant("weight", &[units, inputs], &weight)];
        if self.biased() {
            let bias = self.tensor("bias", units)?;
            read.push(self.constant("bias", &[units], &bias));
        }
        let y = self.node("Gemm", read, vec![int("transB", 1)]);
        Some(Val {
            name: y,
            order: None,
            seq: false,
        })
    }

    /// The window attributes of a convolution or pool: `kernel_shape`, `strides`, `pads` (and
    /// `dilations`).
    fn window(
        &self,
        kernel: &[usize],
        strides: &[usize],
        dilation: Option<&[usize]>,
    ) -> Vec<Attribute> {
        let layer = self.layer;
        let spatial = &layer.input[..layer.input.len().saturating_sub(1)];
        let padding = match layer.setting("padding") {
            Some(Value::Str(p)) => p,
            _ => "valid",
        };
        let ones = vec![1; kernel.len()];
        let pads = declared_pads(padding, spatial, kernel, strides, dilation.unwrap_or(&ones));
        let pads: Vec<usize> = pads.iter().map(|&p| p as usize).collect();
        let mut attributes = vec![ints("kernel_shape", kernel), ints("strides", strides)];
        if let Some(dilation) = dilation {
            attributes.push(ints("dilations", dilation));
        }
        attributes.push(ints("pads", &pads));
        attributes
    }

    /// A convolution (1-D, 2-D or depthwise).
    fn conv(&mut self, x: Val) -> Option<String> {
        let layer = self.layer;
        let rank = layer.input.len().saturating_sub(1);
        let channels = layer.input.last().copied().unwrap_or(0);
        let outputs = layer.output.last().copied().unwrap_or(0);
        let kernel = sizes(layer, "kernel_size", rank, 1);
        let strides = sizes(layer, "strides", rank, 1);
        let dilation = sizes(layer, "dilation_rate", rank, 1);
        let window: usize = kernel.iter().product();
        let depthwise = layer.class == class::DEPTHWISE_CONV_2D;
        let (group, weight) = if depthwise {
            let w = self.tensor("depthwise_kernel", window * outputs)?;
            // Keras's `(KH, KW, C, M)` as `(C·M, 1, KH, KW)`.
            let m = outputs / channels.max(1);
            let mut shape = kernel.clone();
            shape.extend([channels, m]);
            (channels, transpose(&w, &shape, &[2, 3, 0, 1]))
        } else {
            let w = self.tensor("kernel", window * channels * outputs)?;
            // Keras's `(K.., I, O)` as `(O, I, K..)`.
            let axes: Vec<usize> = [rank + 1, rank].into_iter().chain(0..rank).collect();
            let mut shape = kernel.clone();
            shape.extend([channels, outputs]);
            (1, transpose(&w, &shape, &axes))
        };
        let mut dims = vec![outputs, if depthwise { 1 } else { channels }];
        dims.extend_from_slice(&kernel);
        let mut read = vec![x.name, self.constant("weight", &dims, &weight)];
        if self.biased() {
            let bias = self.tensor("bias", outputs)?;
            read.push(self.constant("bias", &[outputs], &bias));
        }
        let mut attributes = self.window(&kernel, &strides, Some(&dilation));
        attributes.push(int("group", group as i64));
        Some(self.node("Conv", read, attributes))
    }

    /// A separable convolution: the depthwise `Conv` (no bias), then a 1×1 one.
    fn separable(&mut self, x: Val) -> Option<String> {
        let layer = self.layer;
        let channels = layer.input.last().copied().unwrap_or(0);
        let filters = layer.output.last().copied().unwrap_or(0);
        let m = match layer.setting("depth_multiplier") {
            Some(Value::Size(m)) => m,
            _ => 1,
        };
        let inner = channels * m;
        let kernel = sizes(layer, "kernel_size", 2, 1);
        let strides = sizes(layer, "strides", 2, 1);
        let dilation = sizes(layer, "dilation_rate", 2, 1);
        let (kh, kw) = (kernel[0], kernel.get(1).copied().unwrap_or(1));
        let dw = self.tensor("depthwise_kernel", kh * kw * inner)?;
        let pw = self.tensor("pointwise_kernel", inner * filters)?;
        let bias = if self.biased() {
            Some(self.tensor("bias", filters)?)
        } else {
            None
        };
        // `(KH, KW, C, M)` as `(C·M, 1, KH, KW)`; `(1, 1, C·M, F)` as `(F, C·M, 1, 1)`.
        let dw = transpose(&dw, &[kh, kw, channels, m], &[2, 3, 0, 1]);
        let dw = self.constant("depthwise.weight", &[inner, 1, kh, kw], &dw);
        let mut attributes = self.window(&kernel, &strides, Some(&dilation));
        attributes.push(int("group", channels as i64));
        let y = self.node("Conv", vec![x.name, dw], attributes);
        let pw = transpose(&pw, &[inner, filters], &[1, 0]);
        let mut read = vec![
            y,
            self.constant("pointwise.weight", &[filters, inner, 1, 1], &pw),
        ];
        if let Some(bias) = bias {
            read.push(self.constant("pointwise.bias", &[filters], &bias));
        }
        let attributes = vec![
            ints("kernel_shape", &[1, 1]),
            ints("strides", &[1, 1]),
            ints("pads", &[0, 0, 0, 0]),
            int("group", 1),
        ];
        Some(self.node("Conv", read, attributes))
    }

    fn pool(&mut self, x: Val) -> String {
        let layer = self.layer;
        let rank = layer.input.len().saturating_sub(1);
        let max = matches!(layer.class, class::MAX_POOLING_1D | class::MAX_POOLING_2D);
        let window = sizes(layer, "pool_size", rank, 1);
        let strides = match layer.setting("strides") {
            Some(_) => sizes(layer, "strides", rank, 1),
            None => window.clone(),
        };
        let mut attributes = self.window(&window, &strides, None);
        if !max {
            // Keras's averages leave the padding out.
            attributes.push(int("count_include_pad", 0));
        }
        let op = if max { "MaxPool" } else { "AveragePool" };
        self.node(op, vec![x.name], attributes)
    }

    fn norm(&mut self, x: Val) -> Option<Val> {
        let layer = self.layer;
        let channels = layer.input.last().copied().unwrap_or(0);
        let epsilon = match layer.setting("epsilon") {
            Some(Value::Float(e)) => e,
            _ => 1e-3,
        };
        let mut read = vec![x.name];
        for (name, file) in [
            ("gamma", "weight"),
            ("beta", "bias"),
            ("moving_mean", "running_mean"),
            ("moving_variance", "running_var"),
        ] {
            let values = self.tensor(name, channels)?;
            // A flattened image's values are the file's channels, in its order.
            let values = reorder(&values, x.order.as_deref());
            read.push(self.constant(file, &[channels], &values));
        }
        let y = self.node("BatchNormalization", read, vec![float("epsilon", epsilon)]);
        Some(Val {
            name: y,
            order: x.order,
            seq: false,
        })
    }

    /// The layer's `activation` setting applied to `x`.
    fn activation_of(&mut self, x: Val) -> Option<Val> {
        let act = match self.layer.setting("activation") {
            None => Act::Linear,
            Some(Value::Str(name)) => match Act::declared(name) {
                Some(act) => act,
                None => {
                    self.problem(format!(
                        "its activation `{name}` is not written to ONNX files"
                    ));
                    return None;
                }
            },
            Some(other) => {
                self.problem(format!(
                    "its activation {other} is not written to ONNX files"
                ));
                return None;
            }
        };
        self.activation(x, act)
    }

    /// The nodes of activation `act` on `x`, as PyTorch's exporter writes them at opset 17.
    fn activation(&mut self, x: Val, act: Act) -> Option<Val> {
        if x.seq && matches!(act, Act::Softmax | Act::LogSoftmax) {
            self.problem(
                "its softmax over a sequence batch first is not written to ONNX files (the \
                 activations of each value are)",
            );
            return None;
        }
        let name = x.name.clone();
        let one = |w: &mut Self, op: &str, attributes: Vec<Attribute>| {
            w.node(op, vec![name.clone()], attributes)
        };
        let y = match act {
            Act::Linear => return Some(x),
            Act::Relu => one(self, "Relu", Vec::new()),
            Act::Relu6 => {
                let low = self.constant("min", &[], &[0.0]);
                let high = self.constant("max", &[], &[6.0]);
                self.node("Clip", vec![name, low, high], Vec::new())
            }
            Act::LeakyRelu(a) => one(self, "LeakyRelu", vec![float("alpha", a)]),
            Act::Elu(a) => one(self, "Elu", vec![float("alpha", a)]),
            Act::Selu => one(
                self,
                "Selu",
                vec![
                    float("alpha", 1.673_263_242_354_377_3),
                    float("gamma", 1.050_700_987_355_480_5),
                ],
            ),
            Act::Gelu => {
                // `x · (erf(x / √2) + 1) · 0.5`.
                let root = self.constant("sqrt2", &[], &[core::f32::consts::SQRT_2]);
                let one_ = self.constant("one", &[], &[1.0]);
                let half = self.constant("half", &[], &[0.5]);
                let d = self.node("Div", vec![name.clone(), root], Vec::new());
                let e = self.node("Erf", vec![d], Vec::new());
                let p = self.node("Add", vec![e, one_], Vec::new());
                let m = self.node("Mul", vec![name, p], Vec::new());
                self.node("Mul", vec![m, half], Vec::new())
            }
            Act::GeluTanh => {
                // `x · (tanh(√(2/π) · (x + 0.044715 · x·x·x)) + 1) · 0.5`.
                let cubic = self.constant("cubic", &[], &[0.044_715]);
                let root = (2.0 / core::f32::consts::PI).sqrt();
                let root = self.constant("sqrt_2_over_pi", &[], &[root]);
                let one_ = self.constant("one", &[], &[1.0]);
                let half = self.constant("half", &[], &[0.5]);
                let square = self.node("Mul", vec![name.clone(), name.clone()], Vec::new());
                let cube = self.node("Mul", vec![square, name.clone()], Vec::new());
                let scaled = self.node("Mul", vec![cube, cubic], Vec::new());
                let sum = self.node("Add", vec![scaled, name.clone()], Vec::new());
                let inner = self.node("Mul", vec![sum, root], Vec::new());
                let tanh = self.node("Tanh", vec![inner], Vec::new());
                let plus = self.node("Add", vec![tanh, one_], Vec::new());
                let times = self.node("Mul", vec![plus, name], Vec::new());
                self.node("Mul", vec![times, half], Vec::new())
            }
            Act::Sigmoid => one(self, "Sigmoid", Vec::new()),
            Act::HardSigmoid => one(
                self,
                "HardSigmoid",
                vec![float("alpha", 1.0 / 6.0), float("beta", 0.5)],
            ),
            Act::Tanh => one(self, "Tanh", Vec::new()),
            Act::Softplus => one(self, "Softplus", Vec::new()),
            Act::Softsign => one(self, "Softsign", Vec::new()),
            Act::Softmax | Act::LogSoftmax => {
                let op = if act == Act::Softmax {
                    "Softmax"
                } else {
                    "LogSoftmax"
                };
                one(self, op, vec![int("axis", 1)])
            }
            Act::PRelu => {
                self.problem("PReLU is a layer of its own, not an activation");
                return None;
            }
        };
        Some(Val {
            name: y,
            order: x.order,
            seq: x.seq,
        })
    }
}
