//! A window (a convolution kernel or a pool) over an image, as the macro computes it: every
//! number is known, and the output size follows Keras's rules (from `nn-keras`).

use nn_keras::Padding;
use nn_keras::window::output_size;
use proc_macro2::Span;

use crate::ir::{Expr, KerasValue, Path, Setting};
use crate::shared::args::{Fallback, Opt};

/// `padding`: `Valid` (Keras's default) or `Same`.
pub(crate) const PADDING: Opt = Opt {
    name: "padding",
    default: Fallback::Name(padding_name(nn_keras::defaults::PADDING)),
};

/// A padding as the DSL and the runtime's `Padding` name it.
const fn padding_name(padding: Padding) -> &'static str {
    match padding {
        Padding::Valid => "Valid",
        Padding::Same => "Same",
    }
}

/// `data_format = "channels_last"`: the layout of every image layer here, as Keras's default.
pub(crate) fn channels_last() -> Setting {
    Setting::new("data_format", KerasValue::Str("channels_last"))
}

/// A window's geometry, all numbers known.
#[derive(Clone, Copy)]
pub(crate) struct Window {
    /// The image it slides over: height, width, channels.
    pub(crate) input: [usize; 3],
    pub(crate) kernel: [usize; 2],
    pub(crate) strides: [usize; 2],
    pub(crate) padding: Padding,
    /// Output height and width.
    pub(crate) output: [usize; 2],
}

impl Window {
    /// The window, or `None` when it leaves no output (larger than a valid-padded input).
    pub(crate) fn new(
        input: [usize; 3],
        kernel: [usize; 2],
        strides: [usize; 2],
        padding: Padding,
    ) -> Option<Self> {
        let size = |i: usize| output_size(input[i], kernel[i], strides[i], padding);
        Some(Self {
            input,
            kernel,
            strides,
            padding,
            output: [size(0)?, size(1)?],
        })
    }

    /// Its Keras settings: the window's size under `size_key` (`kernel_size`, `pool_size`), its
    /// strides and padding, and the data format (always channels-last).
    pub(crate) fn keras(&self, size_key: &'static str) -> Vec<Setting> {
        let padding = match self.padding {
            Padding::Valid => "valid",
            Padding::Same => "same",
        };
        vec![
            Setting::new(size_key, KerasValue::Sizes(self.kernel.to_vec())),
            Setting::new("strides", KerasValue::Sizes(self.strides.to_vec())),
            Setting::new("padding", KerasValue::Str(padding)),
            channels_last(),
        ]
    }

    /// The runtime's `Window` for it, which cannot fail: the macro checked it.
    pub(crate) fn expr(&self) -> Expr {
        let numbers =
            |values: &[usize]| Expr::Tuple(values.iter().copied().map(Expr::Usize).collect());
        let padding = padding_name(self.padding);
        let call = Expr::Call(
            Path::core(&["Window", "new"], Span::call_site()),
            vec![
                numbers(&self.input),
                numbers(&self.kernel),
                numbers(&self.strides),
                Expr::Path(Path::core(&["Padding", padding], Span::call_site())),
            ],
        );
        Expr::Expect(Box::new(call), "network! checked this window")
    }
}
