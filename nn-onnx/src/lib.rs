//! ONNX files (`.onnx`), read and written in pure Rust: the model's graph with its nodes and
//! their attributes, its initializers (the weights) and the shapes of its inputs and outputs.
//!
//! An ONNX file is a protocol buffer (ONNX's `onnx.proto`, `ModelProto`); [`read`] decodes the
//! fields that describe a network, skips the others, and checks every length as it goes, so a
//! damaged or hostile file is an [`Error`] that says what is wrong, in time and memory bounded
//! by the file's size, never a panic. A tensor's values are checked against its dimensions; a
//! tensor whose values lie in another file (ONNX's external data, for models over 2 GB) is an
//! error. Nested graphs (the bodies of `If`, `Loop` and `Scan`) are not decoded, only counted,
//! so the messages nest at most six deep.
//!
//! ```no_run
//! let bytes = std::fs::read("model.onnx")?;
//! let model = nn_onnx::read(&bytes)?;
//! for node in &model.graph.node {
//!     println!("{} {}", node.op_type, node.name);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`write()`] encodes a [`Model`] as a file's bytes, the fields `read` reads (what `nn`'s
//! `Net::to_onnx` writes a network with); reading them back gives the same model.

#![no_std]
#![deny(unsafe_code)]

extern crate alloc;

mod wire;
mod write;

pub use write::write;

use alloc::string::String;
use alloc::vec::Vec;

use wire::{Fields, Value};

/// What is wrong with a file: the message being read and the problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// The message (`"model"`, `"graph"`, `"node"`, `"tensor"`, ...).
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
        write!(f, "ONNX file, {}: {}", self.part, self.problem)
    }
}

impl core::error::Error for Error {}

/// A `.onnx` file's model (`ModelProto`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Model {
    /// The version of ONNX's file format (8 for opset 17, 10 for the newest exporters).
    pub ir_version: i64,
    /// The operator sets the graph uses: a domain (`""` is ONNX's own) and its version.
    pub opset_import: Vec<OperatorSet>,
    /// The program that wrote the file (`"pytorch"`).
    pub producer_name: String,
    /// Its version.
    pub producer_version: String,
    /// The graph.
    pub graph: Graph,
}

/// An operator set the model uses (`OperatorSetIdProto`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OperatorSet {
    /// Its domain: `""` (or `"ai.onnx"`) for ONNX's operators.
    pub domain: String,
    /// Its version (the opset, 17).
    pub version: i64,
}

/// A graph of nodes over named values (`GraphProto`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Graph {
    /// Its name.
    pub name: String,
    /// The nodes, in an order where each comes after the nodes whose outputs it reads.
    pub node: Vec<Node>,
    /// The constant tensors (the weights), by name.
    pub initializer: Vec<Tensor>,
    /// The graph's inputs (in older files, the initializers as well).
    pub input: Vec<ValueInfo>,
    /// The graph's outputs.
    pub output: Vec<ValueInfo>,
    /// The shapes the exporter recorded for values inside the graph.
    pub value_info: Vec<ValueInfo>,
}

/// One operator applied (`NodeProto`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Node {
    /// The operator (`"Conv"`, `"Gemm"`).
    pub op_type: String,
    /// Its domain (`""` for ONNX's operators).
    pub domain: String,
    /// The node's name (`"/0/Conv"`), which may be empty.
    pub name: String,
    /// The values it reads, by name (`""` for an optional input left out).
    pub input: Vec<String>,
    /// The values it writes.
    pub output: Vec<String>,
    /// Its settings.
    pub attribute: Vec<Attribute>,
}

impl Node {
    /// The attribute `name`, if the node has it.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attribute.iter().find(|a| a.name == name)
    }
}

/// A node's setting (`AttributeProto`). Which field holds the value depends on its type.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Attribute {
    /// Its name (`"strides"`).
    pub name: String,
    /// Its type, ONNX's `AttributeType`: 1 a float, 2 an integer, 3 a string, 4 a tensor, 5 a
    /// graph, 6 floats, 7 integers, 8 strings.
    pub r#type: i32,
    /// A float's value.
    pub f: f32,
    /// An integer's value.
    pub i: i64,
    /// A string's bytes.
    pub s: Vec<u8>,
    /// A tensor's value.
    pub t: Option<Tensor>,
    /// How many graphs it holds (the bodies of `If` and `Loop`, which are not decoded).
    pub graphs: usize,
    /// A list of floats.
    pub floats: Vec<f32>,
    /// A list of integers.
    pub ints: Vec<i64>,
    /// A list of strings.
    pub strings: Vec<Vec<u8>>,
}

