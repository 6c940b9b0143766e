//! Every image layer, with options; `Orthogonal` on a Conv2D kernel (flattened to a matrix, as
//! Keras does) and `Identity` on a Dense kernel.

use nn::prelude::*;

network! {
    /// A small convolutional network.
    pub struct Tiny =
        Input<8, 8, 1>,
        Conv2D<4, (3, 3), Relu, kernel_initializer = Orthogonal, padding = Same>,
        BatchNormalization<momentum = 0.9>,
        MaxPool2D<(2, 2)>,
        Conv2D<8, (2, 2), strides = (2, 2), kernel_initializer = Orthogonal(0.5)>,
        LeakyReLU,
        AvgPool2D<(2, 2), strides = (1, 1), padding = Same>,
        ELU<alpha = 0.5>,
        Activation<Tanh>,
        GlobalAvgPool2D,
        Dropout<0.25>,
        Dense<_, 8, kernel_initializer = Identity>,
        Dense<8, 2, Softmax>;

    /// The two kinds added the new way: a learned slope after an image and after a vector, and
    /// global max pooling.
    pub struct Parametric =
        Input<6, 6, 2>,
        Conv2D<3, (3, 3)>,
        PReLU<alpha_initializer = RandomUniform(-0.1, 0.1)>,
        GlobalMaxPool2D,
        Dense<3, 4>,
        PReLU<trainable = false>,
        Dense<4, 2, Softmax>;

    /// Layer normalization over an image's channels and over a vector's units, with its options.
    pub struct LayerNormalized =
        Input<4, 4, 3>,
        LayerNormalization,
        Conv2D<2, (3, 3)>,
        Flatten,
        Dense<8, 4>,
        LayerNormalization<epsilon = 1e-5, center = false, scale = true, trainable = false>,
        Dense<4, 2, Softmax>;

    /// Depthwise convolutions with every option.
    pub struct Depthwise =
        Input<12, 10, 3>,
        DepthwiseConv2D<3, Relu6, strides = 2, padding = Same, depth_multiplier = 2,
            depthwise_initializer = HeNormal, bias_initializer = Constant(0.1),
            depthwise_regularizer = L2(0.01), bias_regularizer = L1(0.01),
            activity_regularizer = L1L2(0.01, 0.01), depthwise_constraint = MaxNorm(3.0),
            bias_constraint = NonNeg, trainable = true>,
        DepthwiseConv2D<(3, 2), activation = Tanh, dilation_rate = (2, 1), use_bias = false,
            trainable = false>,
        GlobalAvgPool2D,
        Dense<6, 2, Softmax>;

    /// Separable convolutions with every option.
    pub struct Separable =
        Input<12, 10, 3>,
        SeparableConv2D<8, 3, Relu6, strides = 2, padding = Same, depth_multiplier = 2,
            depthwise_initializer = HeNormal, pointwise_initializer = LecunNormal,
            bias_initializer = Constant(0.1), depthwise_regularizer = L2(0.01),
            pointwise_regularizer = L1(0.01), bias_regularizer = L1(0.01),
            activity_regularizer = L2(0.01), depthwise_constraint = MaxNorm(3.0),
            pointwise_constraint = UnitNorm, bias_constraint = NonNeg, trainable = true>,
        SeparableConv2D<4, (3, 2), activation = Tanh, dilation_rate = (2, 1), use_bias = false>,
        GlobalAvgPool2D,
        Dense<4, 2, Softmax>;
}

#[test]
fn separable_shapes_and_options() {
    let net = Separable::seeded(6);
    let layers = <Separable as Network<f32>>::LAYERS;
    assert_eq!(layers[0].output, [6, 5, 8]);
    assert_eq!(layers[1].output, [2, 4, 4]);
    assert!(net.separable_conv2d.bias.iter().all(|&b| b == 0.1));
    assert_eq!(net.separable_conv2d.pointwise_kernel.shape(), (8, 6));
    let y = net.predict(&SVector::<f32, 360>::repeat(0.5));
    assert!((y.sum() - 1.0).abs() < 1e-5);
}

#[test]
fn depthwise_shapes_and_options() {
    let net = Depthwise::seeded(5);
    let layers = <Depthwise as Network<f32>>::LAYERS;
    assert_eq!(layers[0].output, [6, 5, 6]);
    assert_eq!(layers[1].output, [2, 4, 6]);
    assert!(net.depthwise_conv2d.bias.iter().all(|&b| b == 0.1));
    assert_eq!(net.depthwise_conv2d.kernel_shape(), [3, 3, 3, 2]);
    assert!(!net.depthwise_conv2d_1.trainable);
    let y = net.predict(&SVector::<f32, 360>::repeat(0.5));
    assert!((y.sum() - 1.0).abs() < 1e-5);
}

#[test]
fn runs() {
    let net = Tiny::seeded(3);
    let y = net.predict(&SVector::<f32, 64>::repeat(0.5));
    assert!((y.sum() - 1.0).abs() < 1e-5);
    assert_eq!(<Tiny as Network<f32>>::LAYERS[0].output, [8, 8, 4]);
    assert_eq!(<Tiny as Network<f32>>::LAYERS[3].output, [2, 2, 8]);
    assert_eq!(
        <Tiny as Network<f32>>::LAYERS[8].kind,
        "GlobalAveragePooling2D"
    );

    let net = Parametric::seeded(4);
    let y = net.predict(&SVector::<f32, 72>::repeat(0.5));
    assert!((y.sum() - 1.0).abs() < 1e-5);
    let layers = <Parametric as Network<f32>>::LAYERS;
    assert_eq!(
        (layers[1].kind, layers[1].output),
        ("PReLU", &[4, 4, 3][..])
    );
    assert_eq!(
        (layers[2].kind, layers[2].output),
        ("GlobalMaxPooling2D", &[3][..])
    );
    assert_eq!(
        Parametric::PARAMS,
        (18 * 3 + 3) + 48 + (3 * 4 + 4) + 4 + (4 * 2 + 2)
    );
    assert!(!net.p_re_lu_1.trainable);

    let net = LayerNormalized::seeded(5);
    let y = net.predict(&SVector::<f32, 48>::from_fn(|i, _| i as f32));
    assert!((y.sum() - 1.0).abs() < 1e-5);
    assert_eq!(
        LayerNormalized::PARAMS,
        2 * 3 + (27 * 2 + 2) + (8 * 4 + 4) + 4 + (4 * 2 + 2)
    );
    assert!(!net.layer_normalization_1.trainable);
    assert_eq!(net.layer_normalization_1.epsilon, 1e-5);
}
