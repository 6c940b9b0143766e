//! Initializers: one of Keras's, by name, with its arguments.

use proc_macro2::Span;

use crate::ast::Value;
use crate::errors::Errors;
use crate::ir::{Expr, KerasValue, Path};
use crate::names;
use crate::shared::args;

/// The tensor an initializer fills.
#[derive(Clone, Copy)]
pub(crate) enum Tensor {
    /// A bias: 1-D.
    Bias,
    /// A kernel of `rank` dimensions; `layout` says so in words, for messages.
    Kernel { rank: usize, layout: &'static str },
}

impl Tensor {
    /// Keras's default initializer for it.
    fn default_name(self) -> &'static str {
        match self {
            Tensor::Bias => nn_keras::defaults::BIAS_INITIALIZER,
            Tensor::Kernel { .. } => nn_keras::defaults::KERNEL_INITIALIZER,
        }
    }
}

/// The initializer `name` as Keras's default for its tensor, named by the macro.
pub(crate) fn default(tensor: Tensor) -> Expr {
    Expr::Path(Path::core(&[tensor.default_name()], Span::call_site()))
}

/// Rule: an initializer is one of Keras's, with the arguments it takes, for a tensor of a rank
/// it can fill: `Identity` 2-D matrices only, `Orthogonal` 2 or more dimensions (not a bias). Why: Keras
/// rejects the others (and the runtime would panic in `seeded`).
pub(crate) fn initializer(value: &Value, tensor: Tensor, errors: &mut Errors) -> Expr {
    let known = || names::INITIALIZERS.iter().map(|i| i.0);
    let (name, args, span) = match value {
        Value::Path { path, args, span } if path.get_ident().is_some() => (
            path.get_ident().map(|i| i.to_string()).unwrap_or_default(),
            args,
            *span,
        ),
        _ => {
            errors.push(value.span().error(format!(
                "expected an initializer, such as `HeNormal`; the initializers are {}",
                names::list(known())
            )));
            return default(tensor);
        }
    };
    let Some((name, counts)) = names::INITIALIZERS.iter().find(|i| i.0 == name) else {
        let hint = match names::closest(&name, known()) {
            Some(best) => format!("did you mean `{best}`? The"),
            None => "the".to_string(),
        };
        errors.push(span.error(format!(
            "unknown initializer `{name}`: {hint} initializers are {}",
            names::list(known())
        )));
        return default(tensor);
    };
    match (tensor, *name) {
        (Tensor::Bias, "Identity" | "Orthogonal") => {
            errors.push(span.error(format!(
                "`{name}` initializes 2-D kernels only; a bias is 1-D (use it as `kernel_initializer`)"
            )));
            return default(tensor);
        }
        (Tensor::Kernel { rank, layout }, "Identity") if rank != 2 => {
            let instead = if rank > 2 {
                "such as `Orthogonal` (which flattens the tensor to a matrix, as Keras does)"
            } else {
                "such as `Zeros` or `Constant(value)`"
            };
            errors.push(span.error(format!(
                "`Identity` initializes 2-D matrices only, as in Keras, but {layout}; use another \
                 initializer, {instead}"
            )));
            return default(tensor);
        }
        (Tensor::Kernel { rank, layout }, "Orthogonal") if rank < 2 => {
            errors.push(span.error(format!(
                "`Orthogonal` initializes tensors of 2 or more dimensions, as in Keras, but \
                 {layout}; use another initializer, such as `Zeros` or `Constant(value)`"
            )));
            return default(tensor);
        }
        _ => {}
    }
    let args: &[Value] = args.as_deref().unwrap_or(&[]);
    if !counts.contains(&args.len()) {
        let usage = match *name {
            "Constant" => "`Constant(value)`",
            "RandomNormal" | "TruncatedNormal" => "no arguments or `(mean, stddev)`",
            "RandomUniform" => "no arguments or `(minval, maxval)`",
            "VarianceScaling" => {
                "no arguments or `(scale, FanIn|FanOut|FanAvg, TruncatedNormal|UntruncatedNormal|Uniform)`"
            }
            "Orthogonal" | "Identity" => "no arguments or `(gain)`",
            _ => "no arguments",
        };
        errors.push(span.error(format!(
            "`{name}` takes {usage}, but {} were given",
            args.len()
        )));
        return default(tensor);
    }
    let path = Path::core(&[name], span.start);
    if args.is_empty() {
        return Expr::Default(path);
    }
    let exprs: Vec<Expr> = if *name == "VarianceScaling" {
        vec![
            args::float(&args[0], errors),
            enum_arg(&args[1], "FanMode", names::FAN_MODES, errors),
            enum_arg(&args[2], "Distribution", names::DISTRIBUTIONS, errors),
        ]
    } else {
        args.iter().map(|a| args::float(a, errors)).collect()
    };
    Expr::Call(path.join("new"), exprs)
}

/// An initializer as Keras's `config.json` writes it: its type, whose `Initializer::NAME` is
/// Keras's name, and its arguments under Keras's names (`Constant(0.1)` is `constant` with
/// `value = 0.1`). `None` for an expression that is not a built-in initializer.
pub(crate) fn keras(initializer: &Expr) -> Option<KerasValue> {
    let (ty, values) = match initializer {
        Expr::Path(ty) | Expr::Default(ty) => (ty.clone(), &[][..]),
        Expr::Call(new, values) => {
            let mut ty = new.clone();
            ty.segments.pop();
            (ty, values.as_slice())
        }
        _ => return None,
    };
    let keys: &[&str] = match ty.segments.last()?.to_string().as_str() {
        "RandomNormal" | "TruncatedNormal" => &["mean", "stddev"],
        "RandomUniform" => &["minval", "maxval"],
        "VarianceScaling" => &["scale", "mode", "distribution"],
        "Orthogonal" | "Identity" => &["gain"],
        "Constant" => &["value"],
        _ => &[],
    };
    let args = keys
        .iter()
        .zip(values)
        .map(|(&key, value)| {
            let value = match value {
                // `init::FanMode::FanIn` is Keras's `"fan_in"`, `Distribution::Uniform` its
                // `"uniform"`.
                Expr::Path(path) => KerasValue::Text(crate::names::snake_case(
                    &path
                        .segments
                        .last()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                )),
                other => KerasValue::Float(other.clone()),
            };
            (key, value)
        })
        .collect();
    Some(KerasValue::Initializer { ty, args })
}

/// One of a fixed set of names, as the runtime's `init::Enum::Name`.
fn enum_arg(value: &Value, enum_name: &str, known: &[&str], errors: &mut Errors) -> Expr {
    let span = value.span().start;
    if let Value::Path {
        path, args: None, ..
    } = value
        && let Some(ident) = path.get_ident()
        && known.contains(&ident.to_string().as_str())
    {
        let mut path = Path::core(&["init", enum_name], span);
        path.segments.push(ident.clone());
        return Expr::Path(path);
    }
    errors.push(value.span().error(format!(
        "expected a {enum_name}: one of {}",
        names::list(known.iter().copied())
    )));
    Expr::Path(Path::core(&["init", enum_name, known[0]], span))
}
