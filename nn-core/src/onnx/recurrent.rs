//! Recurrent layers and embeddings read from ONNX files.
//!
//! An `LSTM`, `GRU` or `RNN` node is a declared `LSTM`, `GRU` or `SimpleRNN` (`Bidirectional<..>`
//! where its `direction` is `bidirectional`). ONNX computes what Keras does, with its gates in
//! another order: an LSTM's `i, o, f, c` are Keras's `i, f, c, o`, a GRU's `z, r, h` and an
//! RNN's one block are Keras's. Its weights `W (directions, gates · units, features)` and
//! `R (directions, gates · units, units)` are transposed into Keras's `kernel (features, gates ·
//! units)` and `recurrent_kernel (units, gates · units)`; its bias `B (directions, 2 · gates ·
//! units)`, the input bias and then the recurrent one, is summed into Keras's one bias, or,
//! for a GRU (PyTorch's, `linear_before_reset = 1`, is Keras's `reset_after = true`), kept as the
//! two rows of Keras's `(2, 3 · units)` bias.
//!
//! Exporters put layout nodes around the node, which are followed by what each of the value's
//! axes is (batch, steps, features, directions, units): the `Transpose` before it of a
//! `batch_first` input (or of a 1-D convolution's channels-first output), and after it the
//! `Squeeze` of the directions axis (or a `Transpose` and a `Reshape` that merges the two
//! directions, forward first, as Keras's `merge_mode = concat`), the `Transpose` back to batch
//! first, and the `Gather` (or `Slice`) of the last step for a layer that returns the last step
//! only; or the node's last state `Y_h`, which is the last step of each direction, the
//! backward one's after reading the whole sequence (what Keras's `Bidirectional` returns).
//!
//! What the declared layers cannot compute is a difference at the layer: other activations, a
//! `clip`, `input_forget`, peepholes, `sequence_lens`, initial states that are not constant
//! zeros, a GRU with `linear_before_reset = 0` (Keras's `reset_after = false`), a layer that goes
//! backwards only.

use std::format;
use std::string::{String, ToString};
use std::vec;
use std::vec::Vec;

use nn_keras::class;
use nn_keras::config::{LayerConfig, Value};
use nn_onnx::Node;

use super::{Walk, as_i64, int, ints};
use crate::keras::Found;

/// What an axis of a sequence (or of a recurrent node's output) is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Batch,
    Steps,
    Features,
    Directions,
    Units,
    /// The two directions' units, forward first.
    Both,
    /// The last step, kept as an axis of one.
    Last,
}

use Kind::{Batch, Both, Directions, Features, Last, Steps, Units};

/// An axis of a sequence: what it is and its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Axis {
    kind: Kind,
    size: usize,
}

const fn axis(kind: Kind, size: usize) -> Axis {
    Axis { kind, size }
}

/// A recurrent cell as ONNX writes it.
pub(crate) struct Cell {
    /// The declaration's class.
    pub(crate) class: &'static str,
    /// ONNX's operator.
    pub(crate) op: &'static str,
    /// Blocks of units in its gates.
    pub(crate) gates: usize,
    /// Keras's gate `g` is ONNX's gate `order[g]`.
    pub(crate) order: &'static [usize],
    /// ONNX's default activations (of one direction), which are Keras's.
    pub(crate) activations: &'static [&'static str],
}

pub(crate) const CELLS: [Cell; 3] = [
    Cell {
        class: class::LSTM,
        op: "LSTM",
        gates: 4,
        // ONNX's i, o, f, c; Keras's i, f, c, o.
        order: &[0, 2, 3, 1],
        activations: &["Sigmoid", "Tanh", "Tanh"],
    },
    Cell {
        class: class::GRU,
        op: "GRU",
        gates: 3,
        order: &[0, 1, 2],
        activations: &["Sigmoid", "Tanh"],
    },
    Cell {
        class: class::SIMPLE_RNN,
        op: "RNN",
        gates: 1,
        order: &[0],
        activations: &["Tanh"],
    },
];

/// The names of a layer's tensors: a layer's own, then a `Bidirectional`'s two directions'.
pub(crate) const NAMES: [[&str; 3]; 3] = [
    ["kernel", "recurrent_kernel", "bias"],
    ["forward_kernel", "forward_recurrent_kernel", "forward_bias"],
    [
        "backward_kernel",
        "backward_recurrent_kernel",
        "backward_bias",
    ],
];

