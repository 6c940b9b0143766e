//! The recurrent layers, `LSTM<UNITS[, return_sequences = false, go_backwards = false,
//! trainable = true]>`, `GRU<UNITS[, ..]>` and `SimpleRNN<UNITS[, ..]>`: each reads a sequence
//! step by step into `UNITS` values of state, with Keras's gates (`activation` tanh,
//! `recurrent_activation` sigmoid) and weight layouts, and returns the last step's output, or
//! every step's. They differ only in what [`Cell`] says. `Bidirectional<LSTM<..>[, merge_mode =
//! Concat]>` runs one forwards and one backwards.

use nn_keras::defaults;
use proc_macro2::Span;
use syn::Ident;

use crate::ast::Value;
use crate::ir::{Build, Expr, KerasValue, Param, Path, Setting, Size, Type, TypeArg};
use crate::shared::args::{self, Fallback, Opt, count};
use crate::shared::context::{Checked, Ctx, Def, Kind};
use crate::shared::shape;

/// What distinguishes one recurrent kind from another.
struct Cell {
    /// The runtime type.
    ty: &'static str,
    /// The runtime type of its cell (what `Bidirectional` names).
    cell_ty: &'static str,
    /// Its Keras class.
    class: &'static str,
    /// Its name in the DSL.
    name: &'static str,
    /// Its rule.
    rule: fn(&mut Ctx<'_>) -> Option<Checked>,
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
    cell_ty: "LstmCell",
    class: nn_keras::class::LSTM,
    name: "LSTM",
    rule: lstm,
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
    cell_ty: "GruCell",
    class: nn_keras::class::GRU,
    name: "GRU",
    rule: gru,
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
    cell_ty: "SimpleRnnCell",
    class: nn_keras::class::SIMPLE_RNN,
    name: "SimpleRNN",
    rule: simple_rnn,
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
        name: "go_backwards",
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
    Some(read(ctx, &LSTM)?.layer())
}

/// Rule: `GRU` as `LSTM`.
pub(crate) fn gru(ctx: &mut Ctx<'_>) -> Option<Checked> {
    Some(read(ctx, &GRU)?.layer())
}

/// Rule: `SimpleRNN` as `LSTM`.
pub(crate) fn simple_rnn(ctx: &mut Ctx<'_>) -> Option<Checked> {
    Some(read(ctx, &SIMPLE_RNN)?.layer())
}

/// A recurrent layer as declared and checked.
struct Recurrent {
    cell: &'static Cell,
    units: usize,
    steps: usize,
    features: usize,
    sequences: bool,
    backwards: bool,
    trainable: bool,
    /// Its input's width.
    width: Size,
    /// Its Keras settings.
    keras: Vec<Setting>,
}

/// Reads a recurrent layer's arguments and checks it follows a sequence.
fn read(ctx: &mut Ctx<'_>, cell: &'static Cell) -> Option<Recurrent> {
    let args = args::split(ctx.decl, OPTIONS, ctx.errors);
    let usage = format!("1 argument, its units (`{}<32>`)", ctx.decl.kind);
    if !shape::arity(ctx, args.positional.len(), 1..=1, &usage) {
        return None;
    }
    let units = count(args.positional[0], "number of units", ctx.errors)?;
    shape::nonzero(ctx, &Size::Known(units), "units");
    let sequences = args.boolean("return_sequences", ctx.errors);
    let backwards = args.boolean("go_backwards", ctx.errors);
    let trainable = args.boolean("trainable", ctx.errors);
    let (width, [steps, features]) = shape::incoming_sequence_or_error(ctx)?;
    let keras = vec![
        Setting::new("units", KerasValue::Size(Size::Known(units))),
        Setting::new("activation", KerasValue::Str("tanh")),
        Setting::new("use_bias", KerasValue::Bool(true)),
        Setting::new("return_sequences", KerasValue::Bool(sequences)),
        Setting::new("return_state", KerasValue::Bool(false)),
        Setting::new("go_backwards", KerasValue::Bool(backwards)),
        Setting::new("stateful", KerasValue::Bool(false)),
        Setting::new("dropout", KerasValue::Float(Expr::Float(0.0))),
        Setting::new("recurrent_dropout", KerasValue::Float(Expr::Float(0.0))),
        Setting::written("trainable", KerasValue::Bool(trainable)),
    ];
    let keras = [keras, (cell.settings)()].concat();
    Some(Recurrent {
        cell,
        units,
        steps,
        features,
        sequences,
        backwards,
        trainable,
        width,
        keras,
    })
}

impl Recurrent {
    /// Gate values a step.
    fn gates(&self) -> usize {
        self.cell.gates * self.units
    }

