//! `LayerNormalization`: each position of each sample normalized over its channels.

use nalgebra::{ArrayStorage, Matrix, SVector};

use crate::Float;
use crate::layer::{Layer, Params, Rules, Stream, tensors};
use crate::setting::{self, Setting, read};
use crate::storage::{Inline, Storage, Weights};

#[cfg(feature = "std")]
pub(super) mod train;

/// Keras's `LayerNormalization` over the last axis: every group of `C` values (a Dense layer's
/// units, or one position's channels of an image or a sequence, `N = positions · C`) is
/// normalized with its own mean and biased variance, `y = γ (x − μ) / √(σ² + ε) + β`.
///
/// Unlike [`BatchNormalization`](crate::BatchNormalization), the statistics are each sample's
/// own, in training and in inference alike, so nothing is kept between batches. With
/// `SCALE = false` there is no `γ` (Keras's `scale=False`), with `CENTER = false` no `β`
/// (`center=False`); Keras's weights are then left out of the layer's parameters, and the
/// stored values are ignored. Defaults: ε = 1e-3, γ = 1, β = 0.
///
/// ```
/// use nn_core::{Layer, LayerNormalization};
/// use nalgebra::SVector;
///
/// let norm = LayerNormalization::<f32, 4, 4>::new(1e-3);
/// let y = norm.forward(&SVector::from([1.0, 2.0, 3.0, 4.0]));
/// assert!(y.sum().abs() < 1e-6); // mean 0
/// assert!((y.norm_squared() / 4.0 - 1.0).abs() < 1e-3); // variance 1 (less ε's share)
/// ```
#[derive(Clone, Debug)]
pub struct LayerNormalization<
    T: Float,
    const N: usize,
    const C: usize,
    S: Storage = Inline,
    const CENTER: bool = true,
    const SCALE: bool = true,
> {
    /// γ, the scale (ignored when `SCALE` is false).
    pub gamma: Weights<T, C, 1, S>,
    /// β, the shift (ignored when `CENTER` is false).
    pub beta: Weights<T, C, 1, S>,
    /// ε, added to the variance.
    pub epsilon: f64,
    /// Whether an optimizer updates γ and β.
    pub trainable: Setting<bool>,
}

impl<T: Float, const N: usize, const C: usize, const CENTER: bool, const SCALE: bool>
    LayerNormalization<T, N, C, Inline, CENTER, SCALE>
{
    /// A layer with these values (`[0]` of each is the `C` values of Keras's vector; an absent
    /// weight's values are ignored); a `const fn`, for networks with weights built into the
    /// program.
    pub const fn from_arrays([gamma, beta]: [[[T; C]; 1]; 2], epsilon: f64) -> Self {
        Self {
            gamma: Matrix::from_array_storage(ArrayStorage(gamma)),
            beta: Matrix::from_array_storage(ArrayStorage(beta)),
            epsilon,
            trainable: setting::default(),
        }
    }
}

impl<T: Float, const N: usize, const C: usize, S: Storage, const CENTER: bool, const SCALE: bool>
    LayerNormalization<T, N, C, S, CENTER, SCALE>
{
    const SHAPE: [usize; 1] = [C];

    /// A layer with Keras's initial values (γ = 1, β = 0).
    pub fn new(epsilon: f64) -> Self {
        let mut layer = Self::zeros(epsilon);
        layer.gamma.fill(T::one());
        layer
    }

    /// A layer with every value zero (a gradient holder).
    pub fn zeros(epsilon: f64) -> Self {
        Self {
            gamma: S::zeros(),
            beta: S::zeros(),
            epsilon,
            trainable: setting::default(),
        }
    }

    /// γ of channel `ch`, or 1 without a scale.
    #[inline]
    fn scale(&self, ch: usize) -> T {
        if SCALE {
            self.gamma.as_slice()[ch]
        } else {
            T::one()
        }
    }

    /// β of channel `ch`, or 0 without a shift.
    #[inline]
    fn shift(&self, ch: usize) -> T {
        if CENTER {
            self.beta.as_slice()[ch]
        } else {
            T::zero()
        }
    }

    /// The mean of one group of `C` values and `1 / √(σ² + ε)` (two passes, as Keras).
    #[inline]
    fn moments(&self, x: &[T]) -> (T, T) {
        let count = T::of(C as f64);
        let mean = x.iter().fold(T::zero(), |s, &v| s + v) / count;
        let variance = x
            .iter()
            .fold(T::zero(), |s, &v| s + (v - mean) * (v - mean))
            / count;
        (mean, T::one() / (variance + T::of(self.epsilon)).sqrt())
    }

    /// Normalizes one group of `C` values into `y`.
    #[inline]
    fn normalize(&self, x: &[T], y: &mut [T]) {
        let (mean, inv_std) = self.moments(x);
        for ch in 0..C {
            y[ch] = self.scale(ch) * ((x[ch] - mean) * inv_std) + self.shift(ch);
        }
    }
}

impl<T: Float, const N: usize, const C: usize, S: Storage, const CENTER: bool, const SCALE: bool>
    Params<T> for LayerNormalization<T, N, C, S, CENTER, SCALE>
{
    const KIND: &'static str = nn_keras::class::LAYER_NORMALIZATION;

    const PARAMS: usize = C * (SCALE as usize + CENTER as usize);

    fn zeroed(&self) -> Self {
        Self {
            trainable: self.trainable,
            ..Self::zeros(self.epsilon)
        }
    }

    tensors!(self, let trainable = read(self.trainable);
        gamma [SCALE]: &Self::SHAPE, trainable, Rules::NONE;
        beta [CENTER]: &Self::SHAPE, trainable, Rules::NONE;
    );
}

/// One step (or one vector) of `C` values, normalized over them.
impl<T: Float, const N: usize, const C: usize, S: Storage, const CENTER: bool, const SCALE: bool>
    Stream<T, C, C> for LayerNormalization<T, N, C, S, CENTER, SCALE>
{
    type State = ();

    fn step(&self, _: &mut (), x: &SVector<T, C>) -> SVector<T, C> {
        let mut y = crate::storage::zeros::<T, C>();
        self.normalize(x.as_slice(), y.as_mut_slice());
        y
    }
}

impl<T: Float, const N: usize, const C: usize, S: Storage, const CENTER: bool, const SCALE: bool>
    Layer<T, N, N> for LayerNormalization<T, N, C, S, CENTER, SCALE>
{
    fn forward(&self, x: &SVector<T, N>) -> SVector<T, N> {
        let mut y = crate::storage::zeros::<T, N>();
        Layer::forward_into(self, x, &mut y);
        y
    }

    const SCRATCH: usize = 0;

    fn forward_into(&self, x: &SVector<T, N>, y: &mut SVector<T, N>) {
        for (x, y) in x
            .as_slice()
            .chunks_exact(C)
            .zip(y.as_mut_slice().chunks_exact_mut(C))
        {
            self.normalize(x, y);
        }
    }

    #[cfg(feature = "std")]
    fn forward_batch(&self, x: &crate::Batch<T, N>, y: &mut crate::Batch<T, N>) {
        crate::resize_batch(y, x.ncols());
        let xs = x.as_slice();
        crate::parallel::for_each_part(
            y.as_mut_slice(),
            N,
            N,
            crate::parallel::MIN_ELEMENTWISE,
            |samples, y| {
                let x = &xs[samples.start * N..samples.end * N];
                for (x, y) in x.chunks_exact(C).zip(y.chunks_exact_mut(C)) {
                    self.normalize(x, y);
                }
            },
        );
    }
}
