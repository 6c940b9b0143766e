//! `Input<H, W, C>` / `Input<STEPS, FEATURES>`: declares the network's input, an image of
//! `H × W × C` values or a sequence of `STEPS` steps of `FEATURES` values, channels last (Keras's
//! default layout). It comes first and is not a layer: the first layer takes its input from it.

use crate::ir::Size;
use crate::shared::args::{self, Opt, count};
use crate::shared::context::{Checked, Ctx};
use crate::shared::shape;

/// `Input` has no options.
pub(crate) const OPTIONS: &[Opt] = &[];

/// Rule: `Input` comes first and gives three sizes (an image) or two (a sequence). Why: it
/// declares what the first layer is fed.
pub(crate) fn rule(ctx: &mut Ctx<'_>) -> Option<Checked> {
    let positional = args::split(ctx.decl, OPTIONS, ctx.errors).positional;
    if ctx.position > 1 {
        ctx.error(format!(
            "`{}` declares the network's input: it must come first",
            ctx.text
        ));
        return None;
    }
    let usage = "3 arguments, the image's height, width and channels (`Input<28, 28, 1>`), or 2, \
                 a sequence's steps and features (`Input<28, 28>`)";
    if !shape::arity(ctx, positional.len(), 2..=3, usage) {
        return None;
    }
    let (image, sequence) = if positional.len() == 3 {
        let image = [
            count(positional[0], "height", ctx.errors)?,
            count(positional[1], "width", ctx.errors)?,
            count(positional[2], "number of channels", ctx.errors)?,
        ];
        (Some(image), None)
    } else {
        let sequence = [
            count(positional[0], "number of steps", ctx.errors)?,
            count(positional[1], "number of features", ctx.errors)?,
        ];
        (None, Some(sequence))
    };
    let dims: &[usize] = match (&image, &sequence) {
        (Some(image), _) => image,
        (_, Some(sequence)) => sequence,
        _ => &[],
    };
    let width = Size::Known(dims.iter().product());
    Some(Checked {
        input: width.clone(),
        output: width,
        image,
        sequence,
        last_step: None,
        flattened: None,
        keeps_origin: false,
        follows_input: false,
        layer: None,
    })
}
