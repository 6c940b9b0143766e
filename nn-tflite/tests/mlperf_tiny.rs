//! MLPerf Tiny's `.tflite` reference files (`tests/fixtures/mlperf_tiny/`, provenance in its
//! README), read by `nn_tflite::read` and compared, operator by operator and tensor by tensor,
//! with what TensorFlow's own flatbuffer reader found (`<file>.tflite.json`, recorded by
//! `tools/tflite_structure.py`); and damaged copies of them refused without a panic.

use nn_tflite::{Activation, Code, Element, Options, Padding, Window};
use serde_json::Value;

/// The `.tflite` fixtures (MLPerf Tiny's six, `tests/fixtures/tflite/windows.tflite`, whose
/// windows differ along height and width, and our full-int8 ones: `int8_ops.tflite`,
/// `int8_bn.tflite`, `ours_int8.tflite`, `int8_mean.tflite`, `int8_mean_keep.tflite`,
/// `int8_more.tflite`, `ours_more.tflite`, `int8_seq.tflite`, `int8_seq_add.tflite`,
/// `int8_gmax.tflite`, `ours_seq.tflite`, `ours_seq_end.tflite`, `int8_acts.tflite`,
/// `ours_acts.tflite`, `ours_elu.tflite`, and `int8_lstm.tflite`, `int8_lstm_seq.tflite` and
/// `ours_lstm.tflite` with an LSTM's intermediates and variable tensors), each with the record
/// of TensorFlow's reader beside it.
fn files() -> Vec<String> {
    let mut paths: Vec<String> = ["mlperf_tiny", "tflite"]
        .into_iter()
        .flat_map(|dir| {
            let dir = format!("{}/../tests/fixtures/{dir}", env!("CARGO_MANIFEST_DIR"));
            std::fs::read_dir(&dir)
                .unwrap()
                .map(move |entry| format!("{dir}/{}", entry.unwrap().file_name().to_string_lossy()))
        })
        // `windows.rewritten.tflite` is `nn_tflite::write`'s, checked in `tests/write.rs`.
        .filter(|path| path.ends_with(".tflite") && !path.ends_with(".rewritten.tflite"))
        .collect();
    paths.sort();
    assert_eq!(paths.len(), 27, "the .tflite fixtures: {paths:?}");
    paths
}

