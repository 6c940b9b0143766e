//! Keras's arithmetic of a window (a convolution kernel or a pool) sliding over one dimension
//! of an image: how many outputs it gives and how much zero padding comes before the first.
//!
//! With `n` input rows, a window of `k` rows and a stride of `s`:
//!
//! | padding | output rows | padding above |
//! |---|---|---|
//! | valid | `floor((n − k) / s) + 1`, none when `k > n` | 0 |
//! | same | `ceil(n / s)` | half the total `max((out − 1)·s + k − n, 0)`, rounded down |
//! | causal (1-D only) | `ceil(n / s)` | `k − 1` |
//!
//! The same holds for columns (padding on the left). Keras puts the odd row of padding below and
//! the odd column on the right. A window dilated by `d` (taps `d` apart) spans
//! `(k − 1)·d + 1` values; pass that span ([`dilated`]) as the window.
//!
//! ```
//! use nn_keras::{Padding, window};
//!
//! assert_eq!(window::output_size(64, 3, 1, Padding::Valid), Some(62));
//! assert_eq!(window::output_size(2, 3, 1, Padding::Valid), None);
//! assert_eq!(window::padding_before(5, 3, 1, Padding::Same), 1);
//! // A causal window of 3 taps, 2 apart, sees 4 steps of the past.
//! assert_eq!(window::padding_before(10, window::dilated(3, 2), 1, Padding::Causal), 4);
//! ```

/// Keras's padding modes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Padding {
    /// No padding: the output shrinks by the window minus one (Keras's default).
    #[default]
    Valid,
    /// Zero padding so that the output size is `ceil(input / stride)`.
    Same,
    /// Zero padding before the sequence only, so that an output never sees a later step
    /// (`Conv1D` only; for temporal models).
    Causal,
}

impl Padding {
    /// Keras's name for it, as a `config.json` writes it (`"valid"`).
    pub const fn name(self) -> &'static str {
        match self {
            Padding::Valid => "valid",
            Padding::Same => "same",
            Padding::Causal => "causal",
        }
    }
}

/// The span of a window of `taps` taps `dilation` apart: `(taps − 1)·dilation + 1` (0 without
/// taps).
pub const fn dilated(taps: usize, dilation: usize) -> usize {
    match taps {
        0 => 0,
        _ => (taps - 1) * dilation + 1,
    }
}

/// The number of outputs of a window of `window` values moved by `stride` over `input` values,
/// or `None` when there is none: a valid window larger than its input, or a size or stride
/// of zero.
pub const fn output_size(
    input: usize,
    window: usize,
    stride: usize,
    padding: Padding,
) -> Option<usize> {
    if input == 0 || window == 0 || stride == 0 {
        return None;
    }
    match padding {
        Padding::Valid if window > input => None,
        Padding::Valid => Some((input - window) / stride + 1),
        Padding::Same | Padding::Causal => Some(input.div_ceil(stride)),
    }
}

/// The rows (or columns) of zeros before the first input value: 0 with valid padding, half the
/// total padding, rounded down, with same padding, the window minus one with causal padding.
/// Meaningful when [`output_size`] is `Some`; 0 otherwise.
pub const fn padding_before(input: usize, window: usize, stride: usize, padding: Padding) -> usize {
    match (output_size(input, window, stride, padding), padding) {
        (Some(output), Padding::Same) => ((output - 1) * stride + window).saturating_sub(input) / 2,
        (Some(_), Padding::Causal) => window - 1,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_keras() {
        assert_eq!(output_size(28, 3, 2, Padding::Valid), Some(13));
        assert_eq!(output_size(28, 3, 2, Padding::Same), Some(14));
        assert_eq!(padding_before(28, 3, 2, Padding::Same), 0);
        assert_eq!(output_size(2, 3, 1, Padding::Same), Some(2));
        assert_eq!(output_size(3, 3, 1, Padding::Valid), Some(1));
        assert_eq!(output_size(3, 3, 0, Padding::Valid), None);
        assert_eq!(output_size(0, 1, 1, Padding::Same), None);
        // An even window: the odd row of padding goes below.
        assert_eq!(padding_before(6, 4, 1, Padding::Same), 1);
        assert_eq!(padding_before(6, 4, 1, Padding::Valid), 0);
        // Causal: everything before, the output as long as the input (over the stride).
        assert_eq!(output_size(10, 3, 1, Padding::Causal), Some(10));
        assert_eq!(output_size(10, 3, 3, Padding::Causal), Some(4));
        assert_eq!(padding_before(10, 3, 3, Padding::Causal), 2);
        // Dilation: 3 taps 2 apart span 5 values.
        assert_eq!(dilated(3, 2), 5);
        assert_eq!(dilated(1, 4), 1);
        assert_eq!(output_size(10, dilated(3, 2), 1, Padding::Valid), Some(6));
        assert_eq!(padding_before(10, dilated(3, 2), 1, Padding::Same), 2);
    }
}
