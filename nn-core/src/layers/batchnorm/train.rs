//! Training `BatchNormalization`: batch statistics, what the training pass keeps and the backward
//! pass (std only).

use nalgebra::{Const, Dyn};
use rand::Rng;

use super::*;
use crate::layer::{Batch, Train, resize_batch};

/// What a [`BatchNormalization`] layer's training pass keeps.
#[derive(Clone, Debug)]
pub struct BatchNormCache<T: Float, const N: usize> {
    /// The normalized inputs `(x − μ) / √(σ² + ε)`.
    pub normalized: Batch<T, N>,
    /// The batch mean and variance per channel (empty when moving statistics were used).
    pub mean: Vec<T>,
    /// The batch's biased variance per channel.
    pub variance: Vec<T>,
    /// `1 / √(σ² + ε)` per channel, of whichever statistics were used.
    pub inv_std: Vec<T>,
    /// The per-sample sums of the statistics and of the gradients, kept for the next batch.
    partials: crate::parallel::Scratch<T>,
}

impl<T: Float, const N: usize> Default for BatchNormCache<T, N> {
    fn default() -> Self {
        Self {
            normalized: Batch::zeros_generic(Const::<N>, Dyn(0)),
            mean: Vec::new(),
            variance: Vec::new(),
            inv_std: Vec::new(),
            partials: Default::default(),
        }
    }
}

