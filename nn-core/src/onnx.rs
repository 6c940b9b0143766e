//! ONNX files read into a declared float network (`Net::load_onnx(path)`,
//! `Net::from_onnx(bytes)`): the graph walked from its input, layer by layer as the declaration
//! lists them ([`Network::KERAS`]), each layer's operators, windows, paddings, activations and
//! weight shapes compared, every difference listed at its layer, every operator not read named
//! with its node; the weights turned from PyTorch's layouts into Keras's and set through the
//! network's parameters.
//!
//! PyTorch computes channels-first, `(C, H, W)`; a declaration is channels-last, `(H, W, C)`,
//! and is fed the same input transposed. So a convolution's kernel `(O, I, KH, KW)` becomes
//! Keras's `(KH, KW, I, O)` (a depthwise one's `(C·M, 1, KH, KW)` Keras's `(KH, KW, C, M)`, a
//! 1-D one's `(O, I, K)` Keras's `(K, I, O)`), and the rows of a dense layer's kernel after a
//! `Flatten` of an image are permuted, so that the channels-last flatten gives the numbers
//! PyTorch's channels-first one gives.
//!
//! A `SeparableConv2D` is PyTorch's depthwise `Conv` and a 1×1 `Conv` after it; the
//! depthwise one's bias, which Keras's has not, goes through the pointwise kernel into the bias.
//!
//! Exporters fold or split operators; these are recognized: a `Gemm` (`transB` or not, its
//! `alpha` and `beta` folded into the weights) or a `MatMul` and an `Add` for a dense layer; a
//! batch normalization folded into the convolution before it (the declared
//! `BatchNormalization` then reads as the identity, as from TensorFlow Lite files); GELU as
//! `Div`, `Erf`, `Add`, `Mul`, `Mul`, and its tanh approximation (`GeluApprox`) as `Mul`s, `Add`s
//! and a `Tanh`; softsign as `Abs`, `Add`, `Div`; softplus with PyTorch's
//! threshold (`Greater`, `Where`); ReLU6 as `Clip`; a global pool as `ReduceMean`; the `Flatten`
//! or `Reshape` after a global pool, with whatever computes a `Reshape`'s shape (`Shape`,
//! `Gather`, `Unsqueeze`, `Concat` of constants); `Identity` and `Dropout`.
//!
//! Blocks are walked as from TensorFlow Lite files: each branch from where the block starts
//! (of the nodes that read the block's input, the one whose weights fit the branch's first
//! layer), then the node that joins the two branches' ends: an `Add`, or a `Concat` along the
//! channels, first branch first.
//!
//! Recurrent layers are the `LSTM`, `GRU` and `RNN` nodes (with the `Transpose`, `Squeeze`,
//! `Reshape`, `Gather` or `Slice` nodes exporters write around them), and an
//! `Embedding` a `Gather` from a table of constants.
//!
//! Not yet: the other blocks (`Sub`, `Mul`, ...) and the other operators.

pub(crate) mod recurrent;

use std::collections::{HashMap, HashSet};
use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

use nn_keras::class;
use nn_keras::config::{LayerConfig, Value};
use nn_onnx::{Dim, Graph, Node, Tensor};

use crate::keras::{Found, transpose};
use crate::{Error, Network};

/// The operators read (those that only compute shapes aside).
const READ: &[&str] = &[
    "Gemm",
    "MatMul",
    "Add",
    "Concat",
    "Conv",
    "BatchNormalization",
    "Relu",
    "LeakyRelu",
    "Elu",
    "Selu",
    "Gelu",
    "Sigmoid",
    "HardSigmoid",
    "Tanh",
    "Softplus",
    "Softsign",
    "Softmax",
    "LogSoftmax",
    "PRelu",
    "Clip",
    "MaxPool",
    "AveragePool",
    "GlobalAveragePool",
    "GlobalMaxPool",
    "ReduceMean",
    "ReduceMax",
    "Unsqueeze",
    "Flatten",
    "Reshape",
    "Squeeze",
    "Dropout",
    "Identity",
    "Div",
    "Erf",
    "Mul",
    "Abs",
    "Greater",
    "Where",
    "LSTM",
    "GRU",
    "RNN",
    "Transpose",
    "Gather",
    "Slice",
];

/// Reads the float network `N` from an ONNX file's bytes (`path` names them in messages).
///
/// # Errors
///
/// [`Error::Format`] when the bytes are not an ONNX model; [`Error::Mismatch`] listing every
/// difference from the declaration and every operator not read.
pub fn read<N: Network<f32>>(bytes: &[u8], path: &std::path::Path) -> Result<N, Error> {
    let found = weights(bytes, path, &N::KERAS, N::NAME)?;
    crate::keras::set_found(&found, "layer ").map_err(|problems| Error::Mismatch {
        path: path.to_path_buf(),
        network: N::NAME,
        problems,
    })
}

/// The weights of each layer of the network `config` describes (named `network` in messages),
/// read from an ONNX file's bytes as [`read`] reads them and in Keras's layouts: by layer name,
/// each tensor by its parameter's name. What `read` runs without the network's type, as the
/// macro's build-time check (`#[onnx("file")]`) does.
///
/// # Errors
///
/// As [`read`]'s.
#[allow(clippy::type_complexity)]
pub fn weights(
    bytes: &[u8],
    path: &std::path::Path,
    config: &nn_keras::config::ModelConfig,
    network: &'static str,
) -> Result<HashMap<&'static str, Vec<(&'static str, Vec<f32>)>>, Error> {
    let model =
        nn_onnx::read(bytes).map_err(|e| Error::format_because(path, e.to_string(), e.clone()))?;
    let mismatch = |problems: Vec<String>| Error::Mismatch {
        path: path.to_path_buf(),
        network,
        problems,
    };
    let opset = model
        .opset_import
        .iter()
        .find(|set| matches!(set.domain.as_str(), "" | "ai.onnx"))
        .map_or(1, |set| set.version);
    let mut walk = Walk::new(&model.graph, opset);
    walk.unread();
    let layers = config.layers;
    let first = layers
        .iter()
        .find(|l| l.class != class::INPUT_LAYER)
        .map_or("", |l| l.class);
    walk.input(config.input, first);
    let mut found: HashMap<&'static str, Found> = HashMap::new();
    // Where the walk stands after each layer: a layer is read from where the layer that feeds
    // it ends (a block's branches each from the block's start), a block's join from where its
    // two branches end.
    let start = walk.place();
    let mut ends: HashMap<&'static str, Place<'_>> = HashMap::new();
    for (k, layer) in layers.iter().enumerate() {
        if layer.class == class::INPUT_LAYER {
            continue;
        }
        walk.layer = format!("layer `{}` ({})", layer.name, layer.class);
        let at = |name: &str| ends.get(name).cloned().unwrap_or_else(|| start.clone());
        match layer.inputs {
            [] => walk.set(start.clone()),
            [fed] => walk.set(at(fed)),
            [a, b] => {
                let widths = branch_widths(layers, config.input, layer);
                join(&mut walk, layer, at(a), at(b), widths);
                ends.insert(layer.name, walk.place());
                continue;
            }
            more => {
                walk.problem(format!(
                    "it joins {} layers; ONNX files are read for blocks of two branches",
                    more.len()
                ));
                continue;
            }
        }
        // A layer declared without an activation may be followed by one in the file when the
        // declaration's next layer (past a batch normalization the exporter folds, or a
        // dropout) is that activation.
        let before_activation = layers[k + 1..]
            .iter()
            .find(|next| !matches!(next.class, class::BATCH_NORMALIZATION | class::DROPOUT))
            .is_some_and(|next| activation_layer(next.class));
        found.insert(layer.name, read_layer(&mut walk, layer, before_activation));
        ends.insert(layer.name, walk.place());
    }
    walk.finish(layers.last().map_or(config.input, |l| l.output));
    if !walk.problems.is_empty() {
        return Err(mismatch(walk.problems));
    }
    Ok(found)
}

/// Where the walk stands: the value the next layer reads, where its values are images' flattened
/// channels first ([`Walk::flat_from`]), and, where it is a sequence or a recurrent layer's
/// output, its axes ([`Walk::sequence`]).
type Place<'a> = (&'a str, Option<Vec<usize>>, Option<Vec<recurrent::Axis>>);

