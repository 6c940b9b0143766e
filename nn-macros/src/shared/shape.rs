//! The shape rules several kinds share: a layer's input is what the layer before produces, a
//! size is not zero, image layers follow images, vector layers do not.

use crate::ir::{Assertion, Size};
use crate::shared::args;
use crate::shared::context::{Before, Ctx};

/// Rule: a layer has at least one unit. Why: a zero-width layer passes nothing on (Keras
/// rejects `units=0` too).
pub(crate) fn nonzero(ctx: &mut Ctx<'_>, size: &Size, what: &str) {
    let message = format!("`{}` has zero {what}: a layer needs at least one", ctx.text);
    match size {
        Size::Known(0) => ctx.error(message),
        Size::Known(_) => {}
        Size::Named { .. } => ctx.assertions.push(Assertion::NonZero {
            size: size.clone(),
            message,
            span: ctx.decl.span.start,
        }),
    }
}

/// Rule: a vector layer is not fed an image. Why: it would take the image's values in an order
/// the user did not choose; `Flatten` says so explicitly.
pub(crate) fn not_an_image(ctx: &mut Ctx<'_>) {
    if let Before::Known(previous) = ctx.before
        && let Some([h, w, c]) = previous.image
    {
        let (origin_text, origin_position) = &previous.origin;
        ctx.error(format!(
            "`{}` is fed an image ({h} × {w} × {c}) by `{origin_text}` (layer {origin_position}); \
             put `Flatten` (or `GlobalAvgPool2D`) before it",
            ctx.text
        ));
    }
}

/// Rule: a layer that does not know steps is not fed a sequence. Why: Keras would apply it to
/// every step (a Dense layer) or to the whole as one vector, and `nn` does not guess which;
/// `Flatten` or a recurrent layer without `return_sequences` say so explicitly.
pub(crate) fn not_a_sequence(ctx: &mut Ctx<'_>) {
    if let Before::Known(previous) = ctx.before
        && let Some([steps, features]) = previous.sequence
    {
        let (origin_text, origin_position) = &previous.origin;
        ctx.error(format!(
            "`{}` is fed a sequence ({steps} steps × {features} features) by `{origin_text}` \
             (layer {origin_position}); put `Flatten` before it, or end the sequence with a \
             recurrent layer that returns only its last step",
            ctx.text
        ));
    }
}

/// The sequence the layer before produces (steps, features), if it is one.
pub(crate) fn incoming_sequence(ctx: &Ctx<'_>) -> Option<[usize; 2]> {
    match ctx.before {
        Before::Known(previous) | Before::Unknown(Some(previous)) => previous.sequence,
        _ => None,
    }
}

/// Rule: a sequence layer follows a sequence. Why: it reads its input step by step. Returns the
/// sequence's width and shape, and `None` (reported, or after a mistake) when there is none.
pub(crate) fn incoming_sequence_or_error(ctx: &mut Ctx<'_>) -> Option<(Size, [usize; 2])> {
    match ctx.before {
        Before::Known(previous) => match (previous.sequence, previous.last_step) {
            (Some(sequence), _) => Some((previous.width.clone(), sequence)),
            (None, Some(units)) => {
                let (origin, position) = &previous.origin;
                ctx.error(format!(
                    "`{origin}` (layer {position}) returns only its last step ({units} values); \
                     `{}` after it needs a sequence: set `return_sequences = true`",
                    ctx.text
                ));
                None
            }
            (None, None) => {
                let (origin, position) = &previous.origin;
                let what = match previous.image {
                    Some([h, w, c]) => format!("an image ({h} × {w} × {c})"),
                    None => format!("a vector of {} values", previous.width.text()),
                };
                ctx.error(format!(
                    "`{}` needs a sequence, but `{origin}` (layer {position}) produces {what}",
                    ctx.text
                ));
                None
            }
        },
        Before::Start => {
            ctx.error(format!(
                "`{}` needs a sequence: declare it first, such as `Input<28, 28>` (steps, features)",
                ctx.text
            ));
            None
        }
        Before::Unknown(_) => None,
    }
}

/// Rule: a layer's input size equals the previous layer's output size. Why: that is the shape
/// the data has. Returns the width the layer is built with (always the previous output, so the
/// struct stays consistent even when the declaration is wrong).
pub(crate) fn connect(ctx: &mut Ctx<'_>, declared: Option<Size>) -> Size {
    let text = ctx.text;
    let previous = match ctx.before {
        Before::Start => return first_input(ctx, declared),
        // After a mistake the input is unknown: nothing to check it against.
        Before::Unknown(last) => {
            return last
                .map(|last| last.width.clone())
                .or(declared)
                .unwrap_or(Size::Known(1));
        }
        Before::Known(previous) => previous,
    };
    let found = previous.width.clone();
    let Some(declared) = declared else {
        return found;
    };
    let (origin_text, origin_position) = &previous.origin;
    let position = format!("layer {origin_position}");
    match (declared.value(), found.value()) {
        (Some(expected), Some(produced))
            if expected != produced
                && let Some([h, w, c]) = previous.flattened =>
        {
            ctx.error(format!(
                "Flatten produces {produced} values ({h} × {w} × {c}), but `{text}` expects {expected}"
            ));
        }
        (Some(expected), Some(produced)) if expected != produced => {
            ctx.error(format!(
                "`{text}` expects {expected} inputs, but `{origin_text}` ({position}) produces \
                 {produced}"
            ));
        }
        (Some(_), Some(_)) => {}
        _ if same_tokens(&declared, &found) => {}
        _ => {
            let describe = |size: &Size| match size {
                Size::Known(_) => String::new(),
                Size::Named { text, .. } => format!(" (`{text}`)"),
            };
            let message = [
                format!("`{text}` expects "),
                format!(
                    " inputs{}, but `{origin_text}` ({position}) produces ",
                    describe(&declared)
                ),
                describe(&found),
            ];
            ctx.assertions.push(Assertion::Equal {
                expected: declared,
                produced: found.clone(),
                message,
                span: ctx.decl.span.start,
                guard: Vec::new(),
                name: None,
            });
        }
    }
    found
}

