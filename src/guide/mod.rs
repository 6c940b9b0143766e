//! Guides to `nn`, one topic each, with examples that run as doc tests.
//!
//! The reference for what [`network!`](crate::network) accepts (every layer, option,
//! activation and initializer) is its own rustdoc; these guides say how the pieces fit and
//! what each use of the library needs. The modules hold documentation only.
//!
//! | guide | what it covers |
//! |---|---|
//! | [`networks`] | declaring a network, the generated struct, how weights are stored |
//! | [`images`] | `Input<H, W, C>`, convolutions, pools, normalization, activation layers |
//! | [`sequences`] | recurrent layers, `Conv1D`, `Embedding`, `Bidirectional`, streaming one step at a time |
//! | [`training`] | `Model`, `fit`, losses, optimizers, callbacks, data, checkpoints, threads, the examples |
//! | [`keras_files`] | loading Keras files into a declaration, checking them at build time, writing them |
//! | [`microcontroller`] | `no_std` inference with weights built into the program, the Cortex-M4F firmware |
//! | [`browser`] | the WebAssembly page that classifies a drawn digit |
//! | [`reliability`] | what is checked, where, and the error you get |
//!
//! Speed figures are in the repository's `BENCHMARKS.md`.

#[doc = include_str!("../../docs/guide/networks.md")]
pub mod networks {}

#[doc = include_str!("../../docs/guide/images.md")]
pub mod images {}

#[doc = include_str!("../../docs/guide/sequences.md")]
pub mod sequences {}

#[doc = include_str!("../../docs/guide/training.md")]
pub mod training {}

#[doc = include_str!("../../docs/guide/keras_files.md")]
pub mod keras_files {}

#[doc = include_str!("../../docs/guide/microcontroller.md")]
pub mod microcontroller {}

#[doc = include_str!("../../docs/guide/browser.md")]
pub mod browser {}

#[doc = include_str!("../../docs/guide/reliability.md")]
pub mod reliability {}
