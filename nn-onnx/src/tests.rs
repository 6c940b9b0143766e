//! The reader on messages built here, field by field: what it reads, and hostile bytes (lengths
//! past the end, endless varints, groups, tensors that do not fit their dimensions, external
//! data) as errors.

use alloc::vec;
use alloc::vec::Vec;

use crate::write::varint;
use crate::{Dim, read};

/// A varint field.
fn int(number: u64, v: i64) -> Vec<u8> {
    let mut out = Vec::new();
    varint(number << 3, &mut out);
    varint(v as u64, &mut out);
    out
}

/// A length-delimited field.
fn bytes(number: u64, b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    varint((number << 3) | 2, &mut out);
    varint(b.len() as u64, &mut out);
    out.extend_from_slice(b);
    out
}

/// A float field.
fn float(number: u64, f: f32) -> Vec<u8> {
    let mut out = Vec::new();
    varint((number << 3) | 5, &mut out);
    out.extend_from_slice(&f.to_le_bytes());
    out
}

fn model(graph: &[u8]) -> Vec<u8> {
    let mut m = int(1, 8);
    m.extend(bytes(7, graph));
    m.extend(bytes(8, &[bytes(1, b""), int(2, 17)].concat()));
    m
}

/// A float tensor `name` of `dims` with `values` in `raw_data`.
fn tensor(name: &str, dims: &[i64], values: &[f32]) -> Vec<u8> {
    let mut packed = Vec::new();
    for &d in dims {
        varint(d as u64, &mut packed);
    }
    let raw: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    [
        bytes(1, &packed),
        int(2, 1),
        bytes(8, name.as_bytes()),
        bytes(9, &raw),
    ]
    .concat()
}

fn graph() -> Vec<u8> {
    let node = [
        bytes(1, b"x"),
        bytes(1, b"w"),
        bytes(2, b"y"),
        bytes(3, b"/0/Gemm"),
        bytes(4, b"Gemm"),
        bytes(5, &[bytes(1, b"transB"), int(3, 1), int(20, 2)].concat()),
        bytes(5, &[bytes(1, b"alpha"), float(2, 0.5), int(20, 1)].concat()),
    ]
    .concat();
    let dim = |d: &[u8]| bytes(1, d);
    let shape = bytes(2, &[dim(&bytes(2, b"batch")), dim(&int(1, 3))].concat());
    let input = [
        bytes(1, b"x"),
        bytes(2, &bytes(1, &[int(1, 1), shape].concat())),
    ]
    .concat();
    [
        bytes(1, &node),
        bytes(2, b"g"),
        bytes(5, &tensor("w", &[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])),
        bytes(11, &input),
        bytes(12, &bytes(1, b"y")),
    ]
    .concat()
}

