//! The two networks the firmware runs, their weights built into the program from the files
//! `cargo run --release --example embedded_models` wrote (with `nn::io::save_weights`). The host
//! test `tests/firmware.rs` declares the same networks, loads the same files at run time and
//! compares its predictions with the ones these print. The inputs are here too, so that both
//! sides run the same.

use nn::prelude::*;

network! {
    /// TensorFlow Lite Micro's and MicroFlow's hello world: `sin(x)` for `x` in [0, 2π],
    /// 1 → 16 relu → 16 relu → 1.
    /// (`#[int8]`: its int8 form is built here without `std`, as a check that it builds; no
    /// program uses it yet.)
    #[safetensors("models/sine.safetensors", embed)]
    #[int8]
    pub struct Sine = Dense<1, 16, Relu>, Dense<16, 16, Relu>, Dense<16, 1>;

    /// The quickstart's classifier of 8×8 handwritten digits.
    #[safetensors("models/digits.safetensors", embed)]
    pub struct Digits = Dense<64, 64, Relu>, Dropout<0.2>, Dense<64, 10, Softmax>;
}

network! {
    /// Every kind of layer with weights (`tests/fixtures/embedded/mixed.safetensors`).
    #[safetensors("../tests/fixtures/embedded/mixed.safetensors", embed)]
    pub struct Mixed =
        Input<6, 6, 2>,
        Conv2D<3, (3, 3), Relu, padding = Same>,
        BatchNormalization,
        PReLU,
        DepthwiseConv2D<(3, 3), Relu, padding = Same, depth_multiplier = 2>,
        SeparableConv2D<4, (2, 2), padding = Same, use_bias = false>,
        MaxPool2D<(2, 2)>,
        Flatten,
        Dense<_, 5, LeakyRelu, use_bias = false, trainable = false>,
        Dropout<0.25>,
        Dense<5, 3, Softmax, kernel_regularizer = L2(0.01)>;

    /// A residual block and a concatenation (`tests/fixtures/embedded/blocks.safetensors`).
    #[safetensors("../tests/fixtures/embedded/blocks.safetensors", embed)]
    pub struct Blocks = Input<6, 6, 2>, Conv2D<4, (3, 3), Relu, padding = Same>,
        Add<[Conv2D<4, (3, 3), Relu, padding = Same>, BatchNormalization], []>,
        Concatenate<[Conv2D<2, (1, 1), strides = (2, 2)>], [MaxPool2D<(2, 2)>]>,
        Flatten, Dense<_, 3, Softmax>;

    /// Keras-trained networks, from the Keras files of `tests/keras.rs`: convolutions, batch
    /// normalization and both pools;
    #[keras("../tests/fixtures/keras/cnn.keras", embed)]
    pub struct Cnn =
        Input<10, 10, 2>,
        Conv2D<4, (3, 3), Relu, padding = Same>,
        BatchNormalization,
        MaxPool2D<(2, 2)>,
        Conv2D<6, (2, 3), Elu, strides = (1, 2)>,
        AvgPool2D<(2, 1)>,
        Flatten,
        Dense<_, 5, Softmax>;

    /// PReLU, a global max pool, a batch-normalized vector and the activation layers;
    #[keras("../tests/fixtures/keras/zoo.keras", embed)]
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

    /// a global average pool;
    #[keras("../tests/fixtures/keras/gap.keras", embed)]
    pub struct Gap = Input<5, 5, 2>, Conv2D<3, (2, 2)>, GlobalAvgPool2D, Dense<_, 2>;

    /// and every activation, each on a Dense layer.
    #[keras("../tests/fixtures/keras/activations.keras", embed)]
    pub struct Activations =
        Dense<5, 5, Linear>, Dense<5, 5, Relu>, Dense<5, 5, Relu6>, Dense<5, 5, LeakyRelu>,
        Dense<5, 5, Elu>, Dense<5, 5, Selu>, Dense<5, 5, Gelu>, Dense<5, 5, Softplus>,
        Dense<5, 5, Softsign>, Dense<5, 5, Mish>, Dense<5, 5, Exponential>,
        Dense<5, 5, Sigmoid>, Dense<5, 5, HardSigmoid>, Dense<5, 5, Silu>,
        Dense<5, 5, HardSilu>, Dense<5, 5, Tanh>, Dense<5, 5, LogSoftmax>,
        Dense<5, 5, Softmax>;
}

