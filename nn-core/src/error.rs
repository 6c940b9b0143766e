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
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidDropoutRate { rate } => {
                write!(f, "invalid dropout rate {rate}: expected a rate in [0, 1)")
            }
        }
    }
}

impl std::error::Error for Error {}
