//! Training as Keras does it: a [`Model`] joins a network, an optimizer and a loss; `fit` trains
//! it on a [`Dataset`](crate::data::Dataset) in shuffled batches with validation, metrics,
//! callbacks and a progress bar, and returns the [`History`].

mod callbacks;
mod denormals;
mod metrics;
mod model;
mod progress;

pub use callbacks::{
    Callback, Context, EarlyStopping, Logs, Mode, ModelCheckpoint, ReduceLrOnPlateau,
    TerminateOnNan, log_value,
};
pub use metrics::Metric;
pub use model::{Fit, History, Model};
pub use progress::Verbosity;
