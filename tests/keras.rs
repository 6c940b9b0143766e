//! Keras files made by real Keras (`tools/keras_fixtures.py`, Keras 3.15.1 on JAX; tf.keras 2 for
//! the legacy layout): each is loaded into the matching declaration and must predict what Keras
//! predicted, to 1e-6. Files written by us are read back here; that Keras loads them is checked
//! by `tools/keras_roundtrip.py`.

mod common;

use std::path::{Path, PathBuf};

use nn::prelude::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keras")
        .join(name)
}

/// Keras's inputs and outputs for a fixture: one flattened sample per row.
fn io(name: &str) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    common::recorded_io(&fixture(&format!("{name}.json")))
}

/// `net`'s predictions on the fixture's inputs equal Keras's to `1e-6` (relative to the larger
/// of 1 and the value).
fn assert_matches_keras<N: Network<f32>>(net: &N, name: &str) {
    let (inputs, outputs) = io(name);
    assert!(!inputs.is_empty());
    let flat: Vec<f32> = inputs.iter().flatten().map(|&v| v as f32).collect();
    let x = OMatrix::<f32, N::Input, Dyn>::from_column_slice_generic(
        <N::Input as nalgebra::DimName>::name(),
        Dyn(inputs.len()),
        &flat,
    );
    let y = net.predict_batch(&x);
    for (sample, expected) in outputs.iter().enumerate() {
        for (unit, &e) in expected.iter().enumerate() {
            let got = f64::from(y[(unit, sample)]);
            assert!(
                (got - e).abs() <= 1e-6 * e.abs().max(1.0),
                "{name}: sample {sample}, output {unit}: nn {got}, Keras {e}"
            );
        }
    }
}

network! {
    /// The card's MLP, checked against its file during the build, with its weights built in.
    #[keras("tests/fixtures/keras/mlp.keras", embed)]
    pub struct Mlp = Dense<32, 64, Relu>, Dropout<0.5>, Dense<64, 10, Softmax>;
}

