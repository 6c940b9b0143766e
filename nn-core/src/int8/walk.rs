//! Reading an int8 network from a TensorFlow Lite file: a walk along its graph, from the
//! input tensor through the operator that reads it, layer by layer, that collects every
//! difference from the declaration.

use std::string::{String, ToString};
use std::vec::Vec;

use nn_tflite::{Activation, Code, Element, Model, Operator, Options, Subgraph, Tensor};

use super::{Bounds, Multiplier, Output, activation_range};

/// Where the reading of a file stands: the tensor that the next layer reads, and the
/// differences found so far. Each int8 layer's [`load`](super::Layer::load) takes the
/// operators it stands for from here.
pub struct Walk<'a> {
    model: &'a Model,
    bytes: &'a [u8],
    graph: &'a Subgraph,
    /// The tensor the next layer reads.
    tensor: usize,
    /// Which operators a layer has taken.
    taken: Vec<bool>,
    /// The layer being read, for messages: "layer 3 (`dense_1`, Dense)".
    layer: String,
    /// Its position in the declaration (none for a part of the file that is not a layer).
    at: Option<usize>,
    /// A fused activation of the last operator that no declared layer has accounted for yet:
    /// the operator's name and the activation.
    fused: Option<(String, Activation)>,
    /// Each difference, with the position of the layer it is about.
    problems: Problems,
}

/// The differences a walk found, each with the position in the declaration of the layer it
/// is about (none for a part of the file that is not a layer).
pub type Problems = Vec<(Option<usize>, String)>;

/// Where a [`Walk`] stands ([`Walk::position`]).
#[derive(Clone, Debug)]
pub struct Position {
    tensor: usize,
    fused: Option<(String, Activation)>,
}

impl Position {
    /// The index of the tensor the next layer reads.
    pub fn tensor(&self) -> usize {
        self.tensor
    }
}

/// An operator a layer took, with the file it is in.
#[derive(Clone, Copy)]
pub struct Op<'a> {
    op: &'a Operator,
    model: &'a Model,
    bytes: &'a [u8],
    graph: &'a Subgraph,
}

impl<'a> Walk<'a> {
    /// A walk from the input of `model`'s only graph: one int8 input and one output.
    ///
    /// # Errors
    ///
    /// When the file has more than one graph, input or output, or its input is not int8.
    pub fn new(model: &'a Model, bytes: &'a [u8]) -> Result<Self, String> {
        Self::from_input(model, bytes, Element::I8)
    }

    /// [`new`](Self::new) for a float file: its input `float32`.
    ///
    /// # Errors
    ///
    /// When the file has more than one graph, input or output, or its input is not `float32`.
    pub fn new_float(model: &'a Model, bytes: &'a [u8]) -> Result<Self, String> {
        Self::from_input(model, bytes, Element::F32)
    }

    fn from_input(model: &'a Model, bytes: &'a [u8], element: Element) -> Result<Self, String> {
        let [graph] = model.subgraphs.as_slice() else {
            return Err(format!(
                "it has {} graphs; a network is one",
                model.subgraphs.len()
            ));
        };
        let (&[input], &[_]) = (graph.inputs.as_slice(), graph.outputs.as_slice()) else {
            return Err(format!(
                "its graph has {} inputs and {} outputs; a network has one of each",
                graph.inputs.len(),
                graph.outputs.len()
            ));
        };
        let tensor = index(input, graph)
            .ok_or_else(|| format!("its input is tensor {input}, which it does not have"))?;
        let found = graph.tensors[tensor].element;
        if found != element {
            return Err(if element == Element::I8 {
                format!(
                    "its input is {found:?}, not int8: a float file, or one with a QUANTIZE \
                     operator first, which int8 networks here do not read"
                )
            } else {
                format!(
                    "its input is {found:?}, not float32: an int8 file, which an `#[int8]` \
                     declaration reads (`Int8::<Net>::load_tflite`)"
                )
            });
        }
        Ok(Self {
            model,
            bytes,
            graph,
            tensor,
            taken: vec![false; graph.operators.len()],
            layer: String::new(),
            at: None,
            fused: None,
            problems: Vec::new(),
        })
    }

