//! The stack a layer's code takes beyond the values it keeps ([`Layer::SCRATCH`](crate::Layer::SCRATCH)):
//! saved registers, values the compiler spills and the small locals of its loops. These are
//! the compiler's, not ours, and no constant can give them exactly: a network's
//! `PREDICT_STACK` adds the largest of its layers' [`Layer::FRAME`](crate::Layer::FRAME), an
//! allowance that covers what was measured.
//!
//! Measured on a Cortex-M4 (`thumbv7em-none-eabihf`, rustc 1.95, `opt-level = "s"`) by the
//! firmware's `stack` program, which paints the stack before `predict` and finds how much of
//! it was written: `tests/firmware.rs` requires every network's `PREDICT_STACK` to be at least
//! what it measured, and at most 10% or [`WINDOWED`] bytes above it. The most beyond the
//! counted values was 148 bytes in networks of dense layers and activations and 574 in
//! networks of convolutions, pools and batch normalizations, float and int8.
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

/// The allowance of a layer whose loops run over its values once: dense layers,
/// activations, dropouts, reshapes, global pools; the default of [`Layer::FRAME`](crate::Layer::FRAME).
pub const SIMPLE: usize = scaled(160);

/// The allowance of a layer that slides a window or walks channels inside positions:
/// convolutions, pools, batch normalization, blocks, and the int8 kernels of those.
pub const WINDOWED: usize = scaled(640);
