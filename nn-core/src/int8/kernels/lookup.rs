//! TensorFlow Lite's int8 `ELU`, `HARD_SWISH` and `GELU`, as TensorFlow 2.21.0's reference
//! kernels compute them (`BUILTIN_REF`, int8 input and output), each as a table of its 256
//! outputs ([`Lookup`]), then one look-up per value.
//!
//! * `ELU` and `GELU` are tables in TensorFlow Lite too, built when the operator is prepared
//!   from the float32 function on the dequantized input (`LUTPopulate`): `expm1(x)` below 0 and
//!   `x` above for ELU (alpha 1, the only one the operator has), `x/2 · erfc(−x/√2)` for GELU,
//!   or `x/2 · (1 + tanh(√(2/π) · (x + 0.044715 x³)))` when approximate.
//! * `HARD_SWISH` is fixed-point arithmetic on int16 in TensorFlow Lite
//!   (`reference_ops::HardSwish`): the input rescaled to a "relu-ish" factor in `[0, 1]`
//!   (`relu6(x + 3) / 6`) and to the output's scale, the two multiplied. Its result depends on
//!   the int8 input alone, so the table holds that arithmetic's result for each of the 256
//!   inputs, computed step by step as the reference computes it.
//!
//! The outputs' quantization is free (the converter observes their range), as a leaky ReLU's.

use super::activations::{look_up, table, tanhf};
use crate::int8::Multiplier;

/// An int8 activation computed as a table of its 256 outputs: TensorFlow Lite's `ELU`,
/// `HARD_SWISH` or `GELU`.
///
/// ```
/// use nn_core::int8::kernels::Lookup;
///
/// // Input and output of scale 0.1 and zero point 0.
/// let elu = Lookup::elu((0.1, 0), (0.1, 0));
/// let mut y = [0i8; 3];
/// elu.run(&[-128, 0, 50], &mut y);
/// // elu(−12.8) = e^−12.8 − 1 ≈ −1, ten steps of 0.1; positive values pass.
/// assert_eq!(y, [-10, 0, 50]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lookup {
    /// The output for each input, indexed by the input's bits (`x as u8`).
    pub table: [i8; 256],
}

impl Lookup {
    /// TensorFlow Lite's `ELU` (`EluPrepare`): the table of `expm1(x)` below 0 and `x` above,
    /// for an input of `(scale, zero point)` `x` into an output `y`.
    ///
    /// `expm1` is taken in float32 by the algorithm of glibc's `expm1f` (which TensorFlow
    /// Lite's x86 build calls). No value makes this panic.
    pub fn elu((x_scale, x_zero): (f32, i32), (y_scale, y_zero): (f32, i32)) -> Self {
        Self {
            table: table(x_scale, x_zero, 1.0 / y_scale, y_zero, |v| {
                if v < 0.0 { libm::expm1f(v) } else { v }
            }),
        }
    }

    /// TensorFlow Lite's `GELU` (`GeluPrepare`): the table of `x/2 · erfc(−x/√2)`, or with
    /// `approximate` of `x/2 · (1 + tanh(√(2/π) · (x + 0.044715 x³)))`, every step in float32,
    /// for an input of `(scale, zero point)` `x` into an output `y`.
    pub fn gelu(
        (x_scale, x_zero): (f32, i32),
        (y_scale, y_zero): (f32, i32),
        approximate: bool,
    ) -> Self {
        // 1/√2 and √(2/π) as float32 constants, as TensorFlow Lite's.
        const FRAC_1_SQRT_2: f32 = core::f32::consts::FRAC_1_SQRT_2;
        const SQRT_2_OVER_PI: f32 = 0.797_884_6;
        let f = |v: f32| {
            if approximate {
                let cubic = 0.044715f32 * v * v * v;
                0.5 * v * (1.0 + tanhf(SQRT_2_OVER_PI * (v + cubic)))
            } else {
                0.5 * v * libm::erfcf(v * -FRAC_1_SQRT_2)
            }
        };
        Self {
            table: table(x_scale, x_zero, 1.0 / y_scale, y_zero, f),
        }
    }