/// The widths (values of a sample) of the two branches a block's join `layer` joins: the first's
/// is what the layer it names (or the network's `input`) gives, the second's the rest.
pub(crate) fn branch_widths(
    layers: &[LayerConfig],
    input: &[usize],
    layer: &LayerConfig,
) -> (usize, usize) {
    let total = layer.output.iter().product::<usize>();
    let first = layer.inputs.first().map_or(0, |name| {
        layers
            .iter()
            .find(|l| l.name == *name)
            .map_or(input, |l| l.output)
            .iter()
            .product::<usize>()
    });
    (first, total.saturating_sub(first))
}

/// Where the values of a concatenation of two vectors are in the file's, given its branches'
/// ([`Walk::flat_from`]) and `widths`: the second's places after the first's; `None` when
/// neither branch is a flattened image.
pub(crate) fn joined_order(
    a: Option<&[usize]>,
    b: Option<&[usize]>,
    (first, second): (usize, usize),
) -> Option<Vec<usize>> {
    if a.is_none() && b.is_none() {
        return None;
    }
    let of = |order: Option<&[usize]>, n: usize| {
        order.map_or_else(|| (0..n).collect(), <[usize]>::to_vec)
    };
    let mut order = of(a, first);
    order.extend(of(b, second).into_iter().map(|j| j + first));
    Some(order)
}

/// Reads a block's join, the merge layer `layer`, from the ends of its two branches `a` and `b`
/// (of `widths`, see [`branch_widths`]): an `Add` of the two (either order), or a `Concat` of
/// them along the channels, first branch first. A join of flattened images keeps where their
/// values are in the file's ([`Walk::flat_from`]), for the dense layer after it.
fn join<'a>(
    walk: &mut Walk<'a>,
    layer: &LayerConfig,
    place_a: Place<'a>,
    place_b: Place<'a>,
    widths: (usize, usize),
) {
    let (a, b) = (place_a.0, place_b.0);
    let op = match layer.class {
        "Add" => "Add",
        "Concatenate" => "Concat",
        other => {
            // Past the node that joins the branches, whatever it is, to read on after it.
            let graph = walk.graph;
            let joins = (0..graph.node.len()).find(|&k| {
                !walk.used[k]
                    && !walk.plumbing[k]
                    && [a, b]
                        .iter()
                        .all(|end| graph.node[k].input.iter().any(|i| i == end))
            });
            let there = joins.map_or_else(String::new, |k| {
                walk.used[k] = true;
                walk.set((
                    graph.node[k].output.first().map_or("", String::as_str),
                    None,
                    None,
                ));
                format!("; the file joins them with {}", walk.describe(k))
            });
            walk.problem(format!(
                "{other} blocks are not read from ONNX files yet (`Add` and `Concatenate` \
                 are){there}"
            ));
            return;
        }
    };
    let graph = walk.graph;
    let reads = |k: usize, x: &str, y: &str| {
        let node = &graph.node[k];
        node.op_type == op && node.input.len() == 2 && node.input[0] == x && node.input[1] == y
    };
    let free = |k: usize| !walk.used[k] && !walk.plumbing[k];
    let node = (0..graph.node.len()).find(|&k| free(k) && reads(k, a, b));
    let swapped = (0..graph.node.len()).find(|&k| free(k) && reads(k, b, a));
    let k = match (node, swapped) {
        (Some(k), _) => k,
        (None, Some(k)) if op == "Add" => k,
        (None, Some(k)) => {
            walk.problem(format!(
                "the file's Concat (node {k}, `{}`) puts the second branch first",
                graph.node[k].name
            ));
            k
        }
        (None, None) => {
            let readers: Vec<String> = walk
                .readers(a)
                .into_iter()
                .map(|k| walk.describe(k))
                .collect();
            walk.problem(format!(
                "the file has no {op} of the branches' ends `{a}` and `{b}` (`{a}` is read by \
                 {})",
                if readers.is_empty() {
                    "nothing".to_string()
                } else {
                    readers.join(", ")
                }
            ));
            return;
        }
    };
    let node = &graph.node[k];
    if op == "Concat" {
        let rank = layer.output.len() as i64 + 1;
        let axis = int(node, "axis", 1);
        let axis = if axis < 0 { axis + rank } else { axis };
        if axis != 1 {
            walk.problem(format!(
                "the file's Concat `{}` joins along axis {axis}, not the channels (1)",
                node.name
            ));
        }
    }
    walk.used[k] = true;
    let (order_a, order_b) = (place_a.1.as_deref(), place_b.1.as_deref());
    let order = if op == "Concat" {
        joined_order(order_a, order_b, widths)
    } else if order_a == order_b {
        place_a.1.clone()
    } else {
        // Ours adds each value to the one at the same place in the other branch; the file's
        // adds values that are in other places in ours.
        walk.problem(format!(
            "the file's Add `{}` adds a flattened image (channels first) to a vector whose \
             values are in another order; the declaration adds them in its channels-last order",
            node.name
        ));
        None
    };
    walk.set((node.output.first().map_or("", String::as_str), order, None));
}

/// Whether a layer of class `class` is an activation of its own.
fn activation_layer(class: &str) -> bool {
    matches!(
        class,
        class::ACTIVATION | class::LEAKY_RELU | class::ELU | class::PRELU
    )
}

/// The walk through the graph: where it stands (the value the next layer reads), the nodes
/// read, and the differences found.
struct Walk<'a> {
    graph: &'a Graph,
    /// The constant tensors by name: initializers and `Constant` nodes' values.
    consts: HashMap<&'a str, &'a Tensor>,
    /// Nodes that only compute constants or shapes (`Constant`, `Shape` and what reads only
    /// their outputs): not layers.
    plumbing: Vec<bool>,
    /// The version of ONNX's operators the graph uses (its opset).
    opset: i64,
    /// Nodes read.
    used: Vec<bool>,
    /// The nodes that read each value (that are not plumbing), in the graph's order.
    readers: HashMap<&'a str, Vec<usize>>,
    /// The value the next layer reads.
    current: &'a str,
    /// The layer being read, for messages.
    layer: String,
    problems: Vec<String>,
    /// Where the current vector is PyTorch's channels-first flatten of an image (or is made of
    /// such, side by side), for each of our values (channels last) its place in the file's.
    flat_from: Option<Vec<usize>>,
    /// Where the current value is a sequence (the input of a network that starts with a
    /// recurrent layer or an embedding, an embedding's or a recurrent layer's output), what
    /// each of its axes is; `None` for PyTorch's channels-first tensors and vectors.
    sequence: Option<Vec<recurrent::Axis>>,
}

/// An activation, as declared or as read from the file.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Act {
    Linear,
    Relu,
    Relu6,
    LeakyRelu(f64),
    Elu(f64),
    Selu,
    Gelu,
    GeluTanh,
    Sigmoid,
    HardSigmoid,
    Tanh,
    Softplus,
    Softsign,
    Softmax,
    LogSoftmax,
    PRelu,
}

impl Act {
    /// The activation a declaration names (its Keras name, or a built-in one with its
    /// argument: `LeakyRelu(0.1)`).
    pub(crate) fn declared(name: &str) -> Option<Self> {
        let argument = |prefix: &str| {
            name.strip_prefix(prefix)?
                .strip_suffix(')')?
                .trim()
                .parse::<f64>()
                .ok()
        };
        Some(match name {
            "linear" => Self::Linear,
            "relu" => Self::Relu,
            "relu6" => Self::Relu6,
            "leaky_relu" => Self::LeakyRelu(crate::LeakyRelu::DEFAULT.negative_slope),
            "elu" => Self::Elu(crate::Elu::DEFAULT.alpha),
            "selu" => Self::Selu,
            "gelu" => Self::Gelu,
            "GeluApprox" => Self::GeluTanh,
            "sigmoid" => Self::Sigmoid,
            "hard_sigmoid" => Self::HardSigmoid,
            "tanh" => Self::Tanh,
            "softplus" => Self::Softplus,
            "softsign" => Self::Softsign,
            "softmax" => Self::Softmax,
            "log_softmax" => Self::LogSoftmax,
            _ => {
                if let Some(slope) = argument("LeakyRelu(") {
                    Self::LeakyRelu(slope)
                } else if let Some(alpha) = argument("Elu(") {
                    Self::Elu(alpha)
                } else {
                    return None;
                }
            }
        })
    }

