//! ONNX files written (`Net::to_onnx`, `Net::save_onnx`): for each network here, with weights
//! from a formula (so that the bytes depend on nothing else), the bytes written
//! - read back with `from_onnx` into the same weights, predicting the same numbers bit for bit;
//! - are those committed in `tests/fixtures/onnx_out/{name}.onnx`, on which
//!   `tools/onnx_out_check.py` ran `onnx.checker.check_model(full_check=True)` and ONNX Runtime
//!   on the committed inputs `{name}.json` (channels first), recording its outputs in
//!   `{name}.ort.json` with the file's FNV-1a hash; so our predictions equal ONNX Runtime's to
//!   1e-5.
//!
//! `NN_ONNX_OUT=overwrite cargo test --test onnx_out` rewrites the `.onnx` files and the inputs;
//! then run `tools/onnx_out_check.py` for ONNX Runtime's outputs. A network with a layer that is
//! not written is an error naming every such layer, and writes no file.

use std::path::PathBuf;

use nn::prelude::*;

mod common;

network! {
    /// Dense layers, a dropout (left out of the file), softmax.
    struct Mlp = Input<6>, Dense<_, 16, Relu>, Dropout<0.5>, Dense<_, 8, Tanh>, Dense<_, 4, Softmax>;

    /// A strided convolution with TensorFlow's `same` padding (pads 0 before, 1 after),
    /// batch normalization, pools (one padded), ReLU6, a flatten of an image and the dense
    /// layer after it (its columns in PyTorch's channels-first order).
    struct Cnn =
        Input<9, 8, 3>, Conv2D<4, (3, 3), strides = (2, 2), padding = Same>,
        BatchNormalization<epsilon = 1e-5>, Activation<Relu>,
        MaxPool2D<(2, 2), strides = (1, 1), padding = Same>, Conv2D<5, (2, 2), Relu6>,
        AvgPool2D<(2, 2), padding = Same>, Flatten, Dense<_, 6, Elu>, Dense<_, 3, LogSoftmax>;

    /// MobileNet's depthwise-separable convolutions: a depthwise one with two kernels per
    /// channel, a separable one, a global pool.
    struct Separable =
        Input<7, 7, 3>, DepthwiseConv2D<(3, 3), Relu, depth_multiplier = 2, padding = Same>,
        BatchNormalization<epsilon = 1e-5>,
        SeparableConv2D<5, (3, 3), Relu6, depth_multiplier = 2, strides = (2, 2), padding = Same>,
        DepthwiseConv2D<(2, 2), Sigmoid, dilation_rate = (2, 1)>,
        GlobalAvgPool2D, Dense<_, 3>;

    /// 1-D convolutions (causal, `same` and dilated), 1-D pools, a flatten of a sequence.
    struct Conv1d =
        Input<12, 3>, Conv1D<4, 3, Tanh, padding = Causal, dilation_rate = 2>,
        Conv1D<5, 3, Relu, padding = Same>, MaxPool1D<2>, AvgPool1D<2, strides = 1>,
        BatchNormalization<epsilon = 1e-5>, Flatten, Dense<_, 3, Softmax>;

    /// 1-D global pools after convolutions, max and average, in a concatenation.
    struct Pools1d =
        Input<10, 2>, Conv1D<4, 3, Relu, padding = Same>,
        Concatenate<[GlobalMaxPool1D], [Conv1D<3, 1, Selu>, GlobalAvgPool1D]>, Dense<_, 2>;

    /// ResNet's identity block (its second convolution without a bias) and projection block,
    /// then a concatenation of a depthwise and a pointwise convolution, a global max pool.
    struct Residual =
        Input<8, 10, 2>, Conv2D<5, (3, 3), Relu, padding = Same>,
        Add<[], [Conv2D<5, (3, 3), padding = Same>, BatchNormalization<epsilon = 1e-5>,
                 Activation<Relu>, Conv2D<5, (1, 3), padding = Same, use_bias = false>,
                 BatchNormalization<epsilon = 1e-5>]>,
        Activation<Relu>,
        Add<[Conv2D<6, (1, 1), strides = (2, 2)>],
            [Conv2D<6, (3, 3), strides = (2, 2), padding = Same>,
             BatchNormalization<epsilon = 1e-5>]>,
        Activation<Tanh>,
        Concatenate<[DepthwiseConv2D<(3, 3), Relu, padding = Same>], [Conv2D<2, (1, 1), Relu>]>,
        GlobalMaxPool2D, Dense<_, 3>;

    /// Every activation: a dense layer's, then as a layer of its own; PReLU on a vector.
    struct Activations =
        Input<5>, Dense<_, 6, LeakyRelu(0.1)>, Dense<_, 6, Elu(0.7)>, Dense<_, 6, Selu>,
        Dense<_, 6, Gelu>, Dense<_, 6, GeluApprox>, Dense<_, 6, Sigmoid>,
        Dense<_, 6, HardSigmoid>, Dense<_, 6, Tanh>, Dense<_, 6, Softplus>,
        Dense<_, 6, Softsign>, Dense<_, 6, Relu6>, Dense<_, 6>, PReLU,
        Dense<_, 6>, LeakyReLU<negative_slope = 0.2>, Dense<_, 6>, ELU<alpha = 0.5>,
        Dense<_, 6>, Activation<Selu>, Dense<_, 6>, Activation<Gelu>, Dense<_, 6>,
        Activation<GeluApprox>, Dense<_, 6>, Activation<Sigmoid>, Dense<_, 6>,
        Activation<HardSigmoid>, Dense<_, 6>, Activation<Tanh>, Dense<_, 6>,
        Activation<Softplus>, Dense<_, 6>, Activation<Softsign>, Dense<_, 6, use_bias = false>,
        Activation<Relu>, Dense<_, 4>, Activation<LogSoftmax>;

    /// Batch normalization and PReLU on a flattened image, whose values are the file's in
    /// PyTorch's channels-first order.
    struct FlatHead =
        Input<4, 3, 2>, Conv2D<3, (2, 2), Relu>, Flatten, BatchNormalization<epsilon = 1e-5>,
        PReLU, Dropout<0.2>, Dense<_, 2>;

    /// Two flattened images side by side, then a dense layer: its columns are each image's
    /// channels-first order, the second's after the first's (read back in that order too).
    struct FlatJoin =
        Input<4, 3, 2>,
        Concatenate<[Conv2D<3, (2, 2), Relu>, Flatten], [Conv2D<2, (3, 3)>, Flatten]>,
        Dense<_, 3>;

    /// An LSTM's last step (`Y_h`), a dense layer.
    struct LstmLast = Input<6, 3>, LSTM<5>, Dense<_, 3>;

    /// An LSTM's every step, batch first, flattened (steps, then units) into a dense layer.
    struct LstmSequences =
        Input<5, 3>, LSTM<4, return_sequences = true>, Flatten, Dense<_, 3, Softmax>;

    /// Stacked GRUs (PyTorch's `linear_before_reset = 1`, Keras's `reset_after`).
    struct StackedGru =
        Input<6, 3>, GRU<5, return_sequences = true>, GRU<4>, Dense<_, 2>;

    /// An activation of each value between stacked layers, a dropout, a bidirectional LSTM's
    /// every step, the network's output `(batch, steps, units)`.
    struct ActivatedSequence =
        Input<5, 3>, GRU<4, return_sequences = true>, Activation<Sigmoid>, Dropout<0.3>,
        Bidirectional<LSTM<3, return_sequences = true>>;

    /// A simple recurrent layer (tanh).
    struct Rnn = Input<6, 3>, SimpleRNN<5>, Dense<_, 3, Tanh>;

    /// A bidirectional LSTM's last states, forward then backward.
    struct BiLstm = Input<6, 3>, Bidirectional<LSTM<4>>, Dense<_, 3>;

    /// A bidirectional GRU's every step (each step's forward then backward units), then a
    /// bidirectional simple recurrent layer's last states.
    struct BiSequences =
        Input<5, 2>, Bidirectional<GRU<3, return_sequences = true>>,
        Bidirectional<SimpleRNN<2>>, Dense<_, 2>;

    /// Token ids (int64 in the file) looked up in an embedding's table, a GRU.
    struct EmbeddingGru = Input<7>, Embedding<10, 4>, GRU<5>, Dense<_, 3, Softmax>;

    /// A 1-D convolution (channels first in the file), then an LSTM.
    struct ConvLstm = Input<8, 3>, Conv1D<4, 3, Relu>, LSTM<5>, Dense<_, 2>;

    /// PReLU on an image (one slope per value, channels first in the file), a softmax over a
    /// convolution's channels, and the image itself as the output (channels first).
    struct Image =
        Input<5, 4, 2>, Conv2D<3, (3, 3), padding = Same>, PReLU, Conv2D<4, (1, 1), Softmax>;
}

