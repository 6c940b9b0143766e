//! The macro writes each layer's Keras class into `Network::LAYERS` (for `summary()`) and derives
//! default field names from it, from its table of kinds; the runtime reports the class of each
//! layer type as `Params::KIND`. Both come from `nn-keras`; this keeps them equal, kind by kind.

use nn::prelude::*;
use nn_keras::class;

network! {
    /// One layer of every kind (after `Input`).
    pub struct Every =
        Input<6, 6, 1>,
        Conv2D<2, (3, 3)>,
        DepthwiseConv2D<(1, 1)>,
        SeparableConv2D<2, (1, 1)>,
        BatchNormalization,
        LayerNormalization,
        MaxPool2D<(2, 2)>,
        AvgPool2D<(1, 1)>,
        Activation<Relu>,
        LeakyReLU,
        ELU,
        PReLU,
        GlobalAvgPool2D,
        Dropout<0.5>,
        Dense<2, 2>,
        PReLU;

    /// `GlobalMaxPool2D`.
    pub struct MaxPooled = Input<3, 3, 2>, GlobalMaxPool2D;

    /// `Flatten`.
    pub struct Flat = Input<2, 2, 1>, Flatten, Dense<4, 1>;

    /// The sequence kinds.
    pub struct Recurrent = Input<3, 2>, LSTM<2, return_sequences = true>, GRU<2, return_sequences = true>, SimpleRNN<2>;

    /// The other sequence kinds.
    pub struct Sequences =
        Input<8>,
        Embedding<5, 3>,
        Conv1D<2, 2>,
        DepthwiseConv1D<2>,
        SeparableConv1D<2, 1>,
        MaxPool1D<2>,
        AvgPool1D<1>,
        Bidirectional<LSTM<2, return_sequences = true>>,
        GlobalAvgPool1D;

    /// `GlobalMaxPool1D`.
    pub struct MaxOverSteps = Input<3, 2>, GlobalMaxPool1D;
}

#[test]
fn runtime_kinds_are_keras_classes() {
    let kinds: Vec<&str> = <Every as Network<f32>>::LAYERS
        .iter()
        .map(|l| l.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            class::CONV_2D,
            class::DEPTHWISE_CONV_2D,
            class::SEPARABLE_CONV_2D,
            class::BATCH_NORMALIZATION,
            class::LAYER_NORMALIZATION,
            class::MAX_POOLING_2D,
            class::AVERAGE_POOLING_2D,
            class::ACTIVATION,
            class::LEAKY_RELU,
            class::ELU,
            class::PRELU,
            class::GLOBAL_AVERAGE_POOLING_2D,
            class::DROPOUT,
            class::DENSE,
            class::PRELU,
        ]
    );
    assert_eq!(<Flat as Network<f32>>::LAYERS[0].kind, class::FLATTEN);
    let macro_kinds = |layers: &[nn::LayerInfo]| layers.iter().map(|l| l.kind).collect::<Vec<_>>();
    assert_eq!(
        macro_kinds(<Sequences as Network<f32>>::LAYERS),
        runtime_kinds(&Sequences::seeded(0))
    );
    assert_eq!(
        macro_kinds(<MaxOverSteps as Network<f32>>::LAYERS),
        runtime_kinds(&MaxOverSteps::seeded(0))
    );
    // The runtime's own classes, through the layer walk.
    for (net_kinds, runtime) in [
        (kinds, runtime_kinds(&Every::seeded(0))),
        (
            vec![class::FLATTEN, class::DENSE],
            runtime_kinds(&Flat::seeded(0)),
        ),
        (
            vec![class::LSTM, class::GRU, class::SIMPLE_RNN],
            runtime_kinds(&Recurrent::seeded(0)),
        ),
        (
            vec![
                class::EMBEDDING,
                class::CONV_1D,
                class::DEPTHWISE_CONV_1D,
                class::SEPARABLE_CONV_1D,
                class::MAX_POOLING_1D,
                class::AVERAGE_POOLING_1D,
                class::BIDIRECTIONAL,
                class::GLOBAL_AVERAGE_POOLING_1D,
            ],
            runtime_kinds(&Sequences::seeded(0)),
        ),
        (
            vec![class::GLOBAL_MAX_POOLING_1D],
            runtime_kinds(&MaxOverSteps::seeded(0)),
        ),
    ] {
        assert_eq!(net_kinds, runtime);
    }
}

/// Each layer's `Params::KIND`, in order.
fn runtime_kinds<N: Network<f32>>(net: &N) -> Vec<&'static str> {
    struct Kinds(Vec<&'static str>);
    impl<'a> nn::Visitor<'a, f32, 1> for Kinds {
        fn layer<L: Params<f32>>(&mut self, _name: &'static str, _layers: [&'a L; 1]) {
            self.0.push(L::KIND);
        }
    }
    let mut kinds = Kinds(Vec::new());
    N::visit([net], &mut kinds);
    kinds.0
}

#[test]
fn default_field_names_are_keras_layer_names() {
    let names: Vec<&str> = <Every as Network<f32>>::LAYERS
        .iter()
        .map(|l| l.name)
        .collect();
    assert_eq!(
        names,
        [
            "conv2d",
            "depthwise_conv2d",
            "separable_conv2d",
            "batch_normalization",
            "layer_normalization",
            "max_pooling2d",
            "average_pooling2d",
            "activation",
            "leaky_re_lu",
            "elu",
            "p_re_lu",
            "global_average_pooling2d",
            "dropout",
            "dense",
            "p_re_lu_1",
        ]
    );
    let recurrent = <Recurrent as Network<f32>>::LAYERS;
    let names = (recurrent[0].name, recurrent[1].name, recurrent[2].name);
    assert_eq!(names, ("lstm", "gru", "simple_rnn"));
    let sequences = <Sequences as Network<f32>>::LAYERS;
    let names = (sequences[2].name, sequences[3].name);
    assert_eq!(names, ("depthwise_conv1d", "separable_conv1d"));
}

#[test]
fn the_inline_limit_is_one() {
    assert_eq!(nn::__private::INLINE_LIMIT, nn_keras::INLINE_LIMIT);
}