/// ONNX's element types (`TensorProto.DataType`) that [`Tensor`] gives values of.
pub mod data_type {
    /// `float32`.
    pub const FLOAT: i32 = 1;
    /// `uint8`.
    pub const UINT8: i32 = 2;
    /// `int8`.
    pub const INT8: i32 = 3;
    /// `int32`.
    pub const INT32: i32 = 6;
    /// `int64`.
    pub const INT64: i32 = 7;
    /// `bool`.
    pub const BOOL: i32 = 9;
    /// `float16`.
    pub const FLOAT16: i32 = 10;
    /// `float64`.
    pub const DOUBLE: i32 = 11;
}

/// A constant tensor (`TensorProto`): an initializer or an attribute's value. Its values are in
/// one of the typed lists or in `raw_data` (little-endian), never both; [`read`] checks that
/// they are as many as the dimensions say.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tensor {
    /// Its name (an initializer's is the value nodes read).
    pub name: String,
    /// Its dimensions, outermost first.
    pub dims: Vec<i64>,
    /// Its element type ([`data_type`]).
    pub data_type: i32,
    /// `float32` values.
    pub float_data: Vec<f32>,
    /// `int32`, `int16`, `int8`, `uint8`, `bool` and `float16` values (one each).
    pub int32_data: Vec<i64>,
    /// `int64` values.
    pub int64_data: Vec<i64>,
    /// `float64` values.
    pub double_data: Vec<f64>,
    /// The values as bytes, little-endian.
    pub raw_data: Vec<u8>,
}

impl Tensor {
    /// How many values the dimensions say it holds (`None` for a negative dimension or an
    /// overflow).
    pub fn count(&self) -> Option<usize> {
        self.dims
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(usize::try_from(d).ok()?))
    }

    /// Its values as `f32`, for a `float32` or `float64` tensor.
    pub fn floats(&self) -> Option<Vec<f32>> {
        match self.data_type {
            data_type::FLOAT if !self.raw_data.is_empty() => Some(
                self.raw_data
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect(),
            ),
            data_type::FLOAT => Some(self.float_data.clone()),
            data_type::DOUBLE if !self.raw_data.is_empty() => Some(
                self.raw_data
                    .chunks_exact(8)
                    .map(|b| {
                        let mut a = [0; 8];
                        a.copy_from_slice(b);
                        f64::from_le_bytes(a) as f32
                    })
                    .collect(),
            ),
            data_type::DOUBLE => Some(self.double_data.iter().map(|&x| x as f32).collect()),
            _ => None,
        }
    }

    /// Its values as `i64`, for an `int64` or `int32` tensor.
    pub fn ints(&self) -> Option<Vec<i64>> {
        match self.data_type {
            data_type::INT64 if !self.raw_data.is_empty() => Some(
                self.raw_data
                    .chunks_exact(8)
                    .map(|b| {
                        let mut a = [0; 8];
                        a.copy_from_slice(b);
                        i64::from_le_bytes(a)
                    })
                    .collect(),
            ),
            data_type::INT64 => Some(self.int64_data.clone()),
            data_type::INT32 if !self.raw_data.is_empty() => Some(
                self.raw_data
                    .chunks_exact(4)
                    .map(|b| i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])))
                    .collect(),
            ),
            data_type::INT32 => Some(self.int32_data.clone()),
            _ => None,
        }
    }

    /// The bytes one value takes in `raw_data`, for the types whose size is known.
    fn element_size(&self) -> Option<usize> {
        match self.data_type {
            data_type::FLOAT | data_type::INT32 => Some(4),
            data_type::INT64 | data_type::DOUBLE => Some(8),
            data_type::UINT8 | data_type::INT8 | data_type::BOOL => Some(1),
            data_type::FLOAT16 | 4 | 5 | 16 => Some(2),
            12 => Some(4),
            13 => Some(8),
            _ => None,
        }
    }

    /// Checks that the values are as many as the dimensions say.
    fn check(&self) -> Result<(), Error> {
        let what = "tensor";
        let count = self.count().ok_or_else(|| {
            Error::new(
                what,
                alloc::format!(
                    "`{}` has dimensions {:?}, which hold no count",
                    self.name,
                    self.dims
                ),
            )
        })?;
        let lists = [
            self.float_data.len(),
            self.int32_data.len(),
            self.int64_data.len(),
            self.double_data.len(),
        ];
        let typed = lists.iter().filter(|&&n| n > 0).count();
        if typed + usize::from(!self.raw_data.is_empty()) > 1 {
            return Err(Error::new(
                what,
                alloc::format!("`{}` has its values in two places", self.name),
            ));
        }
        let held = if self.raw_data.is_empty() {
            lists.iter().sum::<usize>()
        } else {
            let Some(size) = self.element_size() else {
                return Ok(());
            };
            if !self.raw_data.len().is_multiple_of(size) {
                return Err(Error::new(
                    what,
                    alloc::format!(
                        "`{}` has {} bytes, not a whole number of {size}-byte values",
                        self.name,
                        self.raw_data.len()
                    ),
                ));
            }
            self.raw_data.len() / size
        };
        // A string tensor's values are elsewhere; those of unknown types are not counted.
        if held != count && (held > 0 || self.element_size().is_some()) {
            return Err(Error::new(
                what,
                alloc::format!(
                    "`{}` holds {held} values, its dimensions {:?} say {count}",
                    self.name,
                    self.dims
                ),
            ));
        }
        Ok(())
    }
}

