//! The error type of `nn-core`.

use core::fmt;
use std::sync::Arc;

/// Everything that can go wrong at run time in `nn-core`. Each message says what was wrong and
/// what was expected.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// A dropout rate outside `[0, 1)`.
    InvalidDropoutRate {
        /// The rate given.
        rate: f64,
    },
    /// Data that cannot be used: mismatched counts, a NaN, an empty set, a label out of range.
    Data {
        /// What is wrong and what was expected.
        problem: String,
    },
    /// A file that could not be read or written.
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// What the operating system said.
        message: String,
        /// The operating system's error ([`std::io::Error`], with its
        /// [`kind`](std::io::Error::kind)), which [`source`](std::error::Error::source) returns.
        source: Source,
    },
    /// A file whose contents are not what they should be (truncated, another format, a wrong
    /// tensor).
    Format {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong and what was expected.
        problem: String,
        /// The error of the library that read the file (zip's, serde_json's, hdf5-pure's, through
        /// `nn_keras::files::Error`), where there is one, which
        /// [`source`](std::error::Error::source) returns.
        source: Source,
    },
    /// A setting (of an optimizer, a schedule, a callback, `fit`) that cannot be used.
    Setting {
        /// The setting.
        what: &'static str,
        /// What is wrong with it and what is expected.
        problem: String,
    },
    /// A model file that does not fit the declared network: its layers, settings or weights
    /// differ. Every difference found is listed.
    Mismatch {
        /// The file.
        path: std::path::PathBuf,
        /// The declared network's name.
        network: &'static str,
        /// Each difference, naming the layer (its position and name) and both values.
        problems: Vec<String>,
    },
    /// Training produced a loss or a parameter that is not finite (NaN or infinite): it
    /// diverged, or was fed such values.
    NonFinite {
        /// Where: the epoch and batch, or the batch of `train_on_batch`.
        at: String,
        /// What: the loss, or the first parameter (`dense.kernel`).
        what: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidDropoutRate { rate } => {
                write!(f, "invalid dropout rate {rate}: expected a rate in [0, 1)")
            }
            Self::Setting { what, problem } => write!(f, "invalid {what}: {problem}"),
            Self::Data { problem } => write!(f, "invalid data: {problem}"),
            Self::Io { path, message, .. } => write!(f, "{}: {message}", path.display()),
            Self::Format { path, problem, .. } => write!(f, "{}: {problem}", path.display()),
            Self::Mismatch {
                path,
                network,
                problems,
            } => {
                write!(f, "{} does not fit `{network}`:", path.display())?;
                problems.iter().try_for_each(|p| write!(f, "\n  - {p}"))
            }
            Self::NonFinite { at, what } => write!(
                f,
                "training stopped at {at}: {what} is not finite (NaN or infinite); lower the \
                 learning rate, clip the gradients, or check the data for NaN"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } | Self::Format { source, .. } => source.get(),
            _ => None,
        }
    }
}

/// The error underneath an [`Error`] (what [`source`](std::error::Error::source) returns), or
/// none. It is shared, so that [`Error`] stays [`Clone`], and it takes no part in comparisons:
/// two errors are equal when they say the same thing, whatever their sources.
#[derive(Clone, Default)]
pub struct Source(Option<Arc<dyn std::error::Error + Send + Sync + 'static>>);

impl Source {
    /// No underlying error.
    pub const fn none() -> Self {
        Self(None)
    }

    /// `error` as the underlying error.
    pub fn new(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(error)))
    }

    /// The underlying error, if there is one.
    pub fn get(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(e) => write!(f, "Some({e:?})"),
            None => f.write_str("None"),
        }
    }
}

/// Always equal: an [`Error`] is compared by what it says, not by the error underneath.
impl PartialEq for Source {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Error {
    /// An [`Error::Data`].
    pub(crate) fn data(problem: impl Into<String>) -> Self {
        Self::Data {
            problem: problem.into(),
        }
    }

    /// An [`Error::Io`] for `path`.
    pub(crate) fn io(path: &std::path::Path, error: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            message: error.to_string(),
            source: Source::new(error),
        }
    }

    /// An [`Error::Format`] for `path`.
    pub(crate) fn format(path: &std::path::Path, problem: impl Into<String>) -> Self {
        Self::Format {
            path: path.to_path_buf(),
            problem: problem.into(),
            source: Source::none(),
        }
    }

    /// An [`Error::Format`] for `path` whose underlying error is `source`.
    pub(crate) fn format_because(
        path: &std::path::Path,
        problem: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Format {
            path: path.to_path_buf(),
            problem: problem.into(),
            source: Source::new(source),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn an_io_error_keeps_the_os_error_as_its_source_and_compares_without_it() {
        let path = std::path::Path::new("m.keras");
        let error = Error::io(path, std::io::Error::from(std::io::ErrorKind::NotFound));
        let copy = error.clone();
        for e in [&error, &copy] {
            let io = e.source().and_then(|s| s.downcast_ref::<std::io::Error>());
            assert_eq!(
                io.map(std::io::Error::kind),
                Some(std::io::ErrorKind::NotFound)
            );
        }
        // Another OS error with the same message is the same error to `==`.
        let message = std::io::Error::from(std::io::ErrorKind::NotFound).to_string();
        let other = Error::Io {
            path: path.to_path_buf(),
            message,
            source: Source::none(),
        };
        assert_eq!(error, other);
        assert!(other.source().is_none());
        assert_eq!(error.to_string(), other.to_string());
    }
}
