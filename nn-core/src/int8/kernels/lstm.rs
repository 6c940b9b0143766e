//! TensorFlow Lite's int8 `UNIDIRECTIONAL_SEQUENCE_LSTM` (`lstm_eval`'s `EvalInteger8x8_16`,
//! no peephole, projection or layer norm): int8 inputs, weights and outputs, int16 gates and
//! cell state.
//!
//! Each step, for each gate `g` of `i, f, c, o`, two requantized products are summed in int16
//! (saturating) as Q3.12: `z_g = W_g · x + R_g · h` (the bias and the zero points folded into
//! each product's int32 sum). Then, in gemmlowp's int16 fixed point, `i, f, o = σ(z)` and
//! `c̃ = tanh(z_c)` in Q0.15, the cell state `c ← f·c + i·c̃` (each product rounded down to
//! the cell state's power-of-two scale), and `h = o · tanh(c)` requantized to int8.

use super::activations::rounding_divide_by_pot;
use crate::int8::Multiplier;

/// One gate's constants, borrowed: its rows of input and recurrent weights, the int32 sums
/// that the zero points and the bias add to each row's products, and the requantization of
/// each product into the gate's Q3.12.
#[derive(Clone, Copy, Debug)]
pub struct LstmGate<'a> {
    /// `U` rows of `F` input weights (zero point 0).
    pub input_weights: &'a [i8],
    /// `U` rows of `U` recurrent weights (zero point 0).
    pub recurrent_weights: &'a [i8],
    /// Per unit, `bias − zero_x · Σ row` (TensorFlow Lite's `input_to_*_effective_bias`).
    pub input_bias: &'a [i32],
    /// Per unit, `− zero_h · Σ row` (`recurrent_to_*_effective_bias`).
    pub recurrent_bias: &'a [i32],
    /// `scale_x · scale_w / 2^−12` ([`LstmGate::multiplier`]).
    pub input_multiplier: Multiplier,
    /// `scale_h · scale_r / 2^−12`.
    pub recurrent_multiplier: Multiplier,
}

impl LstmGate<'_> {
    /// The requantization of products of inputs of scale `input` and weights of scale
    /// `weight` into a gate's Q3.12, as TensorFlow Lite computes it: the product of the
    /// scales in `f32`, divided by 2^−12.
    pub fn multiplier(input: f32, weight: f32) -> Multiplier {
        Multiplier::from_real(f64::from(weight * input * 4096.0))
    }

    /// A row's `bias − zero · Σ row` for each of the `sums.len()` rows of `weights`, as
    /// TensorFlow Lite's `PrecomputeZeroPointTimesWeightWithBias` folds them (`bias` empty:
    /// none).
    pub fn fold(weights: &[i8], bias: &[i32], zero: i32, sums: &mut [i32]) {
        let width = weights.len() / sums.len().max(1);
        for (r, (sum, row)) in sums
            .iter_mut()
            .zip(weights.chunks_exact(width.max(1)))
            .enumerate()
        {
            let total = row.iter().fold(0i32, |a, &w| a.wrapping_add(i32::from(w)));
            let b = bias.get(r).copied().unwrap_or(0);
            *sum = b.wrapping_add(total.wrapping_mul(zero.wrapping_neg()));
        }
    }

    /// Adds `W · x` requantized to the Q3.12 `acc`, saturating: TensorFlow Lite's
    /// `MatrixBatchVectorMultiplyAccumulate` into int16.
    fn accumulate(weights: &[i8], bias: &[i32], m: Multiplier, x: &[i8], acc: &mut [i16]) {
        let width = x.len().max(1);
        for ((a, row), &b) in acc.iter_mut().zip(weights.chunks_exact(width)).zip(bias) {
            let sum = row
                .iter()
                .zip(x)
                .fold(b, |s, (&w, &v)| s.wrapping_add(i32::from(w) * i32::from(v)));
            let total = m.apply_twice(sum).saturating_add(i32::from(*a));
            *a = total.clamp(i16::MIN.into(), i16::MAX.into()) as i16;
        }
    }
}

