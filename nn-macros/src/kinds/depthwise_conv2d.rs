//! `DepthwiseConv2D<(KH, KW)[, Activation][, option = value]...>`: each channel of a
//! channels-last image convolved with its own `depth_multiplier` kernels, in Keras's
//! `(KH, KW, C, M)` layout; the output is an image of `C·M` channels whose size the macro
//! computes (Keras's valid or same padding, strides, dilation).
//!
//! `SeparableConv2D<FILTERS, (KH, KW)[, Activation][, option = value]...>`: the same, then a
//! pointwise `(1, 1, C·M, FILTERS)` kernel; the output is an image of `FILTERS` channels.
//!
//! `DepthwiseConv1D<K[, Activation]...>` and `SeparableConv1D<FILTERS, K[, Activation]...>`:
//! the same over the steps of a sequence (a `steps × 1` image, as `Conv1D`'s), kernels
//! `(K, C, M)` and `(1, C·M, FILTERS)`, one number per window size; a sequence out.

use nn_keras::defaults;

use crate::ast::Value;
use crate::errors::Errors;
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

/// The window's options, with Keras's defaults: a pair over images, one number over steps.
const STRIDES: Opt = Opt {
    name: "strides",
    default: Fallback::Pair(defaults::conv_2d::STRIDES),
};
const DILATION_RATE: Opt = Opt {
    name: "dilation_rate",
    default: Fallback::Pair(defaults::depthwise_conv_2d::DILATION_RATE),
};
const STRIDES_1D: Opt = Opt {
    name: "strides",
    default: Fallback::Count(defaults::conv_2d::STRIDES.0),
};
const DILATION_RATE_1D: Opt = Opt {
    name: "dilation_rate",
    default: Fallback::Count(defaults::depthwise_conv_2d::DILATION_RATE.0),
};
const DEPTH_MULTIPLIER: Opt = Opt {
    name: "depth_multiplier",
    default: Fallback::Count(defaults::depthwise_conv_2d::DEPTH_MULTIPLIER),
};

/// Keras's options of a depthwise convolution with these strides and dilation rate, then
/// `more`; with `separable`, the pointwise kernel's.
macro_rules! options {
    (separable $strides:expr, $dilation:expr) => {
        options!(
            $strides,
            $dilation,
            POINTWISE_INITIALIZER,
            POINTWISE_REGULARIZER,
            POINTWISE_CONSTRAINT
        )
    };
    ($strides:expr, $dilation:expr $(, $more:expr)*) => {
        &[
            ACTIVATION,
            $strides,
            PADDING,
            DEPTH_MULTIPLIER,
            $dilation,
            USE_BIAS,
            DEPTHWISE_INITIALIZER,
            BIAS_INITIALIZER,
            TRAINABLE,
            DEPTHWISE_REGULARIZER,
            BIAS_REGULARIZER,
            ACTIVITY_REGULARIZER,
            DEPTHWISE_CONSTRAINT,
            BIAS_CONSTRAINT,
            $($more,)*
        ]
    };
}

/// Keras's options of `DepthwiseConv2D`.
pub(crate) const OPTIONS: &[Opt] = options!(STRIDES, DILATION_RATE);
/// Keras's options of `SeparableConv2D`: `DepthwiseConv2D`'s and the pointwise kernel's.
pub(crate) const SEPARABLE_OPTIONS: &[Opt] = options!(separable STRIDES, DILATION_RATE);
/// Keras's options of `DepthwiseConv1D`.
pub(crate) const OPTIONS_1D: &[Opt] = options!(STRIDES_1D, DILATION_RATE_1D);
/// Keras's options of `SeparableConv1D`.
pub(crate) const SEPARABLE_OPTIONS_1D: &[Opt] = options!(separable STRIDES_1D, DILATION_RATE_1D);