    /// The activation of a `LeakyReLU` or `ELU` layer (Keras's defaults, 0.3 and 1, where it
    /// gives none).
    pub(crate) fn of_layer(layer: &LayerConfig) -> Self {
        let leaky = layer.class == class::LEAKY_RELU;
        let (key, default) = if leaky {
            ("negative_slope", 0.3)
        } else {
            ("alpha", 1.0)
        };
        let x = match layer.setting(key) {
            Some(Value::Float(x)) => x,
            _ => default,
        };
        if leaky {
            Self::LeakyRelu(x)
        } else {
            Self::Elu(x)
        }
    }

    /// Whether a file's activation `file` is this declared one (arguments to 1e-6 relative).
    fn same(self, file: Self) -> bool {
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-6 * a.abs().max(1e-6);
        match (self, file) {
            (Self::LeakyRelu(a), Self::LeakyRelu(b)) | (Self::Elu(a), Self::Elu(b)) => close(a, b),
            (a, b) => a == b,
        }
    }

    pub(crate) fn name(self) -> String {
        match self {
            Self::LeakyRelu(slope) => format!("LeakyRelu({})", slope as f32),
            Self::Elu(alpha) => format!("Elu({})", alpha as f32),
            Self::GeluTanh => "GeluApprox".to_string(),
            other => format!("{other:?}"),
        }
    }
}

/// An activation found in the file: what it is, the nodes it takes, the value it writes, and
/// PReLU's slopes.
struct FileAct<'a> {
    act: Act,
    nodes: Vec<usize>,
    output: &'a str,
    slope: Option<&'a str>,
}

impl<'a> Walk<'a> {
    fn new(graph: &'a Graph, opset: i64) -> Self {
        let mut consts: HashMap<&'a str, &'a Tensor> = HashMap::new();
        for t in &graph.initializer {
            consts.insert(t.name.as_str(), t);
        }
        let mut fixed: HashSet<&'a str> = consts.keys().copied().collect();
        let mut plumbing = vec![false; graph.node.len()];
        for (k, node) in graph.node.iter().enumerate() {
            let inputs = node.input.iter().filter(|i| !i.is_empty());
            let constant = match node.op_type.as_str() {
                "Constant" => {
                    if let (Some(out), Some(t)) = (
                        node.output.first(),
                        node.attribute("value").and_then(|a| a.t.as_ref()),
                    ) {
                        consts.insert(out.as_str(), t);
                    }
                    true
                }
                "Shape" | "Size" => true,
                _ => {
                    node.input.iter().any(|i| !i.is_empty())
                        && inputs.clone().all(|i| fixed.contains(i.as_str()))
                }
            };
            if constant {
                plumbing[k] = true;
                fixed.extend(node.output.iter().map(String::as_str));
            }
        }
        let mut readers: HashMap<&'a str, Vec<usize>> = HashMap::new();
        for (k, node) in graph.node.iter().enumerate() {
            if !plumbing[k] {
                // An optional input left out is named `""`: no value.
                for input in node.input.iter().filter(|i| !i.is_empty()) {
                    let list = readers.entry(input.as_str()).or_default();
                    if list.last() != Some(&k) {
                        list.push(k);
                    }
                }
            }
        }
        let current = graph
            .input
            .iter()
            .find(|i| !consts.contains_key(i.name.as_str()))
            .map_or("", |i| i.name.as_str());
        Self {
            graph,
            consts,
            used: vec![false; graph.node.len()],
            opset,
            readers,
            plumbing,
            current,
            layer: "the graph".to_string(),
            problems: Vec::new(),
            flat_from: None,
            sequence: None,
        }
    }

    /// For each of the `count` values of the current vector (channels last), its place in the
    /// file's: [`Walk::flat_from`], the identity where the vector is not a flattened image.
    fn flat_order(&self, count: usize) -> Vec<usize> {
        match &self.flat_from {
            Some(order) if order.len() == count => order.clone(),
            _ => (0..count).collect(),
        }
    }

