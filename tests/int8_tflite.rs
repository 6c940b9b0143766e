//! `nn::int8`'s arithmetic against TensorFlow Lite's reference kernels: MLPerf Tiny's
//! `ad01_int8.tflite` (ten int8 fully connected layers, per-tensor scales, fused ReLUs) run
//! here operator by operator from what `nn_tflite::read` finds, on the eight int8 inputs
//! `tools/tflite_structure.py` recorded with `BUILTIN_REF`, gives the interpreter's outputs
//! bit for bit (with gemmlowp's two roundings instead of one, a few outputs of every layer
//! were one off).

use nn::int8::kernels::FullyConnected;
use nn::int8::{Multiplier, Output, activation_range};
use nn::prelude::*;
use nn_tflite::{Activation, Code, Element, Model, Operator, Options, Tensor};

mod common;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/mlperf_tiny/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A quantized tensor's only scale and zero point.
fn per_tensor(t: &Tensor) -> (f32, i32) {
    let q = t.quantization.as_ref().expect("quantized");
    (q.scale[0], i32::try_from(q.zero_point[0]).unwrap())
}

/// One int8 fully connected operator of `model`, run by `nn::int8::kernels::FullyConnected`.
fn fully_connected(model: &Model, bytes: &[u8], op: &Operator, x: &[i8]) -> Vec<i8> {
    let graph = &model.subgraphs[0];
    let inputs = &op.inputs;
    let output = &graph.tensors[op.outputs[0] as usize];
    let input = &graph.tensors[inputs[0] as usize];
    let weights = &graph.tensors[inputs[1] as usize];
    assert_eq!(weights.element, Element::I8);
    let units = weights.shape[0] as usize;
    let kernel: Vec<i8> = bytes[model.buffers[weights.buffer as usize].clone()]
        .iter()
        .map(|&b| b as i8)
        .collect();
    let bias: Vec<i32> = match inputs.get(2) {
        Some(&b) if b >= 0 => bytes
            [model.buffers[graph.tensors[b as usize].buffer as usize].clone()]
        .chunks_exact(4)
        .map(|c| i32::from_le_bytes(c.try_into().unwrap()))
        .collect(),
        _ => Vec::new(),
    };
    let (in_scale, in_zero) = per_tensor(input);
    let (out_scale, out_zero) = per_tensor(output);
    let w = weights.quantization.as_ref().unwrap();
    let Options::FullyConnected { activation, .. } = op.options else {
        panic!("not a fully connected operator: {:?}", op.options);
    };
    let (low, high) = match activation {
        Activation::None => (None, None),
        Activation::Relu => (Some(0.0), None),
        Activation::Relu6 => (Some(0.0), Some(6.0)),
        other => panic!("{other:?}"),
    };
    let (min, max) = activation_range(low, high, out_scale, out_zero);
    let multipliers: Vec<Multiplier> = w
        .scale
        .iter()
        .map(|&s| Multiplier::for_product(in_scale, s, out_scale))
        .collect();
    let mut y = vec![0; units];
    FullyConnected {
        weights: &kernel,
        bias: &bias,
        multipliers: &multipliers,
        input_zero: in_zero,
        output: Output {
            zero: out_zero,
            min,
            max,
        },
    }
    .run(x, &mut y);
    y
}

#[test]
fn ad01_int8_gives_tflite_reference_outputs_bit_for_bit() {
    let bytes = fixture("ad01_int8.tflite");
    let model = nn_tflite::read(&bytes).unwrap();
    let record: serde_json::Value =
        serde_json::from_slice(&fixture("ad01_int8.reference.json")).unwrap();
    let rows = |key: &str| -> Vec<Vec<i8>> {
        serde_json::from_value(record[key].clone()).expect("rows of int8 values")
    };
    let (inputs, outputs) = (rows("inputs"), rows("outputs"));
    assert_eq!(inputs.len(), 8);
    let graph = &model.subgraphs[0];
    for (x, expected) in inputs.iter().zip(&outputs) {
        let mut values = x.clone();
        for op in &graph.operators {
            assert_eq!(op.operator, Code::FULLY_CONNECTED);
            values = fully_connected(&model, &bytes, op, &values);
        }
        assert_eq!(&values, expected);
    }
}

include!("../firmware/models/mlperf_tiny.rs");

ad01!(
    /// `ad01`'s declaration, with an int8 form.
    #[int8]
    Ad01
);

/// The eight inputs and outputs `tools/tflite_structure.py` recorded for `ad01_int8.tflite`.
fn ad01_reference() -> (Vec<Vec<i8>>, Vec<Vec<i8>>) {
    let record: serde_json::Value =
        serde_json::from_slice(&fixture("ad01_int8.reference.json")).unwrap();
    let rows = |key: &str| -> Vec<Vec<i8>> {
        serde_json::from_value(record[key].clone()).expect("rows of int8 values")
    };
    (rows("inputs"), rows("outputs"))
}

#[test]
fn the_typed_int8_ad01_reads_the_tflite_file_and_gives_its_outputs_bit_for_bit() {
    let path = format!(
        "{}/tests/fixtures/mlperf_tiny/ad01_int8.tflite",
        env!("CARGO_MANIFEST_DIR")
    );
    let net = Int8::<Ad01>::load_tflite(&path).unwrap();
    let (inputs, outputs) = ad01_reference();
    for (x, expected) in inputs.iter().zip(&outputs) {
        let y = net.predict(x.as_slice().try_into().unwrap());
        assert_eq!(y.as_slice(), expected.as_slice());
    }
    // From bytes, the same network.
    let again = Int8::<Ad01>::from_tflite(&fixture("ad01_int8.tflite")).unwrap();
    let x: &[i8; 640] = inputs[0].as_slice().try_into().unwrap();
    assert_eq!(again.predict(x), net.predict(x));
    assert_eq!(net.input_quantization(), again.input_quantization());
}