    /// TensorFlow Lite's `HARD_SWISH` (`HardSwishPrepare`, then `reference_ops::HardSwish` on
    /// each of the 256 inputs), for an input of `(scale, zero point)` `x` into an output `y`;
    /// `None` where TensorFlow Lite refuses the operator (an output scale at most 1/128 of the
    /// input's, which needs a left shift of the output).
    ///
    /// Its two factors, `scale_x / 128 / scale_y` (to the output's scale) and
    /// `scale_x / 128 / (3 / 32768)` (to the relu-ish scale, where 3 is 32768), are computed in
    /// float32, quantized as [`Multiplier::from_real`] and cut to 16 bits, rounded.
    pub fn hard_swish(
        (x_scale, x_zero): (f32, i32),
        (y_scale, y_zero): (f32, i32),
    ) -> Option<Self> {
        let hires = (1.0f32 / 128.0) * x_scale;
        let to_output = Multiplier::from_real(f64::from(hires / y_scale));
        if to_output.shift > 0 {
            return None;
        }
        let to_reluish = Multiplier::from_real(f64::from(hires / (3.0f32 / 32768.0)));
        let swish = HardSwish {
            input_zero: x_zero as i16,
            output_zero: y_zero as i16,
            output: to_16_bits(to_output.value),
            output_shift: to_output.shift,
            reluish: to_16_bits(to_reluish.value),
            reluish_shift: to_reluish.shift,
        };
        let mut table = [0i8; 256];
        for q in i8::MIN..=i8::MAX {
            table[usize::from(q as u8)] = swish.apply(q);
        }
        Some(Self { table })
    }

    /// `y[i] = table[x[i]]`.
    ///
    /// # Panics
    ///
    /// When `x` and `y` differ in length.
    #[inline]
    pub fn run(&self, x: &[i8], y: &mut [i8]) {
        look_up(&self.table, x, y);
    }
}

/// A 32-bit multiplier's significand cut to its 16 high bits, rounded (TensorFlow Lite's
/// `DownScaleInt32ToInt16Multiplier`; the greatest int16 near the top).
fn to_16_bits(value: i32) -> i16 {
    const HALF: i32 = 1 << 15;
    if value >= i32::MAX - HALF {
        return i16::MAX;
    }
    ((value + HALF) >> 16) as i16
}

/// `HardSwishParams`: zero points as int16, two multipliers of 16 bits with their shifts.
struct HardSwish {
    input_zero: i16,
    output_zero: i16,
    output: i16,
    output_shift: i32,
    reluish: i16,
    reluish_shift: i32,
}

impl HardSwish {
    /// `reference_ops::HardSwish` on one int8 value, in its int16 arithmetic.
    fn apply(&self, x: i8) -> i8 {
        let input = i16::from(x).wrapping_sub(self.input_zero);
        // The input on a scale 128 times finer.
        let hires = input.wrapping_mul(1 << 7);
        let preshift_output = rounding_doubling_high_mul(hires, self.output);
        let mut reluish = hires;
        if self.reluish_shift > 0 {
            reluish = saturating_left_shift(reluish, self.reluish_shift - 1);
        }
        reluish = rounding_doubling_high_mul(reluish, self.reluish);
        if self.reluish_shift > 0 {
            reluish = saturating_left_shift(reluish, 1);
        }
        if self.reluish_shift < 0 {
            reluish = rounding_divide_by_pot(reluish, -self.reluish_shift);
        }
        // From [−1, 1] to [0, 1].
        let reluish = ((i32::from(reluish) + (1 << 15)) >> 1) as i16;
        let preshift = doubling_high_mul(reluish, preshift_output);
        let output = rounding_divide_by_pot(preshift, -self.output_shift);
        output
            .wrapping_add(self.output_zero)
            .clamp(i16::from(i8::MIN), i16::from(i8::MAX)) as i8
    }
}

