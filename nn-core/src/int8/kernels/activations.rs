//! TensorFlow Lite's int8 `SOFTMAX`, `LOG_SOFTMAX`, `LOGISTIC` and `TANH`, as the reference
//! kernels of TensorFlow 2.21.0's interpreter compute them (`BUILTIN_REF`, int8 input and
//! output).
//!
//! * [`Softmax`] is fixed-point throughout (`reference_ops::Softmax`): each input's difference
//!   from its row's greatest is rescaled by `beta · scale` into a Q5.26 number (one rounding,
//!   as [`Multiplier::apply`]), gemmlowp's `exp_on_negative_values` gives its exponential in
//!   Q0.31, the sum of those in Q12.19 is inverted by gemmlowp's Newton–Raphson
//!   `one_over_one_plus_x_for_x_in_0_1`, and each exponential times that reciprocal, rounded
//!   to 1/256, is the output. Differences too negative to matter give the least output.
//! * [`LogSoftmax`] shares the softmax's rescaled differences and exponentials
//!   (`reference_integer_ops::LogSoftmax`); the log of their Q12.19 sum comes from TensorFlow
//!   Lite's `log_x_for_x_greater_than_or_equal_to_1` in Q5.26, and each output is the
//!   difference less that log, in steps of 1/16 below the zero point 127.
//! * [`Logistic`] and [`Tanh`] are tables of all 256 int8 inputs, built when the operator is
//!   prepared from the float32 function on the dequantized input (TensorFlow Lite's
//!   `LUTPopulate`), then one look-up per value.
//!
//! TensorFlow Lite fixes the outputs' quantization for these operators: softmax and logistic
//! give scale 1/256 and zero point −128 (probabilities in `[0, 1)`), log softmax 16/256 and 127
//! (logs in `[−255/16, 0]`), tanh scale 1/128 and zero point 0; the kernels here produce
//! exactly those.

use crate::int8::Multiplier;

/// TensorFlow Lite's int8 `SOFTMAX` over one row, its constants computed once from the input's
/// scale and `beta`.
///
/// The output has scale 1/256 and zero point −128, the only quantization TensorFlow Lite
/// allows a softmax's int8 output: `y = −128 + round(256 · p)`, clamped to 127.
///
/// ```
/// use nn_core::int8::kernels::Softmax;
///
/// let softmax = Softmax::new(0.05, 1.0);
/// let mut y = [0i8; 4];
/// softmax.run(&[7, 7, 7, 7], &mut y);
/// // Each of four equal values: probability 1/4, 64/256 above the zero point.
/// assert_eq!(y, [-64; 4]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Softmax {
    /// `beta · scale` in Q5.26 per unit of input difference (at most `2^30 − 1`, as
    /// TensorFlow Lite caps it).
    pub multiplier: Multiplier,
    /// The least difference from the row's greatest value that still takes part; smaller
    /// ones could rescale below −31, past what five integer bits hold (their exponentials,
    /// below 2^−44, would not show in the output anyway).
    pub diff_min: i32,
}

/// Integer bits of the rescaled differences (Q5.26), as TensorFlow Lite's softmax.
const DIFF_INTEGER_BITS: i32 = 5;
/// Integer bits of the sum of exponentials (Q12.19).
const SUM_INTEGER_BITS: i32 = 12;

impl Softmax {
    /// The constants of a softmax whose input has scale `input_scale`, with `beta` (1 for
    /// Keras's `softmax`), as TensorFlow Lite's `SoftmaxPrepare` computes them
    /// (`PreprocessSoftmaxScaling` with five integer bits, then `CalculateInputRadius`).
    ///
    /// The input's zero point plays no part: only differences within a row matter.
    ///
    /// TensorFlow Lite expects `beta · input_scale` positive and at least `2^−26`; below that
    /// its constants are undefined. Here a product below `2^−26` gives a right shift and a
    /// correspondingly wide range of differences that take part; an infinite one is capped
    /// like any large one; one that is zero, negative or NaN gives a zero multiplier, so that
    /// every value of a row gets the same probability. No value makes this panic.
    pub fn new(input_scale: f32, beta: f32) -> Self {
        let cap = f64::from((1u32 << 30) - 1);
        let real = f64::from(beta) * f64::from(input_scale) * f64::from(1u32 << 26);
        let real = if real > cap { cap } else { real };
        let multiplier = if real > 0.0 {
            Multiplier::from_real(real)
        } else {
            Multiplier { value: 0, shift: 0 }
        };
        // TensorFlow Lite's `CalculateInputRadius`: the greatest difference whose rescaled value
        // is sure to stay above −31 in Q5.26, (2^5 − 1) · 2^26 / 2^shift, rounded down.
        let radius = f64::from((1 << DIFF_INTEGER_BITS) - 1)
            * f64::from(1u32 << (31 - DIFF_INTEGER_BITS))
            / libm::exp2(f64::from(multiplier.shift));
        let radius = libm::floor(radius).min(f64::from(i32::MAX));
        Self {
            multiplier,
            diff_min: -(radius as i32),
        }
    }

