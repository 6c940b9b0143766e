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
