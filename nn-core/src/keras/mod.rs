//! Keras files: load a model trained in Keras into a typed network, and save a network for Keras.
//!
//! Formats, recognised by their contents (not their names):
//!
//! | file | written by Keras with | read | written |
//! |---|---|---|---|
//! | `.keras` (a zip of `config.json`, `metadata.json`, `model.weights.h5`) | `model.save("m.keras")` | yes | [`save`] |
//! | `.weights.h5` | `model.save_weights("m.weights.h5")` | yes | [`save_weights`] |
//! | `.weights.json` and its `*_00000.weights.h5` shards | `model.save_weights("m.weights.json", max_shard_size=...)` (Keras ≥ 3.10) | yes | no |
//! | legacy `.h5` (Keras 3's and tf.keras 2's layouts) | `model.save("m.h5")` | yes | no |
//!
//! **What is checked.** Where the file has the model's configuration (a `.keras` archive, a
//! legacy `.h5`), every layer's class and the settings that decide what it computes (units,
//! filters, kernel size, strides, padding, activation, `use_bias`, dropout rate, epsilon,
//! momentum, slopes, the input shape, channels-last) are compared with the declaration, and
//! every difference is reported at once with the layer's position and Keras name and both
//! values ([`Error::Mismatch`](crate::Error::Mismatch)). A setting the file leaves out is
//! compared as the default Keras builds the layer with (`activation` as `linear`, `padding` as
//! `valid`, ...: [`nn_keras::defaults::missing`]). A functional model is accepted when it is
//! layers in a row and blocks of two branches, declared as blocks. Every weight's shape is
//! checked in every format; a `.weights.h5` without a configuration is checked by shapes alone.
//!
//! **Where the weights are.** Keras 3 names each layer's weights by its snake-cased class and a
//! counter (`layers/dense/vars/0` is the first `Dense` layer's kernel, `layers/dense_1/...` the
//! second's), whatever the layer's own name, so layers are matched by class and order, as Keras
//! does. Legacy `.h5` files list their layers in order; the layers with weights are matched with
//! the declared layers with weights, in order.
//!
//! **Values.** `float32` weights load exactly. `float64` weights are rounded to the network's
//! scalar type (exact for an `f64` network); other types (float16, integers) are refused with
//! an error that says so. NaN or infinite weights are refused.
//!
//! Keras computes a softmax or sigmoid output's cross-entropy from the logits on its default
//! backend (TensorFlow), as `nn` does; inference is the same on every backend.
//!
//! ```no_run
//! use nn::prelude::*;
//!
//! network! {
//!     pub struct Classifier = Dense<32, 64, Relu>, Dropout<0.5>, Dense<64, 10, Softmax>;
//! }
//!
//! # fn main() -> Result<(), nn::Error> {
//! // model.save("classifier.keras") in Python, then:
//! let net = Classifier::load_keras("classifier.keras")?;
//! let probabilities = net.predict(&SVector::<f32, 32>::zeros());
//! net.save_keras("copy.keras")?; // keras.saving.load_model("copy.keras") loads it
//! # let _ = probabilities;
//! # Ok(())
//! # }
//! ```

//!
//! Without `std`, this module has only the declaration's description ([`ModelConfig`]) that
//! `network!` writes and `#[keras("file", embed)]` checks during the build.

pub use nn_keras::config::{LayerConfig, ModelConfig, Setting, Value};

#[cfg(feature = "std")]
mod files;
#[cfg(feature = "std")]
pub use files::*;
/// Why a Keras file could not be read or written (a damaged archive, configuration or HDF5
/// weights), as the reader says it: the [`source`](std::error::Error::source) of the
/// [`Error::Format`](crate::Error::Format) a damaged Keras file gives, whose own source is the
/// zip, serde_json or hdf5-pure error underneath.
#[cfg(feature = "std")]
pub use nn_keras::files::Error as FileError;
