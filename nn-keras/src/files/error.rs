//! The error of every reader and writer of [`files`](super): what kind of problem it is, the
//! sentence that says what is wrong, and the library's error underneath, if any, as its
//! [`source`](std::error::Error::source).

use std::boxed::Box;
use std::fmt;
use std::string::String;

use super::read::ReadError;

/// The error underneath an [`Error`]: zip's, serde_json's, hdf5-pure's or the operating system's.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a Keras file could not be read or written. Its `Display` is the sentence that says what is
/// wrong and what was expected; [`source`](std::error::Error::source) is the underlying
/// library's error (a [`zip::result::ZipError`], a [`serde_json::Error`], an
/// [`hdf5_pure::Error`], a [`std::io::Error`]) when there is one.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A `.keras` archive (a zip file) that cannot be read or written: not a zip, a member
    /// missing, damaged or too large.
    Archive {
        /// What is wrong.
        message: String,
        /// The zip (or I/O, or UTF-8) error underneath.
        source: Option<Cause>,
    },
    /// A model's configuration (`config.json`) or a shard index that cannot be used: not JSON,
    /// beyond the size bounds, or describing a model that is not supported.
    Config {
        /// What is wrong.
        message: String,
        /// The JSON error underneath.
        source: Option<Cause>,
    },
    /// HDF5 weights that cannot be read or written: not HDF5, damaged, or not in a Keras layout.
    Weights {
        /// What is wrong.
        message: String,
        /// The HDF5 error underneath.
        source: Option<Cause>,
    },
    /// A file that could not be read from disk.
    Read(ReadError),
}

impl Error {
    /// An [`Error::Archive`] without an underlying error.
    pub fn archive(message: impl Into<String>) -> Self {
        Self::Archive {
            message: message.into(),
            source: None,
        }
    }

    /// An [`Error::Config`] without an underlying error.
    pub fn config(message: impl Into<String>) -> Self {
        Self::Config {
            message: message.into(),
            source: None,
        }
    }

    /// An [`Error::Weights`] without an underlying error.
    pub fn weights(message: impl Into<String>) -> Self {
        Self::Weights {
            message: message.into(),
            source: None,
        }
    }

    /// The same error with `source` as its underlying error.
    #[must_use]
    pub fn because(mut self, cause: impl Into<Cause>) -> Self {
        match &mut self {
            Self::Archive { source, .. }
            | Self::Config { source, .. }
            | Self::Weights { source, .. } => *source = Some(cause.into()),
            Self::Read(_) => {}
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Archive { message, .. }
            | Self::Config { message, .. }
            | Self::Weights { message, .. } => f.write_str(message),
            Self::Read(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Archive { source, .. }
            | Self::Config { source, .. }
            | Self::Weights { source, .. } => source
                .as_deref()
                .map(|e| e as &(dyn std::error::Error + 'static)),
            // The read's error is this one's whole message: its source is this one's.
            Self::Read(e) => e.source(),
        }
    }
}

impl From<ReadError> for Error {
    fn from(e: ReadError) -> Self {
        Self::Read(e)
    }
}
