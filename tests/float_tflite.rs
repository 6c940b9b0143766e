//! Float TensorFlow Lite files read into float declarations (`Net::load_tflite`,
//! `Net::from_tflite`): the fixtures in `tests/fixtures/float_tflite` (made by
//! `tools/float_tflite.py` with TensorFlow's converter; a chain, and networks with `Add` and
//! `Concatenate` blocks) give TensorFlow Lite's reference outputs on their recorded inputs;
//! MLPerf Tiny's keyword spotter's float file loads; a declaration that differs gets every
//! difference, at its layer; damaged files are errors.

use nn::prelude::*;

mod common;
use common::{floats, predict};

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

    /// `float_add.tflite`: ResNet's identity block (a batch normalization folded into the
    /// second convolution, the sum through a ReLU the file fuses into its `ADD`) and its
    /// projection block (a strided 1×1 convolution as the shortcut).
    struct Residual =
        Input<8, 8, 3>, Conv2D<4, (3, 3), Relu, padding = Same>,
        Add<[Conv2D<4, (3, 3), Relu, padding = Same>, Conv2D<4, (3, 3), padding = Same>,
            BatchNormalization], []>,
        Activation<Relu>,
        Add<[Conv2D<8, (3, 3), strides = (2, 2), padding = Same>, BatchNormalization],
            [Conv2D<8, (1, 1), strides = (2, 2)>]>,
        Activation<Relu>, GlobalAvgPool2D, Dense<_, 3, Softmax>;

    /// `float_concat.tflite`: a convolution beside a residual block (a block within a branch),
    /// then a depthwise convolution beside the block's input itself.
    struct Concatenated =
        Input<6, 6, 3>, Conv2D<4, (1, 1), Relu>,
        Concatenate<[Conv2D<3, (3, 3), Relu, padding = Same>],
            [Add<[Conv2D<4, (3, 3), padding = Same>, BatchNormalization], []>]>,
        Concatenate<[DepthwiseConv2D<(3, 3), Relu6, padding = Same>], []>,
        Conv2D<5, (1, 1), Relu>, GlobalAvgPool2D, Dense<_, 2>;

    /// `float_dense_blocks.tflite`: one dense layer beside two, and a residual block around a
    /// dense layer.
    struct DenseBlocks =
        Input<6>, Dense<_, 8, Relu>,
        Concatenate<[Dense<_, 4, Relu>], [Dense<_, 5, Tanh>, Dense<_, 3>]>,
        Add<[Dense<_, 7, Tanh>], []>, Dense<_, 3, Softmax>;

    /// [`Residual`] without the ReLU after its first block.
    struct ResidualWithoutRelu =
        Input<8, 8, 3>, Conv2D<4, (3, 3), Relu, padding = Same>,
        Add<[Conv2D<4, (3, 3), Relu, padding = Same>, Conv2D<4, (3, 3), padding = Same>,
            BatchNormalization], []>,
        Add<[Conv2D<8, (3, 3), strides = (2, 2), padding = Same>, BatchNormalization],
            [Conv2D<8, (1, 1), strides = (2, 2)>]>,
        Activation<Relu>, GlobalAvgPool2D, Dense<_, 3, Softmax>;

    /// [`Residual`] subtracting where the file adds.
    struct Subtracted =
        Input<8, 8, 3>, Conv2D<4, (3, 3), Relu, padding = Same>,
        Subtract<[Conv2D<4, (3, 3), Relu, padding = Same>, Conv2D<4, (3, 3), padding = Same>,
            BatchNormalization], []>,
        Activation<Relu>,
        Add<[Conv2D<8, (3, 3), strides = (2, 2), padding = Same>, BatchNormalization],
            [Conv2D<8, (1, 1), strides = (2, 2)>]>,
        Activation<Relu>, GlobalAvgPool2D, Dense<_, 3, Softmax>;

    /// [`Concatenated`] with its first block's branches the other way round.
    struct Swapped =
        Input<6, 6, 3>, Conv2D<4, (1, 1), Relu>,
        Concatenate<[Add<[Conv2D<4, (3, 3), padding = Same>, BatchNormalization], []>],
            [Conv2D<3, (3, 3), Relu, padding = Same>]>,
        Concatenate<[DepthwiseConv2D<(3, 3), Relu6, padding = Same>], []>,
        Conv2D<5, (1, 1), Relu>, GlobalAvgPool2D, Dense<_, 2>;

    /// [`DenseBlocks`] adding where the file concatenates.
    struct Added =
        Input<6>, Dense<_, 8, Relu>,
        Add<[Dense<_, 4, Relu>], [Dense<_, 5, Tanh>, Dense<_, 4>]>,
        Add<[Dense<_, 4, Tanh>], []>, Dense<_, 3, Softmax>;
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Checks that `net`, read from `float_tflite/{name}.tflite`, gives TensorFlow Lite's reference
/// outputs on the inputs `float_tflite/{name}.json` records, to 1e-5.
fn gives_reference_outputs<N: Network<f32>>(net: &N, name: &str) {
    let recorded = common::json(fixture(&format!("float_tflite/{name}.json")));
    common::gives_recorded_outputs(net, &recorded, |x| x, name);
}