#[test]
fn the_mlp_loads_from_every_format_keras_3_writes() {
    for file in [
        "mlp.keras",
        "mlp.weights.h5",
        "mlp.h5",
        "mlp_sharded.weights.json",
    ] {
        let net = Mlp::load_keras(fixture(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_matches_keras(&net, "mlp");
    }
}

network! {
    /// A CNN with batch normalization and both pools, checked against its file during the
    /// build, with its weights built in.
    #[keras("tests/fixtures/keras/cnn.keras", embed)]
    pub struct Cnn =
        Input<10, 10, 2>,
        Conv2D<4, (3, 3), Relu, padding = Same>,
        BatchNormalization,
        MaxPool2D<(2, 2)>,
        Conv2D<6, (2, 3), Elu, strides = (1, 2)>,
        AvgPool2D<(2, 1)>,
        Flatten,
        Dense<_, 5, Softmax>;

    /// PReLU, a global max pool, a batch-normalized vector and the activation layers.
    pub struct Zoo =
        Input<6, 6, 3>,
        Conv2D<4, (3, 3), padding = Same>,
        PReLU,
        GlobalMaxPool2D,
        Dense<_, 6>,
        BatchNormalization<momentum = 0.9, epsilon = 0.01>,
        LeakyReLU<negative_slope = 0.1>,
        Dense<_, 4>,
        ELU<alpha = 0.5>,
        Activation<Tanh>;

    /// A global average pool.
    pub struct Gap = Input<5, 5, 2>, Conv2D<3, (2, 2)>, GlobalAvgPool2D, Dense<_, 2>;

    /// The same with `Flatten` after the pool's vector, which Keras accepts and passes on.
    pub struct GapFlat = Input<5, 5, 2>, Conv2D<3, (2, 2)>, GlobalAvgPool2D, Flatten, Dense<_, 2>;

    /// Every activation, each on a Dense layer.
    pub struct Activations =
        Dense<5, 5, Linear>, Dense<5, 5, Relu>, Dense<5, 5, Relu6>, Dense<5, 5, LeakyRelu>,
        Dense<5, 5, Elu>, Dense<5, 5, Selu>, Dense<5, 5, Gelu>, Dense<5, 5, Softplus>,
        Dense<5, 5, Softsign>, Dense<5, 5, Mish>, Dense<5, 5, Exponential>,
        Dense<5, 5, Sigmoid>, Dense<5, 5, HardSigmoid>, Dense<5, 5, Silu>,
        Dense<5, 5, HardSilu>, Dense<5, 5, Tanh>, Dense<5, 5, LogSoftmax>,
        Dense<5, 5, Softmax>;

    /// Layers without biases.
    pub struct NoBias =
        Input<4, 4, 1>,
        Conv2D<2, (2, 2), use_bias = false>,
        Flatten,
        Dense<_, 3, Sigmoid, use_bias = false>,
        Dense<_, 2>;

    /// User-named layers (a functional model in Keras).
    pub struct Named = hidden: Dense<3, 4, Relu>, scores: Dense<4, 2>;

    /// float64 weights in the file.
    pub struct Wide = Dense<3, 2, Tanh>;

    /// tf.keras 2's MLP: the legacy `.h5` carries its configuration, which the build checks; its
    /// layers are matched by the names in it.
    #[keras("tests/fixtures/keras/tf2_mlp.h5", embed)]
    pub struct Tf2 = Dense<6, 5, Relu>, Dropout<0.2>, Dense<5, 3, Softmax>;
}

network! {
    /// LayerNormalization after an image and after vectors, with and without its weights,
    /// checked against its file during the build, with its weights built in.
    #[keras("tests/fixtures/keras/layer_norm.keras", embed)]
    pub struct LayerNorm =
        Input<4, 4, 3>,
        LayerNormalization,
        Conv2D<4, (3, 3), Tanh>,
        LayerNormalization<epsilon = 1e-5, center = false>,
        Flatten,
        Dense<_, 6>,
        LayerNormalization<scale = false>,
        Dense<_, 5>,
        LayerNormalization<epsilon = 0.1, center = false, scale = false>;
}

#[test]
fn layer_normalization_matches_keras() {
    let net = LayerNorm::load_keras(fixture("layer_norm.keras")).unwrap();
    assert_matches_keras(&net, "layer_norm");
    assert_matches_keras(&LayerNorm::EMBEDDED, "layer_norm");
    // Saved and loaded again, it predicts the same.
    let dir = std::env::temp_dir().join(format!("nn-layer-norm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    nn::keras::save(&net, dir.join("layer_norm.keras")).unwrap();
    let again = LayerNorm::load_keras(dir.join("layer_norm.keras")).unwrap();
    assert_matches_keras(&again, "layer_norm");
    std::fs::remove_dir_all(&dir).unwrap();
}

network! {
    /// What `layer_norm_axes.keras` would be if it normalized over the last axis only.
    pub struct LastAxisOnly = Input<2, 2, 3>, LayerNormalization;
}

#[test]
fn layer_normalization_over_other_axes_is_refused() {
    let error = LastAxisOnly::load_keras(fixture("layer_norm_axes.keras"))
        .expect_err("a normalization over other axes must not load")
        .to_string();
    println!("{error}");
    assert!(
        error.contains("axis") && error.contains("[-1]"),
        "the error names the setting and what we compute: {error}"
    );
}

#[test]
fn every_layer_kind_matches_keras() {
    assert_matches_keras(&Cnn::load_keras(fixture("cnn.keras")).unwrap(), "cnn");
    assert_matches_keras(&Cnn::load_keras(fixture("cnn.weights.h5")).unwrap(), "cnn");
    assert_matches_keras(&Zoo::load_keras(fixture("zoo.keras")).unwrap(), "zoo");
    assert_matches_keras(&Gap::load_keras(fixture("gap.keras")).unwrap(), "gap");
}

#[test]
fn every_activation_matches_keras() {
    let net = Activations::load_keras(fixture("activations.keras")).unwrap();
    assert_matches_keras(&net, "activations");
}

#[test]
fn layers_without_bias_shift_the_indices() {
    for file in ["no_bias.keras", "no_bias.weights.h5"] {
        assert_matches_keras(&NoBias::load_keras(fixture(file)).unwrap(), "no_bias");
    }
}

#[test]
fn user_named_layers_of_a_functional_chain_load() {
    assert_matches_keras(&Named::load_keras(fixture("named.keras")).unwrap(), "named");
}

#[test]
fn float64_weights_are_rounded_to_the_network_s_type() {
    assert_matches_keras(
        &Wide::load_keras(fixture("float64.keras")).unwrap(),
        "float64",
    );
    let wide: Wide<f64> = nn::keras::load(fixture("float64.keras")).unwrap();
    let narrow = Wide::load_keras(fixture("float64.keras")).unwrap();
    assert_eq!(wide.dense.kernel.map(|w| w as f32), narrow.dense.kernel);
}

#[test]
fn tf_keras_2_legacy_h5_loads() {
    assert_matches_keras(&Tf2::load_keras(fixture("tf2_mlp.h5")).unwrap(), "tf2_mlp");
}

network! {
    /// The card's MLP with other hidden units.
    pub struct Wider = Dense<32, 128, Relu>, Dropout<0.5>, Dense<128, 10, Softmax>;
    /// The card's MLP without its dropout and with another activation.
    pub struct Shorter = Dense<32, 64, Tanh>, Dense<64, 10, Softmax>;
    /// The card's MLP with a convolution's place taken.
    pub struct Other = Dense<32, 64, Relu>, Dropout<0.25>, Dense<64, 10, Sigmoid, use_bias = false>;
    /// A network for the residual model's input.
    pub struct Three = Dense<3, 3>;
    /// The residual model: the input plus a dense layer of it.
    pub struct Residual3 = Input<3>, Add<[], [Dense<3, 3>]>;
    /// The same with the merge layer's inputs the other way round.
    pub struct Swapped3 = Input<3>, Add<[Dense<3, 3>], []>;
    /// The residual model, checked against its file during the build and built in.
    #[keras("tests/fixtures/keras/residual.keras", embed)]
    pub struct Residual3Embedded = Input<3>, Add<[], [Dense<3, 3>]>;
    /// Blocks within blocks and a concatenation, for the files written (their order in Keras's
    /// model differs from the declared one).
    pub struct Joined = Input<4, 4, 2>, Conv2D<3, (3, 3), Relu, padding = Same>,
        Concatenate<[Conv2D<2, (1, 1)>], [MaxPool2D<(1, 1)>,
            Subtract<[Conv2D<3, (1, 1)>], [Multiply<[Conv2D<3, (1, 1), Tanh>], []>]>]>,
        Flatten, Dense<_, 2, Softmax>;
}

fn mismatch<N: std::fmt::Debug>(result: Result<N, nn::Error>) -> Vec<String> {
    match result {
        Err(nn::Error::Mismatch { problems, .. }) => problems,
        other => panic!("expected a mismatch, got {other:?}"),
    }
}

#[test]
fn a_file_that_does_not_fit_is_refused_with_every_difference() {
    let problems = mismatch(Wider::load_keras(fixture("mlp.keras")));
    assert_eq!(
        problems,
        [
            "layer 1 `dense`: the file has units = 64, `Wider` declares 128",
            "layer 3 `dense_1`: the file has units = 10, `Wider` declares 10",
        ][..1],
        "{problems:#?}"
    );
    let problems = mismatch(Other::load_keras(fixture("mlp.keras")));
    assert_eq!(
        problems,
        [
            "layer 2 `dropout`: the file has rate = 0.5, `Other` declares 0.25",
            "layer 3 `dense_1`: the file has activation = \"softmax\", `Other` declares \"sigmoid\"",
            "layer 3 `dense_1`: the file has use_bias = true, `Other` declares false",
        ]
    );
    let problems = mismatch(Shorter::load_keras(fixture("mlp.keras")));
    assert!(
        problems[0].contains(
            "the file's model has 3 layers (Dense, Dropout, Dense), `Shorter` declares 2"
        ),
        "{problems:#?}"
    );
    assert!(
        problems.iter().any(|p| p.contains(
            "layer 2 `dropout`: the file's layer is `Dropout`, `Shorter` declares `Dense`"
        )),
        "{problems:#?}"
    );

    // Without a configuration, the shapes decide.
    let problems = mismatch(Wider::load_keras(fixture("mlp.weights.h5")));
    assert!(
        problems[0].contains("layer 1 `dense` (Dense): `kernel` has shape (32, 64) in the file"),
        "{problems:#?}"
    );
    assert!(
        problems[0].contains("`Wider` declares (32, 128)"),
        "{problems:#?}"
    );
    let problems = mismatch(Three::load_keras(fixture("mlp.weights.h5")));
    assert!(
        problems
            .iter()
            .any(|p| p.contains("the file has weights for a layer `dense_1`")),
        "{problems:#?}"
    );
}

/// A Keras 3 functional model with a block (`Add` of the input and a dense layer of it) loads
/// into the declaration of that block, its weights from the layers' places in the file; a
/// chain, or the block with its branches the other way round, is refused with what differs.
#[test]
fn a_functional_model_with_a_block_loads_into_its_declaration() {
    let net = Residual3::load_keras(fixture("residual.keras")).unwrap();
    let dense = &net.add.second.dense;
    assert!(
        dense.kernel.iter().any(|&w| w != 0.0),
        "the weights were read"
    );
    let x = SVector::<f32, 3>::new(0.5, -1.0, 2.0);
    let by_hand = x + dense.forward(&x);
    assert!((net.predict(&x) - by_hand).amax() < 1e-6);

    let problems = mismatch(Three::load_keras(fixture("residual.keras")));
    assert_eq!(
        problems,
        ["the file's model has 2 layers (Dense, Add), `Three` declares 1 (Dense)"]
    );
    let problems = mismatch(Swapped3::load_keras(fixture("residual.keras")));
    assert_eq!(
        problems,
        [
            "layer 2 `add`: the file feeds it from 2 layers (`the input`, `dense_32`), \
             `Swapped3` from 2 layers (`dense`, `the input`)"
        ]
    );
    // Built in from the same file during the build: the same weights.
    let embedded = Residual3Embedded::EMBEDDED;
    assert_eq!(embedded.add.second.dense.kernel, dense.kernel);
    assert_eq!(embedded.predict(&x), net.predict(&x));
    // Written back, as a `.keras` file and as weights alone, and read again.
    let dir = common::scratch("keras_residual");
    net.save_keras(dir.join("residual.keras")).unwrap();
    nn::keras::save_weights(&net, dir.join("residual.weights.h5")).unwrap();
    for file in ["residual.keras", "residual.weights.h5"] {
        let again = Residual3::load_keras(dir.join(file)).unwrap();
        assert_eq!(again.predict(&x), net.predict(&x), "{file}");
    }
}

network! {
    /// The compiled model trained with Adam.
    pub struct AdamTrained = Dense<4, 8, Tanh>, Dense<8, 3, Softmax>;
    /// The compiled functional model with blocks trained with Adam: batch normalization in a
    /// residual branch, and a concatenation whose longer branch comes first in Keras's order of
    /// the layers (and of its optimizer's variables).
    pub struct BlocksTrained = Input<5>, Dense<_, 6, Tanh>, Add<[], [Dense<_, 6, use_bias = false>, BatchNormalization]>,
        Concatenate<[Dense<_, 4, Relu>], [Dense<_, 5, Tanh>, Dense<_, 3>]>, Dense<_, 3, Softmax>;
    /// Blocks within blocks trained with Adam: two dense layers of the same shape (`dense_3`,
    /// `dense_4`) in another order in Keras's list of the layers than in the declaration.
    pub struct NestedTrained = Input<4>, Dense<_, 5, Tanh>,
        Concatenate<[Dense<_, 2>], [Dense<_, 5, Relu>,
            Subtract<[Dense<_, 3>], [Dense<_, 3>, Multiply<[Dense<_, 3, Tanh>], []>]>]>,
        Dense<_, 3, Softmax>;
    /// The same with the concatenation's branches the other way round.
    pub struct BlocksSwapped = Input<5>, Dense<_, 6, Tanh>,
        Add<[], [Dense<_, 6, use_bias = false>, BatchNormalization]>,
        Concatenate<[Dense<_, 5, Tanh>, Dense<_, 3>], [Dense<_, 4, Relu>]>, Dense<_, 3, Softmax>;
}

/// Training resumes where Keras stopped: one step from the weights and optimizer state Keras saved
/// gives Keras's weights after the same step (every weight, batch normalization's moving
/// statistics too).
fn resumes_like_keras<N, O, const I: usize, const K: usize>(name: &str, optimizer: O)
where
    N: Network<f32, Input = Const<I>, Output = Const<K>>,
    O: nn::Optimizer,
{
    let path = fixture(&format!("{name}.keras"));
    let mut model = Model::new(N::zeros(), optimizer, CategoricalCrossentropy::default());
    model.load_keras(&path).unwrap();
    assert_matches_keras(&model.network, name);
    assert_eq!(model.state.iterations, 6, "{name}: Keras trained 6 steps");

    let text = std::fs::read_to_string(fixture(&format!("{name}_step.json"))).unwrap();
    let step: serde_json::Value = serde_json::from_str(&text).unwrap();
    let column = |key: &str, width: usize| -> Vec<f32> {
        let rows = step[key].as_array().unwrap();
        assert!(rows.iter().all(|r| r.as_array().unwrap().len() == width));
        rows.iter()
            .flat_map(|r| {
                r.as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap() as f32)
            })
            .collect()
    };
    let x = Batch::<f32, I>::from_column_slice(&column("x", I));
    let y = Batch::<f32, K>::from_column_slice(&column("y", K));
    model
        .train_on_batch(
            &x,
            &y,
            &mut <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(0),
        )
        .unwrap();

    let expected = step["weights"].as_array().unwrap();
    let params: Vec<_> = model.network.params().collect();
    assert_eq!(params.len(), expected.len());
    for ((layer, p), keras) in params.iter().zip(expected) {
        let keras = keras.as_array().unwrap();
        assert_eq!(p.values.len(), keras.len(), "{name}: {layer}.{}", p.key());
        for (i, (&ours, theirs)) in p.values.iter().zip(keras).enumerate() {
            let theirs = theirs.as_f64().unwrap() as f32;
            assert!(
                (ours - theirs).abs() <= 1e-5,
                "{name}: {layer}.{}[{i}]: nn {ours}, Keras {theirs}",
                p.key()
            );
        }
    }
}

#[test]
fn adam_state_restores_and_training_continues_as_in_keras() {
    resumes_like_keras::<AdamTrained, _, 4, 3>("adam_trained", Adam::new(0.01));
    // Another optimizer is refused.
    let path = fixture("adam_trained.keras");
    let error =
        nn::keras::load_optimizer_state::<f32, AdamTrained, _>(&path, &Sgd::new(0.1)).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("saved with the optimizer `Adam`, and this model uses `sgd`"),
        "{error}"
    );
    // Adam with amsgrad keeps a slot Keras's did not.
    let mut amsgrad = Adam::new(0.01);
    amsgrad.amsgrad = true;
    let error =
        nn::keras::load_optimizer_state::<f32, AdamTrained, _>(&path, &amsgrad).unwrap_err();
    assert!(error.to_string().contains("keeps the slots"), "{error}");
}

/// A functional model with blocks resumes as Keras does: its optimizer's variables follow Keras's
/// order of the layers, not the declared one, and skip batch normalization's moving statistics.
#[test]
fn the_state_of_a_model_with_blocks_restores_and_training_continues_as_in_keras() {
    resumes_like_keras::<BlocksTrained, _, 5, 3>("blocks_trained", Adam::new(0.01));
    resumes_like_keras::<NestedTrained, _, 4, 3>("nested_trained", Adam::new(0.01));
    // A declaration that differs is refused with what differs, the model left as it was.
    let path = fixture("blocks_trained.keras");
    let loss = CategoricalCrossentropy::default();
    let mut model = Model::new(BlocksSwapped::zeros(), Adam::new(0.01), loss);
    let error = model.load_keras(&path).unwrap_err().to_string();
    assert!(
        error.contains("layer 8 `concatenate`: the file feeds it from"),
        "{error}"
    );
    assert_eq!(model.state.iterations, 0);
    // The state alone is not compared with the file's model, but does not fit it.
    let error = nn::keras::load_optimizer_state::<f32, BlocksSwapped, _>(&path, &Adam::new(0.01))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("has shape (6, 4), but `concatenate.dense_3_kernel`'s momentum"),
        "{error}"
    );
    let mut amsgrad = Adam::new(0.01);
    amsgrad.amsgrad = true;
    let error = nn::keras::load_optimizer_state::<f32, BlocksTrained, _>(&path, &amsgrad)
        .unwrap_err()
        .to_string();
    assert!(error.contains("keeps the slots"), "{error}");
}

/// SGD's momentum and RmsProp's three slots, which Keras lists slot by slot.
#[test]
fn sgd_and_rmsprop_state_restore_as_in_keras() {
    let mut sgd = Sgd::new(0.05);
    sgd.momentum = 0.9;
    resumes_like_keras::<AdamTrained, _, 4, 3>("sgd_trained", sgd);
    let mut rmsprop = RmsProp::new(0.01);
    rmsprop.momentum = 0.5;
    rmsprop.centered = true;
    resumes_like_keras::<AdamTrained, _, 4, 3>("rmsprop_trained", rmsprop);
}

/// Saves `net` as `.keras` and `.weights.h5` into `dir`, with the fixture's inputs and our
/// predictions for `tools/keras_roundtrip.py`, and checks that our loader reads both back to the
/// same predictions.
fn round_trip<N: Network<f32>>(net: &N, name: &str, dir: &Path, inputs_of: &str) {
    let (inputs, _) = io(inputs_of);
    let keras = dir.join(format!("{name}.keras"));
    let weights = dir.join(format!("{name}.weights.h5"));
    nn::keras::save(net, &keras).unwrap();
    nn::keras::save_weights(net, &weights).unwrap();
    let flat: Vec<f32> = inputs.iter().flatten().map(|&v| v as f32).collect();
    let x = OMatrix::<f32, N::Input, Dyn>::from_column_slice_generic(
        <N::Input as nalgebra::DimName>::name(),
        Dyn(inputs.len()),
        &flat,
    );
    let ours = net.predict_batch(&x);
    for file in [&keras, &weights] {
        let back: N = nn::keras::load(file).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back.predict_batch(&x), ours, "{}", file.display());
    }
    let outputs: Vec<Vec<f32>> = ours
        .column_iter()
        .map(|c| c.iter().copied().collect())
        .collect();
    let json = serde_json::json!({
        "inputs": inputs,
        "outputs": outputs,
        "input_shape": N::KERAS.input,
    });
    std::fs::write(dir.join(format!("{name}.json")), json.to_string()).unwrap();
}

