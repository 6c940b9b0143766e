//! A [`Model`] written as a `.tflite` file: the flatbuffer of TensorFlow Lite's `schema.fbs`
//! (file identifier `TFL3`), with the parts of it that [`crate::read`] reads.

use alloc::vec::Vec;

use crate::builder::{Builder, Offset};
use crate::{Activation, Code, Element, Error, Model, Operator, Options, Padding, Subgraph};
use crate::{Quantization, Tensor, Window};

/// How buffers' data are aligned in the file, as TensorFlow's converter does (the schema's
/// `force_align: 16`), so that an interpreter may use `int32` and `float` weights in place.
const DATA_ALIGN: usize = 16;

/// Writes `model` as a `.tflite` file, buffer `i`'s bytes being `data[model.buffers[i]]`
/// (the bytes the model was read from, for a model from [`crate::read`]).
///
/// The file holds what [`crate::read`] reads, so reading it gives `model` again (with buffers
/// at their new places): the schema version and description; each operator code once, in the
/// order the operators first use them (a builtin code both as `builtin_code` and, capped at
/// 127, as `deprecated_builtin_code`; a custom one by name), at version 1; the subgraphs with
/// their tensors (shape, type, buffer, name, quantization), inputs, outputs and operators
/// with their settings; and the buffers, their data aligned to 16 bytes. Settings of another
/// kind ([`Options::Other`]) are written as that kind's table with every field at its default,
/// since the model does not hold them; fields [`crate::read`] does not read (operator
/// versions, signatures, metadata, `shape_signature`, ...) are left out. (A model
/// [`crate::read`] cannot give does not come back as it was: `Code::Builtin(32)`, `CUSTOM`
/// without a name, reads back as a custom code named `""`, and a negative builtin code as 0.)
///
/// # Errors
///
/// When a buffer's range does not lie within `data`, or the file would pass the 2 GiB that a
/// flatbuffer's offsets can address.
pub fn write(model: &Model, data: &[u8]) -> Result<Vec<u8>, Error> {
    let mut total = 0usize;
    for (i, range) in model.buffers.iter().enumerate() {
        if range.start > range.end || range.end > data.len() {
            return Err(Error::new(
                "buffer",
                alloc::format!(
                    "buffer {i}'s bytes {}..{} do not lie within the {} bytes of data",
                    range.start,
                    range.end,
                    data.len()
                ),
            ));
        }
        total = total.saturating_add(range.len() + DATA_ALIGN);
    }
    let too_large = || {
        Error::new(
            "model",
            "the file would pass 2 GiB, past a flatbuffer's reach",
        )
    };
    if total > i32::MAX as usize {
        return Err(too_large());
    }

    let mut b = Builder::new();
    // Written from the end of the file: the buffers' data last in it, as the converter has it.
    let buffers: Vec<Offset> = model
        .buffers
        .iter()
        .map(|range| {
            let bytes = &data[range.clone()];
            let data = (!bytes.is_empty()).then(|| b.bytes(bytes, DATA_ALIGN));
            b.start_table();
            if let Some(data) = data {
                b.add_offset(0, data);
            }
            b.end_table()
        })
        .collect();
    let buffers = b.offsets(&buffers);

    let mut codes: Vec<&Code> = Vec::new();
    for op in model.subgraphs.iter().flat_map(|s| &s.operators) {
        if !codes.contains(&&op.operator) {
            codes.push(&op.operator);
        }
    }
    let subgraphs: Vec<Offset> = model
        .subgraphs
        .iter()
        .map(|s| subgraph(&mut b, s, &codes))
        .collect();
    let subgraphs = b.offsets(&subgraphs);
    let codes: Vec<Offset> = codes.iter().map(|c| operator_code(&mut b, c)).collect();
    let codes = b.offsets(&codes);
    let description = b.string(&model.description);

    b.start_table();
    b.add_u32(0, model.version, 0);
    b.add_offset(1, codes);
    b.add_offset(2, subgraphs);
    b.add_offset(3, description);
    b.add_offset(4, buffers);
    let root = b.end_table();
    b.finish(root, *b"TFL3").ok_or_else(too_large)
}

