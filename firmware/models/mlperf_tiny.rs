// MLPerf Tiny's reference models as `network!` declarations, shared by the firmware
// (`firmware/src/models.rs`, weights built in) and the host tests (`tests/mlperf_tiny.rs`,
// `tests/firmware.rs`, weights loaded at run time): each is a macro that declares the model under
// a name, with the attributes given before it (`#[keras(..)]`, its doc comment). Each crate
// that includes this file uses some of them.

/// Anomaly detection (`ad01.h5`, a ToyCar autoencoder): five log-mel frames of 128 bins (640
/// values) through nine dense layers, each batch-normalized before its ReLU, to a linear
/// reconstruction of the input.
#[allow(unused_macros)]
macro_rules! ad01 {
    ($(#[$attr:meta])* $name:ident) => {
        network! {
            $(#[$attr])*
            pub struct $name =
                Input<640>,
                Dense<_, 128>, BatchNormalization, Activation<Relu>,
                Dense<_, 128>, BatchNormalization, Activation<Relu>,
                Dense<_, 128>, BatchNormalization, Activation<Relu>,
                Dense<_, 128>, BatchNormalization, Activation<Relu>,
                Dense<_, 8>, BatchNormalization, Activation<Relu>,
                Dense<_, 128>, BatchNormalization, Activation<Relu>,
                Dense<_, 128>, BatchNormalization, Activation<Relu>,
                Dense<_, 128>, BatchNormalization, Activation<Relu>,
                Dense<_, 128>, BatchNormalization, Activation<Relu>,
                Dense<_, 640>;
        }
    };
}

/// Image classification (`pretrainedResnet.h5`, ResNet-8 on CIFAR-10): a 32×32 colour image,
/// a convolution, three residual blocks (an identity shortcut, then two whose shortcut is a
/// strided 1×1 convolution), an average pool and ten classes. Its layers are named as in the
/// file.
#[allow(unused_macros)]
macro_rules! pretrained_resnet {
    ($(#[$attr:meta])* $name:ident) => {
        network! {
            $(#[$attr])*
            pub struct $name =
                Input<32, 32, 3>,
                Conv2D<16, (3, 3), padding = Same>, BatchNormalization, Activation<Relu>,
                add: Add<[], [
                    conv2d_1: Conv2D<16, (3, 3), padding = Same>, batch_normalization_1: BatchNormalization,
                    activation_1: Activation<Relu>,
                    conv2d_2: Conv2D<16, (3, 3), padding = Same>, batch_normalization_2: BatchNormalization,
                ]>,
                activation_2: Activation<Relu>,
                add_1: Add<[conv2d_5: Conv2D<32, (1, 1), strides = (2, 2), padding = Same>], [
                    conv2d_3: Conv2D<32, (3, 3), strides = (2, 2), padding = Same>,
                    batch_normalization_3: BatchNormalization, activation_3: Activation<Relu>,
                    conv2d_4: Conv2D<32, (3, 3), padding = Same>, batch_normalization_4: BatchNormalization,
                ]>,
                activation_4: Activation<Relu>,
                add_2: Add<[conv2d_8: Conv2D<64, (1, 1), strides = (2, 2), padding = Same>], [
                    conv2d_6: Conv2D<64, (3, 3), strides = (2, 2), padding = Same>,
                    batch_normalization_5: BatchNormalization, activation_5: Activation<Relu>,
                    conv2d_7: Conv2D<64, (3, 3), padding = Same>, batch_normalization_6: BatchNormalization,
                ]>,
                activation_6: Activation<Relu>,
                AvgPool2D<(8, 8)>, Flatten, Dense<_, 10, Softmax>;
        }
    };
}

/// Visual wake words (`vww_96.h5`, MobileNetV1 with width 0.25): a 96×96 colour image through a
/// strided convolution and thirteen depthwise-separable blocks, each a 3×3 depthwise
/// convolution and a 1×1 convolution, batch-normalized before their ReLUs; then an average pool
/// and two classes.
#[allow(unused_macros)]
macro_rules! vww_96 {
    ($(#[$attr:meta])* $name:ident) => {
        network! {
            $(#[$attr])*
            pub struct $name =
                Input<96, 96, 3>,
                Conv2D<8, (3, 3), strides = (2, 2), padding = Same>, BatchNormalization, Activation<Relu>,
                DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization, Activation<Relu>,
                Conv2D<16, (1, 1), padding = Same>, BatchNormalization, Activation<Relu>,
                DepthwiseConv2D<(3, 3), strides = (2, 2), padding = Same>, BatchNormalization, Activation<Relu>,
                Conv2D<32, (1, 1), padding = Same>, BatchNormalization, Activation<Relu>,
                DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization, Activation<Relu>,
                Conv2D<32, (1, 1), padding = Same>, BatchNormalization, Activation<Relu>,
                DepthwiseConv2D<(3, 3), strides = (2, 2), padding = Same>, BatchNormalization, Activation<Relu>,
                Conv2D<64, (1, 1), padding = Same>, BatchNormalization, Activation<Relu>,
                DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization, Activation<Relu>,
                Conv2D<64, (1, 1), padding = Same>, BatchNormalization, Activation<Relu>,
                DepthwiseConv2D<(3, 3), strides = (2, 2), padding = Same>, BatchNormalization, Activation<Relu>,
                Conv2D<128, (1, 1), padding = Same>, BatchNormalization, Activation<Relu>,
                DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization, Activation<Relu>,
                Conv2D<128, (1, 1), padding = Same>, BatchNormalization, Activation<Relu>,
                DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization, Activation<Relu>,
                Conv2D<128, (1, 1), padding = Same>, BatchNormalization, Activation<Relu>,
                DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization, Activation<Relu>,
                Conv2D<128, (1, 1), padding = Same>, BatchNormalization, Activation<Relu>,
                DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization, Activation<Relu>,
                Conv2D<128, (1, 1), padding = Same>, BatchNormalization, Activation<Relu>,
                DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization, Activation<Relu>,
                Conv2D<128, (1, 1), padding = Same>, BatchNormalization, Activation<Relu>,
                DepthwiseConv2D<(3, 3), strides = (2, 2), padding = Same>, BatchNormalization, Activation<Relu>,
                Conv2D<256, (1, 1), padding = Same>, BatchNormalization, Activation<Relu>,
                DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization, Activation<Relu>,
                Conv2D<256, (1, 1), padding = Same>, BatchNormalization, Activation<Relu>,
                AvgPool2D<(3, 3)>, Flatten, Dense<_, 2, Softmax>;
        }
    };
}

/// Keyword spotting (`kws_ref_model`, DS-CNN): 49 frames of 10 MFCCs through a 10×4 strided
/// convolution and four depthwise-separable blocks of 64 channels, an average pool over the
/// 25×5 map, and twelve classes.
#[allow(unused_macros)]
macro_rules! kws_ref_model {
    ($(#[$attr:meta])* $name:ident) => {
        network! {
            $(#[$attr])*
            pub struct $name =
                Input<49, 10, 1>,
                Conv2D<64, (10, 4), strides = (2, 2), padding = Same>, BatchNormalization, Activation<Relu>, Dropout<0.2>,
                DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization, Activation<Relu>,
                Conv2D<64, (1, 1), padding = Same>, BatchNormalization, Activation<Relu>,
                DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization, Activation<Relu>,
                Conv2D<64, (1, 1), padding = Same>, BatchNormalization, Activation<Relu>,
                DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization, Activation<Relu>,
                Conv2D<64, (1, 1), padding = Same>, BatchNormalization, Activation<Relu>,
                DepthwiseConv2D<(3, 3), padding = Same>, BatchNormalization, Activation<Relu>,
                Conv2D<64, (1, 1), padding = Same>, BatchNormalization, Activation<Relu>,
                Dropout<0.4>, AvgPool2D<(25, 5)>, Flatten, Dense<_, 12, Softmax>;
        }
    };
}

/// Streaming wake word (`str_ww_ref_model.h5`): 30 frames of 40 features as a 30×1 image of 40
/// channels, through four depthwise-separable blocks whose depthwise kernels run along time
/// ((3, 1), (5, 1), (10, 1), (15, 1)), without biases; three classes.
#[allow(unused_macros)]
macro_rules! str_ww_ref_model {
    ($(#[$attr:meta])* $name:ident) => {
        network! {
            $(#[$attr])*
            pub struct $name =
                Input<30, 1, 40>,
                DepthwiseConv2D<(3, 1), use_bias = false>, Conv2D<128, (1, 1), use_bias = false>,
                BatchNormalization, Activation<Relu>, Dropout<0.2>,
                DepthwiseConv2D<(5, 1), use_bias = false>, Conv2D<128, (1, 1), use_bias = false>,
                BatchNormalization, Activation<Relu>, Dropout<0.2>,
                DepthwiseConv2D<(10, 1), use_bias = false>, Conv2D<128, (1, 1), use_bias = false>,
                BatchNormalization, Activation<Relu>, Dropout<0.2>,
                DepthwiseConv2D<(15, 1), use_bias = false>, Conv2D<32, (1, 1), use_bias = false>,
                BatchNormalization, Activation<Relu>, Dropout<0.2>,
                Flatten, Dense<_, 3, Softmax>;
        }
    };
}

/// All five, each under its usual name and with its int8 form (`nn::Int8<Kws>`), for programs
/// that load them at run time (the example `examples/mlperf_tiny.rs`, the benchmark
/// `benches/mlperf_tiny.rs`).
#[allow(unused_macros)]
macro_rules! mlperf_tiny_models {
    () => {
        ad01!(
            /// Anomaly detection: a ToyCar autoencoder.
            #[int8]
            Ad01
        );
        pretrained_resnet!(
            /// Image classification: ResNet-8 on CIFAR-10.
            #[int8]
            Resnet8
        );
        vww_96!(
            /// Visual wake words: MobileNetV1 (0.25) on 96×96 images.
            #[int8]
            Vww96
        );
        kws_ref_model!(
            /// Keyword spotting: a DS-CNN on MFCC features.
            #[int8]
            Kws
        );
        str_ww_ref_model!(
            /// The streaming wake word model.
            #[int8]
            StreamingWakeWord
        );
    };
}
