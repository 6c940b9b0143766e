//! Reading a layer's arguments: positional values, `key = value` options, and the values
//! themselves (booleans, numbers, sizes, pairs, padding).

use nn_keras::Padding;
use syn::Ident;

use crate::ast::{Arg, LayerDecl, SpanRange, Value};
use crate::errors::Errors;
use crate::ir::{Expr, Size};
use crate::names;

/// An option a kind accepts, and the value it has when not given.
pub(crate) struct Opt {
    pub(crate) name: &'static str,
    pub(crate) default: Fallback,
}

/// The value of an option that is not given.
pub(crate) enum Fallback {
    Bool(bool),
    Float(f64),
    /// A name: an activation, an initializer, a padding.
    Name(&'static str),
    /// A `(rows, columns)` pair.
    Pair((usize, usize)),
    /// A whole number.
    Count(usize),
    /// Something computed from the other arguments, as described.
    Computed(&'static str),
    /// None.
    Nothing,
}

impl core::fmt::Display for Fallback {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Fallback::Bool(value) => write!(f, "{value}"),
            Fallback::Float(value) => write!(f, "{value:?}"),
            Fallback::Name(name) => f.write_str(name),
            Fallback::Pair((a, b)) => write!(f, "({a}, {b})"),
            Fallback::Count(n) => write!(f, "{n}"),
            Fallback::Computed(what) => f.write_str(what),
            Fallback::Nothing => f.write_str("none"),
        }
    }
}

/// A layer's arguments, split.
pub(crate) struct Args<'a> {
    /// The positional values, in order.
    pub(crate) positional: Vec<&'a Value>,
    /// The known options given, in order, each once.
    pub(crate) options: Vec<(&'a Ident, &'a Value)>,
    /// The options the kind accepts.
    known: &'static [Opt],
}

/// Splits a layer's arguments into positional values and `key = value` options, reporting
/// unknown and repeated options and positional values after options.
pub(crate) fn split<'a>(
    decl: &'a LayerDecl,
    known: &'static [Opt],
    errors: &mut Errors,
) -> Args<'a> {
    let mut positional = Vec::new();
    let mut options: Vec<(&Ident, &Value)> = Vec::new();
    for arg in &decl.args {
        match arg {
            Arg::Positional(value) if options.is_empty() => positional.push(value),
            Arg::Positional(value) => errors.push(value.span().error(
                "positional arguments come before options: write sizes and the activation \
                 first, then `option = value`",
            )),
            Arg::Named { key, value } => {
                let name = key.to_string();
                if !known.iter().any(|opt| opt.name == name) {
                    unknown_option(decl, key, known, errors);
                } else if options.iter().any(|(k, _)| **k == name) {
                    errors.push(arg.span().error(format!("option `{name}` is given twice")));
                } else {
                    options.push((key, value));
                }
            }
        }
    }
    Args {
        positional,
        options,
        known,
    }
}

/// Rule: options are ones the layer has. Why: Keras rejects unknown keyword arguments too.
fn unknown_option(decl: &LayerDecl, key: &Ident, known: &[Opt], errors: &mut Errors) {
    let name = key.to_string();
    let names = || known.iter().map(|opt| opt.name);
    let message = if known.is_empty() {
        format!("unknown option `{name}`: `{}` takes no options", decl.kind)
    } else {
        let hint = match names::closest(&name, names()) {
            Some(best) => format!("did you mean `{best}`? Its"),
            None => "its".to_string(),
        };
        format!(
            "unknown option `{name}` for `{}`: {hint} options are {}",
            decl.kind,
            names::list(names())
        )
    };
    errors.push(SpanRange::single(key.span()).error(message));
}

impl Args<'_> {
    /// The value of option `name`, if given.
    fn option(&self, name: &str) -> Option<&Value> {
        self.options
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| *v)
    }

    /// The default of option `name`.
    fn default(&self, name: &str) -> &Fallback {
        let opt = self.known.iter().find(|opt| opt.name == name);
        &opt.expect("a kind reads only the options it declares")
            .default
    }

    /// A numeric option, as an `f64` expression: the value given or the default.
    pub(crate) fn float(&self, name: &str, errors: &mut Errors) -> Expr {
        match (self.option(name), self.default(name)) {
            (Some(value), _) => float(value, errors),
            (None, Fallback::Float(default)) => Expr::Float(*default),
            (None, _) => unreachable!("`{name}` has a numeric default"),
        }
    }

    /// A boolean option: the value given or the default.
    pub(crate) fn boolean(&self, name: &str, errors: &mut Errors) -> bool {
        match (self.option(name), self.default(name)) {
            (Some(value), _) => boolean(value, name, errors),
            (None, Fallback::Bool(default)) => *default,
            (None, _) => unreachable!("`{name}` has a boolean default"),
        }
    }
}

