//! The recurrent layers, `LSTM<UNITS[, return_sequences = false, trainable = true]>`,
//! `GRU<UNITS[, ..]>` and `SimpleRNN<UNITS[, ..]>`: each reads a sequence step by step into `UNITS` values of state, with
//! Keras's gates (`activation` tanh, `recurrent_activation` sigmoid) and weight layouts, and
//! returns the last step's output, or every step's. They differ only in what [`Cell`] says.

use nn_keras::defaults;
use proc_macro2::Span;
use syn::Ident;

use crate::ir::{Build, Expr, KerasValue, Param, Setting, Size, Type, TypeArg};
use crate::shared::args::{self, Fallback, Opt, count};
use crate::shared::context::{Checked, Ctx, Def};
use crate::shared::shape;

/// What distinguishes one recurrent kind from another.
struct Cell {
    /// The runtime type.
    ty: &'static str,
    /// Blocks of `UNITS` in a step's gates (4 for LSTM's `i, f, c, o`, 3 for GRU's `z, r, h`).
    gates: usize,
    /// Rows of the bias: 1, or 2 for GRU's input and recurrent biases (`reset_after`).
    bias_rows: usize,
    /// Keras settings of its own (beyond the shared ones).
    settings: fn() -> Vec<Setting>,
}

/// `LSTM`: Keras's defaults, with `unit_forget_bias`.
const LSTM: Cell = Cell {
    ty: "Lstm",
    gates: 4,
    bias_rows: 1,
    settings: || {
        vec![
            Setting::new("recurrent_activation", KerasValue::Str("sigmoid")),
            Setting::written("unit_forget_bias", KerasValue::Bool(true)),
        ]
    },
};

/// `GRU`: Keras's defaults, with `reset_after` (the recurrent bias apart).
const GRU: Cell = Cell {
    ty: "Gru",
    gates: 3,
    bias_rows: 2,
    settings: || {
        vec![
            Setting::new("recurrent_activation", KerasValue::Str("sigmoid")),
            Setting::new("reset_after", KerasValue::Bool(true)),
        ]
    },
};

/// `SimpleRNN`: one block, `h = tanh(W x + R h + b)`.
const SIMPLE_RNN: Cell = Cell {
    ty: "SimpleRnn",
    gates: 1,
    bias_rows: 1,
    settings: Vec::new,
};

/// Keras's options of the recurrent layers that `nn` has.
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
pub(crate) fn lstm(ctx: &mut Ctx<'_>) -> Option<Checked> {
    recurrent(ctx, &LSTM)
}

/// Rule: `GRU` as `LSTM`.
pub(crate) fn gru(ctx: &mut Ctx<'_>) -> Option<Checked> {
    recurrent(ctx, &GRU)
}

/// Rule: `SimpleRNN` as `LSTM`.
pub(crate) fn simple_rnn(ctx: &mut Ctx<'_>) -> Option<Checked> {
    recurrent(ctx, &SIMPLE_RNN)
}

fn recurrent(ctx: &mut Ctx<'_>, cell: &Cell) -> Option<Checked> {
    let args = args::split(ctx.decl, OPTIONS, ctx.errors);
    let usage = format!("1 argument, its units (`{}<32>`)", ctx.decl.kind);
    if !shape::arity(ctx, args.positional.len(), 1..=1, &usage) {
        return None;
    }
    let units = count(args.positional[0], "number of units", ctx.errors)?;
    shape::nonzero(ctx, &Size::Known(units), "units");
    let sequences = args.boolean("return_sequences", ctx.errors);
    let trainable = args.boolean("trainable", ctx.errors);
    let (width, [steps, features]) = shape::incoming_sequence_or_error(ctx)?;
    let gates = cell.gates * units;
    let output = if sequences { steps * units } else { units };
    let keras = vec![
        Setting::new("units", KerasValue::Size(Size::Known(units))),
        Setting::new("activation", KerasValue::Str("tanh")),
        Setting::new("use_bias", KerasValue::Bool(true)),
        Setting::new("return_sequences", KerasValue::Bool(sequences)),
        Setting::new("return_state", KerasValue::Bool(false)),
        Setting::new("go_backwards", KerasValue::Bool(false)),
        Setting::new("stateful", KerasValue::Bool(false)),
        Setting::new("dropout", KerasValue::Float(Expr::Float(0.0))),
        Setting::new("recurrent_dropout", KerasValue::Float(Expr::Float(0.0))),
        Setting::written("trainable", KerasValue::Bool(trainable)),
    ];
    let keras = [keras, (cell.settings)()].concat();
    let known = |n: usize| TypeArg::Size(Size::Known(n));
    let ty = Type {
        name: cell.ty,
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
                shape: match cell.bias_rows {
                    1 => vec![Size::Known(gates)],
                    rows => vec![Size::Known(rows), Size::Known(gates)],
                },
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