/// Whether two sizes are written the same way (then they are equal whatever they are).
fn same_tokens(a: &Size, b: &Size) -> bool {
    match (a, b) {
        (Size::Named { path: a, .. }, Size::Named { path: b, .. }) => {
            a.to_string() == b.to_string()
        }
        _ => false,
    }
}

/// Rule: the first layer states its input size, and it is not zero. Why: nothing before it
/// could give it one.
fn first_input(ctx: &mut Ctx<'_>, declared: Option<Size>) -> Size {
    match declared {
        Some(size) => {
            if size.value() == Some(0) {
                ctx.error(format!(
                    "`{}` has zero inputs: a network needs at least one input value",
                    ctx.text
                ));
            }
            size
        }
        None => {
            ctx.error(format!(
                "`{}`: the first layer's input size cannot be inferred with `_`; write \
                 the number of input values",
                ctx.text
            ));
            Size::Known(1)
        }
    }
}

/// Rule: an image layer follows an image. Why: it slides a window over rows and columns.
/// Returns the image's width and shape, and `None` (reported, or after a mistake) when there is
/// none.
pub(crate) fn incoming_image(ctx: &mut Ctx<'_>) -> Option<(Size, [usize; 3])> {
    match ctx.before {
        Before::Known(previous) => match previous.image {
            Some(image) => Some((previous.width.clone(), image)),
            None => {
                let (origin, position) = &previous.origin;
                let what = match previous.sequence {
                    Some([steps, features]) => {
                        format!("a sequence ({steps} steps × {features} features)")
                    }
                    None => format!("a vector of {} values", previous.width.text()),
                };
                ctx.error(format!(
                    "`{}` needs an image, but `{origin}` (layer {position}) produces {what}",
                    ctx.text
                ));
                None
            }
        },
        Before::Start => {
            ctx.error(format!(
                "`{}` needs an image: declare it first, such as `Input<28, 28, 1>` (height, width, channels)",
                ctx.text
            ));
            None
        }
        Before::Unknown(_) => None,
    }
}

/// Rule: a shape-preserving layer does not come first. Why: its width comes from the layer
/// before it. Returns that width and image.
pub(crate) fn preserved(ctx: &mut Ctx<'_>) -> Option<(Size, Option<[usize; 3]>)> {
    match ctx.before {
        Before::Known(previous) | Before::Unknown(Some(previous)) => {
            Some((previous.width.clone(), previous.image))
        }
        Before::Unknown(None) => None,
        Before::Start => {
            ctx.error(format!(
                "a network cannot start with `{}`: its width comes from the layer before it; \
                 start with a layer that has an input size, such as `Dense<32, 64, Relu>`",
                ctx.decl.kind
            ));
            None
        }
    }
}

/// The channels a per-channel layer acts on: an image's last dimension, or every value of a
/// vector.
pub(crate) fn channels(width: &Size, image: Option<[usize; 3]>) -> Size {
    match image {
        Some([_, _, c]) => Size::Known(c),
        None => width.clone(),
    }
}

/// [`channels`], or a sequence's features.
pub(crate) fn channels_of(
    width: &Size,
    image: Option<[usize; 3]>,
    sequence: Option<[usize; 2]>,
) -> Size {
    match sequence {
        Some([_, features]) => Size::Known(features),
        None => channels(width, image),
    }
}

/// Rule: argument-less layers take no arguments. Why: they have nothing to set.
pub(crate) fn no_arguments(ctx: &mut Ctx<'_>) {
    let positional = args::split(ctx.decl, ctx.kind.options, ctx.errors).positional;
    if !positional.is_empty() {
        ctx.error(format!(
            "`{}` takes no arguments, but `{}` has {}",
            ctx.decl.kind,
            ctx.text,
            positional.len()
        ));
    }
}

/// Rule: option-only layers take no positional arguments. Why: all they have is named, as in
/// Keras. `examples` shows some of the options, in the message.
pub(crate) fn only_options(ctx: &mut Ctx<'_>, positional: usize, examples: Option<&str>) {
    if positional > 0 {
        let examples = examples.map_or_else(String::new, |e| format!(" ({e})"));
        let arguments = if positional == 1 {
            "a positional argument"
        } else {
            "positional arguments"
        };
        ctx.error(format!(
            "`{}` takes only options{examples}, but `{}` has {arguments}",
            ctx.decl.kind, ctx.text
        ));
    }
}

/// Rule: a layer has as many positional arguments as it takes. Why: each has its meaning, and
/// everything else is named, as in Keras. Reports `usage` (what it takes) otherwise.
pub(crate) fn arity(
    ctx: &mut Ctx<'_>,
    count: usize,
    range: core::ops::RangeInclusive<usize>,
    usage: &str,
) -> bool {
    if range.contains(&count) {
        return true;
    }
    ctx.error(format!(
        "`{}` takes {usage}, but `{}` has {count}",
        ctx.decl.kind, ctx.text
    ));
    false
}
