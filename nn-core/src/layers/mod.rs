//! The layers, one file each.

mod activation;
mod affine;
mod batchnorm;
mod bidirectional;
mod conv;
mod dense;
mod dropout;
mod embedding;
mod geometry;
mod global_max_pool;
mod global_pool_1d;
mod gru;
mod layernorm;
mod lstm;
mod pool;
mod prelu;
mod recurrent;
mod simple_rnn;

pub use activation::ActivationLayer;
pub use affine::{Affine, Geometry};
pub use batchnorm::BatchNormalization;
pub use bidirectional::{Ave, Bidirectional, Concat, Merge, Mul, Sum};
pub use conv::{Conv, Conv1D, Conv2D, Patches};
pub use dense::{Dense, FullyConnected};
pub use dropout::Dropout;
pub use embedding::Embedding;
pub use geometry::{Padding, Window};
pub use global_max_pool::GlobalMaxPool2D;
pub use global_pool_1d::{GlobalAvgPool1D, GlobalMaxPool1D};
pub use gru::{Gru, GruCell};
pub use layernorm::LayerNormalization;
pub use lstm::{Lstm, LstmCell, LstmState};
pub use pool::{
    AvgPool1D, AvgPool2D, Flatten, GlobalAvgPool2D, MaxPool1D, MaxPool2D, Pool, Pool2D,
};
pub use prelu::{AlphaShape, PRelu};
pub use recurrent::{Cell, Recurrent, RecurrentState};
pub use simple_rnn::{SimpleRnn, SimpleRnnCell};
#[cfg(feature = "std")]
pub use {
    activation::train::ActivationCache, affine::train::AffineCache,
    batchnorm::train::BatchNormCache, bidirectional::train::BidirectionalCache,
    dropout::train::DropoutCache, layernorm::train::LayerNormCache,
    recurrent::train::RecurrentCache,
};

#[cfg(test)]
mod tests;
