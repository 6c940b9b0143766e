//! `Input<H, W, C>`: declares the network's input, an image of `H × W × C` values, channels last
//! (Keras's default layout). It comes first and is not a layer: the first layer takes its input
//! from it.

use crate::ir::Size;
use crate::shared::args::{self, Opt, count};
use crate::shared::context::{Checked, Ctx};
use crate::shared::shape;

/// `Input` has no options.
pub(crate) const OPTIONS: &[Opt] = &[];

/// Rule: `Input` comes first and gives three sizes. Why: it declares what the first layer is
/// fed.
pub(crate) fn rule(ctx: &mut Ctx<'_>) -> Option<Checked> {
    let positional = args::split(ctx.decl, OPTIONS, ctx.errors).positional;
    if ctx.position > 1 {
        ctx.error(format!(
            "`{}` declares the network's input: it must come first",
            ctx.text
        ));
        return None;
    }
    let usage = "3 arguments, the image's height, width and channels (`Input<28, 28, 1>`)";
    if !shape::arity(ctx, positional.len(), 3..=3, usage) {
        return None;
    }
    let image = [
        count(positional[0], "height", ctx.errors)?,
        count(positional[1], "width", ctx.errors)?,
        count(positional[2], "number of channels", ctx.errors)?,
    ];
    let width = Size::Known(image.iter().product());
    Some(Checked {
        input: width.clone(),
        output: width,
        image: Some(image),
        flattened: None,
        keeps_origin: false,
        follows_input: false,
        layer: None,
    })
}
