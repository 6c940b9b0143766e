//! `Dropout`: inverted dropout, active only in training.

use nalgebra::SVector;

use crate::Float;
use crate::layer::{Layer, Params, Stream, no_params, stream_as_forward};

#[cfg(feature = "std")]
pub(super) mod train;

/// Inverted dropout: in training, each value is zeroed with probability `rate` and the others are
/// scaled by `1 / (1 − rate)`, so the expected output equals the input; in inference it is the
/// identity. Works on any width `N`; no parameters.
///
/// ```
/// use nn_core::{Dropout, Layer};
/// use nalgebra::SVector;
///
/// let dropout = Dropout::new(0.5)?;
/// let x = SVector::<f32, 3>::new(1.0, 2.0, 3.0);
/// assert_eq!(Layer::<f32, 3, 3>::forward(&dropout, &x), x); // inference: identity
/// assert!(Dropout::new(1.0).is_err());
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dropout {
    rate: f64,
}

impl Dropout {
    /// For `network!`, which has already checked the rate at compile time.
    #[doc(hidden)]
    pub const fn new_unchecked(rate: f64) -> Self {
        Self { rate }
    }

    /// The probability of dropping a value.
    pub fn rate(&self) -> f64 {
        self.rate
    }
}

impl<T: Float> Params<T> for Dropout {
    no_params!(nn_keras::class::DROPOUT);
}

impl<T: Float, const N: usize> Stream<T, N, N> for Dropout {
    stream_as_forward!(N, N);
}

impl<T: Float, const N: usize> Layer<T, N, N> for Dropout {
    #[inline]
    fn forward(&self, x: &SVector<T, N>) -> SVector<T, N> {
        *x
    }

    #[cfg(feature = "std")]
    fn forward_batch(&self, x: &crate::Batch<T, N>, y: &mut crate::Batch<T, N>) {
        crate::resize_batch(y, x.ncols());
        y.copy_from(x);
    }
}
