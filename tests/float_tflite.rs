//! Float TensorFlow Lite files read into float declarations (`Net::load_tflite`,
//! `Net::from_tflite`): `tests/fixtures/float_tflite/float_ops.tflite` (made by
//! `tools/float_tflite.py` with TensorFlow's converter) gives TensorFlow Lite's reference
//! outputs on its recorded inputs; MLPerf Tiny's keyword spotter's float file loads; a
//! declaration that differs gets every difference.

use nn::prelude::*;

network! {
    /// The layers `tools/float_tflite.py` converts.
    struct FloatOps =
        Input<12, 10, 2>,
        Conv2D<6, (3, 3), Relu, strides = (2, 2), padding = Same>, BatchNormalization,
        DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization, Activation<Relu>,
        SeparableConv2D<8, (3, 3), Relu, padding = Same>, MaxPool2D<(2, 2)>,
        Conv2D<8, (2, 1), Relu6>, GlobalAvgPool2D,
        Dense<_, 16, Relu>, Dropout<0.3>, Dense<_, 5, Softmax>;

    /// The same with other windows and a missing activation.
    struct Differs =
        Input<12, 10, 2>,
        Conv2D<6, (3, 3), Relu, padding = Same>, BatchNormalization,
        DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization,
        SeparableConv2D<8, (3, 3), Relu, padding = Same>, MaxPool2D<(2, 2)>,
        Conv2D<8, (2, 1), Relu6>, GlobalAvgPool2D,
        Dense<_, 16, Relu>, Dropout<0.3>, Dense<_, 5, Softmax>;
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A recorded list of numbers (`f32` values written as JSON numbers).
fn floats(v: &serde_json::Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

#[test]
fn a_float_file_gives_tflite_s_reference_outputs() {
    let net = FloatOps::load_tflite(fixture("float_tflite/float_ops.tflite")).unwrap();
    let recorded: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("float_tflite/float_ops.json")).unwrap())
            .unwrap();
    let inputs = recorded["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 3);
    for (x, want) in inputs.iter().zip(recorded["outputs"].as_array().unwrap()) {
        let x = SVector::<f32, 240>::from_column_slice(&floats(x));
        let y = net.predict(&x);
        for (got, want) in y.iter().zip(floats(want)) {
            assert!((got - want).abs() <= 1e-5, "{y:?} against {want}");
        }
    }
}

#[test]
fn a_declaration_that_differs_gets_every_difference() {
    let Err(nn::Error::Mismatch { problems, .. }) =
        Differs::load_tflite(fixture("float_tflite/float_ops.tflite"))
    else {
        panic!("a mismatch expected");
    };
    // The first convolution's strides, and the ReLU the file fuses after the depthwise
    // convolution that the declaration has no layer for.
    assert!(
        problems
            .iter()
            .any(|p| p.contains("conv2d") && p.contains("strides")),
        "{problems:#?}"
    );
    assert!(problems.iter().any(|p| p.contains("Relu")), "{problems:#?}");
}

#[test]
fn an_int8_file_is_refused_with_the_way_to_read_it() {
    let Err(nn::Error::Format { problem, .. }) =
        FloatOps::load_tflite(fixture("tflite/int8_ops.tflite"))
    else {
        panic!("a format error expected");
    };
    assert!(problem.contains("#[int8]"), "{problem}");
}

include!("../firmware/models/mlperf_tiny.rs");

kws_ref_model!(
    /// MLPerf Tiny's keyword spotter, from its float `.tflite` file.
    Kws
);

#[test]
fn mlperf_tiny_s_keyword_spotter_float_file_loads() {
    // Its convolutions' weights are int8 with scales (dynamic-range quantization), read as the
    // reals they stand for; its batch normalizations are folded.
    let net = Kws::load_tflite(fixture("mlperf_tiny/kws_ref_model_float32.tflite")).unwrap();
    let recorded: serde_json::Value = serde_json::from_slice(
        &std::fs::read(fixture("float_tflite/kws_ref_model_float32.json")).unwrap(),
    )
    .unwrap();
    let top = |v: &[f32]| (0..v.len()).max_by(|&a, &b| v[a].total_cmp(&v[b])).unwrap();
    let inputs = recorded["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 3);
    for (k, x) in inputs.iter().enumerate() {
        let y = net.predict(&SVector::<f32, 490>::from_column_slice(&floats(x)));
        // TensorFlow Lite's reference kernels on the file with those weights dequantized (pure
        // float): the same to 1e-5.
        let float = floats(&recorded["dequantized"][k]);
        for (got, want) in y.iter().zip(&float) {
            assert!((got - want).abs() <= 1e-5, "{y:?} against {float:?}");
        }
        // On the file as it is, its hybrid kernels also quantize the activations: the same
        // class.
        assert_eq!(top(y.as_slice()), top(&floats(&recorded["outputs"][k])));
    }
}

#[test]
fn damaged_files_are_errors_not_panics() {
    let bytes = std::fs::read(fixture("float_tflite/float_ops.tflite")).unwrap();
    for cut in (0..bytes.len()).step_by(97) {
        assert!(FloatOps::from_tflite(&bytes[..cut]).is_err());
    }
    let mut damaged = bytes.clone();
    for at in (0..bytes.len()).step_by(13) {
        for flip in [0x01, 0x80, 0xff] {
            damaged[at] ^= flip;
            // An error, or (a weight changed) a network: never a panic.
            if let Ok(net) = FloatOps::from_tflite(&damaged) {
                let _ = net.predict(&SVector::<f32, 240>::repeat(0.5));
            }
            damaged[at] = bytes[at];
        }
    }
}
