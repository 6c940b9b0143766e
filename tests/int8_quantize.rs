//! Our own post-training quantization on a trained network: the digits network of
//! `tests/digits.rs`, quantized with 200 training samples as calibration, classifies the test
//! set in int8 within half a point of the float network's accuracy.

mod common;

use nn::prelude::*;

network! {
    /// `tests/digits.rs`'s network, with an int8 form.
    #[int8]
    struct Digits = Dense<64, 64, Relu>, Dropout<0.2>, Dense<64, 10, Softmax>;
}

/// The index of the greatest of `values` (the first of equals).
fn argmax<T: PartialOrd + Copy>(values: &[T]) -> usize {
    let mut best = 0;
    for (k, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = k;
        }
    }
    best
}

#[test]
fn the_quantized_digits_network_is_within_half_a_point_of_the_float_one() {
    let (train, test) = common::digits();
    let mut model = Model::new(
        Digits::seeded(42),
        Adam::default(),
        SparseCategoricalCrossentropy::default(),
    )
    .with_metrics(&[Metric::Accuracy]);
    let fit = Fit {
        epochs: 15,
        seed: 42,
        verbose: Verbosity::Silent,
        ..Fit::default()
    };
    model.fit(&train, &fit).unwrap();
    let net = &model.network;

    let calibration = train.x().columns(0, 200).into_owned();
    let int8 = Int8::<Digits>::quantize(net, &calibration).unwrap();
    let q = int8.input_quantization();

    let (mut float_right, mut int8_right) = (0usize, 0usize);
    for (x, y) in test.x().column_iter().zip(test.y().iter()) {
        let label = *y as usize;
        let want = net.predict(&x.into_owned());
        float_right += usize::from(argmax(want.as_slice()) == label);
        let x: [i8; 64] = core::array::from_fn(|k| q.quantize(x[k]));
        int8_right += usize::from(argmax(&int8.predict(&x)) == label);
    }
    let n = test.len() as f64;
    let (float, int8) = (float_right as f64 / n, int8_right as f64 / n);
    println!(
        "digits test accuracy: float {float:.4}, int8 {int8:.4} ({} test samples)",
        test.len()
    );
    assert!(float >= 0.95, "float test accuracy {float}");
    assert!(
        (float - int8).abs() <= 0.005,
        "int8 test accuracy {int8} against float {float}"
    );
    // The float network's own evaluation agrees with the count above.
    let scores = model.evaluate(&test).unwrap();
    let evaluated = nn::train::log_value(&scores, "accuracy").unwrap();
    assert!(
        (evaluated - float).abs() < 1e-6,
        "{evaluated} against {float}"
    );
}

network! {
    /// A small network of every operator our quantization writes, for
    /// `tests/fixtures/tflite/ours_int8.tflite`: strided and plain convolutions (same and valid
    /// padding), a depthwise convolution, batch normalizations folded (and two that cannot be,
    /// after an add and after a ReLU, as 1×1 depthwise convolutions), ReLU and ReLU6 fused, a
    /// residual block, both pools, a flatten, dense layers and a softmax.
    #[int8]
    struct Ours =
        Input<12, 12, 2>,
        Conv2D<8, (3, 3), strides = (2, 2), padding = Same>, BatchNormalization, Activation<Relu>,
        DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization, Activation<Relu6>,
        Add<[], [
            Conv2D<8, (3, 3), padding = Same>, BatchNormalization, Activation<Relu>,
            Conv2D<8, (1, 1)>, BatchNormalization,
        ]>,
        BatchNormalization, Activation<Relu>,
        MaxPool2D<(2, 2)>,
        Conv2D<12, (2, 2), Relu>, BatchNormalization,
        AvgPool2D<(2, 2)>,
        Flatten, Dense<_, 16, Relu>, Dense<_, 5, Softmax>;
}

/// Values per input sample of [`Ours`].
const OURS_IN: usize = 12 * 12 * 2;

/// `n` samples of reals in about [−1.5, 1.5], from a linear congruential generator seeded with
/// `seed` (exact arithmetic: the same on every machine), one per column.
fn samples(n: usize, seed: u64) -> nn::Batch<f32, OURS_IN> {
    let mut state = seed;
    let values: Vec<f32> = (0..n * OURS_IN)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 40) as i32 - (1 << 23)) as f32 / (1 << 23) as f32 * 1.5
        })
        .collect();
    nn::Batch::<f32, OURS_IN>::from_column_slice(&values)
}