network! {
    /// Initializers of every form: by name, with arguments, with Keras's enum settings.
    pub struct Inits =
        Dense<3, 4, Relu, kernel_initializer = RandomNormal(0.0, 0.1), bias_initializer = Constant(0.5)>,
        PReLU<alpha_initializer = Constant(0.25)>,
        Dense<4, 2, kernel_initializer = VarianceScaling(2.0, FanIn, TruncatedNormal)>;
}

#[test]
fn initializers_are_described_under_keras_s_names() {
    use nn::keras::{Setting, Value};
    let layers = <Inits as Network<f32>>::KERAS.layers;
    let setting = |layer: usize, key: &str| {
        layers[layer]
            .settings
            .iter()
            .find(|s| s.key == key)
            .copied()
            .unwrap()
    };
    assert_eq!(
        setting(0, "kernel_initializer"),
        Setting::written(
            "kernel_initializer",
            Value::Call(
                "random_normal",
                &[("mean", Value::Float(0.0)), ("stddev", Value::Float(0.1))]
            )
        )
    );
    assert_eq!(
        setting(0, "bias_initializer").value,
        Value::Call("constant", &[("value", Value::Float(0.5))])
    );
    assert_eq!(
        setting(1, "alpha_initializer").value,
        Value::Call("constant", &[("value", Value::Float(0.25))])
    );
    assert_eq!(
        setting(2, "kernel_initializer").value,
        Value::Call(
            "variance_scaling",
            &[
                ("scale", Value::Float(2.0)),
                ("mode", Value::Str("fan_in")),
                ("distribution", Value::Str("truncated_normal"))
            ]
        )
    );
    assert_eq!(
        setting(2, "bias_initializer").value,
        Value::Call("zeros", &[])
    );
}

