//! The stack a layer's code takes beyond the values it keeps ([`Layer::SCRATCH`](crate::Layer::SCRATCH)):
//! saved registers, values the compiler spills and the small locals of its loops. These are
//! the compiler's, not ours, and no constant can give them exactly: a network's
//! `PREDICT_STACK` adds the largest of its layers' [`Layer::FRAME`](crate::Layer::FRAME), an
//! allowance that covers what was measured.
//!
//! Measured on a Cortex-M4 (`thumbv7em-none-eabihf`, rustc 1.95, `opt-level = "s"`) by the
//! firmware's `stack` program, which paints the stack before `predict` and finds how much of
//! it was written: `tests/firmware.rs` requires every network's `PREDICT_STACK` to be at least
//! what it measured, and at most 10% or 320 bytes above it. The most beyond the counted
//! values was 64 bytes in networks of dense layers with cheap activations, 148 with the others
//! and activation layers, 244 with float convolutions and pools, and 574 with int8 ones (and
//! in the keyword-spotting network, whose batch normalizations over positions copy their
//! factors).
//!
//! On a 64-bit processor registers are wider and the vector kernels keep more on the stack;
//! there the allowances are four times as large, an estimate that has not been measured.

/// A Cortex-M4's figure, four times as large on a 64-bit target.
const fn scaled(cortex_m: usize) -> usize {
    if cfg!(target_pointer_width = "64") {
        4 * cortex_m
    } else {
        cortex_m
    }
}

/// The allowance of a dense layer whose activation takes a few operations a value (linear,
/// ReLU, ReLU6, leaky ReLU, ELU, SELU, sigmoid, SiLU, tanh, softplus, softsign, exponential,
/// softmax, log softmax): at most 64 bytes were measured.
pub const LEAN: usize = scaled(80);

/// The allowance of a layer whose loops run over its values once: dense layers with the
/// other activations (GELU, mish, the hard sigmoid and SiLU: up to 148 bytes measured),
/// activation layers, dropouts, reshapes, global pools; the default of
/// [`Layer::FRAME`](crate::Layer::FRAME) and of an activation's.
pub const SIMPLE: usize = scaled(160);

/// The allowance of a float layer that slides a window or walks channels inside positions:
/// convolutions, pools, blocks, a batch normalization of vectors.
pub const WINDOWED: usize = scaled(256);

/// The allowance of a batch normalization over positions, besides a copy of its factors.
pub const NORMALIZING: usize = scaled(384);

/// The allowance of an int8 layer that slides a window: convolutions, pools, blocks, the
/// LSTM; TensorFlow Lite's kernels, ours, keep more of their loops' state.
pub const KERNELS: usize = scaled(640);
