//! A declared network as Keras's `config.json` describes it: each layer's class and the settings
//! that decide what it computes. `network!` writes one [`ModelConfig`] per network as a
//! `const`; loading a Keras file compares the file's configuration with it, and saving writes it.
//!
//! ```
//! use nn_keras::config::{LayerConfig, ModelConfig, Setting, Value};
//!
//! const MLP: ModelConfig = ModelConfig {
//!     name: "Mlp",
//!     input: &[4],
//!     layers: &[LayerConfig {
//!         name: "dense",
//!         class: "Dense",
//!         input: &[4],
//!         output: &[2],
//!         inputs: &[],
//!         settings: &[
//!             Setting::checked("units", Value::Size(2)),
//!             Setting::checked("activation", Value::Str("relu")),
//!         ],
//!     }],
//! };
//! assert_eq!(MLP.layers[0].setting("units"), Some(Value::Size(2)));
//! assert_eq!(Value::Sizes(&[3, 3]).to_string(), "(3, 3)");
//! assert!(Value::Float(0.99).same(&Value::Float(0.99000001)));
//! assert!(Value::Str("silu").same(&Value::Str("swish")));
//! assert!(!Value::Sizes(&[3, 3]).same(&Value::Sizes(&[3, 1])));
//! ```

use core::fmt;

/// A setting's value as a declaration gives it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    /// A count: units, filters.
    Size(usize),
    /// A rate, an epsilon, a momentum, a slope.
    Float(f64),
    /// A flag: `use_bias`.
    Bool(bool),
    /// A name: an activation, a padding, a data format, an initializer.
    Str(&'static str),
    /// A window: `kernel_size`, `strides`, `pool_size`.
    Sizes(&'static [usize]),
    /// The last axis of the input, as a normalization's `axis` (Keras writes `[-1]`).
    LastAxis,
    /// A Keras object by its name and arguments: an initializer with its settings
    /// (`random_normal(mean = 0.0, stddev = 0.1)`).
    Call(&'static str, &'static [(&'static str, Value)]),
}

impl Value {
    /// Whether a file's value `found` is this declared one, as loading decides it: counts,
    /// flags and windows exactly, numbers to 1e-6 relative, names exactly except Keras's aliases
    /// (`swish` is `silu`). A `const fn`, so that a build-time check can be a constant.
    pub const fn same(&self, found: &Value) -> bool {
        match (*self, *found) {
            (Value::Size(a), Value::Size(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => {
                let (d, scale) = (a - b, if a < 0.0 { -a } else { a });
                let tolerance = 1e-6 * if scale > 1e-6 { scale } else { 1e-6 };
                d <= tolerance && -d <= tolerance
            }
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::LastAxis, Value::LastAxis) => true,
            (Value::Str(a), Value::Str(b)) => same_name(a, b),
            (Value::Call(a, args_a), Value::Call(b, args_b)) => {
                if !same_str(a, b) || args_a.len() != args_b.len() {
                    return false;
                }
                let mut i = 0;
                while i < args_a.len() {
                    if !same_str(args_a[i].0, args_b[i].0) || !args_a[i].1.same(&args_b[i].1) {
                        return false;
                    }
                    i += 1;
                }
                true
            }
            (Value::Sizes(a), Value::Sizes(b)) => {
                if a.len() != b.len() {
                    return false;
                }
                let mut i = 0;
                while i < a.len() {
                    if a[i] != b[i] {
                        return false;
                    }
                    i += 1;
                }
                true
            }
            _ => false,
        }
    }
}

/// Whether two names of a setting are the same, as [`Value::same`] compares them: exactly, except
/// Keras's aliases (`swish` is `silu`).
pub const fn same_name(a: &str, b: &str) -> bool {
    same_str(canonical(a), canonical(b))
}

/// Keras's name for an activation that has two (`swish` and `silu`); other names as they are.
pub(crate) const fn canonical(name: &str) -> &str {
    if same_str(name, "swish") {
        "silu"
    } else if same_str(name, "hard_swish") {
        "hard_silu"
    } else {
        name
    }
}

/// Whether two strings are equal, in a `const fn`.
pub(crate) const fn same_str(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Size(n) => write!(f, "{n}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::LastAxis => f.write_str("[-1]"),
            Value::Str(s) => write!(f, "\"{s}\""),
            Value::Call(name, args) => {
                write!(f, "{name}(")?;
                for (i, (key, value)) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{key} = {value}")?;
                }
                f.write_str(")")
            }
            Value::Sizes(sizes) => {
                f.write_str("(")?;
                for (i, n) in sizes.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{n}")?;
                }
                f.write_str(")")
            }
        }
    }
}

/// One entry of a layer's Keras configuration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Setting {
    /// Keras's key (`"units"`, `"kernel_size"`).
    pub key: &'static str,
    /// The declared value.
    pub value: Value,
    /// Whether loading compares it with the file's: settings that decide what the layer
    /// computes are checked; initializers, which only decide where training starts, are only
    /// written.
    pub checked: bool,
}

impl Setting {
    /// A setting that loading checks.
    pub const fn checked(key: &'static str, value: Value) -> Self {
        Self {
            key,
            value,
            checked: true,
        }
    }

    /// A setting that saving writes but loading does not compare.
    pub const fn written(key: &'static str, value: Value) -> Self {
        Self {
            key,
            value,
            checked: false,
        }
    }
}

/// One declared layer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LayerConfig {
    /// Its field name, which is also its Keras name when saved (`dense_1`).
    pub name: &'static str,
    /// Its Keras class (`Dense`).
    pub class: &'static str,
    /// The shape of one input sample (`[28, 28, 1]`, `[64]`).
    pub input: &'static [usize],
    /// The shape of one output sample.
    pub output: &'static [usize],
    /// The layers that feed it, by name: none for the first (the network's input), the one
    /// before it in a chain, and a block's two branches for a merge layer (`Add`), in order.
    pub inputs: &'static [&'static str],
    /// Its settings, in Keras's order.
    pub settings: &'static [Setting],
}

impl LayerConfig {
    /// The value of setting `key`, if the layer has it.
    pub fn setting(&self, key: &str) -> Option<Value> {
        self.settings.iter().find(|s| s.key == key).map(|s| s.value)
    }
}

/// A declared network: its name, the shape of one input sample and its layers in order.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ModelConfig {
    /// The struct's name.
    pub name: &'static str,
    /// The shape of one input sample.
    pub input: &'static [usize],
    /// Its layers, a block's flattened in place: its first branch's layers, its second's, then
    /// its merge layer (each names what feeds it in `inputs`).
    pub layers: &'static [LayerConfig],
}
