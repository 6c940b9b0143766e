//! The names `network!` knows besides the layer kinds (activations, initializers,
//! regularizers, constraints), the "did you mean" suggestion for the ones it does not, and
//! Keras's snake case for default field names.

use nn_keras::defaults::{constraint, regularizer};

/// The built-in activations, with the largest number of arguments each takes.
pub(crate) const ACTIVATIONS: &[(&str, usize)] = &[
    ("Linear", 0),
    ("Relu", 0),
    ("Relu6", 0),
    ("LeakyRelu", 1),
    ("Elu", 1),
    ("Selu", 0),
    ("Gelu", 0),
    ("GeluApprox", 0),
    ("Sigmoid", 0),
    ("HardSigmoid", 0),
    ("Silu", 0),
    ("Swish", 0),
    ("HardSilu", 0),
    ("HardSwish", 0),
    ("Softplus", 0),
    ("Softsign", 0),
    ("Mish", 0),
    ("Tanh", 0),
    ("Exponential", 0),
    ("Softmax", 0),
    ("LogSoftmax", 0),
];

/// The initializers, with the argument counts each accepts (0 means Keras's defaults).
pub(crate) const INITIALIZERS: &[(&str, &[usize])] = &[
    ("GlorotUniform", &[0]),
    ("GlorotNormal", &[0]),
    ("HeNormal", &[0]),
    ("HeUniform", &[0]),
    ("LecunNormal", &[0]),
    ("LecunUniform", &[0]),
    ("RandomNormal", &[0, 2]),
    ("RandomUniform", &[0, 2]),
    ("TruncatedNormal", &[0, 2]),
    ("VarianceScaling", &[0, 3]),
    ("Orthogonal", &[0, 1]),
    ("Identity", &[0, 1]),
    ("Constant", &[1]),
    ("Zeros", &[0]),
    ("Ones", &[0]),
];

/// A regularizer or constraint: its name, the argument counts it accepts (all or none of them,
/// mostly), and its arguments with Keras's defaults.
pub(crate) struct Setting {
    pub(crate) name: &'static str,
    pub(crate) counts: &'static [usize],
    pub(crate) defaults: &'static [(&'static str, f64)],
}

/// The regularizers.
pub(crate) const REGULARIZERS: &[Setting] = &[
    Setting {
        name: "L1",
        counts: &[0, 1],
        defaults: regularizer::L1,
    },
    Setting {
        name: "L2",
        counts: &[0, 1],
        defaults: regularizer::L2,
    },
    Setting {
        name: "L1L2",
        counts: &[0, 2],
        defaults: regularizer::L1L2,
    },
];

/// The constraints.
pub(crate) const CONSTRAINTS: &[Setting] = &[
    Setting {
        name: "MaxNorm",
        counts: &[0, 1],
        defaults: constraint::MAX_NORM,
    },
    Setting {
        name: "NonNeg",
        counts: &[0],
        defaults: constraint::NON_NEG,
    },
    Setting {
        name: "UnitNorm",
        counts: &[0],
        defaults: constraint::UNIT_NORM,
    },
    Setting {
        name: "MinMaxNorm",
        counts: &[0, 2, 3],
        defaults: constraint::MIN_MAX_NORM,
    },
];

/// The `FanMode` names `VarianceScaling(scale, mode, distribution)` takes.
pub(crate) const FAN_MODES: &[&str] = &["FanIn", "FanOut", "FanAvg"];
/// The `Distribution` names `VarianceScaling(scale, mode, distribution)` takes.
pub(crate) const DISTRIBUTIONS: &[&str] = &["TruncatedNormal", "UntruncatedNormal", "Uniform"];

/// The known name closest to `name`, if it is close enough to be a likely typo (case, underscores
/// and small edits aside): `Rleu` → `Relu`, `leaky_relu` → `LeakyRelu`, `kernel_init` →
/// `kernel_initializer`.
pub(crate) fn closest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let normal = |s: &str| s.to_lowercase().replace('_', "");
    let wanted = normal(name);
    known
        .into_iter()
        .map(|k| {
            let candidate = normal(k);
            let distance = if candidate.starts_with(&wanted) && wanted.len() >= 4 {
                0
            } else {
                edit_distance(&wanted, &candidate)
            };
            (distance, k)
        })
        .filter(|&(d, k)| d <= 2.max(k.len() / 3))
        .min_by_key(|&(d, _)| d)
        .map(|(_, k)| k)
}

/// The optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two
/// neighbours each cost one.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for j in 0..=b.len() {
        d[0][j] = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

/// Keras's snake case of a class name (`BatchNormalization` → `batch_normalization`), the stem
/// of its layers' default names; `nn-keras` defines it for the file formats too.
pub(crate) use nn_keras::files::model::snake_case;

/// `"a, b, c"`.
pub(crate) fn list<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    names
        .into_iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_catch_typos_and_keras_spellings() {
        let activations = || ACTIVATIONS.iter().map(|a| a.0);
        assert_eq!(closest("Rleu", activations()), Some("Relu"));
        assert_eq!(closest("relu", activations()), Some("Relu"));
        assert_eq!(closest("leaky_relu", activations()), Some("LeakyRelu"));
        assert_eq!(closest("Sofmax", activations()), Some("Softmax"));
        assert_eq!(closest("MyActivation", activations()), None);
        assert_eq!(
            closest(
                "kernel_init",
                ["use_bias", "kernel_initializer", "kernel_constraint"]
            ),
            Some("kernel_initializer")
        );
        assert_eq!(closest("Desne", ["Dense", "Dropout"]), Some("Dense"));
    }

    #[test]
    fn snake_case_follows_keras() {
        assert_eq!(snake_case("Dense"), "dense");
        assert_eq!(snake_case("BatchNormalization"), "batch_normalization");
        assert_eq!(snake_case("Conv2D"), "conv2d");
        assert_eq!(snake_case("LeakyReLU"), "leaky_re_lu");
        assert_eq!(snake_case("ELU"), "elu");
        assert_eq!(snake_case("MaxPooling2D"), "max_pooling2d");
        assert_eq!(
            snake_case("GlobalAveragePooling2D"),
            "global_average_pooling2d"
        );
    }
}
