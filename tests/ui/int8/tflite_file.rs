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

const WIDTH: usize = 8;

network! {
    // `#[int8]` refused (a named size): that is the one error, not also `#[tflite]`'s.
    #[int8]
    #[tflite("tests/fixtures/mlperf_tiny/ad01_int8.tflite")]
    struct Named = Input<640>, Dense<_, WIDTH>;
}

fn main() {}
