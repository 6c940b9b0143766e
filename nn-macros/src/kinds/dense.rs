//! `Dense<INPUTS, UNITS[, Activation][, option = value]...>`: `y = activation(W·x + b)`, from
//! `INPUTS` values to `UNITS`. Its input size may be `_` (the previous layer's width) or a named
//! constant.

use crate::ir::{KerasValue, Setting, Size, Type, TypeArg};
use crate::shared::args::{self, Opt};
use crate::shared::context::{Checked, Ctx, Def};
use crate::shared::initializer::Tensor;
use crate::shared::shape;
use crate::shared::weights::{
    ACTIVATION, ACTIVITY_REGULARIZER, BIAS_CONSTRAINT, BIAS_INITIALIZER, BIAS_REGULARIZER,
    KERNEL_CONSTRAINT, KERNEL_INITIALIZER, KERNEL_REGULARIZER, TRAINABLE, USE_BIAS, Weights,
};

/// Keras's options of `Dense`.
pub(crate) const OPTIONS: &[Opt] = &[
    ACTIVATION,
    USE_BIAS,
    KERNEL_INITIALIZER,
    BIAS_INITIALIZER,
    TRAINABLE,
    KERNEL_REGULARIZER,
    BIAS_REGULARIZER,
    ACTIVITY_REGULARIZER,
    KERNEL_CONSTRAINT,
    BIAS_CONSTRAINT,
];

/// Its kernel, for the initializer's rule.
const KERNEL: Tensor = Tensor::Kernel {
    rank: 2,
    layout: "a `Dense` kernel is 2-D, `(inputs, units)`",
};

/// Rule: `Dense` takes two sizes and an optional activation, has units, is fed a vector and
/// takes the previous layer's width. Why: those are its only positional parameters (the rest
/// is named, as in Keras), and its kernel is `units × inputs`.
pub(crate) fn rule(ctx: &mut Ctx<'_>) -> Option<Checked> {
    let args = args::split(ctx.decl, OPTIONS, ctx.errors);
    let usage = "2 or 3 arguments, its inputs, its units and optionally an activation \
                 (`Dense<32, 64, Relu>`)";
    if !shape::arity(ctx, args.positional.len(), 2..=3, usage) {
        return None;
    }
    let declared = args::size(args.positional[0], "input size", ctx.errors);
    let units =
        args::size(args.positional[1], "number of units", ctx.errors).unwrap_or(Size::Known(1));
    shape::nonzero(ctx, &units, "units");
    shape::not_an_image(ctx);
    shape::not_a_sequence(ctx);
    let input = shape::connect(ctx, declared);

    let mut weights = Weights::new(args.positional.get(2).copied(), KERNEL);
    for (key, value) in &args.options {
        let taken = weights.take(key, value, ctx.errors);
        assert!(taken, "split keeps known options only");
    }
    let activation = weights.activation(ctx.errors);
    let keras = vec![
        Setting::new("units", KerasValue::Size(units.clone())),
        Setting::new("activation", activation.keras()),
        Setting::new("use_bias", KerasValue::Bool(weights.use_bias)),
    ];
    let keras = [keras, weights.initializer_settings()].concat();
    let ty = Type {
        name: "Dense",
        args: vec![
            TypeArg::Scalar,
            TypeArg::Size(input.clone()),
            TypeArg::Size(units.clone()),
            TypeArg::Type(activation.ty),
            TypeArg::Storage {
                rows: units.clone(),
                cols: input.clone(),
            },
            TypeArg::Bool(weights.use_bias),
        ],
    };
    let span = activation.user_span;
    let kernel_shape = vec![input.clone(), units.clone()];
    let build = weights.build(Vec::new(), activation.value, false, kernel_shape);
    Some(Checked {
        follows_input: false,
        ..Checked::layer(
            input,
            units,
            None,
            Def {
                span,
                ..Def::new(ty, build).with(keras).streams().activated()
            },
        )
    })
}
