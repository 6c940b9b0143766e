//! TensorFlow Lite's int8 `MUL` of a tensor by a constant of one value per channel (its
//! reference `BroadcastMul` over the last axis): how its converter writes a batch
//! normalization it cannot fold into the weights before it, with an `ADD` after
//! ([`Add::run_channels`](super::Add::run_channels)).

use crate::int8::{Multiplier, Output};

/// An int8 multiplication's constants: `y = requantize((x − zero_x) · (c − zero_c))`, the
/// product requantized with gemmlowp's two roundings ([`Multiplier::apply_twice`]) as
/// TensorFlow 2.21.0's interpreter does here (one rounding is one off in 4 of the 360 outputs
/// of `tests/fixtures/tflite/int8_bn.tflite`'s first `MUL`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mul {
    /// The input's zero point.
    pub input_zero: i32,
    /// The constant's zero point.
    pub constant_zero: i32,
    /// `scale_x · scale_c / scale_y`.
    pub multiplier: Multiplier,
    /// The output's zero point and fused activation.
    pub output: Output,
}

impl Mul {
    /// The constants for an input of `(scale, zero)`, a constant of `(scale, zero)` and an
    /// output of scale `output_scale`, as TensorFlow Lite's `mul.cc` prepares them (the
    /// scales' product in `f64`).
    pub fn new(
        (input_scale, input_zero): (f32, i32),
        (constant_scale, constant_zero): (f32, i32),
        output_scale: f32,
        output: Output,
    ) -> Self {
        Self {
            input_zero,
            constant_zero,
            multiplier: Multiplier::from_real(
                f64::from(input_scale) * f64::from(constant_scale) / f64::from(output_scale),
            ),
            output,
        }
    }

    /// `y = x · c` with `c` one value per channel: `x` and `y` are positions of
    /// `c.len()` channels each.
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
            for ((out, &x), &c) in y.iter_mut().zip(x).zip(c) {
                let product =
                    (i32::from(x) - self.input_zero) * (i32::from(c) - self.constant_zero);
                *out = self.output.store(self.multiplier.apply_twice(product));
            }
        }
    }
}
