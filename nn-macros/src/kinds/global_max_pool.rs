//! `GlobalMaxPool2D`: each channel of an image reduced to its largest value over all positions,
//! a vector of as many values as channels.

use proc_macro2::Span;

use crate::ir::{Build, Expr, Path, Size, Type};
use crate::shared::args::Opt;
use crate::shared::context::{Checked, Ctx, Def};
use crate::shared::shape;

/// `GlobalMaxPool2D` has no options.
pub(crate) const OPTIONS: &[Opt] = &[];

/// Rule: `GlobalMaxPool2D` follows an image. Why: it takes each channel's maximum over its
/// positions.
pub(crate) fn rule(ctx: &mut Ctx<'_>) -> Option<Checked> {
    shape::no_arguments(ctx);
    let (input, [_, _, channels]) = shape::incoming_image(ctx)?;
    let ty = Type {
        name: "GlobalMaxPool2D",
        args: Vec::new(),
    };
    let value = Expr::Path(Path::core(&["GlobalMaxPool2D"], Span::call_site()));
    let build = Build {
        zeros: value.clone(),
        init: value,
        fields: Vec::new(),
    };
    Some(Checked::layer(
        input,
        Size::Known(channels),
        None,
        Def::new(ty, build),
    ))
}
