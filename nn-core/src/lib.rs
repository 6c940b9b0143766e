//! The runtime of [`nn`](https://docs.rs/nn): layers, activations, initializers, and the traits
//! that say what a layer and a network are. It knows nothing of the `network!` macro; the `nn`
//! crate re-exports both, and is the one to depend on.
//!
//! - What a layer is, one trait per concern: [`Params`] (its Keras class and parameters, which
//!   every cross-layer job walks), [`Layer`] (inference on one sample or a batch) and [`Train`]
//!   (the training forward and backward passes).
//! - [`Network`]: what every `network!` struct implements, with [`Network::visit`], the one walk
//!   over its layers.
//! - [`Activation`] / [`Elementwise`]: Keras's activations, and the trait for your own.
//! - [`Initializer`]: Keras's initializers.
//! - [`Storage`]: inline or heap weights behind one nalgebra matrix type.
//!
//! # Features
//! - `std` (default): training, batches, data, files, progress bars, `summary()`. Without it the
//!   crate is `#![no_std]` and needs no allocator: every layer's single-sample inference
//!   ([`Layer::forward`]), every activation, [`Params`] and [`Inline`] storage, with `libm` for
//!   the math.
#![cfg_attr(not(feature = "std"), no_std)]
// Unsafe code only where a module allows it, with its reason (and a `// SAFETY:` comment on each
// block, which clippy requires).
#![deny(unsafe_code)]

mod activations;
#[cfg(feature = "std")]
pub mod data;
mod elementary;
#[cfg(feature = "std")]
mod error;
pub mod frame;
mod fusion;
#[cfg(feature = "std")]
pub mod init;
pub mod int8;
#[cfg(feature = "std")]
pub mod io;
pub mod keras;
mod layer;
mod layers;
#[cfg(feature = "std")]
mod linalg;
#[cfg(feature = "std")]
pub mod losses;
#[cfg(feature = "std")]
mod network;
#[cfg(feature = "std")]
#[doc(hidden)]
pub mod onnx;
#[cfg(feature = "std")]
#[doc(hidden)]
pub mod onnx_out;
#[cfg(feature = "std")]
pub mod optimizers;
#[cfg(feature = "std")]
mod parallel;
#[cfg(feature = "std")]
pub mod pytorch;
mod regularizers;
mod scalar;
mod setting;
#[cfg(feature = "std")]
pub(crate) mod simd;
#[cfg(feature = "std")]
#[doc(hidden)]
pub mod tflite_float;

/// Runs `f` compiled for the widest instruction set of the calling thread ([`simd::Isa::run`]:
/// mark `f` and what it calls `#[inline(always)]`), or for the target's baseline without std
/// (where the target's own features are what there is).
#[inline(always)]
pub(crate) fn widest<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(feature = "std")]
    return simd::Isa::current().run(f);
    #[cfg(not(feature = "std"))]
    f()
}
#[allow(
    unsafe_code,
    reason = "nalgebra's storage traits for `HeapBuf` are unsafe to implement; vectors written in place"
)]
mod storage;
#[cfg(feature = "std")]
mod summary;
#[cfg(feature = "std")]
pub mod train;

#[doc(hidden)]
pub mod private;

pub use activations::*;
#[cfg(feature = "std")]
pub use error::{Error, Source};
#[cfg(feature = "std")]
pub use init::{
    Constant, GlorotNormal, GlorotUniform, HeNormal, HeUniform, Identity, Initializer, LecunNormal,
    LecunUniform, Ones, Orthogonal, RandomNormal, RandomUniform, ShapeError, TruncatedNormal,
    VarianceScaling, Zeros,
};
pub use int8::{Int8, Quantized};
#[cfg(feature = "std")]
pub(crate) use layer::resize_batch;
#[cfg(feature = "std")]
pub use layer::{Batch, Train};
pub use layer::{Key, Layer, ParamMut, ParamRef, Params, Path, Rules, Stream, Streaming};
pub use layers::*;
#[cfg(feature = "std")]
pub use losses::{
    BinaryCrossentropy, CategoricalCrossentropy, Huber, Loss, MeanAbsoluteError, MeanSquaredError,
    SparseCategoricalCrossentropy,
};
#[cfg(feature = "std")]
pub use network::{LayerInfo, Network, Tape, TapeOf, Visitor, VisitorMut};
/// TensorFlow Lite's `.tflite` files, read in pure Rust (the `nn-tflite` crate).
#[cfg(feature = "std")]
pub use nn_tflite as tflite;
#[cfg(feature = "std")]
pub use optimizers::{
    Adagrad, Adam, AdamW, CosineDecay, ExponentialDecay, InverseTimeDecay, LearningRate, Optimizer,
    OptimizerState, PiecewiseConstantDecay, PolynomialDecay, RmsProp, Sgd,
};
pub use regularizers::{Constraint, Regularizer};
pub use scalar::Float;
pub use setting::{Setting, Unset};
#[cfg(feature = "std")]
pub use storage::Heap;
pub use storage::{Inline, Storage, Weights};
#[cfg(feature = "std")]
pub use summary::Summary;
#[cfg(feature = "std")]
pub use train::{
    Callback, Context, EarlyStopping, Fit, History, Logs, Metric, Model, ModelCheckpoint,
    ReduceLrOnPlateau, TerminateOnNan, Verbosity,
};