    /// Starts reading the layer at `position` (`field`, of Keras class `class`).
    pub fn layer(&mut self, position: usize, field: &str, class: &str) {
        self.layer = format!("layer {position} (`{field}`, {class})");
        self.at = Some(position);
    }

    /// Starts reading the layer `field` (of Keras class `class`), named without its position.
    pub fn layer_named(&mut self, field: &str, class: &str) {
        self.layer = format!("layer `{field}` ({class})");
        self.at = None;
    }

    /// Starts reading a part of the file that is not a layer (`"the output"`).
    pub fn part(&mut self, part: &str) {
        self.layer = part.to_string();
        self.at = None;
    }

    /// Records a difference, about the layer being read.
    pub fn problem(&mut self, problem: impl core::fmt::Display) {
        self.problems
            .push((self.at, format!("{}: {problem}", self.layer)));
    }

    /// The tensor the layer being read takes as input.
    pub fn input(&self) -> &'a Tensor {
        &self.graph.tensors[self.tensor]
    }

    /// The input's scale and zero point, or a problem.
    pub fn input_quantization(&mut self) -> Option<(f32, i32)> {
        let tensor = self.input();
        self.quantization(tensor)
    }

    /// A tensor's one scale and zero point, or a problem.
    pub fn quantization(&mut self, tensor: &Tensor) -> Option<(f32, i32)> {
        match per_tensor(tensor) {
            Ok(q) => Some(q),
            Err(problem) => {
                self.problem(problem);
                None
            }
        }
    }

    /// The operator of kind `code` that reads the current tensor, taken by the layer being
    /// read; a problem when the operator that reads it is another, or none does. A fused
    /// activation no layer has accounted for is a problem here.
    pub fn operator(&mut self, code: &Code) -> Option<Op<'a>> {
        self.operator_where(code, |_| true)
    }

    /// The first operator of kind `code` not yet taken that reads the current tensor, without
    /// taking it: for a layer whose operator the file may or may not have (a batch
    /// normalization, folded or not).
    pub fn peek(&self, code: &Code) -> Option<Op<'a>> {
        self.graph
            .operators
            .iter()
            .zip(&self.taken)
            .find(|(op, taken)| {
                !**taken
                    && &op.operator == code
                    && op
                        .inputs
                        .first()
                        .is_some_and(|&t| index(t, self.graph) == Some(self.tensor))
            })
            .map(|(op, _)| Op {
                op,
                model: self.model,
                bytes: self.bytes,
                graph: self.graph,
            })
    }

    /// [`operator`](Self::operator) where the current tensor is read by several operators
    /// (the first layers of a block's branches): of those of kind `code`, the first that
    /// `fits` (whose weights have the layer's shape, say), else the first.
    pub fn operator_where(
        &mut self,
        code: &Code,
        fits: impl Fn(&Op<'a>) -> bool,
    ) -> Option<Op<'a>> {
        if let Some((op, activation)) = self.fused.take() {
            self.problem(format!(
                "the file's {op} before it applies {activation:?}, which the declaration has \
                 no layer for (an `Activation<Relu>` after it, say)"
            ));
        }
        if code != &Code::RESHAPE {
            self.step_over_reshapes();
        }
        let readers: Vec<usize> = self.readers().collect();
        let op = |k: usize| Op {
            op: &self.graph.operators[k],
            model: self.model,
            bytes: self.bytes,
            graph: self.graph,
        };
        let of_kind: Vec<usize> = readers
            .iter()
            .copied()
            .filter(|&k| &self.graph.operators[k].operator == code)
            .collect();
        let chosen = of_kind
            .iter()
            .copied()
            .find(|&k| fits(&op(k)))
            .or(of_kind.first().copied())
            .or(readers.first().copied());
        let Some(k) = chosen else {
            let name = &self.input().name;
            self.problem(format!(
                "expected a {} operator reading tensor `{name}`, but the file has no \
                 operator there (its graph ends sooner)",
                code.name()
            ));
            return None;
        };
        let k = &k;
        let op = &self.graph.operators[*k];
        if &op.operator != code {
            self.problem(format!(
                "expected a {} operator, but the file has {} (operator {k})",
                code.name(),
                op.operator.name()
            ));
            return None;
        }
        self.taken[*k] = true;
        Some(Op {
            op,
            model: self.model,
            bytes: self.bytes,
            graph: self.graph,
        })
    }

    /// Steps over the `RESHAPE` operators that are the only reader of the current tensor and
    /// that the declaration has no layer for (a file whose input is a vector reshaped into the
    /// image its first convolution reads, as TensorFlow Lite Micro's speech model): a reshape
    /// changes no value of a network whose activations are flat, so nothing is lost, but one
    /// that changes the quantization is a problem.
    pub(crate) fn step_over_reshapes(&mut self) {
        loop {
            let Some(k) = self.sole_reader() else {
                return;
            };
            let op = &self.graph.operators[k];
            let output = op.outputs.first().and_then(|&t| index(t, self.graph));
            let (true, Some(output)) = (op.operator == Code::RESHAPE, output) else {
                return;
            };
            let (input, reshaped) = (self.input(), &self.graph.tensors[output]);
            let count = |t: &Tensor| {
                t.shape
                    .iter()
                    .try_fold(1usize, |n, &d| n.checked_mul(usize::try_from(d).ok()?))
            };
            if count(input).is_none() || count(input) != count(reshaped) {
                // Not a reshape TensorFlow Lite would run: left for a layer to report.
                return;
            }
            self.taken[k] = true;
            if input.quantization != reshaped.quantization || input.element != reshaped.element {
                self.problem(format!(
                    "the file's RESHAPE of `{}` changes its quantization, which a reshape cannot",
                    input.name
                ));
            }
            self.tensor = output;
        }
    }

    /// The operators not yet taken that read the current tensor, by index.
    fn readers(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.graph.operators.len()).filter(|&k| {
            !self.taken[k]
                && self.graph.operators[k]
                    .inputs
                    .first()
                    .is_some_and(|&t| index(t, self.graph) == Some(self.tensor))
        })
    }

    /// The operator not yet taken that reads the current tensor, when it is the only one.
    fn sole_reader(&self) -> Option<usize> {
        let mut readers = self.readers();
        match (readers.next(), readers.next()) {
            (Some(k), None) => Some(k),
            _ => None,
        }
    }

    /// Steps over a `PAD` that is the only reader of the current tensor (after reshapes that
    /// change nothing), as TensorFlow's converter writes before a convolution whose padding
    /// is neither valid nor same (a causal 1-D convolution): the rows above and below and
    /// the columns left and right it adds, `(top, bottom, left, right)`, of the image the
    /// next operator reads (a sequence's steps as a row's columns); all zero without one. A
    /// `PAD` of the batch or the channels, or that changes the quantization, is a problem.
    pub fn padding(&mut self) -> (usize, usize, usize, usize) {
        self.step_over_reshapes();
        let Some(k) = self.sole_reader() else {
            return (0, 0, 0, 0);
        };
        let op = &self.graph.operators[k];
        if op.operator != Code::PAD {
            return (0, 0, 0, 0);
        }
        self.taken[k] = true;
        let this = Op {
            op,
            model: self.model,
            bytes: self.bytes,
            graph: self.graph,
        };
        let input = self.input();
        let (Some(paddings), Some(output)) = (this.input(1), this.output()) else {
            self.problem("the file's PAD has no paddings or no output");
            return (0, 0, 0, 0);
        };
        let values: Vec<i32> = this
            .data(paddings)
            .chunks_exact(4)
            .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let pads: Option<Vec<usize>> = values.iter().map(|&p| usize::try_from(p).ok()).collect();
        // Rank 3: batch, steps (the row's columns), channels; rank 4: batch, rows, columns,
        // channels.
        let found = match (pads.as_deref(), input.shape.len()) {
            (Some(&[0, 0, l, r, 0, 0]), 3) if paddings.element == Element::I32 => {
                Some((0, 0, l, r))
            }
            (Some(&[0, 0, t, b, l, r, 0, 0]), 4) if paddings.element == Element::I32 => {
                Some((t, b, l, r))
            }
            _ => None,
        };
        if input.quantization != output.quantization || input.element != output.element {
            self.problem(format!(
                "the file's PAD of `{}` changes its quantization, which a padding cannot",
                input.name
            ));
        }
        if let Some(&t) = op.outputs.first()
            && let Some(t) = index(t, self.graph)
        {
            self.tensor = t;
        }
        found.unwrap_or_else(|| {
            self.problem(format!(
                "the file's PAD adds {values:?} around `{}` of shape {:?}; only rows and \
                 columns (or steps) can be padded",
                input.name, input.shape
            ));
            (0, 0, 0, 0)
        })
    }

    /// Where the walk stands: the tensor the next layer reads, and any fused activation still
    /// to be accounted for. A block's branches each start from where the block does.
    pub fn position(&self) -> Position {
        Position {
            tensor: self.tensor,
            fused: self.fused.clone(),
        }
    }

    /// Reads a block's two branches, each from where the block starts (`first`, then
    /// `second`): where each ends, with the quantization of the tensor it ends in (a problem
    /// when that has none).
    pub fn branches(
        &mut self,
        first: impl FnOnce(&mut Self),
        second: impl FnOnce(&mut Self),
    ) -> [(Position, Option<(f32, i32)>); 2] {
        // Both branches read the block's input as its one reader does: a sequence made a row
        // once for both, say.
        self.step_over_reshapes();
        let start = self.position();
        first(self);
        let a = (self.position(), self.input_quantization());
        self.set_position(start);
        second(self);
        let b = (self.position(), self.input_quantization());
        [a, b]
    }

    /// The tensor a walk stands at in `position`.
    pub fn tensor_at(&self, position: &Position) -> &'a Tensor {
        &self.graph.tensors[position.tensor]
    }

    /// Goes back (or on) to `position`.
    pub fn set_position(&mut self, position: Position) {
        self.tensor = position.tensor;
        self.fused = position.fused;
    }

    /// The operator of kind `code` that reads both `a` and `b` (a block's join), taken by
    /// the layer being read, or a problem.
    pub fn join(&mut self, code: &Code, a: &Position, b: &Position) -> Option<Op<'a>> {
        // The branches' ends are accounted for here, once.
        self.fused = None;
        for p in [a, b] {
            if let Some((op, activation)) = &p.fused {
                self.problem(format!(
                    "the file's {op} at the end of a branch applies {activation:?}, which the \
                     branch has no layer for"
                ));
            }
        }
        let wanted = |t: i32| index(t, self.graph);
        let found = (0..self.graph.operators.len()).find(|&k| {
            let op = &self.graph.operators[k];
            !self.taken[k]
                && op.inputs.len() == 2
                && ((wanted(op.inputs[0]) == Some(a.tensor)
                    && wanted(op.inputs[1]) == Some(b.tensor))
                    || (wanted(op.inputs[0]) == Some(b.tensor)
                        && wanted(op.inputs[1]) == Some(a.tensor)))
        });
        let Some(k) = found else {
            self.problem(format!(
                "expected a {} operator joining tensors `{}` and `{}`, but the file has none",
                code.name(),
                self.graph.tensors[a.tensor].name,
                self.graph.tensors[b.tensor].name
            ));
            return None;
        };
        let op = &self.graph.operators[k];
        if &op.operator != code {
            self.problem(format!(
                "expected a {} operator joining the branches, but the file has {} (operator {k})",
                code.name(),
                op.operator.name()
            ));
            return None;
        }
        self.taken[k] = true;
        Some(Op {
            op,
            model: self.model,
            bytes: self.bytes,
            graph: self.graph,
        })
    }

    /// The `ADD` that joins a block's branches ending at `a` and `b` (see [`join`](Self::join)),
    /// and the activation it fuses, which a later activation layer accounts for.
    pub fn join_add(&mut self, a: &Position, b: &Position) -> Option<(Op<'a>, Activation)> {
        let op = self.join(&Code::ADD, a, b)?;
        let &Options::Add { activation } = op.options() else {
            self.problem("its ADD operator has no settings");
            return None;
        };
        Some((op, activation))
    }

    /// The `CONCATENATION` that joins a block's branches ending at `a` and `b` (see
    /// [`join`](Self::join)), checked as the declaration's: the first branch's outputs first,
    /// along the last axis, `channels` values per position from each, no fused activation
    /// (TensorFlow Lite's kernel refuses one). The operator and the activation it fuses.
    pub fn join_concatenation(
        &mut self,
        a: &Position,
        b: &Position,
        (ca, cb): (usize, usize),
    ) -> Option<(Op<'a>, Activation)> {
        let ta = self.tensor_at(a);
        let op = self.join(&Code::CONCATENATION, a, b)?;
        if !op.input(0).is_some_and(|t| core::ptr::eq(t, ta)) {
            self.problem(
                "the file's CONCATENATION puts the second branch's outputs first; the \
                 declaration's first branch comes first",
            );
        }
        let &Options::Concatenation { axis, activation } = op.options() else {
            self.problem("its CONCATENATION operator has no settings");
            return None;
        };
        let rank = op.output().map_or(0, |t| t.shape.len() as i32);
        if axis != -1 && axis != rank - 1 {
            self.problem(format!(
                "the file's CONCATENATION joins along axis {axis} of {rank}; the declaration's \
                 along the last (the channels)"
            ));
        }
        if activation != Activation::None {
            self.problem(format!(
                "the file's CONCATENATION fuses {activation:?}, which TensorFlow Lite's kernel \
                 refuses"
            ));
        }
        for (k, channels) in [(0, ca), (1, cb)] {
            if let Some(t) = op.input(k)
                && t.shape.last().and_then(|&c| usize::try_from(c).ok()) != Some(channels)
            {
                self.problem(format!(
                    "its input `{}` has shape {:?} in the file; the declaration's branch gives \
                     {channels} channels",
                    t.name, t.shape
                ));
            }
        }
        Some((op, activation))
    }

    /// A tensor of the file by its index in an operator, if it has it.
    pub fn tensor(&self, t: i32) -> Option<&'a Tensor> {
        Some(&self.graph.tensors[index(t, self.graph)?])
    }

    /// The name of the first operator not yet taken that reads the current tensor, for
    /// messages.
    pub fn reader(&self) -> Option<&'a str> {
        let graph = self.graph;
        self.readers()
            .next()
            .map(|k| graph.operators[k].operator.name())
    }

    /// Whether the operator that reads the current tensor is one of kind `code`.
    pub fn next_is(&self, code: &Code) -> bool {
        self.graph
            .operators
            .iter()
            .zip(&self.taken)
            .any(|(op, taken)| {
                !taken
                    && &op.operator == code
                    && op
                        .inputs
                        .first()
                        .is_some_and(|&t| index(t, self.graph) == Some(self.tensor))
            })
    }

    /// Moves on to `op`'s output, noting the activation it fuses beyond what the layer
    /// declared (`declared`), which a later activation layer must account for.
    pub fn advance(&mut self, op: Op<'a>, fused: Activation, declared: Bounds) {
        if let Some(&t) = op.op.outputs.first()
            && let Some(t) = index(t, self.graph)
        {
            self.tensor = t;
        }
        let declared = declared.fused();
        if fused != declared && fused != Activation::None {
            self.fused = Some((op.op.operator.name().to_string(), fused));
        } else if fused != declared {
            self.problem(format!(
                "declared with {declared:?}, but the file's {} fuses no activation",
                op.op.operator.name()
            ));
        }
    }

    /// Accounts for a fused activation: an activation layer of `bounds` after the operator
    /// that fused it. A problem when the operator before fused another, or none.
    pub fn fused_activation(&mut self, bounds: Bounds) {
        let wanted = bounds.fused();
        match self.fused.take() {
            Some((_, activation)) if activation == wanted => {}
            Some((op, activation)) => self.problem(format!(
                "the file's {op} before it applies {activation:?}, not {wanted:?}"
            )),
            None => self.problem(format!(
                "the file applies no {wanted:?} here (as an activation fused into the operator \
                 before it)"
            )),
        }
    }

    /// The end of the walk: the tensor reached is the graph's output, every operator was
    /// taken, every fused activation accounted for; else the problems, all of them.
    ///
    /// # Errors
    ///
    /// Every difference found.
    pub fn finish(self) -> Result<(), Vec<String>> {
        self.finish_at()
            .map_err(|problems| problems.into_iter().map(|(_, p)| p).collect())
    }

    /// [`finish`](Self::finish), each difference with the position of the layer it is about
    /// (none for the file's ends): for `network!`, which reports each at its layer.
    ///
    /// # Errors
    ///
    /// Every difference found.
    pub fn finish_at(mut self) -> Result<(), Problems> {
        self.part("the end");
        // A sequence's row reshaped back at the end, say.
        self.step_over_reshapes();
        if let Some((op, activation)) = self.fused.take() {
            self.problem(format!(
                "the file's last {op} applies {activation:?}, which the declaration has no \
                 layer for"
            ));
        }
        let left: Vec<&str> = self
            .graph
            .operators
            .iter()
            .zip(&self.taken)
            .filter(|(_, taken)| !**taken)
            .map(|(op, _)| op.operator.name())
            .collect();
        let output = index(self.graph.outputs[0], self.graph);
        if !left.is_empty() {
            self.problem(format!(
                "the file has {} operators no layer stands for: {}",
                left.len(),
                left.join(", ")
            ));
        } else if self.problems.is_empty() && output != Some(self.tensor) {
            self.problem(format!(
                "the declaration ends at tensor `{}`, which is not the file's output",
                self.input().name
            ));
        }
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(self.problems)
        }
    }
}