/// `CUSTOM`'s builtin code.
const CUSTOM: i32 = 32;

fn operator_code(b: &mut Builder, code: &Code) -> Offset {
    match code {
        Code::Builtin(code) => {
            b.start_table();
            // The byte field holds codes up to 127; 127 (`PLACEHOLDER_FOR_GREATER_OP_CODES`)
            // says to read `builtin_code`.
            let deprecated = i8::try_from((*code).clamp(0, 127)).unwrap_or(127);
            b.add_i8(0, deprecated, 0);
            b.add_i32(3, *code, 0);
        }
        Code::Custom(name) => {
            let name = b.string(name);
            b.start_table();
            b.add_i8(0, CUSTOM as i8, 0);
            b.add_offset(1, name);
            b.add_i32(3, CUSTOM, 0);
        }
    }
    b.end_table()
}

fn subgraph(b: &mut Builder, s: &Subgraph, codes: &[&Code]) -> Offset {
    let tensors: Vec<Offset> = s.tensors.iter().map(|t| tensor(b, t)).collect();
    let tensors = b.offsets(&tensors);
    let operators: Vec<Offset> = s.operators.iter().map(|o| operator(b, o, codes)).collect();
    let operators = b.offsets(&operators);
    let inputs = b.i32s(&s.inputs);
    let outputs = b.i32s(&s.outputs);
    let name = b.string(&s.name);
    b.start_table();
    b.add_offset(0, tensors);
    b.add_offset(1, inputs);
    b.add_offset(2, outputs);
    b.add_offset(3, operators);
    b.add_offset(4, name);
    b.end_table()
}

fn element(e: Element) -> i8 {
    match e {
        Element::F32 => 0,
        Element::F16 => 1,
        Element::I32 => 2,
        Element::U8 => 3,
        Element::I64 => 4,
        Element::I16 => 7,
        Element::I8 => 9,
        Element::Other(code) => code,
    }
}

fn quantization(b: &mut Builder, q: &Quantization) -> Offset {
    let scale = b.f32s(&q.scale);
    let zero_point = b.i64s(&q.zero_point);
    b.start_table();
    b.add_offset(2, scale);
    b.add_offset(3, zero_point);
    b.add_i32(6, q.dimension, 0);
    b.end_table()
}

fn tensor(b: &mut Builder, t: &Tensor) -> Offset {
    let quantization = t.quantization.as_ref().map(|q| quantization(b, q));
    let shape = b.i32s(&t.shape);
    let name = b.string(&t.name);
    b.start_table();
    b.add_offset(0, shape);
    b.add_i8(1, element(t.element), 0);
    b.add_u32(2, t.buffer, 0);
    b.add_offset(3, name);
    if let Some(q) = quantization {
        b.add_offset(4, q);
    }
    b.add_bool(5, t.is_variable, false);
    b.end_table()
}

fn operator(b: &mut Builder, op: &Operator, codes: &[&Code]) -> Offset {
    let index = codes.iter().position(|c| **c == op.operator).unwrap_or(0);
    let options = options(b, &op.options);
    let inputs = b.i32s(&op.inputs);
    let outputs = b.i32s(&op.outputs);
    let intermediates = (!op.intermediates.is_empty()).then(|| b.i32s(&op.intermediates));
    b.start_table();
    // Fewer codes than operators, so the index fits.
    b.add_u32(0, u32::try_from(index).unwrap_or(u32::MAX), 0);
    b.add_offset(1, inputs);
    b.add_offset(2, outputs);
    if let Some((kind, table)) = options {
        b.add_u8(3, kind, 0);
        b.add_offset(4, table);
    }
    if let Some(intermediates) = intermediates {
        b.add_offset(8, intermediates);
    }
    b.end_table()
}

fn padding(p: Padding) -> i8 {
    match p {
        Padding::Same => 0,
        Padding::Valid => 1,
    }
}

fn activation(a: Activation) -> i8 {
    match a {
        Activation::None => 0,
        Activation::Relu => 1,
        Activation::ReluN1To1 => 2,
        Activation::Relu6 => 3,
        Activation::Tanh => 4,
        Activation::SignBit => 5,
    }
}