/// [`Ours`] seeded, its batch normalizations given statistics and factors of their own (exact
/// decimals, set by channel), so that folding them changes the weights.
fn ours() -> Ours {
    let mut net = Ours::seeded(7);
    net.visit_params_mut(|_, p| {
        let value = |c: usize| -> f32 {
            let c = c as f32;
            match p.name {
                "gamma" => 0.75 + 0.0625 * (c % 7.0),
                "beta" => 0.125 * (c % 5.0 - 2.0),
                "moving_mean" => 0.0625 * (c % 3.0 - 1.0),
                "moving_variance" => 0.5 + 0.25 * (c % 4.0),
                _ => f32::NAN,
            }
        };
        if value(0).is_finite() {
            for (c, v) in p.values.iter_mut().enumerate() {
                *v = value(c);
            }
        }
    });
    net
}

fn ours_fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tflite")
        .join(name)
}

/// The int8 rows of a fixture's `key`.
fn rows(record: &serde_json::Value, key: &str) -> Vec<Vec<i8>> {
    serde_json::from_value(record[key].clone()).unwrap_or_else(|e| panic!("{key}: {e}"))
}

/// Our quantization of `$net` (a network of type `$ty`) with 64 seeded calibration samples,
/// written by `nn::tflite::write` as `tests/fixtures/tflite/$stem.tflite`: the same file byte
/// for byte, and TensorFlow Lite's reference kernels' outputs on it ours. With
/// `NN_WRITE_FIXTURES=1` this writes the file, with the inputs and our outputs in `$stem.json`,
/// for `tools/int8_ours.py` to add TensorFlow Lite's.
macro_rules! our_file {
    ($ty:ty, $net:expr, $stem:literal) => {
        our_file!($ty, $net, $stem, "tflite_reference")
    };
    // `$key`: the record of TensorFlow Lite's outputs to compare with.
    ($ty:ty, $net:expr, $stem:literal, $key:literal) => {{
        let net = $net;
        let calibration = samples(64, 1);
        let (model, data) = Int8::<$ty>::quantized_model(&net, &calibration).unwrap();
        let file = nn::tflite::write(&model, &data).unwrap();
        let quantized = Int8::<$ty>::quantize(&net, &calibration).unwrap();
        let q = quantized.input_quantization();
        let inputs: Vec<Vec<i8>> = samples(8, 2)
            .column_iter()
            .map(|x| x.iter().map(|&v| q.quantize(v)).collect())
            .collect();
        let outputs: Vec<Vec<i8>> = inputs
            .iter()
            .map(|x| quantized.predict(x.as_slice().try_into().unwrap()).to_vec())
            .collect();
        // The int8 network follows the float one.
        for x in samples(8, 2).column_iter() {
            let want = net.predict(&x.into_owned());
            let got = quantized.predict_f32(&core::array::from_fn(|k| x[k]));
            for (a, b) in want.iter().zip(&got) {
                assert!((a - b).abs() < 0.05, "{want:?} against {got:?}");
            }
        }
        let (tflite, json) = (
            ours_fixture(concat!($stem, ".tflite")),
            ours_fixture(concat!($stem, ".json")),
        );
        if std::env::var_os("NN_WRITE_FIXTURES").is_some() {
            std::fs::write(&tflite, &file).unwrap();
            // One row a line, as `tools/int8_ours.py` writes it back.
            let lines = |rows: &[Vec<i8>]| {
                rows.iter()
                    .map(|r| serde_json::to_string(r).unwrap())
                    .collect::<Vec<_>>()
                    .join(",\n    ")
            };
            let record = format!(
                "{{\n  \"inputs\": [\n    {}\n  ],\n  \"ours\": [\n    {}\n  ]\n}}\n",
                lines(&inputs),
                lines(&outputs)
            );
            std::fs::write(&json, record).unwrap();
            return;
        }
        // (a) The same seeded network and calibration write the committed file byte for
        // byte, with the float products of every instruction set this processor has (they
        // round differently; the observed ranges here come out the same).
        let committed = std::fs::read(&tflite).unwrap();
        assert!(file == committed, "our quantization wrote a different file");
        for isa in nn::__private::Isa::supported() {
            let again = nn::__private::with_isa(isa, || {
                let (model, data) = Int8::<$ty>::quantized_model(&net, &calibration).unwrap();
                nn::tflite::write(&model, &data).unwrap()
            });
            assert!(again == committed, "with {isa:?}, a different file");
        }
        // (b) Read from the file, it gives what TensorFlow Lite's reference kernels gave.
        let record: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
        assert_eq!(rows(&record, "inputs"), inputs);
        let reference = rows(&record, $key);
        assert_eq!(reference.len(), inputs.len());
        let read = Int8::<$ty>::from_tflite(&committed).unwrap();
        assert_eq!(read.input_quantization(), q);
        for ((x, want), ours) in inputs.iter().zip(&reference).zip(&outputs) {
            let got = read.predict(x.as_slice().try_into().unwrap());
            assert_eq!(got.as_slice(), want.as_slice());
            assert_eq!(ours, want);
        }
    }};
}

