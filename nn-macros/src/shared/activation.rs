//! Activations: a built-in one by name (with its arguments), or a type of the user's.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};

use crate::ast::Value;
use crate::errors::Errors;
use crate::ir::{Expr, KerasValue, Path, Root};
use crate::names;
use crate::shared::args;

/// An activation: its type and the expression that builds it.
pub(crate) struct Activation {
    pub(crate) ty: Path,
    pub(crate) value: Expr,
    /// Where the user named it, when it is a type of theirs (type errors are about it).
    pub(crate) user_span: Option<Span>,
}

impl Activation {
    /// The built-in activation `name` with its default settings, named by the macro.
    pub(crate) fn builtin(name: &str) -> Self {
        let ty = Path::core(&[name], Span::call_site());
        Self {
            value: Expr::Path(ty.clone()),
            ty,
            user_span: None,
        }
    }

    /// A built-in activation made with `new(args)`.
    pub(crate) fn builtin_new(name: &str, args: Vec<Expr>) -> Self {
        let ty = Path::core(&[name], Span::call_site());
        Self {
            value: Expr::Call(ty.clone().join("new"), args),
            ty,
            user_span: None,
        }
    }
}

impl Activation {
    /// The activation as a Keras setting: its Keras name (the type's `Activation::NAME`). A
    /// built-in one given arguments (`LeakyRelu(0.1)`), or the tanh approximation of GELU, has
    /// no Keras name (Keras's functions take their defaults in a model file): it is described by
    /// what was written, which no file matches and which saving refuses.
    pub(crate) fn keras(&self) -> KerasValue {
        let builtin = matches!(self.ty.root, Root::Core);
        let name = self
            .ty
            .segments
            .last()
            .map(ToString::to_string)
            .unwrap_or_default();
        match &self.value {
            Expr::Call(_, args) if builtin => {
                let args: Vec<String> = args
                    .iter()
                    .map(|a| match a {
                        Expr::Float(x) => x.to_string(),
                        Expr::AsF64(tokens) => tokens.to_string(),
                        _ => String::from(".."),
                    })
                    .collect();
                KerasValue::Text(format!("{name}({})", args.join(", ")))
            }
            _ if builtin && name == "GeluApprox" => KerasValue::Text(name),
            _ => KerasValue::Activation(self.ty.clone()),
        }
    }
}

/// Rule: an activation is a built-in one, or a type of the user's; a name close to a built-in
/// one is taken for a typo. Why: a misspelled activation should not turn into "cannot find
/// type".
pub(crate) fn activation(value: &Value, errors: &mut Errors) -> Activation {
    let linear = || Activation::builtin(nn_keras::defaults::ACTIVATION);
    let Value::Path { path, args, span } = value else {
        errors.push(value.span().error(format!(
            "expected an activation, such as `Relu`; the activations are {}",
            names::list(names::ACTIVATIONS.iter().map(|a| a.0))
        )));
        return linear();
    };
    let name = path.get_ident().map(|i| i.to_string());
    let builtin = name
        .as_deref()
        .and_then(|n| names::ACTIVATIONS.iter().find(|a| a.0 == n));
    let (ty, max_args, user_span) = match (builtin, name.as_deref()) {
        (Some((builtin, max_args)), _) => {
            (Path::core(&[builtin], span.start), Some(*max_args), None)
        }
        (None, Some(name)) => {
            if let Some(best) = names::closest(name, names::ACTIVATIONS.iter().map(|a| a.0)) {
                errors.push(span.error(format!(
                    "unknown activation `{name}`: did you mean `{best}`? The activations are {} \
                     (a type of your own that implements `nn::Activation` works too; name it by \
                     a path such as `self::{name}` if its name is this close to a built-in one)",
                    names::list(names::ACTIVATIONS.iter().map(|a| a.0))
                )));
                // Still reported at the name: it was not a built-in one.
                return Activation {
                    user_span: Some(span.start),
                    ..linear()
                };
            }
            (Path::user(path.to_token_stream()), None, Some(span.start))
        }
        (None, None) => (Path::user(path.to_token_stream()), None, Some(span.start)),
    };
    let value = match args {
        // A built-in one as a constant: its unit value, or its `DEFAULT` (Keras's arguments).
        None if max_args == Some(0) => Expr::Path(ty.clone()),
        None if max_args.is_some() => Expr::Path(ty.clone().join("DEFAULT")),
        None => Expr::Default(ty.clone()),
        Some(args) => {
            if let Some(max) = max_args
                && args.len() > max
            {
                errors.push(span.error(format!(
                    "`{}` takes {}",
                    name.unwrap_or_default(),
                    match max {
                        0 => "no arguments".to_string(),
                        _ => format!("at most {max} argument"),
                    }
                )));
                return linear();
            }
            let args: Vec<Expr> = if max_args.is_some() {
                args.iter().map(|a| args::float(a, errors)).collect()
            } else {
                args.iter().map(|a| Expr::User(user_tokens(a))).collect()
            };
            Expr::Call(ty.clone().join("new"), args)
        }
    };
    Activation {
        ty,
        value,
        user_span,
    }
}

/// A user activation's argument, as written.
fn user_tokens(value: &Value) -> TokenStream {
    match value {
        Value::Int(lit) => lit.to_token_stream(),
        Value::Float { minus, lit } => quote!(#minus #lit),
        Value::NegInt { minus, lit } => quote!(#minus #lit),
        Value::Bool(lit) => lit.to_token_stream(),
        Value::Infer(token) => token.to_token_stream(),
        Value::Path {
            path, args: None, ..
        } => path.to_token_stream(),
        Value::Path {
            path,
            args: Some(args),
            ..
        } => {
            let args = args.iter().map(user_tokens);
            quote!(#path(#(#args),*))
        }
        Value::Tuple { values, .. } => {
            let values = values.iter().map(user_tokens);
            quote!((#(#values),*))
        }
        Value::Layer(decl) => {
            let message = format!(
                "`{}` is a layer, not an argument of an activation",
                decl.text()
            );
            quote::quote_spanned!(decl.span.start=> ::core::compile_error!(#message))
        }
        Value::Branch { span, .. } => {
            let message = format!(
                "`{}` is a branch of layers, not an argument of an activation",
                value.text()
            );
            quote::quote_spanned!(span.start=> ::core::compile_error!(#message))
        }
    }
}
