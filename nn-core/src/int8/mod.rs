//! Full-integer (int8) inference in TensorFlow Lite's quantization scheme, computed exactly as
//! its reference kernels compute it, without std and without a heap.
//!
//! A real value `r` is held as an int8 `q` with `r = scale · (q − zero_point)`. Weights are
//! symmetric (zero point 0), per output channel for convolutions; activations are asymmetric,
//! one scale and zero point per tensor; biases are int32 at `scale_input · scale_weight`. Each
//! operator sums products in int32, then requantizes the sum into its output's scale with a
//! fixed-point [`Multiplier`], adds the output's zero point and clamps to the range of its
//! fused activation ([`Output`]).
//!
//! The kernels here take their tensors as slices in TensorFlow Lite's layouts (activations
//! `HWC`, convolution weights `OHWI`, depthwise weights `1HWO`, fully connected weights `OI`),
//! with their shapes given at run time: a typed int8 network passes shapes it knows at compile
//! time, so they fold into the code.

#[cfg(feature = "std")]
#[doc(hidden)]
pub mod built;
#[cfg(feature = "std")]
mod convert;
pub mod kernels;
mod layer;
pub mod layers;
mod network;
mod quant;
#[cfg(feature = "std")]
pub mod walk;

#[cfg(feature = "std")]
#[doc(hidden)]
pub use built::{Built, Parts, Step};
#[cfg(feature = "std")]
pub use convert::{Converter, Layout, Mark, Ranges, activation_quantization};
pub use kernels::{Geometry, Padding};
pub use layer::{Bounds, Clamp, Layer, Quantize};
#[cfg(feature = "std")]
#[doc(hidden)]
pub use layers::LstmParts;
#[cfg(feature = "std")]
pub use layers::NormRead;
pub use layers::{
    Activated, Activation, AverageOp, Concat, Conv, Dense, Depthwise, Ending, Fork, Form,
    GlobalAverage, GlobalMax, Held, Lstm, LstmQuant, Norm, NormOp, PRelu, Pass, Pool, Reshape,
    ScaleShift, Separable, Then,
};
pub use network::{Int8, Quant, Quantized};
// What the code `network!` generates calls: not part of the API.
#[cfg(feature = "std")]
#[doc(hidden)]
pub use network::{bytes, format_error, from_model, quantize, read};
pub use quant::{Multiplier, activation_range};
#[cfg(feature = "std")]
pub use walk::Walk;

/// Where an operator's int8 results go: the output's zero point, added after requantization,
/// and the clamp of the fused activation ([`activation_range`]). `min` is at most `max`, both
/// within `[-128, 127]` (as `activation_range` gives them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Output {
    /// The output tensor's zero point.
    pub zero: i32,
    /// The least value the fused activation lets through (at least −128).
    pub min: i32,
    /// The greatest value the fused activation lets through (at most 127).
    pub max: i32,
}

impl Output {
    /// Zero point 0 and no clamp but int8's own.
    pub const FULL: Self = Self {
        zero: 0,
        min: -128,
        max: 127,
    };

    /// A requantized sum `acc` as the int8 output: `clamp(acc + zero, min, max)`.
    #[inline(always)]
    pub fn store(self, acc: i32) -> i8 {
        // The clamp keeps the value within `[min, max]` ⊆ `[-128, 127]`.
        acc.saturating_add(self.zero).clamp(self.min, self.max) as i8
    }
}
