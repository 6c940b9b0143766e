//! TensorFlow Lite's int8 `PRELU` (its `reference_ops::BroadcastPrelu4DSlow`, int8): each input
//! less its zero point, requantized by one factor where it is at least 0, and where it is
//! below, times its own slope less the slope's zero point, by another.

use crate::int8::Multiplier;

/// An int8 PReLU's constants, as TensorFlow Lite's `PreluPrepare` computes them from the
/// quantization of the input, of the slopes (`alpha`, a constant int8 tensor of its own) and of
/// the output; the slopes themselves are given to [`PRelu::run`].
///
/// ```
/// use nn_core::int8::kernels::PRelu;
///
/// // Input and output of scale 0.1, slopes of scale 1/64: 32 is a slope of 1/2, −16 of −1/4.
/// let prelu = PRelu::new((0.1, 0), (1.0 / 64.0, 0), (0.1, 0));
/// let mut y = [0i8; 4];
/// prelu.run(&[32, -16, 32, 64], &[-40, -40, 7, -3], &mut y);
/// assert_eq!(y, [-20, 10, 7, -3]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PRelu {
    /// The input's zero point.
    pub input_zero: i32,
    /// The slopes' zero point.
    pub alpha_zero: i32,
    /// The output's zero point.
    pub output_zero: i32,
    /// `scale_x / scale_y`, for inputs at or above the zero point.
    pub identity: Multiplier,
    /// `scale_x · scale_alpha / scale_y`, for inputs below it (times the slope's integer).
    pub negative: Multiplier,
}

impl PRelu {
    /// The constants for an input of `(scale, zero point)` `x`, slopes `alpha` and an output
    /// `y`: TensorFlow Lite's `QuantizeMultiplier` of `scale_x / scale_y` and of
    /// `scale_x · scale_alpha / scale_y`, each computed in `f32` (as its `float` scales are)
    /// before it is widened.
    pub fn new(
        (x_scale, x_zero): (f32, i32),
        (alpha_scale, alpha_zero): (f32, i32),
        (y_scale, y_zero): (f32, i32),
    ) -> Self {
        Self {
            input_zero: x_zero,
            alpha_zero,
            output_zero: y_zero,
            identity: Multiplier::from_real(f64::from(x_scale / y_scale)),
            negative: Multiplier::from_real(f64::from(x_scale * alpha_scale / y_scale)),
        }
    }

    /// `y[i]` from `x[i]` and its slope `alpha[i]`: `zero_y + requantize(x − zero_x)` at or
    /// above the input's zero point, `zero_y + requantize((x − zero_x) · (α − zero_α))` below,
    /// each with gemmlowp's two roundings ([`Multiplier::apply_twice`]), clamped to int8.
    ///
    /// # Panics
    ///
    /// When `alpha`, `x` and `y` differ in length.
    #[inline]
    pub fn run(&self, alpha: &[i8], x: &[i8], y: &mut [i8]) {
        assert!(
            alpha.len() == x.len() && x.len() == y.len(),
            "PReLU slopes, input and output lengths differ"
        );
        for ((y, &x), &a) in y.iter_mut().zip(x).zip(alpha) {
            let v = i32::from(x).wrapping_sub(self.input_zero);
            let scaled = if v >= 0 {
                self.identity.apply_twice(v)
            } else {
                let a = i32::from(a).wrapping_sub(self.alpha_zero);
                self.negative.apply_twice(v.wrapping_mul(a))
            };
            *y = self.output_zero.wrapping_add(scaled).clamp(-128, 127) as i8;
        }
    }
}
