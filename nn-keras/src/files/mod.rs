//! Keras's file formats, with the `std` feature: `.keras` archives ([`archive`]), the model's
//! `config.json` ([`model`]) and HDF5 weights ([`weights`]). Each reader takes bytes and returns
//! what it found or an [`Error`] whose message says what is wrong (and whose source is the
//! underlying library's error, if any); none of them panics on a damaged file.
//! They know nothing of `nn`'s types: the runtime maps their results onto a network, and the
//! `network!` macro reads a file's configuration at build time through the same code. [`read`]
//! is how both take a file's bytes from disk.

pub mod archive;
mod error;
pub mod model;
pub mod read;
pub mod weights;

pub use error::{Cause, Error};
