#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]
// Unsafe code only where a module allows it, with its reason (and a `// SAFETY:` comment on each
// block, which clippy requires).
#![deny(unsafe_code)]

pub use nn_core::*;
pub use nn_macros::network;

pub use nalgebra;
pub use rand;

/// Everything a user of `network!` needs: `use nn::prelude::*;`.
pub mod prelude {
    pub use crate::network;
    #[cfg(feature = "std")]
    pub use nalgebra::{Const, Dyn, OMatrix};
    pub use nalgebra::{SMatrix, SVector};
    #[cfg(feature = "std")]
    pub use nn_core::Batch;
    #[cfg(feature = "std")]
    pub use nn_core::data::Dataset;
    #[cfg(feature = "std")]
    pub use nn_core::init::{Distribution, FanMode};
    pub use nn_core::{
        Activation, Dense, Dropout, Elementwise, Elu, Exponential, Float, Gelu, GeluApprox,
        HardSigmoid, HardSilu, HardSwish, Layer, LeakyRelu, Linear, LogSoftmax, Mish, Params, Relu,
        Relu6, Selu, Sigmoid, Silu, Softmax, Softplus, Softsign, Swish, Tanh,
    };
    #[cfg(feature = "std")]
    pub use nn_core::{
        Adagrad, Adam, AdamW, BinaryCrossentropy, CategoricalCrossentropy, EarlyStopping, Fit,
        Huber, MeanAbsoluteError, MeanSquaredError, Metric, Model, RMSprop, ReduceLROnPlateau, Sgd,
        SparseCategoricalCrossentropy, TerminateOnNaN, Verbosity,
    };
    #[cfg(feature = "std")]
    pub use nn_core::{
        Constant, GlorotNormal, GlorotUniform, HeNormal, HeUniform, Identity, Initializer,
        LecunNormal, LecunUniform, Network, Ones, Orthogonal, RandomNormal, RandomUniform, Train,
        TruncatedNormal, VarianceScaling, Zeros,
    };
}

#[doc(hidden)]
pub use nn_core::private as __private;