impl<'a> Op<'a> {
    /// The operator's settings.
    pub fn options(&self) -> &'a Options {
        &self.op.options
    }

    /// Its input tensor at `k`, if present.
    pub fn input(&self, k: usize) -> Option<&'a Tensor> {
        let &t = self.op.inputs.get(k)?;
        Some(&self.graph.tensors[index(t, self.graph)?])
    }

    /// Its intermediate tensor at `k` (an LSTM's quantization of a step's values), if
    /// present.
    pub fn intermediate(&self, k: usize) -> Option<&'a Tensor> {
        let &t = self.op.intermediates.get(k)?;
        Some(&self.graph.tensors[index(t, self.graph)?])
    }

    /// Its first output tensor.
    pub fn output(&self) -> Option<&'a Tensor> {
        let &t = self.op.outputs.first()?;
        Some(&self.graph.tensors[index(t, self.graph)?])
    }

    /// The bytes of a constant tensor (empty when it has none).
    pub fn data(&self, tensor: &Tensor) -> &'a [u8] {
        let Ok(buffer) = usize::try_from(tensor.buffer) else {
            return &[];
        };
        self.model
            .buffers
            .get(buffer)
            .and_then(|range| self.bytes.get(range.clone()))
            .unwrap_or(&[])
    }
}

