//! ONNX files read into float declarations (`Net::load_onnx`, `Net::from_onnx`): the fixtures in
//! `tests/fixtures/onnx` (small PyTorch models made, trained a few steps and exported by
//! `tools/onnx_models.py`, with both of PyTorch's exporters where their graphs differ) give
//! PyTorch's outputs on their recorded inputs, transposed to channels last; a declaration that
//! differs gets every difference, at its layer (blocks included); operators not read are named,
//! all at once; damaged files are errors, never panics. The recurrent models (LSTM, GRU, RNN,
//! bidirectional, stacked, after an embedding or a 1-D convolution) are fed their sequences as
//! PyTorch takes them (`batch_first`).

use nn::prelude::*;

mod common;

network! {
    /// `mlp.onnx`: Linear, ReLU, Linear, Softmax.
    struct Mlp = Input<6>, Dense<_, 16, Relu>, Dense<_, 4, Softmax>;

    /// `cnn.onnx`: Conv2d, BatchNorm2d (folded into the convolution by the exporter), ReLU,
    /// MaxPool2d, Flatten, Linear.
    struct Cnn =
        Input<6, 8, 3>, Conv2D<4, (3, 3), padding = Same>, BatchNormalization<epsilon = 1e-5>,
        Activation<Relu>, MaxPool2D<(2, 2)>, Flatten, Dense<_, 5>;

    /// `conv1d.onnx`.
    struct Conv1d =
        Input<10, 3>, Conv1D<4, 3, Tanh>, Conv1D<4, 3, Relu, padding = Same>, Flatten,
        Dense<_, 3>;

    /// [`Mlp`] with other units and another last activation.
    struct MlpDiffers = Input<6>, Dense<_, 12, Relu>, Dense<_, 4, Sigmoid>;

    /// [`Cnn`] with a 5×5 kernel, no padding and no ReLU.
    struct CnnDiffers =
        Input<6, 8, 3>, Conv2D<4, (5, 5)>, BatchNormalization<epsilon = 1e-5>,
        MaxPool2D<(2, 2), strides = (1, 1)>, Flatten, Dense<_, 5>;

    /// [`Depthwise`] with a convolution where the file's is depthwise.
    struct NotDepthwise =
        Input<6, 6, 3>, Conv2D<3, (3, 3), padding = Same>,
        BatchNormalization<epsilon = 1e-5>, Activation<Relu>, Conv2D<6, (1, 1), Relu>,
        MaxPool2D<(2, 2)>, Flatten, Dense<_, 4>;

    /// `blocks.onnx`: ResNet's identity block and projection block, then a concatenation.
    struct Blocks =
        Input<9, 9, 3>, Conv2D<4, (3, 3), Relu, padding = Same>,
        Add<[Conv2D<4, (3, 3), padding = Same>, BatchNormalization<epsilon = 1e-5>,
             Activation<Relu>, Conv2D<4, (3, 3), padding = Same>,
             BatchNormalization<epsilon = 1e-5>], []>,
        Activation<Relu>,
        Add<[Conv2D<8, (3, 3), strides = (2, 2), padding = Same>,
             BatchNormalization<epsilon = 1e-5>],
            [Conv2D<8, (1, 1), strides = (2, 2)>]>,
        Activation<Relu>,
        Concatenate<[Conv2D<3, (3, 3), Relu, padding = Same>], [Conv2D<2, (1, 1), Relu>]>,
        GlobalAvgPool2D, Dense<_, 3>;

    /// [`Blocks`] with the concatenation's branches the other way round and a subtraction.
    struct BlocksDiffer =
        Input<9, 9, 3>, Conv2D<4, (3, 3), Relu, padding = Same>,
        Subtract<[Conv2D<4, (3, 3), padding = Same>, BatchNormalization<epsilon = 1e-5>,
             Activation<Relu>, Conv2D<4, (3, 3), padding = Same>,
             BatchNormalization<epsilon = 1e-5>], []>,
        Activation<Relu>,
        Add<[Conv2D<8, (3, 3), strides = (2, 2), padding = Same>,
             BatchNormalization<epsilon = 1e-5>],
            [Conv2D<8, (1, 1), strides = (2, 2)>]>,
        Activation<Relu>,
        Concatenate<[Conv2D<2, (1, 1), Relu>], [Conv2D<3, (3, 3), Relu, padding = Same>]>,
        GlobalAvgPool2D, Dense<_, 3>;

    /// [`Norms`] with Keras's default epsilon, 1e-3.
    struct NormsKerasEpsilon =
        Input<5, 6, 2>, Conv2D<3, (3, 3), Relu>, BatchNormalization, Flatten,
        Dense<_, 8, Tanh>, BatchNormalization, Dense<_, 2>;

    /// `separable.onnx`: a depthwise convolution (two kernels per channel) and a pointwise one.
    struct Separable =
        Input<6, 6, 3>, SeparableConv2D<5, (3, 3), Relu, depth_multiplier = 2, padding = Same>,
        MaxPool2D<(2, 2)>, Flatten, Dense<_, 2>;

    /// `unsupported.onnx`'s dense layers.
    struct Unsupported = Input<4>, Dense<_, 8, Relu>, Dense<_, 2>;

    /// `lstm_stacked.onnx`: an LSTM of two layers (`num_layers = 2`), two LSTM nodes.
    struct LstmStacked = Input<5, 4>, LSTM<6, return_sequences = true>, LSTM<6>, Dense<_, 2>;

    /// `bilstm.onnx`: a bidirectional LSTM's every step, flattened into a Linear.
    struct BiLstm =
        Input<6, 4>, Bidirectional<LSTM<5, return_sequences = true>>, Flatten, Dense<_, 3>;

    /// `embedding_gru.onnx`: token ids into an Embedding, a GRU, a Linear and a softmax.
    struct EmbeddingGru = Input<8>, Embedding<12, 4>, GRU<6>, Dense<_, 3, Softmax>;

    /// [`Lstm`] with other units, returning every step, and a GRU where the file has an LSTM.
    struct LstmDiffers = Input<7, 4>, LSTM<6, return_sequences = true>, Flatten, Dense<_, 3>;

    /// [`Lstm`] with a GRU.
    struct LstmAsGru = Input<7, 4>, GRU<8>, Dense<_, 3>;

    /// [`BiLstm`] read one way, and [`Lstm`] read both ways.
    struct BiLstmOneWay = Input<6, 4>, LSTM<5, return_sequences = true>, Flatten, Dense<_, 3>;
    struct LstmBothWays = Input<7, 4>, Bidirectional<LSTM<8>>, Dense<_, 3>;

    /// [`BiGru`] summing the two directions.
    struct BiGruSum = Input<5, 3>, Bidirectional<GRU<4>, merge_mode = Sum>, Dense<_, 2>;

    /// [`EmbeddingGru`] with a table of other sizes.
    struct EmbeddingDiffers = Input<8>, Embedding<10, 5>, GRU<6>, Dense<_, 3, Softmax>;

    /// [`LstmSequences`] keeping the last step only.
    struct LstmLast = Input<6, 3>, LSTM<5>, Dense<_, 2>;
}

