//! TensorFlow Lite's int8 `FULLY_CONNECTED`: `y = requantize(W · (x − zero_x) + b)`.

use crate::int8::{Multiplier, Output};

/// An int8 fully connected operator's constants, borrowed: TensorFlow Lite's
/// `reference_integer_ops::FullyConnected` (per tensor) and its per-channel form.
#[derive(Clone, Copy, Debug)]
pub struct FullyConnected<'a> {
    /// The weights, one row of `x.len()` values per output (`OI`), zero point 0.
    pub weights: &'a [i8],
    /// One int32 bias per output at `scale_x · scale_w`, or empty for none.
    pub bias: &'a [i32],
    /// The requantization factor `scale_x · scale_w / scale_y`: one for every output (weights
    /// quantized per tensor) or one per output (per channel).
    pub multipliers: &'a [Multiplier],
    /// The input's zero point.
    pub input_zero: i32,
    /// The output's zero point and fused activation.
    pub output: Output,
}

impl FullyConnected<'_> {
    /// `y = requantize(W · (x − zero_x) + b)`, for `y.len()` outputs.
    ///
    /// # Panics
    ///
    /// When the weights are not `y.len() · x.len()` values, or the bias or the multipliers
    /// are neither empty/one nor one per output: the constants were built for another shape.
    pub fn run(&self, x: &[i8], y: &mut [i8]) {
        let width = x.len();
        assert_eq!(
            self.weights.len(),
            width * y.len(),
            "weights for another shape"
        );
        assert!(self.bias.is_empty() || self.bias.len() == y.len());
        assert!(self.multipliers.len() == 1 || self.multipliers.len() == y.len());
        for (o, (out, row)) in y
            .iter_mut()
            .zip(self.weights.chunks_exact(width.max(1)))
            .enumerate()
        {
            let sum = dot(row, x, self.input_zero) + self.bias.get(o).copied().unwrap_or(0);
            let m = self.multipliers[if self.multipliers.len() == 1 { 0 } else { o }];
            *out = self.output.store(m.apply(sum));
        }
    }
}

/// `Σ w · (x − zero)` in int32, as TensorFlow Lite sums it. Each term is below 2^15 in size, so
/// no sum of fewer than 65,536 terms overflows; a longer one wraps rather than panics.
#[inline(always)]
pub(crate) fn dot(w: &[i8], x: &[i8], zero: i32) -> i32 {
    w.iter().zip(x).fold(0i32, |acc, (&w, &x)| {
        acc.wrapping_add(i32::from(w) * (i32::from(x) - zero))
    })
}
