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

mod activations;
pub mod data;
mod error;
pub mod init;
pub mod io;
pub mod keras;
mod layer;
mod layers;
mod linalg;
pub mod losses;
mod network;
pub mod optimizers;
mod regularizers;
mod scalar;
mod storage;
mod summary;
pub mod train;
mod wide;

#[doc(hidden)]
pub mod private;

pub use activations::*;
pub use error::Error;
pub use init::{
    Constant, GlorotNormal, GlorotUniform, HeNormal, HeUniform, Identity, Initializer, LecunNormal,
    LecunUniform, Ones, Orthogonal, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling,
    Zeros,
};
pub use layer::{Batch, Layer, ParamMut, ParamRef, Params, Rules, Train, resize_batch};
pub use layers::*;
pub use losses::{
    BinaryCrossentropy, CategoricalCrossentropy, Huber, Loss, MeanAbsoluteError, MeanSquaredError,
    SparseCategoricalCrossentropy,
};
pub use network::{LayerInfo, Network, Tape, TapeOf, Visitor, VisitorMut};
pub use optimizers::{
    Adagrad, Adam, AdamW, CosineDecay, ExponentialDecay, InverseTimeDecay, LearningRate, Optimizer,
    OptimizerState, PiecewiseConstantDecay, PolynomialDecay, RMSprop, Sgd,
};
pub use regularizers::{Constraint, Regularizer};
pub use scalar::Float;
pub use storage::{Heap, HeapBuf, INLINE_LIMIT, Inline, Storage, Weights};
pub use summary::Summary;
pub use train::{
    Callback, Context, EarlyStopping, Fit, History, Logs, Metric, Model, ModelCheckpoint,
    ReduceLROnPlateau, TerminateOnNaN, Verbosity,
};
