//! `BatchNormalization`: per-channel normalization with learned scale and shift.

use nalgebra::{ArrayStorage, Matrix, SVector};
#[cfg(feature = "std")]
use nalgebra::{Const, Dyn};
#[cfg(feature = "std")]
use rand::Rng;

use crate::Float;
#[cfg(feature = "std")]
use crate::layer::{Batch, Train, resize_batch};
use crate::layer::{Layer, Params, Rules, Stream, tensors};
use crate::setting::{self, Setting, read};
use crate::storage::{Inline, Storage, Weights};

/// Keras's `BatchNormalization` over the last axis: each of the `C` channels of a sample of
/// `N = positions · C` values (a Dense layer's units, or an image's channels) is normalized,
/// `y = γ (x − μ) / √(σ² + ε) + β`.
///
/// In training, `μ` and `σ²` are the batch's mean and biased variance over every sample and
/// position, and the moving statistics follow them: `moving = moving · momentum + batch ·
/// (1 − momentum)` (in the optimizer step, as every parameter with a
/// [`Rules::moving_average`](crate::Rules::moving_average)). In inference, and in training when the layer is
/// not trainable, the moving statistics are used. Defaults: momentum 0.99, ε = 1e-3, γ = 1,
/// β = 0, moving mean 0, moving variance 1. Parameters: `γ` and `β` trainable, the moving
/// statistics not (`4C` in all, `2C` non-trainable).
///
/// ```
/// use nalgebra::SVector;
/// use nn::{BatchNormalization, Layer};
///
/// // Two positions of two channels (N = 4, C = 2); ε = 0 for round numbers (Keras's is 1e-3).
/// let mut bn = BatchNormalization::<f64, 4, 2>::new(0.99, 0.0);
/// bn.moving_mean.copy_from_slice(&[1.0, -1.0]);
/// bn.moving_variance.copy_from_slice(&[4.0, 1.0]);
/// bn.gamma.copy_from_slice(&[1.0, 3.0]);
/// bn.beta.copy_from_slice(&[0.0, 0.5]);
/// // Inference uses the moving statistics:
/// // channel 0 is (x − 1) / 2, channel 1 is 3 (x + 1) + 0.5.
/// let y = bn.forward(&SVector::<f64, 4>::new(3.0, 0.0, 1.0, -1.0));
/// assert_eq!(y.as_slice(), [1.0, 3.5, 0.0, 0.5]);
/// ```
#[derive(Clone, Debug)]
pub struct BatchNormalization<T: Float, const N: usize, const C: usize, S: Storage = Inline> {
    /// γ, the scale.
    pub gamma: Weights<T, C, 1, S>,
    /// β, the shift.
    pub beta: Weights<T, C, 1, S>,
    /// The moving mean.
    pub moving_mean: Weights<T, C, 1, S>,
    /// The moving variance.
    pub moving_variance: Weights<T, C, 1, S>,
    /// The weight of the past in the moving statistics.
    pub momentum: f64,
    /// ε, added to the variance.
    pub epsilon: f64,
    /// Whether an optimizer updates γ and β, and whether training uses batch statistics.
    pub trainable: Setting<bool>,
}

impl<T: Float, const N: usize, const C: usize> BatchNormalization<T, N, C, Inline> {
    /// A layer with these values (`[0]` of each is the `C` values of Keras's vector) and
    /// Keras's defaults otherwise; a `const fn`, for networks with weights built into the
    /// program.
    pub const fn from_arrays(
        [gamma, beta, moving_mean, moving_variance]: [[[T; C]; 1]; 4],
        momentum: f64,
        epsilon: f64,
    ) -> Self {
        Self {
            gamma: Matrix::from_array_storage(ArrayStorage(gamma)),
            beta: Matrix::from_array_storage(ArrayStorage(beta)),
            moving_mean: Matrix::from_array_storage(ArrayStorage(moving_mean)),
            moving_variance: Matrix::from_array_storage(ArrayStorage(moving_variance)),
            momentum,
            epsilon,
            trainable: setting::default(),
        }
    }
}

impl<T: Float, const N: usize, const C: usize, S: Storage> BatchNormalization<T, N, C, S> {
    const SHAPE: [usize; 1] = [C];

