//! Training `Dropout`: its run-time constructor, the mask drawn in training and the backward pass
//! (std only).

use nalgebra::{Const, Dyn};
use rand::{Rng, RngExt};

use super::*;
use crate::Error;
use crate::layer::{Batch, Train, resize_batch};

impl Dropout {
    /// A dropout layer dropping each value with probability `rate`, which must lie in `[0, 1)`.
    pub fn new(rate: f64) -> Result<Self, Error> {
        if (0.0..1.0).contains(&rate) {
            Ok(Self { rate })
        } else {
            Err(Error::InvalidDropoutRate { rate })
        }
    }

    /// `y = x ⊙ mask`, with the mask of an earlier [`Train::forward_train`].
    pub(crate) fn apply_mask<T: Float, const N: usize>(
        x: &Batch<T, N>,
        cache: &DropoutCache<T, N>,
        y: &mut Batch<T, N>,
    ) {
        resize_batch(y, x.ncols());
        y.zip_zip_apply(x, &cache.mask, |y, x, m| *y = x * m);
    }
}

impl<T: Float, const N: usize> Train<T, N, N> for Dropout {
    type Cache = DropoutCache<T, N>;

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
            // 32 random bits per value, drawn in one call: a value is kept when its bits fall
            // below keep · 2³², so the keep probability is exact to 2⁻³² and the loop has no
            // per-value call into the generator.
            // (A keep probability within 2⁻³³ of 1 rounds to keeping everything.)
            let threshold = (keep * 4_294_967_296.0).round();
            let mask = cache.mask.as_mut_slice();
            cache.bits.resize(mask.len(), 0);
            rng.fill(&mut cache.bits[..]);
            if threshold >= 4_294_967_296.0 {
                mask.fill(scale);
            } else {
                let threshold = threshold as u32;
                for (m, &bits) in mask.iter_mut().zip(&cache.bits) {
                    *m = if bits < threshold { scale } else { T::zero() };
                }
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
        _grad: &mut Self,
        dx: Option<&mut Batch<T, N>>,
    ) {
        if let Some(dx) = dx {
            Self::apply_mask(dy, cache, dx);
        }
    }
}

/// What a [`Dropout`] layer's training forward pass keeps: the mask it multiplied by.
#[derive(Clone, Debug)]
pub struct DropoutCache<T: Float, const N: usize> {
    /// `0` where a value was dropped, `1 / (1 − rate)` where it was kept.
    pub mask: Batch<T, N>,
    /// The random bits the mask was drawn from, kept to be refilled without allocating.
    bits: Vec<u32>,
}

