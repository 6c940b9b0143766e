//! `Flatten`: an image as the vector of its values, in Keras's order (row, column, channel); the
//! identity on the data, which it only renames.

use crate::shared::args::Opt;
use crate::shared::context::{Checked, Ctx, Def};
use crate::shared::shape;
use crate::shared::window::channels_last;

/// `Flatten` has no options.
pub(crate) const OPTIONS: &[Opt] = &[];

/// Rule: `Flatten` follows an image. Why: a vector is flat already.
pub(crate) fn rule(ctx: &mut Ctx<'_>) -> Option<Checked> {
    shape::no_arguments(ctx);
    let (width, image) = shape::incoming_image(ctx)?;
    let def = Def {
        identity_at_inference: true,
        ..Def::unit("Flatten").with(vec![channels_last()])
    };
    Some(Checked {
        flattened: Some(image),
        ..Checked::layer(width.clone(), width, None, def)
    })
}
