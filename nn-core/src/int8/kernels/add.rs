//! TensorFlow Lite's int8 `ADD` of two tensors of one shape (its
//! `reference_integer_ops::Add`): both inputs brought to a common scale in fixed point, added,
//! and the sum requantized into the output's scale.

use super::fast::{self, twice};
use crate::int8::{Multiplier, Output};

/// An int8 elementwise addition's constants, as TensorFlow Lite's `add.cc` prepares them for
/// its 8-bit path: inputs shifted left by [`Add::LEFT_SHIFT`] bits, each scaled by its share of
/// twice the larger input scale, the sum by that over the output's scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Add {
    /// The first input's zero point.
    pub a_zero: i32,
    /// The second input's zero point.
    pub b_zero: i32,
    /// `scale_a / (2 · max(scale_a, scale_b))`.
    pub a: Multiplier,
    /// `scale_b / (2 · max(scale_a, scale_b))`.
    pub b: Multiplier,
    /// `2 · max(scale_a, scale_b) / (2^LEFT_SHIFT · scale_y)`.
    pub sum: Multiplier,
    /// The output's zero point and fused activation.
    pub output: Output,
}

impl Add {
    /// The bits the inputs are shifted left by before they are scaled, for int8 tensors
    /// (TensorFlow Lite's `left_shift`, 15 for int16 ones).
    pub const LEFT_SHIFT: u32 = 20;

    /// Whether TensorFlow Lite takes inputs of scales `a_scale` and `b_scale` into an output of
    /// scale `y_scale`: its factor for the sum, `2 · max(a, b) / (2^20 · y)`, is below 1 (its
    /// `QuantizeMultiplierSmallerThanOneExp` refuses one of 1 or more).
    pub fn fits(a_scale: f32, b_scale: f32, y_scale: f32) -> bool {
        let twice_max = f64::from(2.0 * a_scale.max(b_scale));
        twice_max / (f64::from((1u32 << Self::LEFT_SHIFT) as f32) * f64::from(y_scale)) < 1.0
    }

    /// The constants for inputs of scales `a_scale` and `b_scale` and zero points `a_zero` and
    /// `b_zero` into an output of scale `y_scale`, as TensorFlow Lite's `add.cc` computes them
    /// (`QuantizeMultiplierSmallerThanOneExp` of each ratio, in `f64`).
    pub fn new(
        (a_scale, a_zero): (f32, i32),
        (b_scale, b_zero): (f32, i32),
        y_scale: f32,
        output: Output,
    ) -> Self {
        let twice_max = f64::from(2.0 * a_scale.max(b_scale));
        Self {
            a_zero,
            b_zero,
            a: Multiplier::from_real(f64::from(a_scale) / twice_max),
            b: Multiplier::from_real(f64::from(b_scale) / twice_max),
            sum: Multiplier::from_real(
                twice_max / f64::from((1u32 << Self::LEFT_SHIFT) as f32 * y_scale),
            ),
            output,
        }
    }

    /// `y[i] = requantize(a[i] + b[i])`: each input less its zero point, shifted left by
    /// [`Add::LEFT_SHIFT`] and scaled, the two added, the sum scaled into the output's scale,
    /// every factor applied with gemmlowp's two roundings ([`Multiplier::apply_twice`],
    /// TensorFlow Lite's `MultiplyByQuantizedMultiplierSmallerThanOneExp` built without
    /// `TFLITE_SINGLE_ROUNDING`, as TensorFlow 2.21.0's interpreter is: its convolutions round
    /// twice). On the inputs shifted by 20 bits the two roundings rarely part: one rounding
    /// gives the same outputs for every one of the 65,536 input pairs of an ADD the converter
    /// quantized, and on every ADD of MLPerf Tiny's models.
    ///
    /// # Panics
    ///
    /// When `a`, `b` and `y` are not all of one length.
    pub fn run(&self, a: &[i8], b: &[i8], y: &mut [i8]) {
        assert_eq!(a.len(), y.len(), "inputs and output of one length");
        assert_eq!(b.len(), y.len(), "inputs and output of one length");
        fast::dispatch(Run { add: self, a, b, y });
    }

    /// `y = x + c` with `c` one value per channel (TensorFlow Lite's `BroadcastAdd` over the
    /// last axis): `x` and `y` are positions of `c.len()` channels each; `x` is the first
    /// input, `c` the second.
    ///
    /// # Panics
    ///
    /// When `x` and `y` differ in length, or it is not a multiple of `c.len()`.
    pub fn run_channels(&self, x: &[i8], c: &[i8], y: &mut [i8]) {
        assert_eq!(x.len(), y.len(), "input and output of one length");
        assert!(
            !c.is_empty() && x.len().is_multiple_of(c.len()),
            "whole positions"
        );
        for (x, y) in x.chunks_exact(c.len()).zip(y.chunks_exact_mut(c.len())) {
            self.run(x, c, y);
        }
    }
}

/// The addition's loop, compiled for the widest instruction set.
struct Run<'c> {
    add: &'c Add,
    a: &'c [i8],
    b: &'c [i8],
    y: &'c mut [i8],
}

impl fast::Kernel for Run<'_> {
    #[inline(always)]
    fn run<D: fast::Dot>(self) {
        // `Multiplier::apply_twice` with its shifts split out, in a loop the compiler
        // vectorizes; every constant in a local, none read through `self` inside the loop.
        let split = |m: Multiplier| (m.value, m.shift.clamp(0, 31), (-m.shift).clamp(0, 31));
        let Self { add, a, b, y } = self;
        let (a_m, b_m, sum_m) = (split(add.a), split(add.b), split(add.sum));
        let (a_zero, b_zero, output) = (add.a_zero, add.b_zero, add.output);
        for ((out, &a), &b) in y.iter_mut().zip(a).zip(b) {
            // |q − zero| ≤ 255 for zero points of int8, so the shifted values stay below
            // 2^28 (others wrap, as the reference's shift would).
            let a = (i32::from(a).wrapping_sub(a_zero)).wrapping_shl(Add::LEFT_SHIFT);
            let b = (i32::from(b).wrapping_sub(b_zero)).wrapping_shl(Add::LEFT_SHIFT);
            let a = twice(a, a_m.0, a_m.1, a_m.2);
            let b = twice(b, b_m.0, b_m.1, b_m.2);
            *out = output.store(twice(a.wrapping_add(b), sum_m.0, sum_m.1, sum_m.2));
        }
    }
}