/// Reads an int8 weight tensor of `op`'s input `k` into `out`, its shape `shape` and its
/// zero points 0; its scales (one per tensor, or one per `channels`), or a problem.
pub fn weights(
    walk: &mut Walk<'_>,
    op: &Op<'_>,
    k: usize,
    shape: &[usize],
    channels: usize,
    out: &mut [i8],
) -> Option<Vec<f32>> {
    // The output channels' axis: the last of a depthwise kernel (`1HWO`), else the first.
    let axis = if shape.len() == 4 && shape[0] == 1 && shape[3] == channels {
        3
    } else {
        0
    };
    let Some(tensor) = op.input(k) else {
        walk.problem("the operator has no weights");
        return None;
    };
    let found: Vec<usize> = tensor.shape.iter().map(|&d| d as usize).collect();
    if found != shape {
        walk.problem(format!(
            "weights `{}` are {found:?} in the file, the declaration's are {shape:?}",
            tensor.name
        ));
        return None;
    }
    if tensor.element != Element::I8 {
        walk.problem(format!(
            "weights `{}` are {:?}, not int8",
            tensor.name, tensor.element
        ));
        return None;
    }
    let data = op.data(tensor);
    if data.len() != out.len() {
        walk.problem(format!(
            "weights `{}` hold {} bytes in the file, not {}",
            tensor.name,
            data.len(),
            out.len()
        ));
        return None;
    }
    let Some(q) = &tensor.quantization else {
        walk.problem(format!("weights `{}` are not quantized", tensor.name));
        return None;
    };
    if q.zero_point.iter().any(|&z| z != 0) {
        walk.problem(format!(
            "weights `{}` have a zero point other than 0, which TensorFlow Lite's int8 \
             scheme does not",
            tensor.name
        ));
        return None;
    }
    if !axis_in_range(q.dimension, tensor) {
        walk.problem(format!(
            "weights `{}` name quantization axis {} of a tensor of {} axes, which TensorFlow \
             Lite refuses",
            tensor.name,
            q.dimension,
            tensor.shape.len()
        ));
        return None;
    }
    if q.zero_point.len() != q.scale.len() {
        walk.problem(format!(
            "weights `{}` have {} scales but {} zero points",
            tensor.name,
            q.scale.len(),
            q.zero_point.len()
        ));
        return None;
    }
    if q.scale.len() > 1 && q.dimension != axis {
        walk.problem(format!(
            "weights `{}` are quantized along axis {}, not along their output channels (axis \
             {axis})",
            tensor.name, q.dimension
        ));
        return None;
    }
    if q.scale.len() != 1 && q.scale.len() != channels {
        walk.problem(format!(
            "weights `{}` have {} scales, neither one nor one per channel ({channels})",
            tensor.name,
            q.scale.len()
        ));
        return None;
    }
    if q.scale.iter().any(|s| !s.is_finite() || *s <= 0.0) {
        walk.problem(format!(
            "weights `{}` have a scale that is not a positive number",
            tensor.name
        ));
        return None;
    }
    for (o, &b) in out.iter_mut().zip(data) {
        *o = b as i8;
    }
    Some(q.scale.clone())
}

