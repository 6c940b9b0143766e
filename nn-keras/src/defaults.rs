//! The values Keras gives the arguments a declaration leaves out, for the layers, regularizers
//! and constraints `nn` has. Initializers are named by their Keras class. [`missing`] gives the
//! values Keras builds a layer with when its `config.json` leaves a setting out.
//!
//! ```
//! use nn_keras::defaults;
//!
//! assert_eq!(defaults::KERNEL_INITIALIZER, "GlorotUniform");
//! assert_eq!(defaults::batch_normalization::EPSILON, 1e-3);
//! ```

use crate::class::{
    ACTIVATION as ACTIVATION_LAYER, AVERAGE_POOLING_1D, AVERAGE_POOLING_2D, BATCH_NORMALIZATION,
    BIDIRECTIONAL, CONV_1D, CONV_2D, DENSE, DROPOUT, ELU, EMBEDDING, FLATTEN,
    GLOBAL_AVERAGE_POOLING_1D, GLOBAL_AVERAGE_POOLING_2D, GLOBAL_MAX_POOLING_1D,
    GLOBAL_MAX_POOLING_2D, GRU, LAYER_NORMALIZATION, LEAKY_RELU, LSTM, MAX_POOLING_1D,
    MAX_POOLING_2D, SIMPLE_RNN,
};
use crate::config::{Value, same_str};

/// Every layer with weights is trainable unless told otherwise.
pub const TRAINABLE: bool = true;
/// `Dense` and `Conv2D` add a bias unless told otherwise.
pub const USE_BIAS: bool = true;
/// The kernel initializer of `Dense` and `Conv2D`.
pub const KERNEL_INITIALIZER: &str = "GlorotUniform";
/// The bias initializer of `Dense` and `Conv2D`.
pub const BIAS_INITIALIZER: &str = "Zeros";
/// The activation of `Dense` and `Conv2D`: none, that is `linear`.
pub const ACTIVATION: &str = "Linear";
/// The padding of `Conv2D` and the pooling layers: none.
pub const PADDING: crate::Padding = crate::Padding::Valid;

/// `Conv2D`'s defaults.
pub mod conv_2d {
    /// One row and one column at a time.
    pub const STRIDES: (usize, usize) = (1, 1);
}

/// The pooling layers' defaults.
pub mod pooling_2d {
    /// `strides=None`: the strides are the pool size, so the windows tile the image.
    pub const fn strides(pool_size: (usize, usize)) -> (usize, usize) {
        pool_size
    }
}

/// `Embedding`'s defaults.
pub mod embedding {
    /// `embeddings_initializer`: `RandomUniform(-0.05, 0.05)`.
    pub const EMBEDDINGS_INITIALIZER: &str = "RandomUniform";
}

/// `PReLU`'s defaults.
pub mod prelu {
    /// `alpha_initializer`: zeros, so a new layer is a ReLU.
    pub const ALPHA_INITIALIZER: &str = "Zeros";
}

/// `BatchNormalization`'s defaults.
pub mod batch_normalization {
    /// The weight of the old value in each update of the moving mean and variance.
    pub const MOMENTUM: f64 = 0.99;
    /// Added to the variance before its square root is taken.
    pub const EPSILON: f64 = 1e-3;
}

/// `LayerNormalization`'s defaults.
pub mod layer_normalization {
    /// Added to the variance before its square root is taken.
    pub const EPSILON: f64 = 1e-3;
    /// Whether the layer has a learned shift `beta`.
    pub const CENTER: bool = true;
    /// Whether the layer has a learned scale `gamma`.
    pub const SCALE: bool = true;
}

/// The `LeakyReLU` layer's default (the `leaky_relu` activation function's is 0.2).
pub mod leaky_relu {
    /// The slope below zero.
    pub const NEGATIVE_SLOPE: f64 = 0.3;
}

/// The `ELU` layer's default.
pub mod elu {
    /// The value the output tends to far below zero is `-alpha`.
    pub const ALPHA: f64 = 1.0;
}

/// The regularizers' arguments, each with its default, in Keras's order.
pub mod regularizer {
    /// `L1(l1=0.01)`.
    pub const L1: &[(&str, f64)] = &[("l1", 0.01)];
    /// `L2(l2=0.01)`.
    pub const L2: &[(&str, f64)] = &[("l2", 0.01)];
    /// `L1L2(l1=0.0, l2=0.0)`.
    pub const L1L2: &[(&str, f64)] = &[("l1", 0.0), ("l2", 0.0)];
}

