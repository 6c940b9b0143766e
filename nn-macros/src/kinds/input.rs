//! `Input<H, W, C>` / `Input<STEPS, FEATURES>` / `Input<N>`: declares the network's input, an
//! image of `H × W × C` values, a sequence of `STEPS` steps of `FEATURES` values, channels last
//! (Keras's default layout), or a vector of `N` values (`N` token ids before an `Embedding`).
//! It comes first and is not a layer: the first layer takes its input from it.

use crate::ir::Size;
use crate::shared::args::{self, Opt, count};
use crate::shared::context::{Checked, Ctx};
use crate::shared::shape;

/// `Input` has no options.
pub(crate) const OPTIONS: &[Opt] = &[];

/// Rule: `Input` comes first and gives three sizes (an image), two (a sequence) or one (a
/// vector). Why: it declares what the first layer is fed.
pub(crate) fn rule(ctx: &mut Ctx<'_>) -> Option<Checked> {
    let positional = args::split(ctx.decl, OPTIONS, ctx.errors).positional;
    if ctx.position > 1 {
        ctx.error(format!(
            "`{}` declares the network's input: it must come first",
            ctx.text
        ));
        return None;
    }
    let usage = "3 arguments, the image's height, width and channels (`Input<28, 28, 1>`), 2, \
                 a sequence's steps and features (`Input<28, 28>`), or 1, a vector's values \
                 (`Input<32>`)";
    if !shape::arity(ctx, positional.len(), 1..=3, usage) {
        return None;
    }
    let mut values = 0;
    let (image, sequence) = if positional.len() == 1 {
        values = count(positional[0], "number of values", ctx.errors)?;
        (None, None)
    } else if positional.len() == 3 {
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
    let width = match (&image, &sequence) {
        (Some(image), _) => image.iter().product(),
        (_, Some(sequence)) => sequence.iter().product(),
        _ => values,
    };
    let width = Size::Known(width);
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
