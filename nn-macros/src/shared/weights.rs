//! The options of layers with weights (`Dense`, `Conv2D`), with Keras's defaults, and how such
//! a layer is built from them.

use nn_keras::defaults;
use syn::Ident;

use crate::ast::Value;
use crate::errors::Errors;
use crate::ir::{Build, Expr, KerasValue, Param, Setting, Size};
use crate::names;
use crate::shared::activation::{Activation, activation};
use crate::shared::args::{Fallback, Opt, boolean};
use crate::shared::initializer::{Tensor, initializer};
use crate::shared::setting::setting;

/// `activation`: also the optional positional argument after the sizes.
pub(crate) const ACTIVATION: Opt = Opt {
    name: "activation",
    default: Fallback::Name(defaults::ACTIVATION),
};
/// `use_bias`.
pub(crate) const USE_BIAS: Opt = Opt {
    name: "use_bias",
    default: Fallback::Bool(defaults::USE_BIAS),
};
/// `kernel_initializer`.
pub(crate) const KERNEL_INITIALIZER: Opt = Opt {
    name: "kernel_initializer",
    default: Fallback::Name(defaults::KERNEL_INITIALIZER),
};
/// `bias_initializer`.
pub(crate) const BIAS_INITIALIZER: Opt = Opt {
    name: "bias_initializer",
    default: Fallback::Name(defaults::BIAS_INITIALIZER),
};
/// `trainable`.
pub(crate) const TRAINABLE: Opt = Opt {
    name: "trainable",
    default: Fallback::Bool(defaults::TRAINABLE),
};
/// The regularizers and constraints, none by default.
pub(crate) const KERNEL_REGULARIZER: Opt = nothing("kernel_regularizer");
pub(crate) const BIAS_REGULARIZER: Opt = nothing("bias_regularizer");
pub(crate) const ACTIVITY_REGULARIZER: Opt = nothing("activity_regularizer");
pub(crate) const KERNEL_CONSTRAINT: Opt = nothing("kernel_constraint");
pub(crate) const BIAS_CONSTRAINT: Opt = nothing("bias_constraint");
/// A depthwise kernel's options (`DepthwiseConv2D`'s): the kernel's under Keras's names.
pub(crate) const DEPTHWISE_INITIALIZER: Opt = Opt {
    name: "depthwise_initializer",
    default: Fallback::Name(defaults::KERNEL_INITIALIZER),
};
pub(crate) const DEPTHWISE_REGULARIZER: Opt = nothing("depthwise_regularizer");
pub(crate) const DEPTHWISE_CONSTRAINT: Opt = nothing("depthwise_constraint");
/// A pointwise kernel's options (`SeparableConv2D`'s second kernel).
pub(crate) const POINTWISE_INITIALIZER: Opt = Opt {
    name: "pointwise_initializer",
    default: Fallback::Name(defaults::KERNEL_INITIALIZER),
};
pub(crate) const POINTWISE_REGULARIZER: Opt = nothing("pointwise_regularizer");
pub(crate) const POINTWISE_CONSTRAINT: Opt = nothing("pointwise_constraint");

/// An option that is unset by default.
const fn nothing(name: &'static str) -> Opt {
    Opt {
        name,
        default: Fallback::Nothing,
    }
}

/// The options a layer with weights has, read in the user's order.
pub(crate) struct Weights<'a> {
    /// The activation, as the third argument or `activation = ...`.
    activation: Option<&'a Value>,
    /// The kernel, for the initializer's rule.
    kernel: Tensor,
    pub(crate) use_bias: bool,
    kernel_initializer: Expr,
    bias_initializer: Expr,
    /// Options that become field values as given: `trainable`, the regularizers, the
    /// constraints.
    fields: Vec<(Ident, Expr)>,
    /// What Keras calls the kernel: `kernel` (its options `kernel_initializer`, ...), or
    /// `depthwise` (its tensor `depthwise_kernel`, its options `depthwise_initializer`, ...).
    prefix: &'static str,
    /// The bias's length, when it is not the kernel's last dimension.
    bias_len: Option<Size>,
    /// A second kernel after the first, a pointwise one (`SeparableConv2D`'s): the tensor (for
    /// the initializer's rule), its initializer and its Keras shape.
    pointwise: Option<(Tensor, Expr, Vec<Size>)>,
}

