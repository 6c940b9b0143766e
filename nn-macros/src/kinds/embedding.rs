//! `Embedding<VOCAB, DIM>`: each of the network's token ids replaced by its learned vector of
//! `DIM` values; the output is a sequence of as many steps as ids.

use nn_keras::defaults::{self, embedding};
use proc_macro2::Span;
use syn::Ident;

use crate::ir::{Build, Expr, KerasValue, Param, Path, Setting, Size, Type, TypeArg};
use crate::shared::args::{self, Fallback, Opt, count};
use crate::shared::context::{Before, Checked, Ctx, Def, Streams};
use crate::shared::initializer::{self, Tensor};
use crate::shared::shape;

/// Keras's options of `Embedding` that `nn` has (`mask_zero`, the regularizers and the
/// constraint are not offered).
pub(crate) const OPTIONS: &[Opt] = &[
    Opt {
        name: "embeddings_initializer",
        default: Fallback::Name(embedding::EMBEDDINGS_INITIALIZER),
    },
    Opt {
        name: "trainable",
        default: Fallback::Bool(defaults::TRAINABLE),
    },
];

/// Rule: `Embedding` takes its vocabulary and its vector size, and is the first layer, after
/// `Input<STEPS>`. Why: it reads token ids, which only the network's input holds; `Input` says
/// how many a sample has.
pub(crate) fn rule(ctx: &mut Ctx<'_>) -> Option<Checked> {
    let args = args::split(ctx.decl, OPTIONS, ctx.errors);
    let usage = "2 arguments, its vocabulary and the size of its vectors (`Embedding<1000, 16>`)";
    if !shape::arity(ctx, args.positional.len(), 2..=2, usage) {
        return None;
    }
    let vocabulary = count(args.positional[0], "vocabulary size", ctx.errors);
    let dimensions = count(args.positional[1], "vector size", ctx.errors);
    let trainable = args.boolean("trainable", ctx.errors);
    let steps = ids(ctx)?;
    let (vocabulary, dimensions) = (vocabulary?, dimensions?);
    let tensor = Tensor::Kernel {
        rank: 2,
        layout: "an `Embedding`'s vectors are 2-D, `(vocabulary, dimensions)`",
    };
    let initializer = match args
        .options
        .iter()
        .find(|(key, _)| *key == "embeddings_initializer")
    {
        Some((_, value)) => initializer::initializer(value, tensor, ctx.errors),
        None => Expr::Default(Path::core(
            &[embedding::EMBEDDINGS_INITIALIZER],
            Span::call_site(),
        )),
    };
    let known = |n: usize| Size::Known(n);
    let keras: Vec<Setting> = [
        Setting::new("input_dim", KerasValue::Size(known(vocabulary))),
        Setting::new("output_dim", KerasValue::Size(known(dimensions))),
        Setting::new("mask_zero", KerasValue::Bool(false)),
    ]
    .into_iter()
    .chain(initializer::keras(&initializer).map(|i| Setting::written("embeddings_initializer", i)))
    .chain([Setting::written("trainable", KerasValue::Bool(trainable))])
    .collect();
    let output = steps * dimensions;
    let ty = Type {
        name: "Embedding",
        args: vec![
            TypeArg::Scalar,
            TypeArg::Size(known(steps)),
            TypeArg::Size(known(output)),
            TypeArg::Size(known(vocabulary)),
            TypeArg::Size(known(dimensions)),
            TypeArg::Storage {
                rows: known(dimensions),
                cols: known(vocabulary),
            },
        ],
    };
    let build = Build {
        zeros: Expr::Construct("zeros", Vec::new()),
        init: Expr::Construct("init", vec![Expr::Ref(Box::new(initializer)), Expr::Rng]),
        constant: Expr::Construct("from_arrays", vec![Expr::Tensor(0)]),
        fields: vec![(
            Ident::new("trainable", Span::call_site()),
            Expr::Bool(trainable),
        )],
        fields_in: &[],
        tensors: vec![Param {
            name: "embeddings".into(),
            shape: vec![known(vocabulary), known(dimensions)],
        }],
    };
    Some(Checked {
        sequence: Some([steps, dimensions]),
        follows_input: false,
        ..Checked::layer(
            known(steps),
            known(output),
            None,
            Def {
                streams: Streams::Tokens,
                ..Def::new(ty, build).with(keras)
            },
        )
    })
}

/// The number of ids a sample has: `Input<STEPS>`'s, when `Embedding` comes right after it.
fn ids(ctx: &mut Ctx<'_>) -> Option<usize> {
    let example = "`Input<STEPS>, Embedding<VOCAB, DIM>`";
    match ctx.before {
        Before::Known(previous) if previous.declared_input => {
            match (previous.image, previous.sequence, previous.width.value()) {
                (None, None, Some(steps)) => Some(steps),
                _ => {
                    ctx.error(format!(
                        "`{}` reads token ids, one number per step: declare them as \
                         `Input<STEPS>` ({example}), not as an image or a sequence",
                        ctx.text
                    ));
                    None
                }
            }
        }
        Before::Known(previous) => {
            let (origin, position) = &previous.origin;
            ctx.error(format!(
                "`{}` reads token ids, so it comes first, right after `Input<STEPS>`; here it \
                 follows `{origin}` (layer {position}), whose outputs are not ids",
                ctx.text
            ));
            None
        }
        Before::Start => {
            ctx.error(format!(
                "`{}` needs the number of token ids per sample: declare `Input<STEPS>` before \
                 it ({example})",
                ctx.text
            ));
            None
        }
        Before::Unknown(_) => None,
    }
}
