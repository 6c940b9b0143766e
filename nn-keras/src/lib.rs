//! Keras facts that both halves of [`nn`](https://docs.rs/nn) need, defined once: the class
//! names of the layers, the defaults the `network!` macro fills in, Keras's arithmetic of
//! convolution and pooling windows, and how large a weight matrix may be to be kept inline.
//!
//! The macro (`nn-macros`) computes shapes and writes defaults into the code it generates; the
//! runtime (`nn-core`) computes the same window geometry at run time and reports the same class
//! names. Both read them from here, so the two cannot drift apart. Everything is a `const` or a
//! `const fn`, and without features the crate has no dependencies and needs no `std`.
//!
//! [`config`] describes a declared network as Keras's `config.json` does (`network!` writes one
//! per network). With the `std` feature, the module `files` reads and writes Keras's file formats:
//! `.keras` archives, `config.json`, and HDF5 weights in Keras 3's and the legacy layouts.
//!
//! ```
//! use nn_keras::{Padding, class, window};
//!
//! assert_eq!(class::MAX_POOLING_2D, "MaxPooling2D");
//! // A 3 × 3 kernel over 28 rows with stride 2: 13 rows valid, 14 rows same.
//! assert_eq!(window::output_size(28, 3, 2, Padding::Valid), Some(13));
//! assert_eq!(window::output_size(28, 3, 2, Padding::Same), Some(14));
//! ```

#![no_std]
// Unsafe code only where a module allows it, with its reason (and a `// SAFETY:` comment on each
// block, which clippy requires).
#![deny(unsafe_code)]

#[cfg(feature = "std")]
extern crate std;

pub mod class;
pub mod config;
pub mod defaults;
#[cfg(feature = "std")]
pub mod files;
pub mod window;

pub use window::Padding;

/// The largest weight matrix, in elements, that is kept inline (in the layer, no allocation);
/// larger ones live on the heap. 4096 elements are 16 KiB of `f32`: big enough for every layer
/// of a small network, small enough for any stack. Not a Keras fact, but one the macro (which
/// picks the storage) and the runtime (which implements it) must agree on.
pub const INLINE_LIMIT: usize = 4096;
