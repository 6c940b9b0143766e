//! Training `PReLU`: its run-time constructors and backward pass (std only).

use rand::Rng;

use super::*;
use crate::Error;
use crate::init::{Initializer, fill_checked};
use crate::layer::{Batch, Train, resize_batch};

impl<T: Float, const N: usize, S: Storage> PRelu<T, N, S> {
    /// A layer whose `α` has Keras shape `shape`, all zeros (Keras's `alpha_initializer`).
    /// An image's shape must hold the `N` values the type says.
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
}

impl<T: Float, const N: usize, S: Storage> Train<T, N, N> for PRelu<T, N, S> {
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