/// The directory of the committed files.
fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/onnx_out")
}

/// A number in [-0.5, 0.5) from `k`, the same everywhere (a multiplicative hash).
fn number(k: u32) -> f32 {
    let h = k.wrapping_mul(0x9E37_79B9) ^ (k >> 3).wrapping_mul(0x85EB_CA6B);
    (h >> 8) as f32 / (1u32 << 24) as f32 - 0.5
}

/// The network with every parameter from [`number`] (variances positive).
fn weights<N: Network<f32>>() -> N {
    let mut net = N::zeros();
    let mut k = 0;
    net.visit_params_mut(|_, p| {
        for v in p.values.iter_mut() {
            k += 1;
            let x = number(k);
            *v = if p.name == "moving_variance" {
                0.5 + x.abs()
            } else {
                x
            };
        }
    });
    net
}

/// `x` (a sample of `shape`, channels last) channels first.
fn channels_first(x: &[f32], shape: &[usize]) -> Vec<f32> {
    let channels = shape.last().copied().unwrap_or(1);
    if shape.len() < 2 {
        return x.to_vec();
    }
    let spatial = x.len() / channels;
    (0..x.len())
        .map(|j| x[(j % spatial) * channels + j / spatial])
        .collect()
}

/// `x` (a sample of `shape` channels first) channels last.
fn channels_last(x: &[f32], shape: &[usize]) -> Vec<f32> {
    let channels = shape.last().copied().unwrap_or(1);
    if shape.len() < 2 {
        return x.to_vec();
    }
    let spatial = x.len() / channels;
    (0..x.len())
        .map(|i| x[(i % channels) * spatial + i / channels])
        .collect()
}

