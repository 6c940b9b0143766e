//! `BatchNormalization[<momentum = 0.99, epsilon = 1e-3, trainable = true>]`: normalizes each
//! channel of an image (or each unit of a vector) with the batch's statistics in training and
//! the moving statistics at inference, then scales and shifts it.

use nn_keras::defaults::{self, batch_normalization};
use proc_macro2::Span;
use syn::Ident;

use crate::ir::{Build, Expr, KerasValue, Param, Setting, Size, Type, TypeArg};
use crate::shared::args::{self, Fallback, Opt};
use crate::shared::context::{Checked, Ctx, Def};
use crate::shared::shape;

/// Keras's options of `BatchNormalization` that `nn` has.
pub(crate) const OPTIONS: &[Opt] = &[
    Opt {
        name: "momentum",
        default: Fallback::Float(batch_normalization::MOMENTUM),
    },
    Opt {
        name: "epsilon",
        default: Fallback::Float(batch_normalization::EPSILON),
    },
    Opt {
        name: "trainable",
        default: Fallback::Bool(defaults::TRAINABLE),
    },
];

/// Rule: `BatchNormalization` takes only options and does not come first. Why: its width and
/// channels are those of the layer before it.
pub(crate) fn rule(ctx: &mut Ctx<'_>) -> Option<Checked> {
    let args = args::split(ctx.decl, OPTIONS, ctx.errors);
    let examples = "`momentum = 0.99`, `epsilon = 1e-3`";
    shape::only_options(ctx, args.positional.len(), Some(examples));
    let momentum = args.float("momentum", ctx.errors);
    let epsilon = args.float("epsilon", ctx.errors);
    let trainable = args.boolean("trainable", ctx.errors);
    let keras = vec![
        Setting::new("momentum", KerasValue::Float(momentum.clone())),
        Setting::new("epsilon", KerasValue::Float(epsilon.clone())),
        Setting::written("trainable", KerasValue::Bool(trainable)),
    ];
    let (width, image) = shape::preserved(ctx)?;
    let sequence = shape::incoming_sequence(ctx);
    let channels = shape::channels_of(&width, image, sequence);
    let ty = Type {
        name: "BatchNormalization",
        args: vec![
            TypeArg::Scalar,
            TypeArg::Size(width.clone()),
            TypeArg::Size(channels.clone()),
            TypeArg::Storage {
                rows: channels.clone(),
                cols: Size::Known(1),
            },
        ],
    };
    let build = Build {
        zeros: Expr::Construct("zeros", vec![momentum.clone(), epsilon.clone()]),
        init: Expr::Construct("new", vec![momentum.clone(), epsilon.clone()]),
        constant: Expr::Construct(
            "from_arrays",
            vec![
                Expr::Array((0..4).map(Expr::Tensor).collect()),
                momentum,
                epsilon,
            ],
        ),
        fields: vec![(
            Ident::new("trainable", Span::call_site()),
            Expr::Bool(trainable),
        )],
        fields_in: &[],
        tensors: ["gamma", "beta", "moving_mean", "moving_variance"]
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
