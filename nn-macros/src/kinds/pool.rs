//! `MaxPool2D<(PH, PW)>` and `AvgPool2D<(PH, PW)>`: the largest or the mean value of each
//! window, per channel; strides default to the pool size (Keras's `strides=None`). Average
//! pooling counts only the values inside the image, as Keras does.

use nn_keras::defaults;

use crate::ir::{Build, Expr, Size, Type, TypeArg};
use crate::shared::args::{self, Fallback, Opt, pair};
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
            "padding" => padding = args::padding(value, ctx.errors),
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
    let output = Size::Known(oh * ow * image[2]);
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
    Some(Checked::layer(
        input,
        output,
        Some([oh, ow, image[2]]),
        Def::new(ty, build).with(window.keras("pool_size")),
    ))
}