    /// Where the walk stands.
    fn place(&self) -> Place<'a> {
        (self.current, self.flat_from.clone(), self.sequence.clone())
    }

    /// Moves the walk to `place`.
    fn set(&mut self, place: Place<'a>) {
        self.current = place.0;
        self.flat_from = place.1;
        self.sequence = place.2;
    }

    fn problem(&mut self, problem: impl core::fmt::Display) {
        self.problems.push(format!("{}: {problem}", self.layer));
    }

    /// Whether node `k`'s operator is one that is read.
    fn known(node: &Node) -> bool {
        matches!(node.domain.as_str(), "" | "ai.onnx") && READ.contains(&node.op_type.as_str())
    }

    /// Names every node whose operator is not read, all at once.
    fn unread(&mut self) {
        let total = self.graph.node.len();
        for (k, node) in self.graph.node.iter().enumerate() {
            if !self.plumbing[k] && !Self::known(node) {
                let domain = if node.domain.is_empty() {
                    String::new()
                } else {
                    format!(" (domain `{}`)", node.domain)
                };
                self.problems.push(format!(
                    "the graph: node {k} of {total}, `{}`, is `{}`{domain}, an operator not read \
                     from ONNX files",
                    node.name, node.op_type
                ));
            }
        }
    }

    /// Compares the graph's input with the declaration's (channels last; a sequence, which a
    /// network whose first layer (of class `first`) is recurrent or an embedding reads, as it
    /// is: `(batch, steps, features)`, or an embedding's token ids `(batch, steps)`).
    fn input(&mut self, declared: &[usize], first: &str) {
        self.layer = "the input".to_string();
        let Some(info) = self
            .graph
            .input
            .iter()
            .find(|i| i.name.as_str() == self.current)
        else {
            self.problem("the graph has no input");
            return;
        };
        let tokens = first == class::EMBEDDING;
        let sequence = tokens || recurrent::is_recurrent(first);
        if tokens {
            // Token ids, which the declaration takes as floats.
            if !matches!(
                info.elem_type,
                nn_onnx::data_type::INT64 | nn_onnx::data_type::INT32
            ) {
                self.problem(format!(
                    "it is of ONNX type {}, not int64 (7) or int32 (6) token ids, which the \
                     declaration's Embedding reads",
                    info.elem_type
                ));
            }
        } else if info.elem_type != nn_onnx::data_type::FLOAT {
            self.problem(format!(
                "it is of ONNX type {}, not float32 (1)",
                info.elem_type
            ));
        }
        if sequence {
            self.sequence = Some(recurrent::input_axes(declared, tokens));
        }
        let Some(shape) = &info.shape else {
            return;
        };
        // PyTorch's `(N, C, spatial..)` against the declaration's `(spatial.., C)`; a sequence
        // is `(N, steps, features)` in both.
        let mut want: Vec<usize> = Vec::new();
        if sequence {
            want.extend_from_slice(declared);
        } else if let Some((&c, spatial)) = declared.split_last() {
            want.push(c);
            want.extend_from_slice(spatial);
        }
        let file: Vec<Option<i64>> = shape
            .iter()
            .skip(1)
            .map(|d| match d {
                Dim::Value(v) => Some(*v),
                _ => None,
            })
            .collect();
        let fits = file.len() == want.len()
            && file
                .iter()
                .zip(&want)
                .all(|(f, &w)| f.is_none_or(|f| usize::try_from(f) == Ok(w)));
        if !fits {
            let dims: Vec<String> = shape
                .iter()
                .map(|d| match d {
                    Dim::Value(v) => v.to_string(),
                    Dim::Param(p) => p.clone(),
                    Dim::Unknown => "?".to_string(),
                })
                .collect();
            if sequence {
                self.problem(format!(
                    "the file's input is ({}); the declaration's sequence {declared:?} is \
                     (batch, {want:?}), batch first",
                    dims.join(", ")
                ));
            } else {
                self.problem(format!(
                    "the file's input is ({}), batch and channels first; the declaration's \
                     {declared:?} is (batch, {want:?}) channels first",
                    dims.join(", ")
                ));
            }
        }
    }

    /// The nodes not read yet that read `value`.
    fn readers(&self, value: &str) -> Vec<usize> {
        self.readers.get(value).map_or_else(Vec::new, |readers| {
            readers.iter().copied().filter(|&k| !self.used[k]).collect()
        })
    }

    /// The one node that reads `value` with operator `op`.
    fn reader(&self, value: &str, op: &str) -> Option<usize> {
        let found: Vec<usize> = self
            .readers(value)
            .into_iter()
            .filter(|&k| self.graph.node[k].op_type == op)
            .collect();
        match found[..] {
            [k] => Some(k),
            _ => None,
        }
    }

    /// Moves past `Identity` and `Dropout` nodes, and (`flat`: the layer reads a vector) past a
    /// `Flatten`, `Reshape` or `Squeeze` (after a global pool, PyTorch's `(N, C, 1, 1)`).
    fn pass(&mut self, flat: bool) {
        loop {
            let readers = self.readers(self.current);
            let [k] = readers[..] else {
                return;
            };
            let node = &self.graph.node[k];
            let through = match node.op_type.as_str() {
                "Identity" | "Dropout" => true,
                "Flatten" | "Reshape" | "Squeeze" => flat,
                _ => false,
            };
            if !through || node.input.first().map(String::as_str) != Some(self.current) {
                return;
            }
            let Some(out) = node.output.first() else {
                return;
            };
            self.used[k] = true;
            self.current = out;
        }
    }

    /// Describes node `k` for messages.
    fn describe(&self, k: usize) -> String {
        let node = &self.graph.node[k];
        format!("`{}` (node {k}, `{}`)", node.op_type, node.name)
    }

    /// The node the layer is, of one of the operators `ops`, reading the current value as its
    /// first input; a problem when the file has something else there.
    fn take(&mut self, ops: &[&str], flat: bool) -> Option<&'a Node> {
        self.take_where(ops, flat, |_, _| true)
    }

    /// [`take`](Self::take); where several nodes read the value (a block's branches), the one
    /// that `fits` (whose weights have the layer's shape).
    fn take_where(
        &mut self,
        ops: &[&str],
        flat: bool,
        fits: impl Fn(&Self, &Node) -> bool,
    ) -> Option<&'a Node> {
        self.pass(flat);
        let graph = self.graph;
        let readers = self.readers(self.current);
        let matching: Vec<usize> = readers
            .iter()
            .copied()
            .filter(|&k| {
                let node = &graph.node[k];
                ops.contains(&node.op_type.as_str())
                    && node.input.first().map(String::as_str) == Some(self.current)
            })
            .collect();
        if readers.len() > 1 && !matching.is_empty() {
            let k = matching
                .iter()
                .copied()
                .find(|&k| fits(self, &graph.node[k]))
                .unwrap_or(matching[0]);
            self.used[k] = true;
            return Some(&graph.node[k]);
        }
        match readers[..] {
            [] => {
                self.problem(format!(
                    "the file has nothing more after `{}`, where the declaration has this layer",
                    self.current
                ));
                None
            }
            [k] => {
                let node = &graph.node[k];
                if ops.contains(&node.op_type.as_str())
                    && node.input.first().map(String::as_str) == Some(self.current)
                {
                    self.used[k] = true;
                    Some(node)
                } else {
                    let what = self.describe(k);
                    self.problem(format!(
                        "the file has {what} where the declaration has this layer ({})",
                        ops.join(" or ")
                    ));
                    None
                }
            }
            _ => {
                let what: Vec<String> = readers.iter().map(|&k| self.describe(k)).collect();
                self.problem(format!(
                    "the file has {} where the declaration has this layer ({})",
                    what.join(", "),
                    ops.join(" or ")
                ));
                None
            }
        }
    }

    /// Moves the walk to node `node`'s output.
    fn advance(&mut self, node: &'a Node) {
        if let Some(out) = node.output.first() {
            self.current = out;
        }
    }

    /// A constant's values as floats.
    fn floats(&self, name: &str) -> Option<Vec<f32>> {
        self.consts.get(name).and_then(|t| t.floats())
    }

    /// A constant tensor.
    fn tensor(&self, name: &str) -> Option<&'a Tensor> {
        self.consts.get(name).copied()
    }

    /// Whether the node's other input (the one that is not `value`) is the one-value constant
    /// `want` (to 1e-5 relative).
    fn other_is(&self, node: &Node, value: &str, want: f32) -> bool {
        node.input.len() == 2
            && node.input.iter().any(|i| i == value)
            && node.input.iter().filter(|i| *i != value).all(|i| {
                self.floats(i).is_some_and(|v| {
                    v.len() == 1 && (v[0] - want).abs() <= 1e-5 * want.abs().max(1.0)
                })
            })
    }

    /// The activation the file applies to the current value next, if it applies one.
    fn file_act(&self) -> Option<FileAct<'a>> {
        let graph = self.graph;
        let x = self.current;
        let readers = self.readers(x);
        let op_of = |k: usize| graph.node[k].op_type.as_str();
        let out = |k: usize| graph.node[k].output.first().map_or("", String::as_str);
        let float = |k: usize, name: &str, default: f32| {
            graph.node[k].attribute(name).map_or(default, |a| a.f)
        };
        if let [k] = readers[..] {
            let node = &graph.node[k];
            if node.input.first().map(String::as_str) != Some(x) {
                return None;
            }
            let one = |act| {
                Some(FileAct {
                    act,
                    nodes: vec![k],
                    output: out(k),
                    slope: None,
                })
            };
            return match op_of(k) {
                "Relu" => one(Act::Relu),
                "LeakyRelu" => one(Act::LeakyRelu(f64::from(float(k, "alpha", 0.01)))),
                "Elu" => one(Act::Elu(f64::from(float(k, "alpha", 1.0)))),
                "Selu" => {
                    let (alpha, gamma) =
                        (float(k, "alpha", 1.673_263_2), float(k, "gamma", 1.050_701));
                    if (alpha - 1.673_263_2).abs() < 1e-6 && (gamma - 1.050_701).abs() < 1e-6 {
                        one(Act::Selu)
                    } else {
                        None
                    }
                }
                "Gelu" => match node.attribute("approximate").map(|a| a.s.as_slice()) {
                    Some(b"tanh") => one(Act::GeluTanh),
                    _ => one(Act::Gelu),
                },
                "Sigmoid" => one(Act::Sigmoid),
                "HardSigmoid" => {
                    let (alpha, beta) = (float(k, "alpha", 0.2), float(k, "beta", 0.5));
                    ((alpha - 1.0 / 6.0).abs() < 1e-6 && (beta - 0.5).abs() < 1e-6)
                        .then_some(())
                        .and_then(|()| one(Act::HardSigmoid))
                }
                "Tanh" => one(Act::Tanh),
                "Softplus" => one(Act::Softplus),
                "Softsign" => one(Act::Softsign),
                "Softmax" => one(Act::Softmax),
                "LogSoftmax" => one(Act::LogSoftmax),
                "PRelu" => Some(FileAct {
                    act: Act::PRelu,
                    nodes: vec![k],
                    output: out(k),
                    slope: node.input.get(1).map(String::as_str),
                }),
                "Clip" => {
                    let bound =
                        |i: usize, name: &str| match node.input.get(i).filter(|s| !s.is_empty()) {
                            Some(input) => self.floats(input).and_then(|v| v.first().copied()),
                            None => node.attribute(name).map(|a| a.f),
                        };
                    match (bound(1, "min"), bound(2, "max")) {
                        (Some(0.0), None) => one(Act::Relu),
                        (Some(0.0), Some(6.0)) => one(Act::Relu6),
                        _ => None,
                    }
                }
                _ => None,
            };
        }
        // Softplus with PyTorch's threshold: `Where(x > 20, x, Softplus(x))`.
        if let Some(s) = readers.iter().copied().find(|&k| op_of(k) == "Softplus") {
            let mut nodes = vec![s];
            let mut output = out(s);
            if let Some(g) = self.reader(x, "Greater")
                && let Some(w) = self.reader(out(g), "Where")
                && graph.node[w].input.get(1).map(String::as_str) == Some(x)
                && graph.node[w].input.get(2).map(String::as_str) == Some(out(s))
            {
                nodes.extend([g, w]);
                output = out(w);
            }
            if nodes.len() == readers.len() {
                return Some(FileAct {
                    act: Act::Softplus,
                    nodes,
                    output,
                    slope: None,
                });
            }
        }
        // Softsign: `x / (|x| + 1)`.
        if let Some(a) = self.reader(x, "Abs")
            && let Some(p) = self.reader(out(a), "Add")
            && self.other_is(&graph.node[p], out(a), 1.0)
            && let Some(d) = self.reader(out(p), "Div")
            && graph.node[d].input.first().map(String::as_str) == Some(x)
            && readers.len() == 2
        {
            return Some(FileAct {
                act: Act::Softsign,
                nodes: vec![a, p, d],
                output: out(d),
                slope: None,
            });
        }
        // GELU: `x · (erf(x / √2) + 1) · 0.5`.
        if let Some(d) = self.reader(x, "Div")
            && self.other_is(&graph.node[d], x, core::f32::consts::SQRT_2)
            && let Some(e) = self.reader(out(d), "Erf")
            && let Some(p) = self.reader(out(e), "Add")
            && self.other_is(&graph.node[p], out(e), 1.0)
            && let Some(m) = self.reader(out(p), "Mul")
            && graph.node[m].input.iter().any(|i| i == x)
            && let Some(h) = self.reader(out(m), "Mul")
            && self.other_is(&graph.node[h], out(m), 0.5)
            && readers.len() == 2
        {
            return Some(FileAct {
                act: Act::Gelu,
                nodes: vec![d, e, p, m, h],
                output: out(h),
                slope: None,
            });
        }
        // GELU's tanh approximation: `x · (tanh(√(2/π) · (x + 0.044715 · x·x·x)) + 1) · 0.5`.
        let with = |value: &str, op: &str, other: &dyn Fn(&str) -> bool| {
            let found: Vec<usize> = self
                .readers(value)
                .into_iter()
                .filter(|&k| {
                    let node = &graph.node[k];
                    node.op_type == op
                        && node.input.len() == 2
                        && node
                            .input
                            .iter()
                            .position(|i| i == value)
                            .is_some_and(|at| other(&node.input[1 - at]))
                })
                .collect();
            match found[..] {
                [k] => Some(k),
                _ => None,
            }
        };
        let constant = |want: f32| {
            move |name: &str| {
                self.floats(name).is_some_and(|v| {
                    v.len() == 1 && (v[0] - want).abs() <= 1e-5 * want.abs().max(1.0)
                })
            }
        };
        let is_x = |name: &str| name == x;
        let root = (2.0 / core::f32::consts::PI).sqrt();
        if let Some(square) = with(x, "Mul", &is_x)
            && let Some(cube) = with(out(square), "Mul", &is_x)
            && let Some(scaled) = with(out(cube), "Mul", &constant(0.044_715))
            && let Some(sum) = with(out(scaled), "Add", &is_x)
            && let Some(inner) = with(out(sum), "Mul", &constant(root))
            && let Some(tanh) = self.reader(out(inner), "Tanh")
            && let Some(plus) = with(out(tanh), "Add", &constant(1.0))
            && let Some(times) = with(out(plus), "Mul", &is_x)
            && let Some(half) = with(out(times), "Mul", &constant(0.5))
            && readers.len() == 4
        {
            return Some(FileAct {
                act: Act::GeluTanh,
                nodes: vec![square, cube, scaled, sum, inner, tanh, plus, times, half],
                output: out(half),
                slope: None,
            });
        }
        None
    }

    /// Reads the activation the declaration gives a layer: the file's next activation, compared
    /// with it. A layer declared without one, before a layer that is not an activation, must
    /// not be followed by one in the file. PReLU's slopes are returned, for `shape`.
    fn activation(
        &mut self,
        declared: Act,
        before_activation: bool,
        shape: &[usize],
    ) -> Option<Vec<f32>> {
        self.pass(shape.len() == 1);
        let file = self.file_act();
        if declared == Act::Linear {
            if let Some(file) = file
                && !before_activation
            {
                let k = file.nodes[0];
                self.problem(format!(
                    "the file applies {} after it (node {k}, `{}`), which the declaration leaves \
                     out",
                    file.act.name(),
                    self.graph.node[k].name
                ));
                self.take_act(&file);
            }
            return None;
        }
        let Some(file) = file else {
            let next = match self.readers(self.current)[..] {
                [] => "nothing".to_string(),
                [k, ..] => self.describe(k),
            };
            self.problem(format!(
                "its activation {} is not in the file, which has {next} after it",
                declared.name()
            ));
            return None;
        };
        self.take_act(&file);
        if matches!(file.act, Act::Softmax | Act::LogSoftmax) {
            // Over the channels: PyTorch's axis 1. Before opset 13, an axis flattens the axes
            // from it on, which is the channels only for a vector.
            let node = &self.graph.node[file.nodes[0]];
            let rank = shape.len() as i64 + 1;
            let axis = int(node, "axis", if self.opset >= 13 { -1 } else { 1 });
            let axis = if axis < 0 { axis + rank } else { axis };
            if axis != 1 || (self.opset < 13 && rank > 2) {
                self.problem(format!(
                    "the file's {} `{}` is over axis {axis} of {rank} (opset {}), not over the \
                     channels alone",
                    node.op_type, node.name, self.opset
                ));
            }
        }
        if !declared.same(file.act) {
            self.problem(format!(
                "its activation is {} in the file, {} in the declaration",
                file.act.name(),
                declared.name()
            ));
            return None;
        }
        let slope = file.slope?;
        self.prelu_alpha(slope, shape)
    }

    fn take_act(&mut self, file: &FileAct<'a>) {
        for &k in &file.nodes {
            self.used[k] = true;
        }
        self.current = file.output;
    }

    /// PReLU's slopes (one, one per channel, or one per value channels first) as Keras's
    /// `alpha` of the layer's shape (channels last).
    fn prelu_alpha(&mut self, slope: &str, shape: &[usize]) -> Option<Vec<f32>> {
        let Some(values) = self.floats(slope) else {
            self.problem(format!("its slopes `{slope}` are not a float constant"));
            return None;
        };
        let count: usize = shape.iter().product();
        let channels = shape.last().copied().unwrap_or(1);
        let spatial = count / channels.max(1);
        if values.len() == count && shape.len() == 1 && self.flat_from.is_some() {
            // One slope per value of an image flattened channels first: in our order.
            let order = self.flat_order(count);
            return Some(order.iter().map(|&j| values[j]).collect());
        }
        if values.len() == 1 {
            Some(vec![values[0]; count])
        } else if values.len() == channels {
            Some((0..count).map(|i| values[i % channels]).collect())
        } else if values.len() == count {
            Some(
                (0..count)
                    .map(|i| values[(i % channels) * spatial + i / channels])
                    .collect(),
            )
        } else {
            self.problem(format!(
                "the file has {} slopes, the declaration's shape {shape:?} takes 1, {channels} or \
                 {count}",
                values.len()
            ));
            None
        }
    }

    /// Names the nodes left after the last layer, and checks that the walk ends at an output.
    fn finish(&mut self, output: &[usize]) {
        self.layer = "the output".to_string();
        self.pass(output.len() == 1);
        let left: Vec<String> = (0..self.graph.node.len())
            .filter(|&k| !self.used[k] && !self.plumbing[k] && Self::known(&self.graph.node[k]))
            .map(|k| self.describe(k))
            .collect();
        if !left.is_empty() {
            self.problem(format!(
                "the file has nodes the declaration does not read: {}",
                left.join(", ")
            ));
        } else if self.problems.is_empty()
            && !self.graph.output.iter().any(|o| o.name == self.current)
        {
            self.problem(format!(
                "the walk ends at `{}`, not at the graph's output",
                self.current
            ));
        }
    }
}

