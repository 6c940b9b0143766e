//! PyTorch state dicts read into declared networks (`Net::load_pytorch`, `Net::from_pytorch`):
//! the fixtures in `tests/fixtures/pytorch` (made by `tools/pytorch_state_dicts.py`: small
//! models trained a few steps, their state dicts saved with `safetensors.torch.save_file`, and
//! PyTorch's outputs on recorded inputs) give PyTorch's outputs to 1e-5; a declaration that
//! differs gets every difference, at its layer; damaged files are errors.

use nn::prelude::*;

mod common;

/// Two declarations of the same layers: `$name`, read at run time, and `$built_in`, the state
/// dict at `$path` checked during the build and built in.
macro_rules! read_and_built_in {
    ($(#[$doc:meta])* $name:ident, $built_in:ident, $path:literal = $($layers:tt)*) => {
        network! {
            $(#[$doc])*
            struct $name = $($layers)*;

            /// The same, built in.
            #[pytorch($path, embed)]
            struct $built_in = $($layers)*;
        }
    };
}

read_and_built_in! {
    /// `nn.Sequential(Linear(6, 16), ReLU(), Dropout(0.1), Linear(16, 8), Tanh(), Linear(8, 3),
    /// Softmax(dim=1))`: the modules `0`, `3` and `5`.
    Mlp, MlpBuiltIn, "tests/fixtures/pytorch/mlp.safetensors" =
        Dense<6, 16, Relu>, Dropout<0.1>, Dense<16, 8, Tanh>, Dense<8, 3, Softmax>
}

read_and_built_in! {
    /// `Conv2d(2, 4, 3, padding=1), BatchNorm2d(4), ReLU(), MaxPool2d(2), Conv2d(4, 6, 3),
    /// ReLU(), Flatten(), Linear(54, 5)`, fed (2, 10, 10) images channels last.
    Cnn, CnnBuiltIn, "tests/fixtures/pytorch/cnn.safetensors" =
        Input<10, 10, 2>, Conv2D<4, (3, 3), padding = Same>, BatchNormalization<epsilon = 1e-5>,
        Activation<Relu>, MaxPool2D<(2, 2)>, Conv2D<6, (3, 3), Relu>, Flatten, Dense<_, 5>
}

read_and_built_in! {
    /// A depthwise-separable block: `Conv2d(3, 6, 3, padding=1, groups=3), BatchNorm2d(6),
    /// ReLU6(), Conv2d(6, 8, 1), BatchNorm2d(8), ReLU(), AdaptiveAvgPool2d(1), Flatten(),
    /// Linear(8, 4)`.
    Separable, SeparableBuiltIn, "tests/fixtures/pytorch/separable.safetensors" =
        Input<8, 8, 3>, DepthwiseConv2D<(3, 3), depth_multiplier = 2, padding = Same>,
        BatchNormalization<epsilon = 1e-5>, Activation<Relu6>, Conv2D<8, (1, 1)>,
        BatchNormalization<epsilon = 1e-5>, Activation<Relu>, GlobalAvgPool2D, Dense<_, 4>
}

read_and_built_in! {
    /// `Conv1d(3, 5, 3), ReLU(), Conv1d(5, 4, 3), Tanh(), Flatten(), Linear(32, 2)`, fed
    /// (3, 12) sequences channels last.
    Temporal, TemporalBuiltIn, "tests/fixtures/pytorch/conv1d.safetensors" =
        Input<12, 3>, Conv1D<5, 3, Relu>, Conv1D<4, 3, Tanh>, Flatten, Dense<_, 2>
}

read_and_built_in! {
    /// `self.lstm = LSTM(4, 8, batch_first=True)`, `self.dense = Linear(8, 3)` on the last
    /// step: matched by name.
    Lstm, LstmBuiltIn, "tests/fixtures/pytorch/lstm.safetensors" =
        Input<7, 4>, lstm: LSTM<8>, dense: Dense<8, 3>
}

read_and_built_in! {
    /// `self.gru = GRU(4, 6, batch_first=True)`, `self.head = Linear(6, 2)`.
    Gru, GruBuiltIn, "tests/fixtures/pytorch/gru.safetensors" =
        Input<5, 4>, gru: GRU<6>, head: Dense<6, 2>
}

read_and_built_in! {
    /// `self.embedding = Embedding(10, 4)`, `self.rnn = RNN(4, 5, batch_first=True)`,
    /// `self.norm = LayerNorm(5)` on the last step, `self.head = Linear(5, 3)`.
    Tokens, TokensBuiltIn, "tests/fixtures/pytorch/tokens.safetensors" =
        Input<6>, embedding: Embedding<10, 4>, rnn: SimpleRNN<5>,
        norm: LayerNormalization<epsilon = 1e-5>, head: Dense<5, 3>
}

read_and_built_in! {
    /// `Flatten(), Linear(12, 3)` on (3, 4) inputs without channels: flattened as they are.
    Flat, FlatBuiltIn, "tests/fixtures/pytorch/flat.safetensors" =
        Input<3, 4>, Flatten, Dense<12, 3>
}

read_and_built_in! {
    /// `Conv2d(2, 4, 3), PReLU(4), Flatten(), Linear(64, 8), PReLU(), Linear(8, 3)`: a slope
    /// per channel (`1.weight` (4,)), then one for all (`4.weight` (1,)).
    Prelu, PreluBuiltIn, "tests/fixtures/pytorch/prelu.safetensors" =
        Input<6, 6, 2>, Conv2D<4, (3, 3)>, PReLU, Flatten, Dense<_, 8>, PReLU, Dense<8, 3>
}

read_and_built_in! {
    /// `self.lstm = LSTM(3, 5, num_layers=3, batch_first=True)`, `self.head = Linear(5, 2)` on
    /// the last step: `lstm`'s `_l0`, `_l1` and `_l2` tensors are the three stacked layers.
    Stacked, StackedBuiltIn, "tests/fixtures/pytorch/stacked.safetensors" =
        Input<6, 3>, lstm: LSTM<5, return_sequences = true>,
        lstm_l1: LSTM<5, return_sequences = true>, lstm_l2: LSTM<5>, head: Dense<5, 2>
}

read_and_built_in! {
    /// `self.gru = GRU(4, 5, num_layers=2, batch_first=True, bidirectional=True)`,
    /// `self.head = Linear(10, 3)` on the last hidden states of both directions.
    Bidirectional, BidirectionalBuiltIn, "tests/fixtures/pytorch/bidirectional.safetensors" =
        Input<5, 4>, gru: Bidirectional<GRU<5, return_sequences = true>>,
        gru_l1: Bidirectional<GRU<5>>, head: Dense<10, 3>
}

read_and_built_in! {
    /// `Sequential(SeparableConv2d(3, 8, 2), ReLU(), AdaptiveAvgPool2d(1), Flatten(),
    /// Linear(8, 4))`, the first module a depthwise `Conv2d` (with its bias) and a 1 × 1 one:
    /// the modules `0.depthwise` and `0.pointwise` are the one `SeparableConv2D`.
    SeparableConv, SeparableConvBuiltIn, "tests/fixtures/pytorch/separable_conv.safetensors" =
        Input<8, 8, 3>,
        SeparableConv2D<8, (3, 3), Relu, depth_multiplier = 2, padding = Same>,
        GlobalAvgPool2D, Dense<_, 4>
}

read_and_built_in! {
    /// A small ResNet: `self.stem = Conv2d(2, 4, 3, padding=1)`, `self.layer1` ResNet's basic
    /// block (`conv1`, `bn1`, `conv2`, `bn2`, plus the input), `self.layer2` its downsampling
    /// block (the same with a stride of 2, plus `downsample`, a 1 × 1 `Conv2d` with a stride of 2
    /// and a `BatchNorm2d`), a global average pool and `self.head = Linear(8, 3)`. A block is the
    /// module of its name; its layers are the modules within it, by their names there (`conv1`)
    /// or their whole names with `_` for `.` (`layer2_conv1`, `downsample_0`).
    Resnet, ResnetBuiltIn, "tests/fixtures/pytorch/resnet.safetensors" =
        Input<9, 9, 2>, stem: Conv2D<4, (3, 3), Relu, padding = Same>,
        layer1: Add<[
            conv1: Conv2D<4, (3, 3), padding = Same, use_bias = false>,
            bn1: BatchNormalization<epsilon = 1e-5>, Activation<Relu>,
            conv2: Conv2D<4, (3, 3), padding = Same, use_bias = false>,
            bn2: BatchNormalization<epsilon = 1e-5>
        ], []>,
        Activation<Relu>,
        layer2: Add<[
            layer2_conv1: Conv2D<8, (3, 3), strides = (2, 2), padding = Same, use_bias = false>,
            layer2_bn1: BatchNormalization<epsilon = 1e-5>, Activation<Relu>,
            layer2_conv2: Conv2D<8, (3, 3), padding = Same, use_bias = false>,
            layer2_bn2: BatchNormalization<epsilon = 1e-5>
        ], [
            downsample_0: Conv2D<8, (1, 1), strides = (2, 2), use_bias = false>,
            downsample_1: BatchNormalization<epsilon = 1e-5>
        ]>,
        Activation<Relu>, GlobalAvgPool2D, head: Dense<8, 3>
}

read_and_built_in! {
    /// A block in an `nn.Sequential`: `Sequential(Conv2d(2, 4, 3, padding=1), ReLU(),
    /// Residual(4), ReLU(), AdaptiveAvgPool2d(1), Flatten(), Linear(4, 3))`, where `Residual`
    /// adds its input to `self.body = Sequential(Conv2d, BatchNorm2d, ReLU, Conv2d)`. The block
    /// is the modules of its number (`2`), its layers `body.0`, `body.1` and `body.3` within it.
    ResidualSequential, ResidualSequentialBuiltIn,
    "tests/fixtures/pytorch/residual_sequential.safetensors" =
        Input<6, 6, 2>, Conv2D<4, (3, 3), Relu, padding = Same>,
        Add<[], [
            body_0: Conv2D<4, (3, 3), padding = Same>, body_1: BatchNormalization<epsilon = 1e-5>,
            Activation<Relu>, body_3: Conv2D<4, (3, 3), padding = Same>
        ]>,
        Activation<Relu>, GlobalAvgPool2D, Dense<_, 3>
}

network! {
    /// [`Stacked`] with one LSTM layer too few, and a unidirectional GRU where the file's is
    /// bidirectional (below).
    struct StackedDiffers = Input<6, 3>, lstm: LSTM<5, return_sequences = true>, lstm_l1: LSTM<5>,
        head: Dense<5, 2>;

    /// [`Bidirectional`] declared one-directional.
    struct OneWay = Input<5, 4>, gru: GRU<5, return_sequences = true>, gru_l1: GRU<5>,
        head: Dense<5, 3>;

    /// [`Prelu`] with a second convolution's channels (6) for the first PReLU's slopes.
    struct PreluDiffers =
        Input<6, 6, 2>, Conv2D<6, (3, 3)>, PReLU, Flatten, Dense<_, 8>, PReLU, Dense<8, 3>;

    /// [`SeparableConv`] with 6 filters.
    struct SeparableDiffers =
        Input<8, 8, 3>,
        SeparableConv2D<6, (3, 3), Relu, depth_multiplier = 2, padding = Same>,
        GlobalAvgPool2D, Dense<_, 4>;

    /// [`Resnet`] with a block's convolution of 5 filters and the downsampling's batch
    /// normalization left out.
    struct ResnetDiffers =
        Input<9, 9, 2>, stem: Conv2D<4, (3, 3), Relu, padding = Same>,
        layer1: Add<[
            conv1: Conv2D<4, (3, 3), padding = Same, use_bias = false>,
            bn1: BatchNormalization<epsilon = 1e-5>, Activation<Relu>,
            conv2: Conv2D<4, (3, 3), padding = Same, use_bias = false>,
            bn2: BatchNormalization<epsilon = 1e-5>
        ], []>,
        Activation<Relu>,
        layer2: Add<[
            layer2_conv1: Conv2D<5, (3, 3), strides = (2, 2), padding = Same, use_bias = false>,
            layer2_bn1: BatchNormalization<epsilon = 1e-5>, Activation<Relu>,
            layer2_conv2: Conv2D<8, (3, 3), padding = Same, use_bias = false>,
            layer2_bn2: BatchNormalization<epsilon = 1e-5>
        ], [downsample_0: Conv2D<8, (1, 1), strides = (2, 2), use_bias = false>]>,
        Activation<Relu>, GlobalAvgPool2D, head: Dense<8, 3>;
}

network! {
    /// [`Cnn`] with other channel counts, another kernel and a layer more.
    struct CnnDiffers =
        Input<10, 10, 2>, Conv2D<5, (3, 3), padding = Same>, BatchNormalization<epsilon = 1e-5>,
        Activation<Relu>, MaxPool2D<(2, 2)>, Conv2D<6, (5, 5), Relu>, Flatten, Dense<_, 5>,
        Dense<5, 2>;

    /// [`Gru`] with its head under another name and an LSTM where the file has a GRU.
    struct GruDiffers = Input<5, 4>, gru: LSTM<6>, classifier: Dense<6, 2>;
}

fn fixture(name: &str) -> String {
    format!(
        "{}/tests/fixtures/pytorch/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Checks that `net` gives PyTorch's outputs on the inputs `{name}.json` records, to 1e-5.
fn gives_pytorch_s_outputs<N: Network<f32>>(net: &N, name: &str) {
    let recorded = common::json(fixture(&format!("{name}.json")));
    common::gives_recorded_outputs(net, &recorded, |x| x, name);
}

fn load<N: Network<f32>>(name: &str) -> N {
    nn::pytorch::load::<f32, N>(std::path::Path::new(&fixture(&format!(
        "{name}.safetensors"
    ))))
    .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn state_dicts_give_pytorch_s_outputs() {
    gives_pytorch_s_outputs(
        &Mlp::load_pytorch(fixture("mlp.safetensors")).unwrap(),
        "mlp",
    );
    gives_pytorch_s_outputs(&load::<Cnn>("cnn"), "cnn");
    gives_pytorch_s_outputs(&load::<Separable>("separable"), "separable");
    gives_pytorch_s_outputs(&load::<Temporal>("conv1d"), "conv1d");
    gives_pytorch_s_outputs(&load::<Lstm>("lstm"), "lstm");
    gives_pytorch_s_outputs(&load::<Gru>("gru"), "gru");
    gives_pytorch_s_outputs(&load::<Tokens>("tokens"), "tokens");
    gives_pytorch_s_outputs(&load::<Flat>("flat"), "flat");
    gives_pytorch_s_outputs(&load::<Prelu>("prelu"), "prelu");
    gives_pytorch_s_outputs(&load::<Stacked>("stacked"), "stacked");
    gives_pytorch_s_outputs(&load::<Bidirectional>("bidirectional"), "bidirectional");
    gives_pytorch_s_outputs(&load::<SeparableConv>("separable_conv"), "separable_conv");
    gives_pytorch_s_outputs(&load::<Resnet>("resnet"), "resnet");
    gives_pytorch_s_outputs(
        &load::<ResidualSequential>("residual_sequential"),
        "residual_sequential",
    );
    // The MLP's weights as float64 (`model.double()`).
    gives_pytorch_s_outputs(&load::<Mlp>("mlp_f64"), "mlp");
    // Into an `f64` network.
    let path = fixture("mlp_f64.safetensors");
    let wide: Mlp<f64> = nn::pytorch::load(std::path::Path::new(&path)).unwrap();
    let narrow = load::<Mlp>("mlp");
    let (x32, x64) = (
        SVector::<f32, 6>::repeat(0.5),
        SVector::<f64, 6>::repeat(0.5),
    );
    let (y32, y64) = (narrow.predict(&x32), wide.predict(&x64));
    for (a, b) in y32.iter().zip(y64.iter()) {
        assert!((f64::from(*a) - b).abs() < 1e-6, "{y32} against {y64}");
    }
}

#[test]
fn built_in_state_dicts_give_pytorch_s_outputs() {
    static MLP: MlpBuiltIn = MlpBuiltIn::EMBEDDED;
    gives_pytorch_s_outputs(&MLP, "mlp");
    gives_pytorch_s_outputs(&CnnBuiltIn::EMBEDDED, "cnn");
    gives_pytorch_s_outputs(&SeparableBuiltIn::EMBEDDED, "separable");
    gives_pytorch_s_outputs(&TemporalBuiltIn::EMBEDDED, "conv1d");
    gives_pytorch_s_outputs(&LstmBuiltIn::EMBEDDED, "lstm");
    gives_pytorch_s_outputs(&GruBuiltIn::EMBEDDED, "gru");
    gives_pytorch_s_outputs(&TokensBuiltIn::EMBEDDED, "tokens");
    gives_pytorch_s_outputs(&FlatBuiltIn::EMBEDDED, "flat");
    gives_pytorch_s_outputs(&PreluBuiltIn::EMBEDDED, "prelu");
    gives_pytorch_s_outputs(&StackedBuiltIn::EMBEDDED, "stacked");
    gives_pytorch_s_outputs(&BidirectionalBuiltIn::EMBEDDED, "bidirectional");
    gives_pytorch_s_outputs(&SeparableConvBuiltIn::EMBEDDED, "separable_conv");
    gives_pytorch_s_outputs(&ResnetBuiltIn::EMBEDDED, "resnet");
    gives_pytorch_s_outputs(&ResidualSequentialBuiltIn::EMBEDDED, "residual_sequential");
    // Built in and read at run time, every parameter bit for bit.
    fn same<N: Network<f32>>(built_in: &N, name: &str) {
        let loaded = load::<N>(name);
        let (a, b) = (built_in.params(), loaded.params());
        assert_eq!(a.len(), b.len());
        for ((layer, x), (_, y)) in a.zip(b) {
            let bits = |v: &[f32]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(x.values), bits(y.values), "{name}: {layer} {}", x.name);
        }
    }
    same(&PreluBuiltIn::EMBEDDED, "prelu");
    same(&StackedBuiltIn::EMBEDDED, "stacked");
    same(&BidirectionalBuiltIn::EMBEDDED, "bidirectional");
    same(&SeparableConvBuiltIn::EMBEDDED, "separable_conv");
    same(&ResnetBuiltIn::EMBEDDED, "resnet");
    same(&ResidualSequentialBuiltIn::EMBEDDED, "residual_sequential");
    // The same weights as read at run time, bit for bit.
    let loaded = Gru::load_pytorch(fixture("gru.safetensors")).unwrap();
    assert_eq!(
        GruBuiltIn::EMBEDDED.gru.kernel.as_slice(),
        loaded.gru.kernel.as_slice()
    );
    assert_eq!(
        GruBuiltIn::EMBEDDED.gru.bias.as_slice(),
        loaded.gru.bias.as_slice()
    );
    let loaded = Cnn::load_pytorch(fixture("cnn.safetensors")).unwrap();
    assert_eq!(
        CnnBuiltIn::EMBEDDED.dense.kernel.as_slice(),
        loaded.dense.kernel.as_slice()
    );
}

#[test]
fn from_pytorch_reads_bytes_as_load_pytorch_reads_the_file() {
    let bytes = std::fs::read(fixture("cnn.safetensors")).unwrap();
    let net = Cnn::from_pytorch(&bytes).unwrap();
    let loaded = Cnn::load_pytorch(fixture("cnn.safetensors")).unwrap();
    assert_eq!(net.conv2d.kernel, loaded.conv2d.kernel);
    assert_eq!(net.dense.kernel, loaded.dense.kernel);
    // The batch normalization's statistics are the file's, not the initial ones.
    assert!(
        net.batch_normalization
            .moving_variance
            .iter()
            .all(|&v| v != 1.0)
    );
}

/// The problems of reading the fixture `name` as `N`, which must be a mismatch.
fn mismatch<N: Network<f32>>(name: &str) -> Vec<String> {
    let path = fixture(&format!("{name}.safetensors"));
    common::mismatch_problems(nn::pytorch::load::<f32, N>(std::path::Path::new(&path)))
}

#[test]
fn a_declaration_that_differs_gets_every_difference() {
    let problems = mismatch::<CnnDiffers>("cnn");
    let expected = [
        "layer 1 `conv2d` (Conv2D): tensor `0.weight` has shape (4, 2, 3, 3); the declaration \
         needs (5, 2, 3, 3) (PyTorch's (out, in, kh, kw))",
        "layer 2 `batch_normalization` (BatchNormalization): tensor `1.weight` has shape (4,); \
         the declaration needs (5,)",
        "layer 5 `conv2d_1` (Conv2D): tensor `4.weight` has shape (6, 4, 3, 3); the declaration \
         needs (6, 5, 5, 5)",
        "layer 7 `dense` (Dense): tensor `7.weight` has shape (5, 54); the declaration needs \
         (5, 6)",
        "layer 8 `dense_1` (Dense): no module left for it: the file has 4 modules with tensors \
         (`0`, `1`, `4`, `7`) and the declaration 5 layers with parameters, matched in order",
    ];
    // One difference per layer: the bias after the kernel would repeat it.
    assert_eq!(problems.len(), expected.len(), "{problems:#?}");
    for e in expected {
        assert!(
            problems.iter().any(|p| p.starts_with(e)),
            "{e}\n{problems:#?}"
        );
    }
    let problems = mismatch::<GruDiffers>("gru");
    let expected = [
        "layer 1 `gru` (LSTM): tensor `gru.weight_ih_l0` has shape (18, 4); the declaration \
         needs (24, 4)",
        "layer 2 `classifier` (Dense): no module `classifier` in the file",
        "module `head` (`head.bias`, `head.weight`): no layer of the declaration has its name",
    ];
    for e in expected {
        assert!(
            problems.iter().any(|p| p.starts_with(e)),
            "{e}\n{problems:#?}"
        );
    }
}

/// Checks that every one of `expected` begins one of `problems`, and that there are as many.
fn each_once(problems: &[String], expected: &[&str]) {
    for e in expected {
        assert!(
            problems.iter().any(|p| p.starts_with(e)),
            "{e}\n{problems:#?}"
        );
    }
    assert_eq!(problems.len(), expected.len(), "{problems:#?}");
}

#[test]
fn stacked_bidirectional_prelu_separable_and_blocks_that_differ_are_errors_at_their_layer() {
    let problems = mismatch::<StackedDiffers>("stacked");
    each_once(
        &problems,
        &[
            "layer 1 `lstm` (LSTM): tensors `lstm.bias_hh_l2`, `lstm.bias_ih_l2`, \
             `lstm.weight_hh_l2`, `lstm.weight_ih_l2` are of the module's stacked layer 3 \
             (PyTorch's `num_layers` is 3): declare the stacked layers one after the other",
        ],
    );
    let problems = mismatch::<OneWay>("bidirectional");
    assert!(
        problems.iter().any(|p| p.starts_with(
            "layer 1 `gru` (GRU): tensors `gru.bias_hh_l0_reverse`, `gru.bias_ih_l0_reverse`, \
             `gru.weight_hh_l0_reverse`, `gru.weight_ih_l0_reverse` are the backward direction \
             of a bidirectional module: declare `Bidirectional<GRU<..>>`"
        )),
        "{problems:#?}"
    );
    assert!(
        problems.iter().any(|p| p.starts_with(
            "layer 2 `gru_l1` (GRU): tensor `gru.weight_ih_l1` has shape (15, 10); the \
             declaration needs (15, 5)"
        )),
        "{problems:#?}"
    );
    let problems = mismatch::<PreluDiffers>("prelu");
    each_once(
        &problems,
        &[
            "layer 1 `conv2d` (Conv2D): tensor `0.weight` has shape (4, 2, 3, 3); the \
             declaration needs (6, 2, 3, 3)",
            "layer 2 `p_re_lu` (PReLU): tensor `1.weight` has shape (4,); the declaration needs \
             (6,) (PyTorch's (channels,) or (1,))",
            "layer 4 `dense` (Dense): tensor `3.weight` has shape (8, 64); the declaration needs \
             (8, 96)",
        ],
    );
    let problems = mismatch::<SeparableDiffers>("separable_conv");
    each_once(
        &problems,
        &[
            "layer 1 `separable_conv2d` (SeparableConv2D): tensor `0.pointwise.weight` has shape \
             (8, 6, 1, 1); the declaration needs (6, 6, 1, 1)",
            "layer 3 `dense` (Dense): tensor `4.weight` has shape (4, 8); the declaration needs \
             (4, 6)",
        ],
    );
    let problems = mismatch::<ResnetDiffers>("resnet");
    each_once(
        &problems,
        &[
            "layer 4 `layer2`, its layer `layer2_conv1` (Conv2D): tensor `layer2.conv1.weight` \
             has shape (8, 4, 3, 3); the declaration needs (5, 4, 3, 3)",
            "layer 4 `layer2`, its layer `layer2_bn1` (BatchNormalization): tensor \
             `layer2.bn1.weight` has shape (8,); the declaration needs (5,)",
            "layer 4 `layer2`, its layer `layer2_conv2` (Conv2D): tensor `layer2.conv2.weight` \
             has shape (8, 8, 3, 3); the declaration needs (8, 5, 3, 3)",
            "module `layer2.downsample.1` (`layer2.downsample.1.bias`, \
             `layer2.downsample.1.running_mean`, `layer2.downsample.1.running_var`, \
             `layer2.downsample.1.weight`): no layer of the declaration has its name",
        ],
    );
}

#[test]
fn damaged_files_are_errors() {
    let bytes = std::fs::read(fixture("mlp.safetensors")).unwrap();
    // Every truncation, and every byte of the header changed: an error, never a panic.
    for n in 0..bytes.len() {
        assert!(Mlp::from_pytorch(&bytes[..n]).is_err(), "truncated to {n}");
    }
    let header = 8 + usize::try_from(u64::from_le_bytes(bytes[..8].try_into().unwrap())).unwrap();
    for k in 0..header {
        let mut damaged = bytes.clone();
        damaged[k] ^= 0x5a;
        let _ = Mlp::from_pytorch(&damaged);
    }
    // A NaN among the weights.
    let mut poisoned = bytes.clone();
    let at = bytes.len() - 4;
    poisoned[at..].copy_from_slice(&f32::NAN.to_le_bytes());
    let error = Mlp::from_pytorch(&poisoned).unwrap_err().to_string();
    assert!(error.contains("holds NaN or infinite values"), "{error}");
    // The same for a network of blocks and stacked bidirectional layers, whose modules are
    // matched scope by scope and level by level: every byte of the header changed (names
    // among them) is an error or a network, never a panic.
    fn header_changed<N: Network<f32>>(name: &str) {
        let bytes = std::fs::read(fixture(&format!("{name}.safetensors"))).unwrap();
        let header =
            8 + usize::try_from(u64::from_le_bytes(bytes[..8].try_into().unwrap())).unwrap();
        for k in 8..header {
            for flip in [0x01, 0x5a] {
                let mut damaged = bytes.clone();
                damaged[k] ^= flip;
                let _ = nn::pytorch::from_bytes::<f32, N>(&damaged, std::path::Path::new(name));
            }
        }
    }
    header_changed::<Resnet>("resnet");
    header_changed::<Bidirectional>("bidirectional");
    header_changed::<SeparableConv>("separable_conv");
    let error = Mlp::load_pytorch(fixture("missing.safetensors")).unwrap_err();
    assert!(matches!(error, nn::Error::Io { .. }), "{error}");
}