/// An int8 LSTM's constants, borrowed: TensorFlow Lite's `UNIDIRECTIONAL_SEQUENCE_LSTM` as
/// its converter writes Keras's `LSTM` (every gate, tanh, no peephole, projection or layer
/// norm), batch-major.
///
/// ```
/// use nn_core::int8::Multiplier;
/// use nn_core::int8::kernels::{Lstm, LstmGate};
///
/// // 3 steps of 2 features into 4 units, every weight and bias zero: each gate is σ(0) = 1/2,
/// // the candidate tanh(0) = 0, so the cell state stays 0 and every output is tanh(0) = 0,
/// // the output's zero point.
/// let (w, r, b) = ([0i8; 8], [0i8; 16], [0i32; 4]);
/// let m = LstmGate::multiplier(0.05, 0.01);
/// let gate = LstmGate {
///     input_weights: &w,
///     recurrent_weights: &r,
///     input_bias: &b,
///     recurrent_bias: &b,
///     input_multiplier: m,
///     recurrent_multiplier: m,
/// };
/// let lstm = Lstm {
///     gates: [gate; 4],
///     cell_shift: -14,
///     cell_clip: 0,
///     hidden: Lstm::hidden_multiplier(1.0 / 128.0),
///     hidden_zero: 3,
/// };
/// let mut y = [0i8; 12];
/// lstm.run::<4>(&[10, -20, 30, -40, 50, -60], true, &mut y);
/// assert_eq!(y, [3; 12]);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Lstm<'a> {
    /// The gates in Keras's order: input, forget, cell, output.
    pub gates: [LstmGate<'a>; 4],
    /// The cell state's scale as a power of two (`2^cell_shift`, −14 as the converter
    /// writes it; from −15 to −9, as TensorFlow Lite's kernel takes it: others are taken as
    /// the nearest of those).
    pub cell_shift: i32,
    /// The bound of the cell state, `±cell_clip` (0: none; [`Lstm::cell_clip`]).
    pub cell_clip: i16,
    /// The requantization of `o · tanh(c)` (two Q0.15 factors) into the output:
    /// `2^−15 · 2^−15 / scale_h` ([`Lstm::hidden_multiplier`]).
    pub hidden: Multiplier,
    /// The output's zero point (the operator's hidden intermediate's, the output state's).
    pub hidden_zero: i32,
}