/// A value's name and type (`ValueInfoProto`): for tensors, the element type and the shape.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ValueInfo {
    /// The value's name.
    pub name: String,
    /// Its element type ([`data_type`]), 0 when not a tensor or not given.
    pub elem_type: i32,
    /// Its shape, when given.
    pub shape: Option<Vec<Dim>>,
}

/// One dimension of a value's shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dim {
    /// A size.
    Value(i64),
    /// A size named, not fixed (`"batch_size"`).
    Param(String),
    /// Neither given.
    Unknown,
}

/// Reads a model from an `.onnx` file's bytes.
///
/// # Errors
///
/// An [`Error`] when the bytes are not a well-formed ONNX model: a length past the end, a
/// field of the wrong wire type, a tensor whose values do not fit its dimensions, or a tensor
/// whose values are in another file.
pub fn read(bytes: &[u8]) -> Result<Model, Error> {
    let what = "model";
    let mut model = Model::default();
    let mut fields = Fields::new(bytes, what);
    let mut graph = false;
    while let Some((number, value)) = fields.next_field()? {
        match number {
            1 => model.ir_version = wire::int(value, what)?,
            2 => model.producer_name = wire::string(value, what)?,
            3 => model.producer_version = wire::string(value, what)?,
            7 => {
                model.graph = read_graph(wire::bytes(value, what)?)?;
                graph = true;
            }
            8 => model
                .opset_import
                .push(read_opset(wire::bytes(value, what)?)?),
            _ => {}
        }
    }
    if !graph {
        return Err(Error::new(
            what,
            "the file has no graph (is it an ONNX model?)",
        ));
    }
    if model.ir_version <= 0 {
        return Err(Error::new(
            what,
            "the file gives no IR version (is it an ONNX model?)",
        ));
    }
    Ok(model)
}

fn read_opset(bytes: &[u8]) -> Result<OperatorSet, Error> {
    let what = "operator set";
    let mut set = OperatorSet::default();
    let mut fields = Fields::new(bytes, what);
    while let Some((number, value)) = fields.next_field()? {
        match number {
            1 => set.domain = wire::string(value, what)?,
            2 => set.version = wire::int(value, what)?,
            _ => {}
        }
    }
    Ok(set)
}

fn read_graph(bytes: &[u8]) -> Result<Graph, Error> {
    let what = "graph";
    let mut graph = Graph::default();
    let mut fields = Fields::new(bytes, what);
    while let Some((number, value)) = fields.next_field()? {
        match number {
            1 => graph.node.push(read_node(wire::bytes(value, what)?)?),
            2 => graph.name = wire::string(value, what)?,
            5 => graph
                .initializer
                .push(read_tensor(wire::bytes(value, what)?)?),
            11 => graph
                .input
                .push(read_value_info(wire::bytes(value, what)?)?),
            12 => graph
                .output
                .push(read_value_info(wire::bytes(value, what)?)?),
            13 => graph
                .value_info
                .push(read_value_info(wire::bytes(value, what)?)?),
            15 => {
                return Err(Error::new(
                    what,
                    "the graph has sparse initializers, which are not read",
                ));
            }
            _ => {}
        }
    }
    Ok(graph)
}

fn read_node(bytes: &[u8]) -> Result<Node, Error> {
    let what = "node";
    let mut node = Node::default();
    let mut fields = Fields::new(bytes, what);
    while let Some((number, value)) = fields.next_field()? {
        match number {
            1 => node.input.push(wire::string(value, what)?),
            2 => node.output.push(wire::string(value, what)?),
            3 => node.name = wire::string(value, what)?,
            4 => node.op_type = wire::string(value, what)?,
            5 => node
                .attribute
                .push(read_attribute(wire::bytes(value, what)?)?),
            7 => node.domain = wire::string(value, what)?,
            _ => {}
        }
    }
    Ok(node)
}