    /// The softmax of the row `x` into `y`, as TensorFlow Lite's `reference_ops::Softmax`.
    ///
    /// For a tensor of several rows, call it once per row (the last dimension). Rows of up to
    /// 4,095 values are exact; in a longer one the Q12.19 sum can overflow, which TensorFlow
    /// Lite leaves undefined (here it wraps, without a panic).
    ///
    /// # Panics
    ///
    /// When `x` and `y` differ in length.
    pub fn run(&self, x: &[i8], y: &mut [i8]) {
        assert_eq!(x.len(), y.len(), "softmax input and output lengths differ");
        let max = x.iter().copied().max().unwrap_or(i8::MIN);
        let exp = |v: i8| -> Option<i32> {
            let diff = i32::from(v) - i32::from(max);
            (diff >= self.diff_min).then(|| exp_on_negative_values(self.multiplier.apply(diff)))
        };
        let sum = x.iter().fold(0i32, |sum, &v| match exp(v) {
            // Q0.31 to Q12.19.
            Some(e) => sum.wrapping_add(rounding_divide_by_pot(e, SUM_INTEGER_BITS)),
            None => sum,
        });
        let (reciprocal, bits_over_unit) = reciprocal(sum, SUM_INTEGER_BITS);
        // The product is in Q0.31 scaled by 2^bits_over_unit; 8 bits of it are the output's.
        let exponent = bits_over_unit + 31 - 8;
        for (out, &v) in y.iter_mut().zip(x) {
            *out = match exp(v) {
                Some(e) => {
                    let p = rounding_divide_by_pot(doubling_high_mul(reciprocal, e), exponent);
                    p.saturating_add(i32::from(i8::MIN))
                        .clamp(i32::from(i8::MIN), i32::from(i8::MAX)) as i8
                }
                None => i8::MIN,
            };
        }
    }
}

/// TensorFlow Lite's int8 `LOG_SOFTMAX` over one row (`reference_integer_ops::LogSoftmax`),
/// its constants computed once from the input's scale.
///
/// The output has scale 16/256 and zero point 127, the only quantization TensorFlow Lite
/// allows a log softmax's int8 output: `y = 127 + round(16 · log p)`, so that `[−255/16, 0]`
/// is held and anything smaller is −128.
///
/// ```
/// use nn_core::int8::kernels::LogSoftmax;
///
/// let log_softmax = LogSoftmax::new(0.05);
/// let mut y = [0i8; 4];
/// log_softmax.run(&[7, 7, 7, 7], &mut y);
/// // Each of four equal values: log(1/4) ≈ −1.386, 22 steps of 1/16 below 127.
/// assert_eq!(y, [105; 4]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogSoftmax {
    /// The input's scale in Q5.26 per unit of input difference, and the least difference
    /// that takes part in the sum, as [`Softmax`]'s with beta 1.
    pub softmax: Softmax,
    /// The inverse of that rescaling, which takes the log of the sum back to input units.
    pub reverse: Multiplier,
}

impl LogSoftmax {
    /// The constants of a log softmax whose input has scale `input_scale`, as TensorFlow
    /// Lite's `LogSoftmaxPrepare` computes them (`PreprocessLogSoftmaxScalingExp` with five
    /// integer bits and beta 1, then `CalculateInputRadius`).
    ///
    /// No value makes this panic (see [`Softmax::new`]).
    pub fn new(input_scale: f32) -> Self {
        let softmax = Softmax::new(input_scale, 1.0);
        let m = softmax.multiplier;
        // `(1 << (31 − shift)) / multiplier`, the shift's power of two an `int` as TensorFlow
        // Lite computes it (2^31 wraps to −2^31).
        let power = u32::try_from(31 - m.shift)
            .ok()
            .and_then(|p| 1i32.checked_shl(p))
            .unwrap_or(0);
        let reverse = if m.value > 0 {
            Multiplier::from_real(f64::from(power) / f64::from(m.value))
        } else {
            Multiplier { value: 0, shift: 0 }
        };
        Self { softmax, reverse }
    }

