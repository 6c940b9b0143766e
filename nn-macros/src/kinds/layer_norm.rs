//! `LayerNormalization[<epsilon = 1e-3, center = true, scale = true, trainable = true>]`:
//! normalizes each sample's values at each position over their channels (a vector's units), with
//! the sample's own statistics, then scales and shifts them.

use nn_keras::defaults::{self, layer_normalization};
use proc_macro2::Span;
use syn::Ident;

use crate::ir::{Build, Expr, KerasValue, Param, Setting, Size, Type, TypeArg};
use crate::shared::args::{self, Fallback, Opt};
use crate::shared::context::{Checked, Ctx, Def};
use crate::shared::shape;

/// Keras's options of `LayerNormalization` that `nn` has (the axis is always the last).
pub(crate) const OPTIONS: &[Opt] = &[
    Opt {
        name: "epsilon",
        default: Fallback::Float(layer_normalization::EPSILON),
    },
    Opt {
        name: "center",
        default: Fallback::Bool(layer_normalization::CENTER),
    },
    Opt {
        name: "scale",
        default: Fallback::Bool(layer_normalization::SCALE),
    },
    Opt {
        name: "trainable",
        default: Fallback::Bool(defaults::TRAINABLE),
    },
];

/// Rule: `LayerNormalization` takes only options and does not come first. Why: its width and
/// channels are those of the layer before it.
pub(crate) fn rule(ctx: &mut Ctx<'_>) -> Option<Checked> {
    let args = args::split(ctx.decl, OPTIONS, ctx.errors);
    let examples = "`epsilon = 1e-3`, `center = false`, `scale = false`";
    shape::only_options(ctx, args.positional.len(), Some(examples));
    let epsilon = args.float("epsilon", ctx.errors);
    let center = args.boolean("center", ctx.errors);
    let scale = args.boolean("scale", ctx.errors);
    let trainable = args.boolean("trainable", ctx.errors);
    let keras = vec![
        Setting::new("axis", KerasValue::LastAxis),
        Setting::new("epsilon", KerasValue::Float(epsilon.clone())),
        Setting::new("center", KerasValue::Bool(center)),
        Setting::new("scale", KerasValue::Bool(scale)),
        Setting::new("rms_scaling", KerasValue::Bool(false)),
        Setting::written("trainable", KerasValue::Bool(trainable)),
    ];
    let (width, image) = shape::preserved(ctx)?;
    let sequence = shape::incoming_sequence(ctx);
    let channels = shape::channels_of(&width, image, sequence);
    let ty = Type {
        name: "LayerNormalization",
        args: vec![
            TypeArg::Scalar,
            TypeArg::Size(width.clone()),
            TypeArg::Size(channels.clone()),
            TypeArg::Storage {
                rows: channels.clone(),
                cols: Size::Known(1),
            },
            TypeArg::Bool(center),
            TypeArg::Bool(scale),
        ],
    };
    // Keras's weights, in its order: gamma if `scale`, then beta if `center`.
    let names: Vec<&'static str> = [(scale, "gamma"), (center, "beta")]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
    let mut next = 0;
    let mut tensor = |on: bool| {
        if on {
            next += 1;
            Expr::Tensor(next - 1)
        } else {
            Expr::Zeros
        }
    };
    let arrays = vec![tensor(scale), tensor(center)];
    let build = Build {
        zeros: Expr::Construct("zeros", vec![epsilon.clone()]),
        init: Expr::Construct("new", vec![epsilon.clone()]),
        constant: Expr::Construct("from_arrays", vec![Expr::Array(arrays), epsilon]),
        fields: vec![(
            Ident::new("trainable", Span::call_site()),
            Expr::Bool(trainable),
        )],
        fields_in: &[],
        tensors: names
            .into_iter()
            .map(|name| Param {
                name: name.into(),
                shape: vec![channels.clone()],
            })
            .collect(),
    };
    Some(Checked {
        keeps_origin: true,
        sequence,
        ..Checked::layer(
            width.clone(),
            width,
            image,
            Def::new(ty, build).with(keras).streams(),
        )
    })
}
