//! `GlobalMaxPool2D`: each channel of an image reduced to its largest value over all positions,
//! a vector of as many values as channels.

use crate::ir::Size;
use crate::shared::args::Opt;
use crate::shared::context::{Checked, Ctx, Def};
use crate::shared::shape;
use crate::shared::window::global_pool;

/// `GlobalMaxPool2D` has no options.
pub(crate) const OPTIONS: &[Opt] = &[];

/// Rule: `GlobalMaxPool2D` follows an image. Why: it takes each channel's maximum over its
/// positions.
pub(crate) fn rule(ctx: &mut Ctx<'_>) -> Option<Checked> {
    shape::no_arguments(ctx);
    let (input, [_, _, channels]) = shape::incoming_image(ctx)?;
    Some(Checked::layer(
        input,
        Size::Known(channels),
        None,
        Def::unit("GlobalMaxPool2D").with(global_pool()),
    ))
}
