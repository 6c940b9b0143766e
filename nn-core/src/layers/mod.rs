//! The layers, one file each.

mod activation;
mod affine;
mod batchnorm;
mod conv;
mod dense;
mod dropout;
mod geometry;
mod global_max_pool;
mod pool;
mod prelu;

pub use activation::{ActivationCache, ActivationLayer};
pub use affine::{Affine, AffineCache, Geometry};
pub use batchnorm::{BatchNormCache, BatchNormalization};
pub use conv::{Conv2D, Patches};
pub use dense::{Dense, FullyConnected};
pub use dropout::{Dropout, DropoutCache};
pub use geometry::{Padding, Window};
pub use global_max_pool::GlobalMaxPool2D;
pub use pool::{AvgPool2D, Flatten, GlobalAvgPool2D, MaxPool2D, Pool2D};
pub use prelu::{AlphaShape, PReLU};

#[cfg(test)]
mod tests;
