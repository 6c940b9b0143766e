//! The runtime reports each layer's Keras class (`Layer::KIND`, which `summary()` and saved
//! files use) in its own words; `nn-keras` holds the same names for the macro, which derives
//! default field names from them. This keeps the two equal, kind by kind.

use nn::prelude::*;
use nn_keras::class;

network! {
    /// One layer of every kind (after `Input`).
    pub struct Every =
        Input<6, 6, 1>,
        Conv2D<2, (3, 3)>,
        BatchNormalization,
        MaxPool2D<(2, 2)>,
        AvgPool2D<(1, 1)>,
        Activation<Relu>,
        LeakyReLU,
        ELU,
        GlobalAvgPool2D,
        Dropout<0.5>,
        Dense<2, 2>;

    /// `Flatten`.
    pub struct Flat = Input<2, 2, 1>, Flatten, Dense<4, 1>;
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
            class::BATCH_NORMALIZATION,
            class::MAX_POOLING_2D,
            class::AVERAGE_POOLING_2D,
            class::ACTIVATION,
            class::LEAKY_RELU,
            class::ELU,
            class::GLOBAL_AVERAGE_POOLING_2D,
            class::DROPOUT,
            class::DENSE,
        ]
    );
    assert_eq!(<Flat as Network<f32>>::LAYERS[0].kind, class::FLATTEN);
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
            "batch_normalization",
            "max_pooling2d",
            "average_pooling2d",
            "activation",
            "leaky_re_lu",
            "elu",
            "global_average_pooling2d",
            "dropout",
            "dense",
        ]
    );
}

#[test]
fn the_inline_limit_is_one() {
    assert_eq!(nn::INLINE_LIMIT, nn_keras::INLINE_LIMIT);
    assert_eq!(nn::__private::INLINE_LIMIT, nn_keras::INLINE_LIMIT);
}