/// A window setting (`kernel_size`, `strides`, `dilation_rate`) of `rank` numbers.
pub(crate) fn sizes(layer: &LayerConfig, key: &str, rank: usize, default: usize) -> Vec<usize> {
    match layer.setting(key) {
        Some(Value::Sizes(s)) => s.to_vec(),
        Some(Value::Size(n)) => vec![n; rank],
        _ => vec![default; rank],
    }
}

/// An integer-list attribute, `default` without it.
fn ints(node: &Node, name: &str, default: Vec<i64>) -> Vec<i64> {
    node.attribute(name).map_or(default, |a| a.ints.clone())
}

/// An integer attribute, `default` without it.
fn int(node: &Node, name: &str, default: i64) -> i64 {
    node.attribute(name).map_or(default, |a| a.i)
}

fn as_i64(v: &[usize]) -> Vec<i64> {
    v.iter().map(|&x| x as i64).collect()
}

/// The pads (begin for each spatial axis, then end for each) the declared `padding` gives
/// an input of `spatial` sizes: none for `valid`; TensorFlow's `same` (the extra one at the
/// end); `causal`, all before.
pub(crate) fn declared_pads(
    padding: &str,
    spatial: &[usize],
    kernel: &[usize],
    strides: &[usize],
    dilation: &[usize],
) -> Vec<i64> {
    let rank = spatial.len();
    let mut pads = vec![0i64; 2 * rank];
    for k in 0..rank {
        let (n, s, d) = (
            spatial[k],
            strides.get(k).copied().unwrap_or(1).max(1),
            dilation.get(k).copied().unwrap_or(1),
        );
        // Saturating: a file's strides and dilations may be anything.
        let reach = kernel
            .get(k)
            .copied()
            .unwrap_or(1)
            .saturating_sub(1)
            .saturating_mul(d)
            .saturating_add(1);
        match padding {
            "same" => {
                let out = n.div_ceil(s);
                let total = out
                    .saturating_sub(1)
                    .saturating_mul(s)
                    .saturating_add(reach)
                    .saturating_sub(n);
                pads[k] = (total / 2) as i64;
                pads[rank + k] = (total - total / 2) as i64;
            }
            "causal" => pads[k] = (reach - 1) as i64,
            _ => {}
        }
    }
    pads
}

