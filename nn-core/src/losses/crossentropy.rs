//! The cross-entropies: categorical, sparse categorical and binary.

use super::{EPSILON, Loss, per_sample};
use nalgebra::Const;

use crate::{Batch, Float};

/// Keras's `categorical_crossentropy`: `−Σ y log p` for one-hot (or soft) targets.
///
/// Without `from_logits`, predictions are renormalized to sum to 1 and clipped to
/// `[1e−7, 1 − 1e−7]`; with it, they are logits and the loss is `−Σ y log_softmax(x)`.
/// `label_smoothing` replaces `y` with `y (1 − s) + s / classes`.
///
/// ```
/// use nn::prelude::*;
///
/// network! {
///     struct Classifier = Dense<4, 3, Softmax>;
/// }
///
/// let (x0, x1) = ([1.0, 0.0, 0.5, 0.2], [0.0, 1.0, 0.3, 0.9]);
/// let data = Dataset::<f32, 4, 3>::from_rows(&[x0, x1], &[[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])?;
/// let mut model =
///     Model::new(Classifier::seeded(7), Adam::new(1e-3), CategoricalCrossentropy::default());
///
/// // Keras's "sum over batch size": the mean over the samples of −log p(their class).
/// let p0 = model.network.predict(&SVector::from(x0));
/// let p1 = model.network.predict(&SVector::from(x1));
/// let expected = -(p0[0].ln() + p1[2].ln()) as f64 / 2.0;
/// let loss = nn::train::log_value(&model.evaluate(&data)?, "loss").unwrap();
/// assert!((loss - expected).abs() < 1e-5);
///
/// // With label smoothing s = 0.1, the targets are y (1 − s) + s / 3.
/// let smoothing = CategoricalCrossentropy { label_smoothing: 0.1, ..Default::default() };
/// let mut model = Model::new(Classifier::seeded(7), Adam::new(1e-3), smoothing);
/// let smooth = |y: [f32; 3], p: SVector<f32, 3>| -> f32 {
///     y.iter().zip(p.iter()).map(|(y, p)| -(y * 0.9 + 0.1 / 3.0) * p.ln()).sum()
/// };
/// let expected = (smooth([1.0, 0.0, 0.0], p0) + smooth([0.0, 0.0, 1.0], p1)) as f64 / 2.0;
/// let loss = nn::train::log_value(&model.evaluate(&data)?, "loss").unwrap();
/// assert!((loss - expected).abs() < 1e-5);
/// # Ok::<(), nn::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CategoricalCrossentropy {
    /// Whether predictions are logits rather than probabilities.
    pub from_logits: bool,
    /// The label smoothing `s` in `[0, 1]`.
    pub label_smoothing: f64,
}

/// Keras's `sparse_categorical_crossentropy`: categorical cross-entropy with integer labels
/// (targets of width 1 holding the class index).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SparseCategoricalCrossentropy {
    /// Whether predictions are logits rather than probabilities.
    pub from_logits: bool,
}

/// Keras's `binary_crossentropy`: `mean(−y log p − (1 − y) log(1 − p))` over the outputs, `p`
/// clipped to `[1e−7, 1 − 1e−7]`; with `from_logits`, the stable
/// `mean(max(x, 0) − x y + log(1 + e^−|x|))`. `label_smoothing` replaces `y` with
/// `y (1 − s) + s / 2`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BinaryCrossentropy {
    /// Whether predictions are logits rather than probabilities.
    pub from_logits: bool,
    /// The label smoothing `s` in `[0, 1]`.
    pub label_smoothing: f64,
}

/// `−Σ y log softmax(x)` for one sample and its gradient `(softmax(x) Σy − y) · factor`.
fn softmax_xent<T: Float>(x: &[T], y: impl Fn(usize) -> T, factor: T, grad: Option<&mut [T]>) -> T {
    let m = x.iter().copied().fold(x[0], T::max);
    let sum = x.iter().fold(T::zero(), |acc, &v| acc + (v - m).exp());
    let log_sum = sum.ln();
    let mut loss = T::zero();
    let mut y_total = T::zero();
    for (i, &v) in x.iter().enumerate() {
        loss -= y(i) * (v - m - log_sum);
        y_total += y(i);
    }
    if let Some(g) = grad {
        for (i, (g, &v)) in g.iter_mut().zip(x).enumerate() {
            *g = ((v - m).exp() / sum * y_total - y(i)) * factor;
        }
    }
    loss
}