/// A recurrent layer's setting `key`: its own, or a `Bidirectional`'s wrapped layer's.
pub(crate) fn setting(layer: &LayerConfig, key: &str) -> Option<Value> {
    if layer.class == class::BIDIRECTIONAL {
        layer.setting(&format!("layer.{key}"))
    } else {
        layer.setting(key)
    }
}

/// The class of a recurrent layer (a `Bidirectional`'s wrapped layer's) and its cell, `None`
/// for a class that is not one of [`CELLS`].
pub(crate) fn cell_of(layer: &LayerConfig) -> (&'static str, Option<&'static Cell>) {
    let inner = match setting(layer, "class_name") {
        Some(Value::Str(inner)) if layer.class == class::BIDIRECTIONAL => inner,
        _ => layer.class,
    };
    (inner, CELLS.iter().find(|c| c.class == inner))
}

/// Whether a layer of class `class` is read here as a recurrent layer.
pub(crate) fn is_recurrent(class: &str) -> bool {
    class == class::BIDIRECTIONAL || CELLS.iter().any(|c| c.class == class)
}

/// The axes of a network's input that is a sequence, `declared` as `(steps, features)`, or
/// (`tokens`) an embedding's ids `(steps)`.
pub(super) fn input_axes(declared: &[usize], tokens: bool) -> Vec<Axis> {
    let steps = declared.first().copied().unwrap_or(0);
    let mut axes = vec![axis(Batch, 1), axis(Steps, steps)];
    if !tokens {
        axes.push(axis(Features, declared.get(1).copied().unwrap_or(0)));
    }
    axes
}

/// The axes for messages: `(batch, steps, features)`.
fn describe(kinds: impl IntoIterator<Item = Kind>) -> String {
    let names: Vec<&str> = kinds
        .into_iter()
        .map(|k| match k {
            Batch => "batch",
            Steps => "steps",
            Features => "features",
            Directions => "directions",
            Units => "units",
            Both => "forward and backward units",
            Last => "last step",
        })
        .collect();
    format!("({})", names.join(", "))
}

fn kinds(axes: &[Axis]) -> Vec<Kind> {
    axes.iter().map(|a| a.kind).collect()
}

