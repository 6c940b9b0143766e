// The README's links point at files for readers on a forge; in rustdoc the guides are modules
// and the layer reference is `network!`'s rustdoc. Markdown takes the first definition of a
// link label, so these, before the README, win here.
//! [guide-networks]: crate::guide::networks
//! [guide-images]: crate::guide::images
//! [guide-sequences]: crate::guide::sequences
//! [guide-training]: crate::guide::training
//! [guide-keras]: crate::guide::keras_files
//! [guide-micro]: crate::guide::microcontroller
//! [guide-browser]: crate::guide::browser
//! [guide-reliability]: crate::guide::reliability
//! [network-ref]: crate::network
#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]
// Unsafe code only where a module allows it, with its reason (and a `// SAFETY:` comment on each
// block, which clippy requires).
#![deny(unsafe_code)]

pub use nn_core::*;
pub use nn_macros::network;

pub use nalgebra;
pub use rand;

// Guides, one topic each: documentation only, every example a doc test. Their examples and
// links need the default `std` feature.
#[cfg(feature = "std")]
pub mod guide;

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
        HardSigmoid, HardSilu, HardSwish, Int8, Layer, LeakyRelu, Linear, LogSoftmax, Mish, Params,
        Relu, Relu6, Selu, Sigmoid, Silu, Softmax, Softplus, Softsign, Swish, Tanh,
    };
    #[cfg(feature = "std")]
    pub use nn_core::{
        Adagrad, Adam, AdamW, BinaryCrossentropy, CategoricalCrossentropy, EarlyStopping, Fit,
        Huber, MeanAbsoluteError, MeanSquaredError, Metric, Model, ReduceLrOnPlateau, RmsProp, Sgd,
        SparseCategoricalCrossentropy, TerminateOnNan, Verbosity,
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