    /// The log softmax of the row `x` into `y`, as TensorFlow Lite's reference kernel.
    ///
    /// For a tensor of several rows, call it once per row (the last dimension). Rows of up to
    /// 4,095 values are exact (see [`Softmax::run`]).
    ///
    /// # Panics
    ///
    /// When `x` and `y` differ in length.
    pub fn run(&self, x: &[i8], y: &mut [i8]) {
        assert_eq!(
            x.len(),
            y.len(),
            "log softmax input and output lengths differ"
        );
        // The output in Q4.27 is the difference in Q5.26, so 31 − 5 − 4 bits go.
        const OUTPUT_SHIFT: i32 = 31 - DIFF_INTEGER_BITS - 4;
        let Softmax {
            multiplier,
            diff_min,
        } = self.softmax;
        let max = x.iter().copied().max().unwrap_or(i8::MIN);
        let sum = x.iter().fold(0i32, |sum, &v| {
            let diff = i32::from(v) - i32::from(max);
            if diff >= diff_min {
                let e = exp_on_negative_values(multiplier.apply(diff));
                // Q0.31 to Q12.19.
                sum.wrapping_add(rounding_divide_by_pot(e, SUM_INTEGER_BITS))
            } else {
                sum
            }
        });
        let log_sum = log_of_at_least_one(sum);
        // The least difference whose output is above −128: past it, the log is below
        // what Q5.26 holds.
        let shifted = log_sum.wrapping_add(i32::MIN);
        let least = (diff_min - 1).max(self.reverse.apply(shifted));
        for (out, &v) in y.iter_mut().zip(x) {
            let diff = i32::from(v) - i32::from(max);
            *out = if diff > least {
                let scaled = multiplier.apply(diff).wrapping_sub(log_sum);
                let q = rounding_divide_by_pot(scaled, OUTPUT_SHIFT).saturating_add(127);
                q.clamp(i32::from(i8::MIN), i32::from(i8::MAX)) as i8
            } else {
                i8::MIN
            };
        }
    }
}

/// TensorFlow Lite's int8 `LOGISTIC` (sigmoid): a table of its 256 outputs.
///
/// The output has scale 1/256 and zero point −128, the only quantization TensorFlow Lite
/// allows a logistic's int8 output.
///
/// ```
/// use nn_core::int8::kernels::Logistic;
///
/// let logistic = Logistic::new(0.1, 0);
/// let mut y = [0i8; 3];
/// logistic.run(&[0, 127, -128], &mut y);
/// // σ(0) = 1/2 is 128/256; σ(12.7) rounds to 1 (clamped to 255/256); σ(−12.8) to 0.
/// assert_eq!(y, [0, 127, -128]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Logistic {
    /// The output for each input, indexed by the input's bits (`x as u8`).
    pub table: [i8; 256],
}

impl Logistic {
    /// The table for an input of scale `input_scale` and zero point `input_zero`, as
    /// TensorFlow Lite's `SigmoidPrepare` builds it (`LUTPopulate` with `1 / (1 + exp(−x))`
    /// in float32).
    ///
    /// No value makes this panic: a scale TensorFlow Lite would not meet (not finite) gives
    /// whatever float32 gives, an undefined float-to-int conversion being taken as x86's
    /// (the least int32, so the least output).
    pub fn new(input_scale: f32, input_zero: i32) -> Self {
        Self {
            table: table(input_scale, input_zero, 256.0, -128, |v| {
                1.0 / (1.0 + expf(-v))
            }),
        }
    }

    /// `y[i] = logistic(x[i])`.
    ///
    /// # Panics
    ///
    /// When `x` and `y` differ in length.
    pub fn run(&self, x: &[i8], y: &mut [i8]) {
        look_up(&self.table, x, y);
    }
}

/// TensorFlow Lite's int8 `TANH`: a table of its 256 outputs.
///
/// The output has scale 1/128 and zero point 0, the quantization TensorFlow Lite's converter
/// gives a tanh's int8 output.
///
/// ```
/// use nn_core::int8::kernels::Tanh;
///
/// let tanh = Tanh::new(0.1, 0);
/// let mut y = [0i8; 3];
/// tanh.run(&[0, 127, -128], &mut y);
/// // tanh(0) = 0; tanh(±12.8) rounds to ±1, clamped to 127/128 above.
/// assert_eq!(y, [0, 127, -128]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tanh {
    /// The output for each input, indexed by the input's bits (`x as u8`).
    pub table: [i8; 256],
}

impl Tanh {
    /// The table for an input of scale `input_scale` and zero point `input_zero`, as
    /// TensorFlow Lite's `TanhPrepare` builds it (`LUTPopulate` with float32 `tanh`).
    ///
    /// No value makes this panic (see [`Logistic::new`]).
    pub fn new(input_scale: f32, input_zero: i32) -> Self {
        Self {
            table: table(input_scale, input_zero, 128.0, 0, tanhf),
        }
    }

    /// `y[i] = tanh(x[i])`.
    ///
    /// # Panics
    ///
    /// When `x` and `y` differ in length.
    pub fn run(&self, x: &[i8], y: &mut [i8]) {
        look_up(&self.table, x, y);
    }
}

