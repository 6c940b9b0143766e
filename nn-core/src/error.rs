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
    /// A setting (of an optimizer, a schedule, a callback, `fit`) that cannot be used.
    Setting {
        /// The setting.
        what: &'static str,
        /// What is wrong with it and what is expected.
        problem: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidDropoutRate { rate } => {
                write!(f, "invalid dropout rate {rate}: expected a rate in [0, 1)")
            }
            Self::Setting { what, problem } => write!(f, "invalid {what}: {problem}"),
        }
    }
}

impl std::error::Error for Error {}