impl<'a> Weights<'a> {
    /// Keras's defaults, with the activation given as an argument, if any.
    pub(crate) fn new(activation: Option<&'a Value>, kernel: Tensor) -> Self {
        Self {
            activation,
            kernel,
            use_bias: defaults::USE_BIAS,
            kernel_initializer: crate::shared::initializer::default(kernel),
            bias_initializer: crate::shared::initializer::default(Tensor::Bias),
            fields: Vec::new(),
            prefix: "kernel",
            bias_len: None,
            pointwise: None,
        }
    }

    /// A depthwise kernel ([`depthwise`](Self::depthwise)) and then a pointwise one, with its
    /// options `pointwise_initializer`, `pointwise_regularizer`, `pointwise_constraint` and its
    /// tensor `pointwise_kernel` of Keras shape `shape` (set by
    /// [`pointwise_shape`](Self::pointwise_shape)), described to the initializer's rule as
    /// `tensor`.
    pub(crate) fn separable(self, tensor: Tensor) -> Self {
        let initializer = crate::shared::initializer::default(tensor);
        Self {
            pointwise: Some((tensor, initializer, Vec::new())),
            ..self.depthwise()
        }
    }

    /// The pointwise kernel's Keras shape.
    pub(crate) fn pointwise_shape(mut self, shape: Vec<usize>) -> Self {
        if let Some((_, _, known)) = &mut self.pointwise {
            *known = shape.into_iter().map(Size::Known).collect();
        }
        self
    }

    /// A depthwise kernel's options (`depthwise_initializer`, `depthwise_regularizer`,
    /// `depthwise_constraint`, the tensor `depthwise_kernel`), the layer's fields its own (no
    /// `weights` part).
    pub(crate) fn depthwise(mut self) -> Self {
        self.prefix = "depthwise";
        self
    }

    /// A bias of `len` values (not the kernel's last dimension).
    pub(crate) fn bias_len(mut self, len: usize) -> Self {
        self.bias_len = Some(Size::Known(len));
        self
    }

    /// Takes `key = value` if it is one of these options (reporting a bad value to `errors`);
    /// returns whether it was.
    pub(crate) fn take(&mut self, key: &Ident, value: &'a Value, errors: &mut Errors) -> bool {
        // The kernel's options under this layer's names: `depthwise_initializer` is read as
        // `kernel_initializer`.
        let key_text = key.to_string();
        if let (Some(rest), Some((tensor, init, _))) =
            (key_text.strip_prefix("pointwise_"), &mut self.pointwise)
        {
            match rest {
                "initializer" => *init = initializer(value, *tensor, errors),
                "regularizer" | "constraint" => {
                    let (ty, what, names) = if rest == "regularizer" {
                        ("Regularizer", "regularizer", names::REGULARIZERS)
                    } else {
                        ("Constraint", "constraint", names::CONSTRAINTS)
                    };
                    let value = setting(value, ty, what, names, errors);
                    self.fields.push((key.clone(), value));
                }
                _ => return false,
            }
            return true;
        }
        let option = match key_text.strip_prefix(self.prefix) {
            Some(rest) if rest.starts_with('_') => format!("kernel{rest}"),
            _ if key_text.starts_with("kernel_") => return false,
            _ => key_text,
        };
        match option.as_str() {
            "activation" if self.activation.is_some() => errors.push(value.span().error(
                "the activation is given twice: as the third argument and as `activation = ...`",
            )),
            "activation" => self.activation = Some(value),
            "use_bias" => self.use_bias = boolean(value, "use_bias", errors),
            "kernel_initializer" => {
                self.kernel_initializer = initializer(value, self.kernel, errors);
            }
            "bias_initializer" => self.bias_initializer = initializer(value, Tensor::Bias, errors),
            "trainable" => {
                let value = boolean(value, "trainable", errors);
                self.fields.push((key.clone(), Expr::Bool(value)));
            }
            "kernel_regularizer" | "bias_regularizer" | "activity_regularizer" => {
                let regularizer = setting(
                    value,
                    "Regularizer",
                    "regularizer",
                    names::REGULARIZERS,
                    errors,
                );
                self.fields.push((key.clone(), regularizer));
            }
            "kernel_constraint" | "bias_constraint" => {
                let constraint = setting(
                    value,
                    "Constraint",
                    "constraint",
                    names::CONSTRAINTS,
                    errors,
                );
                self.fields.push((key.clone(), constraint));
            }
            _ => return false,
        }
        true
    }

