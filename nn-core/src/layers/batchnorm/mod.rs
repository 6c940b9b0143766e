//! `BatchNormalization`: per-channel normalization with learned scale and shift.

use nalgebra::{ArrayStorage, Matrix, SVector};

use crate::Float;
use crate::layer::{Layer, Params, Rules, Stream, tensors};
use crate::setting::{self, Setting, read};
use crate::storage::{Inline, Storage, Weights};

#[cfg(feature = "std")]
pub(super) mod train;

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
        Layer::forward_into(self, x, &mut y);
        y
    }

    /// The `C` factors of the channels.
    const SCRATCH: usize = C * core::mem::size_of::<T>();

    /// Over positions (an image, a sequence), its factors once more: the compiler copies them.
    const FRAME: usize = if N > C {
        C * core::mem::size_of::<T>() + crate::frame::NORMALIZING
    } else {
        crate::frame::WINDOWED
    };

    fn forward_into(&self, x: &SVector<T, N>, y: &mut SVector<T, N>) {
        self.normalize(
            x.as_slice(),
            y.as_mut_slice(),
            self.moving_mean.as_slice(),
            &self.moving_inv_std(),
        );
    }

    #[cfg(feature = "std")]
    fn forward_batch(&self, x: &crate::Batch<T, N>, y: &mut crate::Batch<T, N>) {
        crate::resize_batch(y, x.ncols());
        self.normalize(
            x.as_slice(),
            y.as_mut_slice(),
            self.moving_mean.as_slice(),
            &self.moving_inv_std(),
        );
    }
}