network! {
    /// Not `ad01`: a first layer of 64 units, and no layers after it but the last.
    #[int8]
    struct NotAd01 = Input<640>, Dense<_, 64>, BatchNormalization, Activation<Relu>, Dense<_, 640>;
}

#[test]
fn a_declaration_that_differs_from_the_file_gets_every_difference_at_once() {
    let Err(nn::Error::Mismatch {
        network, problems, ..
    }) = Int8::<NotAd01>::from_tflite(&fixture("ad01_int8.tflite"))
    else {
        panic!("a mismatch expected");
    };
    assert_eq!(network, "NotAd01");
    let text = problems.join("\n");
    // The first layer's weights, the last layer's, and the ReLU the file fuses into the last
    // FULLY_CONNECTED taken, which the declaration has no layer for.
    assert!(
        text.contains("layer 2 (`dense`") && text.contains("[128, 640]"),
        "{text}"
    );
    assert!(
        text.contains("layer 5 (`dense_1`") && text.contains("[640, 64]"),
        "{text}"
    );
    assert!(text.contains("Relu"), "{text}");
    assert!(
        text.contains("8 operators no layer stands for: FULLY_CONNECTED"),
        "{text}"
    );
    assert!(problems.len() >= 3, "{text}");
}

#[test]
fn damaged_tflite_bytes_are_an_error_not_a_panic() {
    let bytes = fixture("ad01_int8.tflite");
    assert!(matches!(
        Int8::<Ad01>::from_tflite(b"not a model"),
        Err(nn::Error::Format { .. })
    ));
    // Cut short anywhere, or with a byte changed: an error (or, where the change hits a
    // weight, a network), never a panic.
    for cut in (0..bytes.len()).step_by(997) {
        assert!(Int8::<Ad01>::from_tflite(&bytes[..cut]).is_err());
    }
    let mut damaged = bytes.clone();
    for at in (0..bytes.len()).step_by(211) {
        damaged[at] ^= 0x5a;
        let _ = Int8::<Ad01>::from_tflite(&damaged);
        damaged[at] = bytes[at];
    }
    assert!(matches!(
        Int8::<Ad01>::load_tflite("no/such/file.tflite"),
        Err(nn::Error::Io { .. })
    ));
}