/// `x · 2^amount`, saturated to int16 (`amount` up to 30 counts; more is taken as 30).
fn saturating_left_shift(x: i16, amount: i32) -> i16 {
    let wide = i64::from(x) * (1i64 << amount.clamp(0, 30));
    wide.clamp(i64::from(i16::MIN), i64::from(i16::MAX)) as i16
}

/// gemmlowp's `SaturatingRoundingDoublingHighMul` on int16: `round(a · b / 2^15)`, ties away
/// from zero.
fn rounding_doubling_high_mul(a: i16, b: i16) -> i16 {
    if a == i16::MIN && b == i16::MIN {
        return i16::MAX;
    }
    let ab = i32::from(a) * i32::from(b);
    let nudge = if ab >= 0 { 1 << 14 } else { 1 - (1 << 14) };
    // Division truncating towards zero, as C's; the cast keeps the low bits, as C's.
    ((ab + nudge) / (1 << 15)) as i16
}

/// TensorFlow Lite's `SaturatingDoublingHighMul` on int16: `a · b / 2^15` truncated towards
/// zero (no rounding).
fn doubling_high_mul(a: i16, b: i16) -> i16 {
    if a == i16::MIN && b == i16::MIN {
        return i16::MAX;
    }
    ((i32::from(a) * i32::from(b)) / (1 << 15)) as i16
}

/// gemmlowp's `RoundingDivideByPOT` on int16: `x / 2^exponent` rounded to nearest, ties away
/// from zero (exponents past 15 are taken as 15).
fn rounding_divide_by_pot(x: i16, exponent: i32) -> i16 {
    let exponent = exponent.clamp(0, 15);
    let mask = ((1i32 << exponent) - 1) as i16;
    let remainder = x & mask;
    let threshold = (mask >> 1) + i16::from(x < 0);
    (x >> exponent) + i16::from(remainder > threshold)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hard_swish_is_close_to_its_reals() {
        for (x_scale, x_zero, y_scale, y_zero) in [
            (0.05f32, 3, 0.03f32, -100),
            (0.1, -20, 0.08, -90),
            (0.02, 0, 0.011, -128),
        ] {
            let lookup = Lookup::hard_swish((x_scale, x_zero), (y_scale, y_zero)).unwrap();
            for q in i8::MIN..=i8::MAX {
                let x = x_scale * (i32::from(q) - x_zero) as f32;
                let real = x * (x + 3.0).clamp(0.0, 6.0) / 6.0;
                let want = (real / y_scale).round() as i32 + y_zero;
                let got = i32::from(lookup.table[usize::from(q as u8)]);
                assert!(
                    (got - want.clamp(-128, 127)).abs() <= 1,
                    "{x_scale} {q}: {got} {want}"
                );
            }
        }
        // An output scale 1/128 of the input's or finer: TensorFlow Lite refuses it.
        assert!(Lookup::hard_swish((1.28, 0), (0.01, 0)).is_none());
        assert!(Lookup::hard_swish((2.0, 0), (0.01, 0)).is_none());
        assert!(Lookup::hard_swish((1.2, 0), (0.01, 0)).is_some());
    }

    #[test]
    fn odd_values_do_not_panic() {
        for scale in [0.0, -1.0, f32::NAN, f32::INFINITY, 1e-30, 1e30] {
            for zero in [i32::MIN, -128, 0, 127, i32::MAX] {
                Lookup::elu((scale, zero), (0.1, zero));
                Lookup::elu((0.1, zero), (scale, zero));
                Lookup::gelu((scale, zero), (0.1, zero), true);
                Lookup::gelu((0.1, zero), (scale, zero), false);
                Lookup::hard_swish((scale, zero), (0.1, zero));
                Lookup::hard_swish((0.1, zero), (scale, zero));
            }
        }
    }
}
