//! TensorFlow Lite's int8 `MEAN` over an image's height and width (the global average Keras's
//! `GlobalAveragePooling2D` converts to), as TensorFlow 2.21.0's interpreter computes it with
//! its reference kernels: `reduce.cc`'s `EvalQuantizedMean`, which calls
//! `reference_ops::QuantizedMeanOrSum` (`kernels/internal/reference/reduce.h`) whatever
//! `keep_dims` and whether or not the scales differ.

use crate::int8::Multiplier;

/// An int8 mean of each channel over all positions, requantized from the input's scale and
/// zero point into the output's.
///
/// TensorFlow Lite prepares `scale_in / scale_out` (in `f64`) as a [`Multiplier`]
/// `(m, shift)`, then folds the division by the `n` positions into it: with
/// `s = min(⌊log2 n⌋, 32, 31 + shift)`, the factor becomes `(⌊m · 2^s / n⌋, shift − s)`,
/// `multiplier` here. Each output is then
/// `clamp(apply_twice(Σ x − zero_in · n) + zero_out, −128, 127)`, the sum in `i32` and
/// [`Multiplier::apply_twice`]'s two roundings (its `MultiplyByQuantizedMultiplier`).
///
/// ```
/// use nn_core::int8::kernels::Mean;
///
/// // Two positions of three channels, the same scale in and out: the mean, halves rounded
/// // upwards (1.5, −4.5, 100.5).
/// let mean = Mean::new((0.5, 0), (0.5, 0), 2);
/// let mut y = [0i8; 3];
/// mean.run(&[1, -4, 100, 2, -5, 101], &mut y);
/// assert_eq!(y, [2, -4, 101]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mean {
    /// `scale_in / (n · scale_out)` as TensorFlow Lite folds it (its significand may be below
    /// 2^30).
    pub multiplier: Multiplier,
    /// The input's zero point.
    pub input_zero: i32,
    /// The output's zero point.
    pub output_zero: i32,
}

impl Mean {
    /// The constants of a mean over `positions` positions from an input of scale and zero
    /// point `input` into an output of `output`, as TensorFlow Lite's `PrepareMeanOrSum` and
    /// `QuantizedMeanOrSum` compute them.
    pub fn new(input: (f32, i32), output: (f32, i32), positions: usize) -> Self {
        let m = Multiplier::from_real(f64::from(input.0) / f64::from(output.0));
        Self {
            multiplier: Self::fold(m, positions),
            input_zero: input.1,
            output_zero: output.1,
        }
    }

    /// `m / n`, as `QuantizedMeanOrSum` folds the division into the factor: the significand
    /// shifted left by `s = min(⌊log2 n⌋, 32, 31 + shift)` bits and divided by `n` (in `i64`,
    /// truncated), the shift lowered by `s`. `n = 0` leaves `m`.
    pub fn fold(m: Multiplier, n: usize) -> Multiplier {
        let Ok(n) = i64::try_from(n) else {
            return Multiplier { value: 0, shift: 0 };
        };
        if n == 0 {
            return m;
        }
        let log2 = 63 - n.leading_zeros() as i32;
        let s = log2.min(32).min(31 + m.shift).max(0);
        Multiplier {
            value: ((i64::from(m.value) << s) / n) as i32,
            shift: m.shift - s,
        }
    }