/// What we write, we read back. Set `NN_KERAS_EXPORT=dir` to keep the files for
/// `tools/keras_roundtrip.py`, which checks that Keras loads them and predicts the same.
#[test]
fn saved_files_read_back_to_the_same_predictions() {
    let dir = match std::env::var_os("NN_KERAS_EXPORT") {
        Some(dir) => PathBuf::from(dir),
        None => common::scratch("keras_round_trip"),
    };
    std::fs::create_dir_all(&dir).unwrap();
    // Each network loaded from its fixture, saved, read back; inputs from the same fixture.
    macro_rules! trip {
        ($($net:ident $name:literal),*) => {$(
            let net = $net::load_keras(fixture(concat!($name, ".keras"))).unwrap();
            round_trip(&net, $name, &dir, $name);
        )*};
    }
    trip!(Mlp "mlp", Cnn "cnn", Zoo "zoo", Gap "gap", Activations "activations", NoBias "no_bias", Named "named", LayerNorm "layer_norm", Recurrent "lstm_model", Gated "gru_model", Simple "simple_rnn_model", Convs "conv1d_model", Pools "pool1d_model", Depthwise "depthwise_model", Separable "separable_model", Depthwise1D "depthwise_1d_model", Tokens "embedding_model", Both "bidirectional_model", Backwards "backwards_model", Tagger "tagger_model");
    // Initializers with their settings, which Keras must be able to read back.
    round_trip(&Inits::seeded(2), "inits", &dir, "named");
    // A freshly initialized network too, not only weights that came from Keras.
    round_trip(&Cnn::seeded(3), "cnn_seeded", &dir, "cnn");
    // Fresh 1-D depthwise and separable layers, with their initializers' settings.
    round_trip(
        &Depthwise1D::seeded(5),
        "depthwise_1d_seeded",
        &dir,
        "depthwise_1d_model",
    );
    // `Flatten` after a vector, written as Keras writes it.
    round_trip(&GapFlat::seeded(4), "gap_flatten", &dir, "gap");
}