#[test]
fn our_quantization_of_the_float_ad01_follows_the_float_network() {
    let float = Ad01::load_keras(format!(
        "{}/tests/fixtures/mlperf_tiny/ad01.h5",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    // Calibration: the eight inputs recorded for the int8 file, as reals (its input scale).
    let file = Int8::<Ad01>::from_tflite(&fixture("ad01_int8.tflite")).unwrap();
    let q = file.input_quantization();
    let (inputs, _) = ad01_reference();
    let reals: Vec<f32> = inputs.iter().flatten().map(|&v| q.dequantize(v)).collect();
    let calibration = nn::Batch::<f32, 640>::from_column_slice(&reals);
    let ours = Int8::<Ad01>::quantize(&float, &calibration).unwrap();
    // Every layer's output quantization comes from the calibration; the reconstruction of
    // each sample follows the float network's to within a few output steps.
    for x in reals.chunks_exact(640) {
        let x: &[f32; 640] = x.try_into().unwrap();
        let want = float.predict(&SVector::from_column_slice(x));
        let got = ours.predict_f32(x);
        let step = ours.output_quantization().scale;
        let worst = want
            .iter()
            .zip(&got)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        let spread = want.iter().fold(0f32, |m, v| m.max(v.abs()));
        assert!(
            worst < 0.03 * spread.max(1.0) + 2.0 * step,
            "largest difference {worst} (output step {step}, outputs up to {spread})"
        );
    }
    // No calibration samples: an error, not a panic.
    assert!(matches!(
        Int8::<Ad01>::quantize(&float, &nn::Batch::<f32, 640>::zeros(0)),
        Err(nn::Error::Data { .. })
    ));
}

network! {
    /// Batch normalizations after ReLUs, which cannot be folded into the weights before them:
    /// TensorFlow Lite's converter writes each as a MUL and an ADD of per-channel constants
    /// (`tests/fixtures/tflite/int8_bn.tflite`, made by `tools/int8_reference.py`).
    #[int8]
    struct NormalizedAfterRelu =
        Input<9, 8, 3>,
        Conv2D<5, (3, 3), Relu, padding = Same>, BatchNormalization, MaxPool2D<(2, 2)>,
        Conv2D<4, (3, 3), Relu>, BatchNormalization,
        Flatten, Dense<_, 6, Relu>, BatchNormalization, Dense<_, 3, Softmax>;
}

#[test]
fn batch_normalizations_after_activations_are_read_from_tflite_s_mul_and_add() {
    let path = tflite_fixture("int8_bn");
    let net = Int8::<NormalizedAfterRelu>::load_tflite(&path).unwrap();
    let samples = common::recorded_int8("tflite/int8_bn");
    assert_eq!(samples.len(), 5);
    for (x, expected) in &samples {
        assert_eq!(
            net.predict(x.as_slice().try_into().unwrap()).as_slice(),
            expected.as_slice()
        );
    }
    // Our own quantization writes the image's as 1×1 depthwise convolutions (one scale per
    // channel, where TensorFlow's converter's MUL has one), the dense layer's as a MUL and an
    // ADD; and follows the float network.
    let float = NormalizedAfterRelu::seeded(3);
    let calibration =
        nn::Batch::<f32, 216>::from_fn(32, |i, j| ((i * 7 + j * 13) % 23) as f32 / 11.0 - 1.0);
    let (model, _) = Int8::<NormalizedAfterRelu>::quantized_model(&float, &calibration).unwrap();
    let codes: Vec<&str> = model.subgraphs[0]
        .operators
        .iter()
        .map(|op| op.operator.name())
        .collect();
    assert_eq!(
        codes,
        [
            "CONV_2D",
            "DEPTHWISE_CONV_2D",
            "MAX_POOL_2D",
            "CONV_2D",
            "DEPTHWISE_CONV_2D",
            "RESHAPE",
            "FULLY_CONNECTED",
            "MUL",
            "ADD",
            "FULLY_CONNECTED",
            "SOFTMAX"
        ]
    );
    let int8 = Int8::<NormalizedAfterRelu>::quantize(&float, &calibration).unwrap();
    let x: [f32; 216] = core::array::from_fn(|i| ((i * 7 + 5 * 13) % 23) as f32 / 11.0 - 1.0);
    let want = float.predict(&SVector::from(x));
    let got = int8.predict_f32(&x);
    for (w, g) in want.iter().zip(&got) {
        assert!((w - g).abs() < 0.05, "{want:?} {got:?}");
    }
}

network! {
    /// The README's residual network: separable convolutions, a batch normalization after a
    /// ReLU, a strided 1×1 shortcut, a global average pool.
    #[int8]
    struct Tiny = Input<28, 28, 1>, Conv2D<16, (3, 3), Relu, padding = Same>,
        Add<[SeparableConv2D<16, (3, 3), Relu, padding = Same>, BatchNormalization], []>,
        Add<[SeparableConv2D<32, (3, 3), Relu, strides = (2, 2), padding = Same>],
            [Conv2D<32, (1, 1), strides = (2, 2)>]>,
        GlobalAvgPool2D, Dense<_, 10, Softmax>;
}

#[test]
fn a_residual_separable_network_is_quantized_written_and_read_back() {
    let float = Tiny::seeded(5);
    let pixel = |i: usize, j: usize| ((i * 31 + j * 17) % 29) as f32 / 29.0;
    let calibration = nn::Batch::<f32, 784>::from_fn(24, pixel);
    let (model, data) = Int8::<Tiny>::quantized_model(&float, &calibration).unwrap();
    let codes: Vec<&str> = model.subgraphs[0]
        .operators
        .iter()
        .map(|op| op.operator.name())
        .collect();
    assert_eq!(
        codes,
        [
            "CONV_2D",
            "DEPTHWISE_CONV_2D",
            "CONV_2D",
            "DEPTHWISE_CONV_2D",
            "ADD",
            "DEPTHWISE_CONV_2D",
            "CONV_2D",
            "CONV_2D",
            "ADD",
            "AVERAGE_POOL_2D",
            "FULLY_CONNECTED",
            "SOFTMAX"
        ]
    );
    let int8 = Int8::<Tiny>::quantize(&float, &calibration).unwrap();
    let file = nn::tflite::write(&model, &data).unwrap();
    let again = Int8::<Tiny>::from_tflite(&file).unwrap();
    for k in 0..4 {
        let x: [f32; 784] = core::array::from_fn(|i| pixel(i, 100 + k));
        let q = int8.input_quantization();
        let xq: [i8; 784] = core::array::from_fn(|i| q.quantize(x[i]));
        assert_eq!(again.predict(&xq), int8.predict(&xq));
        let want = float.predict(&SVector::from(x));
        let got = int8.predict_f32(&x);
        for (w, g) in want.iter().zip(&got) {
            assert!((w - g).abs() < 0.05, "{want:?} {got:?}");
        }
    }
}

network! {
    /// A block whose first branch starts with a batch normalization: it must not be folded
    /// into the convolution before the block, whose output the other branch reads too.
    #[int8]
    struct NormalizedBranch = Input<4, 4, 2>, Conv2D<2, (3, 3), padding = Same>,
        Add<[BatchNormalization], [Conv2D<2, (1, 1)>]>, Flatten, Dense<_, 2>;
}

#[test]
fn a_batch_normalization_opening_a_branch_is_not_folded_into_the_layer_before_the_block() {
    let mut float = NormalizedBranch::seeded(2);
    let bn = &mut float.add.first.batch_normalization;
    bn.gamma.fill(3.0);
    bn.beta.fill(1.0);
    bn.moving_mean.fill(0.5);
    bn.moving_variance.fill(0.25);
    let sample = |i: usize, j: usize| ((i * 5 + j * 3) % 11) as f32 / 5.0 - 1.0;
    let calibration = nn::Batch::<f32, 32>::from_fn(32, sample);
    let int8 = Int8::<NormalizedBranch>::quantize(&float, &calibration).unwrap();
    for j in 0..8 {
        let x: [f32; 32] = core::array::from_fn(|i| sample(i, j));
        let want = float.predict(&SVector::from(x));
        let got = int8.predict_f32(&x);
        let step = int8.output_quantization().scale;
        for (w, g) in want.iter().zip(&got) {
            assert!((w - g).abs() < 4.0 * step, "{want:?} {got:?} (step {step})");
        }
    }
}

network! {
    /// A 4 × 8 image.
    #[int8]
    struct Wide = Input<4, 8, 1>, Conv2D<2, (3, 3), padding = Same>, Flatten, Dense<_, 3>;
}

network! {
    /// The same sizes as `Wide`, transposed: an 8 × 4 image.
    #[int8]
    struct Tall = Input<8, 4, 1>, Conv2D<2, (3, 3), padding = Same>, Flatten, Dense<_, 3>;
}

#[test]
fn an_image_of_other_height_and_width_but_as_many_values_is_refused() {
    let float = Wide::seeded(1);
    let calibration = nn::Batch::<f32, 32>::from_fn(8, |i, j| ((i + j) % 7) as f32 / 7.0);
    let (model, data) = Int8::<Wide>::quantized_model(&float, &calibration).unwrap();
    let file = nn::tflite::write(&model, &data).unwrap();
    assert!(Int8::<Wide>::from_tflite(&file).is_ok());
    let Err(nn::Error::Mismatch { problems, .. }) = Int8::<Tall>::from_tflite(&file) else {
        panic!("a transposed image read");
    };
    assert!(
        problems
            .iter()
            .any(|p| p.contains("[1, 4, 8, 1]") && p.contains("[1, 8, 4, 1]")),
        "{problems:#?}"
    );
}

#[test]
fn a_quantization_axis_tensorflow_lite_refuses_is_refused() {
    // The first layer's bias, a tensor of one axis, quantized "along axis 3": TensorFlow
    // Lite's interpreter refuses such a file (as it refuses MicroFlow's person_detect.tflite).
    let bytes = fixture("ad01_int8.tflite");
    let mut model = nn::tflite::read(&bytes).unwrap();
    let graph = &mut model.subgraphs[0];
    let bias = graph.operators[0].inputs[2] as usize;
    graph.tensors[bias].quantization.as_mut().unwrap().dimension = 3;
    let file = nn::tflite::write(&model, &bytes).unwrap();
    let Err(nn::Error::Mismatch { problems, .. }) = Int8::<Ad01>::from_tflite(&file) else {
        panic!("a refused axis read");
    };
    assert!(
        problems.iter().any(|p| p.contains("quantization axis 3")),
        "{problems:#?}"
    );
}

network! {
    /// TensorFlow Lite Micro's hello world (`tests/fixtures/tflm/sine.tflite`), built in.
    #[int8]
    #[tflite("tests/fixtures/tflm/sine.tflite", embed)]
    struct Sine = Dense<1, 16, Relu>, Dense<16, 16, Relu>, Dense<16, 1>;

    /// Its speech recognizer (TinyConv, `tests/fixtures/tflm/speech.tflite`), whose file
    /// reshapes its input vector into the image its convolution reads: a `RESHAPE` the
    /// declaration needs no layer for, since it changes no value.
    #[int8]
    #[tflite("tests/fixtures/tflm/speech.tflite", embed)]
    struct Speech =
        Input<49, 40, 1>,
        DepthwiseConv2D<(10, 8), Relu, strides = (2, 2), padding = Same, depth_multiplier = 8>,
        Flatten, Dense<_, 4, Softmax>;
}

#[test]
fn tensorflow_lite_micro_s_examples_built_in_give_the_reference_outputs() {
    static SINE: Int8<Sine> = Int8::<Sine>::EMBEDDED;
    static SPEECH: Int8<Speech> = Int8::<Speech>::EMBEDDED;
    for (x, expected) in common::recorded_int8("tflm/sine") {
        assert_eq!(SINE.predict(&[x[0]]).as_slice(), expected.as_slice());
    }
    let samples = common::recorded_int8("tflm/speech");
    assert_eq!(samples.len(), 5);
    for (x, expected) in samples {
        let y = SPEECH.predict(x.as_slice().try_into().unwrap());
        assert_eq!(y.as_slice(), expected.as_slice());
    }
    // The sine model in reals: sin(π/2) ≈ 1, as it was trained to.
    let y = SINE.predict_f32(&[core::f32::consts::FRAC_PI_2]);
    assert!((y[0] - 1.0).abs() < 0.1, "{y:?}");
}

/// The differences `Speech` finds in the speech model with its leading RESHAPE's output
/// changed by `change`.
fn speech_with_reshaped(change: impl FnOnce(&mut Tensor)) -> Vec<String> {
    let path = format!(
        "{}/tests/fixtures/tflm/speech.tflite",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap();
    let mut model = nn_tflite::read(&bytes).unwrap();
    let graph = &mut model.subgraphs[0];
    let reshape = graph.operators[0].outputs[0] as usize;
    change(&mut graph.tensors[reshape]);
    let data = nn_tflite::write(&model, &bytes).unwrap();
    let Err(nn::Error::Mismatch { problems, .. }) = Int8::<Speech>::from_tflite(&data) else {
        panic!("a mismatch expected");
    };
    problems
}

#[test]
fn a_reshape_that_changes_the_quantization_is_refused() {
    // The speech model's leading RESHAPE given another zero point on its output.
    let problems = speech_with_reshaped(|t| t.quantization.as_mut().unwrap().zero_point[0] += 1);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("RESHAPE") && p.contains("quantization")),
        "{problems:#?}"
    );
}

network! {
    /// A global average pool, which TensorFlow's converter writes as a `MEAN` over the height
    /// and width into a scale of its own (`tests/fixtures/tflite/int8_mean.tflite`, made by
    /// `tools/int8_reference.py`), built in.
    #[int8]
    #[tflite("tests/fixtures/tflite/int8_mean.tflite", embed)]
    struct Averaged =
        Input<7, 6, 3>, Conv2D<5, (3, 3), Relu, padding = Same>, GlobalAvgPool2D, Dense<_, 4>;

    /// The same with Keras's `keepdims=True` (`int8_mean_keep.tflite`): the `MEAN` keeps its
    /// `[1, 1, 1, 5]` shape and the `FULLY_CONNECTED` reads it as it is.
    #[int8]
    #[tflite("tests/fixtures/tflite/int8_mean_keep.tflite", embed)]
    struct AveragedKeepingDims =
        Input<7, 6, 3>, Conv2D<5, (3, 3), Relu, padding = Same>, GlobalAvgPool2D, Dense<_, 4>;
}

fn tflite_fixture(name: &str) -> String {
    format!(
        "{}/tests/fixtures/tflite/{name}.tflite",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn a_global_average_written_as_mean_is_read_and_built_in_bit_for_bit() {
    static BUILT: Int8<Averaged> = Int8::<Averaged>::EMBEDDED;
    static BUILT_KEEPING: Int8<AveragedKeepingDims> = Int8::<AveragedKeepingDims>::EMBEDDED;
    for name in ["int8_mean", "int8_mean_keep"] {
        // Read at run time: either file, one declaration.
        let read = Int8::<Averaged>::load_tflite(tflite_fixture(name)).unwrap();
        let samples = common::recorded_int8(&format!("tflite/{name}"));
        assert_eq!(samples.len(), 5);
        for (x, expected) in &samples {
            let x: &[i8; 126] = x.as_slice().try_into().unwrap();
            assert_eq!(
                read.predict(x).as_slice(),
                expected.as_slice(),
                "{name} read"
            );
            let built = if name == "int8_mean" {
                BUILT.predict(x)
            } else {
                BUILT_KEEPING.predict(x)
            };
            assert_eq!(built.as_slice(), expected.as_slice(), "{name} built in");
        }
    }
    // Built in, the same constants as read: the MEAN's, folded.
    let read = Int8::<Averaged>::load_tflite(tflite_fixture("int8_mean")).unwrap();
    assert_eq!(format!("{read:?}"), format!("{BUILT:?}"));
}

#[test]
fn a_mean_over_other_axes_is_refused() {
    let path = tflite_fixture("int8_mean");
    let mut bytes = std::fs::read(&path).unwrap();
    let model = nn_tflite::read(&bytes).unwrap();
    let graph = &model.subgraphs[0];
    let mean = graph
        .operators
        .iter()
        .find(|op| op.operator == Code::MEAN)
        .unwrap();
    let axes = &graph.tensors[mean.inputs[1] as usize];
    let range = model.buffers[axes.buffer as usize].clone();
    assert_eq!(&bytes[range.clone()], &[1, 0, 0, 0, 2, 0, 0, 0]);
    // Axes 1 and 3: the height and the channels.
    bytes[range.start + 4] = 3;
    let Err(nn::Error::Mismatch { problems, .. }) = Int8::<Averaged>::from_tflite(&bytes) else {
        panic!("a MEAN over axes 1 and 3 read");
    };
    assert!(
        problems
            .iter()
            .any(|p| p.contains("MEAN") && p.contains("axes [1, 3]")),
        "{problems:#?}"
    );
}

/// Checks a typed int8 network read from `tflite/<name>.tflite`, and the same built in, on the
/// fixture's five recorded samples.
macro_rules! matches_reference {
    ($net:ty, $built_in:ty, $name:literal, $len:literal) => {{
        static BUILT_IN: Int8<$built_in> = Int8::<$built_in>::EMBEDDED;
        let path = tflite_fixture($name);
        let net = Int8::<$net>::load_tflite(&path).unwrap();
        let samples = common::recorded_int8(concat!("tflite/", $name));
        assert_eq!(samples.len(), 5);
        for (x, expected) in &samples {
            let x: &[i8; $len] = x.as_slice().try_into().unwrap();
            assert_eq!(net.predict(x).as_slice(), expected.as_slice());
            assert_eq!(BUILT_IN.predict(x).as_slice(), expected.as_slice());
        }
    }};
}

common::read_and_built_in! {
    /// Leaky ReLUs (a convolution's and a dense layer's activation, and a layer of its own)
    /// and a concatenation of two branches along the channels
    /// (`tests/fixtures/tflite/int8_more.tflite`, made by `tools/int8_reference.py`).
    More, MoreBuiltIn, "tests/fixtures/tflite/int8_more.tflite" =
        Input<8, 8, 3>,
        Conv2D<4, (3, 3), Relu, padding = Same>,
        Concatenate<[Conv2D<3, (3, 3), LeakyRelu, padding = Same>], [Conv2D<5, (1, 1)>]>,
        LeakyReLU<negative_slope = 0.3>,
        Flatten, Dense<_, 8, LeakyRelu>, Dense<_, 4>
}

#[test]
fn leaky_relus_and_a_concatenation_give_the_reference_outputs_read_and_built_in() {
    matches_reference!(More, MoreBuiltIn, "int8_more", 192);
}

#[test]
fn leaky_relus_and_a_concatenation_are_quantized_written_and_read_back() {
    let float = More::seeded(9);
    let pixel = |i: usize, j: usize| ((i * 31 + j * 17) % 29) as f32 / 14.5 - 1.0;
    let calibration = nn::Batch::<f32, 192>::from_fn(32, pixel);
    let (model, data) = Int8::<More>::quantized_model(&float, &calibration).unwrap();
    let graph = &model.subgraphs[0];
    let codes: Vec<&str> = graph
        .operators
        .iter()
        .map(|op| op.operator.name())
        .collect();
    assert_eq!(
        codes,
        [
            "CONV_2D",
            "CONV_2D",
            "LEAKY_RELU",
            "CONV_2D",
            "CONCATENATION",
            "LEAKY_RELU",
            "RESHAPE",
            "FULLY_CONNECTED",
            "LEAKY_RELU",
            "FULLY_CONNECTED"
        ]
    );
    // The concatenation's inputs are quantized as its output, as TensorFlow Lite requires.
    let concat = &graph.operators[4];
    let q = |t: i32| graph.tensors[t as usize].quantization.clone();
    assert_eq!(q(concat.inputs[0]), q(concat.outputs[0]));
    assert_eq!(q(concat.inputs[1]), q(concat.outputs[0]));
    let int8 = Int8::<More>::quantize(&float, &calibration).unwrap();
    let file = nn::tflite::write(&model, &data).unwrap();
    let again = Int8::<More>::from_tflite(&file).unwrap();
    for k in 0..6 {
        let x: [f32; 192] = core::array::from_fn(|i| pixel(k + 40, i));
        let input = int8.input_quantization();
        let q: [i8; 192] = core::array::from_fn(|i| input.quantize(x[i]));
        assert_eq!(int8.predict(&q), again.predict(&q));
        // And it follows the float network.
        let want = float.predict(&SVector::from(x));
        let got = int8.predict_f32(&x);
        for (w, g) in want.iter().zip(&got) {
            assert!((w - g).abs() < 0.1, "{want:?} {got:?}");
        }
    }
}

common::read_and_built_in! {
    /// Keras 3's `hard_silu` (a layer after a convolution, a dense layer's activation), exact
    /// `gelu` (a convolution's and a dense layer's activation), PReLU layers (after an image,
    /// after a vector) and `log_softmax`, which TensorFlow's converter writes as HARD_SWISH,
    /// GELU, PRELU and LOG_SOFTMAX (`tests/fixtures/tflite/int8_acts.tflite`, made by
    /// `tools/int8_reference.py`).
    Acts, ActsBuiltIn, "tests/fixtures/tflite/int8_acts.tflite" =
        Input<8, 8, 3>,
        Conv2D<4, (3, 3), padding = Same>, Activation<HardSilu>, PReLU,
        Conv2D<3, (3, 3), Gelu, padding = Same>,
        Flatten, Dense<_, 8, Gelu>, Dense<_, 6, HardSilu>, Dense<_, 5>, PReLU,
        Dense<_, 3, LogSoftmax>
}

network! {
    /// [`Acts`] with the tanh approximation of GELU, which the file does not have.
    #[int8]
    struct ActsApprox =
        Input<8, 8, 3>,
        Conv2D<4, (3, 3), padding = Same>, Activation<HardSilu>, PReLU,
        Conv2D<3, (3, 3), Gelu, padding = Same>,
        Flatten, Dense<_, 8, GeluApprox>, Dense<_, 6, HardSilu>, Dense<_, 5>, PReLU,
        Dense<_, 3, LogSoftmax>;
}

#[test]
fn hard_swishes_a_gelu_prelus_and_a_log_softmax_give_the_reference_outputs_read_and_built_in() {
    matches_reference!(Acts, ActsBuiltIn, "int8_acts", 192);
    let problems = match Int8::<ActsApprox>::load_tflite(tflite_fixture("int8_acts")) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("the exact GELU read as the approximation"),
    };
    assert!(problems.contains("tanh approximation"), "{problems}");
}

#[test]
fn damaged_hard_swish_gelu_prelu_and_log_softmax_files_are_an_error_not_a_panic() {
    let path = tflite_fixture("int8_acts");
    let bytes = std::fs::read(&path).unwrap();
    // Cut short anywhere, or any byte changed: an error (or, where the change hits a weight,
    // a slope or a scale, a network), never a panic.
    for cut in (0..bytes.len()).step_by(7) {
        assert!(Int8::<Acts>::from_tflite(&bytes[..cut]).is_err());
    }
    let mut damaged = bytes.clone();
    let mut refused = 0;
    for at in 0..bytes.len() {
        for flip in [0x01, 0x80, 0xff] {
            damaged[at] ^= flip;
            refused += usize::from(Int8::<Acts>::from_tflite(&damaged).is_err());
            damaged[at] = bytes[at];
        }
    }
    assert!(
        refused > bytes.len() / 4,
        "{refused} of {} refused",
        3 * bytes.len()
    );
}

#[test]
fn prelu_slopes_of_another_shape_and_a_hard_swish_tensorflow_lite_refuses_are_differences() {
    let path = tflite_fixture("int8_acts");
    let bytes = std::fs::read(&path).unwrap();
    let model = nn::tflite::read(&bytes).unwrap();
    let graph = &model.subgraphs[0];
    let find = |code: &Code| {
        graph
            .operators
            .iter()
            .find(|op| op.operator == *code)
            .unwrap()
    };
    // The image's slopes made one row of values: the same count, another shape.
    let mut other = model.clone();
    let slopes = find(&Code::PRELU).inputs[1] as usize;
    other.subgraphs[0].tensors[slopes].shape = vec![8 * 8 * 4];
    let problems = match Int8::<Acts>::from_tflite(&nn::tflite::write(&other, &bytes).unwrap()) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("slopes of another shape read"),
    };
    assert!(problems.contains("slopes"), "{problems}");
    // A hard swish whose output scale is 1/200 of its input's: TensorFlow Lite's
    // `HardSwishPrepare` refuses it (1/128 or finer), and so does the reading.
    let mut finer = model.clone();
    let out = find(&Code::HARD_SWISH).outputs[0] as usize;
    let input = find(&Code::HARD_SWISH).inputs[0] as usize;
    let scale = finer.subgraphs[0].tensors[input]
        .quantization
        .as_ref()
        .unwrap()
        .scale[0];
    finer.subgraphs[0].tensors[out]
        .quantization
        .as_mut()
        .unwrap()
        .scale = vec![scale / 200.0];
    let problems = match Int8::<Acts>::from_tflite(&nn::tflite::write(&finer, &bytes).unwrap()) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("a HARD_SWISH TensorFlow Lite refuses read"),
    };
    assert!(problems.contains("HARD_SWISH"), "{problems}");
}

