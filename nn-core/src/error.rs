//! The error type of `nn-core`.

use core::fmt;

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
    },
    /// A file whose contents are not what they should be (truncated, another format, a wrong
    /// tensor).
    Format {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong and what was expected.
        problem: String,
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
            Self::Io { path, message } => write!(f, "{}: {message}", path.display()),
            Self::Format { path, problem } => write!(f, "{}: {problem}", path.display()),
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

impl std::error::Error for Error {}

impl Error {
    /// An [`Error::Data`].
    pub(crate) fn data(problem: impl Into<String>) -> Self {
        Self::Data {
            problem: problem.into(),
        }
    }

    /// An [`Error::Io`] for `path`.
    pub(crate) fn io(path: &std::path::Path, error: &std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            message: error.to_string(),
        }
    }

    /// An [`Error::Format`] for `path`.
    pub(crate) fn format(path: &std::path::Path, problem: impl Into<String>) -> Self {
        Self::Format {
            path: path.to_path_buf(),
            problem: problem.into(),
        }
    }
}
