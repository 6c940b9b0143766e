//! TensorFlow Lite's fixed-point arithmetic for quantized networks, as its reference kernels
//! compute it: a real factor held as a 32-bit multiplier and a power of two ([`Multiplier`]),
//! applied with one rounding ([`Multiplier::apply`], TensorFlow Lite's
//! `TFLITE_SINGLE_ROUNDING`) or with gemmlowp's two, a doubling high multiply then a rounding
//! shift ([`Multiplier::apply_twice`]), and the clamps of fused activations.
//!
//! TensorFlow 2.21.0's interpreter, with its reference kernels (`BUILTIN_REF`), rounds once in
//! `FULLY_CONNECTED` (two roundings are one off in a few outputs of every layer of MLPerf
//! Tiny's `ad01_int8.tflite`) and twice in `CONV_2D` and `DEPTHWISE_CONV_2D` (one rounding is
//! one off in 11 of the 16,384 outputs of `pretrainedResnet_quant.tflite`'s first
//! convolution); each kernel here rounds as the interpreter does, checked bit for bit against
//! every activation of MLPerf Tiny's five int8 models (`tests/int8_ops.rs`).

/// A real factor `m` as TensorFlow Lite keeps it: `m ≈ value · 2^(shift − 31)`, with `value`
/// in `[2^30, 2^31)` (or 0).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Multiplier {
    /// The significand, a Q31 fixed-point number in `[0.5, 1)`.
    pub value: i32,
    /// The power of two: positive shifts left, negative right.
    pub shift: i32,
}

impl Multiplier {
    /// TensorFlow Lite's `QuantizeMultiplier`: the significand of `real` rounded to 31 bits
    /// (half away from zero), its exponent as the shift. A real of 0 gives `{0, 0}`; one so
    /// small that its shift would pass −31 also gives 0.
    pub fn from_real(real: f64) -> Self {
        if real == 0.0 || !real.is_finite() {
            return Self { value: 0, shift: 0 };
        }
        let (fraction, mut shift) = frexp(real);
        let mut q = libm::round(fraction * (1_i64 << 31) as f64) as i64;
        if q == 1_i64 << 31 {
            q /= 2;
            shift += 1;
        }
        if shift < -31 {
            return Self { value: 0, shift: 0 };
        }
        Self {
            value: q as i32,
            shift,
        }
    }

    /// The factor that requantizes a product of an input of scale `input` and a weight of
    /// scale `weight` into an output of scale `output`, as TensorFlow Lite computes it: the
    /// product of the scales in `f32`, divided by the output's in `f64`.
    pub fn for_product(input: f32, weight: f32, output: f32) -> Self {
        Self::from_real(f64::from(input * weight) / f64::from(output))
    }

    /// The factor that requantizes a convolution's (or a depthwise convolution's) output
    /// channel, inputs of scale `input` times weights of scale `weight`, into an output of
    /// scale `output`, as TensorFlow Lite's `PopulateConvolutionQuantizationParams` computes
    /// it: the scales widened to `f64` first, then multiplied and divided. (Its fully
    /// connected layers take [`Multiplier::for_product`]'s `f32` product; the significands of
    /// the two differ in their last bits.)
    pub fn for_channel(input: f32, weight: f32, output: f32) -> Self {
        Self::from_real(f64::from(input) * f64::from(weight) / f64::from(output))
    }

    /// `x · m`, rounded once as TensorFlow Lite's `MultiplyByQuantizedMultiplier` rounds it with
    /// `TFLITE_SINGLE_ROUNDING` (and its interpreter's int8 fully connected layers do):
    /// `(x · value + 2^(30 − shift)) >> (31 − shift)`, ties upwards, saturated to `i32` (for
    /// factors of 2^31 and more, which no converter writes).
    pub fn apply(self, x: i32) -> i32 {
        // In 64 bits (`|x · value| ≤ 2^62`), without the rounding term's overflow: with
        // `p = q · 2^t + r`, `(p + 2^(t−1)) >> t` is `q` plus bit `t − 1` of `p`.
        let product = i64::from(x) * i64::from(self.value);
        let total = 31_i64 - i64::from(self.shift);
        let saturated = |p: i64| if p < 0 { i32::MIN } else { i32::MAX };
        if total <= 0 {
            let left = -total;
            return match (product, left) {
                (0, _) => 0,
                (p, 31..) => saturated(p),
                (p, left) => p.checked_mul(1 << left).map_or(saturated(p), |v| {
                    v.clamp(i32::MIN.into(), i32::MAX.into()) as i32
                }),
            };
        }
        if total >= 64 {
            // `|p| ≤ 2^62`: less than half a step either way.
            return 0;
        }
        let rounded = (product >> total) + ((product >> (total - 1)) & 1);
        rounded.clamp(i32::MIN.into(), i32::MAX.into()) as i32
    }
}

