//! `nn_tflite::write`: every `.tflite` fixture read, written and read again gives the same
//! model, field for field, and the same bytes in every buffer; models with every kind of
//! settings, code and type do too; and a model whose buffers lie outside the data is an error.
//!
//! The written fixtures are also left in `$CARGO_TARGET_TMPDIR/rewritten/` (path printed), for
//! `tools/tflite_roundtrip.py` to run in TensorFlow Lite beside the originals.

use nn_tflite::{
    Activation, Code, Element, Model, Operator, Options, Padding, Quantization, Subgraph, Tensor,
    Window, read, write,
};

/// The `.tflite` fixtures: MLPerf Tiny's six and those of `tests/fixtures/tflite/`.
fn files() -> Vec<String> {
    let mut paths: Vec<String> = ["mlperf_tiny", "tflite"]
        .into_iter()
        .flat_map(|dir| {
            let dir = format!("{}/../tests/fixtures/{dir}", env!("CARGO_MANIFEST_DIR"));
            std::fs::read_dir(&dir)
                .unwrap()
                .map(move |entry| format!("{dir}/{}", entry.unwrap().file_name().to_string_lossy()))
        })
        .filter(|path| path.ends_with(".tflite") && !path.ends_with(".rewritten.tflite"))
        .collect();
    paths.sort();
    assert_eq!(paths.len(), 27, "the .tflite fixtures: {paths:?}");
    paths
}

/// The model without its buffers' places, and each buffer's bytes.
fn contents(model: &Model, bytes: &[u8]) -> (Model, Vec<Vec<u8>>) {
    let data = model
        .buffers
        .iter()
        .map(|r| bytes[r.clone()].to_vec())
        .collect();
    let mut model = model.clone();
    model.buffers.clear();
    (model, data)
}

/// Writes `model`, checks the file's layout and reads it back.
fn round_trip(model: &Model, data: &[u8]) -> (Vec<u8>, Model) {
    let written = write(model, data).unwrap();
    assert_eq!(&written[4..8], b"TFL3");
    let again = read(&written).unwrap_or_else(|e| panic!("the written file: {e}"));
    assert_eq!(again.buffers.len(), model.buffers.len());
    for range in &again.buffers {
        if !range.is_empty() {
            assert_eq!(range.start % 16, 0, "a buffer's data at {range:?}");
        }
    }
    assert_eq!(contents(&again, &written), contents(model, data));
    (written, again)
}