/// Rule: `DepthwiseConv2D` takes its kernel size and an optional activation, follows an image,
/// and its (dilated) kernel fits in it or pads. Why: it slides each channel's kernels over the
/// image's rows and columns; its output size is Keras's. (Unlike its `Conv2D`, Keras 3's
/// `DepthwiseConv2D` takes strides and dilation above 1 together, and so does this.)
pub(crate) fn rule(ctx: &mut Ctx<'_>) -> Option<Checked> {
    depthwise(ctx, false, false)
}

/// Rule: `SeparableConv2D` takes its filters, its kernel size and an optional activation, and
/// otherwise follows `DepthwiseConv2D`'s rule. Why: it is a depthwise convolution followed by a
/// pointwise one into its filters.
pub(crate) fn separable(ctx: &mut Ctx<'_>) -> Option<Checked> {
    depthwise(ctx, true, false)
}

/// Rule: `DepthwiseConv1D` takes its kernel size (one number) and an optional activation,
/// follows a sequence, and its (dilated) kernel fits in it or pads (`Valid` or `Same`, as Keras
/// takes). Why: it slides each channel's kernels along the steps; its output length is Keras's.
/// (Keras 3 takes strides and dilation above 1 together here too, unlike its `Conv1D`.)
pub(crate) fn rule_1d(ctx: &mut Ctx<'_>) -> Option<Checked> {
    depthwise(ctx, false, true)
}

/// Rule: `SeparableConv1D` takes its filters, its kernel size and an optional activation, and
/// otherwise follows `DepthwiseConv1D`'s rule. Why: a depthwise convolution along the steps,
/// then a pointwise one into its filters.
pub(crate) fn separable_1d(ctx: &mut Ctx<'_>) -> Option<Checked> {
    depthwise(ctx, true, true)
}