#[test]
fn a_reshape_that_changes_the_number_of_values_is_not_stepped_over() {
    // The speech model's leading RESHAPE made to produce twice the values: no longer a reshape
    // that changes nothing, so the declaration's depthwise convolution does not find its input.
    let problems = speech_with_reshaped(|t| t.shape = vec![1, 49, 40, 2]);
    assert!(
        problems.iter().any(|p| p.contains("RESHAPE")),
        "{problems:#?}"
    );
}

network! {
    /// A tanh layer on an image, then a pool: its operator keeps the image's shape.
    #[int8]
    struct TanhImage =
        Input<6, 6, 2>, Conv2D<3, (3, 3), padding = Same>, Activation<Tanh>, MaxPool2D<(2, 2)>,
        Flatten, Dense<_, 2>;
}

#[test]
fn an_activation_operator_on_an_image_is_written_with_the_image_s_shape() {
    let float = TanhImage::seeded(4);
    let calibration =
        nn::Batch::<f32, 72>::from_fn(16, |i, j| ((i * 7 + j * 13) % 23) as f32 / 11.5 - 1.0);
    let int8 = Int8::<TanhImage>::quantize(&float, &calibration).unwrap();
    let (model, data) = Int8::<TanhImage>::quantized_model(&float, &calibration).unwrap();
    let tanh = model.subgraphs[0]
        .operators
        .iter()
        .find(|op| op.operator == Code::TANH)
        .unwrap();
    let shape = &model.subgraphs[0].tensors[tanh.outputs[0] as usize].shape;
    assert_eq!(shape, &[1, 6, 6, 3]);
    let again = Int8::<TanhImage>::from_tflite(&nn::tflite::write(&model, &data).unwrap()).unwrap();
    let x: [i8; 72] = core::array::from_fn(|i| (i as i8).wrapping_mul(37));
    assert_eq!(again.predict(&x), int8.predict(&x));
}

