//! Sequences: `Input<STEPS, FEATURES>`, LSTMs returning every step or the last, layer
//! normalization per step, dropout, and `Flatten` of a sequence.

use nn::prelude::*;

network! {
    /// Two LSTMs, the first returning every step.
    pub struct Stacked =
        Input<6, 3>,
        LayerNormalization,
        LSTM<8, return_sequences = true>,
        Dropout<0.2>,
        LSTM<4>,
        Dense<4, 2, Softmax>;

    /// A GRU after an LSTM.
    pub struct Mixed = Input<4, 2>, LSTM<3, return_sequences = true>, GRU<5>, Dense<5, 1>;

    /// A temporal convolutional network: causal, dilated convolutions, pools, the global max.
    pub struct Temporal =
        Input<32, 4>,
        Conv1D<8, 3, Relu, padding = Causal>,
        Conv1D<8, 3, Relu, padding = Causal, dilation_rate = 2>,
        MaxPool1D<2>,
        Conv1D<16, 3, Relu, padding = Same, strides = 2>,
        AvgPool1D<2, padding = Same>,
        LSTM<6, return_sequences = true>,
        GlobalMaxPool1D,
        Dense<6, 3, Softmax>;

    /// Sequences out, through every kind that streams (each network here has `step`).
    pub struct Tagging = Input<5, 3>, LSTM<4, return_sequences = true>, LayerNormalization, Activation<Softmax>;
    pub struct TokenTagging = Input<7>, Embedding<11, 4>, LSTM<5, return_sequences = true>;

    /// Every step's output, flattened into a Dense layer.
    pub struct Flattened = Input<5, 2>, LSTM<3, return_sequences = true, trainable = false>, Flatten, Dense<15, 1>;

    /// Depthwise and separable convolutions along the steps, with every option.
    pub struct DepthwiseSteps =
        Input<20, 3>,
        DepthwiseConv1D<3, Relu6, strides = 2, padding = Same, depth_multiplier = 2,
            depthwise_initializer = HeNormal, bias_initializer = Constant(0.1),
            depthwise_regularizer = L2(0.01), bias_regularizer = L1(0.01),
            activity_regularizer = L1L2(0.01, 0.01), depthwise_constraint = MaxNorm(3.0),
            bias_constraint = NonNeg, trainable = true>,
        DepthwiseConv1D<2, activation = Tanh, dilation_rate = 3, use_bias = false,
            trainable = false>,
        SeparableConv1D<5, 3, Relu, strides = 2, dilation_rate = 2, padding = Same,
            depth_multiplier = 2, depthwise_initializer = HeNormal,
            pointwise_initializer = LecunNormal, bias_initializer = Constant(0.2),
            depthwise_regularizer = L2(0.01), pointwise_regularizer = L1(0.01),
            bias_regularizer = L1(0.01), activity_regularizer = L2(0.01),
            depthwise_constraint = MaxNorm(3.0), pointwise_constraint = UnitNorm,
            bias_constraint = NonNeg>,
        SeparableConv1D<4, 2, activation = Tanh, use_bias = false>,
        GlobalAvgPool1D,
        Dense<4, 2, Softmax>;
}

#[test]
fn depthwise_and_separable_along_steps() {
    let shapes: Vec<(&str, &[usize])> = (<DepthwiseSteps as Network<f32>>::LAYERS.iter())
        .map(|l| (l.kind, l.output))
        .collect();
    assert_eq!(
        shapes,
        [
            ("DepthwiseConv1D", &[10, 6][..]),
            ("DepthwiseConv1D", &[7, 6]),
            ("SeparableConv1D", &[4, 5]),
            ("SeparableConv1D", &[3, 4]),
            ("GlobalAveragePooling1D", &[4]),
            ("Dense", &[2]),
        ]
    );
    // Keras's shapes: (k, C, M), then (1, C·M, FILTERS).
    let net = DepthwiseSteps::seeded(7);
    assert_eq!(net.depthwise_conv1d.kernel_shape(), [3, 3, 2]);
    assert!(net.depthwise_conv1d.bias.iter().all(|&b| b == 0.1));
    assert!(!net.depthwise_conv1d_1.trainable);
    let shapes: Vec<Vec<usize>> = net
        .separable_conv1d
        .params()
        .map(|p| p.shape.to_vec())
        .collect();
    assert_eq!(shapes, [vec![3, 6, 2], vec![1, 12, 5], vec![5]]);
    assert_eq!(
        DepthwiseSteps::PARAMS,
        (3 * 3 * 2 + 6) + 2 * 6 + (3 * 6 * 2 + 12 * 5 + 5) + (2 * 5 + 5 * 4) + 4 * 2 + 2
    );
    let y = net.predict(&SVector::<f32, 60>::repeat(0.5));
    assert!((y.sum() - 1.0).abs() < 1e-5);
}

#[test]
fn runs() {
    let net = Stacked::seeded(1);
    let y = net.predict(&SVector::<f32, 18>::repeat(0.5));
    assert!((y.sum() - 1.0).abs() < 1e-5);
    let layers = <Stacked as Network<f32>>::LAYERS;
    assert_eq!((layers[1].kind, layers[1].output), ("LSTM", &[6, 8][..]));
    assert_eq!((layers[3].kind, layers[3].output), ("LSTM", &[4][..]));
    assert_eq!(layers[0].output, [6, 3]);
    assert_eq!(
        Stacked::PARAMS,
        6 + 4 * 8 * (3 + 8 + 1) + 4 * 4 * (8 + 4 + 1) + 4 * 2 + 2
    );

    let layers = <Mixed as Network<f32>>::LAYERS;
    assert_eq!((layers[1].kind, layers[1].output), ("GRU", &[5][..]));
    assert_eq!(
        Mixed::PARAMS,
        4 * 3 * (2 + 3 + 1) + 3 * 5 * (3 + 5 + 2) + 5 + 1
    );
    let _ = Mixed::seeded(3).predict(&SVector::<f32, 8>::zeros());

    let layers = <Temporal as Network<f32>>::LAYERS;
    let shapes: Vec<&[usize]> = layers.iter().map(|l| l.output).collect();
    assert_eq!(
        shapes,
        [
            &[32, 8][..],
            &[32, 8],
            &[16, 8],
            &[8, 16],
            &[4, 16],
            &[4, 6],
            &[6],
            &[3]
        ]
    );
    assert_eq!((layers[0].kind, layers[2].kind), ("Conv1D", "MaxPooling1D"));
    let y = Temporal::seeded(4).predict(&SVector::<f32, 128>::repeat(0.1));
    assert!((y.sum() - 1.0).abs() < 1e-5);

    let mut state = Default::default();
    let y: SVector<f32, 4> = Tagging::seeded(1).step(&mut state, &SVector::<f32, 3>::zeros());
    assert!((y.sum() - 1.0).abs() < 1e-5);
    let mut state = Default::default();
    let h: SVector<f32, 5> = TokenTagging::seeded(1).step(&mut state, &SVector::<f32, 1>::new(3.0));
    assert!(h.iter().all(|v| v.is_finite()));

    let net = Flattened::seeded(2);
    assert!(!net.lstm.trainable);
    assert_eq!(<Flattened as Network<f32>>::LAYERS[1].output, [15]);
    let _ = net.predict(&SVector::<f32, 10>::zeros());
}