    /// Values out: the last step's, or every step's.
    fn output(&self) -> usize {
        if self.sequences {
            self.steps * self.units
        } else {
            self.units
        }
    }

    /// Its tensors, as Keras lays them out.
    fn tensors(&self) -> Vec<Param> {
        let (gates, known) = (self.gates(), Size::Known);
        vec![
            Param {
                name: "kernel".into(),
                shape: vec![known(self.features), known(gates)],
            },
            Param {
                name: "recurrent_kernel".into(),
                shape: vec![known(self.units), known(gates)],
            },
            Param {
                name: "bias".into(),
                shape: match self.cell.bias_rows {
                    1 => vec![known(gates)],
                    rows => vec![known(rows), known(gates)],
                },
            },
        ]
    }

    /// The weights' storage.
    fn storage(&self) -> TypeArg {
        TypeArg::Storage {
            rows: Size::Known(self.gates()),
            cols: Size::Known(self.features.max(self.units)),
        }
    }

    /// What the layer after it is fed, `output` values a sample: a sequence of `per_step`
    /// values a step, or the last step.
    fn checked(&self, output: usize, per_step: usize, def: Def) -> Checked {
        let (sequence, last_step) = if self.sequences {
            (Some([self.steps, per_step]), None)
        } else {
            (None, Some(per_step))
        };
        Checked {
            follows_input: false,
            sequence,
            last_step,
            ..Checked::layer(self.width.clone(), Size::Known(output), None, def)
        }
    }