/// A node's pads as ONNX gives them: `pads`, or `auto_pad`'s `SAME_UPPER` (TensorFlow's
/// `same`), `SAME_LOWER` or `VALID`.
fn file_pads(
    node: &Node,
    spatial: &[usize],
    kernel: &[usize],
    strides: &[usize],
    dilation: &[usize],
) -> Vec<i64> {
    let rank = spatial.len();
    match node.attribute("auto_pad").map(|a| a.s.as_slice()) {
        Some(b"SAME_UPPER") => declared_pads("same", spatial, kernel, strides, dilation),
        Some(b"SAME_LOWER") => {
            let mut pads = declared_pads("same", spatial, kernel, strides, dilation);
            for k in 0..rank {
                pads.swap(k, rank + k);
            }
            pads
        }
        Some(b"VALID") => vec![0; 2 * rank],
        _ => ints(node, "pads", vec![0; 2 * rank]),
    }
}

/// Compares a convolution's or pool's window with the declaration's: strides, dilations and
/// pads (each a problem naming both).
#[allow(clippy::too_many_arguments)]
fn window(
    walk: &mut Walk<'_>,
    node: &Node,
    layer: &LayerConfig,
    kernel: &[usize],
    strides: &[usize],
    dilation: &[usize],
    default_strides: &[usize],
) {
    let rank = kernel.len();
    let spatial = &layer.input[..layer.input.len().saturating_sub(1)];
    let padding = match layer.setting("padding") {
        Some(Value::Str(p)) => p,
        _ => "valid",
    };
    let file_strides = ints(node, "strides", as_i64(default_strides));
    let file_dilation = ints(node, "dilations", vec![1; rank]);
    let file_strides_u: Vec<usize> = file_strides.iter().map(|&s| s.max(1) as usize).collect();
    let file_dilation_u: Vec<usize> = file_dilation.iter().map(|&d| d.max(1) as usize).collect();
    let pads = file_pads(node, spatial, kernel, &file_strides_u, &file_dilation_u);
    let want_pads = declared_pads(padding, spatial, kernel, strides, dilation);
    let op = &node.op_type;
    if file_strides != as_i64(strides) {
        walk.problem(format!(
            "the file's {op} has strides {file_strides:?}, the declaration's {strides:?}"
        ));
    }
    if file_dilation != as_i64(dilation) {
        walk.problem(format!(
            "the file's {op} has dilations {file_dilation:?}, the declaration's {dilation:?}"
        ));
    }
    if pads != want_pads {
        walk.problem(format!(
            "the file's {op} pads {pads:?} (begin, then end, of each spatial axis), the \
             declaration's `padding = {padding}` pads {want_pads:?}"
        ));
    }
}

/// Reads one layer's nodes and weights where the walk stands.
fn read_layer(walk: &mut Walk<'_>, layer: &LayerConfig, before_activation: bool) -> Found {
    let mut found = Found::new();
    // A sequence's axes are for the layer that reads it (a dropout or an activation passes
    // them on).
    let sequence = if layer.class == class::DROPOUT || activation_layer(layer.class) {
        walk.sequence.clone()
    } else {
        walk.sequence.take()
    };
    if recurrent::is_recurrent(layer.class) {
        recurrent::read(walk, layer, sequence, &mut found);
        return found;
    }
    let declared_act = || match layer.setting("activation") {
        None => Some(Act::Linear),
        Some(Value::Str(name)) => Act::declared(name),
        Some(_) => None,
    };
    let activation = |walk: &mut Walk<'_>| match declared_act() {
        Some(act) => {
            walk.activation(act, before_activation, layer.output);
        }
        None => walk.problem(format!(
            "its activation {:?} is not read from ONNX files",
            layer.setting("activation")
        )),
    };
    match layer.class {
        class::DENSE => {
            dense(walk, layer, &mut found);
            activation(walk);
        }
        class::SEPARABLE_CONV_2D => {
            separable(walk, layer, &mut found);
            activation(walk);
        }
        class::CONV_2D | class::CONV_1D | class::DEPTHWISE_CONV_2D => {
            conv(walk, layer, &mut found);
            activation(walk);
        }
        class::MAX_POOLING_2D
        | class::AVERAGE_POOLING_2D
        | class::MAX_POOLING_1D
        | class::AVERAGE_POOLING_1D => pool(walk, layer),
        class::GLOBAL_AVERAGE_POOLING_2D
        | class::GLOBAL_AVERAGE_POOLING_1D
        | class::GLOBAL_MAX_POOLING_2D
        | class::GLOBAL_MAX_POOLING_1D => global_pool(walk, layer),
        class::BATCH_NORMALIZATION => norm(walk, layer, &mut found),
        class::DROPOUT => {}
        class::FLATTEN => {
            if let Some(node) = walk.take(&["Flatten", "Reshape"], false) {
                if node.op_type == "Flatten" && int(node, "axis", 1) != 1 {
                    walk.problem("the file's Flatten keeps more than the batch axis apart");
                }
                walk.advance(node);
                // A sequence is `(steps, features)` in both, flattened as it is.
                match sequence {
                    Some(axes) => recurrent::flattened(walk, node, &axes),
                    None => {
                        let count = layer.input.iter().product();
                        walk.flat_from = Some(flat_order(Some(layer.input), count));
                    }
                }
            }
        }
        class::EMBEDDING => recurrent::embedding(walk, layer, &mut found),
        class::ACTIVATION => activation(walk),
        class::LEAKY_RELU | class::ELU => {
            walk.activation(Act::of_layer(layer), before_activation, layer.output);
        }
        class::PRELU => {
            if let Some(alpha) = walk.activation(Act::PRelu, before_activation, layer.output) {
                found.push(("alpha", alpha));
            }
        }
        other => walk.problem(format!("{other} layers are not read from ONNX files yet")),
    }
    found
}

