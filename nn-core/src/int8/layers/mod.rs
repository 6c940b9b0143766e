//! The int8 forms of the layers: each the float layer's geometry with TensorFlow Lite's
//! constants owned, run by [`kernels`](super::kernels), read from a file's operators
//! ([`Layer::load`](super::Layer::load)) and converted from the float layer
//! ([`Quantize::convert`](super::Quantize::convert)).

mod conv;
mod dense;
mod ending;
mod fork;
mod held;
mod lstm;
mod norm;
mod passes;
mod pool;
mod prelu;
mod separable;

pub use conv::{Conv, Depthwise};
pub use dense::Dense;
pub use ending::{Activated, Ending, Form, Then};
pub use fork::{Concat, Fork};
pub use held::Held;
pub use lstm::{Lstm, LstmQuant};
pub use norm::{Norm, NormOp, ScaleShift};
pub use passes::{Activation, Pass, Reshape};
pub use pool::{AverageOp, GlobalAverage, GlobalMax, Pool};
pub use prelu::PRelu;
pub use separable::Separable;

#[cfg(feature = "std")]
pub use lstm::LstmParts;
#[cfg(feature = "std")]
pub use norm::NormRead;
#[cfg(feature = "std")]
pub(crate) use {
    conv::{Constants, load_conv, load_depthwise},
    dense::load_dense,
    fork::{load_concat, load_fork},
    lstm::load_lstm,
    norm::load_norm,
    passes::load_reshape,
    pool::{global_max_pool, load_global, load_global_max, load_pool},
    prelu::load_prelu,
};
