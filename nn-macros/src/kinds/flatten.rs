//! `Flatten`: an image (or a sequence) as the vector of its values, in Keras's order (row,
//! column, channel; step, feature); the identity on the data, which it only renames. After a
//! vector it changes nothing, as in Keras.

use crate::shared::args::Opt;
use crate::shared::context::{Before, Checked, Ctx, Def};
use crate::shared::shape;
use crate::shared::window::channels_last;

/// `Flatten` has no options.
pub(crate) const OPTIONS: &[Opt] = &[];

/// Rule: `Flatten` follows an image, a sequence or a vector. Why: it lays out an image's or a
/// sequence's values one after the other, and Keras accepts it after a vector (such as
/// `GlobalAveragePooling2D`'s or an LSTM's last step), which it passes on unchanged.
pub(crate) fn rule(ctx: &mut Ctx<'_>) -> Option<Checked> {
    shape::no_arguments(ctx);
    if let Before::Known(previous) = ctx.before
        && previous.image.is_none()
        && previous.sequence.is_none()
    {
        // A vector is flat already: the layer is the identity, in a stream too.
        let width = previous.width.clone();
        let def = Def {
            identity_at_inference: true,
            ..Def::unit("Flatten").with(vec![channels_last()]).streams()
        };
        return Some(Checked::layer(width.clone(), width, None, def));
    }
    if let Some(sequence) = shape::incoming_sequence(ctx) {
        // Steps one after the other: the identity on the data too.
        let width = crate::ir::Size::Known(sequence[0] * sequence[1]);
        let def = Def {
            identity_at_inference: true,
            ..Def::unit("Flatten").with(vec![channels_last()])
        };
        return Some(Checked::layer(width.clone(), width, None, def));
    }
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
