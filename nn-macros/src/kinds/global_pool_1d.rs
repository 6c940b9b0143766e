//! `GlobalAvgPool1D` and `GlobalMaxPool1D`: each feature of a sequence averaged, or its largest
//! value taken, over all steps; a vector of as many values as features.

use crate::ir::Size;
use crate::shared::args::Opt;
use crate::shared::context::{Checked, Ctx, Def};
use crate::shared::shape;
use crate::shared::window::global_pool;

/// The global pools have no options.
pub(crate) const OPTIONS: &[Opt] = &[];

/// `GlobalAvgPool1D`.
pub(crate) fn average(ctx: &mut Ctx<'_>) -> Option<Checked> {
    global(ctx, "GlobalAvgPool1D")
}

/// `GlobalMaxPool1D`.
pub(crate) fn max(ctx: &mut Ctx<'_>) -> Option<Checked> {
    global(ctx, "GlobalMaxPool1D")
}

/// Rule: a 1-D global pool follows a sequence. Why: it reduces each feature over the steps.
fn global(ctx: &mut Ctx<'_>, core_type: &'static str) -> Option<Checked> {
    shape::no_arguments(ctx);
    let (input, [_, features]) = shape::incoming_sequence_or_error(ctx)?;
    Some(Checked::layer(
        input,
        Size::Known(features),
        None,
        Def::unit(core_type).with(global_pool()),
    ))
}