/// FNV-1a, 64 bits: the record's name for the file it was made from.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn floats(v: &serde_json::Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

/// Whether `N`'s input is a sequence batch first (its first layer is recurrent or an
/// embedding), as its file's is, and for an embedding, its tokens.
fn sequence_input<N: Network<f32>>() -> (bool, Option<usize>) {
    let first = N::KERAS.layers.iter().find(|l| l.class != "InputLayer");
    let class = first.map_or("", |l| l.class);
    let tokens = first.and_then(|l| match l.setting("input_dim") {
        Some(nn::keras::Value::Size(n)) if class == "Embedding" => Some(n),
        _ => None,
    });
    let recurrent = ["LSTM", "GRU", "SimpleRNN", "Bidirectional", "Embedding"];
    (recurrent.contains(&class), tokens)
}

/// Whether `N`'s output is a recurrent layer's every step (past dropouts and activations),
/// which its file gives batch first, `(batch, steps, units)`, as ours.
fn sequence_output<N: Network<f32>>() -> bool {
    let last = N::KERAS
        .layers
        .iter()
        .rev()
        .find(|l| !matches!(l.class, "Dropout" | "Activation"));
    last.is_some_and(|l| {
        let every = |key: &str| matches!(l.setting(key), Some(nn::keras::Value::Bool(true)));
        every("return_sequences") || every("layer.return_sequences")
    })
}