impl<T: Float, const N: usize, const C: usize, S: Storage> Train<T, N, N>
    for BatchNormalization<T, N, C, S>
{
    type Cache = BatchNormCache<T, N>;

    fn forward_train<R: Rng + ?Sized>(
        &self,
        x: &Batch<T, N>,
        y: &mut Batch<T, N>,
        cache: &mut Self::Cache,
        training: bool,
        _rng: &mut R,
    ) {
        resize_batch(y, x.ncols());
        resize_batch(&mut cache.normalized, x.ncols());
        cache.inv_std.clear();
        cache.mean.clear();
        cache.variance.clear();
        // Per-channel statistics summed sample by sample and every pass split by samples
        // across the threads allowed (the same bits for any count; see `sample_sums`).
        let (n, xs) = (x.ncols(), x.as_slice());
        let min = crate::parallel::MIN_ELEMENTWISE;
        if training && read(self.trainable) {
            let count = T::of((x.len() / C) as f64);
            cache.mean.resize(C, T::zero());
            cache.variance.resize(C, T::zero());
            crate::parallel::sample_sums(
                &mut cache.mean,
                &cache.partials,
                n,
                N,
                min,
                |sample, sums| {
                    for position in xs[sample * N..(sample + 1) * N].chunks_exact(C) {
                        for (sum, &v) in sums.iter_mut().zip(position) {
                            *sum += v;
                        }
                    }
                },
            );
            cache.mean.iter_mut().for_each(|m| *m /= count);
            let mean = &cache.mean;
            crate::parallel::sample_sums(
                &mut cache.variance,
                &cache.partials,
                n,
                N,
                min,
                |sample, sums| {
                    for position in xs[sample * N..(sample + 1) * N].chunks_exact(C) {
                        for ((sum, &v), &m) in sums.iter_mut().zip(position).zip(mean) {
                            *sum += (v - m) * (v - m);
                        }
                    }
                },
            );
            cache.variance.iter_mut().for_each(|s| *s /= count);
            cache.inv_std.extend(
                cache
                    .variance
                    .iter()
                    .map(|&v| T::one() / (v + T::of(self.epsilon)).sqrt()),
            );
        } else {
            cache.mean.extend_from_slice(self.moving_mean.as_slice());
            cache.inv_std.extend_from_slice(&self.moving_inv_std());
        }
        // x̂ first (kept for the backward pass), then y = γ x̂ + β.
        let (gamma, beta) = (self.gamma.as_slice(), self.beta.as_slice());
        let (mean, inv_std) = (&cache.mean, &cache.inv_std);
        crate::parallel::for_each_part2(
            (y.as_mut_slice(), N),
            (cache.normalized.as_mut_slice(), N),
            N,
            min,
            |samples, y, xhat| {
                let x = &xs[samples.start * N..samples.end * N];
                let positions = x.chunks_exact(C).zip(xhat.chunks_exact_mut(C));
                for ((x, xhat), y) in positions.zip(y.chunks_exact_mut(C)) {
                    for ch in 0..C {
                        xhat[ch] = (x[ch] - mean[ch]) * inv_std[ch];
                        y[ch] = gamma[ch] * xhat[ch] + beta[ch];
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
        let sums = scale_shift_gradients::<T, N, C>(dys, xhats, n, &cache.partials);
        let (dgamma, dbeta) = sums.split_at(C);
        let batch_statistics = !cache.variance.is_empty();
        if read(self.trainable) {
            grad.gamma.as_mut_slice().copy_from_slice(dgamma);
            grad.beta.as_mut_slice().copy_from_slice(dbeta);
        } else {
            grad.gamma.fill(T::zero());
            grad.beta.fill(T::zero());
        }
        // The moving statistics follow the batch's (see `Rules::moving_average`): their
        // "gradients" carry the batch's mean and variance to the step.
        if batch_statistics {
            grad.moving_mean.as_mut_slice().copy_from_slice(&cache.mean);
            grad.moving_variance
                .as_mut_slice()
                .copy_from_slice(&cache.variance);
        } else {
            grad.moving_mean.fill(T::zero());
            grad.moving_variance.fill(T::zero());
        }
        let Some(dx) = dx else { return };
        resize_batch(dx, x.ncols());
        let gamma = self.gamma.as_slice();
        let count = T::of((x.len() / C) as f64);
        let inv_std = &cache.inv_std;
        crate::parallel::for_each_part(dx.as_mut_slice(), N, N, min, |samples, dx| {
            let values = samples.start * N..samples.end * N;
            let positions = dys[values.clone()].chunks_exact(C);
            let positions = positions.zip(xhats[values].chunks_exact(C));
            for ((g, xhat), d) in positions.zip(dx.chunks_exact_mut(C)) {
                for ch in 0..C {
                    let scale = gamma[ch] * inv_std[ch];
                    d[ch] = if batch_statistics {
                        // ∂x = γ/σ · (∂y − mean(∂y) − x̂ · mean(∂y · x̂)).
                        scale * (g[ch] - dbeta[ch] / count - xhat[ch] * dgamma[ch] / count)
                    } else {
                        scale * g[ch]
                    };
                }
            }
        });
    }
}

/// `∂γ` and `∂β` of a per-channel normalization with learned scale and shift (batch and layer
/// normalization): `Σ ∂y ⊙ x̂` and `Σ ∂y` for each of the `C` channels, over every position of
/// the `n` samples of `N` values in `dys` and `xhats`; the `C` values of `∂γ`, then those of
/// `∂β`. Summed sample by sample (see `sample_sums`), so the same bits for any thread count.
pub(crate) fn scale_shift_gradients<T: Float, const N: usize, const C: usize>(
    dys: &[T],
    xhats: &[T],
    n: usize,
    partials: &crate::parallel::Scratch<T>,
) -> Vec<T> {
    let mut sums = vec![T::zero(); 2 * C];
    let min = crate::parallel::MIN_ELEMENTWISE;
    crate::parallel::sample_sums(&mut sums, partials, n, N, min, |sample, sums| {
        let (dgamma, dbeta) = sums.split_at_mut(C);
        let values = sample * N..(sample + 1) * N;
        let positions = dys[values.clone()].chunks_exact(C);
        for (g, xhat) in positions.zip(xhats[values].chunks_exact(C)) {
            for ch in 0..C {
                dgamma[ch] += g[ch] * xhat[ch];
                dbeta[ch] += g[ch];
            }
        }
    });
    sums
}