/// Reads a recurrent layer (`LSTM`, `GRU`, `SimpleRNN` or a `Bidirectional` of one) where the
/// walk stands, its input's axes `sequence` (`None`: PyTorch's channels-first output of a 1-D
/// convolution).
pub(super) fn read(
    walk: &mut Walk<'_>,
    layer: &LayerConfig,
    sequence: Option<Vec<Axis>>,
    found: &mut Found,
) {
    let bidirectional = layer.class == class::BIDIRECTIONAL;
    let setting = |key: &str| setting(layer, key);
    let (inner, cell) = cell_of(layer);
    let Some(cell) = cell else {
        walk.problem(format!(
            "a Bidirectional of {inner} is not read from ONNX files"
        ));
        return;
    };
    let units = match setting("units") {
        Some(Value::Size(n)) => n,
        _ => 0,
    };
    let sequences = matches!(setting("return_sequences"), Some(Value::Bool(true)));
    let steps = layer.input.first().copied().unwrap_or(0);
    let features = layer.input.get(1).copied().unwrap_or(0);
    if matches!(setting("go_backwards"), Some(Value::Bool(true))) {
        walk.problem(
            "it reads backwards (`go_backwards`), which is not read from ONNX files (PyTorch's \
             recurrent layers read forwards, or both ways: `Bidirectional`)",
        );
    }
    walk.flat_from = None;
    // The input: a sequence, or a 1-D convolution's `(batch, channels, steps)`.
    let mut axes = sequence
        .unwrap_or_else(|| vec![axis(Batch, 1), axis(Features, features), axis(Steps, steps)]);
    for a in &mut axes {
        if matches!(a.kind, Units | Both) {
            a.kind = Features;
        }
    }
    transposes(walk, &mut axes);
    // An exporter that writes the layer as its steps (PyTorch's dynamo exporter does, for
    // `nn.RNN`) starts with a `MatMul` by the input weights, or slices the steps apart.
    if let Some(k) = single(walk) {
        let graph = walk.graph;
        if matches!(
            graph.node[k].op_type.as_str(),
            "MatMul" | "Gemm" | "Slice" | "Split"
        ) {
            walk.problem(format!(
                "the file has {} where the declaration has this layer ({}): the exporter wrote \
                 the layer as its steps, which is not read from ONNX files (PyTorch's \
                 `torch.onnx.export(.., dynamo=False)` writes an {} node)",
                walk.describe(k),
                cell.op,
                cell.op
            ));
            return;
        }
    }
    let Some(node) = walk.take(&["LSTM", "GRU", "RNN"], false) else {
        return;
    };
    let mut fits = true;
    // Another recurrent layer than the declared one: read as that one, for what follows.
    let cell = match CELLS.iter().find(|c| c.op == node.op_type) {
        Some(file) if file.op != cell.op => {
            walk.problem(format!(
                "the file has {} `{}` where the declaration has {inner} ({})",
                file.op, node.name, cell.op
            ));
            fits = false;
            file
        }
        _ => cell,
    };
    let (op, name) = (cell.op, node.name.as_str());
    let layout = int(node, "layout", 0);
    let want = if layout == 0 {
        [Steps, Batch, Features]
    } else {
        [Batch, Steps, Features]
    };
    if kinds(&axes) != want {
        walk.problem(format!(
            "the file's {op} `{name}` reads {} (layout {layout}) where the declaration's \
             sequence is {}",
            describe(kinds(&axes)),
            describe(want)
        ));
    }
    let hidden = int(node, "hidden_size", 0);
    if hidden != units as i64 {
        walk.problem(format!(
            "the file's {op} `{name}` has {hidden} units (`hidden_size`), the declaration's \
             {units}"
        ));
        fits = false;
    }
    let direction = node
        .attribute("direction")
        .map_or(&b"forward"[..], |a| a.s.as_slice());
    let directions = match (direction, bidirectional) {
        (b"forward", false) => 1,
        (b"bidirectional", true) => 2,
        (b"bidirectional", false) => {
            walk.problem(format!(
                "the file's {op} `{name}` reads both ways (`bidirectional`), the declaration's \
                 {inner} forwards only (declare `Bidirectional<{inner}<{units}>>`)"
            ));
            fits = false;
            2
        }
        (b"forward", true) => {
            walk.problem(format!(
                "the file's {op} `{name}` reads forwards only, the declaration's Bidirectional \
                 both ways"
            ));
            fits = false;
            1
        }
        (other, _) => {
            walk.problem(format!(
                "the file's {op} `{name}` reads in the direction `{}`, which is not read from \
                 ONNX files (`forward` and `bidirectional` are)",
                String::from_utf8_lossy(other)
            ));
            fits = false;
            1
        }
    };
    unsupported(walk, node, cell, directions, inner);
    if fits {
        weights(walk, node, cell, directions, units, features, found);
    }
    output(walk, node, layer, cell, directions, sequences, steps);
}

