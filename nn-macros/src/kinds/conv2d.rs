//! `Conv2D<FILTERS, (KH, KW)[, Activation][, option = value]...>`: a 2-D convolution over a
//! channels-last image, kernels in Keras's `(KH, KW, C, FILTERS)` layout; the output is an
//! image of `FILTERS` channels whose size the macro computes (Keras's valid or same padding,
//! strides).

use nn_keras::defaults;

use crate::ir::{KerasValue, Setting, Size, Type, TypeArg};
use crate::shared::args::{self, Fallback, Opt, count, pair};
use crate::shared::context::{Checked, Ctx, Def};
use crate::shared::initializer::Tensor;
use crate::shared::shape;
use crate::shared::weights::{
    ACTIVATION, ACTIVITY_REGULARIZER, BIAS_CONSTRAINT, BIAS_INITIALIZER, BIAS_REGULARIZER,
    KERNEL_CONSTRAINT, KERNEL_INITIALIZER, KERNEL_REGULARIZER, TRAINABLE, USE_BIAS, Weights,
};
use crate::shared::window::{PADDING, Window};

/// Keras's options of `Conv2D`.
pub(crate) const OPTIONS: &[Opt] = &[
    ACTIVATION,
    Opt {
        name: "strides",
        default: Fallback::Pair(defaults::conv_2d::STRIDES),
    },
    PADDING,
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
    rank: 4,
    layout: "a `Conv2D` kernel is 4-D, `(kh, kw, channels, filters)`",
};

/// Rule: `Conv2D` takes its filters, its kernel size and an optional activation, follows an
/// image, and its kernel fits in it (or pads). Why: it slides the kernel over the image's rows
/// and columns; its output size is Keras's.
pub(crate) fn rule(ctx: &mut Ctx<'_>) -> Option<Checked> {
    let args = args::split(ctx.decl, OPTIONS, ctx.errors);
    let usage = "2 or 3 arguments, its filters, its kernel size and optionally an activation \
                 (`Conv2D<32, (3, 3), Relu>`)";
    if !shape::arity(ctx, args.positional.len(), 2..=3, usage) {
        return None;
    }
    let filters = count(args.positional[0], "number of filters", ctx.errors);
    let kernel = pair(args.positional[1], "kernel size", ctx.errors);
    let default_strides = <[usize; 2]>::from(defaults::conv_2d::STRIDES);
    let (mut strides, mut padding) = (default_strides, defaults::PADDING);
    let mut weights = Weights::new(args.positional.get(2).copied(), KERNEL);
    for (key, value) in &args.options {
        match key.to_string().as_str() {
            "strides" => strides = pair(value, "strides", ctx.errors).unwrap_or(default_strides),
            "padding" => padding = args::padding(value, false, ctx.errors),
            _ => {
                let taken = weights.take(key, value, ctx.errors);
                assert!(taken, "split keeps known options only");
            }
        }
    }
    let (input, image) = shape::incoming_image(ctx)?;
    let (filters, kernel) = (filters?, kernel?);
    let Some(window) = Window::new(image, kernel, strides, padding) else {
        ctx.error(format!(
            "`{}`: its {} × {} kernel is larger than its {} × {} input, so valid padding leaves no \
             output; use a smaller kernel or `padding = Same`",
            ctx.text, kernel[0], kernel[1], image[0], image[1]
        ));
        return None;
    };
    let (output, def) = convolution(ctx, input.clone(), filters, &window, weights);
    let [oh, ow] = window.output;
    Some(Checked::layer(input, output, Some([oh, ow, filters]), def))
}

/// A convolution of `filters` filters over `window` (an image's or a sequence's), fed `input`
/// values: its output width and its definition, the same runtime type in 1-D and 2-D.
pub(super) fn convolution(
    ctx: &mut Ctx<'_>,
    input: Size,
    filters: usize,
    window: &Window,
    weights: Weights<'_>,
) -> (Size, Def) {
    let activation = weights.activation(ctx.errors);
    let mut keras = vec![Setting::new(
        "filters",
        KerasValue::Size(Size::Known(filters)),
    )];
    keras.extend(window.keras("kernel_size"));
    // `groups` is an option that `Conv2D` and `Conv1D` here do not have: a file that uses it
    // computes something else, so its neutral value is checked.
    keras.extend([
        window.keras_dilation(),
        Setting::new("groups", KerasValue::Size(Size::Known(1))),
    ]);
    keras.extend([
        Setting::new("activation", activation.keras()),
        Setting::new("use_bias", KerasValue::Bool(weights.use_bias)),
    ]);
    keras.extend(weights.initializer_settings());
    let [oh, ow] = window.output;
    let output = Size::Known(oh * ow * filters);
    // The kernel as a matrix: one row per filter, one column per value under the window.
    let [kh, kw] = window.kernel;
    let channels = window.input[2];
    let patch = Size::Known(kh * kw * channels);
    let ty = Type {
        name: if window.over_steps {
            "Conv1D"
        } else {
            "Conv2D"
        },
        args: vec![
            TypeArg::Scalar,
            TypeArg::Size(input),
            TypeArg::Size(output.clone()),
            TypeArg::Size(Size::Known(filters)),
            TypeArg::Size(patch.clone()),
            TypeArg::Type(activation.ty),
            TypeArg::Storage {
                rows: Size::Known(filters),
                cols: patch,
            },
            TypeArg::Bool(weights.use_bias),
        ],
    };
    let span = activation.user_span;
    let kernel_shape = if window.over_steps {
        vec![kh, channels, filters]
    } else {
        vec![kh, kw, channels, filters]
    };
    let kernel_shape = kernel_shape.into_iter().map(Size::Known).collect();
    let build = weights.build(vec![window.expr()], activation.value, true, kernel_shape);
    let def = Def {
        span,
        ..Def::new(ty, build).with(keras).activated()
    };
    (output, def)
}