#[test]
fn flatten_after_a_vector_changes_nothing() {
    let gap = Gap::load_keras(fixture("gap.keras")).unwrap();
    let mut flat = GapFlat::zeros();
    flat.conv2d = gap.conv2d.clone();
    flat.dense = gap.dense.clone();
    let (inputs, outputs) = io("gap");
    for (x, expected) in inputs.iter().zip(&outputs) {
        let x: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let y = flat.predict(&SVector::from_column_slice(&x));
        assert_eq!(y, gap.predict(&SVector::from_column_slice(&x)));
        for (a, b) in y.iter().zip(expected) {
            assert!((f64::from(*a) - b).abs() < 1e-6, "{a} against Keras's {b}");
        }
    }
    assert_eq!(
        <GapFlat as Network<f32>>::LAYERS[2].output,
        <GapFlat as Network<f32>>::LAYERS[1].output
    );
}

#[test]
fn saving_under_a_name_keras_refuses_is_an_error() {
    let dir = common::scratch("keras_names");
    let net = Mlp::seeded(1);
    let error = nn::keras::save(&net, dir.join("model.h5")).unwrap_err();
    assert!(
        error.to_string().contains("does not end in `.keras`"),
        "{error}"
    );
    let error = nn::keras::save_weights(&net, dir.join("model.h5")).unwrap_err();
    assert!(
        error.to_string().contains("does not end in `.weights.h5`"),
        "{error}"
    );
}

/// A named constant, checked by the compiler against the file's units.
const HIDDEN: usize = 64;

network! {
    /// The card's MLP, its hidden units a named constant that the compiler checks against the
    /// file during the build.
    #[keras("tests/fixtures/keras/mlp.keras")]
    pub struct Checked = Dense<32, HIDDEN, Relu>, Dropout<0.5>, Dense<_, 10, Softmax>;
}

#[test]
fn declarations_checked_at_build_time_load() {
    assert_matches_keras(&Checked::load_keras(fixture("mlp.keras")).unwrap(), "mlp");
    assert_matches_keras(&Cnn::load_keras(fixture("cnn.keras")).unwrap(), "cnn");
    assert_matches_keras(&Tf2::load_keras(fixture("tf2_mlp.h5")).unwrap(), "tf2_mlp");
}

#[test]
fn weights_built_into_the_program_match_keras() {
    assert_matches_keras(&Mlp::EMBEDDED, "mlp");
    assert_matches_keras(&Cnn::EMBEDDED, "cnn");
    assert_matches_keras(&Tf2::EMBEDDED, "tf2_mlp");
    // The same weights as loading the file at run time, bit for bit.
    let loaded = Cnn::load_keras(fixture("cnn.weights.h5")).unwrap();
    // (`embed` needs the configuration to check shapes, so the `.keras` file is embedded and the
    // `.weights.h5` loaded: the same weights.)
    let embedded = Cnn::EMBEDDED;
    let all = |n: &Cnn| {
        n.params()
            .flat_map(|(_, p)| p.values.to_vec())
            .collect::<Vec<_>>()
    };
    assert_eq!(all(&loaded), all(&embedded));
}

/// What we write is what Keras was seen to load: `tests/fixtures/keras/written/` holds files
/// this writer produced, which `tools/keras_roundtrip.py` loaded in Keras 3.15.1 with predictions
/// equal to ours. The writer is deterministic, so writing the same networks again must give the
/// same bytes; a change to the writer fails here until its new files are checked in Keras again
/// (`NN_KERAS_EXPORT=dir cargo test --test keras saved_files`, then the script on `dir`) and
/// copied over.
#[test]
fn written_files_are_the_ones_keras_loaded() {
    let dir = common::scratch("keras_written");
    let written = |name: &str| fixture(&format!("written/{name}"));
    let check = |name: &str| {
        let ours = std::fs::read(dir.join(name)).unwrap();
        assert!(
            ours == std::fs::read(written(name)).unwrap(),
            "{name} differs from the file Keras loaded"
        );
    };
    let mlp = Mlp::load_keras(fixture("mlp.keras")).unwrap();
    let cnn = Cnn::load_keras(fixture("cnn.keras")).unwrap();
    let zoo = Zoo::load_keras(fixture("zoo.keras")).unwrap();
    nn::keras::save(&mlp, dir.join("mlp.keras")).unwrap();
    nn::keras::save_weights(&mlp, dir.join("mlp.weights.h5")).unwrap();
    nn::keras::save(&cnn, dir.join("cnn.keras")).unwrap();
    nn::keras::save_weights(&cnn, dir.join("cnn.weights.h5")).unwrap();
    nn::keras::save(&zoo, dir.join("zoo.keras")).unwrap();
    nn::keras::save_weights(&zoo, dir.join("zoo.weights.h5")).unwrap();
    // Functional models with blocks.
    let residual = Residual3::load_keras(fixture("residual.keras")).unwrap();
    nn::keras::save(&residual, dir.join("residual.keras")).unwrap();
    nn::keras::save_weights(&residual, dir.join("residual.weights.h5")).unwrap();
    let joined = Joined::seeded(3);
    nn::keras::save(&joined, dir.join("joined.keras")).unwrap();
    nn::keras::save_weights(&joined, dir.join("joined.weights.h5")).unwrap();
    for name in ["mlp", "cnn", "zoo", "residual", "joined"] {
        check(&format!("{name}.keras"));
        check(&format!("{name}.weights.h5"));
    }
}

network! {
    /// The card's MLP with a leaky ReLU of another slope than Keras's function has.
    pub struct Leaky = Dense<32, 64, LeakyRelu(0.1)>, Dropout<0.5>, Dense<64, 10, Softmax>;
}