/// The attributes and inputs of a recurrent node that the declared layer cannot compute: each
/// a problem.
fn unsupported(walk: &mut Walk<'_>, node: &Node, cell: &Cell, directions: usize, inner: &str) {
    let (op, name) = (cell.op, node.name.as_str());
    if let Some(a) = node.attribute("activations") {
        let file: Vec<String> = a
            .strings
            .iter()
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect();
        let want: Vec<&str> = cell
            .activations
            .iter()
            .copied()
            .cycle()
            .take(cell.activations.len() * directions)
            .collect();
        let same = file.len() == want.len()
            && file
                .iter()
                .zip(&want)
                .all(|(f, w)| f.eq_ignore_ascii_case(w));
        if !same {
            walk.problem(format!(
                "the file's {op} `{name}` computes the activations [{}]; the declaration's \
                 {inner} computes Keras's [{}]",
                file.join(", "),
                want.join(", ")
            ));
        }
    }
    if let Some(clip) = node.attribute("clip") {
        walk.problem(format!(
            "the file's {op} `{name}` clips its cell's inputs to ±{} (`clip`), which the \
             declaration's {inner} does not",
            clip.f
        ));
    }
    if op == "LSTM" && int(node, "input_forget", 0) != 0 {
        walk.problem(format!(
            "the file's LSTM `{name}` couples its input and forget gates (`input_forget`), which \
             the declaration's LSTM does not"
        ));
    }
    if op == "GRU" && int(node, "linear_before_reset", 0) == 0 {
        walk.problem(format!(
            "the file's GRU `{name}` applies its reset gate before the recurrent kernel \
             (`linear_before_reset = 0`, Keras's `reset_after = false`); nn's GRU applies it \
             after (`reset_after = true`, which PyTorch's GRU is: `linear_before_reset = 1`)"
        ));
    }
    let input = |i: usize| {
        node.input
            .get(i)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    };
    if let Some(lengths) = input(4) {
        walk.problem(format!(
            "the file's {op} `{name}` reads sequences of the lengths `{lengths}` \
             (`sequence_lens`); the declaration's {inner} reads every step"
        ));
    }
    let states: &[(usize, &str)] = if op == "LSTM" {
        &[(5, "initial_h"), (6, "initial_c")]
    } else {
        &[(5, "initial_h")]
    };
    for &(i, what) in states {
        if let Some(state) = input(i)
            && !zeros(walk, state)
        {
            walk.problem(format!(
                "the file's {op} `{name}` starts from the state `{state}` (`{what}`), which is \
                 not constant zeros; the declaration's {inner} starts from zeros"
            ));
        }
    }
    if op == "LSTM"
        && let Some(p) = input(7)
        && !zeros(walk, p)
    {
        walk.problem(format!(
            "the file's LSTM `{name}` has peepholes (`P`, `{p}`), which the declaration's LSTM \
             does not"
        ));
    }
}

/// Whether the value `name` is constant zeros: a constant, or what `Expand`, `Identity`,
/// `ConstantOfShape` and the like make of one (a few nodes back).
fn zeros(walk: &Walk<'_>, name: &str) -> bool {
    let all_zero = |t: &nn_onnx::Tensor| t.floats().is_some_and(|v| v.iter().all(|&x| x == 0.0));
    let mut name = name;
    for _ in 0..8 {
        if let Some(t) = walk.tensor(name) {
            return all_zero(t);
        }
        let Some(node) = walk
            .graph
            .node
            .iter()
            .find(|n| n.output.iter().any(|o| o == name))
        else {
            return false;
        };
        match node.op_type.as_str() {
            "Expand" | "Identity" | "Tile" | "Reshape" | "Cast" | "Unsqueeze" | "Squeeze" => {
                match node.input.first() {
                    Some(input) if !input.is_empty() => name = input,
                    _ => return false,
                }
            }
            "ConstantOfShape" => {
                return node
                    .attribute("value")
                    .and_then(|a| a.t.as_ref())
                    .is_none_or(all_zero);
            }
            _ => return false,
        }
    }
    false
}

/// The node's weights in Keras's layouts, into `found`; a problem for each that is not of the
/// declared shape.
fn weights(
    walk: &mut Walk<'_>,
    node: &Node,
    cell: &Cell,
    directions: usize,
    units: usize,
    features: usize,
    found: &mut Found,
) {
    let (op, name) = (cell.op, node.name.as_str());
    let gu = cell.gates * units;
    let tensor = |walk: &mut Walk<'_>, i: usize, what: &str, want: &[usize], meaning: &str| {
        let input = node.input.get(i).filter(|s| !s.is_empty());
        match input.and_then(|w| walk.tensor(w)) {
            Some(t) if t.dims == as_i64(want) => {
                // As many floats as the shape says (a tensor may hold its values in another
                // type's list).
                let values = t
                    .floats()
                    .filter(|v| v.len() == want.iter().product::<usize>());
                if values.is_none() {
                    walk.problem(format!(
                        "the file's {op} `{name}` has weights {what} that are not {want:?} floats"
                    ));
                }
                values
            }
            Some(t) => {
                walk.problem(format!(
                    "the file's {op} `{name}` has weights {what} {:?} {meaning}, the \
                     declaration's {want:?}",
                    t.dims
                ));
                None
            }
            None if what == "B" && input.is_none() => Some(vec![0.0; want.iter().product()]),
            None => {
                walk.problem(format!(
                    "the file's {op} `{name}` has no constant weights {what}"
                ));
                None
            }
        }
    };
    let w = tensor(
        walk,
        1,
        "W",
        &[directions, gu, features],
        "(directions, gates · units, features)",
    );
    let r = tensor(
        walk,
        2,
        "R",
        &[directions, gu, units],
        "(directions, gates · units, units)",
    );
    let b = tensor(
        walk,
        3,
        "B",
        &[directions, 2 * gu],
        "(directions, 2 · gates · units)",
    );
    let (Some(w), Some(r), Some(b)) = (w, r, b) else {
        return;
    };
    let order = cell.order;
    for d in 0..directions {
        let names = NAMES[if directions == 2 { d + 1 } else { 0 }];
        found.push((
            names[0],
            gates(&w[d * gu * features..], features, units, order),
        ));
        found.push((names[1], gates(&r[d * gu * units..], units, units, order)));
        let bias = &b[d * 2 * gu..(d + 1) * 2 * gu];
        let (input, recurrent) = (
            reorder(&bias[..gu], units, order),
            reorder(&bias[gu..], units, order),
        );
        let bias = if op == "GRU" {
            [input, recurrent].concat()
        } else {
            input.iter().zip(&recurrent).map(|(a, b)| a + b).collect()
        };
        found.push((names[2], bias));
    }
}