impl Lstm<'_> {
    /// The cell state's bound `clip` (a real, 0 for none) in steps of the cell state's
    /// `scale`, as TensorFlow Lite computes it: `clip / scale` in `f32`, clamped to int16 and
    /// truncated. (TensorFlow's converter writes 10 for Keras's LSTM, beyond int16 at 2^−14:
    /// the bound is then 32767, which keeps the cell state off −32768.)
    pub fn cell_clip(clip: f32, scale: f32) -> i16 {
        if clip > 0.0 {
            (clip / scale).clamp(-32768.0, 32767.0) as i16
        } else {
            0
        }
    }

    /// The requantization of the hidden state into an output of scale `scale`, as TensorFlow
    /// Lite computes it: `2^−15 / scale · 2^−15` in `f64`, rounded to `f32`.
    pub fn hidden_multiplier(scale: f32) -> Multiplier {
        let two = 1.0 / 32768.0;
        Multiplier::from_real(f64::from((two / f64::from(scale) * two) as f32))
    }

    /// Runs the sequence `x` (`x.len() / F` steps of `F` features, `F` the input weights'
    /// width) from zero state, writing each step's `U` outputs into `y` (`sequences`) or the
    /// last step's alone. Nothing is allocated: the state and the gates are arrays of `U`.
    ///
    /// # Panics
    ///
    /// When `y` is not `U` values (or `U` per step with `sequences`), or a gate's constants
    /// are not `U` rows: the constants were built for another shape.
    pub fn run<const U: usize>(&self, x: &[i8], sequences: bool, y: &mut [i8]) {
        let features = self.gates[0].input_weights.len() / U.max(1);
        let steps = x.len() / features.max(1);
        assert_eq!(steps * features, x.len(), "input for another shape");
        assert_eq!(
            y.len(),
            if sequences { steps * U } else { U },
            "output for another shape"
        );
        for g in &self.gates {
            assert_eq!(g.input_weights.len(), U * features);
            assert_eq!(g.recurrent_weights.len(), U * U);
            assert!(g.input_bias.len() == U && g.recurrent_bias.len() == U);
        }
        // The output state starts at its zero point (zero), the cell state at 0.
        let mut h = [self.hidden_zero.clamp(-128, 127) as i8; U];
        let mut c = [0i16; U];
        for (t, x) in x.chunks_exact(features.max(1)).enumerate() {
            self.step::<U>(x, &mut h, &mut c);
            if sequences {
                y[t * U..(t + 1) * U].copy_from_slice(&h);
            }
        }
        if !sequences {
            y.copy_from_slice(&h);
        }
    }

    /// One step: `h` and `c` from the step's features `x` and the previous `h` and `c`.
    fn step<const U: usize>(&self, x: &[i8], h: &mut [i8; U], c: &mut [i16; U]) {
        let gate = |g: &LstmGate<'_>| {
            let mut z = [0i16; U];
            LstmGate::accumulate(g.input_weights, g.input_bias, g.input_multiplier, x, &mut z);
            LstmGate::accumulate(
                g.recurrent_weights,
                g.recurrent_bias,
                g.recurrent_multiplier,
                &h[..],
                &mut z,
            );
            z
        };
        let [gi, gf, gc, go] = &self.gates;
        let f = gate(gf).map(|v| logistic(v, 3));
        let candidate = gate(gc).map(|v| tanh(v, 3));
        let i = gate(gi).map(|v| logistic(v, 3));
        let o = gate(go).map(|v| logistic(v, 3));
        let cell_shift = self.cell_shift.clamp(-15, -9);
        let shift = 30 + cell_shift;
        for u in 0..U {
            let kept = rounding_divide_by_pot(i32::from(f[u]) * i32::from(c[u]), 15) as i16;
            let added = rounding_divide_by_pot(i32::from(i[u]) * i32::from(candidate[u]), shift);
            let sum = i32::from(kept) + i32::from(added as i16);
            c[u] = sum.clamp(i16::MIN.into(), i16::MAX.into()) as i16;
            if self.cell_clip > 0 {
                c[u] = c[u].clamp(-self.cell_clip, self.cell_clip);
            }
        }
        for u in 0..U {
            let t = tanh(c[u], 15 + cell_shift);
            let v = self.hidden.apply_twice(i32::from(o[u]) * i32::from(t));
            h[u] = v.saturating_add(self.hidden_zero).clamp(-128, 127) as i8;
        }
    }
}

// gemmlowp's fixed-point arithmetic on int16, as TensorFlow Lite's integer LSTM uses it. A
// Qm.n number is an i16 holding `value · 2^n`, `m + n = 15`.

/// `round(a · b / 2^15)`, ties away from zero, saturated for `MIN · MIN`: gemmlowp's int16
/// `SaturatingRoundingDoublingHighMul`.
fn mul(a: i16, b: i16) -> i16 {
    if a == i16::MIN && b == i16::MIN {
        return i16::MAX;
    }
    let ab = i32::from(a) * i32::from(b);
    let nudge = if ab >= 0 { 1 << 14 } else { 1 - (1 << 14) };
    ((ab + nudge) / (1 << 15)) as i16
}

/// [`rounding_divide_by_pot`] on int16.
fn divide_by_pot(x: i16, exponent: i32) -> i16 {
    rounding_divide_by_pot(i32::from(x), exponent) as i16
}

