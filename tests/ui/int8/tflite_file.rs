use nn::prelude::*;

network! {
    // MLPerf Tiny's anomaly detector with its fifth dense layer 16 wide where the file's is 8,
    // and a softmax where the file's last layer is linear: each difference at its layer,
    // during the build, as `load_tflite` would list them.
    #[int8]
    #[tflite("tests/fixtures/mlperf_tiny/ad01_int8.tflite", embed)]
    struct Ad01 =
        Input<640>,
        Dense<_, 128>, BatchNormalization, Activation<Relu>,
        Dense<_, 128>, BatchNormalization, Activation<Relu>,
        Dense<_, 128>, BatchNormalization, Activation<Relu>,
        Dense<_, 128>, BatchNormalization, Activation<Relu>,
        Dense<_, 16>, BatchNormalization, Activation<Relu>,
        Dense<_, 128>, BatchNormalization, Activation<Relu>,
        Dense<_, 128>, BatchNormalization, Activation<Relu>,
        Dense<_, 128>, BatchNormalization, Activation<Relu>,
        Dense<_, 128>, BatchNormalization, Activation<Relu>,
        Dense<_, 640, Softmax>;
}

network! {
    // A float declaration: `#[tflite]` reads int8 networks.
    #[tflite("tests/fixtures/mlperf_tiny/ad01_int8.tflite")]
    struct Float = Input<640>, Dense<_, 8>;
}

network! {
    // No such file.
    #[int8]
    #[tflite("tests/fixtures/missing.tflite")]
    struct Missing = Input<640>, Dense<_, 8>;
}

network! {
    // Not a TensorFlow Lite file.
    #[int8]
    #[tflite("tests/fixtures/keras/mlp.keras")]
    struct NotTflite = Input<640>, Dense<_, 8>;
}

network! {
    // An unknown option.
    #[int8]
    #[tflite("tests/fixtures/mlperf_tiny/ad01_int8.tflite", inline)]
    struct Option = Input<640>, Dense<_, 8>;
}

network! {
    // nn's activation named through the crate is checked as `Relu` is: the file's second layer
    // is 16 wide.
    #[int8]
    #[tflite("tests/fixtures/tflm/sine.tflite")]
    struct PathRelu = Dense<1, 16, nn::Relu>, Dense<16, 8, Relu>, Dense<8, 1>;
}

network! {
    // The tanh approximation of GELU where the file's convolution ends in the exact one.
    #[int8]
    #[tflite("tests/fixtures/tflite/int8_acts.tflite")]
    struct Acts =
        Input<8, 8, 3>,
        Conv2D<4, (3, 3), padding = Same>, Activation<HardSilu>, PReLU,
        Conv2D<3, (3, 3), GeluApprox, padding = Same>,
        Flatten, Dense<_, 8, Gelu>, Dense<_, 6, HardSilu>, Dense<_, 5>, PReLU,
        Dense<_, 3, LogSoftmax>;
}

network! {
    // An ELU of alpha 0.5, where TensorFlow Lite's ELU has alpha 1.
    #[int8]
    #[tflite("tests/fixtures/tflite/ours_elu.tflite")]
    struct HalfElu =
        Input<12, 12, 2>,
        Conv2D<4, (3, 3), padding = Same>, Activation<Elu>,
        MaxPool2D<(2, 2)>,
        Conv2D<4, (3, 3), Elu, padding = Same>,
        Flatten, Dense<_, 8, Elu(0.5)>, Dense<_, 4>;
}

const WIDTH: usize = 8;

network! {
    // `#[int8]` refused (a named size): that is the one error, not also `#[tflite]`'s.
    #[int8]
    #[tflite("tests/fixtures/mlperf_tiny/ad01_int8.tflite")]
    struct Named = Input<640>, Dense<_, WIDTH>;
}

fn main() {}