    /// The layer on its own.
    fn layer(self) -> Checked {
        let known = |n: usize| TypeArg::Size(Size::Known(n));
        let mut args = vec![
            TypeArg::Scalar,
            TypeArg::Size(self.width.clone()),
            known(self.output()),
            known(self.features),
            known(self.units),
            known(self.gates()),
            TypeArg::Bool(self.sequences),
            self.storage(),
        ];
        // The direction is in the type, so that a layer going backwards has no `step`.
        if self.backwards {
            args.push(TypeArg::Bool(true));
        }
        let ty = Type {
            name: self.cell.ty,
            args,
        };
        let fields = vec![(
            Ident::new("trainable", Span::call_site()),
            Expr::Bool(self.trainable),
        )];
        let build = Build {
            zeros: Expr::Construct("zeros", Vec::new()),
            init: Expr::Construct("new", vec![Expr::Rng]),
            constant: Expr::Construct(
                "from_arrays",
                vec![Expr::Tensor(0), Expr::Tensor(1), Expr::Tensor(2)],
            ),
            fields,
            fields_in: &[],
            tensors: self.tensors(),
        };
        let (output, units) = (self.output(), self.units);
        let def = Def::new(ty, build).with(self.keras.clone());
        // A layer that reads backwards needs the sequence's end before its first output.
        let def = if self.backwards { def } else { def.streams() };
        self.checked(output, units, def)
    }
}

/// Keras's options of `Bidirectional` that `nn` has.
pub(crate) const BIDIRECTIONAL_OPTIONS: &[Opt] = &[Opt {
    name: "merge_mode",
    default: Fallback::Name("Concat"),
}];

/// The merge modes: the DSL's name (the runtime's type), Keras's, and how many values a pair of
/// values gives.
const MERGES: &[(&str, &str, usize)] = &[
    ("Concat", "concat", 2),
    ("Sum", "sum", 1),
    ("Mul", "mul", 1),
    ("Ave", "ave", 1),
];

/// Rule: `Bidirectional` wraps one recurrent layer (`LSTM`, `GRU`, `SimpleRNN`) that does not
/// go backwards itself, and merges by one of Keras's modes. Why: it runs a copy of that layer
/// over the sequence backwards, with weights of its own, and merges the two step by step.
pub(crate) fn bidirectional(ctx: &mut Ctx<'_>) -> Option<Checked> {
    let args = args::split(ctx.decl, BIDIRECTIONAL_OPTIONS, ctx.errors);
    let usage = "1 argument, a recurrent layer (`Bidirectional<LSTM<32>>`)";
    if !shape::arity(ctx, args.positional.len(), 1..=1, usage) {
        return None;
    }
    let mut merge = MERGES[0];
    if let Some((_, value)) = args.options.iter().find(|(key, _)| *key == "merge_mode") {
        let name = match value {
            Value::Path {
                path, args: None, ..
            } => path.get_ident().map(ToString::to_string),
            _ => None,
        };
        match MERGES.iter().find(|m| Some(m.0) == name.as_deref()) {
            Some(found) => merge = *found,
            None => ctx.errors.push(
                value
                    .span()
                    .error("`merge_mode` takes `Concat` (the default), `Sum`, `Mul` or `Ave`"),
            ),
        }
    }
    let cells = [&LSTM, &GRU, &SIMPLE_RNN];
    let inner = match args.positional[0] {
        Value::Layer(decl) => cells
            .into_iter()
            .find(|cell| decl.kind == cell.name)
            .map(|cell| (decl, cell)),
        _ => None,
    };
    let Some((decl, cell)) = inner else {
        ctx.error(format!(
            "`{}` wraps a recurrent layer, `LSTM<..>`, `GRU<..>` or `SimpleRNN<..>`, such as \
             `Bidirectional<LSTM<32>>`",
            ctx.text
        ));
        return None;
    };
    let text = decl.text();
    // The wrapped layer is checked as its own kind would be, fed what the wrapper is fed.
    let kind = Kind {
        name: cell.name,
        class: cell.class,
        options: OPTIONS,
        field: false,
        rule: cell.rule,
    };
    let mut inner_ctx = Ctx {
        decl,
        kind: &kind,
        text: &text,
        position: ctx.position,
        before: ctx.before,
        errors: ctx.errors,
        assertions: ctx.assertions,
    };
    let layer = read(&mut inner_ctx, cell)?;
    if layer.backwards {
        ctx.error(format!(
            "`{}`: the layer inside `Bidirectional` reads forwards; the backward copy is made \
             for it, so leave out `go_backwards`",
            ctx.text
        ));
        return None;
    }
    let (name, keras_name, width) = merge;
    let inner_output = layer.output();
    let output = inner_output * width;
    let known = |n: usize| TypeArg::Size(Size::Known(n));
    // The cells and merge modes are not the runtime's public API: `network!` names them in its
    // support module.
    let path = |name: &str| TypeArg::Type(Path::core(&["__private", name], Span::call_site()));
    let ty = Type {
        name: "Bidirectional",
        args: vec![
            TypeArg::Scalar,
            TypeArg::Size(layer.width.clone()),
            known(output),
            known(inner_output),
            known(layer.features),
            known(layer.units),
            known(layer.gates()),
            known(cell.bias_rows),
            TypeArg::Bool(layer.sequences),
            path(cell.cell_ty),
            path(name),
            layer.storage(),
        ],
    };
    let tensors = layer.tensors();
    let build = Build {
        zeros: Expr::Construct("zeros", Vec::new()),
        init: Expr::Construct("new", vec![Expr::Rng]),
        constant: Expr::Construct("from_arrays", (0..6).map(Expr::Tensor).collect()),
        fields: vec![(
            Ident::new("trainable", Span::call_site()),
            Expr::Bool(layer.trainable),
        )],
        fields_in: &["forward", "backward"],
        tensors: [tensors.clone(), tensors].concat(),
    };
    // The wrapped layer's settings under `layer`, and the backward copy's under
    // `backward_layer`, as Keras writes them.
    let inner = |prefix: &'static str, backwards: bool| -> Vec<Setting> {
        let class = Setting::new("class_name", KerasValue::Str(cell.class));
        std::iter::once(class)
            .chain(layer.keras.iter().cloned())
            .map(|mut setting| {
                if setting.key == "go_backwards" {
                    setting.value = KerasValue::Bool(backwards);
                }
                let key = format!("{prefix}.{}", setting.key).into();
                Setting { key, ..setting }
            })
            .collect()
    };
    let keras: Vec<Setting> =
        std::iter::once(Setting::new("merge_mode", KerasValue::Str(keras_name)))
            .chain(inner("layer", false))
            .chain(inner("backward_layer", true))
            .chain([Setting::written(
                "trainable",
                KerasValue::Bool(layer.trainable),
            )])
            .collect();
    Some(layer.checked(output, layer.units * width, Def::new(ty, build).with(keras)))
}