/// An activation given arguments has no Keras name (Keras's functions take their defaults in a
/// model file): no file matches it, and it cannot be saved as a `.keras` file.
#[test]
fn activations_with_arguments_match_no_file_and_are_not_saved() {
    let problems = mismatch(Leaky::load_keras(fixture("mlp.keras")));
    assert_eq!(
        problems,
        [
            "layer 1 `dense`: the file has activation = \"relu\", `Leaky` declares \"LeakyRelu(0.1)\""
        ]
    );
    let dir = common::scratch("keras_leaky");
    let error = Leaky::seeded(1)
        .save_keras(dir.join("leaky.keras"))
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("activation LeakyRelu(0.1) has no Keras name"),
        "{error}"
    );
}

/// The file's optimizer settings decide which slots it saved: RmsProp's `centered` and
/// `momentum` must be the model's.
#[test]
fn optimizer_settings_that_change_the_slots_must_match() {
    let path = fixture("rmsprop_trained.keras");
    let mut other = RmsProp::new(0.01);
    other.momentum = 0.5; // Keras's run was centered as well
    let error = nn::keras::load_optimizer_state::<f32, AdamTrained, _>(&path, &other).unwrap_err();
    assert!(error.to_string().contains("keeps the slots"), "{error}");
}

network! {
    /// Stacked LSTMs after layer normalization over each step, checked against its file during
    /// the build, with its weights built in.
    #[keras("tests/fixtures/keras/lstm_model.keras", embed)]
    pub struct Recurrent =
        Input<5, 3>,
        LayerNormalization,
        LSTM<6, return_sequences = true>,
        LSTM<4>,
        Dense<_, 2, Softmax>;
}

network! {
    /// GRUs (`reset_after`: the recurrent bias apart), every step then the last.
    #[keras("tests/fixtures/keras/gru_model.keras", embed)]
    pub struct Gated =
        Input<5, 3>,
        GRU<6, return_sequences = true>,
        Dropout<0.1>,
        GRU<4>,
        Dense<_, 2>;
}

network! {
    /// SimpleRNNs, every step then the last.
    #[keras("tests/fixtures/keras/simple_rnn_model.keras", embed)]
    pub struct Simple = Input<5, 3>, SimpleRNN<6, return_sequences = true>, SimpleRNN<4>, Dense<_, 2>;
}

#[test]
fn step_s_stack_counts_every_output_and_the_widest_layer() {
    // Each step's outputs (3 normalized values, 6, 4 and 2), and the first LSTM's scratch, the
    // widest: its 24 gate sums from the input and 24 from the state, its state before the step
    // (6 and 6) and its output (6); and a layer's frame allowance.
    let outputs = (3 + 6 + 4 + 2) * 4;
    let lstm = (24 + 24 + 6 + 6 + 6) * 4;
    assert_eq!(
        Recurrent::<f32>::STEP_STACK,
        outputs + lstm + nn::frame::SIMPLE
    );
}

#[test]
fn recurrent_models_match_keras() {
    let net = Recurrent::load_keras(fixture("lstm_model.keras")).unwrap();
    assert_matches_keras(&net, "lstm_model");
    assert_matches_keras(&Recurrent::EMBEDDED, "lstm_model");
    let net = Gated::load_keras(fixture("gru_model.keras")).unwrap();
    assert_matches_keras(&net, "gru_model");
    assert_matches_keras(&Gated::EMBEDDED, "gru_model");
    let net = Simple::load_keras(fixture("simple_rnn_model.keras")).unwrap();
    assert_matches_keras(&net, "simple_rnn_model");
    assert_matches_keras(&Simple::EMBEDDED, "simple_rnn_model");
}

network! {
    /// 1-D convolutions with every padding, strides and dilation, and the 1-D pools.
    #[keras("tests/fixtures/keras/conv1d_model.keras", embed)]
    pub struct Convs =
        Input<16, 3>,
        Conv1D<4, 3, Relu, padding = Causal, dilation_rate = 2>,
        MaxPool1D<2>,
        Conv1D<5, 2, Tanh, padding = Same, strides = 2>,
        AvgPool1D<2, strides = 1, padding = Same>,
        Conv1D<6, 2, dilation_rate = 2>,
        GlobalMaxPool1D,
        Dense<_, 3>;
}

network! {
    /// A convolution without bias, overlapping pools, the global average.
    #[keras("tests/fixtures/keras/pool1d_model.keras", embed)]
    pub struct Pools =
        Input<10, 2>,
        Conv1D<3, 4, use_bias = false>,
        MaxPool1D<3, strides = 2, padding = Same>,
        AvgPool1D<2, strides = 1>,
        GlobalAvgPool1D,
        Dense<_, 2, Softmax>;
}

#[test]
fn one_dimensional_convolutions_match_keras() {
    let net = Convs::load_keras(fixture("conv1d_model.keras")).unwrap();
    assert_matches_keras(&net, "conv1d_model");
    assert_matches_keras(&Convs::EMBEDDED, "conv1d_model");
    let net = Pools::load_keras(fixture("pool1d_model.keras")).unwrap();
    assert_matches_keras(&net, "pool1d_model");
    assert_matches_keras(&Pools::EMBEDDED, "pool1d_model");
}

network! {
    /// Token ids through an embedding, a causal convolution and a GRU.
    #[keras("tests/fixtures/keras/embedding_model.keras", embed)]
    pub struct Tokens =
        Input<8>,
        Embedding<20, 4>,
        Conv1D<6, 3, Relu, padding = Causal>,
        GRU<5>,
        Dense<_, 2, Softmax>;
}

#[test]
fn embeddings_match_keras() {
    let net = Tokens::load_keras(fixture("embedding_model.keras")).unwrap();
    assert_matches_keras(&net, "embedding_model");
    assert_matches_keras(&Tokens::EMBEDDED, "embedding_model");
    assert_eq!(<Tokens as Network<f32>>::TOKENS, Some(20));
    assert_eq!(<Convs as Network<f32>>::TOKENS, None);
}

network! {
    /// Bidirectional layers, concatenated every step, then summed at the last.
    #[keras("tests/fixtures/keras/bidirectional_model.keras", embed)]
    pub struct Both =
        Input<5, 3>,
        Bidirectional<LSTM<4, return_sequences = true>>,
        Bidirectional<GRU<3>, merge_mode = Sum>,
        Dense<_, 2>;
}

