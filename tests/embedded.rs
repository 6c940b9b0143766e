//! Weights built into the program: `#[safetensors("file", embed)]` makes `EMBEDDED`, a constant
//! network read from the file during compilation. It must equal the same file loaded at run
//! time, parameter for parameter and prediction for prediction, for every kind of layer with
//! weights; and it must be usable as a `static`.

use nn::prelude::*;

network! {
    /// The firmware's sine model, built in.
    #[safetensors("firmware/models/sine.safetensors", embed)]
    pub struct Sine = Dense<1, 16, Relu>, Dense<16, 16, Relu>, Dense<16, 1>;

    /// The same declaration, loaded at run time.
    pub struct SineFile = Dense<1, 16, Relu>, Dense<16, 16, Relu>, Dense<16, 1>;

    /// Every kind of layer with weights, built in.
    #[safetensors("tests/fixtures/embedded/mixed.safetensors", embed)]
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

    /// A residual block and a concatenation, built in.
    #[safetensors("tests/fixtures/embedded/blocks.safetensors", embed)]
    pub struct Blocks = Input<6, 6, 2>, Conv2D<4, (3, 3), Relu, padding = Same>,
        Add<[Conv2D<4, (3, 3), Relu, padding = Same>, BatchNormalization], []>,
        Concatenate<[Conv2D<2, (1, 1), strides = (2, 2)>], [MaxPool2D<(2, 2)>]>,
        Flatten, Dense<_, 3, Softmax>;

    /// The same declaration, loaded at run time.
    pub struct BlocksFile = Input<6, 6, 2>, Conv2D<4, (3, 3), Relu, padding = Same>,
        Add<[Conv2D<4, (3, 3), Relu, padding = Same>, BatchNormalization], []>,
        Concatenate<[Conv2D<2, (1, 1), strides = (2, 2)>], [MaxPool2D<(2, 2)>]>,
        Flatten, Dense<_, 3, Softmax>;

    /// The same declaration, loaded at run time.
    pub struct MixedFile =
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
}

static SINE: Sine = Sine::EMBEDDED;
static MIXED: Mixed = Mixed::EMBEDDED;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A parameter: its name, shape, values, whether it is trainable, and its rules.
type Param = (String, Vec<usize>, Vec<f32>, bool, nn::Rules);

/// Every parameter of a network, in order.
fn params<N: Network<f32>>(net: &N) -> Vec<Param> {
    net.params()
        .map(|(layer, p)| {
            let name = format!("{layer}.{}", p.key());
            (
                name,
                p.shape.to_vec(),
                p.values.to_vec(),
                p.trainable,
                p.rules,
            )
        })
        .collect()
}

#[test]
fn the_sine_model_built_in_equals_the_file_loaded() {
    let loaded: SineFile = nn::io::load_weights(format!("{ROOT}/firmware/models/sine.safetensors"))
        .expect("the committed weights load");
    assert_eq!(params(&SINE), params(&loaded));
    for x in [0.0f32, 0.5, 1.5, 3.0, 4.5, 6.0] {
        let x = SVector::<f32, 1>::new(x);
        assert_eq!(SINE.predict(&x), loaded.predict(&x));
    }
    // The model fits sin(x) (it was trained to a mean squared error of about 1e-3).
    let y = SINE.predict(&SVector::<f32, 1>::new(std::f32::consts::FRAC_PI_2))[0];
    assert!((y - 1.0).abs() < 0.15, "sin(π/2) ≈ {y}");
}

#[test]
fn every_kind_of_layer_is_built_in_as_loaded() {
    let loaded: MixedFile =
        nn::io::load_weights(format!("{ROOT}/tests/fixtures/embedded/mixed.safetensors"))
            .expect("the committed weights load");
    let (embedded, loaded_params) = (params(&MIXED), params(&loaded));
    assert_eq!(embedded, loaded_params);
    // The options that are not weights came through too.
    assert!(!MIXED.dense.trainable);
    assert_eq!(MIXED.dense_1.kernel_regularizer, nn::Regularizer::L2(0.01));
    assert_eq!(MIXED.batch_normalization.epsilon, 1e-3);
    // The moving statistics and PReLU's slopes are not their initial values.
    assert!(
        MIXED
            .batch_normalization
            .moving_variance
            .iter()
            .any(|&v| v != 1.0)
    );
    assert!(MIXED.p_re_lu.alpha.iter().any(|&v| v != 0.0));
    // The depthwise and separable kernels are built in from their tensors by name.
    assert_eq!(
        MIXED.depthwise_conv2d.depthwise_kernel,
        loaded.depthwise_conv2d.depthwise_kernel
    );
    assert!(
        MIXED
            .separable_conv2d
            .pointwise_kernel
            .iter()
            .any(|&v| v != 0.0)
    );
    for seed in 0..5u32 {
        let x = SVector::<f32, 72>::from_fn(|i, _| {
            ((i as u32 * 7 + seed * 13) % 11) as f32 / 5.0 - 1.0
        });
        assert_eq!(MIXED.predict(&x), loaded.predict(&x));
    }
}

/// Blocks are built in like any layer: each branch's layers from their tensors
/// (`add.conv2d_1_kernel`, ...).
#[test]
fn blocks_are_built_in_as_loaded() {
    static BLOCKS: Blocks = Blocks::EMBEDDED;
    let loaded: BlocksFile =
        nn::io::load_weights(format!("{ROOT}/tests/fixtures/embedded/blocks.safetensors"))
            .expect("the committed weights load");
    assert_eq!(params(&BLOCKS), params(&loaded));
    let statistics = &BLOCKS.add.first.batch_normalization.moving_variance;
    assert!(statistics.iter().any(|&v| v != 1.0));
    for seed in 0..5u32 {
        let x = SVector::<f32, 72>::from_fn(|i, _| {
            ((i as u32 * 7 + seed * 13) % 11) as f32 / 5.0 - 1.0
        });
        assert_eq!(BLOCKS.predict(&x), loaded.predict(&x));
    }
}

#[test]
fn a_built_in_network_is_a_constant() {
    const NET: Sine = Sine::EMBEDDED;
    let copy = NET;
    assert_eq!(params(&copy), params(&SINE));
}