/// `ours_int8.tflite`: [`ours`].
#[test]
fn our_quantized_file_is_deterministic_and_runs_in_tflite_bit_for_bit() {
    our_file!(Ours, ours(), "ours_int8");
}

network! {
    /// Leaky ReLUs (a convolution's, a layer's, a dense layer's) and a concatenation of two
    /// branches, quantized by us (`ours_more.tflite`).
    #[int8]
    struct OursMore =
        Input<12, 12, 2>,
        Conv2D<4, (3, 3), Relu, padding = Same>,
        Concatenate<[Conv2D<3, (3, 3), LeakyRelu, padding = Same>], [Conv2D<5, (1, 1)>]>,
        LeakyReLU<negative_slope = 0.3>, MaxPool2D<(2, 2)>,
        Flatten, Dense<_, 8, LeakyRelu>, Dense<_, 4, Softmax>;
}

/// `ours_more.tflite`: [`OursMore`], seeded.
#[test]
fn our_quantized_leaky_relus_and_concatenation_run_in_tflite_bit_for_bit() {
    our_file!(OursMore, OursMore::seeded(5), "ours_more");
}

network! {
    /// 1-D layers quantized by us (`ours_seq.tflite`): written over a `1 × steps` image as
    /// TensorFlow's converter writes them, a causal convolution with a `PAD` before it and a
    /// batch normalization folded into it, a residual block over the steps, global pools.
    #[int8]
    struct OursSeq =
        Input<96, 3>,
        Conv1D<6, 5, Relu, strides = 2, padding = Same>,
        Conv1D<8, 3, padding = Causal, dilation_rate = 2>,
        BatchNormalization,
        MaxPool1D<2>,
        Add<[DepthwiseConv1D<3, Relu6, padding = Same>], []>,
        SeparableConv1D<6, 3, Relu>,
        AvgPool1D<2>,
        GlobalMaxPool1D,
        Dense<_, 4, Softmax>;

    /// A sequence in and out (`ours_seq_end.tflite`): a residual block whose shortcut is the
    /// input itself, and a sequence at the end, reshaped back from the row.
    #[int8]
    struct OursSeqEnd =
        Input<96, 3>,
        Add<[Conv1D<3, 3, Relu, padding = Same>], []>,
        Conv1D<2, 3>,
        Activation<Tanh>;
}

/// `ours_seq.tflite`: [`OursSeq`], seeded.
#[test]
fn our_quantized_one_dimensional_layers_run_in_tflite_bit_for_bit() {
    our_file!(OursSeq, OursSeq::seeded(11), "ours_seq");
}

/// `ours_seq_end.tflite`: [`OursSeqEnd`], seeded.
#[test]
fn our_quantized_sequence_in_and_out_runs_in_tflite_bit_for_bit() {
    our_file!(OursSeqEnd, OursSeqEnd::seeded(13), "ours_seq_end");
}