/// The constraints' arguments, each with its default, in Keras's order (the `axis` argument
/// left out: `nn` applies each constraint per unit, Keras's default axis for kernels).
pub mod constraint {
    /// `MaxNorm(max_value=2)`.
    pub const MAX_NORM: &[(&str, f64)] = &[("max_value", 2.0)];
    /// `NonNeg()`.
    pub const NON_NEG: &[(&str, f64)] = &[];
    /// `UnitNorm()`.
    pub const UNIT_NORM: &[(&str, f64)] = &[];
    /// `MinMaxNorm(min_value=0.0, max_value=1.0, rate=1.0)`.
    pub const MIN_MAX_NORM: &[(&str, f64)] =
        &[("min_value", 0.0), ("max_value", 1.0), ("rate", 1.0)];
}

/// What Keras builds a layer with when its `config.json` leaves a setting out.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Missing {
    /// This value.
    Value(Value),
    /// This number in every dimension of a window (Keras reads `1` as `(1, 1)`).
    Each(usize),
    /// The value of another setting of the layer: a pool's `strides` are its `pool_size`.
    Same(&'static str),
    /// Nothing: Keras cannot build the layer without it (`units`, `filters`, `rate`).
    Required,
}

const CONVOLUTIONS: &[&str] = &[CONV_1D, CONV_2D];
const POOLS: &[&str] = &[
    MAX_POOLING_1D,
    AVERAGE_POOLING_1D,
    MAX_POOLING_2D,
    AVERAGE_POOLING_2D,
];
const MAX_POOLS: &[&str] = &[MAX_POOLING_1D, MAX_POOLING_2D];
const AVERAGE_POOLS: &[&str] = &[AVERAGE_POOLING_1D, AVERAGE_POOLING_2D];
const GLOBAL_POOLS: &[&str] = &[
    GLOBAL_AVERAGE_POOLING_1D,
    GLOBAL_MAX_POOLING_1D,
    GLOBAL_AVERAGE_POOLING_2D,
    GLOBAL_MAX_POOLING_2D,
];
const WINDOWS: &[&str] = &[
    CONV_1D,
    CONV_2D,
    MAX_POOLING_1D,
    AVERAGE_POOLING_1D,
    MAX_POOLING_2D,
    AVERAGE_POOLING_2D,
];
const IMAGE_LAYERS: &[&str] = &[
    CONV_1D,
    CONV_2D,
    MAX_POOLING_1D,
    AVERAGE_POOLING_1D,
    MAX_POOLING_2D,
    AVERAGE_POOLING_2D,
    GLOBAL_AVERAGE_POOLING_1D,
    GLOBAL_MAX_POOLING_1D,
    GLOBAL_AVERAGE_POOLING_2D,
    GLOBAL_MAX_POOLING_2D,
    FLATTEN,
];
const WEIGHTED: &[&str] = &[DENSE, CONV_1D, CONV_2D];
const RECURRENT: &[&str] = &[LSTM, GRU, SIMPLE_RNN];
const GATED: &[&str] = &[LSTM, GRU];
const FALSE: Missing = Missing::Value(Value::Bool(false));

