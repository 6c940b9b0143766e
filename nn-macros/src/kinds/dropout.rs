//! `Dropout<RATE>`: inverted dropout, active only in training (the identity at inference); the
//! rate, a literal or a named constant, lies in [0, 1).

use proc_macro2::Span;
use quote::ToTokens;

use crate::ast::Value;
use crate::ir::{Assertion, Build, Expr, KerasValue, Path, Setting, Type};
use crate::shared::args::{self, Opt};
use crate::shared::context::{Checked, Ctx, Def};
use crate::shared::shape;

/// `Dropout` has no options.
pub(crate) const OPTIONS: &[Opt] = &[];

/// Rule: `Dropout` takes exactly its rate and does not come first. Why: its width is the
/// previous layer's.
pub(crate) fn rule(ctx: &mut Ctx<'_>) -> Option<Checked> {
    let positional = args::split(ctx.decl, OPTIONS, ctx.errors).positional;
    if !shape::arity(
        ctx,
        positional.len(),
        1..=1,
        "1 argument, its rate (`Dropout<0.5>`)",
    ) {
        return None;
    }
    let (width, image) = shape::preserved(ctx)?;
    let rate = rate(ctx, positional[0]);
    let keras = vec![Setting::new("rate", KerasValue::Float(rate.clone()))];
    let new = Expr::Call(
        Path::core(&["Dropout", "new_unchecked"], Span::call_site()),
        vec![rate],
    );
    let ty = Type {
        name: "Dropout",
        args: Vec::new(),
    };
    let build = Build::constant(new);
    let def = Def {
        identity_at_inference: true,
        ..Def::new(ty, build).with(keras).streams()
    };
    Some(Checked {
        keeps_origin: true,
        sequence: shape::incoming_sequence(ctx),
        ..Checked::layer(width.clone(), width, image, def)
    })
}

/// Rule: a dropout rate lies in [0, 1). Why: at 1 every value is dropped and the rescaling
/// divides by zero; below 0 it is not a probability.
fn rate(ctx: &mut Ctx<'_>, value: &Value) -> Expr {
    match value {
        Value::Path {
            path, args: None, ..
        } => {
            let message = format!(
                "`{}`: the dropout rate must lie in [0, 1) (0 keeps everything; 1 would drop \
                 everything)",
                ctx.text
            );
            ctx.assertions.push(Assertion::Probability {
                value: path.to_token_stream(),
                message,
                span: ctx.decl.span.start,
            });
            Expr::AsF64(path.to_token_stream())
        }
        _ => match args::number(value) {
            Some(rate) if (0.0..1.0).contains(&rate) => Expr::Float(rate),
            Some(_) => {
                ctx.errors.push(value.span().error(format!(
                    "dropout rate {} is outside [0, 1): it is the probability of dropping each \
                     value (0 keeps everything; 1 would drop everything)",
                    value.text()
                )));
                Expr::Float(0.0)
            }
            None => {
                ctx.errors.push(value.span().error(
                    "expected a dropout rate: a number in [0, 1) such as `0.5`, or a named \
                     constant",
                ));
                Expr::Float(0.0)
            }
        },
    }
}