/// TensorFlow Lite's `LUTPopulate` for int8: for each input `q`, the output
/// `clamp(round(f(scale · (q − zero)) · inverse) + out_zero)`, every step in float32 as
/// TensorFlow Lite computes it (`inverse` is `1 / output_scale`, exact here).
pub(super) fn table(
    scale: f32,
    zero: i32,
    inverse: f32,
    out_zero: i32,
    f: impl Fn(f32) -> f32,
) -> [i8; 256] {
    let mut table = [0i8; 256];
    for q in i8::MIN..=i8::MAX {
        let centred = i64::from(q) - i64::from(zero);
        let real = scale * centred as f32;
        let rescaled = libm::roundf(f(real) * inverse);
        let quantized = f32_to_i32(rescaled + out_zero as f32);
        table[usize::from(q as u8)] = quantized.clamp(i32::from(i8::MIN), i32::from(i8::MAX)) as i8;
    }
    table
}

/// One look-up per value.
pub(super) fn look_up(table: &[i8; 256], x: &[i8], y: &mut [i8]) {
    assert_eq!(x.len(), y.len(), "input and output lengths differ");
    for (out, &v) in y.iter_mut().zip(x) {
        *out = table[usize::from(v as u8)];
    }
}

/// A float32 to int32 conversion as x86's `cvttss2si` makes it (truncation; the least int32
/// for a value out of range or NaN, where C++ leaves it undefined).
fn f32_to_i32(x: f32) -> i32 {
    if (-2_147_483_648.0..2_147_483_648.0).contains(&x) {
        x as i32
    } else {
        i32::MIN
    }
}

// The float32 functions the tables are built from, as glibc (2.36 here, which TensorFlow
// Lite's x86 build calls through `std::exp` and `std::tanh` on floats) computes them, so that
// the tables are the interpreter's: the correctly rounded values differ from glibc's `tanhf` on
// about one argument in twenty and from its `expf` on about one in two thousand, and `libm`'s
// `tanhf` and `expf` (other algorithms) on one in thirty and one in ten; any such difference
// changes a table entry when it straddles a rounding boundary of the output.

/// `exp(x)` in float32 by the algorithm of glibc's `expf` (from Arm's optimized-routines, in
/// glibc since 2.27): `x · 32 / ln 2 = k + r` with `k` an integer and `|r| ≤ 1/2`, then
/// `2^(k/32)` from a table times a cubic in `r`, in float64, rounded once to float32. It gave
/// glibc's `expf` on all of 1.5 million arguments sampled in `[−100, 100]`. It is computed
/// without fused multiply-adds; glibc may choose a build with them on a processor that has
/// them, whose float64 steps round slightly differently (the sample showed no difference).
fn expf(x: f32) -> f32 {
    // 32 / ln 2; 1.5 · 2^52, whose addition rounds to an integer in the low bits.
    const INV_LN2_32: u64 = 0x4047_1547_652b_82fe;
    const SHIFT: u64 = 0x4338_0000_0000_0000;
    // The cubic's coefficients for 2^(r/32): about (ln 2)^3 / 6, (ln 2)^2 / 2 and ln 2, over
    // 32^3, 32^2 and 32.
    const C0: u64 = 0x3ebc_6af8_4b91_2394;
    const C1: u64 = 0x3f2e_bfce_50fa_c4f3;
    const C2: u64 = 0x3f96_2e42_ff0c_52d6;
    if x.is_nan() {
        return x;
    }
    // Beyond these the result overflows to infinity or underflows to zero in float32.
    if x > 88.722_83 {
        return f32::INFINITY;
    }
    if x < -103.972_08 {
        return 0.0;
    }
    let shift = f64::from_bits(SHIFT);
    let z = f64::from_bits(INV_LN2_32) * f64::from(x);
    let kd = z + shift;
    let ki = kd.to_bits();
    let r = z - (kd - shift);
    // 2^(k/32): the table's 2^((k mod 32)/32) with k / 32 added to its exponent.
    let s = f64::from_bits(EXP2_TABLE[(ki % 32) as usize].wrapping_add(ki << 47));
    let p = f64::from_bits(C0) * r + f64::from_bits(C1);
    let y = p * (r * r) + (f64::from_bits(C2) * r + 1.0);
    (y * s) as f32
}

/// `2^(i/32)` for `i` in `0..32`, each the nearest float64's bits less `i · 2^47` (so that
/// adding `k · 2^47` for `k = 32q + i` gives `2^(k/32)`).
#[rustfmt::skip]
const EXP2_TABLE: [u64; 32] = [
    0x3ff0000000000000, 0x3fefd9b0d3158574, 0x3fefb5586cf9890f, 0x3fef9301d0125b51,
    0x3fef72b83c7d517b, 0x3fef54873168b9aa, 0x3fef387a6e756238, 0x3fef1e9df51fdee1,
    0x3fef06fe0a31b715, 0x3feef1a7373aa9cb, 0x3feedea64c123422, 0x3feece086061892d,
    0x3feebfdad5362a27, 0x3feeb42b569d4f82, 0x3feeab07dd485429, 0x3feea47eb03a5585,
    0x3feea09e667f3bcd, 0x3fee9f75e8ec5f74, 0x3feea11473eb0187, 0x3feea589994cce13,
    0x3feeace5422aa0db, 0x3feeb737b0cdc5e5, 0x3feec49182a3f090, 0x3feed503b23e255d,
    0x3feee89f995ad3ad, 0x3feeff76f2fb5e47, 0x3fef199bdd85529c, 0x3fef3720dcef9069,
    0x3fef5818dcfba487, 0x3fef7c97337b9b5f, 0x3fefa4afa2a490da, 0x3fefd0765b6e4540,
];

