//! `DepthwiseConv2D<(KH, KW)[, Activation][, option = value]...>`: each channel of a
//! channels-last image convolved with its own `depth_multiplier` kernels, in Keras's
//! `(KH, KW, C, M)` layout; the output is an image of `C·M` channels whose size the macro
//! computes (Keras's valid or same padding, strides, dilation).

use nn_keras::defaults;

use crate::ir::{KerasValue, Setting, Size, Type, TypeArg};
use crate::shared::args::{self, Fallback, Opt, count, pair};
use crate::shared::context::{Checked, Ctx, Def};
use crate::shared::initializer::Tensor;
use crate::shared::shape;
use crate::shared::weights::{
    ACTIVATION, ACTIVITY_REGULARIZER, BIAS_CONSTRAINT, BIAS_INITIALIZER, BIAS_REGULARIZER,
    DEPTHWISE_CONSTRAINT, DEPTHWISE_INITIALIZER, DEPTHWISE_REGULARIZER, TRAINABLE, USE_BIAS,
    Weights,
};
use crate::shared::window::{PADDING, Window};

/// Keras's options of `DepthwiseConv2D`.
pub(crate) const OPTIONS: &[Opt] = &[
    ACTIVATION,
    Opt {
        name: "strides",
        default: Fallback::Pair(defaults::conv_2d::STRIDES),
    },
    PADDING,
    Opt {
        name: "depth_multiplier",
        default: Fallback::Count(defaults::depthwise_conv_2d::DEPTH_MULTIPLIER),
    },
    Opt {
        name: "dilation_rate",
        default: Fallback::Pair(defaults::depthwise_conv_2d::DILATION_RATE),
    },
    USE_BIAS,
    DEPTHWISE_INITIALIZER,
    BIAS_INITIALIZER,
    TRAINABLE,
    DEPTHWISE_REGULARIZER,
    BIAS_REGULARIZER,
    ACTIVITY_REGULARIZER,
    DEPTHWISE_CONSTRAINT,
    BIAS_CONSTRAINT,
];

/// Its kernel, for the initializer's rule.
const KERNEL: Tensor = Tensor::Kernel {
    rank: 4,
    layout: "a `DepthwiseConv2D` kernel is 4-D, `(kh, kw, channels, depth_multiplier)`",
};

/// Rule: `DepthwiseConv2D` takes its kernel size and an optional activation, follows an image,
/// and its (dilated) kernel fits in it or pads. Why: it slides each channel's kernels over the
/// image's rows and columns; its output size is Keras's. (Unlike its `Conv2D`, Keras 3's
/// `DepthwiseConv2D` takes strides and dilation above 1 together, and so does this.)
pub(crate) fn rule(ctx: &mut Ctx<'_>) -> Option<Checked> {
    let args = args::split(ctx.decl, OPTIONS, ctx.errors);
    let usage = "1 or 2 arguments, its kernel size and optionally an activation \
                 (`DepthwiseConv2D<(3, 3), Relu>`)";
    if !shape::arity(ctx, args.positional.len(), 1..=2, usage) {
        return None;
    }
    let kernel = pair(args.positional[0], "kernel size", ctx.errors);
    let default_strides = <[usize; 2]>::from(defaults::conv_2d::STRIDES);
    let default_dilation = <[usize; 2]>::from(defaults::depthwise_conv_2d::DILATION_RATE);
    let (mut strides, mut dilation, mut padding) =
        (default_strides, default_dilation, defaults::PADDING);
    let mut multiplier = Some(defaults::depthwise_conv_2d::DEPTH_MULTIPLIER);
    let mut weights = Weights::new(args.positional.get(1).copied(), KERNEL).depthwise();
    for (key, value) in &args.options {
        match key.to_string().as_str() {
            "strides" => strides = pair(value, "strides", ctx.errors).unwrap_or(default_strides),
            "dilation_rate" => {
                dilation = pair(value, "dilation rate", ctx.errors).unwrap_or(default_dilation);
            }
            "padding" => padding = args::padding(value, false, ctx.errors),
            "depth_multiplier" => multiplier = count(value, "depth multiplier", ctx.errors),
            _ => {
                let taken = weights.take(key, value, ctx.errors);
                assert!(taken, "split keeps known options only");
            }
        }
    }
    let (input, image) = shape::incoming_image(ctx)?;
    let (kernel, multiplier) = (kernel?, multiplier?);
    let Some(window) = Window::image_dilated(image, kernel, strides, dilation, padding) else {
        let span = |i: usize| nn_keras::window::dilated(kernel[i], dilation[i]);
        ctx.error(format!(
            "`{}`: its kernel spans {} × {}, more than its {} × {} input, so valid padding \
             leaves no output; use a smaller kernel or `padding = Same`",
            ctx.text,
            span(0),
            span(1),
            image[0],
            image[1]
        ));
        return None;
    };
    let channels = image[2] * multiplier;
    let weights = weights.bias_len(channels);
    let activation = weights.activation(ctx.errors);
    let mut keras = window.keras("kernel_size");
    keras.extend([
        Setting::new(
            "depth_multiplier",
            KerasValue::Size(Size::Known(multiplier)),
        ),
        window.keras_dilation(),
        Setting::new("activation", activation.keras()),
        Setting::new("use_bias", KerasValue::Bool(weights.use_bias)),
    ]);
    keras.extend(weights.initializer_settings());
    let [oh, ow] = window.output;
    let output = Size::Known(oh * ow * channels);
    let taps = Size::Known(kernel[0] * kernel[1]);
    let ty = Type {
        name: "DepthwiseConv2D",
        args: vec![
            TypeArg::Scalar,
            TypeArg::Size(input.clone()),
            TypeArg::Size(output.clone()),
            TypeArg::Size(Size::Known(channels)),
            TypeArg::Size(taps.clone()),
            TypeArg::Type(activation.ty),
            TypeArg::Storage {
                rows: Size::Known(channels),
                cols: taps,
            },
            TypeArg::Bool(weights.use_bias),
        ],
    };
    let span = activation.user_span;
    let kernel_shape = [kernel[0], kernel[1], image[2], multiplier];
    let kernel_shape = kernel_shape.into_iter().map(Size::Known).collect();
    let build = weights.build(vec![window.expr()], activation.value, true, kernel_shape);
    let def = Def {
        span,
        ..Def::new(ty, build).with(keras).activated()
    };
    Some(Checked::layer(input, output, Some([oh, ow, channels]), def))
}