/// `true` or `false`.
pub(crate) fn boolean(value: &Value, option: &str, errors: &mut Errors) -> bool {
    match value {
        Value::Bool(lit) => lit.value,
        _ => {
            errors.push(
                value
                    .span()
                    .error(format!("`{option}` takes `true` or `false`")),
            );
            true
        }
    }
}

/// A numeric literal's value.
pub(crate) fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Int(lit) => lit.base10_parse::<f64>().ok(),
        Value::NegInt { lit, .. } => lit.base10_parse::<f64>().ok().map(|v| -v),
        Value::Float { minus, lit } => lit
            .base10_parse::<f64>()
            .ok()
            .map(|v| if minus.is_some() { -v } else { v }),
        _ => None,
    }
}

/// A numeric argument (a literal or a named constant), as an `f64` expression.
pub(crate) fn float(value: &Value, errors: &mut Errors) -> Expr {
    match value {
        Value::Path {
            path, args: None, ..
        } => Expr::AsF64(quote::ToTokens::to_token_stream(path)),
        _ => number(value).map_or_else(
            || {
                errors.push(value.span().error("expected a number"));
                Expr::Float(0.0)
            },
            Expr::Float,
        ),
    }
}

/// A size argument: a literal, a named constant, or `_` (`None`, to be inferred).
pub(crate) fn size(value: &Value, what: &str, errors: &mut Errors) -> Option<Size> {
    match value {
        Value::Int(lit) => match lit.base10_parse::<usize>() {
            Ok(v) => Some(Size::Known(v)),
            Err(e) => {
                errors.push(SpanRange::single(lit.span()).error(e));
                None
            }
        },
        Value::Infer(_) => None,
        Value::Path {
            path, args: None, ..
        } => Some(Size::Named {
            path: quote::ToTokens::to_token_stream(path),
            text: value.text(),
        }),
        _ => {
            errors.push(value.span().error(format!(
                "expected the {what}: a whole number such as `64`, a named constant such as \
                 `HIDDEN`, or `_` to take it from the previous layer"
            )));
            None
        }
    }
}

/// A whole number written as a literal, greater than zero (an image size, which the macro
/// computes with).
pub(crate) fn count(value: &Value, what: &str, errors: &mut Errors) -> Option<usize> {
    match value {
        Value::Int(lit) => match lit.base10_parse::<usize>() {
            Ok(0) => {
                errors.push(
                    value
                        .span()
                        .error(format!("the {what} is zero; expected at least 1")),
                );
                None
            }
            Ok(v) => Some(v),
            Err(e) => {
                errors.push(value.span().error(e));
                None
            }
        },
        _ => {
            errors.push(value.span().error(format!(
                "expected the {what} as a whole-number literal such as `3` (image sizes are computed \
                 by the macro, so they cannot be named constants)"
            )));
            None
        }
    }
}

/// `(a, b)`, or a single number for both.
pub(crate) fn pair(value: &Value, what: &str, errors: &mut Errors) -> Option<[usize; 2]> {
    match value {
        Value::Tuple { values, .. } if values.len() == 2 => Some([
            count(&values[0], what, errors)?,
            count(&values[1], what, errors)?,
        ]),
        Value::Int(_) => count(value, what, errors).map(|v| [v, v]),
        _ => {
            errors.push(value.span().error(format!(
                "expected the {what} as `(height, width)`, such as `(3, 3)`"
            )));
            None
        }
    }
}

/// `Valid`, `Same`, or with `causal` (1-D windows only) `Causal`.
pub(crate) fn padding(value: &Value, causal: bool, errors: &mut Errors) -> Padding {
    let name = match value {
        Value::Path {
            path, args: None, ..
        } => path.get_ident().map(ToString::to_string),
        _ => None,
    };
    match name.as_deref() {
        Some("Same") => Padding::Same,
        Some("Valid") => Padding::Valid,
        Some("Causal") if causal => Padding::Causal,
        Some("Causal") => {
            errors.push(value.span().error(
                "`padding = Causal` is for `Conv1D` only; this layer takes `Valid` (the \
                 default) or `Same`",
            ));
            Padding::default()
        }
        _ => {
            let expected = if causal {
                "`Valid` (the default), `Same` or `Causal`"
            } else {
                "`Valid` (the default) or `Same`"
            };
            errors.push(value.span().error(format!("`padding` takes {expected}")));
            Padding::default()
        }
    }
}
