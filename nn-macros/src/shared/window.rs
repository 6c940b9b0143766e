//! A window (a convolution kernel or a pool) over an image or a sequence, as the macro computes
//! it: every number is known, and the output size follows Keras's rules (from `nn-keras`). A
//! sequence of `steps × features` is a `steps × 1` image, as at run time.

use nn_keras::Padding;
use nn_keras::window::{dilated, output_size};
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
        Padding::Causal => "Causal",
    }
}

/// `data_format = "channels_last"`: the layout of every image layer here, as Keras's default.
pub(crate) fn channels_last() -> Setting {
    Setting::new("data_format", KerasValue::Str("channels_last"))
}

/// A global pool's settings: channels last, and `keepdims = false` (Keras's default: a vector
/// out, not a `1 × 1 × C` image), which is what the global pools here compute.
pub(crate) fn global_pool() -> Vec<Setting> {
    vec![
        channels_last(),
        Setting::new("keepdims", KerasValue::Bool(false)),
    ]
}

/// A window's geometry, all numbers known.
#[derive(Clone, Copy)]
pub(crate) struct Window {
    /// The image it slides over: height, width, channels (steps, 1, features for a sequence).
    pub(crate) input: [usize; 3],
    pub(crate) kernel: [usize; 2],
    pub(crate) strides: [usize; 2],
    /// Rows and columns between taps.
    pub(crate) dilation: [usize; 2],
    pub(crate) padding: Padding,
    /// Output height and width.
    pub(crate) output: [usize; 2],
    /// Whether it slides over a sequence (its Keras sizes have one number).
    pub(crate) over_steps: bool,
}

impl Window {
    /// A window over an image, or `None` when it leaves no output (larger than a valid-padded
    /// input).
    pub(crate) fn new(
        input: [usize; 3],
        kernel: [usize; 2],
        strides: [usize; 2],
        padding: Padding,
    ) -> Option<Self> {
        Self::dilated(input, kernel, strides, [1, 1], padding, false)
    }

    /// [`new`](Self::new) with taps `dilation` rows and columns apart.
    pub(crate) fn image_dilated(
        input: [usize; 3],
        kernel: [usize; 2],
        strides: [usize; 2],
        dilation: [usize; 2],
        padding: Padding,
    ) -> Option<Self> {
        Self::dilated(input, kernel, strides, dilation, padding, false)
    }

    /// A window of `k` taps `d` steps apart, moved by `s` steps over a sequence of `[steps,
    /// features]`, or `None` when it leaves no output.
    pub(crate) fn sequence(
        [steps, features]: [usize; 2],
        k: usize,
        s: usize,
        d: usize,
        padding: Padding,
    ) -> Option<Self> {
        Self::dilated([steps, 1, features], [k, 1], [s, 1], [d, 1], padding, true)
    }

    fn dilated(
        input: [usize; 3],
        kernel: [usize; 2],
        strides: [usize; 2],
        dilation: [usize; 2],
        padding: Padding,
        over_steps: bool,
    ) -> Option<Self> {
        let size = |i: usize| {
            output_size(
                input[i],
                dilated(kernel[i], dilation[i]),
                strides[i],
                padding,
            )
        };
        Some(Self {
            input,
            kernel,
            strides,
            dilation,
            padding,
            output: [size(0)?, size(1)?],
            over_steps,
        })
    }

    /// The numbers Keras writes for a setting that has one per dimension.
    fn per_dimension(&self, values: [usize; 2]) -> KerasValue {
        let dimensions = if self.over_steps { 1 } else { 2 };
        KerasValue::Sizes(values[..dimensions].to_vec())
    }

    /// Its Keras settings: the window's size under `size_key` (`kernel_size`, `pool_size`), its
    /// strides and padding, and the data format (always channels-last).
    pub(crate) fn keras(&self, size_key: &'static str) -> Vec<Setting> {
        vec![
            Setting::new(size_key, self.per_dimension(self.kernel)),
            Setting::new("strides", self.per_dimension(self.strides)),
            Setting::new("padding", KerasValue::Str(self.padding.name())),
            channels_last(),
        ]
    }

    /// Its `dilation_rate`, as Keras writes it.
    pub(crate) fn keras_dilation(&self) -> Setting {
        Setting::new("dilation_rate", self.per_dimension(self.dilation))
    }

    /// The runtime's `Window` for it, which cannot fail: the macro checked it.
    pub(crate) fn expr(&self) -> Expr {
        let numbers =
            |values: &[usize]| Expr::Tuple(values.iter().copied().map(Expr::Usize).collect());
        let padding = Expr::Path(Path::core(
            &["Padding", padding_name(self.padding)],
            Span::call_site(),
        ));
        let call = if self.over_steps {
            Expr::Call(
                Path::core(&["Window", "sequence"], Span::call_site()),
                vec![
                    numbers(&[self.input[0], self.input[2]]),
                    Expr::Usize(self.kernel[0]),
                    Expr::Usize(self.strides[0]),
                    Expr::Usize(self.dilation[0]),
                    padding,
                ],
            )
        } else if self.dilation != [1, 1] {
            Expr::Call(
                Path::core(&["Window", "dilated"], Span::call_site()),
                vec![
                    numbers(&self.input),
                    numbers(&self.kernel),
                    numbers(&self.strides),
                    numbers(&self.dilation),
                    padding,
                ],
            )
        } else {
            Expr::Call(
                Path::core(&["Window", "new"], Span::call_site()),
                vec![
                    numbers(&self.input),
                    numbers(&self.kernel),
                    numbers(&self.strides),
                    padding,
                ],
            )
        };
        Expr::Expect(Box::new(call), "network! checked this window")
    }
}