/// `−Σ y log clip(p / Σp)` for one sample and its gradient times `factor`.
fn probability_xent<T: Float>(
    p: &[T],
    y: impl Fn(usize) -> T,
    factor: T,
    grad: Option<&mut [T]>,
) -> T {
    let (lo, hi) = (T::of(EPSILON), T::of(1.0 - EPSILON));
    let total = p.iter().fold(T::zero(), |acc, &v| acc + v);
    let mut loss = T::zero();
    for (i, &v) in p.iter().enumerate() {
        loss -= y(i) * (v / total).max(lo).min(hi).ln();
    }
    if let Some(g) = grad {
        // ∂L/∂qᵢ = −yᵢ / qᵢ inside the clipping range, 0 outside; ∂qᵢ/∂pⱼ = (δᵢⱼ − qᵢ) / Σp.
        let mut weighted = T::zero();
        for (i, (g, &v)) in g.iter_mut().zip(p).enumerate() {
            let q = v / total;
            *g = if q > lo && q < hi {
                -y(i) / q
            } else {
                T::zero()
            };
            weighted += *g * q;
        }
        for g in g.iter_mut() {
            *g = (*g - weighted) / total * factor;
        }
    }
    loss
}

impl<T: Float, const O: usize> Loss<T, Const<O>, Const<O>> for CategoricalCrossentropy {
    const NAME: &'static str = "categorical_crossentropy";

    fn evaluate(
        &self,
        prediction: &Batch<T, O>,
        logits: bool,
        target: &Batch<T, O>,
        weights: Option<&[T]>,
        scale: T,
        grad: Option<&mut Batch<T, O>>,
    ) -> T {
        let s = T::of(self.label_smoothing);
        let keep = T::one() - s;
        let spread = s / T::of(O as f64);
        let from_logits = logits || self.from_logits;
        per_sample(
            prediction,
            target,
            weights,
            scale,
            grad,
            |p, y, factor, g| {
                let y = |i: usize| y[i] * keep + spread;
                if from_logits {
                    softmax_xent(p, y, factor, g)
                } else {
                    probability_xent(p, y, factor, g)
                }
            },
        )
    }
}

impl<T: Float, const O: usize> Loss<T, Const<O>, Const<1>> for SparseCategoricalCrossentropy {
    const NAME: &'static str = "sparse_categorical_crossentropy";

    fn evaluate(
        &self,
        prediction: &Batch<T, O>,
        logits: bool,
        target: &Batch<T, 1>,
        weights: Option<&[T]>,
        scale: T,
        grad: Option<&mut Batch<T, O>>,
    ) -> T {
        let from_logits = logits || self.from_logits;
        per_sample(
            prediction,
            target,
            weights,
            scale,
            grad,
            |p, label, factor, g| {
                let class = label[0].as_f64() as usize;
                let y = |i: usize| if i == class { T::one() } else { T::zero() };
                if from_logits {
                    softmax_xent(p, y, factor, g)
                } else {
                    probability_xent(p, y, factor, g)
                }
            },
        )
    }
}

impl<T: Float, const O: usize> Loss<T, Const<O>, Const<O>> for BinaryCrossentropy {
    const NAME: &'static str = "binary_crossentropy";

    fn evaluate(
        &self,
        prediction: &Batch<T, O>,
        logits: bool,
        target: &Batch<T, O>,
        weights: Option<&[T]>,
        scale: T,
        grad: Option<&mut Batch<T, O>>,
    ) -> T {
        let s = T::of(self.label_smoothing);
        let (keep, half) = (T::one() - s, s * T::of(0.5));
        let from_logits = logits || self.from_logits;
        let (lo, hi) = (T::of(EPSILON), T::of(1.0 - EPSILON));
        let mean = T::one() / T::of(O as f64);
        per_sample(
            prediction,
            target,
            weights,
            scale,
            grad,
            |p, y, factor, mut g| {
                let mut loss = T::zero();
                for (i, &v) in p.iter().enumerate() {
                    let y = y[i] * keep + half;
                    let (l, d) = if from_logits {
                        // max(x, 0) − x y + log(1 + e^−|x|); derivative sigmoid(x) − y.
                        let l = v.max(T::zero()) - v * y + (-v.abs()).exp().ln_1p();
                        let sigmoid = if v >= T::zero() {
                            T::one() / (T::one() + (-v).exp())
                        } else {
                            v.exp() / (T::one() + v.exp())
                        };
                        (l, sigmoid - y)
                    } else {
                        let c = v.max(lo).min(hi);
                        let l = -(y * c.ln() + (T::one() - y) * (T::one() - c).ln());
                        let d = if v > lo && v < hi {
                            -y / c + (T::one() - y) / (T::one() - c)
                        } else {
                            T::zero()
                        };
                        (l, d)
                    };
                    loss += l;
                    if let Some(g) = g.as_deref_mut() {
                        g[i] = d * mean * factor;
                    }
                }
                loss * mean
            },
        )
    }
}