/// The rule of all four: a depthwise convolution over an image (or with `over_steps` a
/// sequence, a `steps × 1` image), then with `pointwise` a `1 × 1` one.
fn depthwise(ctx: &mut Ctx<'_>, pointwise: bool, over_steps: bool) -> Option<Checked> {
    let (options, example) = match (pointwise, over_steps) {
        (false, false) => (OPTIONS, "`DepthwiseConv2D<(3, 3), Relu>`"),
        (true, false) => (SEPARABLE_OPTIONS, "`SeparableConv2D<32, (3, 3), Relu>`"),
        (false, true) => (OPTIONS_1D, "`DepthwiseConv1D<3, Relu>`"),
        (true, true) => (SEPARABLE_OPTIONS_1D, "`SeparableConv1D<32, 3, Relu>`"),
    };
    let (usage, arity) = if pointwise {
        let usage = "2 or 3 arguments, its filters, its kernel size and optionally an activation";
        (usage, 2..=3)
    } else {
        (
            "1 or 2 arguments, its kernel size and optionally an activation",
            1..=2,
        )
    };
    let args = args::split(ctx.decl, options, ctx.errors);
    if !shape::arity(
        ctx,
        args.positional.len(),
        arity,
        &format!("{usage} ({example})"),
    ) {
        return None;
    }
    // A window's size: a pair over an image, one number over steps (one column wide).
    let size = |value: &Value, what: &str, errors: &mut Errors| match over_steps {
        true => count(value, what, errors).map(|n| [n, 1]),
        false => pair(value, what, errors),
    };
    let first = usize::from(pointwise);
    let filters = match pointwise {
        true => count(args.positional[0], "number of filters", ctx.errors).map(Some),
        false => Some(None),
    };
    let kernel = size(args.positional[first], "kernel size", ctx.errors);
    let default_strides = <[usize; 2]>::from(defaults::conv_2d::STRIDES);
    let default_dilation = <[usize; 2]>::from(defaults::depthwise_conv_2d::DILATION_RATE);
    let (mut strides, mut dilation, mut padding) =
        (default_strides, default_dilation, defaults::PADDING);
    let mut multiplier = Some(defaults::depthwise_conv_2d::DEPTH_MULTIPLIER);
    // Its kernels, for the initializer's rule.
    let (rank, layouts) = match over_steps {
        true => (
            3,
            [
                "a `DepthwiseConv1D` kernel is 3-D, `(k, channels, depth_multiplier)`",
                "a `SeparableConv1D` pointwise kernel is 3-D, `(1, channels, filters)`",
            ],
        ),
        false => (
            4,
            [
                "a `DepthwiseConv2D` kernel is 4-D, `(kh, kw, channels, depth_multiplier)`",
                "a `SeparableConv2D` pointwise kernel is 4-D, `(1, 1, channels, filters)`",
            ],
        ),
    };
    let [kernel_tensor, pointwise_tensor] = layouts.map(|layout| Tensor::Kernel { rank, layout });
    let weights = Weights::new(args.positional.get(first + 1).copied(), kernel_tensor);
    let mut weights = match pointwise {
        true => weights.separable(pointwise_tensor),
        false => weights.depthwise(),
    };
    for (key, value) in &args.options {
        match key.to_string().as_str() {
            "strides" => strides = size(value, "strides", ctx.errors).unwrap_or(default_strides),
            "dilation_rate" => {
                dilation = size(value, "dilation rate", ctx.errors).unwrap_or(default_dilation);
            }
            "padding" => padding = args::padding(value, false, ctx.errors),
            "depth_multiplier" => multiplier = count(value, "depth multiplier", ctx.errors),
            _ => {
                let taken = weights.take(key, value, ctx.errors);
                assert!(taken, "split keeps known options only");
            }
        }
    }
    let (input, image) = if over_steps {
        let (input, [steps, features]) = shape::incoming_sequence_or_error(ctx)?;
        (input, [steps, 1, features])
    } else {
        shape::incoming_image(ctx)?
    };
    let (kernel, multiplier, filters) = (kernel?, multiplier?, filters?);
    let window = match over_steps {
        true => Window::sequence(
            [image[0], image[2]],
            kernel[0],
            strides[0],
            dilation[0],
            padding,
        ),
        false => Window::image_dilated(image, kernel, strides, dilation, padding),
    };
    let Some(window) = window else {
        let span = |i: usize| nn_keras::window::dilated(kernel[i], dilation[i]);
        let (spans, input_size) = match over_steps {
            true => (
                format!("{} steps", span(0)),
                format!("input's {}", image[0]),
            ),
            false => (
                format!("{} × {}", span(0), span(1)),
                format!("{} × {} input", image[0], image[1]),
            ),
        };
        ctx.error(format!(
            "`{}`: its kernel spans {spans}, more than its {input_size}, so valid padding leaves \
             no output; use a smaller kernel or `padding = Same`",
            ctx.text
        ));
        return None;
    };
    let channels = image[2] * multiplier;
    let out_channels = filters.unwrap_or(channels);
    let mut weights = weights.bias_len(out_channels);
    if let Some(filters) = filters {
        let shape = match over_steps {
            true => vec![1, channels, filters],
            false => vec![1, 1, channels, filters],
        };
        weights = weights.pointwise_shape(shape);
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
    let name = match (filters, over_steps) {
        (Some(_), false) => "SeparableConv2D",
        (None, false) => "DepthwiseConv2D",
        (Some(_), true) => "SeparableConv1D",
        (None, true) => "DepthwiseConv1D",
    };
    let ty = Type { name, args };
    let span = activation.user_span;
    let kernel_shape = match over_steps {
        true => vec![kernel[0], image[2], multiplier],
        false => vec![kernel[0], kernel[1], image[2], multiplier],
    };
    let kernel_shape = kernel_shape.into_iter().map(Size::Known).collect();
    let build = weights.build(vec![window.expr()], activation.value, true, kernel_shape);
    let def = Def {
        span,
        ..Def::new(ty, build).with(keras).activated()
    };
    let checked = Checked::layer(input, output, None, def);
    Some(match over_steps {
        true => Checked {
            sequence: Some([oh, out_channels]),
            ..checked
        },
        false => Checked {
            image: Some([oh, ow, out_channels]),
            ..checked
        },
    })
}
