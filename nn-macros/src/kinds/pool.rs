//! `MaxPool2D<(PH, PW)>` and `AvgPool2D<(PH, PW)>` over images, `MaxPool1D<P>` and
//! `AvgPool1D<P>` over sequences: the largest or the mean value of each window, per channel;
//! strides default to the pool size (Keras's `strides=None`). Average pooling counts only the
//! values inside the input, as Keras does.

use nn_keras::defaults;

use crate::ir::{Build, Expr, Size, Type, TypeArg};
use crate::shared::args::{self, Fallback, Opt, count, pair};
use crate::shared::context::{Checked, Ctx, Def};
use crate::shared::shape;
use crate::shared::window::{PADDING, Window};

/// Keras's options of the pooling layers.
pub(crate) const OPTIONS: &[Opt] = &[
    Opt {
        name: "strides",
        default: Fallback::Computed("the pool size"),
    },
    PADDING,
];

/// `MaxPool2D`.
pub(crate) fn max(ctx: &mut Ctx<'_>) -> Option<Checked> {
    pool(ctx, "MaxPool2D")
}

/// `AvgPool2D`.
pub(crate) fn average(ctx: &mut Ctx<'_>) -> Option<Checked> {
    pool(ctx, "AvgPool2D")
}

/// `MaxPool1D`.
pub(crate) fn max_1d(ctx: &mut Ctx<'_>) -> Option<Checked> {
    pool_1d(ctx, "MaxPool1D")
}

/// `AvgPool1D`.
pub(crate) fn average_1d(ctx: &mut Ctx<'_>) -> Option<Checked> {
    pool_1d(ctx, "AvgPool1D")
}

/// Rule: a 1-D pool takes its size, follows a sequence, and leaves something of it. Why: it
/// reduces each window of steps to one value per feature.
fn pool_1d(ctx: &mut Ctx<'_>, core_type: &'static str) -> Option<Checked> {
    let args = args::split(ctx.decl, OPTIONS, ctx.errors);
    let usage = format!("1 argument, its pool size (`{}<2>`)", ctx.decl.kind);
    if !shape::arity(ctx, args.positional.len(), 1..=1, &usage) {
        return None;
    }
    let size = count(args.positional[0], "pool size", ctx.errors);
    let (mut strides, mut padding) = (None, defaults::PADDING);
    for (key, value) in &args.options {
        match key.to_string().as_str() {
            "strides" => strides = count(value, "stride", ctx.errors),
            "padding" => padding = args::padding(value, false, ctx.errors),
            _ => unreachable!("split keeps known options only"),
        }
    }
    let (input, sequence) = shape::incoming_sequence_or_error(ctx)?;
    let size = size?;
    let strides = strides.unwrap_or(size);
    let Some(window) = Window::sequence(sequence, size, strides, 1, padding) else {
        ctx.error(format!(
            "`{}` leaves nothing: its pool of {size} steps is longer than its input's {}; use a \
             smaller pool or `padding = Same`",
            ctx.text, sequence[0]
        ));
        return None;
    };
    let steps = window.output[0];
    let checked = pooled(input, window, steps * sequence[1], core_type);
    Some(Checked {
        sequence: Some([steps, sequence[1]]),
        ..checked
    })
}

/// The layer of a pool over `window`, `output` values a sample.
fn pooled(input: Size, window: Window, output: usize, core_type: &'static str) -> Checked {
    let output = Size::Known(output);
    let ty = Type {
        name: core_type,
        args: vec![TypeArg::Size(input.clone()), TypeArg::Size(output.clone())],
    };
    let new = Expr::Expect(
        Box::new(Expr::Construct("new", vec![window.expr()])),
        "network! computed these sizes",
    );
    let build = Build {
        constant: Expr::Construct("from_window", vec![window.expr()]),
        ..Build::constant(new)
    };
    Checked::layer(
        input,
        output,
        None,
        Def::new(ty, build).with(window.keras("pool_size")),
    )
}

/// Rule: a pool takes its size, follows an image, and leaves something of it. Why: it reduces
/// each window of the image to one value per channel.
fn pool(ctx: &mut Ctx<'_>, core_type: &'static str) -> Option<Checked> {
    let args = args::split(ctx.decl, OPTIONS, ctx.errors);
    let usage = format!("1 argument, its pool size (`{}<(2, 2)>`)", ctx.decl.kind);
    if !shape::arity(ctx, args.positional.len(), 1..=1, &usage) {
        return None;
    }
    let size = pair(args.positional[0], "pool size", ctx.errors);
    let (mut strides, mut padding) = (None, defaults::PADDING);
    for (key, value) in &args.options {
        match key.to_string().as_str() {
            "strides" => strides = pair(value, "strides", ctx.errors),
            "padding" => padding = args::padding(value, false, ctx.errors),
            _ => unreachable!("split keeps known options only"),
        }
    }
    let (input, image) = shape::incoming_image(ctx)?;
    let size = size?;
    let strides = strides.unwrap_or_else(|| defaults::pooling_2d::strides(size.into()).into());
    let Some(window) = Window::new(image, size, strides, padding) else {
        ctx.error(format!(
            "`{}` leaves nothing: its {} × {} pool is larger than its {} × {} input; use a smaller \
             pool or `padding = Same`",
            ctx.text, size[0], size[1], image[0], image[1]
        ));
        return None;
    };
    let [oh, ow] = window.output;
    Some(Checked {
        image: Some([oh, ow, image[2]]),
        ..pooled(input, window, oh * ow * image[2], core_type)
    })
}