/// `tanh(x)` in float32 as glibc's `tanhf` computes it (the classic Sun formulation): from
/// `t = expm1(−2|x|)` as `−t / (t + 2)` below 1, from `t = expm1(2|x|)` as `1 − 2 / (t + 2)`
/// from 1 to 22, 1 beyond; `x · (1 + x)` for `|x| < 2^−55`. `libm`'s own `tanhf` splits the
/// range elsewhere; its `expm1f` follows the same Sun algorithm as glibc's (FreeBSD's
/// revision), and this `tanhf` differed from glibc's on one of 1.5 million arguments sampled
/// in `[−100, 100]` (by one ulp, which moves a table entry only if it also straddles a
/// rounding boundary of the output).
pub(super) fn tanhf(x: f32) -> f32 {
    let a = x.abs();
    if a.is_nan() {
        return x + x;
    }
    let z = if a >= 22.0 {
        1.0
    } else if a < 2.775_557_6e-17 {
        // 2^−55.
        return x * (1.0 + x);
    } else if a >= 1.0 {
        let t = libm::expm1f(2.0 * a);
        1.0 - 2.0 / (t + 2.0)
    } else {
        let t = libm::expm1f(-2.0 * a);
        -t / (t + 2.0)
    };
    if x.is_sign_negative() { -z } else { z }
}

// gemmlowp's fixed-point arithmetic on int32, scalar, as TensorFlow Lite's reference kernels
// use it. A Qm.n number is an i32 holding `value · 2^n`, `m + n = 31`.

/// `round(a · b / 2^31)`, ties away from zero, saturated for `MIN · MIN` (ARM's `VQRDMULH`):
/// gemmlowp's `SaturatingRoundingDoublingHighMul`, the product of Qa and Qb numbers as
/// Q(a + b).
fn doubling_high_mul(a: i32, b: i32) -> i32 {
    if a == i32::MIN && b == i32::MIN {
        return i32::MAX;
    }
    let ab = i64::from(a) * i64::from(b);
    let nudge: i64 = if ab >= 0 { 1 << 30 } else { 1 - (1 << 30) };
    // Division truncating towards zero, as C's.
    ((ab + nudge) / (1i64 << 31)) as i32
}

/// `x / 2^exponent`, rounded to nearest with ties away from zero: gemmlowp's
/// `RoundingDivideByPOT`. Exponents past 31 are taken as 31 (gemmlowp asserts them away).
pub(super) fn rounding_divide_by_pot(x: i32, exponent: i32) -> i32 {
    let exponent = exponent.clamp(0, 31);
    let mask = ((1i64 << exponent) - 1) as i32;
    let remainder = x & mask;
    let threshold = (mask >> 1) + i32::from(x < 0);
    (x >> exponent) + i32::from(remainder > threshold)
}

/// `x · 2^exponent` for `exponent` in 1..=31, saturated: gemmlowp's
/// `SaturatingRoundingMultiplyByPOT` with a positive exponent.
fn saturating_shift_left(x: i32, exponent: u32) -> i32 {
    let threshold = (1i32 << (31 - exponent)) - 1;
    if x > threshold {
        i32::MAX
    } else if x < -threshold {
        i32::MIN
    } else {
        x << exponent
    }
}

/// `(a + b) / 2` rounded to nearest, ties away from zero: gemmlowp's `RoundingHalfSum`.
fn rounding_half_sum(a: i32, b: i32) -> i32 {
    let sum = i64::from(a) + i64::from(b);
    let sign = if sum >= 0 { 1 } else { -1 };
    ((sum + sign) / 2) as i32
}

/// One in Q0.31, as gemmlowp holds it: the greatest int32.
const Q0_ONE: i32 = i32::MAX;

/// `exp(a)` for `a` in `[−1/4, 0)`, Q0.31 in and out: gemmlowp's
/// `exp_on_interval_between_negative_one_quarter_and_0_excl`, a fourth-order Taylor
/// expansion around −1/8.
fn exp_on_quarter(a: i32) -> i32 {
    // exp(−1/8) and 1/3 in Q0.31.
    const EXP_MINUS_EIGHTH: i32 = 1_895_147_668;
    const ONE_THIRD: i32 = 715_827_883;
    let x = a.wrapping_add(1 << 28);
    let x2 = doubling_high_mul(x, x);
    let x3 = doubling_high_mul(x2, x);
    let x4 = doubling_high_mul(x2, x2);
    let x4_over_4 = rounding_divide_by_pot(x4, 2);
    let poly = rounding_divide_by_pot(
        doubling_high_mul(x4_over_4.wrapping_add(x3), ONE_THIRD).wrapping_add(x2),
        1,
    );
    EXP_MINUS_EIGHTH.wrapping_add(doubling_high_mul(EXP_MINUS_EIGHTH, x.wrapping_add(poly)))
}