common::read_and_built_in! {
    /// Hard swishes (an activation layer's after a convolution, a convolution's, a dense
    /// layer's), GELUs (exact and approximate, a convolution's and dense layers'), PReLUs
    /// (after an image, after a vector) and a log softmax, quantized by us
    /// (`ours_acts.tflite`).
    OursActs, OursActsBuiltIn, "tests/fixtures/tflite/ours_acts.tflite" =
        Input<12, 12, 2>,
        Conv2D<4, (3, 3), padding = Same>, Activation<HardSilu>,
        PReLU<alpha_initializer = RandomUniform(-0.5, 0.5)>,
        MaxPool2D<(2, 2)>,
        Conv2D<4, (3, 3), HardSilu, padding = Same>, Conv2D<3, (1, 1), GeluApprox>,
        Flatten, Dense<_, 12, Gelu>, Dense<_, 10, GeluApprox>, Dense<_, 8, HardSilu>,
        Dense<_, 6>, PReLU<alpha_initializer = RandomUniform(-0.5, 0.5)>,
        Dense<_, 4, LogSoftmax>
}

common::read_and_built_in! {
    /// ELUs (an activation layer's after a convolution, a convolution's, a dense layer's),
    /// quantized by us (`ours_elu.tflite`).
    OursElu, OursEluBuiltIn, "tests/fixtures/tflite/ours_elu.tflite" =
        Input<12, 12, 2>,
        Conv2D<4, (3, 3), padding = Same>, Activation<Elu>,
        MaxPool2D<(2, 2)>,
        Conv2D<4, (3, 3), Elu, padding = Same>,
        Flatten, Dense<_, 8, Elu>, Dense<_, 4>
}

network! {
    /// [`OursElu`] with an ELU of alpha 0.5, which TensorFlow Lite's cannot be.
    #[int8]
    struct OursHalfElu =
        Input<12, 12, 2>,
        Conv2D<4, (3, 3), padding = Same>, Activation<Elu>,
        MaxPool2D<(2, 2)>,
        Conv2D<4, (3, 3), Elu, padding = Same>,
        Flatten, Dense<_, 8, Elu(0.5)>, Dense<_, 4>;
}

/// Our files with hard swishes, GELUs, PReLUs, a log softmax and ELUs built in (`embed`): what
/// reading them at run time gives, and TensorFlow Lite's outputs.
#[test]
fn our_activations_built_in_are_the_files_read() {
    static ACTS: Int8<OursActsBuiltIn> = Int8::<OursActsBuiltIn>::EMBEDDED;
    static ELU: Int8<OursEluBuiltIn> = Int8::<OursEluBuiltIn>::EMBEDDED;
    for (stem, key) in [
        ("ours_acts", "tflite_reference"),
        ("ours_elu", "tflite_builtin"),
    ] {
        let record: serde_json::Value =
            serde_json::from_slice(&std::fs::read(ours_fixture(&format!("{stem}.json"))).unwrap())
                .unwrap();
        let (inputs, want) = (rows(&record, "inputs"), rows(&record, key));
        assert_eq!(inputs.len(), 8);
        let bytes = std::fs::read(ours_fixture(&format!("{stem}.tflite"))).unwrap();
        for (x, want) in inputs.iter().zip(&want) {
            let x: &[i8; OURS_IN] = x.as_slice().try_into().unwrap();
            let got = if stem == "ours_acts" {
                let read = Int8::<OursActs>::from_tflite(&bytes).unwrap().predict(x);
                assert_eq!(ACTS.predict(x), read);
                read.to_vec()
            } else {
                let read = Int8::<OursElu>::from_tflite(&bytes).unwrap().predict(x);
                assert_eq!(ELU.predict(x), read);
                read.to_vec()
            };
            assert_eq!(&got, want, "{stem}");
        }
    }
    // A declared ELU of alpha 0.5 against the file's: a difference.
    let bytes = std::fs::read(ours_fixture("ours_elu.tflite")).unwrap();
    let problems = match Int8::<OursHalfElu>::from_tflite(&bytes) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("an ELU of alpha 0.5 read"),
    };
    assert!(problems.contains("alpha 0.5"), "{problems}");
}

/// `ours_acts.tflite`: [`OursActs`], seeded.
#[test]
fn our_quantized_hard_swishes_gelus_prelus_and_log_softmax_run_in_tflite_bit_for_bit() {
    our_file!(OursActs, OursActs::seeded(11), "ours_acts");
}

