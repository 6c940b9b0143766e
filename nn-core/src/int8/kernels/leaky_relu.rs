//! TensorFlow Lite's int8 `LEAKY_RELU` (its `reference_ops::QuantizeLeakyRelu`): each input
//! less its zero point, requantized by one factor where it is at least 0 and by another,
//! `alpha` times the first, where it is below.

use crate::int8::Multiplier;

/// An int8 leaky ReLU's constants, as TensorFlow Lite's `LeakyReluPrepare` computes them from
/// the input's and output's quantization and the slope `alpha`.
///
/// ```
/// use nn_core::int8::kernels::LeakyRelu;
///
/// // Input and output of scale 0.1 and zero point 0, slope 0.5.
/// let leaky = LeakyRelu::new((0.1, 0), (0.1, 0), 0.5);
/// let mut y = [0i8; 4];
/// leaky.run(&[-40, -3, 0, 90], &mut y);
/// assert_eq!(y, [-20, -1, 0, 90]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LeakyRelu {
    /// The slope of the negative part, as the file has it.
    pub alpha: f32,
    /// The input's zero point.
    pub input_zero: i32,
    /// The output's zero point.
    pub output_zero: i32,
    /// `scale_x / scale_y`, for inputs at or above the zero point.
    pub identity: Multiplier,
    /// `scale_x · alpha / scale_y`, for inputs below it (negative for a negative `alpha`).
    pub negative: Multiplier,
}

impl LeakyRelu {
    /// The constants for an input of `(scale, zero point)` `x` into an output `y`, with slope
    /// `alpha`: TensorFlow Lite's `QuantizeMultiplier` of `scale_x · alpha / scale_y` and of
    /// `scale_x / scale_y`, each computed in `f32` (as its `float` scales and `alpha` are)
    /// before it is widened.
    pub fn new((x_scale, x_zero): (f32, i32), (y_scale, y_zero): (f32, i32), alpha: f32) -> Self {
        Self {
            alpha,
            input_zero: x_zero,
            output_zero: y_zero,
            identity: Multiplier::from_real(f64::from(x_scale / y_scale)),
            negative: Multiplier::from_real(f64::from(x_scale * alpha / y_scale)),
        }
    }

    /// `y[i]` from `x[i]`: `zero_y + requantize(x − zero_x)` by the identity's factor at or
    /// above the zero point and by the slope's below it (a negative factor applied to the
    /// magnitude and negated, as the reference does), each with gemmlowp's two roundings
    /// ([`Multiplier::apply_twice`], TensorFlow Lite's `MultiplyByQuantizedMultiplier` as its
    /// interpreter is built), clamped to int8.
    #[inline]
    pub fn run(&self, x: &[i8], y: &mut [i8]) {
        let flip = self.negative.value < 0;
        let negative = Multiplier {
            value: self.negative.value.wrapping_abs(),
            shift: self.negative.shift,
        };
        for (y, &x) in y.iter_mut().zip(x) {
            let v = i32::from(x) - self.input_zero;
            let scaled = if v >= 0 {
                self.identity.apply_twice(v)
            } else {
                let s = negative.apply_twice(v);
                if flip { s.wrapping_neg() } else { s }
            };
            // Clamped to int8's range.
            *y = self.output_zero.wrapping_add(scaled).clamp(-128, 127) as i8;
        }
    }
}