/// `exp(a)` for `a ≤ 0` in Q5.26, as Q0.31: gemmlowp's `exp_on_negative_values` with five
/// integer bits. The input is split into a part in `[−1/4, 0)`, done by
/// [`exp_on_quarter`], and a multiple of 1/4 whose bits select factors `exp(−2^k)`.
fn exp_on_negative_values(a: i32) -> i32 {
    const FRACTIONAL_BITS: i32 = 31 - DIFF_INTEGER_BITS;
    // exp(−1/4), exp(−1/2), exp(−1), exp(−2), exp(−4), exp(−8), exp(−16) in Q0.31, for the
    // bits of 2^−2 … 2^4.
    const FACTORS: [(i32, i32); 7] = [
        (-2, 1_672_461_947),
        (-1, 1_302_514_674),
        (0, 790_015_084),
        (1, 290_630_308),
        (2, 39_332_535),
        (3, 720_401),
        (4, 242),
    ];
    if a == 0 {
        return Q0_ONE;
    }
    let quarter = 1i32 << (FRACTIONAL_BITS - 2);
    let part = (a & (quarter - 1)).wrapping_sub(quarter);
    // Q5.26 to Q0.31: times 2^5, saturated.
    let mut result = exp_on_quarter(saturating_shift_left(part, DIFF_INTEGER_BITS as u32));
    let remainder = part.wrapping_sub(a);
    for (exponent, factor) in FACTORS {
        // Every factor applies with five integer bits (gemmlowp tests `5 > exponent`).
        if remainder & (1 << (FRACTIONAL_BITS + exponent)) != 0 {
            result = doubling_high_mul(result, factor);
        }
    }
    result
}

/// `1 / (1 + a)` for `a` in `[0, 1)`, Q0.31 in and out: gemmlowp's
/// `one_over_one_plus_x_for_x_in_0_1`, three Newton–Raphson steps in Q2.29 from the
/// classic `48/17 − 32/17 · d` start.
fn one_over_one_plus_x(a: i32) -> i32 {
    // 48/17 and −32/17 in Q2.29; one in Q2.29.
    const C48_17: i32 = 1_515_870_810;
    const C_NEG_32_17: i32 = -1_010_580_540;
    const Q2_ONE: i32 = 1 << 29;
    let half_denominator = rounding_half_sum(a, Q0_ONE);
    let mut x = C48_17.wrapping_add(doubling_high_mul(half_denominator, C_NEG_32_17));
    for _ in 0..3 {
        let half_denominator_times_x = doubling_high_mul(half_denominator, x);
        let one_minus = Q2_ONE.wrapping_sub(half_denominator_times_x);
        // Q4.27 back to Q2.29.
        x = x.wrapping_add(saturating_shift_left(doubling_high_mul(x, one_minus), 2));
    }
    // x / 2 in Q1.30, as Q0.31.
    saturating_shift_left(x, 1)
}

/// TensorFlow Lite's `GetReciprocal`: for `x` in Q`integer_bits`, `1/x` as a Q0.31 number
/// and the power of two it is to be scaled by (`x` normalized into `[1, 2)` first).
fn reciprocal(x: i32, integer_bits: i32) -> (i32, i32) {
    let headroom_plus_one = (x as u32).leading_zeros();
    let bits_over_unit = integer_bits - headroom_plus_one as i32;
    let shifted_minus_one = (x as u32)
        .checked_shl(headroom_plus_one)
        .unwrap_or(0)
        .wrapping_sub(1 << 31) as i32;
    (one_over_one_plus_x(shifted_minus_one), bits_over_unit)
}

/// `x` shifted left by `exponent` (at least 0) with saturation: TensorFlow Lite's
/// `SaturatingRoundingMultiplyByPOTParam`.
fn shift_left_param(x: i32, exponent: i32) -> i32 {
    match u32::try_from(exponent) {
        Ok(0) => x,
        Ok(e @ 1..=31) => saturating_shift_left(x, e),
        // No caller shifts further; a wider shift saturates whatever is not zero.
        Ok(_) => match x.signum() {
            1 => i32::MAX,
            -1 => i32::MIN,
            _ => 0,
        },
        Err(_) => x,
    }
}