    /// A layer with Keras's initial values (γ = 1, β = 0, moving mean 0, moving variance 1).
    pub fn new(momentum: f64, epsilon: f64) -> Self {
        let mut layer = Self::zeros(momentum, epsilon);
        layer.gamma.fill(T::one());
        layer.moving_variance.fill(T::one());
        layer
    }

    /// A layer with every value zero (a gradient holder).
    pub fn zeros(momentum: f64, epsilon: f64) -> Self {
        Self {
            gamma: S::zeros(),
            beta: S::zeros(),
            moving_mean: S::zeros(),
            moving_variance: S::zeros(),
            momentum,
            epsilon,
            trainable: setting::default(),
        }
    }

    /// `y = γ (x − mean) · inv_std + β` for every sample and position.
    fn normalize(&self, x: &[T], y: &mut [T], mean: &[T], inv_std: &[T]) {
        let (gamma, beta) = (self.gamma.as_slice(), self.beta.as_slice());
        for (x, y) in x.chunks_exact(C).zip(y.chunks_exact_mut(C)) {
            for ch in 0..C {
                y[ch] = gamma[ch] * (x[ch] - mean[ch]) * inv_std[ch] + beta[ch];
            }
        }
    }

    /// The rules of parameter `index` (γ, β, moving mean, moving variance): the moving
    /// statistics follow the batch's while the layer trains on batch statistics.
    fn rules(&self, index: usize) -> Rules {
        Rules {
            moving_average: (index >= 2 && read(self.trainable)).then_some(self.momentum),
            ..Rules::NONE
        }
    }

    /// `1 / √(moving variance + ε)` per channel.
    fn moving_inv_std(&self) -> [T; C] {
        let mut inv = [T::zero(); C];
        for (i, &v) in inv.iter_mut().zip(self.moving_variance.as_slice()) {
            *i = T::one() / (v + T::of(self.epsilon)).sqrt();
        }
        inv
    }
}

/// What a [`BatchNormalization`] layer's training pass keeps.
#[cfg(feature = "std")]
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

#[cfg(feature = "std")]
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

impl<T: Float, const N: usize, const C: usize, S: Storage> Params<T>
    for BatchNormalization<T, N, C, S>
{
    const KIND: &'static str = nn_keras::class::BATCH_NORMALIZATION;

    const PARAMS: usize = 4 * C;

    fn zeroed(&self) -> Self {
        Self {
            trainable: self.trainable,
            ..Self::zeros(self.momentum, self.epsilon)
        }
    }

    tensors!(self,
        let trainable = read(self.trainable),
        let rules = [0, 1, 2, 3].map(|i| self.rules(i));
        gamma: &Self::SHAPE, trainable, rules[0];
        beta: &Self::SHAPE, trainable, rules[1];
        moving_mean: &Self::SHAPE, false, rules[2];
        moving_variance: &Self::SHAPE, false, rules[3];
    );
}

/// One step (or one vector) of `C` channels, with the moving statistics.
impl<T: Float, const N: usize, const C: usize, S: Storage> Stream<T, C, C>
    for BatchNormalization<T, N, C, S>
{
    type State = ();

    fn step(&self, _: &mut (), x: &SVector<T, C>) -> SVector<T, C> {
        let mut y = crate::storage::zeros::<T, C>();
        let (mean, inv_std) = (self.moving_mean.as_slice(), &self.moving_inv_std());
        self.normalize(x.as_slice(), y.as_mut_slice(), mean, inv_std);
        y
    }
}

impl<T: Float, const N: usize, const C: usize, S: Storage> Layer<T, N, N>
    for BatchNormalization<T, N, C, S>
{
    fn forward(&self, x: &SVector<T, N>) -> SVector<T, N> {
        let mut y = crate::storage::zeros::<T, N>();
        self.normalize(
            x.as_slice(),
            y.as_mut_slice(),
            self.moving_mean.as_slice(),
            &self.moving_inv_std(),
        );
        y
    }

    #[cfg(feature = "std")]
    fn forward_batch(&self, x: &Batch<T, N>, y: &mut Batch<T, N>) {
        resize_batch(y, x.ncols());
        self.normalize(
            x.as_slice(),
            y.as_mut_slice(),
            self.moving_mean.as_slice(),
            &self.moving_inv_std(),
        );
    }
}

#[cfg(feature = "std")]
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
#[cfg(feature = "std")]
pub(super) fn scale_shift_gradients<T: Float, const N: usize, const C: usize>(
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
