//! `PReLU[<alpha_initializer = Zeros, trainable = true>]`: a leaky ReLU whose slope `α` is
//! learned, one per value of its input (Keras's default, without `shared_axes`), after a vector
//! or an image.

use nn_keras::defaults::{self, prelu};
use proc_macro2::Span;
use syn::Ident;

use crate::ir::{Build, Expr, KerasValue, Param, Path, Setting, Size, Type, TypeArg};
use crate::shared::args::{self, Fallback, Opt};
use crate::shared::context::{Checked, Ctx, Def};
use crate::shared::initializer::{self, Tensor};
use crate::shared::shape;

/// Keras's options of `PReLU` that `nn` has (`alpha_regularizer`, `alpha_constraint` and
/// `shared_axes` are not offered).
pub(crate) const OPTIONS: &[Opt] = &[
    Opt {
        name: "alpha_initializer",
        default: Fallback::Name(prelu::ALPHA_INITIALIZER),
    },
    Opt {
        name: "trainable",
        default: Fallback::Bool(defaults::TRAINABLE),
    },
];

/// Rule: `PReLU` takes only options and does not come first. Why: its `α` has the shape of the
/// layer before it, whose width it keeps.
pub(crate) fn rule(ctx: &mut Ctx<'_>) -> Option<Checked> {
    let args = args::split(ctx.decl, OPTIONS, ctx.errors);
    let examples = "`alpha_initializer = Zeros`, `trainable = false`";
    shape::only_options(ctx, args.positional.len(), Some(examples));
    let trainable = args.boolean("trainable", ctx.errors);
    shape::not_a_sequence(ctx);
    let (width, image) = shape::preserved(ctx)?;
    // `α` is shaped like the input: 1-D after a vector, 3-D after an image.
    let tensor = Tensor::Kernel {
        rank: if image.is_some() { 3 } else { 1 },
        layout: if image.is_some() {
            "a `PReLU` alpha has its input's shape, here `(h, w, c)`"
        } else {
            "a `PReLU` alpha has its input's shape, here 1-D"
        },
    };
    let alpha = match args
        .options
        .iter()
        .find(|(key, _)| *key == "alpha_initializer")
    {
        Some((_, value)) => initializer::initializer(value, tensor, ctx.errors),
        None => Expr::Path(Path::core(&[prelu::ALPHA_INITIALIZER], Span::call_site())),
    };
    let keras: Vec<Setting> = initializer::keras(&alpha)
        .map(|init| Setting::written("alpha_initializer", init))
        .into_iter()
        .chain([Setting::written("trainable", KerasValue::Bool(trainable))])
        .collect();
    let ty = Type {
        name: "PRelu",
        args: vec![
            TypeArg::Scalar,
            TypeArg::Size(width.clone()),
            TypeArg::Storage {
                rows: width.clone(),
                cols: Size::Known(1),
            },
        ],
    };
    let span = Span::call_site();
    let shape = match image {
        Some([h, w, c]) => Expr::Call(
            Path::core(&["AlphaShape", "Image"], span),
            vec![Expr::Usize(h), Expr::Usize(w), Expr::Usize(c)],
        ),
        None => Expr::Path(Path::core(&["AlphaShape", "Vector"], span)),
    };
    let sized = "network! gave alpha the shape of the layer's input";
    let alpha_shape = match image {
        Some(dims) => dims.map(Size::Known).to_vec(),
        None => vec![width.clone()],
    };
    let build = Build {
        zeros: Expr::Expect(
            Box::new(Expr::Construct("zeros", vec![shape.clone()])),
            sized,
        ),
        init: Expr::Expect(
            Box::new(Expr::Construct(
                "init",
                vec![shape.clone(), Expr::Ref(Box::new(alpha)), Expr::Rng],
            )),
            sized,
        ),
        constant: Expr::Construct("from_arrays", vec![shape, Expr::Tensor(0)]),
        fields: vec![(Ident::new("trainable", span), Expr::Bool(trainable))],
        fields_in: &[],
        tensors: vec![Param {
            name: "alpha".into(),
            shape: alpha_shape,
        }],
    };
    Some(Checked {
        keeps_origin: true,
        ..Checked::layer(
            width.clone(),
            width,
            image,
            Def::new(ty, build).with(keras).streams(),
        )
    })
}
