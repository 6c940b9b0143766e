//! Activations as layers of their own, over an image's channels or a vector's units:
//! `Activation<Relu>` (any activation; Keras's class `Activation`), and `LeakyReLU` and `ELU`
//! with Keras's layer defaults (which differ from the activation functions').

use nn_keras::defaults::{elu, leaky_relu};

use crate::ir::{Build, Expr, KerasValue, Setting, Type, TypeArg};
use crate::shared::activation::{self, Activation};
use crate::shared::args::{self, Args, Fallback, Opt};
use crate::shared::context::{Checked, Ctx, Def};
use crate::shared::shape;

/// `Activation` has no options.
pub(crate) const ACTIVATION_OPTIONS: &[Opt] = &[];

/// `LeakyReLU`'s option.
pub(crate) const LEAKY_RELU_OPTIONS: &[Opt] = &[Opt {
    name: "negative_slope",
    default: Fallback::Float(leaky_relu::NEGATIVE_SLOPE),
}];

/// `ELU`'s option.
pub(crate) const ELU_OPTIONS: &[Opt] = &[Opt {
    name: "alpha",
    default: Fallback::Float(elu::ALPHA),
}];

/// Rule: `Activation` takes exactly its activation. Why: that is all it is.
pub(crate) fn activation(ctx: &mut Ctx<'_>) -> Option<Checked> {
    let positional = args::split(ctx.decl, ACTIVATION_OPTIONS, ctx.errors).positional;
    let [value] = positional[..] else {
        ctx.error(format!(
            "`Activation` takes 1 argument, the activation (`Activation<Relu>`), but `{}` has {}",
            ctx.text,
            positional.len()
        ));
        return None;
    };
    let activation = activation::activation(value, ctx.errors);
    let keras = vec![Setting::new("activation", activation.keras())];
    layer(ctx, activation, false, keras)
}

/// `LeakyReLU[<negative_slope = 0.3>]`.
pub(crate) fn leaky_relu(ctx: &mut Ctx<'_>) -> Option<Checked> {
    let args = only_options(ctx, LEAKY_RELU_OPTIONS);
    let slope = args.float("negative_slope", ctx.errors);
    let keras = vec![Setting::new(
        "negative_slope",
        KerasValue::Float(slope.clone()),
    )];
    layer(
        ctx,
        Activation::builtin_new("LeakyRelu", vec![slope]),
        true,
        keras,
    )
}

/// `ELU[<alpha = 1.0>]`.
pub(crate) fn elu(ctx: &mut Ctx<'_>) -> Option<Checked> {
    let args = only_options(ctx, ELU_OPTIONS);
    let alpha = args.float("alpha", ctx.errors);
    let keras = vec![Setting::new("alpha", KerasValue::Float(alpha.clone()))];
    layer(
        ctx,
        Activation::builtin_new("Elu", vec![alpha]),
        true,
        keras,
    )
}

/// Rule: `LeakyReLU` and `ELU` take only options. Why: their one setting is named, as in Keras.
fn only_options<'a>(ctx: &mut Ctx<'a>, options: &'static [Opt]) -> Args<'a> {
    let args = args::split(ctx.decl, options, ctx.errors);
    shape::only_options(ctx, args.positional.len(), None);
    args
}

/// Rule: an activation layer does not come first. Why: its width is the previous layer's.
/// `own_class`: the layer reports its activation's Keras class (`LeakyReLU`), not `Activation`.
fn layer(
    ctx: &mut Ctx<'_>,
    activation: Activation,
    own_class: bool,
    keras: Vec<Setting>,
) -> Option<Checked> {
    let (width, image) = shape::preserved(ctx)?;
    // Over the last axis, as Keras: an image's channels, a sequence's features at each step.
    let sequence = shape::incoming_sequence(ctx);
    let channels = shape::channels_of(&width, image, sequence);
    let ty = Type {
        name: "ActivationLayer",
        args: vec![
            TypeArg::Type(activation.ty),
            TypeArg::Size(channels),
            TypeArg::Bool(own_class),
        ],
    };
    let new = Expr::Construct("new", vec![activation.value]);
    let build = Build::constant(new);
    Some(Checked {
        sequence,
        ..Checked::layer(
            width.clone(),
            width,
            image,
            Def::new(ty, build).with(keras).streams().activated(),
        )
    })
}