/// Reads the int32 bias of `op`'s input `k` into `out`, or zeros when the operator has none,
/// or a problem. (A layer declared without bias may have one in the file: the converter folds
/// a batch normalization after it into one.)
pub fn bias(walk: &mut Walk<'_>, op: &Op<'_>, k: usize, out: &mut [i32]) {
    match op.input(k) {
        None => out.fill(0),
        Some(tensor) => {
            let data = op.data(tensor);
            if tensor.element != Element::I32 || data.len() != out.len() * 4 {
                walk.problem(format!(
                    "bias `{}` is {:?} of {} bytes, not {} int32 values",
                    tensor.name,
                    tensor.element,
                    data.len(),
                    out.len()
                ));
                return;
            }
            for (o, b) in out.iter_mut().zip(data.chunks_exact(4)) {
                *o = i32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            }
        }
    }
}

/// The requantization of an operator with input scale `input`, weight scales `weights` (one or
/// per channel) and output scale `output`, into `out` (one per channel).
pub fn multipliers(input: f32, weights: &[f32], output: f32, out: &mut [Multiplier]) {
    for (k, m) in out.iter_mut().enumerate() {
        let w = weights[if weights.len() == 1 { 0 } else { k }];
        *m = Multiplier::for_product(input, w, output);
    }
}