/// Writes `N` with [`weights`] and checks it (see the file's header): read back, the committed
/// bytes, ONNX Runtime's outputs.
fn written<N: Network<f32>>(
    name: &str,
    to_onnx: fn(&N) -> Result<Vec<u8>, nn::Error>,
    from_onnx: fn(&[u8]) -> Result<N, nn::Error>,
) {
    let net: N = weights();
    let bytes = to_onnx(&net).unwrap_or_else(|e| panic!("{name}: {e}"));
    let input = N::KERAS.input;
    let output = N::KERAS.layers.last().unwrap().output;
    let file = dir().join(format!("{name}.onnx"));
    let inputs_file = dir().join(format!("{name}.json"));
    let (sequence, tokens) = sequence_input::<N>();
    if std::env::var("NN_ONNX_OUT").as_deref() == Ok("overwrite") {
        std::fs::create_dir_all(dir()).unwrap();
        std::fs::write(&file, &bytes).unwrap();
        let count: usize = input.iter().product();
        let inputs: Vec<Vec<f32>> = (0..3u32)
            .map(|s| {
                (0..count as u32)
                    .map(|i| {
                        let x = number(1_000_003 * (s + 1) + i);
                        match tokens {
                            // Token ids, each of the table's rows.
                            Some(n) => ((x + 0.5) * n as f32).floor(),
                            None => 4.0 * x,
                        }
                    })
                    .collect()
            })
            .collect();
        let mut first = vec![input.last().copied().unwrap_or(1)];
        first.extend_from_slice(&input[..input.len().saturating_sub(1)]);
        if sequence {
            first = input.to_vec();
        }
        let record = serde_json::json!({ "input_shape": first, "inputs": inputs });
        std::fs::write(&inputs_file, record.to_string()).unwrap();
    }
    let committed = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    assert!(
        committed == bytes,
        "{name}: the bytes written are not those of {} (if the change is meant: \
         NN_ONNX_OUT=overwrite cargo test --test onnx_out, then tools/onnx_out_check.py)",
        file.display()
    );

    // Read back: the same weights, the same predictions.
    let back = from_onnx(&bytes).unwrap_or_else(|e| panic!("{name} read back: {e}"));
    let ours: Vec<Vec<f32>> = net.params().map(|(_, p)| p.values.to_vec()).collect();
    let theirs: Vec<Vec<f32>> = back.params().map(|(_, p)| p.values.to_vec()).collect();
    assert_eq!(ours, theirs, "{name}: the weights read back differ");

    let recorded = common::json(&inputs_file);
    let ort = common::json(dir().join(format!("{name}.ort.json")));
    assert_eq!(
        ort["fnv1a64"].as_str().unwrap(),
        format!("{:016x}", fnv1a(&bytes)),
        "{name}: ONNX Runtime's record is of another file: run tools/onnx_out_check.py"
    );
    assert_eq!(ort["checker"].as_str(), Some("ok"), "{name}");
    let samples = recorded["inputs"].as_array().unwrap();
    let outputs = ort["outputs"].as_array().unwrap();
    assert_eq!((samples.len(), outputs.len()), (3, 3));
    for (x, want) in samples.iter().zip(outputs) {
        let x = floats(x);
        let x = if sequence {
            x
        } else {
            channels_last(&x, input)
        };
        let y = common::predict(&net, &x);
        assert_eq!(
            y,
            common::predict(&back, &x),
            "{name}: read back predicts otherwise"
        );
        let y = if sequence_output::<N>() {
            y
        } else {
            channels_first(&y, output)
        };
        close(&format!("{name}: ONNX Runtime's"), &y, &floats(want));
    }
}

/// Asserts that `ours` equals `theirs` (`whose`, for the message) to 1e-5.
fn close(whose: &str, ours: &[f32], theirs: &[f32]) {
    assert_eq!(ours.len(), theirs.len(), "{whose}");
    for (got, want) in ours.iter().zip(theirs) {
        assert!(
            (got - want).abs() <= 1e-5,
            "ours {ours:?}, {whose} {theirs:?}"
        );
    }
}

#[test]
fn an_mlp_is_written() {
    written("mlp", Mlp::to_onnx, Mlp::from_onnx);
}

#[test]
fn a_cnn_with_batch_normalization_and_pools_is_written() {
    written("cnn", Cnn::to_onnx, Cnn::from_onnx);
}

#[test]
fn depthwise_separable_convolutions_are_written() {
    written("separable", Separable::to_onnx, Separable::from_onnx);
}

#[test]
fn one_dimensional_convolutions_and_pools_are_written() {
    written("conv1d", Conv1d::to_onnx, Conv1d::from_onnx);
    written("pools1d", Pools1d::to_onnx, Pools1d::from_onnx);
}

#[test]
fn residual_and_concatenating_blocks_are_written() {
    written("residual", Residual::to_onnx, Residual::from_onnx);
}

#[test]
fn a_concatenation_of_flattened_images_is_written_and_read_back_in_its_order() {
    written("flat_join", FlatJoin::to_onnx, FlatJoin::from_onnx);
}