/// ONNX's `(gates · units, cols)` weights (the start of `values`) as Keras's `(cols, gates ·
/// units)`, Keras's gate `g` from ONNX's `order[g]`.
fn gates(values: &[f32], cols: usize, units: usize, order: &[usize]) -> Vec<f32> {
    let gu = order.len() * units;
    let mut out = vec![0.0; cols * gu];
    for c in 0..cols {
        for (g, &p) in order.iter().enumerate() {
            for u in 0..units {
                out[c * gu + g * units + u] = values[(p * units + u) * cols + c];
            }
        }
    }
    out
}

/// A bias's gate blocks in Keras's order.
fn reorder(bias: &[f32], units: usize, order: &[usize]) -> Vec<f32> {
    order
        .iter()
        .flat_map(|&p| bias[p * units..(p + 1) * units].iter().copied())
        .collect()
}

/// Reads the node's output (`Y`, or its last state `Y_h`) through the layout nodes after it,
/// and compares what it ends as with the declaration: every step, or the last.
fn output<'a>(
    walk: &mut Walk<'a>,
    node: &'a Node,
    layer: &LayerConfig,
    cell: &Cell,
    directions: usize,
    sequences: bool,
    steps: usize,
) {
    let (op, name) = (cell.op, node.name.as_str());
    let out = |i: usize| {
        node.output
            .get(i)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    };
    let read = |walk: &Walk<'_>, value: Option<&str>| {
        value.is_some_and(|v| {
            !walk.readers(v).is_empty() || walk.graph.output.iter().any(|o| o.name == v)
        })
    };
    if read(walk, out(2)) {
        walk.problem(format!(
            "the file reads the {op} `{name}`'s cell state (`Y_c`), which the declaration's \
             layer does not return"
        ));
    }
    let (every, last) = (read(walk, out(0)), read(walk, out(1)));
    if every && last {
        walk.problem(format!(
            "the file reads both the {op} `{name}`'s steps (`Y`) and its last state (`Y_h`); \
             the declaration's layer returns one"
        ));
    }
    let layout = int(node, "layout", 0);
    let units = int(node, "hidden_size", 0).max(0) as usize;
    let from_state = last && !every;
    let (start, mut axes) = if from_state {
        let mut axes = vec![axis(Directions, directions), axis(Batch, 1)];
        if layout != 0 {
            axes.swap(0, 1);
        }
        axes.push(axis(Units, units));
        (out(1), axes)
    } else {
        let mut axes = vec![
            axis(Steps, steps),
            axis(Directions, directions),
            axis(Batch, 1),
            axis(Units, units),
        ];
        if layout != 0 {
            axes = vec![axes[2], axes[0], axes[1], axes[3]];
        }
        (out(0), axes)
    };
    let Some(start) = start else {
        walk.problem(format!("the file's {op} `{name}` has no output"));
        return;
    };
    walk.current = start;
    let gathered = layout_nodes(walk, &mut axes);
    let merged = if directions == 2 { Both } else { Units };
    let mut end = kinds(&axes);
    let has_steps = end.contains(&Steps);
    if sequences {
        let mut sorted = end.clone();
        sorted.sort_by_key(|k| *k as u8);
        if !has_steps {
            walk.problem(format!(
                "the file keeps the last step of the {op} `{name}` only, the declaration's \
                 `return_sequences = true` every step"
            ));
        } else if sorted != [Batch, Steps, merged] {
            walk.problem(format!(
                "the file's {op} `{name}` gives {} after its layout nodes, not the (steps, \
                 units) of each sample the declaration's `return_sequences = true` gives",
                describe(end)
            ));
        } else {
            walk.sequence = Some(axes);
        }
    } else {
        end.retain(|&k| k != Last);
        if has_steps {
            walk.problem(format!(
                "the file's {op} `{name}` returns every step (Keras's `return_sequences = \
                 true`), the declaration's the last step only"
            ));
        } else if end != [Batch, merged] {
            walk.problem(format!(
                "the file's {op} `{name}` gives {} after its layout nodes, not the (batch, \
                 units) of the last step",
                describe(end)
            ));
        } else if directions == 2 && gathered {
            walk.problem(format!(
                "the file takes the last step of the bidirectional {op} `{name}`'s output \
                 (`y[:, -1]`), whose backward half is the backward direction's first step; \
                 Keras's Bidirectional returns its last, PyTorch's `h_n` (`Y_h`)"
            ));
        }
    }
    if layer.class == class::BIDIRECTIONAL
        && let Some(Value::Str(merge)) = layer.setting("merge_mode")
        && merge != "concat"
    {
        walk.problem(format!(
            "PyTorch concatenates the two directions (Keras's `merge_mode = concat`), the \
             declaration's merge_mode is `{merge}`"
        ));
    }
}

