//! `DepthwiseConv2D<(KH, KW)[, Activation][, option = value]...>`: each channel of a
//! channels-last image convolved with its own `depth_multiplier` kernels, in Keras's
//! `(KH, KW, C, M)` layout; the output is an image of `C·M` channels whose size the macro
//! computes (Keras's valid or same padding, strides, dilation).
//!
//! `SeparableConv2D<FILTERS, (KH, KW)[, Activation][, option = value]...>`: the same, then a
//! pointwise `(1, 1, C·M, FILTERS)` kernel; the output is an image of `FILTERS` channels.

use nn_keras::defaults;

use crate::ir::{KerasValue, Setting, Size, Type, TypeArg};
use crate::shared::args::{self, Fallback, Opt, count, pair};
use crate::shared::context::{Checked, Ctx, Def};
use crate::shared::initializer::Tensor;
use crate::shared::shape;
use crate::shared::weights::{
    ACTIVATION, ACTIVITY_REGULARIZER, BIAS_CONSTRAINT, BIAS_INITIALIZER, BIAS_REGULARIZER,
    DEPTHWISE_CONSTRAINT, DEPTHWISE_INITIALIZER, DEPTHWISE_REGULARIZER, POINTWISE_CONSTRAINT,
    POINTWISE_INITIALIZER, POINTWISE_REGULARIZER, TRAINABLE, USE_BIAS, Weights,
};
use crate::shared::window::{PADDING, Window};

/// The window's options, with Keras's defaults.
const STRIDES: Opt = Opt {
    name: "strides",
    default: Fallback::Pair(defaults::conv_2d::STRIDES),
};
const DEPTH_MULTIPLIER: Opt = Opt {
    name: "depth_multiplier",
    default: Fallback::Count(defaults::depthwise_conv_2d::DEPTH_MULTIPLIER),
};
const DILATION_RATE: Opt = Opt {
    name: "dilation_rate",
    default: Fallback::Pair(defaults::depthwise_conv_2d::DILATION_RATE),
};

/// Keras's options of `DepthwiseConv2D`.
pub(crate) const OPTIONS: &[Opt] = &[
    ACTIVATION,
    STRIDES,
    PADDING,
    DEPTH_MULTIPLIER,
    DILATION_RATE,
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

/// Keras's options of `SeparableConv2D`: `DepthwiseConv2D`'s and the pointwise kernel's.
pub(crate) const SEPARABLE_OPTIONS: &[Opt] = &[
    ACTIVATION,
    STRIDES,
    PADDING,
    DEPTH_MULTIPLIER,
    DILATION_RATE,
    USE_BIAS,
    DEPTHWISE_INITIALIZER,
    POINTWISE_INITIALIZER,
    BIAS_INITIALIZER,
    TRAINABLE,
    DEPTHWISE_REGULARIZER,
    POINTWISE_REGULARIZER,
    BIAS_REGULARIZER,
    ACTIVITY_REGULARIZER,
    DEPTHWISE_CONSTRAINT,
    POINTWISE_CONSTRAINT,
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
    depthwise(ctx, false)
}

/// Rule: `SeparableConv2D` takes its filters, its kernel size and an optional activation, and
/// otherwise follows `DepthwiseConv2D`'s rule. Why: it is a depthwise convolution followed by a
/// pointwise one into its filters.
pub(crate) fn separable(ctx: &mut Ctx<'_>) -> Option<Checked> {
    depthwise(ctx, true)
}

/// The rule of both: a depthwise convolution, then with `pointwise` a `1 × 1` one.
fn depthwise(ctx: &mut Ctx<'_>, pointwise: bool) -> Option<Checked> {
    let (options, usage, arity) = if pointwise {
        let usage = "2 or 3 arguments, its filters, its kernel size and optionally an activation \
                     (`SeparableConv2D<32, (3, 3), Relu>`)";
        (SEPARABLE_OPTIONS, usage, 2..=3)
    } else {
        let usage = "1 or 2 arguments, its kernel size and optionally an activation \
                     (`DepthwiseConv2D<(3, 3), Relu>`)";
        (OPTIONS, usage, 1..=2)
    };
    let args = args::split(ctx.decl, options, ctx.errors);
    if !shape::arity(ctx, args.positional.len(), arity, usage) {
        return None;
    }
    let first = usize::from(pointwise);
    let filters = match pointwise {
        true => count(args.positional[0], "number of filters", ctx.errors).map(Some),
        false => Some(None),
    };
    let kernel = pair(args.positional[first], "kernel size", ctx.errors);
    let default_strides = <[usize; 2]>::from(defaults::conv_2d::STRIDES);
    let default_dilation = <[usize; 2]>::from(defaults::depthwise_conv_2d::DILATION_RATE);
    let (mut strides, mut dilation, mut padding) =
        (default_strides, default_dilation, defaults::PADDING);
    let mut multiplier = Some(defaults::depthwise_conv_2d::DEPTH_MULTIPLIER);
    let weights = Weights::new(args.positional.get(first + 1).copied(), KERNEL);
    let mut weights = match pointwise {
        true => weights.separable(),
        false => weights.depthwise(),
    };
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
    let (kernel, multiplier, filters) = (kernel?, multiplier?, filters?);
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
    let out_channels = filters.unwrap_or(channels);
    let mut weights = weights.bias_len(out_channels);
    if let Some(filters) = filters {
        weights = weights.pointwise_shape([1, 1, channels, filters]);
    }
    let activation = weights.activation(ctx.errors);
    let mut keras: Vec<Setting> = filters
        .map(|f| Setting::new("filters", KerasValue::Size(Size::Known(f))))
        .into_iter()
        .collect();
    keras.extend(window.keras("kernel_size"));
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
    let output = Size::Known(oh * ow * out_channels);
    let taps = kernel[0] * kernel[1];
    let mut args = vec![TypeArg::Scalar, TypeArg::Size(input.clone())];
    if filters.is_some() {
        // The depthwise step's outputs, kept on the stack for one sample.
        args.push(TypeArg::Size(Size::Known(oh * ow * channels)));
    }
    args.extend([
        TypeArg::Size(output.clone()),
        TypeArg::Size(Size::Known(channels)),
        TypeArg::Size(Size::Known(taps)),
    ]);
    args.extend(filters.map(|f| TypeArg::Size(Size::Known(f))));
    args.extend([
        TypeArg::Type(activation.ty),
        // The larger kernel decides where the weights live.
        TypeArg::Storage {
            rows: Size::Known(channels),
            cols: Size::Known(taps.max(filters.unwrap_or(0))),
        },
        TypeArg::Bool(weights.use_bias),
    ]);
    let name = match filters {
        Some(_) => "SeparableConv2D",
        None => "DepthwiseConv2D",
    };
    let ty = Type { name, args };
    let span = activation.user_span;
    let kernel_shape = [kernel[0], kernel[1], image[2], multiplier];
    let kernel_shape = kernel_shape.into_iter().map(Size::Known).collect();
    let build = weights.build(vec![window.expr()], activation.value, true, kernel_shape);
    let def = Def {
        span,
        ..Def::new(ty, build).with(keras).activated()
    };
    Some(Checked::layer(
        input,
        output,
        Some([oh, ow, out_channels]),
        def,
    ))
}