/// Checks that the bias of `op`'s input `k` (if any) is quantized as TensorFlow Lite requires:
/// zero points 0, and each channel's scale within 2% of an output step of
/// `input · weight` (its `PopulateConvolutionQuantizationParams`).
pub fn bias_scales(
    walk: &mut Walk<'_>,
    op: &Op<'_>,
    k: usize,
    (input, weights): (f32, &[f32]),
    output: f32,
) {
    let Some(tensor) = op.input(k) else {
        return;
    };
    let Some(q) = &tensor.quantization else {
        return;
    };
    if !axis_in_range(q.dimension, tensor) {
        walk.problem(format!(
            "bias `{}` names quantization axis {} of a tensor of {} axes, which TensorFlow Lite \
             refuses",
            tensor.name,
            q.dimension,
            tensor.shape.len()
        ));
    }
    let off = q.scale.iter().enumerate().any(|(c, &s)| {
        let w = weights[if weights.len() == 1 {
            0
        } else {
            c % weights.len()
        }];
        let expected = f64::from(input) * f64::from(w);
        // NaN scales count as off.
        let error = (f64::from(s) - expected).abs() / f64::from(output);
        error.is_nan() || error > 0.02
    });
    if off || q.zero_point.iter().any(|&z| z != 0) {
        walk.problem(format!(
            "bias `{}` is not quantized at the input's scale times the weights' (with zero \
             point 0), as TensorFlow Lite requires",
            tensor.name
        ));
    }
}