/// Moves past the `Transpose` nodes the walk stands before, `axes` following them.
fn transposes(walk: &mut Walk<'_>, axes: &mut Vec<Axis>) {
    loop {
        walk.pass(false);
        let Some(k) = single(walk) else {
            return;
        };
        let graph = walk.graph;
        let node = &graph.node[k];
        if node.op_type != "Transpose" {
            return;
        }
        let Some(next) = transpose(node, axes) else {
            return;
        };
        *axes = next;
        walk.used[k] = true;
        walk.advance(node);
    }
}

/// The one node that reads the current value as its first input.
fn single(walk: &Walk<'_>) -> Option<usize> {
    match walk.readers(walk.current)[..] {
        [k] if walk.graph.node[k].input.first().map(String::as_str) == Some(walk.current) => {
            Some(k)
        }
        _ => None,
    }
}

/// Moves past the layout nodes after a recurrent node (`Transpose`, `Squeeze` of an axis of
/// one, `Reshape` that merges the directions with the units, `Gather` or `Slice` of the last
/// step), `axes` following them; whether one took the last step.
fn layout_nodes(walk: &mut Walk<'_>, axes: &mut Vec<Axis>) -> bool {
    let mut gathered = false;
    loop {
        walk.pass(false);
        let Some(k) = single(walk) else {
            return gathered;
        };
        let graph = walk.graph;
        let node = &graph.node[k];
        let next = match node.op_type.as_str() {
            "Transpose" => transpose(node, axes),
            "Squeeze" => squeeze(walk, node, axes),
            "Reshape" => reshape(walk, node, axes),
            "Gather" => last_step(walk, node, axes, false),
            "Slice" => last_step(walk, node, axes, true),
            _ => None,
        };
        let Some(next) = next else {
            return gathered;
        };
        gathered |= matches!(node.op_type.as_str(), "Gather" | "Slice");
        *axes = next;
        walk.used[k] = true;
        walk.advance(node);
    }
}

/// An axis number of a tensor of `rank` axes (negative from the end).
fn axis_at(a: i64, rank: usize) -> Option<usize> {
    let a = if a < 0 { a + rank as i64 } else { a };
    usize::try_from(a).ok().filter(|&a| a < rank)
}

fn transpose(node: &Node, axes: &[Axis]) -> Option<Vec<Axis>> {
    let rank = axes.len();
    let perm = ints(node, "perm", (0..rank as i64).rev().collect());
    let mut seen = vec![false; rank];
    let mut out = Vec::with_capacity(rank);
    for &p in &perm {
        let p = usize::try_from(p).ok().filter(|&p| p < rank)?;
        if std::mem::replace(&mut seen[p], true) {
            return None;
        }
        out.push(axes[p]);
    }
    (out.len() == rank).then_some(out)
}