#[test]
fn a_float_file_gives_tflite_s_reference_outputs() {
    let net = FloatOps::load_tflite(fixture("float_tflite/float_ops.tflite")).unwrap();
    gives_reference_outputs(&net, "float_ops");
}

#[test]
fn float_files_with_blocks_give_tflite_s_reference_outputs() {
    let residual = Residual::load_tflite(fixture("float_tflite/float_add.tflite")).unwrap();
    gives_reference_outputs(&residual, "float_add");
    // The folded batch normalizations read as the identity, in the branches too.
    let norm = &residual.add.first.batch_normalization;
    assert_eq!(norm.gamma.as_slice(), &[1.0; 4]);
    let concatenated =
        Concatenated::load_tflite(fixture("float_tflite/float_concat.tflite")).unwrap();
    gives_reference_outputs(&concatenated, "float_concat");
    let dense =
        DenseBlocks::load_tflite(fixture("float_tflite/float_dense_blocks.tflite")).unwrap();
    gives_reference_outputs(&dense, "float_dense_blocks");
}

/// The problems of reading the fixture `name` with `read`, which must be a mismatch.
fn mismatch<N: Network<f32>>(name: &str, read: fn(&[u8]) -> Result<N, nn::Error>) -> Vec<String> {
    let bytes = std::fs::read(fixture(&format!("float_tflite/{name}.tflite"))).unwrap();
    common::mismatch_problems(read(&bytes))
}

#[test]
fn a_block_that_differs_is_an_error_at_its_layer() {
    // The ReLU the file fuses into the first block's ADD, which the declaration has no layer
    // for: found at the layer after the block.
    let problems = mismatch("float_add", ResidualWithoutRelu::from_tflite);
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("layer `conv2d_3` (Conv2D)")
                && p.contains("ADD before it applies Relu")),
        "{problems:#?}"
    );
    // A block not read yet.
    let problems = mismatch("float_add", Subtracted::from_tflite);
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("layer `subtract` (Subtract)")
                && p.contains("not read from float TensorFlow Lite files yet")),
        "{problems:#?}"
    );
    // Branches the other way round: the file's concatenation puts the 3×3 convolution first.
    let problems = mismatch("float_concat", Swapped::from_tflite);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("layer `concatenate` (Concatenate)") && p.contains("first")),
        "{problems:#?}"
    );
    // An addition where the file concatenates.
    let problems = mismatch("float_dense_blocks", Added::from_tflite);
    assert!(
        problems.iter().any(|p| p.contains("layer `add` (Add)")
            && p.contains("expected a ADD")
            && p.contains("CONCATENATION")),
        "{problems:#?}"
    );
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

/// Reads `float_tflite/{name}.tflite` with `read`, cut short and with bytes flipped: an error,
/// or (a weight changed) a network that predicts; never a panic.
fn damaged<N: Network<f32>>(name: &str, read: fn(&[u8]) -> Result<N, nn::Error>) {
    let bytes = std::fs::read(fixture(&format!("float_tflite/{name}.tflite"))).unwrap();
    assert!(read(&bytes).is_ok(), "{name} reads undamaged");
    for cut in (0..bytes.len()).step_by(97) {
        assert!(read(&bytes[..cut]).is_err());
    }
    let mut damaged = bytes.clone();
    for at in (0..bytes.len()).step_by(13) {
        for flip in [0x01, 0x80, 0xff] {
            damaged[at] ^= flip;
            if let Ok(net) = read(&damaged) {
                let _ = predict(&net, &vec![0.5; N::INPUT]);
            }
            damaged[at] = bytes[at];
        }
    }
}

#[test]
fn damaged_files_are_errors_not_panics() {
    damaged("float_ops", FloatOps::from_tflite);
    damaged("float_add", Residual::from_tflite);
    damaged("float_concat", Concatenated::from_tflite);
    damaged("float_dense_blocks", DenseBlocks::from_tflite);
}