/// Checks that `op` reads an image of `input` (height, width, channels) and writes one of
/// `output`, as declared.
pub fn image_shapes(
    walk: &mut Walk<'_>,
    op: &Op<'_>,
    input: (usize, usize, usize),
    output: (usize, usize, usize),
) {
    let image = |(h, w, c): (usize, usize, usize)| [1, h, w, c];
    for (tensor, want, what) in [
        (op.input(0), image(input), "input"),
        (op.output(), image(output), "output"),
    ] {
        if let Some(t) = tensor
            && !(t.shape.len() == 4
                && t.shape
                    .iter()
                    .zip(want)
                    .all(|(&a, b)| usize::try_from(a) == Ok(b)))
        {
            walk.problem(format!(
                "its {what} `{}` has shape {:?} in the file; the declaration's is {want:?}",
                t.name, t.shape
            ));
        }
    }
}

/// [`multipliers`] of a convolution or a depthwise convolution, as TensorFlow Lite computes
/// them there ([`Multiplier::for_channel`]: the scales widened to `f64` first).
pub fn channel_multipliers(input: f32, weights: &[f32], output: f32, out: &mut [Multiplier]) {
    for (k, m) in out.iter_mut().enumerate() {
        let w = weights[if weights.len() == 1 { 0 } else { k }];
        *m = Multiplier::for_channel(input, w, output);
    }
}