/// The constant integers of a node's input `i` (or, in older opsets, its attribute `name`).
fn const_ints(walk: &Walk<'_>, node: &Node, i: usize, name: &str) -> Option<Vec<i64>> {
    match node.input.get(i).filter(|s| !s.is_empty()) {
        Some(input) => walk.tensor(input).and_then(nn_onnx::Tensor::ints),
        None => node.attribute(name).map(|a| a.ints.clone()),
    }
}

/// A `Squeeze` of axes of one that are the directions of a layer that reads one way, or a
/// kept last step.
fn squeeze(walk: &Walk<'_>, node: &Node, axes: &[Axis]) -> Option<Vec<Axis>> {
    let gone = const_ints(walk, node, 1, "axes")?;
    let mut gone: Vec<usize> = gone
        .iter()
        .map(|&a| axis_at(a, axes.len()))
        .collect::<Option<_>>()?;
    gone.sort_unstable();
    gone.dedup();
    if gone.is_empty()
        || gone
            .iter()
            .any(|&a| axes[a].size != 1 || !matches!(axes[a].kind, Directions | Last))
    {
        return None;
    }
    Some(
        axes.iter()
            .enumerate()
            .filter(|(k, _)| !gone.contains(k))
            .map(|(_, a)| *a)
            .collect(),
    )
}

/// A `Reshape` whose constant shape only merges the directions with the units (or leaves the
/// axes as they are).
fn reshape(walk: &Walk<'_>, node: &Node, axes: &[Axis]) -> Option<Vec<Axis>> {
    let shape = const_ints(walk, node, 1, "shape")?;
    // Checked: a file's sizes may be anything.
    let total = axes.iter().try_fold(1usize, |n, a| n.checked_mul(a.size))?;
    let allow_zero = int(node, "allowzero", 0) != 0;
    // The shape's sizes, `0` (copy) and one `-1` (the rest) resolved.
    let mut dims = Vec::with_capacity(shape.len());
    let mut rest = None;
    for (k, &d) in shape.iter().enumerate() {
        match d {
            0 if !allow_zero => dims.push(axes.get(k)?.size),
            -1 if rest.is_none() => {
                rest = Some(k);
                dims.push(1);
            }
            d => dims.push(usize::try_from(d).ok()?),
        }
    }
    if let Some(k) = rest {
        let known = dims.iter().try_fold(1usize, |n, &d| n.checked_mul(d))?;
        if known == 0 || !total.is_multiple_of(known) {
            return None;
        }
        dims[k] = total / known;
    }
    // Each new axis is consecutive old ones.
    let mut out = Vec::with_capacity(dims.len());
    let mut at = 0;
    for &d in &dims {
        let mut group = vec![*axes.get(at)?];
        let mut size = group[0].size;
        at += 1;
        while size < d {
            let next = *axes.get(at)?;
            size = size.checked_mul(next.size)?;
            group.push(next);
            at += 1;
        }
        if size != d {
            return None;
        }
        out.push(merge(&group)?);
    }
    // Axes of one left over go with the last.
    if axes[at..].iter().any(|a| a.size != 1) {
        return None;
    }
    Some(out)
}

/// Axes merged by a `Reshape`: one axis, or the directions and then the units (the two
/// directions' units side by side, forward first; one direction's units as they are).
fn merge(group: &[Axis]) -> Option<Axis> {
    match group {
        [one] => Some(*one),
        [d, u] if d.kind == Directions && u.kind == Units => Some(axis(
            if d.size == 1 { Units } else { Both },
            d.size.checked_mul(u.size)?,
        )),
        _ => None,
    }
}