/// The window's fields: padding (0), stride_w (1), stride_h (2), and the dilations at
/// `dilation_w`, `dilation_w + 1` (h).
fn window(b: &mut Builder, w: &Window, dilation_w: usize) {
    b.add_i8(0, padding(w.padding), 0);
    b.add_i32(1, w.strides.1, 0);
    b.add_i32(2, w.strides.0, 0);
    b.add_i32(dilation_w, w.dilation.1, 1);
    b.add_i32(dilation_w + 1, w.dilation.0, 1);
}

/// The operator's settings: their kind in the schema's `BuiltinOptions` and their table.
fn options(b: &mut Builder, options: &Options) -> Option<(u8, Offset)> {
    let kind = match options {
        Options::None => return None,
        Options::Conv2D {
            window: w,
            activation: a,
        } => {
            b.start_table();
            window(b, w, 4);
            b.add_i8(3, activation(*a), 0);
            1
        }
        Options::DepthwiseConv2D {
            window: w,
            depth_multiplier,
            activation: a,
        } => {
            b.start_table();
            window(b, w, 5);
            b.add_i32(3, *depth_multiplier, 0);
            b.add_i8(4, activation(*a), 0);
            2
        }
        Options::Pool2D {
            padding: p,
            strides,
            filter,
            activation: a,
        } => {
            b.start_table();
            b.add_i8(0, padding(*p), 0);
            b.add_i32(1, strides.1, 0);
            b.add_i32(2, strides.0, 0);
            b.add_i32(3, filter.1, 0);
            b.add_i32(4, filter.0, 0);
            b.add_i8(5, activation(*a), 0);
            5
        }
        Options::FullyConnected {
            activation: a,
            keep_num_dims,
        } => {
            b.start_table();
            b.add_i8(0, activation(*a), 0);
            b.add_bool(2, *keep_num_dims, false);
            8
        }
        Options::Softmax { beta } => {
            b.start_table();
            b.add_f32(0, *beta, 0.0);
            9
        }
        Options::Concatenation {
            axis,
            activation: a,
        } => {
            b.start_table();
            b.add_i32(0, *axis, 0);
            b.add_i8(1, activation(*a), 0);
            10
        }
        Options::LeakyRelu { alpha } => {
            b.start_table();
            b.add_f32(0, *alpha, 0.0);
            75
        }
        Options::Gelu { approximate } => {
            b.start_table();
            b.add_bool(0, *approximate, false);
            116
        }
        Options::Add { activation: a } => {
            b.start_table();
            b.add_i8(0, activation(*a), 0);
            11
        }
        Options::Mul { activation: a } => {
            b.start_table();
            b.add_i8(0, activation(*a), 0);
            21
        }
        Options::Reshape { new_shape } => {
            // Left out when empty: TensorFlow Lite reads an absent and an empty shape alike.
            let shape = (!new_shape.is_empty()).then(|| b.i32s(new_shape));
            b.start_table();
            if let Some(shape) = shape {
                b.add_offset(0, shape);
            }
            17
        }
        Options::StridedSlice {
            begin_mask,
            end_mask,
            ellipsis_mask,
            new_axis_mask,
            shrink_axis_mask,
        } => {
            b.start_table();
            b.add_i32(0, *begin_mask, 0);
            b.add_i32(1, *end_mask, 0);
            b.add_i32(2, *ellipsis_mask, 0);
            b.add_i32(3, *new_axis_mask, 0);
            b.add_i32(4, *shrink_axis_mask, 0);
            32
        }
        Options::SequenceLstm {
            activation: a,
            cell_clip,
            proj_clip,
            time_major,
        } => {
            b.start_table();
            b.add_i8(0, activation(*a), 0);
            b.add_f32(1, *cell_clip, 0.0);
            b.add_f32(2, *proj_clip, 0.0);
            b.add_bool(3, *time_major, false);
            71
        }
        Options::Other(kind) => {
            b.start_table();
            *kind
        }
    };
    Some((kind, b.end_table()))
}
