//! The operators themselves, each TensorFlow Lite's reference kernel with its constants
//! borrowed and its shapes given at run time: what the typed layers run, usable on their own
//! (a graph walked at run time, a test against recorded tensors).
//!
//! Each gives its reference kernel's outputs bit for bit, through loops of its own for speed:
//! windows gathered less the zero point, sums of products on AVX-512 VNNI or AVX2 where the
//! processor has them (chosen at run time) and plain loops elsewhere, requantization
//! vectorized; the reference loops remain for the shapes those do not take.

mod activations;
mod add;
mod concatenation;
pub(crate) mod conv;
mod fast;
mod fully_connected;
mod leaky_relu;
mod lookup;
mod lstm;
mod mean;
mod mul;
mod pool;
mod prelu;

pub use activations::{LogSoftmax, Logistic, Softmax, Tanh};
pub use add::Add;
pub use concatenation::concatenate;
pub use conv::{Conv2D, DepthwiseConv2D, Geometry, Padding};
pub use fully_connected::FullyConnected;
pub use leaky_relu::LeakyRelu;
pub use lookup::Lookup;
pub use lstm::{Lstm, LstmGate};
pub use mean::Mean;
pub use mul::Mul;
pub use pool::{AveragePool, MaxPool};
pub use prelu::PRelu;