network! {
    /// Recurrent networks fed one step at a time (`step`), from the Keras files of
    /// `tests/keras.rs`: stacked LSTMs after a layer normalization,
    #[keras("../tests/fixtures/keras/lstm_model.keras", embed)]
    pub struct Recurrent =
        Input<5, 3>,
        LayerNormalization,
        LSTM<6, return_sequences = true>,
        LSTM<4>,
        Dense<_, 2, Softmax>;

    /// and GRUs.
    #[keras("../tests/fixtures/keras/gru_model.keras", embed)]
    pub struct Gated =
        Input<5, 3>,
        GRU<6, return_sequences = true>,
        Dropout<0.1>,
        GRU<4>,
        Dense<_, 2>;
}

include!("../models/mlperf_tiny.rs");

ad01!(
    /// MLPerf Tiny's anomaly-detection model, from its own Keras file.
    #[keras("../tests/fixtures/mlperf_tiny/ad01.h5", embed)]
    Ad01
);

kws_ref_model!(
    /// MLPerf Tiny's keyword-spotting DS-CNN, from its Keras file (its SavedModel as tf_keras
    /// saved it).
    #[keras("../tests/fixtures/mlperf_tiny/kws_ref_model.h5", embed)]
    Kws
);

pretrained_resnet!(
    /// MLPerf Tiny's ResNet-8, from its Keras file (a functional model with three blocks).
    #[keras("../tests/fixtures/mlperf_tiny/pretrainedResnet.h5", embed)]
    Resnet8
);

ad01!(
    /// MLPerf Tiny's anomaly detector in int8: its reference `.tflite` file, checked and built
    /// in during the build.
    #[int8]
    #[tflite("../tests/fixtures/mlperf_tiny/ad01_int8.tflite", embed)]
    Ad01Int8
);

pretrained_resnet!(
    /// MLPerf Tiny's ResNet-8 in int8, from its reference `.tflite` file.
    #[int8]
    #[tflite("../tests/fixtures/mlperf_tiny/pretrainedResnet_quant.tflite", embed)]
    Resnet8Int8
);

vww_96!(
    /// MLPerf Tiny's visual wake words MobileNet in int8, from its reference `.tflite` file.
    #[int8]
    #[tflite("../tests/fixtures/mlperf_tiny/vww_96_int8.tflite", embed)]
    Vww96Int8
);

kws_ref_model!(
    /// MLPerf Tiny's keyword-spotting DS-CNN in int8, from its reference `.tflite` file.
    #[int8]
    #[tflite("../tests/fixtures/mlperf_tiny/kws_ref_model.tflite", embed)]
    KwsInt8
);

str_ww_ref_model!(
    /// MLPerf Tiny's streaming wake word model in int8, from its reference `.tflite` file.
    #[int8]
    #[tflite("../tests/fixtures/mlperf_tiny/str_ww_ref_model.tflite", embed)]
    StreamingWakeWordInt8
);

network! {
    /// Built without `std` as a check that it builds (no program runs it yet): a PyTorch
    /// network of blocks from its ONNX file (`tests/onnx.rs` checks it against PyTorch), ResNet's
    /// identity block, its projection block and a concatenation.
    #[onnx("../tests/fixtures/onnx/blocks.onnx", embed)]
    pub struct OnnxBlocks =
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

    /// The same check for a PyTorch state dict of a small ResNet (`tests/pytorch.rs`).
    #[pytorch("../tests/fixtures/pytorch/resnet.safetensors", embed)]
    pub struct PytorchResnet =
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
        Activation<Relu>, GlobalAvgPool2D, head: Dense<8, 3>;
}

/// [`OnnxBlocks`], in flash.
pub static ONNX_BLOCKS: OnnxBlocks = OnnxBlocks::EMBEDDED;

/// [`PytorchResnet`], in flash.
pub static PYTORCH_RESNET: PytorchResnet = PytorchResnet::EMBEDDED;

/// The sine model, in flash.
pub static SINE: Sine = Sine::EMBEDDED;

/// The digits classifier, in flash.
pub static DIGITS: Digits = Digits::EMBEDDED;

include!("../models/inputs.rs");

/// The digits network's standardization and five test images.
pub mod digits {
    include!("../models/digits.rs");
}

/// A raw image (pixels 0 to 16) standardized as in training: `(x − mean) / scale`.
pub fn standardize(pixels: &[f32; 64]) -> SVector<f32, 64> {
    SVector::from_fn(|i, _| (pixels[i] - digits::MEAN[i]) / digits::SCALE[i])
}
