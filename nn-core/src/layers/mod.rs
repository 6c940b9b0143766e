//! The layers, one file each.

mod dense;
mod dropout;

pub use dense::{Dense, DenseCache};
pub use dropout::{Dropout, DropoutCache};
