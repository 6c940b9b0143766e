//! The layers, one file each.

mod activation;
mod affine;
mod batchnorm;
pub(crate) mod bidirectional;
mod conv;
mod dense;
mod depthwise;
mod dropout;
mod embedding;
mod fork;
mod geometry;
mod global_max_pool;
mod global_pool_1d;
pub(crate) mod gru;
mod layernorm;
pub(crate) mod lstm;
mod pool;
mod prelu;
pub(crate) mod recurrent;
mod separable;
pub(crate) mod simple_rnn;

/// `z` made ready for a layer's sums to be added into it: each column (`bias.len()` values) set
/// to `bias`, or every value to zero for a layer without bias (`None`).
#[inline]
pub(crate) fn start_with_bias<T: crate::Float>(z: &mut [T], bias: Option<&[T]>) {
    match bias {
        Some(bias) => {
            for column in z.chunks_exact_mut(bias.len().max(1)) {
                column.copy_from_slice(bias);
            }
        }
        None => z.fill(T::zero()),
    }
}

pub use activation::ActivationLayer;
pub use affine::Affine;
pub use batchnorm::BatchNormalization;
pub use bidirectional::Bidirectional;
pub use conv::{Conv, Conv1D, Conv2D};
pub use dense::Dense;
pub use depthwise::{DepthwiseConv, DepthwiseConv1D, DepthwiseConv2D};
pub use dropout::Dropout;
pub use embedding::Embedding;
pub use fork::{
    Add, Average, Concatenate, Fork, Join, Maximum, Minimum, Multiply, Shortcut, Subtract,
};
pub use geometry::{Padding, Window};
pub use global_max_pool::GlobalMaxPool2D;
pub use global_pool_1d::{GlobalAvgPool1D, GlobalMaxPool1D};
pub use gru::Gru;
pub use layernorm::LayerNormalization;
pub use lstm::{Lstm, LstmState};
pub use pool::{AvgPool1D, AvgPool2D, Flatten, GlobalAvgPool2D, MaxPool1D, MaxPool2D, Pool};
pub use prelu::{AlphaShape, PRelu};
pub use recurrent::{Recurrent, RecurrentState};
pub use separable::{SeparableConv, SeparableConv1D, SeparableConv2D};
pub use simple_rnn::SimpleRnn;

// Out of the public API: the recurrent cells and the merge modes of `Bidirectional`, which
// `network!` names through `crate::private`. They, the traits they implement (`Cell`, `Merge`),
// the geometries of `Dense` and `Conv` and the layers' training caches are public items of
// private modules: a public layer's type, bound or `Train::Cache` may hold them, and no user
// can name them.

#[cfg(test)]
mod tests;