/// Each of these fixtures' declarations twice: read at run time (`$run`), and checked against
/// `$file` and its weights built in during the build (`$built`, `#[onnx("..", embed)]`).
macro_rules! built_in_too {
    ($($(#[$doc:meta])* $run:ident, $built:ident = $file:literal: [$($layers:tt)*];)*) => {
        $(
            network! {
                $(#[$doc])*
                struct $run = $($layers)*;

                #[doc = concat!("[`", stringify!($run), "`], built in from `", $file, "`.")]
                #[onnx($file, embed)]
                struct $built = $($layers)*;
            }
        )*
    };
}

built_in_too! {
    /// `activations.onnx`, each activation the dense layer's.
    Activations, ActivationsBuiltIn = "tests/fixtures/onnx/activations.onnx": [
        Input<5>, Dense<_, 6, LeakyRelu(0.1)>, Dense<_, 6, Elu(0.7)>, Dense<_, 6, Selu>,
        Dense<_, 6, Gelu>, Dense<_, 6, Sigmoid>, Dense<_, 6, HardSigmoid>, Dense<_, 6, Tanh>,
        Dense<_, 6, Softplus>, Dense<_, 6, Softsign>, Dense<_, 6>, PReLU, Dense<_, 4, LogSoftmax>
    ];
    /// `activations.onnx`, each activation a layer of its own.
    ActivationLayers, ActivationLayersBuiltIn = "tests/fixtures/onnx/activations.onnx": [
        Input<5>, Dense<_, 6>, LeakyReLU<negative_slope = 0.1>, Dense<_, 6>, ELU<alpha = 0.7>,
        Dense<_, 6>, Activation<Selu>, Dense<_, 6>, Activation<Gelu>, Dense<_, 6>,
        Activation<Sigmoid>, Dense<_, 6>, Activation<HardSigmoid>, Dense<_, 6>, Activation<Tanh>,
        Dense<_, 6>, Activation<Softplus>, Dense<_, 6>, Activation<Softsign>, Dense<_, 6>, PReLU,
        Dense<_, 4>, Activation<LogSoftmax>
    ];
    /// `pools.onnx`: AvgPool2d and AdaptiveAvgPool2d(1).
    Pools, PoolsBuiltIn = "tests/fixtures/onnx/pools.onnx": [
        Input<10, 8, 2>, Conv2D<4, (3, 3), Relu>, AvgPool2D<(2, 2)>,
        Conv2D<5, (3, 3), Relu, padding = Same>, GlobalAvgPool2D, Dense<_, 3>
    ];
    /// `depthwise.onnx`: a convolution with `groups` = channels, then a pointwise one.
    Depthwise, DepthwiseBuiltIn = "tests/fixtures/onnx/depthwise.onnx": [
        Input<6, 6, 3>, DepthwiseConv2D<(3, 3), padding = Same>,
        BatchNormalization<epsilon = 1e-5>, Activation<Relu>, Conv2D<6, (1, 1), Relu>,
        MaxPool2D<(2, 2)>, Flatten, Dense<_, 4>
    ];
    /// `view.onnx`: a strided convolution, then `x.view(x.size(0), -1)` (a `Reshape` whose shape
    /// `Shape`, `Gather`, `Unsqueeze` and `Concat` compute) and a Linear.
    View, ViewBuiltIn = "tests/fixtures/onnx/view.onnx": [
        Input<7, 6, 2>, Conv2D<3, (3, 3), Relu, strides = (2, 2)>, Flatten, Dense<_, 4>
    ];
    /// `pools1d.onnx`: MaxPool1d, AvgPool1d with stride 1, AdaptiveMaxPool1d(1).
    Pools1d, Pools1dBuiltIn = "tests/fixtures/onnx/pools1d.onnx": [
        Input<12, 2>, Conv1D<4, 3, Relu, padding = Same>, MaxPool1D<2>,
        Conv1D<4, 3, Sigmoid, padding = Same>, AvgPool1D<2, strides = 1>, GlobalMaxPool1D,
        Dense<_, 3, Softmax>
    ];
    /// `max_pool2d.onnx`: a padded MaxPool2d, AdaptiveMaxPool2d(1).
    MaxPools, MaxPoolsBuiltIn = "tests/fixtures/onnx/max_pool2d.onnx": [
        Input<7, 7, 2>, Conv2D<3, (3, 3), Elu, padding = Same>,
        MaxPool2D<(3, 3), strides = (2, 2), padding = Same>, Conv2D<4, (1, 1)>, GlobalMaxPool2D,
        Dense<_, 2>
    ];
    /// `norms.onnx`: batch normalizations after activations, which stay in the file.
    Norms, NormsBuiltIn = "tests/fixtures/onnx/norms.onnx": [
        Input<5, 6, 2>, Conv2D<3, (3, 3), Relu>, BatchNormalization<epsilon = 1e-5>, Flatten,
        Dense<_, 8, Tanh>, BatchNormalization<epsilon = 1e-5>, Dense<_, 2>
    ];
    /// `multiplier.onnx`: a depthwise convolution with two kernels per channel, ReLU6.
    Multiplier, MultiplierBuiltIn = "tests/fixtures/onnx/multiplier.onnx": [
        Input<5, 5, 2>, DepthwiseConv2D<(3, 3), Relu6, depth_multiplier = 2, padding = Same>,
        GlobalAvgPool2D, Dense<_, 3>
    ];
    /// `gelu_tanh.onnx`: GELU's tanh approximation.
    GeluTanh, GeluTanhBuiltIn = "tests/fixtures/onnx/gelu_tanh.onnx": [
        Input<4>, Dense<_, 5, GeluApprox>, Dense<_, 2>
    ];
    /// `lstm.onnx`: an LSTM read `batch_first`, its last step, a Linear.
    Lstm, LstmBuiltIn = "tests/fixtures/onnx/lstm.onnx": [Input<7, 4>, LSTM<8>, Dense<_, 3>];
    /// `lstm_sequences.onnx`: every step of an LSTM, flattened into a Linear.
    LstmSequences, LstmSequencesBuiltIn = "tests/fixtures/onnx/lstm_sequences.onnx": [
        Input<6, 3>, LSTM<5, return_sequences = true>, Flatten, Dense<_, 2>
    ];
    /// `gru.onnx`: PyTorch's GRU, which is Keras's `reset_after = true`.
    Gru, GruBuiltIn = "tests/fixtures/onnx/gru.onnx": [Input<6, 4>, GRU<6>, Dense<_, 3>];
    /// `rnn.onnx`: an RNN with tanh.
    Rnn, RnnBuiltIn = "tests/fixtures/onnx/rnn.onnx": [Input<6, 3>, SimpleRNN<5>, Dense<_, 2>];
    /// `bigru.onnx`: a bidirectional GRU's last states (`h_n`), concatenated into a Linear.
    BiGru, BiGruBuiltIn = "tests/fixtures/onnx/bigru.onnx": [
        Input<5, 3>, Bidirectional<GRU<4>>, Dense<_, 2>
    ];
    /// `conv1d_lstm.onnx`: a 1-D convolution, its output permuted into an LSTM.
    Conv1dLstm, Conv1dLstmBuiltIn = "tests/fixtures/onnx/conv1d_lstm.onnx": [
        Input<10, 3>, Conv1D<6, 3, Relu>, LSTM<5>, Dense<_, 2>
    ];
    /// `gru_tanh_lstm.onnx`: a GRU's every step through a tanh into an LSTM.
    GruTanhLstm, GruTanhLstmBuiltIn = "tests/fixtures/onnx/gru_tanh_lstm.onnx": [
        Input<6, 3>, GRU<5, return_sequences = true>, Activation<Tanh>, LSTM<4>, Dense<_, 2>
    ];
}

network! {
    /// [`Mlp`], checked against `mlp.onnx` and its weights built in during the build.
    #[onnx("tests/fixtures/onnx/mlp.onnx", embed)]
    struct MlpBuiltIn = Input<6>, Dense<_, 16, Relu>, Dense<_, 4, Softmax>;

    /// [`Cnn`], built in.
    #[onnx("tests/fixtures/onnx/cnn.onnx", embed)]
    struct CnnBuiltIn =
        Input<6, 8, 3>, Conv2D<4, (3, 3), padding = Same>, BatchNormalization<epsilon = 1e-5>,
        Activation<Relu>, MaxPool2D<(2, 2)>, Flatten, Dense<_, 5>;

    /// [`Separable`], built in.
    #[onnx("tests/fixtures/onnx/separable.onnx", embed)]
    struct SeparableBuiltIn =
        Input<6, 6, 3>, SeparableConv2D<5, (3, 3), Relu, depth_multiplier = 2, padding = Same>,
        MaxPool2D<(2, 2)>, Flatten, Dense<_, 2>;

    /// [`Conv1d`], built in from the file of PyTorch's newer exporter.
    #[onnx("tests/fixtures/onnx/conv1d_dynamo.onnx", embed)]
    struct Conv1dBuiltIn =
        Input<10, 3>, Conv1D<4, 3, Tanh>, Conv1D<4, 3, Relu, padding = Same>, Flatten,
        Dense<_, 3>;

    /// [`EmbeddingGru`], built in.
    #[onnx("tests/fixtures/onnx/embedding_gru.onnx", embed)]
    struct EmbeddingGruBuiltIn = Input<8>, Embedding<12, 4>, GRU<6>, Dense<_, 3, Softmax>;

    /// [`BiLstm`], built in from the file of PyTorch's newer exporter.
    #[onnx("tests/fixtures/onnx/bilstm_dynamo.onnx", embed)]
    struct BiLstmBuiltIn =
        Input<6, 4>, Bidirectional<LSTM<5, return_sequences = true>>, Flatten, Dense<_, 3>;

    /// [`LstmStacked`], built in.
    #[onnx("tests/fixtures/onnx/lstm_stacked.onnx", embed)]
    struct LstmStackedBuiltIn =
        Input<5, 4>, LSTM<6, return_sequences = true>, LSTM<6>, Dense<_, 2>;

    /// [`Conv1dLstm`], checked during the build.
    #[onnx("tests/fixtures/onnx/conv1d_lstm.onnx")]
    struct Conv1dLstmChecked = Input<10, 3>, Conv1D<6, 3, Relu>, LSTM<5>, Dense<_, 2>;

    /// [`Blocks`], checked during the build and built in: each block's weights are its
    /// layers', in order.
    #[onnx("tests/fixtures/onnx/blocks.onnx", embed)]
    struct BlocksBuiltIn =
        Input<9, 9, 3>, Conv2D<4, (3, 3), Relu, padding = Same>,
        Add<[Conv2D<4, (3, 3), padding = Same>, BatchNormalization<epsilon = 1e-5>,
             Activation<Relu>, Conv2D<4, (3, 3), padding = Same>,
             BatchNormalization<epsilon = 1e-5>], []>,
        Activation<Relu>,
        Add<[Conv2D<8, (3, 3), strides = (2, 2), padding = Same>,
             BatchNormalization<epsilon = 1e-5>],
            [Conv2D<8, (1, 1), strides = (2, 2)>]>,
        Activation<Relu>,
        Concatenate<[Conv2D<3, (3, 3), Relu, padding = Same>], [Conv2D<2, (1, 1), Relu>]>,
        GlobalAvgPool2D, Dense<_, 3>;

}

/// torchvision's MobileNetV2 (`width_mult` 0.35, 10 classes) on 33×33 images, declared as
/// `name` with `attributes`: a strided convolution, 17 inverted residual blocks (a 1×1
/// expansion but in the first, a depthwise 3×3, a 1×1 projection; batch normalizations, ReLU6;
/// an identity `Add` where the stride is 1 and the channels stay), a 1×1 convolution to 1280
/// channels, the global pool and the classifier. Written once for the two declarations below.
macro_rules! mobilenet_v2 {
    ($(#[$($attribute:tt)*])* $name:ident) => {
        network! {
            $(#[$($attribute)*])*
            struct $name =
                Input<33, 33, 3>, Conv2D<16, (3, 3), strides = (2, 2), padding = Same>,
                BatchNormalization<epsilon = 1e-5>, Activation<Relu6>,
                DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization<epsilon = 1e-5>,
                Activation<Relu6>, Conv2D<8, (1, 1)>, BatchNormalization<epsilon = 1e-5>,
                Conv2D<48, (1, 1)>, BatchNormalization<epsilon = 1e-5>, Activation<Relu6>,
                DepthwiseConv2D<(3, 3), strides = (2, 2), padding = Same>,
                BatchNormalization<epsilon = 1e-5>, Activation<Relu6>, Conv2D<8, (1, 1)>,
                BatchNormalization<epsilon = 1e-5>,
                Add<[Conv2D<48, (1, 1)>, BatchNormalization<epsilon = 1e-5>, Activation<Relu6>,
                     DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization<epsilon = 1e-5>,
                     Activation<Relu6>, Conv2D<8, (1, 1)>, BatchNormalization<epsilon = 1e-5>], []>,
                Conv2D<48, (1, 1)>, BatchNormalization<epsilon = 1e-5>, Activation<Relu6>,
                DepthwiseConv2D<(3, 3), strides = (2, 2), padding = Same>,
                BatchNormalization<epsilon = 1e-5>, Activation<Relu6>, Conv2D<16, (1, 1)>,
                BatchNormalization<epsilon = 1e-5>,
                Add<[Conv2D<96, (1, 1)>, BatchNormalization<epsilon = 1e-5>, Activation<Relu6>,
                     DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization<epsilon = 1e-5>,
                     Activation<Relu6>, Conv2D<16, (1, 1)>,
                     BatchNormalization<epsilon = 1e-5>], []>,
                Add<[Conv2D<96, (1, 1)>, BatchNormalization<epsilon = 1e-5>, Activation<Relu6>,
                     DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization<epsilon = 1e-5>,
                     Activation<Relu6>, Conv2D<16, (1, 1)>,
                     BatchNormalization<epsilon = 1e-5>], []>,
                Conv2D<96, (1, 1)>, BatchNormalization<epsilon = 1e-5>, Activation<Relu6>,
                DepthwiseConv2D<(3, 3), strides = (2, 2), padding = Same>,
                BatchNormalization<epsilon = 1e-5>, Activation<Relu6>, Conv2D<24, (1, 1)>,
                BatchNormalization<epsilon = 1e-5>,
                Add<[Conv2D<144, (1, 1)>, BatchNormalization<epsilon = 1e-5>, Activation<Relu6>,
                     DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization<epsilon = 1e-5>,
                     Activation<Relu6>, Conv2D<24, (1, 1)>,
                     BatchNormalization<epsilon = 1e-5>], []>,
                Add<[Conv2D<144, (1, 1)>, BatchNormalization<epsilon = 1e-5>, Activation<Relu6>,
                     DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization<epsilon = 1e-5>,
                     Activation<Relu6>, Conv2D<24, (1, 1)>,
                     BatchNormalization<epsilon = 1e-5>], []>,
                Add<[Conv2D<144, (1, 1)>, BatchNormalization<epsilon = 1e-5>, Activation<Relu6>,
                     DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization<epsilon = 1e-5>,
                     Activation<Relu6>, Conv2D<24, (1, 1)>,
                     BatchNormalization<epsilon = 1e-5>], []>,
                Conv2D<144, (1, 1)>, BatchNormalization<epsilon = 1e-5>, Activation<Relu6>,
                DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization<epsilon = 1e-5>,
                Activation<Relu6>, Conv2D<32, (1, 1)>, BatchNormalization<epsilon = 1e-5>,
                Add<[Conv2D<192, (1, 1)>, BatchNormalization<epsilon = 1e-5>, Activation<Relu6>,
                     DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization<epsilon = 1e-5>,
                     Activation<Relu6>, Conv2D<32, (1, 1)>,
                     BatchNormalization<epsilon = 1e-5>], []>,
                Add<[Conv2D<192, (1, 1)>, BatchNormalization<epsilon = 1e-5>, Activation<Relu6>,
                     DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization<epsilon = 1e-5>,
                     Activation<Relu6>, Conv2D<32, (1, 1)>,
                     BatchNormalization<epsilon = 1e-5>], []>,
                Conv2D<192, (1, 1)>, BatchNormalization<epsilon = 1e-5>, Activation<Relu6>,
                DepthwiseConv2D<(3, 3), strides = (2, 2), padding = Same>,
                BatchNormalization<epsilon = 1e-5>, Activation<Relu6>, Conv2D<56, (1, 1)>,
                BatchNormalization<epsilon = 1e-5>,
                Add<[Conv2D<336, (1, 1)>, BatchNormalization<epsilon = 1e-5>, Activation<Relu6>,
                     DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization<epsilon = 1e-5>,
                     Activation<Relu6>, Conv2D<56, (1, 1)>,
                     BatchNormalization<epsilon = 1e-5>], []>,
                Add<[Conv2D<336, (1, 1)>, BatchNormalization<epsilon = 1e-5>, Activation<Relu6>,
                     DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization<epsilon = 1e-5>,
                     Activation<Relu6>, Conv2D<56, (1, 1)>,
                     BatchNormalization<epsilon = 1e-5>], []>,
                Conv2D<336, (1, 1)>, BatchNormalization<epsilon = 1e-5>, Activation<Relu6>,
                DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization<epsilon = 1e-5>,
                Activation<Relu6>, Conv2D<112, (1, 1)>, BatchNormalization<epsilon = 1e-5>,
                Conv2D<1280, (1, 1)>, BatchNormalization<epsilon = 1e-5>, Activation<Relu6>,
                GlobalAvgPool2D, Dropout<0.2>, Dense<_, 10>;
        }
    };
}

mobilenet_v2! {
    /// `mobilenet_v2.onnx`, read at run time.
    MobileNetV2
}

mobilenet_v2! {
    /// [`MobileNetV2`], checked during the build and built in.
    #[onnx("tests/fixtures/onnx/mobilenet_v2.onnx", embed)]
    MobileNetV2BuiltIn
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/onnx/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// `x`, PyTorch's channels-first `(C, spatial..)` of `shape`, channels last.
fn channels_last(x: &[f32], shape: &[usize]) -> Vec<f32> {
    let channels = shape[0];
    let spatial = x.len() / channels;
    (0..x.len())
        .map(|i| x[(i % channels) * spatial + i / channels])
        .collect()
}

/// Loads `{file}.onnx` as `N` and checks that it gives PyTorch's outputs on the inputs
/// `{name}.json` records (transposed to channels last), to 1e-5.
fn gives_pytorch_s_outputs<N: Network<f32>>(
    load: fn(&str) -> Result<N, nn::Error>,
    name: &str,
    file: &str,
) {
    let net = load(&fixture(&format!("{file}.onnx"))).unwrap_or_else(|e| panic!("{file}: {e}"));
    let recorded = common::json(fixture(&format!("{name}.json")));
    let shape: Vec<usize> = recorded["input_shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect();
    common::gives_recorded_outputs(&net, &recorded, |x| channels_last(&x, &shape), file);
}

/// Loads `{file}.onnx` as `N` and checks that it gives PyTorch's outputs on the sequences (or
/// token ids) `{name}.json` records, which a declaration reads as PyTorch does (`batch_first`).
fn sequence_gives_pytorch_s_outputs<N: Network<f32>>(
    load: fn(&str) -> Result<N, nn::Error>,
    name: &str,
    file: &str,
) {
    let net = load(&fixture(&format!("{file}.onnx"))).unwrap_or_else(|e| panic!("{file}: {e}"));
    let recorded = common::json(fixture(&format!("{name}.json")));
    common::gives_recorded_outputs(&net, &recorded, |x| x, file);
}

/// [`sequence_gives_pytorch_s_outputs`] from both exporters' files.
fn both_sequence<N: Network<f32>>(load: fn(&str) -> Result<N, nn::Error>, name: &str) {
    sequence_gives_pytorch_s_outputs(load, name, name);
    sequence_gives_pytorch_s_outputs(load, name, &format!("{name}_dynamo"));
}

/// Each fixture, from both exporters where their files differ.
fn both<N: Network<f32>>(load: fn(&str) -> Result<N, nn::Error>, name: &str) {
    gives_pytorch_s_outputs(load, name, name);
    let dynamo = format!("{name}_dynamo");
    if std::path::Path::new(&fixture(&format!("{dynamo}.onnx"))).exists() {
        gives_pytorch_s_outputs(load, name, &dynamo);
    }
}

#[test]
fn an_mlp_gives_pytorch_s_outputs() {
    both(|p| Mlp::load_onnx(p), "mlp");
    // Its dense layers as a `MatMul` and an `Add`, and a `Gemm` without `transB`, with `alpha`.
    gives_pytorch_s_outputs(|p| Mlp::load_onnx(p), "mlp", "mlp_matmul");
}

#[test]
fn a_cnn_gives_pytorch_s_outputs() {
    both(|p| Cnn::load_onnx(p), "cnn");
    // The batch normalization the exporter folded reads as the identity.
    let net = Cnn::load_onnx(fixture("cnn.onnx")).unwrap();
    assert_eq!(net.batch_normalization.gamma.as_slice(), &[1.0; 4]);
}

#[test]
fn every_activation_gives_pytorch_s_outputs() {
    both(|p| Activations::load_onnx(p), "activations");
    both(|p| ActivationLayers::load_onnx(p), "activations");
    both(|p| GeluTanh::load_onnx(p), "gelu_tanh");
}

#[test]
fn batch_normalizations_give_pytorch_s_outputs() {
    both(|p| Norms::load_onnx(p), "norms");
    let problems = mismatch("norms", NormsKerasEpsilon::from_onnx);
    has(
        &problems,
        "layer `batch_normalization` (BatchNormalization)",
        &["epsilon is 0.00001", "0.001"],
    );
    has(
        &problems,
        "layer `batch_normalization_1` (BatchNormalization)",
        &["epsilon is 0.00001"],
    );
    assert_eq!(problems.len(), 2, "{problems:#?}");
}

#[test]
fn pools_give_pytorch_s_outputs() {
    both(|p| Pools::load_onnx(p), "pools");
    both(|p| Pools1d::load_onnx(p), "pools1d");
    both(|p| MaxPools::load_onnx(p), "max_pool2d");
}

#[test]
fn a_depthwise_separable_network_gives_pytorch_s_outputs() {
    both(|p| Depthwise::load_onnx(p), "depthwise");
    both(|p| Multiplier::load_onnx(p), "multiplier");
    both(|p| Separable::load_onnx(p), "separable");
}

#[test]
fn one_dimensional_convolutions_give_pytorch_s_outputs() {
    both(|p| Conv1d::load_onnx(p), "conv1d");
}

#[test]
fn residual_and_concatenating_blocks_give_pytorch_s_outputs() {
    both(|p| Blocks::load_onnx(p), "blocks");
}

#[test]
fn torchvision_s_mobilenet_v2_gives_pytorch_s_outputs() {
    // PyTorch's outputs (up to 5.9 in size) to 1e-5 from both exporters' files (the largest
    // difference measured: 5.7e-6). Every layer is under `INLINE_LIMIT`, so the network keeps
    // its 430,058 weights inline (388,000 bytes); a debug build copies it on the stack while
    // loading and predicting, which overflows a test thread's 2 MiB (4 MiB measured enough).
    on_a_larger_stack(|| both(|p| MobileNetV2::load_onnx(p), "mobilenet_v2"));
}

#[test]
fn torchvision_s_mobilenet_v2_built_in_gives_pytorch_s_outputs() {
    on_a_larger_stack(|| {
        static BUILT_IN: MobileNetV2BuiltIn = MobileNetV2BuiltIn::EMBEDDED;
        // Built in, every weight is inline (a constant cannot allocate): 1,736,328 bytes. The
        // static, not the constant, for each use of `EMBEDDED` is a copy on the stack; and the
        // parameters compared with `MobileNetV2`'s (the same layers, its large ones on the heap),
        // since `MobileNetV2BuiltIn::load_onnx` in a debug build needs more than 16 MiB of stack
        // (a zeroed network on it, and copies).
        let recorded = common::json(fixture("mobilenet_v2.json"));
        let image = |x: Vec<f32>| channels_last(&x, &[3, 33, 33]);
        common::gives_recorded_outputs(&BUILT_IN, &recorded, image, "mobilenet_v2 built in");
        // Every parameter what `load_onnx` reads, bit for bit.
        let loaded = MobileNetV2::load_onnx(fixture("mobilenet_v2.onnx")).unwrap();
        let (built, read) = (BUILT_IN.params(), loaded.params());
        assert_eq!(built.len(), read.len());
        for ((layer, a), (other, b)) in built.zip(read) {
            assert_eq!((layer, a.name), (other, b.name));
            let bits = |v: &[f32]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(a.values), bits(b.values), "{layer} {}", a.name);
        }
    });
}

/// Runs `f` on a thread of 8 MiB of stack, for the networks too large for a test thread's 2 MiB
/// in a debug build.
fn on_a_larger_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn blocks_that_differ_are_errors_at_their_layer() {
    let problems = mismatch("blocks", BlocksDiffer::from_onnx);
    has(
        &problems,
        "layer `subtract` (Subtract)",
        &["not read from ONNX files yet", "`Add` (node 5"],
    );
    has(
        &problems,
        "layer `concatenate` (Concatenate)",
        &["puts the second branch first"],
    );
    assert_eq!(problems.len(), 2, "{problems:#?}");
}

#[test]
fn a_reshape_whose_shape_is_computed_is_a_flatten() {
    both(|p| View::load_onnx(p), "view");
}

#[test]
fn from_onnx_reads_bytes() {
    let bytes = std::fs::read(fixture("mlp.onnx")).unwrap();
    let net = Mlp::from_onnx(&bytes).unwrap();
    let from_file = Mlp::load_onnx(fixture("mlp.onnx")).unwrap();
    assert_eq!(net.dense.kernel, from_file.dense.kernel);
}

/// The problems of reading the fixture `name` with `read`, which must be a mismatch.
fn mismatch<N: Network<f32>>(name: &str, read: fn(&[u8]) -> Result<N, nn::Error>) -> Vec<String> {
    let bytes = std::fs::read(fixture(&format!("{name}.onnx"))).unwrap();
    common::mismatch_problems(read(&bytes))
}

/// Asserts that one of `problems` starts with `layer` and contains each of `words`.
fn has(problems: &[String], layer: &str, words: &[&str]) {
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with(layer) && words.iter().all(|w| p.contains(w))),
        "no problem at {layer} with {words:?} in {problems:#?}"
    );
}

#[test]
fn a_declaration_that_differs_gets_every_difference() {
    let problems = mismatch("mlp", MlpDiffers::from_onnx);
    has(&problems, "layer `dense` (Dense)", &["[16, 6]", "12 units"]);
    has(
        &problems,
        "layer `dense_1` (Dense)",
        &["[4, 16]", "12 inputs"],
    );
    has(
        &problems,
        "layer `dense_1` (Dense)",
        &["Softmax in the file", "Sigmoid in the declaration"],
    );
    assert_eq!(problems.len(), 3, "{problems:#?}");

    let problems = mismatch("cnn", CnnDiffers::from_onnx);
    has(
        &problems,
        "layer `conv2d` (Conv2D)",
        &["[4, 3, 3, 3]", "[4, 3, 5, 5]"],
    );
    has(
        &problems,
        "layer `conv2d` (Conv2D)",
        &["pads [1, 1, 1, 1]", "`padding = valid` pads [0, 0, 0, 0]"],
    );
    has(
        &problems,
        "layer `conv2d` (Conv2D)",
        &["applies Relu", "leaves out"],
    );
    has(
        &problems,
        "layer `max_pooling2d` (MaxPooling2D)",
        &["strides [2, 2]", "[1, 1]"],
    );

    let problems = mismatch("depthwise", NotDepthwise::from_onnx);
    has(
        &problems,
        "layer `conv2d` (Conv2D)",
        &["group = 3", "DepthwiseConv2D"],
    );
}

#[test]
fn operators_not_read_are_named_all_at_once() {
    let problems = mismatch("unsupported", Unsupported::from_onnx);
    has(
        &problems,
        "the graph: node 1 of 5",
        &["LayerNormalization", "not read"],
    );
    has(&problems, "the graph: node 3 of 5", &["`Cos`", "not read"]);
}

#[test]
fn a_declaration_of_another_input_is_an_error() {
    network! {
        struct Wide = Input<6, 8, 4>, Conv2D<4, (3, 3), padding = Same>,
            BatchNormalization<epsilon = 1e-5>, Activation<Relu>, MaxPool2D<(2, 2)>, Flatten,
            Dense<_, 5>;
    }
    let problems = mismatch("cnn", Wide::from_onnx);
    has(&problems, "the input", &["(1, 3, 6, 8)", "[6, 8, 4]"]);
}

#[test]
fn damaged_files_are_errors_never_panics() {
    let bytes = std::fs::read(fixture("cnn.onnx")).unwrap();
    // Cut anywhere inside the graph (which is most of the file), the file is an error.
    for len in 0..bytes.len() {
        let read = Cnn::from_onnx(&bytes[..len]);
        if len < bytes.len() * 3 / 4 {
            assert!(
                matches!(
                    read,
                    Err(nn::Error::Format { .. } | nn::Error::Mismatch { .. })
                ),
                "{len} bytes: {:?}",
                read.err()
            );
        }
    }
    // Any one byte changed: an error or a network, never a panic.
    for at in 0..bytes.len() {
        for flip in [0xff, 0x80, 0x01] {
            let mut garbled = bytes.clone();
            garbled[at] ^= flip;
            let _ = Cnn::from_onnx(&garbled);
        }
    }
    // Graphs no exporter writes: absurd dilations with `SAME_UPPER`, a node that reads its own
    // output, an input left out and no graph input. Each is a mismatch, found in bounded time.
    for (name, words) in [
        ("hostile_dilations", "dilations"),
        ("hostile_cycle", "where the declaration has this layer"),
        ("hostile_empty", "the graph has no input"),
    ] {
        let problems = mismatch(name, Cnn::from_onnx);
        assert!(
            problems.iter().any(|p| p.contains(words)),
            "{name}: {problems:#?}"
        );
    }
    // Not an ONNX file at all.
    let err = Cnn::from_onnx(b"not an onnx file").err().unwrap();
    assert!(matches!(err, nn::Error::Format { .. }), "{err}");
    let err = Cnn::load_onnx(fixture("missing.onnx")).err().unwrap();
    assert!(matches!(err, nn::Error::Io { .. }), "{err}");
}

/// `built_in` predicts what `loaded` (the same file read at run time) predicts, bit for bit, on
/// the inputs `{name}.json` records.
fn predicts_as_loaded<N: Network<f32>>(built_in: &N, loaded: &N, name: &str) {
    let recorded = common::json(fixture(&format!("{name}.json")));
    for x in recorded["inputs"].as_array().unwrap() {
        let x = common::floats(x);
        let (a, b) = (common::predict(built_in, &x), common::predict(loaded, &x));
        assert_eq!(a.len(), b.len());
        for (a, b) in a.iter().zip(&b) {
            assert_eq!(a.to_bits(), b.to_bits(), "{name}: {a} against {b}");
        }
    }
}

#[test]
fn weights_built_in_from_onnx_files_give_pytorch_s_outputs() {
    static MLP: MlpBuiltIn = MlpBuiltIn::EMBEDDED;
    gives_pytorch_s_outputs(|_| Ok(MlpBuiltIn::EMBEDDED), "mlp", "mlp");
    gives_pytorch_s_outputs(|_| Ok(CnnBuiltIn::EMBEDDED), "cnn", "cnn");
    gives_pytorch_s_outputs(|_| Ok(SeparableBuiltIn::EMBEDDED), "separable", "separable");
    gives_pytorch_s_outputs(|_| Ok(Conv1dBuiltIn::EMBEDDED), "conv1d", "conv1d_dynamo");
    let loaded = |file: &str| fixture(&format!("{file}.onnx"));
    predicts_as_loaded(&MLP, &MlpBuiltIn::load_onnx(loaded("mlp")).unwrap(), "mlp");
    let cnn = CnnBuiltIn::load_onnx(loaded("cnn")).unwrap();
    predicts_as_loaded(&CnnBuiltIn::EMBEDDED, &cnn, "cnn");
    let separable = SeparableBuiltIn::load_onnx(loaded("separable")).unwrap();
    predicts_as_loaded(&SeparableBuiltIn::EMBEDDED, &separable, "separable");
    let conv1d = Conv1dBuiltIn::load_onnx(loaded("conv1d_dynamo")).unwrap();
    predicts_as_loaded(&Conv1dBuiltIn::EMBEDDED, &conv1d, "conv1d");
    assert_eq!(
        CnnBuiltIn::EMBEDDED.dense.kernel.as_slice(),
        cnn.dense.kernel.as_slice()
    );
    // A network of blocks, built in: PyTorch's outputs, and every parameter what `load_onnx`
    // reads, bit for bit.
    static BLOCKS: BlocksBuiltIn = BlocksBuiltIn::EMBEDDED;
    gives_pytorch_s_outputs(|_| Ok(BlocksBuiltIn::EMBEDDED), "blocks", "blocks");
    let blocks = BlocksBuiltIn::load_onnx(loaded("blocks")).unwrap();
    predicts_as_loaded(&BLOCKS, &blocks, "blocks");
    let (built, read) = (BLOCKS.params(), blocks.params());
    assert_eq!(built.len(), read.len());
    assert!(built.len() > 10);
    for ((layer, a), (_, b)) in built.zip(read) {
        let bits = |v: &[f32]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(a.values), bits(b.values), "{layer} {}", a.name);
    }
}

#[test]
fn a_declaration_checked_during_the_build_loads() {
    both(|p| BlocksBuiltIn::load_onnx(p), "blocks");
}

#[test]
fn recurrent_layers_give_pytorch_s_outputs() {
    both_sequence(|p| Lstm::load_onnx(p), "lstm");
    // Its last step as a `Slice` and a `Squeeze`.
    sequence_gives_pytorch_s_outputs(|p| Lstm::load_onnx(p), "lstm", "lstm_slice");
    both_sequence(|p| LstmSequences::load_onnx(p), "lstm_sequences");
    both_sequence(|p| LstmStacked::load_onnx(p), "lstm_stacked");
    both_sequence(|p| Gru::load_onnx(p), "gru");
    // The dynamo exporter writes PyTorch's RNN as its steps (`MatMul`, `Add`, `Tanh` each).
    sequence_gives_pytorch_s_outputs(|p| Rnn::load_onnx(p), "rnn", "rnn");
    both_sequence(|p| BiLstm::load_onnx(p), "bilstm");
    both_sequence(|p| BiGru::load_onnx(p), "bigru");
    both_sequence(|p| EmbeddingGru::load_onnx(p), "embedding_gru");
    // Channels first into the convolution, as the other convolutions' fixtures.
    both(|p| Conv1dLstm::load_onnx(p), "conv1d_lstm");
    both_sequence(|p| GruTanhLstm::load_onnx(p), "gru_tanh_lstm");
}

#[test]
fn recurrent_declarations_that_differ_get_every_difference() {
    let (lstm, bi) = (
        "layer `lstm` (LSTM)",
        "layer `bidirectional` (Bidirectional)",
    );
    for (problems, layer, words) in [
        (
            mismatch("lstm", LstmDiffers::from_onnx),
            lstm,
            &["8 units (`hidden_size`)", "the declaration's 6"][..],
        ),
        (
            mismatch("lstm", LstmDiffers::from_onnx),
            lstm,
            &["keeps the last step", "`return_sequences = true`"],
        ),
        (
            mismatch("lstm_sequences", LstmLast::from_onnx),
            lstm,
            &["returns every step", "the last step only"],
        ),
        (
            mismatch("lstm_sequences_dynamo", LstmLast::from_onnx),
            lstm,
            &["returns every step"],
        ),
        (
            mismatch("bilstm", BiLstmOneWay::from_onnx),
            lstm,
            &["reads both ways", "declare `Bidirectional<LSTM<5>>`"],
        ),
        (
            mismatch("lstm", LstmBothWays::from_onnx),
            bi,
            &["reads forwards only", "both ways"],
        ),
        (
            mismatch("bigru", BiGruSum::from_onnx),
            bi,
            &["PyTorch concatenates", "`sum`"],
        ),
    ] {
        has(&problems, layer, words);
    }

    // Read as the file's LSTM, the layers after it are read on.
    let problems = mismatch("lstm", LstmAsGru::from_onnx);
    has(
        &problems,
        "layer `gru` (GRU)",
        &["the file has LSTM `/rnn/LSTM`", "the declaration has GRU"],
    );
    assert_eq!(problems.len(), 1, "{problems:#?}");

    let problems = mismatch("embedding_gru", EmbeddingDiffers::from_onnx);
    let table = &["table [12, 4] (tokens, features)", "[10, 5]"];
    has(&problems, "layer `embedding` (Embedding)", table);
    let weights = &["W [1, 18, 4]", "the declaration's [1, 18, 5]"];
    has(&problems, "layer `gru` (GRU)", weights);
    assert_eq!(problems.len(), 2, "{problems:#?}");
}

#[test]
fn what_recurrent_layers_cannot_compute_is_refused_at_the_layer() {
    // `lstm.onnx` with every option nn's LSTM does not compute: each is a problem.
    let problems = mismatch("hostile_lstm", Lstm::from_onnx);
    for words in [
        &["activations [Sigmoid, Relu, Tanh]", "[Sigmoid, Tanh, Tanh]"][..],
        &["clips", "`clip`"],
        &["`input_forget`"],
        &["`sequence_lens`"],
        &["`h0` (`initial_h`)", "not constant zeros"],
        &["peepholes"],
    ] {
        has(&problems, "layer `lstm` (LSTM)", words);
    }
    assert_eq!(problems.len(), 6, "{problems:#?}");
    // A GRU with `linear_before_reset = 0`, which is Keras's `reset_after = false`.
    let problems = mismatch("hostile_gru", Gru::from_onnx);
    let reset = &["`linear_before_reset = 0`", "`reset_after = false`"];
    has(&problems, "layer `gru` (GRU)", reset);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    // PyTorch's dynamo exporter writes an RNN as its steps.
    let problems = mismatch("rnn_dynamo", Rnn::from_onnx);
    let unrolled = &["`MatMul`", "as its steps", "dynamo=False"];
    has(&problems, "layer `simple_rnn` (SimpleRNN)", unrolled);
}

#[test]
fn damaged_recurrent_files_are_errors_never_panics() {
    for name in ["bilstm", "embedding_gru_dynamo"] {
        let bytes = std::fs::read(fixture(&format!("{name}.onnx"))).unwrap();
        let read = |bytes: &[u8]| {
            if name == "bilstm" {
                BiLstm::from_onnx(bytes).map(|_| ())
            } else {
                EmbeddingGru::from_onnx(bytes).map(|_| ())
            }
        };
        assert!(read(&bytes).is_ok());
        for len in 0..bytes.len() {
            let result = read(&bytes[..len]);
            if len < bytes.len() * 3 / 4 {
                assert!(
                    matches!(
                        result,
                        Err(nn::Error::Format { .. } | nn::Error::Mismatch { .. })
                    ),
                    "{name}, {len} bytes: {result:?}"
                );
            }
        }
        for at in 0..bytes.len() {
            for flip in [0xff, 0x80, 0x01] {
                let mut garbled = bytes.clone();
                garbled[at] ^= flip;
                let _ = read(&garbled);
            }
        }
    }
}

#[test]
fn recurrent_weights_built_in_from_onnx_files_give_pytorch_s_outputs() {
    static EMBEDDED: EmbeddingGruBuiltIn = EmbeddingGruBuiltIn::EMBEDDED;
    sequence_gives_pytorch_s_outputs(
        |_| Ok(EmbeddingGruBuiltIn::EMBEDDED),
        "embedding_gru",
        "embedding_gru",
    );
    sequence_gives_pytorch_s_outputs(|_| Ok(BiLstmBuiltIn::EMBEDDED), "bilstm", "bilstm_dynamo");
    sequence_gives_pytorch_s_outputs(
        |_| Ok(LstmStackedBuiltIn::EMBEDDED),
        "lstm_stacked",
        "lstm_stacked",
    );
    // The same weights as read at run time, bit for bit.
    let loaded = |file: &str| fixture(&format!("{file}.onnx"));
    let bilstm = BiLstmBuiltIn::load_onnx(loaded("bilstm_dynamo")).unwrap();
    predicts_as_loaded(&BiLstmBuiltIn::EMBEDDED, &bilstm, "bilstm");
    let gru = EmbeddingGruBuiltIn::load_onnx(loaded("embedding_gru")).unwrap();
    predicts_as_loaded(&EMBEDDED, &gru, "embedding_gru");
    both(|p| Conv1dLstmChecked::load_onnx(p), "conv1d_lstm");
}

/// Every fixture above built in gives PyTorch's outputs, and what `load_onnx` of the same file
/// gives, bit for bit.
#[test]
fn every_model_built_in_gives_pytorch_s_outputs() {
    let loaded = |file: &str| fixture(&format!("{file}.onnx"));
    macro_rules! check {
        ($($built:ident: $outputs:ident($name:literal)),* $(,)?) => {$(
            $outputs(|_| Ok($built::EMBEDDED), $name, $name);
            let net = $built::load_onnx(loaded($name)).unwrap();
            predicts_as_loaded(&$built::EMBEDDED, &net, $name);
        )*};
    }
    check!(
        ActivationsBuiltIn: gives_pytorch_s_outputs("activations"),
        ActivationLayersBuiltIn: gives_pytorch_s_outputs("activations"),
        PoolsBuiltIn: gives_pytorch_s_outputs("pools"),
        DepthwiseBuiltIn: gives_pytorch_s_outputs("depthwise"),
        ViewBuiltIn: gives_pytorch_s_outputs("view"),
        Pools1dBuiltIn: gives_pytorch_s_outputs("pools1d"),
        MaxPoolsBuiltIn: gives_pytorch_s_outputs("max_pool2d"),
        NormsBuiltIn: gives_pytorch_s_outputs("norms"),
        MultiplierBuiltIn: gives_pytorch_s_outputs("multiplier"),
        GeluTanhBuiltIn: gives_pytorch_s_outputs("gelu_tanh"),
        LstmBuiltIn: sequence_gives_pytorch_s_outputs("lstm"),
        LstmSequencesBuiltIn: sequence_gives_pytorch_s_outputs("lstm_sequences"),
        GruBuiltIn: sequence_gives_pytorch_s_outputs("gru"),
        RnnBuiltIn: sequence_gives_pytorch_s_outputs("rnn"),
        BiGruBuiltIn: sequence_gives_pytorch_s_outputs("bigru"),
        Conv1dLstmBuiltIn: gives_pytorch_s_outputs("conv1d_lstm"),
        GruTanhLstmBuiltIn: sequence_gives_pytorch_s_outputs("gru_tanh_lstm"),
    );
}