    /// The initializers and `trainable` as Keras's settings (written to files, not compared on
    /// loading).
    pub(crate) fn initializer_settings(&self) -> Vec<Setting> {
        let trainable = self.fields.iter().find_map(|(key, value)| match value {
            Expr::Bool(b) if key == "trainable" => Some(*b),
            _ => None,
        });
        let kernel_initializer = if self.prefix == "kernel" {
            "kernel_initializer"
        } else {
            "depthwise_initializer"
        };
        let pointwise = self
            .pointwise
            .as_ref()
            .map(|(_, init, _)| ("pointwise_initializer", init));
        [
            Some((kernel_initializer, &self.kernel_initializer)),
            pointwise,
            Some(("bias_initializer", &self.bias_initializer)),
        ]
        .into_iter()
        .flatten()
        .filter_map(|(key, init)| {
            Some(Setting::written(
                key,
                crate::shared::initializer::keras(init)?,
            ))
        })
        .chain(trainable.map(|b| Setting::written("trainable", KerasValue::Bool(b))))
        .collect()
    }

    /// The activation: the one given, or Keras's default (linear).
    pub(crate) fn activation(&self, errors: &mut Errors) -> Activation {
        match self.activation {
            Some(value) => activation(value, errors),
            None => Activation::builtin(defaults::ACTIVATION),
        }
    }

    /// How the layer is built: `zeros(leading.., activation)` and
    /// `init(leading.., activation, &kernel_initializer, &bias_initializer, rng)`, each
    /// `.expect`ed when `fallible` (the constructor checks sizes the macro computed), then the
    /// fields given.
    pub(crate) fn build(
        self,
        leading: Vec<Expr>,
        activation: Expr,
        fallible: bool,
        kernel_shape: Vec<Size>,
    ) -> Build {
        let wrap = |expr: Expr| {
            if fallible {
                Expr::Expect(Box::new(expr), "network! computed these sizes")
            } else {
                expr
            }
        };
        let units = (self.bias_len.clone())
            .unwrap_or_else(|| kernel_shape.last().cloned().unwrap_or(Size::Known(1)));
        let (name, fields_in): (_, &'static [&'static str]) = if self.prefix == "kernel" {
            ("kernel", &["weights"])
        } else {
            ("depthwise_kernel", &[])
        };
        let mut tensors = vec![Param {
            name: name.into(),
            shape: kernel_shape,
        }];
        let mut constant = leading.clone();
        constant.push(Expr::Tensor(0));
        let mut zeros = leading;
        zeros.push(activation.clone());
        let mut init = zeros.clone();
        init.push(Expr::Ref(Box::new(self.kernel_initializer)));
        if let Some((_, initializer, shape)) = self.pointwise {
            tensors.push(Param {
                name: "pointwise_kernel".into(),
                shape,
            });
            constant.push(Expr::Tensor(1));
            init.push(Expr::Ref(Box::new(initializer)));
        }
        constant.push(if self.use_bias {
            let index = tensors.len();
            tensors.push(Param {
                name: "bias".into(),
                shape: vec![units],
            });
            Expr::Tensor(index)
        } else {
            Expr::Zeros
        });
        constant.push(activation);
        init.extend([Expr::Ref(Box::new(self.bias_initializer)), Expr::Rng]);
        Build {
            zeros: wrap(Expr::Construct("zeros", zeros)),
            init: wrap(Expr::Construct("init", init)),
            constant: Expr::Construct("from_arrays", constant),
            fields: self.fields,
            fields_in,
            tensors,
        }
    }
}