network! {
    /// The other merge modes, and layers that go backwards on their own.
    #[keras("tests/fixtures/keras/backwards_model.keras", embed)]
    pub struct Backwards =
        Input<6, 2>,
        Bidirectional<SimpleRNN<3, return_sequences = true>, merge_mode = Mul>,
        Bidirectional<LSTM<2, return_sequences = true>, merge_mode = Ave>,
        LSTM<3, go_backwards = true, return_sequences = true>,
        GRU<2, go_backwards = true>,
        Dense<_, 1>;
}

network! {
    /// A sequence out, a softmax over each step's values.
    #[keras("tests/fixtures/keras/tagger_model.keras", embed)]
    pub struct Tagger = Input<5, 3>, GRU<4, return_sequences = true>, Activation<Softmax>;
}

#[test]
fn a_softmax_over_a_sequence_is_per_step_as_in_keras() {
    let net = Tagger::load_keras(fixture("tagger_model.keras")).unwrap();
    assert_matches_keras(&net, "tagger_model");
    assert_matches_keras(&Tagger::EMBEDDED, "tagger_model");
}

#[test]
fn bidirectional_and_backwards_layers_match_keras() {
    let net = Both::load_keras(fixture("bidirectional_model.keras")).unwrap();
    assert_matches_keras(&net, "bidirectional_model");
    assert_matches_keras(&Both::EMBEDDED, "bidirectional_model");
    let net = Backwards::load_keras(fixture("backwards_model.keras")).unwrap();
    assert_matches_keras(&net, "backwards_model");
    assert_matches_keras(&Backwards::EMBEDDED, "backwards_model");
}