/// `log(x)` for `x ≥ 1`, `x` in Q12.19 (a sum of exponentials), as Q5.26: TensorFlow Lite's
/// `log_x_for_x_greater_than_or_equal_to_1` with five output integer bits. `x` is split into
/// a power of two (counted in its leading zeros, with quarter-octave adjustments) times a
/// mantissa `r` near 1, whose log comes from a rational approximation in `(r − 2^−1/4)`; the
/// sum is kept with six integer bits, then rescaled to five.
fn log_of_at_least_one(x: i32) -> i32 {
    const INPUT_INTEGER_BITS: i32 = SUM_INTEGER_BITS;
    const ACCUM_INTEGER_BITS: i32 = DIFF_INTEGER_BITS + 1;
    // ln 2, 2^−1/4, 2^−1/2 and 1/4 in Q0.31, and the approximation's coefficients.
    const LOG_2: i32 = 1_488_522_236;
    const SQRT_SQRT_HALF: i32 = 1_805_811_301;
    const SQRT_HALF: i32 = 1_518_500_250;
    const ONE_QUARTER: i32 = 536_870_912;
    const ALPHA_N: i32 = 117_049_297;
    const ALPHA_D: i32 = 127_690_142;
    const ALPHA_I: i32 = 1_057_819_769;
    const ALPHA_F: i32 = 638_450_708;
    let saturate = |v: i64| v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
    let shifted_quarter = rounding_divide_by_pot(ONE_QUARTER, ACCUM_INTEGER_BITS);
    let z_a = x;
    let a_headroom_plus_1 = (z_a as u32).leading_zeros() as i32;
    let r_a_tmp = shift_left_param(z_a, a_headroom_plus_1 - 1);
    let r_a = shift_left_param(doubling_high_mul(r_a_tmp, SQRT_HALF), 1);
    let a_pow_2 = saturate(
        i64::from(shift_left_param(
            INPUT_INTEGER_BITS - a_headroom_plus_1,
            31 - ACCUM_INTEGER_BITS,
        )) + i64::from(shifted_quarter),
    );
    let z_b = doubling_high_mul(z_a, SQRT_HALF);
    let b_headroom = (z_b as u32).leading_zeros() as i32 - 1;
    let r_b = shift_left_param(z_a, b_headroom);
    let b_pow_2 = saturate(
        i64::from(shift_left_param(
            INPUT_INTEGER_BITS - b_headroom,
            31 - ACCUM_INTEGER_BITS,
        )) - i64::from(shifted_quarter),
    );
    let r = r_a.min(r_b);
    let pow_2 = a_pow_2.max(b_pow_2);
    let p = rounding_half_sum(r, SQRT_SQRT_HALF);
    let q = r.wrapping_sub(SQRT_SQRT_HALF);
    let q = q.wrapping_add(q);
    let common_sq = doubling_high_mul(q, q);
    let num = doubling_high_mul(q, r)
        .wrapping_add(doubling_high_mul(doubling_high_mul(q, common_sq), ALPHA_N));
    let denom_minus_one = doubling_high_mul(
        p,
        ALPHA_I
            .wrapping_add(q)
            .wrapping_add(doubling_high_mul(ALPHA_D, common_sq)),
    )
    .wrapping_add(doubling_high_mul(ALPHA_F, q));
    let reciprocal = one_over_one_plus_x(denom_minus_one);
    let num_scaled = rounding_divide_by_pot(num, ACCUM_INTEGER_BITS);
    let sum =
        doubling_high_mul(pow_2, LOG_2).wrapping_add(doubling_high_mul(num_scaled, reciprocal));
    // Six integer bits to five.
    shift_left_param(sum, ACCUM_INTEGER_BITS - DIFF_INTEGER_BITS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_share_the_probability() {
        // Four equal values: 1/4 each, which is 64/256, −64 in the output's int8.
        let softmax = Softmax::new(0.1, 1.0);
        let mut y = [0i8; 4];
        softmax.run(&[-128; 4], &mut y);
        assert_eq!(y, [-64; 4]);
        softmax.run(&[127; 4], &mut y);
        assert_eq!(y, [-64; 4]);
        // One value alone has probability 1, clamped to 255/256.
        let mut one = [0i8];
        softmax.run(&[3], &mut one);
        assert_eq!(one, [127]);
        // Two: 128/256 each.
        let mut two = [0i8; 2];
        softmax.run(&[9, 9], &mut two);
        assert_eq!(two, [0, 0]);
    }

    #[test]
    fn log_softmax_of_equal_values_is_minus_the_log_of_their_count() {
        // log(1/n) in steps of 1/16 below 127: n = 1 gives 0, 2 gives −0.693 (11 steps),
        // 4 gives −1.386 (22), 8 gives −2.079 (33).
        let log_softmax = LogSoftmax::new(0.1);
        for (n, want) in [(1, 127), (2, 116), (4, 105), (8, 94)] {
            let mut y = [0i8; 8];
            log_softmax.run(&[-20; 8][..n], &mut y[..n]);
            assert!(y[..n].iter().all(|&v| v == want), "{n}: {y:?}");
        }
        // A value far below the greatest: the least output.
        let mut y = [0i8; 2];
        LogSoftmax::new(1.0).run(&[127, -128], &mut y);
        assert_eq!(y, [127, -128]);
    }

    #[test]
    fn far_smaller_values_take_no_part() {
        // With scale 1, a difference of 255 is far beyond exp(−32): the least output, and the
        // greatest value keeps everything.
        let softmax = Softmax::new(1.0, 1.0);
        let mut y = [0i8; 3];
        softmax.run(&[127, -128, -128], &mut y);
        assert_eq!(y, [127, -128, -128]);
        // With scale 1 the real multiplier is exactly 2^26 = 2^30 · 2^(27 − 31), and the
        // radius 31 · 2^26 / 2^27 = 15.5 rounds down to 15.
        assert_eq!(
            softmax.multiplier,
            Multiplier {
                value: 1 << 30,
                shift: 27
            }
        );
        assert_eq!(softmax.diff_min, -15);
    }

    #[test]
    fn odd_scales_do_not_panic() {
        for scale in [0.0, -1.0, f32::NAN, f32::INFINITY, 1e-30, 1e30] {
            let mut y = [0i8; 5];
            Softmax::new(scale, 1.0).run(&[1, 2, 3, -128, 127], &mut y);
            LogSoftmax::new(scale).run(&[1, 2, 3, -128, 127], &mut y);
            Logistic::new(scale, 0).run(&[1, 2, 3, -128, 127], &mut y);
            Tanh::new(scale, i32::MAX).run(&[1, 2, 3, -128, 127], &mut y);
        }
        Softmax::new(0.5, 1.0).run(&[], &mut []);
    }

    #[test]
    fn logistic_and_tanh_rise_with_their_input() {
        for (scale, zero) in [(0.004, -1), (1.0 / 16.0, 0), (0.4, 25), (0.01, -128)] {
            let logistic = Logistic::new(scale, zero);
            let tanh = Tanh::new(scale, zero);
            let x: [i8; 256] = core::array::from_fn(|i| (i as i32 - 128) as i8);
            let (mut l, mut t) = ([0i8; 256], [0i8; 256]);
            logistic.run(&x, &mut l);
            tanh.run(&x, &mut t);
            assert!(l.windows(2).all(|w| w[0] <= w[1]), "{scale}: {l:?}");
            assert!(t.windows(2).all(|w| w[0] <= w[1]), "{scale}: {t:?}");
            // At the zero point: σ(0) = 1/2 and tanh(0) = 0.
            let at_zero = (zero + 128) as usize;
            assert_eq!((l[at_zero], t[at_zero]), (0, 0));
        }
    }

    #[test]
    fn float_functions_are_close_to_the_reals() {
        for (i, &bits) in EXP2_TABLE.iter().enumerate() {
            let v = f64::from_bits(bits + ((i as u64) << 47));
            let want = libm::exp2(i as f64 / 32.0);
            assert!(
                (v - want).abs() <= want * f64::EPSILON,
                "2^({i}/32): {v} {want}"
            );
        }
        for i in -2000..=2000 {
            let x = i as f32 / 37.0;
            let (e, t) = (f64::from(expf(x)), f64::from(tanhf(x)));
            let (want_e, want_t) = (libm::exp(f64::from(x)), libm::tanh(f64::from(x)));
            assert!(
                (e - want_e).abs() <= want_e * 1.2e-7,
                "exp({x}): {e} {want_e}"
            );
            assert!((t - want_t).abs() <= 1.2e-7, "tanh({x}): {t} {want_t}");
        }
        assert_eq!(expf(0.0), 1.0);
        assert_eq!(
            (expf(f32::INFINITY), expf(f32::NEG_INFINITY)),
            (f32::INFINITY, 0.0)
        );
        assert_eq!((tanhf(30.0), tanhf(-30.0), tanhf(0.0)), (1.0, -1.0, 0.0));
    }

    #[test]
    fn fixed_point_pieces_match_their_reals() {
        // exp(−1) in Q0.31 from −1 in Q5.26, within the Taylor expansion's error (1e−6).
        let e = exp_on_negative_values(-(1 << 26));
        assert!((e - 790_015_084).abs() <= 2_000, "{e}");
        assert_eq!(exp_on_negative_values(0), i32::MAX);
        // 1 / (1 + 1/2) = 2/3.
        let r = one_over_one_plus_x(1 << 30);
        assert!((r - 1_431_655_765).abs() <= 4, "{r}");
        assert_eq!(rounding_divide_by_pot(-7, 1), -4);
        assert_eq!(rounding_divide_by_pot(7, 1), 4);
        assert_eq!(rounding_divide_by_pot(-5, 2), -1);
        assert_eq!(doubling_high_mul(i32::MIN, i32::MIN), i32::MAX);
        assert_eq!(doubling_high_mul(1 << 30, 1 << 30), 1 << 29);
    }
}