/// `x · 2^exponent`, saturated to int16: gemmlowp's `SaturatingRoundingMultiplyByPOT` with an
/// exponent of 0 or more.
fn shift_left(x: i16, exponent: i32) -> i16 {
    if exponent == 0 {
        return x;
    }
    let threshold = (1i32 << (15 - exponent)) - 1;
    let x32 = i32::from(x);
    if x32 > threshold {
        i16::MAX
    } else if x32 < -threshold {
        i16::MIN
    } else {
        (x32 << exponent) as i16
    }
}

/// A 32-bit gemmlowp constant as its int16 form: rounded by 2^16.
const fn constant(c: i32) -> i16 {
    let mask = 0xffff;
    let remainder = c & mask;
    let threshold = (mask >> 1) + if c < 0 { 1 } else { 0 };
    ((c >> 16) + if remainder > threshold { 1 } else { 0 }) as i16
}

/// One in Q0.15, as gemmlowp holds it: the greatest int16.
const Q0_ONE: i16 = i16::MAX;

/// `exp(a)` for `a` in `[−1/4, 0)`, Q0.15 in and out: gemmlowp's
/// `exp_on_interval_between_negative_one_quarter_and_0_excl`, its last sum saturating on
/// int16.
fn exp_on_quarter(a: i16) -> i16 {
    const EXP_MINUS_EIGHTH: i16 = constant(1_895_147_668);
    const ONE_THIRD: i16 = constant(715_827_883);
    let x = a.wrapping_add(1 << 12);
    let x2 = mul(x, x);
    let x3 = mul(x2, x);
    let x4 = mul(x2, x2);
    let x4_over_4 = divide_by_pot(x4, 2);
    let poly = divide_by_pot(
        mul(x4_over_4.wrapping_add(x3), ONE_THIRD).wrapping_add(x2),
        1,
    );
    EXP_MINUS_EIGHTH.saturating_add(mul(EXP_MINUS_EIGHTH, x.wrapping_add(poly)))
}

/// `exp(a)` for `a ≤ 0` with `integer_bits` integer bits, as Q0.15: gemmlowp's
/// `exp_on_negative_values` on int16.
fn exp_on_negative_values(a: i16, integer_bits: i32) -> i16 {
    const FACTORS: [(i32, i32); 7] = [
        (-2, 1_672_461_947),
        (-1, 1_302_514_674),
        (0, 790_015_084),
        (1, 290_630_308),
        (2, 39_332_535),
        (3, 720_401),
        (4, 242),
    ];
    let fractional = 15 - integer_bits;
    let quarter = 1i16 << (fractional - 2);
    let part = (a & (quarter - 1)).wrapping_sub(quarter);
    let mut result = exp_on_quarter(shift_left(part, integer_bits));
    let remainder = part.wrapping_sub(a);
    for (exponent, factor) in FACTORS {
        if integer_bits > exponent && remainder & (1 << (fractional + exponent)) != 0 {
            result = mul(result, constant(factor));
        }
    }
    if integer_bits > 5 {
        // Below −32 the result is 0.
        let clamp = -(1i32 << (fractional + 5));
        if i32::from(a) < clamp {
            result = 0;
        }
    }
    if a == 0 { Q0_ONE } else { result }
}

/// `1 / (1 + a)` for `a` in `[0, 1)`, Q0.15 in and out: gemmlowp's
/// `one_over_one_plus_x_for_x_in_0_1` on int16.
fn one_over_one_plus_x(a: i16) -> i16 {
    let half_denominator = half_sum(a, Q0_ONE);
    let x = newton(half_denominator);
    // x / 2 in Q1.14, as Q0.15.
    shift_left(x, 1)
}

/// `(1 − a) / (1 + a)` for `a` in `[0, 1)`, Q0.15 in and out: gemmlowp's
/// `one_minus_x_over_one_plus_x_for_x_in_0_1` on int16.
fn one_minus_x_over_one_plus_x(a: i16) -> i16 {
    let half_denominator = half_sum(a, Q0_ONE);
    let x = newton(half_denominator);
    // x − 1 in Q2.13, as Q0.15.
    shift_left(x.wrapping_sub(1 << 13), 2)
}

