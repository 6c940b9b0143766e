//! `PReLU`: a leaky ReLU whose slopes are learned, one per input value.

use nalgebra::{ArrayStorage, Matrix, SVector};
#[cfg(feature = "std")]
use rand::Rng;

#[cfg(feature = "std")]
use crate::Error;
use crate::Float;
#[cfg(feature = "std")]
use crate::init::{Initializer, fill_checked};
#[cfg(feature = "std")]
use crate::layer::{Batch, Train, resize_batch};
use crate::layer::{Layer, Params, Rules, Stream, stream_as_forward, tensors};
use crate::setting::{self, Setting, read};
use crate::storage::{Inline, Storage, Weights};

/// Keras's `PReLU`: `y = x` where `x > 0`, else `y = α ⊙ x`, with a trainable slope `α` for each
/// of the `N` values of a sample (Keras's default: `alpha` has the input's shape, `(N,)` after a
/// Dense layer, `(h, w, c)` after an image layer; `shared_axes` is not offered).
///
/// `alpha_initializer` defaults to Keras's zeros (the layer starts as a ReLU). Gradients:
/// `∂y/∂x` is 1 where `x > 0` and `α` elsewhere; `∂y/∂α` is `min(x, 0)`. Parameters: `N`.
///
/// ```
/// use nn_core::{AlphaShape, Layer, PReLU};
/// use nalgebra::SVector;
///
/// let mut layer = PReLU::<f64, 3>::zeros(AlphaShape::Vector)?;
/// layer.alpha.copy_from_slice(&[0.25, 0.5, 0.125]);
/// let y = layer.forward(&SVector::<f64, 3>::new(-1.0, 2.0, -3.0));
/// assert_eq!(y.as_slice(), [-0.25, 2.0, -0.375]);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct PReLU<T: Float, const N: usize, S: Storage = Inline> {
    /// `α`, one slope per value of a sample.
    pub alpha: Weights<T, N, 1, S>,
    /// Whether an optimizer updates `α`.
    pub trainable: Setting<bool>,
    /// `α`'s Keras shape (the first `rank` entries).
    dims: [usize; 3],
    rank: usize,
}

/// The Keras shape of a [`PReLU`]'s `alpha`: the shape of its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlphaShape {
    /// `(N,)`, after a layer of `N` units.
    Vector,
    /// `(h, w, c)`, after an image layer.
    Image(usize, usize, usize),
}

impl<T: Float, const N: usize> PReLU<T, N, Inline> {
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
            "PReLU::from_arrays: the shape does not hold the layer's values"
        );
        Self {
            alpha: Matrix::from_array_storage(ArrayStorage(alpha)),
            trainable: setting::default(),
            dims,
            rank,
        }
    }
}

impl<T: Float, const N: usize, S: Storage> PReLU<T, N, S> {
    /// A layer whose `α` has Keras shape `shape`, all zeros (Keras's `alpha_initializer`).
    /// An image's shape must hold the `N` values the type says.
    #[cfg(feature = "std")]
    pub fn zeros(shape: AlphaShape) -> Result<Self, Error> {
        let (dims, rank) = match shape {
            AlphaShape::Vector => ([N, 1, 1], 1),
            AlphaShape::Image(h, w, c) => ([h, w, c], 3),
        };
        if dims.iter().product::<usize>() != N {
            return Err(Error::Setting {
                what: "PReLU shape",
                problem: format!("{shape:?} does not hold the {N} values the type says"),
            });
        }
        Ok(Self {
            alpha: S::zeros(),
            trainable: setting::default(),
            dims,
            rank,
        })
    }

    /// A layer whose `α` (of Keras shape `shape`) is drawn from `initializer`.
    #[cfg(feature = "std")]
    pub fn init<R: Rng + ?Sized>(
        shape: AlphaShape,
        initializer: &impl Initializer,
        rng: &mut R,
    ) -> Result<Self, Error> {
        let mut layer = Self::zeros(shape)?;
        let dims = layer.dims;
        fill_checked(
            initializer,
            "alpha",
            &dims[..layer.rank],
            layer.alpha.as_mut_slice(),
            rng,
        );
        Ok(layer)
    }

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

impl<T: Float, const N: usize, S: Storage> Params<T> for PReLU<T, N, S> {
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

impl<T: Float, const N: usize, S: Storage> Stream<T, N, N> for PReLU<T, N, S> {
    stream_as_forward!(N, N);
}

impl<T: Float, const N: usize, S: Storage> Layer<T, N, N> for PReLU<T, N, S> {
    fn forward(&self, x: &SVector<T, N>) -> SVector<T, N> {
        let mut y = crate::storage::zeros::<T, N>();
        self.apply(x.as_slice(), y.as_mut_slice());
        y
    }

    #[cfg(feature = "std")]
    fn forward_batch(&self, x: &Batch<T, N>, y: &mut Batch<T, N>) {
        resize_batch(y, x.ncols());
        self.apply(x.as_slice(), y.as_mut_slice());
    }
}

#[cfg(feature = "std")]
impl<T: Float, const N: usize, S: Storage> Train<T, N, N> for PReLU<T, N, S> {
    type Cache = ();

    fn forward_train<R: Rng + ?Sized>(
        &self,
        x: &Batch<T, N>,
        y: &mut Batch<T, N>,
        _cache: &mut (),
        _training: bool,
        _rng: &mut R,
    ) {
        Layer::<T, N, N>::forward_batch(self, x, y);
    }

    fn backward(
        &self,
        x: &Batch<T, N>,
        _y: &Batch<T, N>,
        _cache: &(),
        dy: &mut Batch<T, N>,
        grad: &mut Self,
        dx: Option<&mut Batch<T, N>>,
    ) {
        let dalpha = grad.alpha.as_mut_slice();
        dalpha.fill(T::zero());
        if read(self.trainable) {
            for (x, g) in x
                .as_slice()
                .chunks_exact(N)
                .zip(dy.as_slice().chunks_exact(N))
            {
                for ((d, &x), &g) in dalpha.iter_mut().zip(x).zip(g) {
                    if x < T::zero() {
                        *d += g * x;
                    }
                }
            }
        }
        let Some(dx) = dx else { return };
        resize_batch(dx, x.ncols());
        let alpha = self.alpha.as_slice();
        let samples = x
            .as_slice()
            .chunks_exact(N)
            .zip(dy.as_slice().chunks_exact(N));
        for ((x, g), d) in samples.zip(dx.as_mut_slice().chunks_exact_mut(N)) {
            for (((d, &x), &g), &a) in d.iter_mut().zip(x).zip(g).zip(alpha) {
                *d = if x > T::zero() { g } else { a * g };
            }
        }
    }
}