common::read_and_built_in! {
    /// 1-D layers as TensorFlow's converter writes them (2-D operators over a `1 × steps`
    /// image, a causal convolution's `PAD`, a `REDUCE_MAX` over the steps):
    /// `tests/fixtures/tflite/int8_seq.tflite`, made by `tools/int8_reference.py`.
    Seq, SeqBuiltIn, "tests/fixtures/tflite/int8_seq.tflite" =
        Input<24, 3>,
        Conv1D<6, 3, Relu, strides = 2, padding = Same>,
        Conv1D<8, 3, padding = Causal, dilation_rate = 2>,
        MaxPool1D<2>,
        DepthwiseConv1D<3, Relu6, padding = Same>,
        SeparableConv1D<5, 3>,
        AvgPool1D<3, strides = 1, padding = Same>,
        GlobalMaxPool1D,
        Dense<_, 4>
}

common::read_and_built_in! {
    /// A residual block over a sequence, then a global average over the steps (a `MEAN` over
    /// axis 1): `tests/fixtures/tflite/int8_seq_add.tflite`.
    SeqAdd, SeqAddBuiltIn, "tests/fixtures/tflite/int8_seq_add.tflite" =
        Input<10, 3>,
        Conv1D<4, 3, Relu, padding = Same>,
        Add<[Conv1D<4, 3, padding = Same>], []>,
        GlobalAvgPool1D,
        Dense<_, 3>
}

