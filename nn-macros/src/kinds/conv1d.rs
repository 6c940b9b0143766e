//! `Conv1D<FILTERS, K[, Activation][, option = value]...>`: a 1-D convolution over the steps of
//! a sequence, kernels in Keras's `(K, FEATURES, FILTERS)` layout; the output is a sequence of
//! `FILTERS` features whose length the macro computes (Keras's valid, same or causal padding,
//! strides, dilation).

use crate::shared::args::{self, Fallback, Opt, count};
use crate::shared::context::{Checked, Ctx};
use crate::shared::initializer::Tensor;
use crate::shared::shape;
use crate::shared::weights::{
    ACTIVATION, ACTIVITY_REGULARIZER, BIAS_CONSTRAINT, BIAS_INITIALIZER, BIAS_REGULARIZER,
    KERNEL_CONSTRAINT, KERNEL_INITIALIZER, KERNEL_REGULARIZER, TRAINABLE, USE_BIAS, Weights,
};
use crate::shared::window::{PADDING, Window};

/// Keras's options of `Conv1D`.
pub(crate) const OPTIONS: &[Opt] = &[
    ACTIVATION,
    Opt {
        name: "strides",
        default: Fallback::Count(1),
    },
    PADDING,
    Opt {
        name: "dilation_rate",
        default: Fallback::Count(1),
    },
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
    rank: 3,
    layout: "a `Conv1D` kernel is 3-D, `(k, features, filters)`",
};

/// Rule: `Conv1D` takes its filters, its kernel size and an optional activation, follows a
/// sequence, and its kernel (dilated) fits in it or pads. Why: it slides the kernel along the
/// steps; its output length is Keras's.
pub(crate) fn rule(ctx: &mut Ctx<'_>) -> Option<Checked> {
    let args = args::split(ctx.decl, OPTIONS, ctx.errors);
    let usage = "2 or 3 arguments, its filters, its kernel size and optionally an activation \
                 (`Conv1D<32, 3, Relu>`)";
    if !shape::arity(ctx, args.positional.len(), 2..=3, usage) {
        return None;
    }
    let filters = count(args.positional[0], "number of filters", ctx.errors);
    let kernel = count(args.positional[1], "kernel size", ctx.errors);
    let (mut strides, mut dilation, mut padding) = (1, 1, nn_keras::defaults::PADDING);
    let mut weights = Weights::new(args.positional.get(2).copied(), KERNEL);
    for (key, value) in &args.options {
        match key.to_string().as_str() {
            "strides" => strides = count(value, "stride", ctx.errors).unwrap_or(1),
            "dilation_rate" => dilation = count(value, "dilation rate", ctx.errors).unwrap_or(1),
            "padding" => padding = args::padding(value, true, ctx.errors),
            _ => {
                let taken = weights.take(key, value, ctx.errors);
                assert!(taken, "split keeps known options only");
            }
        }
    }
    if strides > 1 && dilation > 1 {
        // Keras refuses the pair too.
        ctx.error(format!(
            "`{}`: strides and a dilation rate both above 1 are not supported (Keras refuses \
             them too); set one of them to 1",
            ctx.text
        ));
        return None;
    }
    let (input, sequence) = shape::incoming_sequence_or_error(ctx)?;
    let (filters, kernel) = (filters?, kernel?);
    let Some(window) = Window::sequence(sequence, kernel, strides, dilation, padding) else {
        let span = nn_keras::window::dilated(kernel, dilation);
        ctx.error(format!(
            "`{}`: its kernel spans {span} steps, more than its input's {}, so valid padding \
             leaves no output; use a smaller kernel or `padding = Same`",
            ctx.text, sequence[0]
        ));
        return None;
    };
    let (output, def) = super::conv2d::convolution(ctx, input.clone(), filters, &window, weights);
    Some(Checked {
        sequence: Some([window.output[0], filters]),
        ..Checked::layer(input, output, None, def)
    })
}
