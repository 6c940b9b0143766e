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
    BIDIRECTIONAL, CONV_1D, CONV_2D, DENSE, DEPTHWISE_CONV_1D, DEPTHWISE_CONV_2D, DROPOUT, ELU,
    EMBEDDING, FLATTEN, GLOBAL_AVERAGE_POOLING_1D, GLOBAL_AVERAGE_POOLING_2D,
    GLOBAL_MAX_POOLING_1D, GLOBAL_MAX_POOLING_2D, GRU, LAYER_NORMALIZATION, LEAKY_RELU, LSTM,
    MAX_POOLING_1D, MAX_POOLING_2D, SEPARABLE_CONV_1D, SEPARABLE_CONV_2D, SIMPLE_RNN,
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

/// `DepthwiseConv2D`'s and `SeparableConv2D`'s defaults (their strides are `Conv2D`'s); the 1-D
/// forms' are the first number of each.
pub mod depthwise_conv_2d {
    /// One kernel per input channel.
    pub const DEPTH_MULTIPLIER: usize = 1;
    /// Adjacent taps.
    pub const DILATION_RATE: (usize, usize) = (1, 1);
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
const DEPTHWISE: &[&str] = &[
    DEPTHWISE_CONV_1D,
    DEPTHWISE_CONV_2D,
    SEPARABLE_CONV_1D,
    SEPARABLE_CONV_2D,
];
const WINDOWS: &[&str] = &[
    CONV_1D,
    CONV_2D,
    DEPTHWISE_CONV_1D,
    DEPTHWISE_CONV_2D,
    SEPARABLE_CONV_1D,
    SEPARABLE_CONV_2D,
    MAX_POOLING_1D,
    AVERAGE_POOLING_1D,
    MAX_POOLING_2D,
    AVERAGE_POOLING_2D,
];
const IMAGE_LAYERS: &[&str] = &[
    CONV_1D,
    CONV_2D,
    DEPTHWISE_CONV_1D,
    DEPTHWISE_CONV_2D,
    SEPARABLE_CONV_1D,
    SEPARABLE_CONV_2D,
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
const WEIGHTED: &[&str] = &[
    DENSE,
    CONV_1D,
    CONV_2D,
    DEPTHWISE_CONV_1D,
    DEPTHWISE_CONV_2D,
    SEPARABLE_CONV_1D,
    SEPARABLE_CONV_2D,
];
const RECURRENT: &[&str] = &[LSTM, GRU, SIMPLE_RNN];
const GATED: &[&str] = &[LSTM, GRU];
const FALSE: Missing = Missing::Value(Value::Bool(false));

/// The settings `nn` compares, by the classes that have them: what Keras takes for each when a
/// file leaves it out. Checked against Keras 3 by a test, with what `tools/keras_defaults.py`
/// recorded of Keras building each class from a configuration without the setting
/// (`tests/fixtures/keras/defaults.json`).
const MISSING: &[(&[&str], &str, Missing)] = &[
    (&[DENSE], "units", Missing::Required),
    (WEIGHTED, "activation", Missing::Value(Value::Str("linear"))),
    (WEIGHTED, "use_bias", Missing::Value(Value::Bool(USE_BIAS))),
    (CONVOLUTIONS, "filters", Missing::Required),
    (CONVOLUTIONS, "kernel_size", Missing::Required),
    (CONVOLUTIONS, "strides", Missing::Each(1)),
    (CONVOLUTIONS, "dilation_rate", Missing::Each(1)),
    (CONVOLUTIONS, "groups", Missing::Value(Value::Size(1))),
    (
        &[SEPARABLE_CONV_1D, SEPARABLE_CONV_2D],
        "filters",
        Missing::Required,
    ),
    (DEPTHWISE, "kernel_size", Missing::Required),
    (DEPTHWISE, "strides", Missing::Each(1)),
    (DEPTHWISE, "dilation_rate", Missing::Each(1)),
    (
        DEPTHWISE,
        "depth_multiplier",
        Missing::Value(Value::Size(depthwise_conv_2d::DEPTH_MULTIPLIER)),
    ),
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
    extern crate std;

    use super::{MISSING, Missing, missing};
    use crate::config::Value;
    use serde_json::{Map, Value as Json};
    use std::boxed::Box;
    use std::string::{String, ToString};
    use std::vec::Vec;
    use std::{format, vec};

    #[test]
    fn the_default_padding_is_padding_default() {
        assert_eq!(super::PADDING, crate::Padding::default());
    }

    /// What `tools/keras_defaults.py` recorded of Keras: per class, the configuration of a layer
    /// built with its required arguments, and per key what Keras builds it with from that
    /// configuration without the key.
    const KERAS: &str = include_str!("../../tests/fixtures/keras/defaults.json");

    fn keras() -> Json {
        serde_json::from_str(KERAS).expect("the fixture is JSON")
    }

    /// A value of Keras's configuration as a declaration would give it (`None` for what no
    /// declaration gives: `null`, an object other than a named one). Leaked: a test's few bytes.
    fn value(json: &Json) -> Option<Value> {
        let leak = |s: &str| -> &'static str { Box::leak(s.to_string().into_boxed_str()) };
        Some(match json {
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) if n.is_u64() => Value::Size(usize::try_from(n.as_u64()?).ok()?),
            Json::Number(n) if n.as_i64() == Some(-1) => Value::LastAxis,
            Json::Number(n) => Value::Float(n.as_f64()?),
            Json::String(s) => Value::Str(leak(s)),
            Json::Array(items) if items.len() == 1 && items[0].as_i64() == Some(-1) => {
                Value::LastAxis
            }
            Json::Array(items) => {
                let sizes = items
                    .iter()
                    .map(|i| usize::try_from(i.as_u64()?).ok())
                    .collect::<Option<Vec<usize>>>()?;
                Value::Sizes(Box::leak(sizes.into_boxed_slice()))
            }
            Json::Object(map) => Value::Str(leak(map.get("class_name")?.as_str()?)),
            Json::Null => return None,
        })
    }

    /// What loading takes for a setting the configuration `config` of a class leaves out, from
    /// `missing`: a value, or `None` where it refuses the file.
    fn ours(missing: Missing, key: &str, config: &Map<String, Json>) -> Option<Value> {
        match missing {
            Missing::Value(value) => Some(value),
            // As many dimensions as the layer's window has.
            Missing::Each(n) => {
                let dimensions = config.get(key).and_then(Json::as_array).map_or(1, Vec::len);
                Some(Value::Sizes(Box::leak(
                    vec![n; dimensions].into_boxed_slice(),
                )))
            }
            Missing::Same(other) => value(&config[other]),
            Missing::Required => None,
        }
    }

    fn show(value: Option<Value>) -> String {
        value.map_or_else(|| String::from("required"), |v| v.to_string())
    }

    #[test]
    fn keras_builds_a_layer_without_a_setting_as_missing_says() {
        let keras = keras();
        let version = keras["keras"]
            .as_str()
            .expect("the fixture names Keras's version");
        let mut wrong = Vec::new();
        let mut compared = 0;
        for (class, recorded) in keras["classes"].as_object().expect("classes") {
            let config = recorded["config"].as_object().expect("a configuration");
            for (key, answer) in recorded["missing"].as_object().expect("missing") {
                let Some(missing) = missing(class, key) else {
                    continue; // a setting `nn` does not compare
                };
                compared += 1;
                let theirs = match (answer.get("value"), answer.get("required")) {
                    (Some(found), None) => Some(value(found).unwrap_or_else(|| {
                        panic!("{class}'s `{key}`: Keras's {found} is no declared value")
                    })),
                    (None, Some(_)) => None,
                    _ => panic!("{class}'s `{key}`: the fixture says neither value nor required"),
                };
                let ours = ours(missing, key, config);
                let agree = match (ours, theirs) {
                    (Some(a), Some(b)) => a.same(&b),
                    (a, b) => a.is_none() && b.is_none(),
                };
                if !agree {
                    wrong.push(format!(
                        "{class}'s `{key}`: ours {}, Keras {version}'s {}{}",
                        show(ours),
                        show(theirs),
                        answer["required"]
                            .as_str()
                            .map_or_else(String::new, |why| format!(" ({why})")),
                    ));
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "what a file that leaves a setting out loads as differs from what Keras builds:\n{}",
            wrong.join("\n")
        );
        assert!(
            compared >= MISSING.len(),
            "only {compared} settings compared"
        );
    }

    #[test]
    fn every_default_in_the_table_is_checked_against_keras() {
        let keras = keras();
        let classes = &keras["classes"];
        let (mut unchecked, mut twice, mut seen) = (Vec::new(), Vec::new(), Vec::new());
        for &(names, key, _) in MISSING {
            for &class in names {
                if classes[class]["missing"].get(key).is_none() {
                    unchecked.push(format!("{class}'s `{key}`"));
                }
                // `missing` reads the first row for a setting: a second would be dead.
                if seen.contains(&(class, key)) {
                    twice.push(format!("{class}'s `{key}`"));
                }
                seen.push((class, key));
            }
        }
        assert!(
            unchecked.is_empty() && twice.is_empty(),
            "not in tests/fixtures/keras/defaults.json (a class or key that Keras does not \
             have, or a fixture to write again with tools/keras_defaults.py): {:?}; in two rows \
             of MISSING: {:?}",
            unchecked,
            twice
        );
    }
}