impl<T: Float, const N: usize> Default for DropoutCache<T, N> {
    fn default() -> Self {
        Self {
            mask: Batch::zeros_generic(Const::<N>, Dyn(0)),
            bits: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    /// The training mask of `layer` on a batch of 2.0s (100 values × `n` samples).
    fn masked(layer: Dropout, n: usize, training: bool, seed: u64) -> crate::Batch<f64, 100> {
        let x = Batch::<f64, 100>::from_element_generic(Const::<100>, Dyn(n), 2.0);
        let mut y = Batch::<f64, 100>::zeros_generic(Const::<100>, Dyn(0));
        let mut cache = DropoutCache::default();
        let mut rng = StdRng::seed_from_u64(seed);
        layer.forward_train(&x, &mut y, &mut cache, training, &mut rng);
        y
    }

    #[test]
    fn keeps_each_value_with_probability_one_minus_rate_and_scales_it() {
        for rate in [0.1, 0.3, 0.5, 0.9] {
            let y = masked(Dropout::new(rate).unwrap(), 400, true, 7);
            let keep = 1.0 - rate;
            // Every value is dropped or scaled by 1 / (1 − rate).
            assert!(
                y.iter()
                    .all(|&v| v == 0.0 || (v - 2.0 / keep).abs() < 1e-12),
                "rate {rate}"
            );
            // 40,000 draws: the kept count lies within 5 standard deviations of its mean.
            let kept = y.iter().filter(|&&v| v != 0.0).count() as f64;
            let (mean, sd) = (40_000.0 * keep, (40_000.0 * keep * rate).sqrt());
            assert!(
                (kept - mean).abs() < 5.0 * sd,
                "rate {rate}: kept {kept} of 40000"
            );
        }
    }

    #[test]
    fn masks_follow_the_seed_and_vanish_outside_training() {
        let layer = Dropout::new(0.5).unwrap();
        assert_eq!(masked(layer, 8, true, 1), masked(layer, 8, true, 1));
        assert_ne!(masked(layer, 8, true, 1), masked(layer, 8, true, 2));
        let two = Batch::<f64, 100>::from_element_generic(Const::<100>, Dyn(8), 2.0);
        assert_eq!(masked(layer, 8, false, 1), two);
        assert_eq!(masked(Dropout::new(0.0).unwrap(), 8, true, 1), two);
    }

    /// A batch of 5 samples of `N` values in `[-1, 1)`, from `seed`.
    fn batch<const N: usize>(seed: u64) -> Batch<f64, N> {
        let mut state = seed;
        Batch::<f64, N>::from_fn_generic(Const::<N>, Dyn(5), |_, _| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        })
    }

    /// The backward pass with a fixed mask against central finite differences of
    /// `L = Σ g ⊙ y`, with a relative error under 1e-6 (moved from `tests/gradients.rs`, as the
    /// cache is not public).
    #[test]
    fn dropout_with_a_fixed_mask() {
        const H: f64 = 1e-5;
        let dropout = Dropout::new(0.4).unwrap();
        let x = batch::<7>(3);
        let g = batch::<7>(4);
        let mut cache = DropoutCache::<f64, 7>::default();
        let mut y = Batch::<f64, 7>::zeros_generic(Const::<7>, Dyn(0));
        Train::<f64, 7, 7>::forward_train(
            &dropout,
            &x,
            &mut y,
            &mut cache,
            true,
            &mut StdRng::seed_from_u64(1),
        );
        let kept = cache.mask.iter().filter(|&&m| m != 0.0).count();
        assert!(
            kept > 0 && kept < cache.mask.len(),
            "the mask should keep some values and drop others"
        );
        assert!(
            cache
                .mask
                .iter()
                .all(|&m| m == 0.0 || (m - 1.0 / 0.6).abs() < 1e-15)
        );

        let loss = |x: &Batch<f64, 7>| {
            let mut y = Batch::<f64, 7>::zeros_generic(Const::<7>, Dyn(0));
            Dropout::apply_mask(x, &cache, &mut y);
            y.component_mul(&g).sum()
        };
        let mut dy = g.clone();
        let mut dx = Batch::<f64, 7>::zeros_generic(Const::<7>, Dyn(0));
        let mut grad = dropout;
        Train::<f64, 7, 7>::backward(&dropout, &x, &y, &cache, &mut dy, &mut grad, Some(&mut dx));
        let numeric: Vec<f64> = (0..x.len())
            .map(|i| {
                let (mut plus, mut minus) = (x.clone(), x.clone());
                plus[i] += H;
                minus[i] -= H;
                (loss(&plus) - loss(&minus)) / (2.0 * H)
            })
            .collect();
        // ‖a − n‖ / (‖a‖ + ‖n‖).
        let diff = dx
            .iter()
            .zip(&numeric)
            .map(|(a, n)| (a - n) * (a - n))
            .sum::<f64>()
            .sqrt();
        let scale = dx.iter().map(|a| a * a).sum::<f64>().sqrt()
            + numeric.iter().map(|n| n * n).sum::<f64>().sqrt();
        let error = diff / scale.max(1e-12);
        assert!(error < 1e-6, "dropout: relative error {error:e}");
    }
}
