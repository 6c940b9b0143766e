//! `PReLU`: a leaky ReLU whose slopes are learned, one per input value.

use nalgebra::{ArrayStorage, Matrix, SVector};

use crate::Float;
use crate::layer::{Layer, Params, Rules, Stream, stream_as_forward, tensors};
use crate::setting::{self, Setting, read};
use crate::storage::{Inline, Storage, Weights};

#[cfg(feature = "std")]
pub(super) mod train;

/// Keras's `PReLU`: `y = x` where `x > 0`, else `y = α ⊙ x`, with a trainable slope `α` for each
/// of the `N` values of a sample (Keras's default: `alpha` has the input's shape, `(N,)` after a
/// Dense layer, `(h, w, c)` after an image layer; `shared_axes` is not offered).
///
/// `alpha_initializer` defaults to Keras's zeros (the layer starts as a ReLU). Gradients:
/// `∂y/∂x` is 1 where `x > 0` and `α` elsewhere; `∂y/∂α` is `min(x, 0)`. Parameters: `N`.
///
/// ```
/// use nn_core::{AlphaShape, Layer, PRelu};
/// use nalgebra::SVector;
///
/// let mut layer = PRelu::<f64, 3>::zeros(AlphaShape::Vector)?;
/// layer.alpha.copy_from_slice(&[0.25, 0.5, 0.125]);
/// let y = layer.forward(&SVector::<f64, 3>::new(-1.0, 2.0, -3.0));
/// assert_eq!(y.as_slice(), [-0.25, 2.0, -0.375]);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct PRelu<T: Float, const N: usize, S: Storage = Inline> {
    /// `α`, one slope per value of a sample.
    pub alpha: Weights<T, N, 1, S>,
    /// Whether an optimizer updates `α`.
    pub trainable: Setting<bool>,
    /// `α`'s Keras shape (the first `rank` entries).
    dims: [usize; 3],
    rank: usize,
}

/// The Keras shape of a [`PRelu`]'s `alpha`: the shape of its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlphaShape {
    /// `(N,)`, after a layer of `N` units.
    Vector,
    /// `(h, w, c)`, after an image layer.
    Image(usize, usize, usize),
}

impl<T: Float, const N: usize> PRelu<T, N, Inline> {
    /// A layer whose `α` (of Keras shape `shape`) has these values; a `const fn`, for networks
    /// with weights built into the program.
    ///
    /// # Panics
    /// If an image's shape does not hold `N` values (at compile time in a constant).
    pub const fn from_arrays(shape: AlphaShape, alpha: [[T; N]; 1]) -> Self {
        let (dims, rank) = match shape {
            AlphaShape::Vector => ([N, 1, 1], 1),
            AlphaShape::Image(h, w, c) => ([h, w, c], 3),
        };
        assert!(
            dims[0] * dims[1] * dims[2] == N,
            "PRelu::from_arrays: the shape does not hold the layer's values"
        );
        Self {
            alpha: Matrix::from_array_storage(ArrayStorage(alpha)),
            trainable: setting::default(),
            dims,
            rank,
        }
    }
}

impl<T: Float, const N: usize, S: Storage> PRelu<T, N, S> {
    /// `y = x` where positive, `α ⊙ x` elsewhere, for each sample of `x`.
    fn apply(&self, x: &[T], y: &mut [T]) {
        let alpha = self.alpha.as_slice();
        for (x, y) in x.chunks_exact(N).zip(y.chunks_exact_mut(N)) {
            for ((y, &x), &a) in y.iter_mut().zip(x).zip(alpha) {
                *y = if x > T::zero() { x } else { a * x };
            }
        }
    }
}

impl<T: Float, const N: usize, S: Storage> Params<T> for PRelu<T, N, S> {
    const KIND: &'static str = nn_keras::class::PRELU;

    const PARAMS: usize = N;

    fn zeroed(&self) -> Self {
        Self {
            alpha: S::zeros(),
            ..*self
        }
    }

    tensors!(self;
        alpha: &self.dims[..self.rank], read(self.trainable), Rules::NONE;
    );
}

impl<T: Float, const N: usize, S: Storage> Stream<T, N, N> for PRelu<T, N, S> {
    stream_as_forward!(N, N);
}

impl<T: Float, const N: usize, S: Storage> Layer<T, N, N> for PRelu<T, N, S> {
    fn forward(&self, x: &SVector<T, N>) -> SVector<T, N> {
        let mut y = crate::storage::zeros::<T, N>();
        self.apply(x.as_slice(), y.as_mut_slice());
        y
    }

    const SCRATCH: usize = 0;

    fn forward_into(&self, x: &SVector<T, N>, y: &mut SVector<T, N>) {
        self.apply(x.as_slice(), y.as_mut_slice());
    }

    #[cfg(feature = "std")]
    fn forward_batch(&self, x: &crate::Batch<T, N>, y: &mut crate::Batch<T, N>) {
        crate::resize_batch(y, x.ncols());
        self.apply(x.as_slice(), y.as_mut_slice());
    }
}
