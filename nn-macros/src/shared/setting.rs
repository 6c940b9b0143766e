//! Regularizers and constraints: one of Keras's, by name, with its arguments.

use crate::ast::Value;
use crate::errors::Errors;
use crate::ir::{Expr, Path};
use crate::names::{self, Setting};
use crate::shared::args;

/// Rule: a regularizer or constraint is one of Keras's, with the arguments it takes. Why: each
/// is a variant of a runtime enum (`enum_name`) with fixed fields. Keras's defaults fill in
/// omitted arguments; `what` names the family in messages.
pub(crate) fn setting(
    value: &Value,
    enum_name: &str,
    what: &str,
    known: &[Setting],
    errors: &mut Errors,
) -> Expr {
    let span = value.span().start;
    let none = || Expr::Path(Path::core(&[enum_name, "None"], span));
    let names = || known.iter().map(|k| k.name);
    let found = match value {
        Value::Path { path, args, span } => path.get_ident().map(|i| (i.to_string(), args, *span)),
        _ => None,
    };
    let Some((name, args, span)) = found else {
        errors.push(value.span().error(format!(
            "expected a {what}, one of {}",
            names::list(names())
        )));
        return none();
    };
    let Some(setting) = known.iter().find(|k| k.name == name) else {
        let hint = match names::closest(&name, names()) {
            Some(best) => format!("did you mean `{best}`? The"),
            None => "the".to_string(),
        };
        errors.push(span.error(format!(
            "unknown {what} `{name}`: {hint} {what}s are {}",
            names::list(names())
        )));
        return none();
    };
    let args: &[Value] = args.as_deref().unwrap_or(&[]);
    if !setting.counts.contains(&args.len()) {
        let counts: Vec<String> = setting.counts.iter().map(ToString::to_string).collect();
        errors.push(span.error(format!(
            "`{name}` takes {} arguments, but {} were given",
            counts.join(" or "),
            args.len()
        )));
        return none();
    }
    let mut variant = Path::core(&[enum_name], value.span().start);
    variant
        .segments
        .push(syn::Ident::new(setting.name, span.start));
    if setting.defaults.is_empty() {
        return Expr::Path(variant);
    }
    let values: Vec<Expr> = setting
        .defaults
        .iter()
        .enumerate()
        .map(|(i, (_, default))| match args.get(i) {
            Some(arg) => args::float(arg, errors),
            None => Expr::Float(*default),
        })
        .collect();
    Expr::Call(variant, values)
}