impl Multiplier {
    /// `x · m` rounded twice, as gemmlowp and TensorFlow Lite's `MultiplyByQuantizedMultiplier`
    /// without `TFLITE_SINGLE_ROUNDING` round it: a rounding doubling high multiply
    /// (`SaturatingRoundingDoublingHighMul`, `(x·2^left · value + 2^30) / 2^31`, ties away from
    /// zero) then a rounding right shift (`RoundingDivideByPOT`, ties away from zero). TensorFlow
    /// 2.21.0's interpreter computes its reference convolutions (`CONV_2D`,
    /// `DEPTHWISE_CONV_2D`) this way, and its fully connected layers with
    /// [`Multiplier::apply`]'s one rounding. Factors of 2^31 and more (shifts above 0 with a
    /// product past `i32`) wrap, as TensorFlow Lite's do; no converter writes them.
    pub fn apply_twice(self, x: i32) -> i32 {
        let left = self.shift.clamp(0, 31);
        let right = (-self.shift).clamp(0, 31);
        let a = x.wrapping_mul(1 << left);
        let high = if a == i32::MIN && self.value == i32::MIN {
            i32::MAX
        } else {
            let ab = i64::from(a) * i64::from(self.value);
            let nudge = if ab >= 0 { 1 << 30 } else { 1 - (1 << 30) };
            // Division truncates towards zero, as C's does.
            ((ab + nudge) / (1_i64 << 31)) as i32
        };
        let mask = ((1_i64 << right) - 1) as i32;
        let remainder = high & mask;
        let threshold = (mask >> 1) + i32::from(high < 0);
        (high >> right) + i32::from(remainder > threshold)
    }
}

/// The clamp of an int8 output of scale `scale` and zero point `zero` with a fused activation
/// that bounds its reals to `[low, high]` (`None`: unbounded on that side): TensorFlow Lite's
/// `CalculateActivationRangeQuantized`, where ReLU is `(Some(0.0), None)` and ReLU6
/// `(Some(0.0), Some(6.0))`.
pub fn activation_range(low: Option<f32>, high: Option<f32>, scale: f32, zero: i32) -> (i32, i32) {
    let quantize = |x: f32| zero.saturating_add(libm::roundf(x / scale) as i32);
    let lo = low.map_or(i32::from(i8::MIN), |x| quantize(x).max(i32::from(i8::MIN)));
    let hi = high.map_or(i32::from(i8::MAX), |x| quantize(x).min(i32::from(i8::MAX)));
    (lo, hi)
}

