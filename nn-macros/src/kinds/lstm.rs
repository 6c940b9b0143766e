//! `LSTM<UNITS[, return_sequences = false, trainable = true]>`: reads a sequence step by step
//! into `UNITS` values of state, with Keras's gates (`activation` tanh, `recurrent_activation`
//! sigmoid) and weight layouts; returns the last step's output, or every step's.

use nn_keras::defaults;
use proc_macro2::Span;
use syn::Ident;

use crate::ir::{Build, Expr, KerasValue, Param, Setting, Size, Type, TypeArg};
use crate::shared::args::{self, Fallback, Opt, count};
use crate::shared::context::{Checked, Ctx, Def};
use crate::shared::shape;

/// Keras's options of `LSTM` that `nn` has.
pub(crate) const OPTIONS: &[Opt] = &[
    Opt {
        name: "return_sequences",
        default: Fallback::Bool(false),
    },
    Opt {
        name: "trainable",
        default: Fallback::Bool(defaults::TRAINABLE),
    },
];

/// Rule: `LSTM` takes its units (a literal) and follows a sequence. Why: it reads its input step
/// by step, and its gates' sizes are computed from its units.
pub(crate) fn rule(ctx: &mut Ctx<'_>) -> Option<Checked> {
    let args = args::split(ctx.decl, OPTIONS, ctx.errors);
    let usage = "1 argument, its units (`LSTM<32>`)";
    if !shape::arity(ctx, args.positional.len(), 1..=1, usage) {
        return None;
    }
    let units = count(args.positional[0], "number of units", ctx.errors)?;
    shape::nonzero(ctx, &Size::Known(units), "units");
    let sequences = args.boolean("return_sequences", ctx.errors);
    let trainable = args.boolean("trainable", ctx.errors);
    let (width, [steps, features]) = shape::incoming_sequence_or_error(ctx)?;
    let gates = 4 * units;
    let output = if sequences { steps * units } else { units };
    let keras = vec![
        Setting::new("units", KerasValue::Size(Size::Known(units))),
        Setting::new("activation", KerasValue::Str("tanh")),
        Setting::new("recurrent_activation", KerasValue::Str("sigmoid")),
        Setting::new("use_bias", KerasValue::Bool(true)),
        Setting::new("return_sequences", KerasValue::Bool(sequences)),
        Setting::new("return_state", KerasValue::Bool(false)),
        Setting::new("go_backwards", KerasValue::Bool(false)),
        Setting::new("stateful", KerasValue::Bool(false)),
        Setting::new("dropout", KerasValue::Float(Expr::Float(0.0))),
        Setting::new("recurrent_dropout", KerasValue::Float(Expr::Float(0.0))),
        Setting::written("unit_forget_bias", KerasValue::Bool(true)),
        Setting::written("trainable", KerasValue::Bool(trainable)),
    ];
    let known = |n: usize| TypeArg::Size(Size::Known(n));
    let ty = Type {
        name: "Lstm",
        args: vec![
            TypeArg::Scalar,
            TypeArg::Size(width.clone()),
            known(output),
            known(features),
            known(units),
            known(gates),
            TypeArg::Bool(sequences),
            TypeArg::Storage {
                rows: Size::Known(gates),
                cols: Size::Known(features.max(units)),
            },
        ],
    };
    let build = Build {
        zeros: Expr::Construct("zeros", Vec::new()),
        init: Expr::Construct("new", vec![Expr::Rng]),
        constant: Expr::Construct(
            "from_arrays",
            vec![Expr::Tensor(0), Expr::Tensor(1), Expr::Tensor(2)],
        ),
        fields: vec![(
            Ident::new("trainable", Span::call_site()),
            Expr::Bool(trainable),
        )],
        fields_in: None,
        tensors: vec![
            Param {
                name: "kernel",
                shape: vec![Size::Known(features), Size::Known(gates)],
            },
            Param {
                name: "recurrent_kernel",
                shape: vec![Size::Known(units), Size::Known(gates)],
            },
            Param {
                name: "bias",
                shape: vec![Size::Known(gates)],
            },
        ],
    };
    let (sequence, last_step) = if sequences {
        (Some([steps, units]), None)
    } else {
        (None, Some(units))
    };
    Some(Checked {
        follows_input: false,
        sequence,
        last_step,
        ..Checked::layer(
            width,
            Size::Known(output),
            None,
            Def::new(ty, build).with(keras),
        )
    })
}