fn read_attribute(bytes: &[u8]) -> Result<Attribute, Error> {
    let what = "attribute";
    let mut attribute = Attribute::default();
    let mut fields = Fields::new(bytes, what);
    while let Some((number, value)) = fields.next_field()? {
        match number {
            1 => attribute.name = wire::string(value, what)?,
            2 => match value {
                Value::Fixed32(b) => attribute.f = f32::from_le_bytes(b),
                _ => return Err(Error::new(what, "a float has another wire type")),
            },
            3 => attribute.i = wire::int(value, what)?,
            4 => attribute.s = wire::bytes(value, what)?.to_vec(),
            5 => attribute.t = Some(read_tensor(wire::bytes(value, what)?)?),
            6 | 11 => attribute.graphs += 1,
            7 => wire::floats(value, &mut attribute.floats, what)?,
            8 => wire::ints(value, &mut attribute.ints, what)?,
            9 => attribute.strings.push(wire::bytes(value, what)?.to_vec()),
            20 => {
                attribute.r#type = i32::try_from(wire::int(value, what)?)
                    .map_err(|_| Error::new(what, "its type is out of range"))?;
            }
            _ => {}
        }
    }
    Ok(attribute)
}

fn read_tensor(bytes: &[u8]) -> Result<Tensor, Error> {
    let what = "tensor";
    let mut tensor = Tensor::default();
    let mut fields = Fields::new(bytes, what);
    let mut external = false;
    while let Some((number, value)) = fields.next_field()? {
        match number {
            1 => wire::ints(value, &mut tensor.dims, what)?,
            2 => {
                tensor.data_type = i32::try_from(wire::int(value, what)?)
                    .map_err(|_| Error::new(what, "its type is out of range"))?;
            }
            3 => {
                return Err(Error::new(
                    what,
                    "a tensor is split into segments, which are not read",
                ));
            }
            4 => wire::floats(value, &mut tensor.float_data, what)?,
            5 => wire::ints(value, &mut tensor.int32_data, what)?,
            7 => wire::ints(value, &mut tensor.int64_data, what)?,
            8 => tensor.name = wire::string(value, what)?,
            9 => tensor.raw_data = wire::bytes(value, what)?.to_vec(),
            10 => wire::doubles(value, &mut tensor.double_data, what)?,
            13 => external = true,
            14 => external |= wire::int(value, what)? == 1,
            _ => {}
        }
    }
    if external {
        return Err(Error::new(
            what,
            alloc::format!(
                "`{}` keeps its values in another file (ONNX's external data), which is not \
                 read: save the model in one file (`onnx.save_model(model, path, \
                 save_as_external_data=False)`)",
                tensor.name
            ),
        ));
    }
    tensor.check()?;
    Ok(tensor)
}

fn read_value_info(bytes: &[u8]) -> Result<ValueInfo, Error> {
    let what = "value info";
    let mut info = ValueInfo::default();
    let mut fields = Fields::new(bytes, what);
    while let Some((number, value)) = fields.next_field()? {
        match number {
            1 => info.name = wire::string(value, what)?,
            2 => {
                // `TypeProto`: its `tensor_type` (1).
                let mut ty = Fields::new(wire::bytes(value, what)?, what);
                while let Some((number, value)) = ty.next_field()? {
                    if number == 1 {
                        read_tensor_type(wire::bytes(value, what)?, &mut info)?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(info)
}

/// `TypeProto.Tensor`: the element type (1) and the shape (2), whose dimensions (1) are each a
/// size (1) or a name (2).
fn read_tensor_type(bytes: &[u8], info: &mut ValueInfo) -> Result<(), Error> {
    let what = "value info";
    let mut fields = Fields::new(bytes, what);
    while let Some((number, value)) = fields.next_field()? {
        match number {
            1 => {
                info.elem_type = i32::try_from(wire::int(value, what)?)
                    .map_err(|_| Error::new(what, "its type is out of range"))?;
            }
            2 => {
                let mut shape = Vec::new();
                let mut dims = Fields::new(wire::bytes(value, what)?, what);
                while let Some((number, value)) = dims.next_field()? {
                    if number != 1 {
                        continue;
                    }
                    let mut dim = Dim::Unknown;
                    let mut fields = Fields::new(wire::bytes(value, what)?, what);
                    while let Some((number, value)) = fields.next_field()? {
                        match number {
                            1 => dim = Dim::Value(wire::int(value, what)?),
                            2 => dim = Dim::Param(wire::string(value, what)?),
                            _ => {}
                        }
                    }
                    shape.push(dim);
                }
                info.shape = Some(shape);
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