common::read_and_built_in! {
    /// A global max over an image (a `REDUCE_MAX` over axes 1 and 2):
    /// `tests/fixtures/tflite/int8_gmax.tflite`.
    GlobalMax, GlobalMaxBuiltIn, "tests/fixtures/tflite/int8_gmax.tflite" =
        Input<6, 5, 3>, Conv2D<4, (3, 3), Relu>, GlobalMaxPool2D, Dense<_, 3>
}

common::read_and_built_in! {
    /// Depthwise and separable convolutions ending in activations that are operators of their
    /// own (leaky ReLUs, a hard swish, a GELU): `tests/fixtures/tflite/int8_dw_acts.tflite`.
    DepthwiseActs, DepthwiseActsBuiltIn, "tests/fixtures/tflite/int8_dw_acts.tflite" =
        Input<8, 8, 3>,
        Conv2D<4, (3, 3), Relu, padding = Same>,
        DepthwiseConv2D<(3, 3), LeakyRelu, padding = Same>,
        SeparableConv2D<5, (3, 3), HardSilu>,
        DepthwiseConv2D<(3, 3), Gelu>,
        SeparableConv2D<4, (3, 3), LeakyRelu, padding = Same>,
        Flatten,
        Dense<_, 3>
}

#[test]
fn depthwise_and_separable_layers_ending_in_activation_operators_give_the_reference_outputs() {
    matches_reference!(DepthwiseActs, DepthwiseActsBuiltIn, "int8_dw_acts", 192);
}