/// PyTorch's own file of the same model (`tools/onnx_concat_flat.py`: `torch.cat` of two
/// `flatten(1)`s, then `nn.Linear`) reads into `FlatJoin` predicting what PyTorch predicted.
#[test]
fn a_pytorch_concatenation_of_flattened_images_is_read_in_its_order() {
    let bytes = std::fs::read(dir().join("pytorch/flat_join.onnx")).unwrap();
    let net = FlatJoin::from_onnx(&bytes).unwrap_or_else(|e| panic!("{e}"));
    let record = common::json(dir().join("pytorch/flat_join.json"));
    let samples = record["inputs"].as_array().unwrap();
    let outputs = record["outputs"].as_array().unwrap();
    assert_eq!((samples.len(), outputs.len()), (3, 3));
    for (x, want) in samples.iter().zip(outputs) {
        let y = common::predict(
            &net,
            &channels_last(&floats(x), FlatJoin::<f32>::KERAS.input),
        );
        close("PyTorch's", &y, &floats(want));
    }
}

/// An `Add` of an image flattened channels first and another of the same size but another
/// shape adds values that are at other places in ours: a difference at the join, not a
/// network that computes something else.
#[test]
fn an_add_of_flattened_images_in_different_orders_is_refused() {
    network! {
        struct FlatAdd =
            Input<4, 4, 2>, Add<[Flatten], [Conv2D<8, (3, 3)>, Flatten]>, Dense<_, 2>;
    }
    let bytes = std::fs::read(dir().join("pytorch/flat_add.onnx")).unwrap();
    let error = FlatAdd::from_onnx(&bytes)
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("layer `add` (Add): the file's Add")
            && error.contains(
                "adds a flattened image (channels first) to a vector whose values \
                 are in another order"
            ),
        "{error}"
    );
    // The writer refuses it too.
    let error = FlatAdd::seeded(1).to_onnx().unwrap_err().to_string();
    assert!(
        error.contains("layer `add` (Add): it adds a flattened image"),
        "{error}"
    );
}

#[test]
fn recurrent_layers_are_written() {
    written("lstm_last", LstmLast::to_onnx, LstmLast::from_onnx);
    written(
        "lstm_sequences",
        LstmSequences::to_onnx,
        LstmSequences::from_onnx,
    );
    written("stacked_gru", StackedGru::to_onnx, StackedGru::from_onnx);
    written(
        "activated_sequence",
        ActivatedSequence::to_onnx,
        ActivatedSequence::from_onnx,
    );
    written("rnn", Rnn::to_onnx, Rnn::from_onnx);
    written("conv_lstm", ConvLstm::to_onnx, ConvLstm::from_onnx);
}

#[test]
fn bidirectional_layers_are_written() {
    written("bi_lstm", BiLstm::to_onnx, BiLstm::from_onnx);
    written("bi_sequences", BiSequences::to_onnx, BiSequences::from_onnx);
}

#[test]
fn an_embedding_is_written_as_a_gather_of_int64_ids() {
    written(
        "embedding_gru",
        EmbeddingGru::to_onnx,
        EmbeddingGru::from_onnx,
    );
    let model = nn_onnx::read(&weights::<EmbeddingGru>().to_onnx().unwrap()).unwrap();
    let input = &model.graph.input[0];
    assert_eq!(input.elem_type, nn_onnx::data_type::INT64);
    use nn_onnx::Dim::{Param, Value};
    assert_eq!(
        input.shape.clone().unwrap(),
        [Param("batch".into()), Value(7)]
    );
    let gather = &model.graph.node[0];
    assert_eq!(gather.op_type, "Gather");
    assert_eq!(gather.input[1], "input");
}

#[test]
fn every_activation_is_written() {
    written("activations", Activations::to_onnx, Activations::from_onnx);
    written("image", Image::to_onnx, Image::from_onnx);
    written("flat_head", FlatHead::to_onnx, FlatHead::from_onnx);
}