/// `ours_elu.tflite`: [`OursElu`], seeded. TensorFlow 2.21's reference resolver has no ELU:
/// its builtin kernel (a table for int8, as in every resolver) without delegates is compared.
#[test]
fn our_quantized_elus_run_in_tflite_bit_for_bit() {
    our_file!(OursElu, OursElu::seeded(13), "ours_elu", "tflite_builtin");
}

network! {
    /// Depthwise and separable convolutions ending in activations that are operators of their
    /// own, quantized by us (`ours_dw_acts.tflite`).
    #[int8]
    struct OursDwActs =
        Input<12, 12, 2>,
        Conv2D<4, (3, 3), Relu, padding = Same>,
        DepthwiseConv2D<(3, 3), LeakyRelu, padding = Same>,
        SeparableConv2D<5, (3, 3), HardSilu>,
        DepthwiseConv2D<(3, 3), Gelu, strides = (2, 2)>,
        SeparableConv2D<4, (3, 3), GeluApprox, padding = Same>,
        Flatten, Dense<_, 4>;
}

/// `ours_dw_acts.tflite`: [`OursDwActs`], seeded.
#[test]
fn our_quantized_depthwise_layers_ending_in_activation_operators_run_in_tflite_bit_for_bit() {
    our_file!(OursDwActs, OursDwActs::seeded(17), "ours_dw_acts");
}

network! {
    /// An ELU of alpha other than 1, which TensorFlow Lite's ELU cannot compute.
    #[int8]
    struct HalfElu = Dense<4, 3, Elu(0.5)>, Dense<3, 2>;
}

#[test]
fn an_elu_of_alpha_other_than_1_is_refused() {
    let net = HalfElu::seeded(1);
    let calibration = nn::Batch::<f32, 4>::from_column_slice(&[0.5, -1.0, 2.0, 0.25]);
    let problems = Int8::<HalfElu>::quantized_model(&net, &calibration).unwrap_err();
    let text = problems.to_string();
    assert!(text.contains("alpha 0.5"), "{text}");
}

network! {
    /// Two LSTMs, the first returning every step's output, the second its last step's,
    /// quantized by us (`ours_lstm.tflite`).
    #[int8]
    struct OursLstm =
        Input<36, 8>, LSTM<8, return_sequences = true>, LSTM<6>, Dense<_, 4>;
}

/// `ours_lstm.tflite`: [`OursLstm`], seeded: `UNIDIRECTIONAL_SEQUENCE_LSTM`s with their int16
/// cell states and a `STRIDED_SLICE`, run in TensorFlow Lite.
#[test]
fn our_quantized_lstms_run_in_tflite_bit_for_bit() {
    our_file!(OursLstm, OursLstm::seeded(5), "ours_lstm");
}

network! {
    /// A batch normalization after a dense layer's ReLU: neither foldable nor a depthwise
    /// convolution (the values are not an image's), so a MUL and an ADD, as TensorFlow's
    /// converter writes it.
    #[int8]
    struct DenseReluNorm = Dense<8, 4, Relu>, BatchNormalization, Dense<4, 2>;
}

#[test]
fn a_batch_normalization_after_a_dense_layer_s_relu_is_a_mul_and_an_add() {
    let net = DenseReluNorm::seeded(1);
    let calibration = nn::Batch::<f32, 8>::from_fn(16, |r, c| (r as f32 - c as f32) / 8.0);
    let (model, _) = Int8::<DenseReluNorm>::quantized_model(&net, &calibration).unwrap();
    let codes: Vec<&str> = model.subgraphs[0]
        .operators
        .iter()
        .map(|op| op.operator.name())
        .collect();
    assert_eq!(codes, ["FULLY_CONNECTED", "MUL", "ADD", "FULLY_CONNECTED"]);
    let int8 = Int8::<DenseReluNorm>::quantize(&net, &calibration).unwrap();
    let x: [f32; 8] = core::array::from_fn(|i| (i as f32 - 3.0) / 8.0);
    let (want, got) = (net.predict(&SVector::from(x)), int8.predict_f32(&x));
    let step = int8.output_quantization().scale;
    for (w, g) in want.iter().zip(&got) {
        assert!((w - g).abs() < 4.0 * step, "{want:?} {got:?} (step {step})");
    }
}