    /// Each of the `y.len()` channels' mean over the `x.len() / y.len()` positions of `x`
    /// (`HWC`): `clamp(apply_twice(Σ x − zero_in · n) + zero_out, −128, 127)`. With no
    /// position, zeros (TensorFlow Lite's output for an empty input).
    ///
    /// # Panics
    ///
    /// When `x` is not a whole number of positions of `y.len()` channels.
    pub fn run(&self, x: &[i8], y: &mut [i8]) {
        let c = y.len();
        if c == 0 {
            return;
        }
        assert_eq!(x.len() % c, 0, "input of another size");
        let n = x.len() / c;
        if n == 0 {
            y.fill(0);
            return;
        }
        // `zero_in · n` in `i64`, then the difference taken back to `i32`, as TensorFlow Lite
        // computes it.
        let offset = i64::from(self.input_zero) * n as i64;
        for (ch, out) in y.iter_mut().enumerate() {
            let sum = x[ch..]
                .iter()
                .step_by(c)
                .fold(0i32, |s, &v| s.wrapping_add(i32::from(v)));
            let shifted = (i64::from(sum) - offset) as i32;
            let value = self
                .multiplier
                .apply_twice(shifted)
                .wrapping_add(self.output_zero);
            *out = value.clamp(-128, 127) as i8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// TensorFlow Lite's reference kernel's outputs on cases that another rounding gets
    /// wrong: the expected values were computed by `QuantizedMeanOrSum`'s arithmetic written
    /// out in Python, which agrees with TensorFlow 2.21.0's `BUILTIN_REF` interpreter on 3,000
    /// `MEAN` outputs of two converted models. `reference_integer_ops::Mean`'s order (requantize
    /// the sum, then divide by `n` rounding half away from zero), or one rounding in place of
    /// `apply_twice`'s two, is one off in some of them (noted at each).
    #[test]
    fn folds_and_rounds_as_tflite_does() {
        // A MEAN as TensorFlow's converter writes one for a global average after a ReLU: 7×6
        // positions, scale 0.012580744 zero −128 in, 0.002317185 zero −128 out.
        let mean = Mean::new((0.012_580_744, -128), (0.002_317_185, -128), 42);
        // 0.012580744 / 0.002317185 = 5.429… = 0.678… · 2^3 (significand 1457422554), and
        // ⌊log2 42⌋ = 5.
        assert_eq!(
            mean.multiplier,
            Multiplier {
                value: ((1_457_422_554_i64 << 5) / 42) as i32,
                shift: 3 - 5
            }
        );
        // A channel of 42 values summing to −5376 + `above`, and its output; the other
        // orders' outputs in the comments.
        let cases: [(i32, i8); 7] = [
            (0, -128),
            (3, -127),  // divided after: −128; one rounding: −128
            (27, -124), // one rounding: −125
            (42, -122), // divided after: −123; one rounding: −123
            (58, -120), // one rounding: −121
            (1000, 1),
            (10_000, 127),
        ];
        for (above, expected) in cases {
            // −128 everywhere but the first values, which take the rest.
            let mut x = [-128i8; 42];
            let mut rest = above;
            for v in &mut x {
                let up = rest.min(255);
                *v = (-128 + up) as i8;
                rest -= up;
            }
            let mut y = [0i8; 1];
            mean.run(&x, &mut y);
            assert_eq!(y[0], expected, "−5376 + {above}");
        }
        // Negative sums, other zero points, a scale that shrinks: 3×2 positions of 3
        // channels (sums −429, −428, −214). Divided after: [−46, −45, −26]; one rounding:
        // [−45, −45, −26].
        let mean = Mean::new((0.05, 5), (0.09, -3), 6);
        let x = [
            -115, -122, -1, -97, -51, 4, 35, -121, 17, -106, -124, -44, -116, -9, -68, -30, -1,
            -122,
        ];
        let mut y = [0i8; 3];
        mean.run(&x, &mut y);
        assert_eq!(y, [-46, -46, -26]);
    }

    #[test]
    fn the_fold_stays_within_what_the_multiply_takes() {
        // A shift of −31 leaves no room: nothing is folded into the shift.
        let m = Multiplier {
            value: 1 << 30,
            shift: -31,
        };
        assert_eq!(
            Mean::fold(m, 4),
            Multiplier {
                value: 1 << 28,
                shift: -31
            }
        );
        // At most 32 bits, for very many positions.
        let m = Multiplier {
            value: 1 << 30,
            shift: 1,
        };
        let n = 1usize << 40;
        assert_eq!(Mean::fold(m, n).shift, 1 - 32);
        assert_eq!(Mean::fold(m, 0), m);
        assert_eq!(Mean::fold(m, 1), m);
    }
}