/// `(a + b) / 2` rounded to nearest, ties away from zero: gemmlowp's `RoundingHalfSum`.
fn half_sum(a: i16, b: i16) -> i16 {
    let sum = i32::from(a) + i32::from(b);
    let sign = if sum >= 0 { 1 } else { -1 };
    ((sum + sign) / 2) as i16
}

/// `1 / d` in Q2.13 for `d` (Q0.15) in `[1/2, 1)`: three Newton–Raphson steps from
/// `48/17 − 32/17 · d`, as gemmlowp takes them.
fn newton(d: i16) -> i16 {
    const C48_17: i16 = constant(1_515_870_810);
    const C_NEG_32_17: i16 = constant(-1_010_580_540);
    const Q2_ONE: i16 = 1 << 13;
    let mut x = C48_17.wrapping_add(mul(d, C_NEG_32_17));
    for _ in 0..3 {
        let one_minus = Q2_ONE.wrapping_sub(mul(d, x));
        // Q4.11 back to Q2.13.
        x = x.wrapping_add(shift_left(mul(x, one_minus), 2));
    }
    x
}

/// `σ(a)` for `a` with `integer_bits` integer bits, Q0.15 out: gemmlowp's int16 `logistic`.
fn logistic(a: i16, integer_bits: i32) -> i16 {
    if a == 0 {
        return constant(1 << 30);
    }
    let magnitude = if a > 0 { a } else { a.wrapping_neg() };
    let positive = one_over_one_plus_x(exp_on_negative_values(
        magnitude.wrapping_neg(),
        integer_bits,
    ));
    if a > 0 {
        positive
    } else {
        Q0_ONE.wrapping_sub(positive)
    }
}

/// `tanh(a)` for `a` with `integer_bits` integer bits, Q0.15 out: gemmlowp's int16 `tanh`.
fn tanh(a: i16, integer_bits: i32) -> i16 {
    if a == 0 {
        return 0;
    }
    let negative = if a < 0 { a } else { a.wrapping_neg() };
    // exp(2n), n = −|a|: the same bits read with one integer bit more.
    let t = one_minus_x_over_one_plus_x(exp_on_negative_values(negative, integer_bits + 1));
    if a < 0 { t.wrapping_neg() } else { t }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn real(x: i16, fractional: i32) -> f64 {
        f64::from(x) / 2f64.powi(fractional)
    }

    #[test]
    fn fixed_point_functions_follow_the_real_ones() {
        for raw in (i16::MIN..=i16::MAX).step_by(97) {
            let s = real(logistic(raw, 3), 15);
            let want = 1.0 / (1.0 + (-real(raw, 12)).exp());
            assert!((s - want).abs() < 2e-4, "σ({raw}) = {s}, want {want}");
            for bits in [1, 3] {
                let t = real(tanh(raw, bits), 15);
                let want = real(raw, 15 - bits).tanh();
                assert!(
                    (t - want).abs() < 5e-4,
                    "tanh({raw}, {bits}) = {t}, want {want}"
                );
            }
        }
    }

    #[test]
    fn exp_next_to_zero_saturates_rather_than_wraps() {
        // exp(−2^−15) rounds to one: gemmlowp's int16 sum saturates there.
        assert_eq!(exp_on_negative_values(-1, 0), i16::MAX);
        assert_eq!(logistic(1, 3), 16384);
        assert_eq!(logistic(-1, 3), 16383);
    }

    #[test]
    fn a_cell_clip_beyond_int16_is_int16s_greatest() {
        assert_eq!(Lstm::cell_clip(10.0, 2f32.powi(-14)), 32767);
        assert_eq!(Lstm::cell_clip(0.5, 2f32.powi(-14)), 8192);
        assert_eq!(Lstm::cell_clip(0.0, 2f32.powi(-14)), 0);
    }

    #[test]
    fn constants_are_rounded_to_sixteen_bits() {
        assert_eq!(constant(1 << 30), 1 << 14);
        assert_eq!(constant(1_895_147_668), 28918);
        assert_eq!(constant(-1_010_580_540), -15420);
    }
}
