//! `exp`, the logistic sigmoid and `tanh` in `f32` for the recurrent cells, written in plain
//! IEEE arithmetic (no calls, no branches, no fused multiply-adds) so that a loop over them
//! vectorizes, and gives the same bits on every instruction set it is compiled for. (In `f64`
//! the cells go through libm's `exp`, and `tanh` through it as `Float::cell_tanh` says.)
//!
//! `e^x` is reduced as in Cephes's `expf`: `x = k·ln 2 + r` with `|r| ≤ ln 2 / 2`, `ln 2` split
//! in two so that `k·ln 2` loses nothing, and `e^r − 1 = r + r²·P(r)`, `P` of degree 5; the
//! result is scaled by `2^k` in two halves, so that no factor leaves the normal range. Its error
//! is within about one unit in the last place of libm's `expf`; `tanh` keeps `e^r − 1` apart for
//! small `|x|`, where `1 − e^{−2|x|}` would cancel.

/// `1.5 · 2²³`: adding it rounds a float below `2²²` in size to an integer (to nearest, ties to
/// even), which its low mantissa bits then hold.
const ROUND: f32 = 12_582_912.0;
const LOG2_E: f32 = core::f32::consts::LOG2_E;
/// `ln 2` in two parts: the first has 9 significant bits, so `k · LN2_HI` is exact for every
/// `k` the reduction meets.
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
/// The exponents beyond which `e^x` is `+∞` or rounds to zero; inputs are clamped to them (with
/// a margin), which keeps `k` in `[−150, 129]`.
const HIGH: f32 = 89.0;
const LOW: f32 = -104.0;

/// `(e^r − 1, k)` with `x = k·ln 2 + r`: the parts of `e^x = (1 + (e^r − 1)) · 2^k`.
#[inline(always)]
fn reduce(x: f32) -> (f32, i32) {
    // Comparisons rather than `max` and `min`, which would turn a NaN into a bound.
    let x = if x > HIGH { HIGH } else { x };
    let x = if x < LOW { LOW } else { x };
    let shifted = x * LOG2_E + ROUND;
    let k = shifted - ROUND;
    let int = (shifted.to_bits() as i32).wrapping_sub(ROUND.to_bits() as i32);
    let r = (x - k * LN2_HI) - k * LN2_LO;
    let p = 1.987_569_1e-4;
    let p = p * r + 1.398_199_9e-3;
    let p = p * r + 8.333_452e-3;
    let p = p * r + 4.166_579_6e-2;
    let p = p * r + 1.666_666_5e-1;
    let p = p * r + 0.5;
    (r + r * r * p, int)
}

/// `2^k` for `k` in `[−126, 127]`.
#[inline(always)]
fn pow2(k: i32) -> f32 {
    f32::from_bits((k.wrapping_add(127) as u32).wrapping_shl(23))
}

/// `(1 + m) · 2^k`, in two halves of `k`, so that every factor is a normal float and only the
/// last product over- or underflows.
#[inline(always)]
fn scale(m: f32, k: i32) -> f32 {
    let half = k >> 1;
    (1.0 + m) * pow2(half) * pow2(k - half)
}

/// `e^x`.
#[inline(always)]
pub(crate) fn exp(x: f32) -> f32 {
    let (m, k) = reduce(x);
    scale(m, k)
}

/// The logistic sigmoid, `1 / (1 + e^{−x})`.
#[inline(always)]
pub(crate) fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

/// `tanh x = (1 − e^{−2|x|}) / (1 + e^{−2|x|})` with the sign of `x`, from `e^{−2|x|} − 1` as
/// [`reduce`] gives it where `k = 0` (`|x|` up to about `ln 2 / 4`), without cancellation.
#[inline(always)]
pub(crate) fn tanh(x: f32) -> f32 {
    let a = f32::from_bits(x.to_bits() & 0x7fff_ffff);
    let (m, k) = reduce(-(a + a));
    let em1 = if k == 0 { m } else { scale(m, k) - 1.0 };
    let t = -em1 / (2.0 + em1);
    f32::from_bits((t.to_bits() & 0x7fff_ffff) | (x.to_bits() & 0x8000_0000))
}

#[cfg(test)]
mod tests {
    /// Relative differences from libm, in units of `f32::EPSILON`, over a fine grid and the
    /// edges.
    #[test]
    fn close_to_libm() {
        let mut worst = [(0.0f64, 0.0f32); 3];
        let mut check = |which: usize, x: f32, ours: f32, exact: f64| {
            if exact.is_nan() {
                assert!(ours.is_nan(), "{which}: {x} gave {ours}");
                return;
            }
            let exact32 = exact as f32;
            if exact32 == 0.0 || exact32.is_infinite() {
                assert!(
                    ours == exact32 || (ours.abs() < 2.0 * f32::MIN_POSITIVE && exact32 == 0.0),
                    "{which}: {x} gave {ours}, not {exact32}"
                );
                return;
            }
            let difference = (f64::from(ours) - exact).abs();
            if exact.abs() < f64::from(f32::MIN_POSITIVE) {
                // Subnormal results carry fewer bits (and libm's `expf` overflows a step before
                // `e^x` exceeds `f32::MAX`): compare them absolutely.
                assert!(
                    difference < f64::from(f32::MIN_POSITIVE),
                    "{which}: {x} gave {ours}"
                );
                return;
            }
            let error = difference / exact.abs() / f64::from(f32::EPSILON);
            if error > worst[which].0 {
                worst[which] = (error, x);
            }
        };
        let mut xs: Vec<f32> = (-2_000_000..=2_000_000).map(|i| i as f32 * 5e-5).collect();
        xs.extend((-1100..=1100).map(|i| i as f32 * 0.1));
        xs.extend([
            1e-30, -1e-30, 1e-40, 0.0, -0.0, 88.72, 88.73, -87.3, -103.0, -110.0,
        ]);
        xs.extend([
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            f32::MAX,
            f32::MIN,
        ]);
        for &x in &xs {
            let wide = f64::from(x);
            check(0, x, super::exp(x), wide.exp());
            check(1, x, super::sigmoid(x), 1.0 / (1.0 + (-wide).exp()));
            check(2, x, super::tanh(x), wide.tanh());
        }
        let [exp, sigmoid, tanh] = worst;
        assert!(exp.0 < 1.0, "exp: {} ε at {}", exp.0, exp.1);
        assert!(sigmoid.0 < 1.5, "sigmoid: {} ε at {}", sigmoid.0, sigmoid.1);
        assert!(tanh.0 < 2.0, "tanh: {} ε at {}", tanh.0, tanh.1);
        assert_eq!(super::tanh(0.0).to_bits(), 0.0f32.to_bits());
        assert_eq!(super::tanh(-0.0).to_bits(), (-0.0f32).to_bits());
        assert_eq!(super::tanh(50.0), 1.0);
        assert_eq!(super::tanh(-50.0), -1.0);
        assert_eq!(super::sigmoid(-200.0), 0.0);
        assert_eq!(super::sigmoid(200.0), 1.0);
        assert_eq!(super::exp(f32::INFINITY), f32::INFINITY);
        assert_eq!(super::exp(0.0), 1.0);
    }
}