/// A Keras LSTM's weights, inputs and outputs (`tools/keras_fixtures.py`).
fn lstm_fixture() -> serde_json::Value {
    let text = std::fs::read_to_string(fixture("lstm.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The fixture's values under `key`, flattened.
fn values(json: &serde_json::Value, key: &str) -> Vec<f32> {
    fn flatten(value: &serde_json::Value, out: &mut Vec<f32>) {
        match value {
            serde_json::Value::Array(items) => items.iter().for_each(|v| flatten(v, out)),
            number => out.push(number.as_f64().unwrap() as f32),
        }
    }
    let mut out = Vec::new();
    flatten(&json[key], &mut out);
    out
}

/// An LSTM set to the fixture's weights, in Keras's layouts.
fn keras_lstm<const O: usize, const SEQUENCES: bool>(
    json: &serde_json::Value,
) -> nn::Lstm<f32, 15, O, 3, 4, 16, SEQUENCES> {
    let mut lstm = nn::Lstm::<f32, 15, O, 3, 4, 16, SEQUENCES>::zeros();
    for p in lstm.params_mut() {
        p.values.copy_from_slice(&values(json, p.name));
    }
    lstm
}

#[test]
fn lstm_matches_keras() {
    let json = lstm_fixture();
    assert_eq!(
        (
            json["steps"].as_u64(),
            json["features"].as_u64(),
            json["units"].as_u64()
        ),
        (Some(5), Some(3), Some(4))
    );
    let inputs = values(&json, "inputs");
    let x = nn::Batch::<f32, 15>::from_column_slice(&inputs);
    let close = |got: &[f32], want: &[f32], what: &str| {
        assert_eq!(got.len(), want.len(), "{what}");
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            assert!(
                (g - w).abs() <= 1e-5,
                "{what}, value {i}: nn {g}, Keras {w}"
            );
        }
    };
    let last = keras_lstm::<4, false>(&json);
    let every = keras_lstm::<20, true>(&json);
    let (mut y_last, mut y_every) = (
        nn::Batch::<f32, 4>::zeros(0),
        nn::Batch::<f32, 20>::zeros(0),
    );
    last.forward_batch(&x, &mut y_last);
    every.forward_batch(&x, &mut y_every);
    close(
        y_last.as_slice(),
        &values(&json, "last"),
        "last step, batch",
    );
    close(
        y_every.as_slice(),
        &values(&json, "sequences"),
        "every step, batch",
    );
    // One sample at a time, and one step at a time (streaming).
    let sequences = values(&json, "sequences");
    for (s, sample) in inputs.chunks_exact(15).enumerate() {
        let y = last.forward(&SVector::<f32, 15>::from_column_slice(sample));
        close(
            y.as_slice(),
            &values(&json, "last")[s * 4..s * 4 + 4],
            "last step, one sample",
        );
        let mut state = nn::LstmState::default();
        for (t, step) in sample.chunks_exact(3).enumerate() {
            let h = last.step(&mut state, &SVector::<f32, 3>::from_column_slice(step));
            let at = s * 20 + t * 4;
            close(h.as_slice(), &sequences[at..at + 4], "one step at a time");
        }
    }
}

network! {
    /// Depthwise convolutions: a depth multiplier of 2 with strides and same padding, dilated
    /// taps without bias, an even window with Keras's uneven same padding.
    #[keras("tests/fixtures/keras/depthwise_model.keras", embed)]
    pub struct Depthwise =
        Input<9, 8, 3>,
        DepthwiseConv2D<(3, 3), Relu, strides = (2, 2), padding = Same, depth_multiplier = 2>,
        DepthwiseConv2D<(2, 3), Tanh, strides = (2, 1), dilation_rate = (2, 1), use_bias = false>,
        DepthwiseConv2D<(2, 2), padding = Same>,
        GlobalAvgPool2D,
        Dense<_, 3, Softmax>;

    /// tf.keras 2's depthwise convolution in the legacy `.h5` layout, whose configuration
    /// carries `groups: 1` (which Keras 3 refuses and `nn` reads as the neutral value it is).
    #[keras("tests/fixtures/keras/tf2_depthwise.h5", embed)]
    pub struct Tf2Depthwise =
        Input<6, 5, 2>,
        DepthwiseConv2D<(3, 3), Relu, padding = Same, depth_multiplier = 2>,
        GlobalAvgPool2D,
        Dense<_, 2>;

    /// `depthwise_model.keras`'s first layer declared with another multiplier, stride and
    /// activation; the rest as the file has it.
    pub struct DepthwiseOther =
        Input<9, 8, 3>,
        DepthwiseConv2D<(3, 3), Tanh, strides = (1, 1), padding = Same, depth_multiplier = 1>,
        DepthwiseConv2D<(2, 3), Tanh, strides = (2, 1), dilation_rate = (2, 1), use_bias = false>,
        DepthwiseConv2D<(2, 2), padding = Same>,
        GlobalAvgPool2D,
        Dense<_, 3, Softmax>;
}

#[test]
fn depthwise_convolutions_match_keras() {
    let net = Depthwise::load_keras(fixture("depthwise_model.keras")).unwrap();
    assert_matches_keras(&net, "depthwise_model");
    assert_matches_keras(&Depthwise::EMBEDDED, "depthwise_model");
    let net = Tf2Depthwise::load_keras(fixture("tf2_depthwise.h5")).unwrap();
    assert_matches_keras(&net, "tf2_depthwise");
    assert_matches_keras(&Tf2Depthwise::EMBEDDED, "tf2_depthwise");
    // The kernel is Keras's `depthwise_kernel`, `(kh, kw, C, M)`, then the bias.
    let names: Vec<(&str, Vec<usize>)> = net
        .depthwise_conv2d
        .params()
        .map(|p| (p.name, p.shape.to_vec()))
        .collect();
    assert_eq!(
        names,
        [("depthwise_kernel", vec![3, 3, 2, 2]), ("bias", vec![4])]
    );
}

#[test]
fn a_depthwise_file_that_differs_is_refused_with_every_difference() {
    let error = DepthwiseOther::load_keras(fixture("depthwise_model.keras")).unwrap_err();
    let nn::Error::Mismatch { problems, .. } = error else {
        panic!("expected a mismatch, got {error:?}");
    };
    assert_eq!(
        problems,
        [
            "layer 1 `depthwise_conv2d`: the file has strides = (2, 2), `DepthwiseOther` declares (1, 1)",
            "layer 1 `depthwise_conv2d`: the file has depth_multiplier = 2, `DepthwiseOther` declares 1",
            "layer 1 `depthwise_conv2d`: the file has activation = \"relu\", `DepthwiseOther` declares \"tanh\"",
        ],
        "{problems:#?}"
    );
}

network! {
    /// Depthwise and separable convolutions along steps: a multiplier of 2 with strides and
    /// same padding, an even window with Keras's uneven same padding, dilated taps with strides
    /// and without bias, flattened into a linear layer.
    #[keras("tests/fixtures/keras/depthwise_1d_model.keras", embed)]
    pub struct Depthwise1D =
        Input<20, 3>,
        DepthwiseConv1D<3, Relu, strides = 2, padding = Same, depth_multiplier = 2>,
        DepthwiseConv1D<4, padding = Same>,
        DepthwiseConv1D<2, Tanh, strides = 2, dilation_rate = 2, use_bias = false>,
        SeparableConv1D<4, 3, Relu, padding = Same, depth_multiplier = 2>,
        SeparableConv1D<3, 2, strides = 2, dilation_rate = 2, padding = Same, use_bias = false>,
        Flatten,
        Dense<_, 2>;
}

#[test]
fn depthwise_and_separable_convolutions_along_steps_match_keras() {
    let net = Depthwise1D::load_keras(fixture("depthwise_1d_model.keras")).unwrap();
    assert_matches_keras(&net, "depthwise_1d_model");
    assert_matches_keras(&Depthwise1D::EMBEDDED, "depthwise_1d_model");
    // Keras's weights in Keras's order and shapes: `(k, C, M)`, `(1, C·M, filters)`.
    let shapes = |params: Vec<nn::ParamRef<'_, f32>>| -> Vec<(&str, Vec<usize>)> {
        params.iter().map(|p| (p.name, p.shape.to_vec())).collect()
    };
    assert_eq!(
        shapes(net.depthwise_conv1d.params().collect()),
        [("depthwise_kernel", vec![3, 3, 2]), ("bias", vec![6])]
    );
    assert_eq!(
        shapes(net.separable_conv1d.params().collect()),
        [
            ("depthwise_kernel", vec![3, 6, 2]),
            ("pointwise_kernel", vec![1, 12, 4]),
            ("bias", vec![4])
        ]
    );
}

network! {
    /// Separable convolutions: strides with same padding and a multiplier of 2, dilation
    /// without bias.
    #[keras("tests/fixtures/keras/separable_model.keras", embed)]
    pub struct Separable =
        Input<8, 7, 3>,
        SeparableConv2D<4, (3, 3), Relu, strides = (2, 2), padding = Same, depth_multiplier = 2>,
        SeparableConv2D<3, (2, 2), Tanh, dilation_rate = (2, 1), use_bias = false>,
        GlobalAvgPool2D,
        Dense<_, 2, Softmax>;

    /// tf.keras 2's separable convolution in the legacy `.h5` layout.
    #[keras("tests/fixtures/keras/tf2_separable.h5", embed)]
    pub struct Tf2Separable =
        Input<5, 6, 2>,
        SeparableConv2D<3, (3, 3), Relu, padding = Same, depth_multiplier = 2>,
        GlobalAvgPool2D,
        Dense<_, 2>;

    /// `separable_model.keras` with other filters and multiplier in its first layer.
    pub struct SeparableOther =
        Input<8, 7, 3>,
        SeparableConv2D<5, (3, 3), Relu, strides = (2, 2), padding = Same>,
        SeparableConv2D<3, (2, 2), Tanh, dilation_rate = (2, 1), use_bias = false>,
        GlobalAvgPool2D,
        Dense<_, 2, Softmax>;
}

#[test]
fn separable_convolutions_match_keras() {
    let net = Separable::load_keras(fixture("separable_model.keras")).unwrap();
    assert_matches_keras(&net, "separable_model");
    assert_matches_keras(&Separable::EMBEDDED, "separable_model");
    let net = Tf2Separable::load_keras(fixture("tf2_separable.h5")).unwrap();
    assert_matches_keras(&net, "tf2_separable");
    assert_matches_keras(&Tf2Separable::EMBEDDED, "tf2_separable");
    // Keras's weights in Keras's order and shapes.
    let names: Vec<(&str, Vec<usize>)> = net
        .separable_conv2d
        .params()
        .map(|p| (p.name, p.shape.to_vec()))
        .collect();
    assert_eq!(
        names,
        [
            ("depthwise_kernel", vec![3, 3, 2, 2]),
            ("pointwise_kernel", vec![1, 1, 4, 3]),
            ("bias", vec![3])
        ]
    );
    let error = SeparableOther::load_keras(fixture("separable_model.keras")).unwrap_err();
    let nn::Error::Mismatch { problems, .. } = error else {
        panic!("expected a mismatch, got {error:?}");
    };
    assert_eq!(
        problems,
        [
            "layer 1 `separable_conv2d`: the file has filters = 4, `SeparableOther` declares 5",
            "layer 1 `separable_conv2d`: the file has depth_multiplier = 2, `SeparableOther` declares 1",
        ],
        "{problems:#?}"
    );
}
