//! `Dropout`: inverted dropout, active only in training.

use nalgebra::{Const, Dyn, SVector};
use rand::{Rng, RngExt};

use crate::layer::{Batch, Layer, ParamMut, ParamRef, resize_batch};
use crate::{Error, Float};

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
    /// A dropout layer dropping each value with probability `rate`, which must lie in `[0, 1)`.
    pub fn new(rate: f64) -> Result<Self, Error> {
        if (0.0..1.0).contains(&rate) {
            Ok(Self { rate })
        } else {
            Err(Error::InvalidDropoutRate { rate })
        }
    }

    /// For `network!`, which has already checked the rate at compile time.
    #[doc(hidden)]
    pub const fn new_unchecked(rate: f64) -> Self {
        Self { rate }
    }

    /// The probability of dropping a value.
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// `y = x ⊙ mask`, with the mask of an earlier [`Layer::forward_train`].
    pub fn apply_mask<T: Float, const N: usize>(
        x: &Batch<T, N>,
        cache: &DropoutCache<T, N>,
        y: &mut Batch<T, N>,
    ) {
        resize_batch(y, x.ncols());
        y.zip_zip_apply(x, &cache.mask, |y, x, m| *y = x * m);
    }
}

impl<T: Float, const N: usize> Layer<T, N, N> for Dropout {
    const KIND: &'static str = "Dropout";
    const PARAMS: usize = 0;

    type Cache = DropoutCache<T, N>;

    #[inline]
    fn forward(&self, x: &SVector<T, N>) -> SVector<T, N> {
        *x
    }

    fn forward_batch(&self, x: &Batch<T, N>, y: &mut Batch<T, N>) {
        resize_batch(y, x.ncols());
        y.copy_from(x);
    }

    fn forward_train<R: Rng + ?Sized>(
        &self,
        x: &Batch<T, N>,
        y: &mut Batch<T, N>,
        cache: &mut Self::Cache,
        training: bool,
        rng: &mut R,
    ) {
        resize_batch(&mut cache.mask, x.ncols());
        let keep = 1.0 - self.rate;
        let scale = T::of(1.0 / keep);
        if self.rate == 0.0 || !training {
            cache.mask.fill(T::one());
        } else {
            for m in cache.mask.iter_mut() {
                *m = if rng.random::<f64>() < keep {
                    scale
                } else {
                    T::zero()
                };
            }
        }
        Self::apply_mask(x, cache, y);
    }

    fn backward(
        &self,
        _x: &Batch<T, N>,
        _y: &Batch<T, N>,
        cache: &Self::Cache,
        dy: &mut Batch<T, N>,
        _from_logits: bool,
        _grad: &mut Self,
        dx: Option<&mut Batch<T, N>>,
    ) {
        if let Some(dx) = dx {
            Self::apply_mask(dy, cache, dx);
        }
    }

    fn zeroed(&self) -> Self {
        *self
    }

    fn params(&self) -> impl Iterator<Item = ParamRef<'_, T>> {
        core::iter::empty()
    }

    fn params_mut(&mut self) -> impl Iterator<Item = ParamMut<'_, T>> {
        core::iter::empty()
    }
}

/// What a [`Dropout`] layer's training forward pass keeps: the mask it multiplied by.
#[derive(Clone, Debug)]
pub struct DropoutCache<T: Float, const N: usize> {
    /// `0` where a value was dropped, `1 / (1 − rate)` where it was kept.
    pub mask: Batch<T, N>,
}

impl<T: Float, const N: usize> Default for DropoutCache<T, N> {
    fn default() -> Self {
        Self {
            mask: Batch::zeros_generic(Const::<N>, Dyn(0)),
        }
    }
}