#[test]
fn a_model_is_read_field_by_field() {
    let m = read(&model(&graph())).unwrap();
    assert_eq!(m.ir_version, 8);
    assert_eq!(m.opset_import[0].version, 17);
    let g = &m.graph;
    assert_eq!(g.name, "g");
    let node = &g.node[0];
    assert_eq!(
        (node.op_type.as_str(), node.name.as_str()),
        ("Gemm", "/0/Gemm")
    );
    assert_eq!(node.input, ["x", "w"]);
    assert_eq!(node.attribute("transB").unwrap().i, 1);
    assert_eq!(node.attribute("alpha").unwrap().f, 0.5);
    assert_eq!(g.initializer[0].dims, [2, 3]);
    assert_eq!(
        g.initializer[0].floats().unwrap(),
        [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    );
    assert_eq!(g.input[0].elem_type, 1);
    assert_eq!(
        g.input[0].shape.as_deref().unwrap(),
        [Dim::Param("batch".into()), Dim::Value(3)]
    );
    assert_eq!(g.output[0].name, "y");
}

#[test]
fn every_cut_of_a_model_is_an_error_or_a_prefix_that_reads() {
    let full = model(&graph());
    let graph_end = 2 + 2 + graph().len();
    for len in 0..full.len() {
        let read = read(&full[..len]);
        if len < graph_end {
            assert!(read.is_err(), "{len} bytes read");
        }
    }
}

#[test]
fn hostile_bytes_are_errors() {
    let error = |b: &[u8]| read(b).unwrap_err().problem;
    // A length far past the end.
    let mut m = int(1, 8);
    m.extend([7 << 3 | 2, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    assert!(error(&m).contains("more than the bytes left"));
    // A varint of eleven bytes.
    let mut m = vec![1 << 3];
    m.extend([0xff; 11]);
    assert!(error(&m).contains("longer than ten bytes"));
    // A group.
    assert!(error(&[7 << 3 | 3]).contains("group"));
    // Field number 0.
    assert!(error(&[0, 1]).contains("number 0"));
    // No graph.
    assert!(error(&int(1, 8)).contains("no graph"));
    // A tensor that holds fewer values than its dimensions say.
    let g = bytes(5, &tensor("w", &[2, 3], &[1.0; 5]));
    assert!(error(&model(&g)).contains("holds 5 values, its dimensions [2, 3] say 6"));
    // Dimensions whose product overflows.
    let g = bytes(5, &tensor("w", &[1 << 40, 1 << 40], &[]));
    assert!(error(&model(&g)).contains("hold no count"));
    // A negative dimension.
    let g = bytes(5, &tensor("w", &[-1], &[]));
    assert!(error(&model(&g)).contains("hold no count"));
    // External data.
    let g = bytes(5, &[tensor("w", &[1], &[1.0]), int(14, 1)].concat());
    assert!(error(&model(&g)).contains("external data"));
    // Raw bytes that are not whole values.
    let g = bytes(5, &[bytes(1, &[3]), int(2, 1), bytes(9, &[0; 11])].concat());
    assert!(error(&model(&g)).contains("not a whole number"));
    // A name that is not UTF-8.
    let g = bytes(1, &bytes(4, &[0xff, 0xfe]));
    assert!(error(&model(&g)).contains("UTF-8"));
}

#[test]
fn a_model_written_reads_back_the_same() {
    use crate::{Attribute, Graph, Model, Node, OperatorSet, Tensor, ValueInfo, write};
    use alloc::string::String;
    let attribute = |name: &str, r#type: i32| Attribute {
        name: name.into(),
        r#type,
        ..Attribute::default()
    };
    let tensor = |name: &str, dims: Vec<i64>| Tensor {
        name: name.into(),
        dims,
        data_type: 1,
        ..Tensor::default()
    };
    let model = Model {
        ir_version: 8,
        opset_import: vec![OperatorSet {
            domain: String::new(),
            version: 17,
        }],
        producer_name: "nn".into(),
        producer_version: "0.1".into(),
        graph: Graph {
            name: "g".into(),
            node: vec![Node {
                op_type: "Conv".into(),
                domain: String::new(),
                name: "conv".into(),
                // An optional input left out keeps its place.
                input: vec!["x".into(), "w".into(), String::new()],
                output: vec!["y".into()],
                attribute: vec![
                    Attribute {
                        f: -0.25,
                        ..attribute("alpha", 1)
                    },
                    // Zero is written when the type says the value is there.
                    attribute("zero", 1),
                    Attribute {
                        i: -3,
                        ..attribute("axis", 2)
                    },
                    Attribute {
                        s: b"SAME_UPPER".to_vec(),
                        ..attribute("auto_pad", 3)
                    },
                    Attribute {
                        t: Some(Tensor {
                            float_data: vec![1.5],
                            ..tensor("c", vec![])
                        }),
                        ..attribute("value", 4)
                    },
                    Attribute {
                        floats: vec![0.5, -1.0],
                        ..attribute("scales", 6)
                    },
                    Attribute {
                        ints: vec![0, -1, 1 << 40],
                        ..attribute("pads", 7)
                    },
                    Attribute {
                        strings: vec![b"a".to_vec(), Vec::new()],
                        ..attribute("names", 8)
                    },
                ],
            }],
            initializer: vec![
                Tensor {
                    raw_data: [1.0f32, -2.0]
                        .iter()
                        .flat_map(|v| v.to_le_bytes())
                        .collect(),
                    ..tensor("w", vec![2, 1, 1, 1])
                },
                Tensor {
                    data_type: 7,
                    int64_data: vec![-1, 4],
                    ..tensor("shape", vec![2])
                },
                Tensor {
                    data_type: 11,
                    double_data: vec![0.1],
                    ..tensor("d", vec![1])
                },
            ],
            input: vec![ValueInfo {
                name: "x".into(),
                elem_type: 1,
                shape: Some(vec![
                    Dim::Param("batch".into()),
                    Dim::Value(1),
                    Dim::Unknown,
                ]),
            }],
            output: vec![ValueInfo {
                name: "y".into(),
                elem_type: 1,
                shape: None,
            }],
            value_info: vec![ValueInfo {
                name: "z".into(),
                elem_type: 1,
                shape: Some(Vec::new()),
            }],
        },
    };
    let bytes = write(&model);
    assert_eq!(read(&bytes).unwrap(), model);
    // Written again, the same bytes.
    assert_eq!(write(&read(&bytes).unwrap()), bytes);
}