/// An operator's output: its zero point and the clamp of the activation it fuses, or a
/// problem.
pub fn output(
    walk: &mut Walk<'_>,
    op: &Op<'_>,
    fused: Activation,
    len: usize,
) -> Option<(f32, Output)> {
    let Some(tensor) = op.output() else {
        walk.problem("the operator has no output");
        return None;
    };
    let count = tensor
        .shape
        .iter()
        .try_fold(1i64, |n, &d| n.checked_mul(i64::from(d)));
    if count != i64::try_from(len).ok() {
        let count = count.map_or_else(|| "too many".to_string(), |c| c.to_string());
        walk.problem(format!(
            "its output `{}` has shape {:?} in the file, {count} values; the declaration's has \
             {len}",
            tensor.name, tensor.shape
        ));
        return None;
    }
    if tensor.element != Element::I8 {
        walk.problem(format!(
            "its output `{}` is {:?}, not int8",
            tensor.name, tensor.element
        ));
        return None;
    }
    let (scale, zero) = walk.quantization(tensor)?;
    let (low, high) = match fused {
        Activation::None => (None, None),
        Activation::Relu => (Some(0.0), None),
        Activation::Relu6 => (Some(0.0), Some(6.0)),
        Activation::ReluN1To1 => (Some(-1.0), Some(1.0)),
        other => {
            walk.problem(format!(
                "the file fuses {other:?}, which int8 layers here do not"
            ));
            return None;
        }
    };
    let (min, max) = activation_range(low, high, scale, zero);
    Some((scale, Output { zero, min, max }))
}

/// Whether a tensor's quantization axis is one of its axes (TensorFlow Lite's interpreter
/// refuses a file where it is not).
fn axis_in_range(dimension: i32, tensor: &Tensor) -> bool {
    usize::try_from(dimension).is_ok_and(|d| d < tensor.shape.len().max(1))
}

/// A tensor index of the file as an index of `graph`'s tensors, if it is one.
fn index(t: i32, graph: &Subgraph) -> Option<usize> {
    usize::try_from(t).ok().filter(|&t| t < graph.tensors.len())
}

/// A tensor's only scale and zero point.
fn per_tensor(tensor: &Tensor) -> Result<(f32, i32), String> {
    let Some(q) = &tensor.quantization else {
        return Err(format!("tensor `{}` is not quantized", tensor.name));
    };
    match (q.scale.as_slice(), q.zero_point.as_slice()) {
        (&[scale], &[zero]) if scale.is_finite() && scale > 0.0 && (-128..=127).contains(&zero) => {
            Ok((scale, zero as i32))
        }
        _ => Err(format!(
            "tensor `{}` is not quantized with one positive scale and one int8 zero point",
            tensor.name
        )),
    }
}