/// The settings `nn` compares, by the classes that have them: what Keras takes for each when a
/// file leaves it out (the signatures of Keras 3's layers).
const MISSING: &[(&[&str], &str, Missing)] = &[
    (&[DENSE], "units", Missing::Required),
    (WEIGHTED, "activation", Missing::Value(Value::Str("linear"))),
    (WEIGHTED, "use_bias", Missing::Value(Value::Bool(USE_BIAS))),
    (CONVOLUTIONS, "filters", Missing::Required),
    (CONVOLUTIONS, "kernel_size", Missing::Required),
    (CONVOLUTIONS, "strides", Missing::Each(1)),
    (CONVOLUTIONS, "dilation_rate", Missing::Each(1)),
    (CONVOLUTIONS, "groups", Missing::Value(Value::Size(1))),
    // `MaxPooling2D(pool_size=(2, 2))`, `MaxPooling1D(pool_size=2)`, but Keras 3's average pools
    // have no default (`AveragePooling2D(pool_size, ...)`; tf.keras 2's had `(2, 2)`, and writes
    // it); `strides=None` for all.
    (MAX_POOLS, "pool_size", Missing::Each(2)),
    (AVERAGE_POOLS, "pool_size", Missing::Required),
    (POOLS, "strides", Missing::Same("pool_size")),
    (
        WINDOWS,
        "padding",
        Missing::Value(Value::Str(PADDING.name())),
    ),
    // `data_format=None` is the backend's image data format, channels-last unless configured.
    (
        IMAGE_LAYERS,
        "data_format",
        Missing::Value(Value::Str("channels_last")),
    ),
    (GLOBAL_POOLS, "keepdims", FALSE),
    (&[DROPOUT], "rate", Missing::Required),
    (&[EMBEDDING], "input_dim", Missing::Required),
    (&[EMBEDDING], "output_dim", Missing::Required),
    (&[EMBEDDING], "mask_zero", FALSE),
    (
        &[BATCH_NORMALIZATION],
        "momentum",
        Missing::Value(Value::Float(batch_normalization::MOMENTUM)),
    ),
    (
        &[BATCH_NORMALIZATION],
        "epsilon",
        Missing::Value(Value::Float(batch_normalization::EPSILON)),
    ),
    (
        &[LAYER_NORMALIZATION],
        "axis",
        Missing::Value(Value::LastAxis),
    ),
    (
        &[LAYER_NORMALIZATION],
        "epsilon",
        Missing::Value(Value::Float(layer_normalization::EPSILON)),
    ),
    (
        &[LAYER_NORMALIZATION],
        "center",
        Missing::Value(Value::Bool(layer_normalization::CENTER)),
    ),
    (
        &[LAYER_NORMALIZATION],
        "scale",
        Missing::Value(Value::Bool(layer_normalization::SCALE)),
    ),
    (&[LAYER_NORMALIZATION], "rms_scaling", FALSE),
    (&[ACTIVATION_LAYER], "activation", Missing::Required),
    (
        &[LEAKY_RELU],
        "negative_slope",
        Missing::Value(Value::Float(leaky_relu::NEGATIVE_SLOPE)),
    ),
    (&[ELU], "alpha", Missing::Value(Value::Float(elu::ALPHA))),
    (RECURRENT, "units", Missing::Required),
    (RECURRENT, "activation", Missing::Value(Value::Str("tanh"))),
    (RECURRENT, "use_bias", Missing::Value(Value::Bool(USE_BIAS))),
    (RECURRENT, "return_sequences", FALSE),
    (RECURRENT, "return_state", FALSE),
    (RECURRENT, "go_backwards", FALSE),
    (RECURRENT, "stateful", FALSE),
    (RECURRENT, "dropout", Missing::Value(Value::Float(0.0))),
    (
        RECURRENT,
        "recurrent_dropout",
        Missing::Value(Value::Float(0.0)),
    ),
    (
        GATED,
        "recurrent_activation",
        Missing::Value(Value::Str("sigmoid")),
    ),
    (&[GRU], "reset_after", Missing::Value(Value::Bool(true))),
    (
        &[BIDIRECTIONAL],
        "merge_mode",
        Missing::Value(Value::Str("concat")),
    ),
    (&[BIDIRECTIONAL], "layer", Missing::Required),
];

/// What Keras builds a layer of class `class` with when its configuration leaves setting `key`
/// out, for every setting that `nn` compares with a file; `None` for any other.
///
/// ```
/// use nn_keras::config::Value;
/// use nn_keras::defaults::{Missing, missing};
///
/// assert_eq!(missing("Dense", "activation"), Some(Missing::Value(Value::Str("linear"))));
/// assert_eq!(missing("Conv2D", "strides"), Some(Missing::Each(1)));
/// assert_eq!(missing("MaxPooling2D", "strides"), Some(Missing::Same("pool_size")));
/// assert_eq!(missing("Dense", "units"), Some(Missing::Required));
/// assert_eq!(missing("Dense", "kernel_size"), None);
/// ```
pub const fn missing(class: &str, key: &str) -> Option<Missing> {
    let mut i = 0;
    while i < MISSING.len() {
        let (classes, name, missing) = MISSING[i];
        if same_str(name, key) {
            let mut j = 0;
            while j < classes.len() {
                if same_str(classes[j], class) {
                    return Some(missing);
                }
                j += 1;
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_default_padding_is_padding_default() {
        assert_eq!(super::PADDING, crate::Padding::default());
    }
}
