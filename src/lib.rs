#![doc = include_str!("../README.md")]

pub use nn_core::*;
pub use nn_macros::network;

pub use nalgebra;
pub use rand;

/// Everything a user of `network!` needs: `use nn::prelude::*;`.
pub mod prelude {
    pub use crate::network;
    pub use nalgebra::{Const, Dyn, OMatrix, SMatrix, SVector};
    pub use nn_core::Batch;
    pub use nn_core::data::Dataset;
    pub use nn_core::init::{Distribution, FanMode};
    pub use nn_core::{
        Activation, Constant, Dense, Dropout, Elementwise, Elu, Exponential, Float, Gelu,
        GeluApprox, GlorotNormal, GlorotUniform, HardSigmoid, HardSilu, HardSwish, HeNormal,
        HeUniform, Identity, Initializer, Layer, LeakyRelu, LecunNormal, LecunUniform, Linear,
        LogSoftmax, Mish, Network, Ones, Orthogonal, Params, RandomNormal, RandomUniform, Relu,
        Relu6, Selu, Sigmoid, Silu, Softmax, Softplus, Softsign, Swish, Tanh, Train,
        TruncatedNormal, VarianceScaling, Zeros,
    };
    pub use nn_core::{
        Adagrad, Adam, AdamW, BinaryCrossentropy, CategoricalCrossentropy, EarlyStopping, Fit,
        Huber, MeanAbsoluteError, MeanSquaredError, Metric, Model, RMSprop, ReduceLROnPlateau, Sgd,
        SparseCategoricalCrossentropy, TerminateOnNaN, Verbosity,
    };
}

#[doc(hidden)]
pub use nn_core::private as __private;
