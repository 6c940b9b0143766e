//! Protocol buffers' wire format, written: the messages of [`crate::Model`] encoded as
//! `onnx.proto` numbers their fields, each field a key (its number and wire type) then its value,
//! a nested message as its length then its bytes. Repeated numbers are packed (one length, then
//! the values), which every protobuf reader accepts. Fields at their default (an empty name, a
//! zero version, an empty list) are left out, as protobuf's own writers leave them out, so a
//! model read by [`crate::read`] and written again gives the model back.

use alloc::vec::Vec;

use crate::{Attribute, Dim, Graph, Model, Node, OperatorSet, Tensor, ValueInfo};

/// Appends `v` as a varint: seven bits a byte, least significant first.
pub(crate) fn varint(mut v: u64, out: &mut Vec<u8>) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// A message being written: its fields appended in order.
#[derive(Default)]
struct Message(Vec<u8>);

impl Message {
    fn key(&mut self, number: u64, wire_type: u64) {
        varint((number << 3) | wire_type, &mut self.0);
    }

    /// A varint field, left out at 0.
    fn int(&mut self, number: u64, v: i64) {
        if v != 0 {
            self.key(number, 0);
            varint(v as u64, &mut self.0);
        }
    }

    /// A length-delimited field (bytes, a string, a message), always written.
    fn bytes(&mut self, number: u64, b: &[u8]) {
        self.key(number, 2);
        varint(b.len() as u64, &mut self.0);
        self.0.extend_from_slice(b);
    }

    /// A string field, left out when empty.
    fn string(&mut self, number: u64, s: &str) {
        if !s.is_empty() {
            self.bytes(number, s.as_bytes());
        }
    }

    /// A nested message.
    fn message(&mut self, number: u64, m: Message) {
        self.bytes(number, &m.0);
    }

    /// A repeated integer field, packed; left out when empty.
    fn ints(&mut self, number: u64, values: &[i64]) {
        if !values.is_empty() {
            let mut packed = Vec::new();
            for &v in values {
                varint(v as u64, &mut packed);
            }
            self.bytes(number, &packed);
        }
    }

    /// A repeated `float` field, packed; left out when empty.
    fn floats(&mut self, number: u64, values: &[f32]) {
        if !values.is_empty() {
            let packed: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
            self.bytes(number, &packed);
        }
    }

    /// A repeated `double` field, packed; left out when empty.
    fn doubles(&mut self, number: u64, values: &[f64]) {
        if !values.is_empty() {
            let packed: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
            self.bytes(number, &packed);
        }
    }
}

/// Writes a model as an `.onnx` file's bytes (`ModelProto`): the fields [`crate::read`] reads,
/// in `onnx.proto`'s numbering. Nested graphs, which `read` only counts
/// ([`Attribute::graphs`]), are not written.
///
/// ```
/// use nn_onnx::{Attribute, Graph, Model, Node, OperatorSet};
///
/// let model = Model {
///     ir_version: 8,
///     opset_import: vec![OperatorSet { domain: String::new(), version: 17 }],
///     producer_name: "nn".into(),
///     graph: Graph {
///         name: "g".into(),
///         node: vec![Node {
///             op_type: "Relu".into(),
///             input: vec!["x".into()],
///             output: vec!["y".into()],
///             ..Node::default()
///         }],
///         ..Graph::default()
///     },
///     ..Model::default()
/// };
/// let bytes = nn_onnx::write(&model);
/// assert_eq!(nn_onnx::read(&bytes)?, model);
/// # Ok::<(), nn_onnx::Error>(())
/// ```
pub fn write(model: &Model) -> Vec<u8> {
    let mut m = Message::default();
    m.int(1, model.ir_version);
    m.string(2, &model.producer_name);
    m.string(3, &model.producer_version);
    m.message(7, graph(&model.graph));
    for set in &model.opset_import {
        m.message(8, opset(set));
    }
    m.0
}

fn opset(set: &OperatorSet) -> Message {
    let mut m = Message::default();
    m.string(1, &set.domain);
    m.int(2, set.version);
    m
}

fn graph(graph: &Graph) -> Message {
    let mut m = Message::default();
    for n in &graph.node {
        m.message(1, node(n));
    }
    m.string(2, &graph.name);
    for t in &graph.initializer {
        m.message(5, tensor(t));
    }
    for (number, infos) in [
        (11, &graph.input),
        (12, &graph.output),
        (13, &graph.value_info),
    ] {
        for info in infos {
            m.message(number, value_info(info));
        }
    }
    m
}

fn node(node: &Node) -> Message {
    let mut m = Message::default();
    // An optional input left out is an empty name, which keeps the inputs' places.
    for input in &node.input {
        m.bytes(1, input.as_bytes());
    }
    for output in &node.output {
        m.bytes(2, output.as_bytes());
    }
    m.string(3, &node.name);
    m.string(4, &node.op_type);
    for a in &node.attribute {
        m.message(5, attribute(a));
    }
    m.string(7, &node.domain);
    m
}

/// An attribute: its name, its type and the field its type says holds the value (a float of
/// 0 or an empty list included, which the type makes meaningful).
fn attribute(a: &Attribute) -> Message {
    let mut m = Message::default();
    m.string(1, &a.name);
    match a.r#type {
        1 => {
            m.key(2, 5);
            m.0.extend_from_slice(&a.f.to_le_bytes());
        }
        2 => {
            m.key(3, 0);
            varint(a.i as u64, &mut m.0);
        }
        3 => m.bytes(4, &a.s),
        4 => {
            if let Some(t) = &a.t {
                m.message(5, tensor(t));
            }
        }
        6 => m.floats(7, &a.floats),
        7 => m.ints(8, &a.ints),
        8 => {
            for s in &a.strings {
                m.bytes(9, s);
            }
        }
        _ => {}
    }
    m.int(20, i64::from(a.r#type));
    m
}

fn tensor(t: &Tensor) -> Message {
    let mut m = Message::default();
    m.ints(1, &t.dims);
    m.int(2, i64::from(t.data_type));
    m.floats(4, &t.float_data);
    m.ints(5, &t.int32_data);
    m.ints(7, &t.int64_data);
    m.string(8, &t.name);
    if !t.raw_data.is_empty() {
        m.bytes(9, &t.raw_data);
    }
    m.doubles(10, &t.double_data);
    m
}

/// A value's name and type: `TypeProto` (2) with its `tensor_type` (1), the element type (1)
/// and the shape (2), whose dimensions (1) are each a size (1), a name (2) or neither.
fn value_info(info: &ValueInfo) -> Message {
    let mut tensor_type = Message::default();
    tensor_type.int(1, i64::from(info.elem_type));
    if let Some(shape) = &info.shape {
        let mut dims = Message::default();
        for dim in shape {
            let mut d = Message::default();
            match dim {
                Dim::Value(v) => {
                    d.key(1, 0);
                    varint(*v as u64, &mut d.0);
                }
                Dim::Param(p) => d.bytes(2, p.as_bytes()),
                Dim::Unknown => {}
            }
            dims.message(1, d);
        }
        tensor_type.message(2, dims);
    }
    let mut ty = Message::default();
    ty.message(1, tensor_type);
    let mut m = Message::default();
    m.string(1, &info.name);
    m.message(2, ty);
    m
}