fn dense(walk: &mut Walk<'_>, layer: &LayerConfig, found: &mut Found) {
    let units = layer.output.last().copied().unwrap_or(0);
    let inputs: usize = layer.input.iter().product();
    let fits = |walk: &Walk<'_>, node: &Node| {
        let trans_b = node.op_type == "Gemm" && int(node, "transB", 0) != 0;
        let want = if trans_b {
            [units, inputs]
        } else {
            [inputs, units]
        };
        node.input
            .get(1)
            .and_then(|b| walk.tensor(b))
            .is_some_and(|b| b.dims == as_i64(&want))
    };
    let Some(node) = walk.take_where(&["Gemm", "MatMul"], true, fits) else {
        return;
    };
    walk.advance(node);
    let name = &node.name;
    let Some(b) = node.input.get(1).and_then(|b| walk.tensor(b)) else {
        walk.problem(format!(
            "the file's {} `{name}` has no constant weights",
            node.op_type
        ));
        return;
    };
    let gemm = node.op_type == "Gemm";
    let trans_b = gemm && int(node, "transB", 0) != 0;
    if gemm && int(node, "transA", 0) != 0 {
        walk.problem(format!(
            "the file's Gemm `{name}` transposes its input (`transA`)"
        ));
    }
    let (alpha, beta) = if gemm {
        (
            node.attribute("alpha").map_or(1.0, |a| a.f),
            node.attribute("beta").map_or(1.0, |a| a.f),
        )
    } else {
        (1.0, 1.0)
    };
    let want = if trans_b {
        [units, inputs]
    } else {
        [inputs, units]
    };
    let dims = as_i64(&want);
    let kernel = if b.dims == dims {
        b.floats()
    } else {
        walk.problem(format!(
            "the file's {} `{name}` has weights {:?} ({} inputs, {} units), the declaration's \
             {inputs} inputs and {units} units",
            node.op_type,
            b.dims,
            b.dims.get(usize::from(trans_b)).copied().unwrap_or(0),
            b.dims.get(usize::from(!trans_b)).copied().unwrap_or(0),
        ));
        None
    };
    // The bias: Gemm's third input, or the `Add` after a MatMul.
    let mut bias = None;
    if gemm {
        if let Some(c) = node.input.get(2).filter(|c| !c.is_empty()) {
            bias = Some(c.clone());
        }
    } else if let Some(k) = walk.reader(walk.current, "Add") {
        let add = &walk.graph.node[k];
        if let Some(c) = add.input.iter().find(|i| walk.tensor(i).is_some()) {
            bias = Some(c.clone());
            walk.used[k] = true;
            walk.advance(add);
        }
    }
    if let Some(kernel) = kernel {
        // `(units, inputs)` or `(inputs, units)` into Keras's `(inputs, units)`, the rows of an
        // image flattened channels first put in channels-last order.
        let at = |i: usize, u: usize| {
            if trans_b {
                kernel[u * inputs + i]
            } else {
                kernel[i * units + u]
            }
        };
        let order = walk.flat_order(inputs);
        let mut ours = Vec::with_capacity(inputs * units);
        for &i in &order {
            for u in 0..units {
                ours.push(alpha * at(i, u));
            }
        }
        found.push(("kernel", ours));
    }
    walk.flat_from = None;
    if b.dims != dims {
        // The bias differs too; the weights' problem says it.
        return;
    }
    let values = match bias {
        Some(c) => match walk.floats(&c) {
            Some(v) if v.len() == units => v.iter().map(|&x| beta * x).collect(),
            Some(v) if v.len() == 1 => vec![beta * v[0]; units],
            _ => {
                walk.problem(format!(
                    "the file's bias `{c}` is not {units} float constants"
                ));
                return;
            }
        },
        None => vec![0.0; units],
    };
    bias_into(walk, layer, values, found);
}

/// For each input of a dense layer in channels-last order, the input PyTorch's channels-first
/// flatten of the image `image` (channels last) has there; the identity without one.
pub(crate) fn flat_order(image: Option<&[usize]>, inputs: usize) -> Vec<usize> {
    match image {
        Some(shape) if shape.iter().product::<usize>() == inputs && !shape.is_empty() => {
            let channels = shape[shape.len() - 1].max(1);
            let spatial = inputs / channels;
            (0..inputs)
                .map(|i| (i % channels) * spatial + i / channels)
                .collect()
        }
        _ => (0..inputs).collect(),
    }
}

/// The bias into `found` where the layer has one; a problem for a file's bias that is not
/// zero where the declaration has none.
fn bias_into(walk: &mut Walk<'_>, layer: &LayerConfig, values: Vec<f32>, found: &mut Found) {
    if !matches!(layer.setting("use_bias"), Some(Value::Bool(false))) {
        found.push(("bias", values));
    } else if values.iter().any(|&b| b != 0.0) {
        walk.problem(
            "the file has a bias, which the declaration's `use_bias = false` leaves out (a \
             batch normalization folded into it by the exporter: declare it with a bias)",
        );
    }
}

fn conv(walk: &mut Walk<'_>, layer: &LayerConfig, found: &mut Found) {
    let rank = layer.input.len().saturating_sub(1);
    let channels = layer.input.last().copied().unwrap_or(0);
    let outputs = layer.output.last().copied().unwrap_or(0);
    let depthwise = layer.class == class::DEPTHWISE_CONV_2D;
    let kernel = sizes(layer, "kernel_size", rank, 1);
    let strides = sizes(layer, "strides", rank, 1);
    let dilation = sizes(layer, "dilation_rate", rank, 1);
    let want_group = if depthwise { channels } else { 1 };
    // ONNX's `(O, I / group, spatial..)`.
    let mut want = vec![outputs, if depthwise { 1 } else { channels }];
    want.extend_from_slice(&kernel);
    let Some(node) = take_conv(walk, &want) else {
        return;
    };
    let name = &node.name;
    let group = int(node, "group", 1);
    if group != want_group as i64 {
        walk.problem(format!(
            "the file's Conv `{name}` has group = {group}, the declaration's {} computes group = \
             {want_group}{}",
            layer.class,
            if depthwise {
                ""
            } else {
                " (a convolution with group = channels is a DepthwiseConv2D)"
            }
        ));
    }
    let weights = node.input.get(1).and_then(|w| walk.tensor(w));
    let values = conv_weights(walk, node, &want);
    window(
        walk,
        node,
        layer,
        &kernel,
        &strides,
        &dilation,
        &vec![1; rank],
    );
    if let Some(w) = values {
        if depthwise {
            // `(C·M, 1, KH, KW)` into Keras's `(KH, KW, C, M)`.
            let m = outputs / channels.max(1);
            let shape = [channels, m, kernel[0], kernel.get(1).copied().unwrap_or(1)];
            found.push(("depthwise_kernel", transpose(&w, &shape, &[2, 3, 0, 1])));
        } else if rank == 1 {
            // `(O, I, K)` into `(K, I, O)`.
            found.push(("kernel", transpose(&w, &want, &[2, 1, 0])));
        } else {
            // `(O, I, KH, KW)` into `(KH, KW, I, O)`.
            found.push(("kernel", transpose(&w, &want, &[2, 3, 1, 0])));
        }
    }
    let bias = match node.input.get(2).filter(|b| !b.is_empty()) {
        None => vec![0.0; outputs],
        Some(b) => match walk.floats(b) {
            Some(v) if v.len() == outputs => v,
            // The weights' problem says it.
            _ if weights.is_some_and(|w| w.dims.first() != Some(&(outputs as i64))) => return,
            _ => {
                walk.problem(format!(
                    "the file's bias `{b}` is not {outputs} float constants"
                ));
                return;
            }
        },
    };
    bias_into(walk, layer, bias, found);
}

/// The next `Conv` node, read past; where several read the value, the one whose weights have
/// the shape `want`.
fn take_conv<'a>(walk: &mut Walk<'a>, want: &[usize]) -> Option<&'a Node> {
    let fits = |walk: &Walk<'_>, node: &Node| {
        node.input
            .get(1)
            .and_then(|w| walk.tensor(w))
            .is_some_and(|w| w.dims == as_i64(want))
    };
    let node = walk.take_where(&["Conv"], false, fits)?;
    walk.advance(node);
    Some(node)
}

/// The constant weights of the `Conv` node `node` when they have the shape `want` (ONNX's
/// `(out, in, window..)`); a problem otherwise.
fn conv_weights(walk: &mut Walk<'_>, node: &Node, want: &[usize]) -> Option<Vec<f32>> {
    let name = &node.name;
    match node.input.get(1).and_then(|w| walk.tensor(w)) {
        Some(w) if w.dims == as_i64(want) => w.floats(),
        Some(w) => {
            walk.problem(format!(
                "the file's Conv `{name}` has weights {:?} (out, in, window..), the \
                 declaration's {want:?}",
                w.dims
            ));
            None
        }
        None => {
            walk.problem(format!("the file's Conv `{name}` has no constant weights"));
            None
        }
    }
}

