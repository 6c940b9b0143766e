//! Training `LayerNormalization`: what the training pass keeps and the backward pass (std only).

use rand::Rng;

use super::*;
use crate::layer::{Batch, Train, resize_batch};

/// What a [`LayerNormalization`] layer's training pass keeps.
#[derive(Clone, Debug)]
pub struct LayerNormCache<T: Float, const N: usize> {
    /// The normalized inputs `(x − μ) / √(σ² + ε)`.
    pub normalized: Batch<T, N>,
    /// `1 / √(σ² + ε)` of every group (position) of every sample, in order.
    pub inv_std: Vec<T>,
    /// The gradients' per-sample sums, kept for the next batch.
    partials: crate::parallel::Scratch<T>,
}

impl<T: Float, const N: usize> Default for LayerNormCache<T, N> {
    fn default() -> Self {
        Self {
            normalized: Batch::zeros_generic(nalgebra::Const::<N>, nalgebra::Dyn(0)),
            inv_std: Vec::new(),
            partials: Default::default(),
        }
    }
}

impl<T: Float, const N: usize, const C: usize, S: Storage, const CENTER: bool, const SCALE: bool>
    Train<T, N, N> for LayerNormalization<T, N, C, S, CENTER, SCALE>
{
    type Cache = LayerNormCache<T, N>;

    fn forward_train<R: Rng + ?Sized>(
        &self,
        x: &Batch<T, N>,
        y: &mut Batch<T, N>,
        cache: &mut Self::Cache,
        _training: bool,
        _rng: &mut R,
    ) {
        let (n, xs) = (x.ncols(), x.as_slice());
        resize_batch(y, n);
        resize_batch(&mut cache.normalized, n);
        cache.inv_std.resize(n * (N / C), T::zero());
        let groups = N / C;
        crate::parallel::for_each_part2(
            (cache.normalized.as_mut_slice(), N),
            (&mut cache.inv_std, groups),
            N,
            crate::parallel::MIN_ELEMENTWISE,
            |samples, xhat, inv_std| {
                let x = &xs[samples.start * N..samples.end * N];
                let groups = x.chunks_exact(C).zip(xhat.chunks_exact_mut(C));
                for ((x, xhat), inv) in groups.zip(inv_std.iter_mut()) {
                    let (mean, inv_s) = self.moments(x);
                    for ch in 0..C {
                        xhat[ch] = (x[ch] - mean) * inv_s;
                    }
                    *inv = inv_s;
                }
            },
        );
        let xhat = cache.normalized.as_slice();
        crate::parallel::for_each_part(
            y.as_mut_slice(),
            N,
            N,
            crate::parallel::MIN_ELEMENTWISE,
            |samples, y| {
                let xhat = &xhat[samples.start * N..samples.end * N];
                for (xhat, y) in xhat.chunks_exact(C).zip(y.chunks_exact_mut(C)) {
                    for ch in 0..C {
                        y[ch] = self.scale(ch) * xhat[ch] + self.shift(ch);
                    }
                }
            },
        );
    }

    fn backward(
        &self,
        x: &Batch<T, N>,
        _y: &Batch<T, N>,
        cache: &Self::Cache,
        dy: &mut Batch<T, N>,
        grad: &mut Self,
        dx: Option<&mut Batch<T, N>>,
    ) {
        let (n, dys, xhats) = (x.ncols(), dy.as_slice(), cache.normalized.as_slice());
        let min = crate::parallel::MIN_ELEMENTWISE;
        let sums = if read(self.trainable) {
            crate::layers::batchnorm::train::scale_shift_gradients::<T, N, C>(
                dys,
                xhats,
                n,
                &cache.partials,
            )
        } else {
            vec![T::zero(); 2 * C]
        };
        grad.gamma.as_mut_slice().copy_from_slice(&sums[..C]);
        grad.beta.as_mut_slice().copy_from_slice(&sums[C..]);
        let Some(dx) = dx else { return };
        resize_batch(dx, n);
        let (groups, count) = (N / C, T::of(C as f64));
        let inv_std = &cache.inv_std;
        crate::parallel::for_each_part(dx.as_mut_slice(), N, N, min, |samples, dx| {
            let values = samples.start * N..samples.end * N;
            let inv_std = &inv_std[samples.start * groups..samples.end * groups];
            let pieces = dys[values.clone()]
                .chunks_exact(C)
                .zip(xhats[values].chunks_exact(C));
            for (((g, xhat), d), &inv) in pieces.zip(dx.chunks_exact_mut(C)).zip(inv_std) {
                // With ĝ = γ ⊙ ∂y: ∂x = (ĝ − mean(ĝ) − x̂ · mean(ĝ ⊙ x̂)) / σ.
                let (mut mean_g, mut mean_gx) = (T::zero(), T::zero());
                for ch in 0..C {
                    let scaled = self.scale(ch) * g[ch];
                    mean_g += scaled;
                    mean_gx += scaled * xhat[ch];
                }
                let (mean_g, mean_gx) = (mean_g / count, mean_gx / count);
                for ch in 0..C {
                    d[ch] = inv * (self.scale(ch) * g[ch] - mean_g - xhat[ch] * mean_gx);
                }
            }
        });
    }
}