#[test]
fn one_dimensional_layers_give_the_reference_outputs_read_and_built_in() {
    matches_reference!(Seq, SeqBuiltIn, "int8_seq", 72);
    matches_reference!(SeqAdd, SeqAddBuiltIn, "int8_seq_add", 30);
}

#[test]
fn a_global_max_written_as_reduce_max_gives_the_reference_outputs() {
    matches_reference!(GlobalMax, GlobalMaxBuiltIn, "int8_gmax", 90);
}

network! {
    /// [`Seq`] with its causal convolution declared with same padding.
    #[int8]
    struct SeqSame =
        Input<24, 3>,
        Conv1D<6, 3, Relu, strides = 2, padding = Same>,
        Conv1D<8, 3, padding = Same, dilation_rate = 2>,
        MaxPool1D<2>,
        DepthwiseConv1D<3, Relu6, padding = Same>,
        SeparableConv1D<5, 3>,
        AvgPool1D<3, strides = 1, padding = Same>,
        GlobalAvgPool1D,
        Dense<_, 4>;
}

#[test]
fn a_causal_convolution_declared_otherwise_and_a_max_declared_as_an_average_are_refused() {
    let path = tflite_fixture("int8_seq");
    let problems = match Int8::<SeqSame>::load_tflite(&path) {
        Err(nn::Error::Mismatch { problems, .. }) => problems,
        other => panic!("{other:?}"),
    };
    // The file pads 4 steps before (its PAD), the declaration 2 (same padding).
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("layer 3") && p.contains("padded (0, 4)")),
        "{problems:#?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("layer 8") && p.ends_with("but the file has REDUCE_MAX")),
        "{problems:#?}"
    );
}

common::read_and_built_in! {
    /// An LSTM over 8 steps of 4 features into 8 units, its last step into a dense layer
    /// (`tests/fixtures/tflite/int8_lstm.tflite`, made by `tools/int8_reference.py` from a
    /// tf_keras model: one UNIDIRECTIONAL_SEQUENCE_LSTM, a STRIDED_SLICE of the last step).
    Sequence, SequenceBuiltIn, "tests/fixtures/tflite/int8_lstm.tflite" =
        Input<8, 4>, LSTM<8>, Dense<_, 3>
}