/// A separable convolution: PyTorch's depthwise `Conv` (`group` = channels) and pointwise one
/// (1×1) after it. Keras's has no bias on the depthwise part: the file's goes through the
/// pointwise kernel into the bias.
fn separable(walk: &mut Walk<'_>, layer: &LayerConfig, found: &mut Found) {
    let channels = layer.input.last().copied().unwrap_or(0);
    let filters = layer.output.last().copied().unwrap_or(0);
    let multiplier = match layer.setting("depth_multiplier") {
        Some(Value::Size(m)) => m,
        _ => 1,
    };
    let inner = channels * multiplier;
    let kernel = sizes(layer, "kernel_size", 2, 1);
    let strides = sizes(layer, "strides", 2, 1);
    let dilation = sizes(layer, "dilation_rate", 2, 1);
    let (kh, kw) = (kernel[0], kernel.get(1).copied().unwrap_or(1));
    let depthwise = [inner, 1, kh, kw];
    let Some(node) = take_conv(walk, &depthwise) else {
        return;
    };
    let group = int(node, "group", 1);
    if group != channels as i64 {
        walk.problem(format!(
            "the file's Conv `{}` has group = {group}; a SeparableConv2D starts with a depthwise \
             one, group = {channels}",
            node.name
        ));
    }
    window(walk, node, layer, &kernel, &strides, &dilation, &[1, 1]);
    let bias = |walk: &Walk<'_>, node: &Node, len: usize| match node
        .input
        .get(2)
        .filter(|b| !b.is_empty())
    {
        None => Some(vec![0.0; len]),
        Some(b) => walk.floats(b).filter(|v| v.len() == len),
    };
    let dw = conv_weights(walk, node, &depthwise);
    let dw_bias = bias(walk, node, inner);
    if let Some(w) = &dw {
        // `(C·M, 1, KH, KW)` into Keras's `(KH, KW, C, M)`.
        let shape = [channels, multiplier, kh, kw];
        found.push(("depthwise_kernel", transpose(w, &shape, &[2, 3, 0, 1])));
    }
    let Some(node) = walk.take(&["Conv"], false) else {
        return;
    };
    walk.advance(node);
    if int(node, "group", 1) != 1
        || ints(node, "strides", vec![1, 1]).iter().any(|&s| s != 1)
        || ints(node, "pads", vec![0; 4]).iter().any(|&p| p != 0)
    {
        walk.problem(format!(
            "the file's Conv `{}` is not a pointwise convolution (group 1, stride 1, no pads)",
            node.name
        ));
    }
    let Some(pw) = conv_weights(walk, node, &[filters, inner, 1, 1]) else {
        return;
    };
    // `(F, C·M, 1, 1)` into Keras's `(1, 1, C·M, F)`.
    found.push((
        "pointwise_kernel",
        transpose(&pw, &[filters, inner], &[1, 0]),
    ));
    let (Some(dw_bias), Some(pw_bias)) = (dw_bias, bias(walk, node, filters)) else {
        walk.problem("the file's biases are not float constants of the declared sizes");
        return;
    };
    let values = (0..filters)
        .map(|f| {
            pw_bias[f]
                + (0..inner)
                    .map(|i| pw[f * inner + i] * dw_bias[i])
                    .sum::<f32>()
        })
        .collect();
    bias_into(walk, layer, values, found);
}

fn pool(walk: &mut Walk<'_>, layer: &LayerConfig) {
    let rank = layer.input.len().saturating_sub(1);
    let max = matches!(layer.class, class::MAX_POOLING_2D | class::MAX_POOLING_1D);
    let op = if max { "MaxPool" } else { "AveragePool" };
    let window_size = sizes(layer, "pool_size", rank, 1);
    let strides = match layer.setting("strides") {
        Some(_) => sizes(layer, "strides", rank, 1),
        None => window_size.clone(),
    };
    let Some(node) = walk.take(&[op], false) else {
        return;
    };
    walk.advance(node);
    let file_window = ints(node, "kernel_shape", Vec::new());
    if file_window != as_i64(&window_size) {
        walk.problem(format!(
            "the file's {op} has a window {file_window:?}, the declaration's {window_size:?}"
        ));
    }
    window(
        walk,
        node,
        layer,
        &window_size,
        &strides,
        &vec![1; rank],
        &vec![1; rank],
    );
    if int(node, "ceil_mode", 0) != 0 {
        walk.problem(format!(
            "the file's {op} rounds its output size up (`ceil_mode`), Keras's pools down"
        ));
    }
    let padded = ints(node, "pads", Vec::new()).iter().any(|&p| p != 0)
        || node
            .attribute("auto_pad")
            .is_some_and(|a| a.s.starts_with(b"SAME"));
    if !max && padded && int(node, "count_include_pad", 0) != 0 {
        walk.problem(
            "the file's AveragePool counts the padding in its averages (`count_include_pad`), \
             Keras's leave it out",
        );
    }
}

fn global_pool(walk: &mut Walk<'_>, layer: &LayerConfig) {
    let rank = layer.input.len().saturating_sub(1) as i64;
    let max = matches!(
        layer.class,
        class::GLOBAL_MAX_POOLING_2D | class::GLOBAL_MAX_POOLING_1D
    );
    let (global, reduce, pool) = if max {
        ("GlobalMaxPool", "ReduceMax", "MaxPool")
    } else {
        ("GlobalAveragePool", "ReduceMean", "AveragePool")
    };
    let Some(mut node) = walk.take(&[global, reduce, pool, "Unsqueeze"], false) else {
        return;
    };
    walk.advance(node);
    // A 1-D pool as a 2-D one: an axis added before the reduction (and taken away after it).
    let mut rank = rank;
    if node.op_type == "Unsqueeze" {
        let Some(next) = walk.take(&[reduce], false) else {
            return;
        };
        node = next;
        walk.advance(node);
        rank += 1;
    }
    if node.op_type == pool {
        // PyTorch's adaptive pool to one position: a window of the whole input.
        let spatial = as_i64(&layer.input[..layer.input.len().saturating_sub(1)]);
        let pads = ints(node, "pads", Vec::new());
        if ints(node, "kernel_shape", Vec::new()) != spatial || pads.iter().any(|&p| p != 0) {
            walk.problem(format!(
                "the file's {pool} `{}` has a window {:?} and pads {pads:?}, not the whole input \
                 {spatial:?}",
                node.name,
                ints(node, "kernel_shape", Vec::new())
            ));
        }
    }
    if node.op_type == reduce {
        let axes = match node.attribute("axes") {
            Some(a) => Some(a.ints.clone()),
            None => node
                .input
                .get(1)
                .and_then(|a| walk.tensor(a))
                .and_then(Tensor::ints),
        };
        let mut axes: Vec<i64> = axes
            .unwrap_or_default()
            .iter()
            .map(|&a| if a < 0 { a + rank + 2 } else { a })
            .collect();
        axes.sort_unstable();
        if axes != (2..2 + rank).collect::<Vec<_>>() {
            walk.problem(format!(
                "the file's {reduce} `{}` reduces axes {axes:?}, not the spatial ones",
                node.name
            ));
        }
    }
}

/// A batch normalization: the file's `BatchNormalization`, or, where the exporter folded it
/// into the convolution before it, the identity.
fn norm(walk: &mut Walk<'_>, layer: &LayerConfig, found: &mut Found) {
    let channels = layer.input.last().copied().unwrap_or(0);
    let epsilon = match layer.setting("epsilon") {
        Some(Value::Float(e)) => e,
        _ => 1e-3,
    };
    walk.pass(layer.input.len() == 1);
    let next = walk.readers(walk.current);
    let here = matches!(next[..], [k] if walk.graph.node[k].op_type == "BatchNormalization");
    if !here {
        // Folded: variance `1 − ε`, divided by √(variance + ε), that is by 1.
        found.push(("gamma", vec![1.0; channels]));
        found.push(("beta", vec![0.0; channels]));
        found.push(("moving_mean", vec![0.0; channels]));
        found.push(("moving_variance", vec![(1.0 - epsilon) as f32; channels]));
        return;
    }
    let Some(node) = walk.take(&["BatchNormalization"], false) else {
        return;
    };
    walk.advance(node);
    let file_epsilon = f64::from(node.attribute("epsilon").map_or(1e-5, |a| a.f));
    if (file_epsilon - epsilon).abs() > 1e-6 * epsilon.abs().max(1e-12) {
        walk.problem(format!(
            "the file's epsilon is {}, the declaration's {epsilon} (PyTorch's default is 1e-5: \
             `BatchNormalization<epsilon = 1e-5>`)",
            file_epsilon as f32
        ));
    }
    for (k, name) in ["gamma", "beta", "moving_mean", "moving_variance"]
        .into_iter()
        .enumerate()
    {
        match node.input.get(k + 1).and_then(|i| walk.floats(i)) {
            Some(v) if v.len() == channels => {
                // The values of an image flattened channels first: each in our order.
                let order = walk.flat_order(channels);
                found.push((name, order.iter().map(|&j| v[j]).collect()));
            }
            _ => walk.problem(format!(
                "the file's BatchNormalization `{}` has no {channels} float constants for `{name}`",
                node.name
            )),
        }
    }
}