/// `x = fraction · 2^exponent` with `|fraction|` in `[0.5, 1)`, for a finite, non-zero `x`.
fn frexp(x: f64) -> (f64, i32) {
    let bits = x.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i32;
    if exponent == 0 {
        // Subnormal: scale into the normal range first.
        let (fraction, e) = frexp(x * (1_u64 << 54) as f64);
        return (fraction, e - 54);
    }
    let fraction = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (fraction, exponent - 1022)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `apply` as written first, in 128 bits: the definition it must keep.
    fn apply_wide(m: Multiplier, x: i32) -> i32 {
        let total = 31 - m.shift;
        let product = i128::from(x) * i128::from(m.value);
        let result = if total <= 0 {
            product << (-total).min(64)
        } else if total > 100 {
            0
        } else {
            (product + (1_i128 << (total - 1))) >> total
        };
        result.clamp(i128::from(i32::MIN), i128::from(i32::MAX)) as i32
    }

    #[test]
    fn one_rounding_in_64_bits_is_the_128_bit_definition() {
        let edges = [
            i32::MIN,
            i32::MIN + 1,
            -65_537,
            -2,
            -1,
            0,
            1,
            2,
            65_535,
            i32::MAX - 1,
            i32::MAX,
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as i32
        };
        for shift in (-300..=300).chain([i32::MIN + 32, i32::MAX]) {
            let values: Vec<i32> = edges.into_iter().chain((0..40).map(|_| next())).collect();
            let xs: Vec<i32> = edges.into_iter().chain((0..40).map(|_| next())).collect();
            for &value in &values {
                let m = Multiplier { value, shift };
                for &x in &xs {
                    assert_eq!(m.apply(x), apply_wide(m, x), "{m:?} × {x}");
                }
            }
        }
    }

    #[test]
    fn multipliers_are_tflite_s() {
        // 0.5 = 2^30 · 2^(0 − 31): the significand's lowest value.
        assert_eq!(
            Multiplier::from_real(0.5),
            Multiplier {
                value: 1 << 30,
                shift: 0
            }
        );
        assert_eq!(
            Multiplier::from_real(0.25),
            Multiplier {
                value: 1 << 30,
                shift: -1
            }
        );
        assert_eq!(
            Multiplier::from_real(3.0),
            Multiplier {
                value: 3 << 29,
                shift: 2
            }
        );
        // Just under 1 rounds up to 2^31, which becomes 2^30 with one more shift.
        let m = Multiplier::from_real(1.0 - 1e-12);
        assert_eq!(
            m,
            Multiplier {
                value: 1 << 30,
                shift: 1
            }
        );
        assert_eq!(
            Multiplier::from_real(0.0),
            Multiplier { value: 0, shift: 0 }
        );
    }

    #[test]
    fn products_round_to_nearest_with_ties_upwards() {
        // 100 · 0.75, 100 · 0.375 (a right shift), ±7 · 0.5 (ties: −3.5 → −3, 3.5 → 4).
        assert_eq!(Multiplier::from_real(0.75).apply(100), 75);
        assert_eq!(Multiplier::from_real(0.375).apply(100), 38);
        assert_eq!(Multiplier::from_real(0.5).apply(-7), -3);
        assert_eq!(Multiplier::from_real(0.5).apply(7), 4);
        assert_eq!(Multiplier::from_real(3.0).apply(7), 21);
        // Out of the range converters write: saturated, not wrapped or a panic.
        let huge = Multiplier {
            value: i32::MAX,
            shift: 40,
        };
        assert_eq!(huge.apply(i32::MAX), i32::MAX);
        assert_eq!(huge.apply(i32::MIN), i32::MIN);
        assert_eq!(
            Multiplier {
                value: i32::MAX,
                shift: -90
            }
            .apply(i32::MAX),
            0
        );
    }

    #[test]
    fn two_roundings_differ_from_one_at_ties() {
        // −6 · 0.25 = −1.5: one rounding takes the tie upwards, gemmlowp's two away from zero
        // (−3.5 → −3 in the high multiply, then −1.5 → −2 in the shift).
        let quarter = Multiplier::from_real(0.25);
        assert_eq!(quarter.apply(-6), -1);
        assert_eq!(quarter.apply_twice(-6), -2);
        assert_eq!(quarter.apply(6), 2);
        assert_eq!(quarter.apply_twice(6), 2);
        assert_eq!(Multiplier::from_real(3.0).apply_twice(7), 21);
        assert_eq!(Multiplier::from_real(0.375).apply_twice(100), 38);
    }

    #[test]
    fn fused_activations_clamp_where_zero_and_six_fall() {
        assert_eq!(activation_range(Some(0.0), None, 0.1, -128), (-128, 127));
        assert_eq!(activation_range(Some(0.0), None, 0.1, -10), (-10, 127));
        assert_eq!(
            activation_range(Some(0.0), Some(6.0), 0.05, -128),
            (-128, -8)
        );
        assert_eq!(activation_range(None, None, 0.05, 3), (-128, 127));
    }
}