common::read_and_built_in! {
    /// Every step's output, flattened into the dense layer (`int8_lstm_seq.tflite`).
    Sequences, SequencesBuiltIn, "tests/fixtures/tflite/int8_lstm_seq.tflite" =
        Input<8, 4>, LSTM<8, return_sequences = true>, Flatten, Dense<_, 3>
}

#[test]
fn an_lstm_gives_the_reference_outputs_read_and_built_in() {
    static LAST: Int8<SequenceBuiltIn> = Int8::<SequenceBuiltIn>::EMBEDDED;
    static EVERY: Int8<SequencesBuiltIn> = Int8::<SequencesBuiltIn>::EMBEDDED;
    let last = Int8::<Sequence>::load_tflite(tflite_fixture("int8_lstm")).unwrap();
    let every = Int8::<Sequences>::load_tflite(tflite_fixture("int8_lstm_seq")).unwrap();
    for name in ["int8_lstm", "int8_lstm_seq"] {
        let samples = common::recorded_int8(&format!("tflite/{name}"));
        assert_eq!(samples.len(), 5);
        for (x, expected) in &samples {
            let x: &[i8; 32] = x.as_slice().try_into().unwrap();
            let (read, built) = if name == "int8_lstm" {
                (last.predict(x), LAST.predict(x))
            } else {
                (every.predict(x), EVERY.predict(x))
            };
            assert_eq!(read.as_slice(), expected.as_slice(), "{name} read");
            assert_eq!(built.as_slice(), expected.as_slice(), "{name} built in");
        }
    }
    // Built in, the same constants as read (the structs' names aside).
    let fields = |s: String| s[s.find('{').unwrap()..].to_string();
    assert_eq!(fields(format!("{last:?}")), fields(format!("{LAST:?}")));
    assert_eq!(fields(format!("{every:?}")), fields(format!("{EVERY:?}")));
}

#[test]
fn an_lstm_declared_otherwise_than_the_file_is_refused_at_its_layer() {
    // The file returns the last step and the declaration every step, then the other way
    // round.
    for (read, what) in [
        (
            Int8::<Sequences>::load_tflite(tflite_fixture("int8_lstm")).map(drop),
            "every step read from a file that returns the last",
        ),
        (
            Int8::<Sequence>::load_tflite(tflite_fixture("int8_lstm_seq")).map(drop),
            "the last step read from a file that returns every step",
        ),
    ] {
        let Err(nn::Error::Mismatch { problems, .. }) = read else {
            panic!("an LSTM returning {what}");
        };
        assert!(
            problems
                .iter()
                .any(|p| p.contains("layer 2") && p.contains("STRIDED_SLICE")),
            "{problems:#?}"
        );
    }
}

/// The LSTM fixture with `change` made to its model, written again.
fn lstm_with(change: impl FnOnce(&mut nn_tflite::Model)) -> Vec<u8> {
    let bytes = std::fs::read(tflite_fixture("int8_lstm")).unwrap();
    let mut model = nn_tflite::read(&bytes).unwrap();
    let data: Vec<u8> = bytes.clone();
    change(&mut model);
    nn_tflite::write(&model, &data).unwrap()
}

/// The fixture's UNIDIRECTIONAL_SEQUENCE_LSTM.
fn lstm_op(m: &mut nn_tflite::Model) -> &mut Operator {
    m.subgraphs[0]
        .operators
        .iter_mut()
        .find(|op| op.operator == Code::UNIDIRECTIONAL_SEQUENCE_LSTM)
        .unwrap()
}

#[test]
fn an_lstm_the_kernel_cannot_run_is_refused() {
    type Change = fn(&mut nn_tflite::Model);
    let cases: [(&str, Change); 4] = [
        ("time-major", |m| {
            if let Options::SequenceLstm { time_major, .. } = &mut lstm_op(m).options {
                *time_major = true;
            }
        }),
        ("cell state", |m| {
            let cell = lstm_op(m).inputs[19] as usize;
            let q = m.subgraphs[0].tensors[cell].quantization.as_mut().unwrap();
            q.scale[0] = 3e-5;
        }),
        ("intermediate 4", |m| lstm_op(m).intermediates.truncate(4)),
        ("peephole", |m| {
            let op = lstm_op(m);
            op.inputs[10] = op.inputs[19];
        }),
    ];
    for (what, change) in cases {
        let bytes = lstm_with(change);
        let Err(nn::Error::Mismatch { problems, .. }) = Int8::<Sequence>::from_tflite(&bytes)
        else {
            panic!("an LSTM with {what} changed read");
        };
        assert!(
            problems
                .iter()
                .any(|p| p.contains("layer 2") && p.contains(what)),
            "{what}: {problems:#?}"
        );
    }
}

#[test]
fn damaged_lstm_bytes_are_an_error_not_a_panic() {
    let bytes = std::fs::read(tflite_fixture("int8_lstm")).unwrap();
    let x = [7i8; 32];
    for cut in (0..bytes.len()).step_by(61) {
        assert!(Int8::<Sequence>::from_tflite(&bytes[..cut]).is_err());
    }
    // Every byte changed in turn: an error, or (where the change hits a weight or a scale) a
    // network that runs.
    let mut damaged = bytes.clone();
    let mut read = 0;
    for at in 0..bytes.len() {
        damaged[at] ^= 0x5a;
        if let Ok(net) = Int8::<Sequence>::from_tflite(&damaged) {
            let _ = net.predict(&x);
            read += 1;
        }
        damaged[at] = bytes[at];
    }
    assert!(read > 0 && read < bytes.len(), "{read} of {}", bytes.len());
}