#[test]
fn every_fixture_reads_back_as_it_was() {
    let out = format!("{}/rewritten", env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(&out).unwrap();
    for path in files() {
        let bytes = std::fs::read(&path).unwrap();
        let model = read(&bytes).unwrap();
        let (written, again) = round_trip(&model, &bytes);
        // Writing what was read from a written file gives the same bytes again.
        assert_eq!(write(&again, &written).unwrap(), written, "{path}");
        let name = path.rsplit('/').next().unwrap();
        std::fs::write(format!("{out}/{name}"), &written).unwrap();
        println!("{path}: {} bytes, written {}", bytes.len(), written.len());
    }
    println!("rewritten files in {out}");
}

/// `tests/fixtures/tflite/windows.rewritten.tflite` is what the writer wrote from
/// `windows.tflite` when `tools/tflite_roundtrip.py` last ran both in TensorFlow Lite and found
/// every tensor identical; the writer still writes it byte for byte. (After a deliberate change
/// of the layout, rerun the tool, which replaces the file once TensorFlow Lite agrees.)
#[test]
fn windows_is_written_as_tensorflow_lite_ran_it() {
    let dir = format!("{}/../tests/fixtures/tflite", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(format!("{dir}/windows.tflite")).unwrap();
    let ran = std::fs::read(format!("{dir}/windows.rewritten.tflite")).unwrap();
    let written = write(&read(&bytes).unwrap(), &bytes).unwrap();
    assert!(
        written == ran,
        "the writer no longer writes what TensorFlow Lite ran"
    );
}

fn tensor(name: &str, element: Element, buffer: u32, q: Option<Quantization>) -> Tensor {
    Tensor {
        name: name.into(),
        shape: vec![1, 3, 2],
        element,
        buffer,
        quantization: q,
        is_variable: false,
    }
}

fn op(operator: Code, options: Options) -> Operator {
    Operator {
        intermediates: vec![],
        operator,
        inputs: vec![0, -1, 2],
        outputs: vec![1],
        options,
    }
}

/// A model with every kind of settings the reader decodes, set away from their defaults and
/// at them, custom codes, codes past 127, every element type and both kinds of quantization.
fn everything() -> (Model, Vec<u8>) {
    let window = |padding, strides, dilation| Window {
        padding,
        strides,
        dilation,
    };
    let options = vec![
        Options::None,
        Options::Conv2D {
            window: window(Padding::Valid, (2, 3), (4, 5)),
            activation: Activation::Relu6,
        },
        Options::Conv2D {
            window: window(Padding::Same, (0, 0), (1, 1)),
            activation: Activation::None,
        },
        Options::DepthwiseConv2D {
            window: window(Padding::Same, (1, 2), (3, 1)),
            depth_multiplier: 4,
            activation: Activation::SignBit,
        },
        Options::FullyConnected {
            activation: Activation::Tanh,
            keep_num_dims: true,
        },
        Options::FullyConnected {
            activation: Activation::None,
            keep_num_dims: false,
        },
        Options::Pool2D {
            padding: Padding::Valid,
            strides: (5, 6),
            filter: (7, 8),
            activation: Activation::ReluN1To1,
        },
        Options::Softmax { beta: 0.25 },
        Options::Softmax { beta: 0.0 },
        Options::Softmax { beta: -0.0 },
        Options::Add {
            activation: Activation::Relu,
        },
        Options::Mul {
            activation: Activation::Relu6,
        },
        Options::Reshape {
            new_shape: vec![1, -1],
        },
        Options::Reshape { new_shape: vec![] },
        Options::Concatenation {
            axis: -1,
            activation: Activation::None,
        },
        Options::Concatenation {
            axis: 3,
            activation: Activation::Relu,
        },
        Options::LeakyRelu { alpha: 0.2 },
        Options::LeakyRelu { alpha: 0.0 },
        Options::Gelu { approximate: true },
        Options::Gelu { approximate: false },
        Options::StridedSlice {
            begin_mask: 1,
            end_mask: -2,
            ellipsis_mask: 0,
            new_axis_mask: 4,
            shrink_axis_mask: 2,
        },
        Options::SequenceLstm {
            activation: Activation::Tanh,
            cell_clip: 0.5,
            proj_clip: 0.0,
            time_major: true,
        },
        Options::SequenceLstm {
            activation: Activation::None,
            cell_clip: 0.0,
            proj_clip: -1.0,
            time_major: false,
        },
        Options::Other(0),
        Options::Other(40),
        Options::Other(255),
    ];
    let codes = [
        Code::CONV_2D,
        Code::ADD,
        Code::Builtin(127),
        Code::Builtin(200),
        Code::Custom("MyOp".into()),
        Code::Custom(String::new()),
    ];
    let mut operators: Vec<Operator> = options
        .into_iter()
        .enumerate()
        .map(|(i, o)| op(codes[i % codes.len()].clone(), o))
        .collect();
    operators[1].intermediates = vec![2, -1, 0];
    let per_channel = Quantization {
        scale: vec![0.5, 0.25, 1e-9],
        zero_point: vec![0, -3, i64::MAX],
        dimension: 2,
    };
    let per_tensor = Quantization {
        scale: vec![0.1],
        zero_point: vec![-128],
        dimension: 0,
    };
    let elements = [
        Element::F32,
        Element::F16,
        Element::I32,
        Element::U8,
        Element::I64,
        Element::I16,
        Element::I8,
        Element::Other(10),
        Element::Other(-1),
    ];
    let mut tensors: Vec<Tensor> = elements
        .iter()
        .enumerate()
        .map(|(i, &e)| tensor(&format!("t{i} ünïcode"), e, i as u32 % 4, None))
        .collect();
    tensors[0].quantization = Some(per_tensor);
    tensors[1].quantization = Some(per_channel);
    tensors[2].shape.clear();
    tensors[3].name.clear();
    tensors[4].is_variable = true;
    let data: Vec<u8> = (0..=255).collect();
    let model = Model {
        version: 3,
        description: "written by nn".into(),
        subgraphs: vec![
            Subgraph {
                name: "main".into(),
                tensors,
                inputs: vec![0, 3],
                outputs: vec![1],
                operators,
            },
            Subgraph {
                name: String::new(),
                tensors: vec![tensor("", Element::F32, 0, None)],
                inputs: vec![],
                outputs: vec![],
                operators: vec![],
            },
        ],
        buffers: vec![0..0, 3..5, 7..8, 0..256, 100..100],
    };
    (model, data)
}

#[test]
fn every_kind_of_setting_code_and_type_reads_back() {
    let (model, data) = everything();
    round_trip(&model, &data);
    // Operators share their codes: one entry per distinct code, so one `MyOp` name though
    // three operators are `MyOp`s.
    let written = write(&model, &data).unwrap();
    let names = written.windows(4).filter(|w| w == b"MyOp").count();
    assert_eq!(names, 1);
}

#[test]
fn an_empty_model_reads_back() {
    let model = Model {
        version: 0,
        description: String::new(),
        subgraphs: vec![],
        buffers: vec![],
    };
    round_trip(&model, &[]);
}

#[test]
fn buffers_outside_the_data_are_errors_not_panics() {
    let (mut model, data) = everything();
    let backwards = core::ops::Range { start: 5, end: 3 };
    for bad in [0..257, 256..257, backwards, usize::MAX - 1..usize::MAX] {
        model.buffers[2] = bad.clone();
        let error = write(&model, &data).unwrap_err();
        assert_eq!(error.part, "buffer", "{bad:?}: {error}");
        assert!(error.problem.contains("buffer 2"), "{}", error.problem);
    }
}

/// The fixtures' buffers keep their bytes, one by one (not merely in total).
#[test]
fn a_changed_byte_is_seen() {
    let path = &files()[0];
    let bytes = std::fs::read(path).unwrap();
    let model = read(&bytes).unwrap();
    let written = write(&model, &bytes).unwrap();
    let again = read(&written).unwrap();
    let (i, range) = again
        .buffers
        .iter()
        .enumerate()
        .find(|(_, r)| r.len() > 3)
        .unwrap();
    let mut changed = written.clone();
    changed[range.start + 2] ^= 1;
    let reread = read(&changed).unwrap();
    assert_ne!(
        contents(&reread, &changed),
        contents(&model, &bytes),
        "buffer {i}"
    );
}
