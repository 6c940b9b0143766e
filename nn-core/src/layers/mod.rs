//! The layers, one file each.

mod conv;
mod dense;
mod dropout;
mod geometry;

pub use conv::{Conv2D, ConvCache};
pub use dense::{Dense, DenseCache};
pub use geometry::{Padding, Window};
pub use dropout::{Dropout, DropoutCache};

#[cfg(test)]
mod tests;