/// A `Gather` (or with `slice`, a `Slice`) of the last step, or of the only direction.
fn last_step(walk: &Walk<'_>, node: &Node, axes: &[Axis], slice: bool) -> Option<Vec<Axis>> {
    let rank = axes.len();
    let mut out = axes.to_vec();
    if slice {
        let starts = const_ints(walk, node, 1, "starts")?;
        let ends = const_ints(walk, node, 2, "ends")?;
        let along = match const_ints(walk, node, 3, "axes") {
            Some(a) => a,
            None => (0..starts.len() as i64).collect(),
        };
        let step = const_ints(walk, node, 4, "steps").unwrap_or_else(|| vec![1]);
        let ([start], [end], [a], [1]) = (&starts[..], &ends[..], &along[..], &step[..]) else {
            return None;
        };
        let a = axis_at(*a, rank)?;
        let n = axes[a].size as i64;
        let last = axes[a].kind == Steps
            && (*start == -1 || *start == n - 1)
            && (*end >= n || *end == i64::MAX);
        if !last {
            return None;
        }
        out[a] = axis(Last, 1);
        return Some(out);
    }
    let a = axis_at(int(node, "axis", 0), rank)?;
    let indices = walk.tensor(node.input.get(1)?)?;
    let [index] = indices.ints()?[..] else {
        return None;
    };
    let n = axes[a].size as i64;
    let fits = match axes[a].kind {
        Steps => index == -1 || index == n - 1,
        Directions => n == 1 && (index == 0 || index == -1),
        _ => false,
    };
    if !fits {
        return None;
    }
    if indices.dims.is_empty() {
        out.remove(a);
    } else {
        out[a] = axis(Last, 1);
    }
    Some(out)
}

/// Checks the `Flatten` (or `Reshape`) `node` of a sequence of `axes`: PyTorch's `(batch,
/// steps, features)` flattened is ours.
pub(super) fn flattened(walk: &mut Walk<'_>, node: &Node, axes: &[Axis]) {
    let k = kinds(axes);
    if !matches!(k[..], [Batch, Steps, Features | Units | Both]) {
        walk.problem(format!(
            "the file's {} `{}` flattens {}, not (batch, steps, features)",
            node.op_type,
            node.name,
            describe(k)
        ));
    }
    walk.flat_from = None;
}

/// An `Embedding`: a `Gather` from a table of constants `(tokens, features)`, of the ids the
/// walk stands at.
pub(super) fn embedding(walk: &mut Walk<'_>, layer: &LayerConfig, found: &mut Found) {
    let tokens = match layer.setting("input_dim") {
        Some(Value::Size(n)) => n,
        _ => 0,
    };
    let dims = layer.output.last().copied().unwrap_or(0);
    let steps = layer.input.first().copied().unwrap_or(0);
    if matches!(layer.setting("mask_zero"), Some(Value::Bool(true))) {
        walk.problem("it masks the id 0 (`mask_zero`), which PyTorch's Embedding does not");
    }
    walk.pass(false);
    let graph = walk.graph;
    let current = walk.current;
    let readers = walk.readers(current);
    let gather = readers.iter().copied().find(|&k| {
        let node = &graph.node[k];
        node.op_type == "Gather" && node.input.get(1).map(String::as_str) == Some(current)
    });
    let Some(k) = gather else {
        let what = readers
            .first()
            .map_or_else(|| "nothing".to_string(), |&k| walk.describe(k));
        walk.problem(format!(
            "the file has {what} after `{current}` where the declaration has this layer (a \
             Gather from a table of constants)"
        ));
        return;
    };
    let node = &graph.node[k];
    walk.used[k] = true;
    walk.advance(node);
    if int(node, "axis", 0) != 0 {
        walk.problem(format!(
            "the file's Gather `{}` looks up along axis {}, not the table's rows",
            node.name,
            int(node, "axis", 0)
        ));
    }
    let want = [tokens, dims];
    match node.input.first().and_then(|t| walk.tensor(t)) {
        Some(t) if t.dims == as_i64(&want) => match t.floats() {
            Some(v) => found.push(("embeddings", v)),
            None => walk.problem(format!(
                "the file's Gather `{}` looks up a table that is not floats",
                node.name
            )),
        },
        Some(t) => walk.problem(format!(
            "the file's Gather `{}` looks up a table {:?} (tokens, features), the \
             declaration's {want:?}",
            node.name, t.dims
        )),
        None => walk.problem(format!(
            "the file's Gather `{}` does not look up a table of constants",
            node.name
        )),
    }
    walk.sequence = Some(vec![
        axis(Batch, 1),
        axis(Steps, steps),
        axis(Features, dims),
    ]);
}