/// A file of `tests/fixtures/mlperf_tiny/` by name, or any file by path.
fn fixture(name: &str) -> Vec<u8> {
    let path = if name.starts_with('/') {
        name.to_string()
    } else {
        format!(
            "{}/../tests/fixtures/mlperf_tiny/{name}",
            env!("CARGO_MANIFEST_DIR")
        )
    };
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn ints(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .collect()
}

fn padding(p: Padding) -> i64 {
    match p {
        Padding::Same => 0,
        Padding::Valid => 1,
    }
}

fn activation(a: Activation) -> i64 {
    match a {
        Activation::None => 0,
        Activation::Relu => 1,
        Activation::ReluN1To1 => 2,
        Activation::Relu6 => 3,
        Activation::Tanh => 4,
        Activation::SignBit => 5,
    }
}

fn element(e: Element) -> i64 {
    match e {
        Element::F32 => 0,
        Element::F16 => 1,
        Element::I32 => 2,
        Element::U8 => 3,
        Element::I64 => 4,
        Element::I16 => 7,
        Element::I8 => 9,
        Element::Other(code) => i64::from(code),
    }
}

/// A convolution's window as TensorFlow's reader records it.
fn window_record(w: &Window) -> Value {
    serde_json::json!({
        "padding": padding(w.padding),
        "strides": [w.strides.0, w.strides.1],
        "dilation": [w.dilation.0, w.dilation.1],
    })
}

/// Our options as TensorFlow's reader records them (the settings both decode).
fn options_record(options: &Options) -> Value {
    let pair = |(a, b): (i32, i32)| serde_json::json!([a, b]);
    match options {
        Options::None => serde_json::json!({ "kind": 0 }),
        Options::Conv2D {
            window,
            activation: a,
        } => {
            let mut record = window_record(window);
            record["kind"] = 1.into();
            record["activation"] = activation(*a).into();
            record
        }
        Options::DepthwiseConv2D {
            window,
            depth_multiplier,
            activation: a,
        } => {
            let mut record = window_record(window);
            record["kind"] = 2.into();
            record["depth_multiplier"] = (*depth_multiplier).into();
            record["activation"] = activation(*a).into();
            record
        }
        Options::Pool2D {
            padding: p,
            strides,
            filter,
            activation: a,
        } => serde_json::json!({
            "kind": 5, "padding": padding(*p), "strides": pair(*strides),
            "filter": pair(*filter), "activation": activation(*a)
        }),
        Options::FullyConnected {
            activation: a,
            keep_num_dims,
        } => serde_json::json!({
            "kind": 8, "activation": activation(*a), "keep_num_dims": keep_num_dims
        }),
        Options::Softmax { beta } => serde_json::json!({ "kind": 9, "beta": beta }),
        Options::Add { activation: a } => {
            serde_json::json!({ "kind": 11, "activation": activation(*a) })
        }
        Options::Concatenation {
            axis,
            activation: a,
        } => serde_json::json!({ "kind": 10, "axis": axis, "activation": activation(*a) }),
        Options::LeakyRelu { alpha } => serde_json::json!({ "kind": 75, "alpha": alpha }),
        Options::Gelu { approximate } => {
            serde_json::json!({ "kind": 116, "approximate": approximate })
        }
        Options::Reshape { new_shape } => serde_json::json!({ "kind": 17, "new_shape": new_shape }),
        Options::Mul { activation: a } => {
            serde_json::json!({ "kind": 21, "activation": activation(*a) })
        }
        Options::StridedSlice {
            begin_mask,
            end_mask,
            ellipsis_mask,
            new_axis_mask,
            shrink_axis_mask,
        } => serde_json::json!({
            "kind": 32, "begin_mask": begin_mask, "end_mask": end_mask,
            "ellipsis_mask": ellipsis_mask, "new_axis_mask": new_axis_mask,
            "shrink_axis_mask": shrink_axis_mask
        }),
        Options::SequenceLstm {
            activation: a,
            cell_clip,
            proj_clip,
            time_major,
        } => serde_json::json!({
            "kind": 71, "activation": activation(*a), "cell_clip": cell_clip,
            "proj_clip": proj_clip, "time_major": time_major
        }),
        Options::Other(kind) => serde_json::json!({ "kind": kind }),
    }
}

#[test]
fn every_operator_and_tensor_is_what_tensorflow_reads() {
    for name in &files() {
        let bytes = fixture(name);
        let model = nn_tflite::read(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let json: Value =
            serde_json::from_slice(&fixture(&format!("{name}.json"))).expect("the record");
        assert_eq!(
            i64::from(model.version),
            json["version"].as_i64().unwrap(),
            "{name}"
        );
        let lengths: Vec<i64> = model.buffers.iter().map(|r| r.len() as i64).collect();
        assert_eq!(lengths, ints(&json["buffers"]), "{name}: buffer lengths");
        let subgraphs = json["subgraphs"].as_array().unwrap();
        assert_eq!(model.subgraphs.len(), subgraphs.len(), "{name}");
        for (graph, record) in model.subgraphs.iter().zip(subgraphs) {
            let widen = |v: &[i32]| v.iter().map(|&i| i64::from(i)).collect::<Vec<_>>();
            assert_eq!(widen(&graph.inputs), ints(&record["inputs"]), "{name}");
            assert_eq!(widen(&graph.outputs), ints(&record["outputs"]), "{name}");
            let ops = record["operators"].as_array().unwrap();
            assert_eq!(graph.operators.len(), ops.len(), "{name}");
            for (k, (op, r)) in graph.operators.iter().zip(ops).enumerate() {
                let Code::Builtin(code) = op.operator else {
                    panic!("{name}: operator {k} is custom");
                };
                assert_eq!(
                    i64::from(code),
                    r["code"].as_i64().unwrap(),
                    "{name} op {k}"
                );
                assert_eq!(widen(&op.inputs), ints(&r["inputs"]), "{name} op {k}");
                assert_eq!(widen(&op.outputs), ints(&r["outputs"]), "{name} op {k}");
                assert_eq!(options_record(&op.options), r["options"], "{name} op {k}");
                // Recorded where there are some.
                let intermediates = r.get("intermediates").map(ints).unwrap_or_default();
                assert_eq!(widen(&op.intermediates), intermediates, "{name} op {k}");
            }
            let tensors = record["tensors"].as_array().unwrap();
            assert_eq!(graph.tensors.len(), tensors.len(), "{name}");
            for (k, (t, r)) in graph.tensors.iter().zip(tensors).enumerate() {
                assert_eq!(t.name, r["name"].as_str().unwrap(), "{name} tensor {k}");
                assert_eq!(widen(&t.shape), ints(&r["shape"]), "{name} tensor {k}");
                assert_eq!(
                    element(t.element),
                    r["type"].as_i64().unwrap(),
                    "{name} tensor {k}"
                );
                assert_eq!(
                    i64::from(t.buffer),
                    r["buffer"].as_i64().unwrap(),
                    "{name} tensor {k}"
                );
                // Recorded where true (an LSTM's states).
                let variable = r
                    .get("is_variable")
                    .is_some_and(|v| v.as_bool() == Some(true));
                assert_eq!(t.is_variable, variable, "{name} tensor {k}");
                let (scale, zero, dimension) = match &t.quantization {
                    Some(q) => (
                        q.scale.clone(),
                        q.zero_point.clone(),
                        i64::from(q.dimension),
                    ),
                    None => (Vec::new(), Vec::new(), 0),
                };
                // Recorded as doubles; serde_json's parsing may miss the last bit of a double,
                // never of the f32 it came from.
                let want: Vec<f32> = r["scale"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap() as f32)
                    .collect();
                assert_eq!(scale, want, "{name} tensor {k} scales");
                assert_eq!(
                    zero,
                    ints(&r["zero_point"]),
                    "{name} tensor {k} zero points"
                );
                assert_eq!(
                    dimension,
                    r["dimension"].as_i64().unwrap(),
                    "{name} tensor {k}"
                );
            }
        }
    }
}

#[test]
fn the_int8_files_are_quantized_per_channel_where_tflite_says() {
    let bytes = fixture("pretrainedResnet_quant.tflite");
    let model = nn_tflite::read(&bytes).unwrap();
    let graph = &model.subgraphs[0];
    let first_conv = graph
        .operators
        .iter()
        .find(|op| op.operator == Code::CONV_2D)
        .expect("a convolution");
    let kernel = &graph.tensors[first_conv.inputs[1] as usize];
    assert_eq!(kernel.element, Element::I8);
    assert_eq!(kernel.shape, [16, 3, 3, 3]);
    let q = kernel.quantization.as_ref().expect("quantized");
    assert_eq!(q.scale.len(), 16, "one scale per output channel");
    assert!(q.zero_point.iter().all(|&z| z == 0), "symmetric weights");
    assert_eq!(model.buffers[kernel.buffer as usize].len(), 16 * 3 * 3 * 3);
    assert_eq!(first_conv.operator.name(), "CONV_2D");
    assert_eq!(Code::Builtin(1000).name(), "BUILTIN");
    assert_eq!(
        graph
            .operators
            .iter()
            .filter(|op| op.operator == Code::ADD)
            .count(),
        3,
        "ResNet-8's three blocks"
    );
}

#[test]
fn damaged_files_are_errors_not_panics() {
    let bytes = fixture("kws_ref_model.tflite");
    // Every 61st prefix, and the last bytes one by one: a cut file misses something it
    // points at (but for the converter's padding after its last string, 4 bytes here).
    let ends = (0..bytes.len())
        .step_by(61)
        .chain(bytes.len() - 64..bytes.len() - 4);
    for end in ends {
        assert!(
            nn_tflite::read(&bytes[..end]).is_err(),
            "prefix of {end} bytes read"
        );
    }
    // Seeded single-byte changes throughout the file: each reads or is refused.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut refused = 0;
    for _ in 0..3000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let mut copy = bytes.clone();
        let at = (state % copy.len() as u64) as usize;
        copy[at] ^= (state >> 32) as u8 | 1;
        if let Err(error) = nn_tflite::read(&copy) {
            assert!(!error.problem.is_empty());
            refused += 1;
        }
    }
    assert!(refused > 0, "some of the changes hit the structure");
    let mut no_id = bytes.clone();
    no_id[4..8].copy_from_slice(b"XXXX");
    let error = nn_tflite::read(&no_id).unwrap_err();
    assert!(error.to_string().contains("TFL3"), "{error}");
}