#[test]
fn save_onnx_writes_to_onnx_s_bytes() {
    let net: Cnn = weights();
    let path = common::scratch("save").join("cnn.onnx");
    net.save_onnx(&path).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), net.to_onnx().unwrap());
    // What the file says of itself: the format, the operators, the input channels first.
    let model = nn_onnx::read(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!((model.ir_version, model.producer_name.as_str()), (8, "nn"));
    assert_eq!(model.opset_import.len(), 1);
    assert_eq!(
        (
            model.opset_import[0].domain.as_str(),
            model.opset_import[0].version
        ),
        ("", 17)
    );
    let graph = &model.graph;
    assert_eq!(graph.name, "Cnn");
    let dims = |info: &nn_onnx::ValueInfo| info.shape.clone().unwrap();
    use nn_onnx::Dim::{Param, Value};
    assert_eq!(graph.input[0].name, "input");
    assert_eq!(
        dims(&graph.input[0]),
        [Param("batch".into()), Value(3), Value(9), Value(8)]
    );
    assert_eq!(graph.output[0].name, "output");
    assert_eq!(dims(&graph.output[0]), [Param("batch".into()), Value(3)]);
    // TensorFlow's `same` padding of 9 and 8 by a 3x3 window, strides 2: pads 1, 0 before and
    // 1, 1 after (the extra one at the end).
    let conv = &graph.node[0];
    assert_eq!(conv.op_type, "Conv");
    assert_eq!(conv.attribute("pads").unwrap().ints, [1, 0, 1, 1]);
}

#[test]
fn a_network_with_layers_not_written_is_an_error_naming_each() {
    network! {
        struct Unwritable =
            Input<7, 4>, lstm: LSTM<8, go_backwards = true>, Dense<8, 4, Silu>,
            Subtract<[Dense<4, 4>], []>, Dense<4, 2>;
    }
    let net = Unwritable::seeded(1);
    let message = match net.to_onnx() {
        Err(nn::Error::Setting { what, problem }) => {
            assert_eq!(what, "ONNX file");
            problem
        }
        other => panic!("an error expected, not {:?}", other.map(|b| b.len())),
    };
    for part in [
        "layer `lstm` (LSTM): it reads backwards only (`go_backwards`)",
        "layer `dense` (Dense): its activation `silu` is not written",
        "layer `subtract` (Subtract): Subtract blocks are not written",
    ] {
        assert!(message.contains(part), "{part:?} not in {message}");
    }
    // And nothing is written.
    let path = common::scratch("unwritable").join("net.onnx");
    assert!(net.save_onnx(&path).is_err());
    assert!(!path.exists());

    assert_eq!(message.matches("layer `").count(), 3, "{message}");

    // Directions summed, a softmax over a sequence's steps and features: one problem each.
    network! {
        struct Summed = Input<5, 3>, Bidirectional<GRU<4>, merge_mode = Sum>, Dense<4, 2>;
        struct SoftSequence =
            Input<5, 3>, LSTM<4, return_sequences = true>, Activation<Softmax>, Flatten,
            Dense<_, 2>;
    }
    let error = Summed::seeded(1).to_onnx().unwrap_err().to_string();
    assert!(
        error.contains(
            "layer `bidirectional` (Bidirectional): its merge_mode is `sum`; ONNX's \
             bidirectional nodes concatenate"
        ) && error.matches("layer `").count() == 1,
        "{error}"
    );
    let error = SoftSequence::seeded(1).to_onnx().unwrap_err().to_string();
    assert!(
        error.contains("layer `activation` (Activation): its softmax over a sequence")
            && error.matches("layer `").count() == 1,
        "{error}"
    );

    // A sequence read by a layer that is not written for sequences.
    network! {
        struct Embedded = Input<6>, Embedding<10, 4>, GlobalAvgPool1D, Dense<4, 2, Softmax>;
    }
    let error = Embedded::seeded(1).to_onnx().unwrap_err().to_string();
    assert!(
        error.contains(
            "layer `global_average_pooling1d` (GlobalAveragePooling1D): it reads a sequence \
             batch first"
        ),
        "{error}"
    );
}

#[test]
fn an_f64_network_is_written_in_float32() {
    let net: Mlp = weights();
    let values: Vec<f32> = net.params().flat_map(|(_, p)| p.values.to_vec()).collect();
    let mut wide = <Mlp<f64> as Network<f64>>::zeros();
    let mut k = 0;
    wide.visit_params_mut(|_, p| {
        for v in p.values.iter_mut() {
            *v = f64::from(values[k]);
            k += 1;
        }
    });
    assert_eq!(wide.to_onnx().unwrap(), net.to_onnx().unwrap());
}
