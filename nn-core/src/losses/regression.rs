//! Regression losses: mean squared error, mean absolute error, Huber.

use super::{Loss, per_sample};
use nalgebra::Const;

use crate::scalar::sign;
use crate::{Batch, Float};

/// Keras's `mean_squared_error`: `mean((y − p)²)` over the outputs.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MeanSquaredError;

/// Keras's `mean_absolute_error`: `mean(|y − p|)` over the outputs.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MeanAbsoluteError;

/// Keras's `Huber(delta = 1)`: per output `e²/2` where `|e| ≤ δ`, `δ (|e| − δ/2)` beyond, with
/// `e = p − y`; the mean over the outputs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Huber {
    /// Where the loss turns from quadratic to linear.
    pub delta: f64,
}

impl Default for Huber {
    fn default() -> Self {
        Self { delta: 1.0 }
    }
}

/// The mean over the outputs of `f(p − y)`, with gradient `f'(p − y) / O · factor`.
fn elementwise<T: Float, const O: usize>(
    prediction: &Batch<T, O>,
    target: &Batch<T, O>,
    weights: Option<&[T]>,
    scale: T,
    grad: Option<&mut Batch<T, O>>,
    f: impl Fn(T) -> (T, T),
) -> T {
    let mean = T::one() / T::of(O as f64);
    per_sample(
        prediction,
        target,
        weights,
        scale,
        grad,
        |p, y, factor, mut g| {
            let mut loss = T::zero();
            for (i, (&p, &y)) in p.iter().zip(y).enumerate() {
                let (l, d) = f(p - y);
                loss += l;
                if let Some(g) = g.as_deref_mut() {
                    g[i] = d * mean * factor;
                }
            }
            loss * mean
        },
    )
}

impl<T: Float, const O: usize> Loss<T, Const<O>, Const<O>> for MeanSquaredError {
    const NAME: &'static str = "mean_squared_error";

    fn evaluate(
        &self,
        prediction: &Batch<T, O>,
        _logits: bool,
        target: &Batch<T, O>,
        weights: Option<&[T]>,
        scale: T,
        grad: Option<&mut Batch<T, O>>,
    ) -> T {
        elementwise(prediction, target, weights, scale, grad, |e| (e * e, e + e))
    }
}

impl<T: Float, const O: usize> Loss<T, Const<O>, Const<O>> for MeanAbsoluteError {
    const NAME: &'static str = "mean_absolute_error";

    fn evaluate(
        &self,
        prediction: &Batch<T, O>,
        _logits: bool,
        target: &Batch<T, O>,
        weights: Option<&[T]>,
        scale: T,
        grad: Option<&mut Batch<T, O>>,
    ) -> T {
        elementwise(prediction, target, weights, scale, grad, |e| {
            (e.abs(), sign(e))
        })
    }
}

impl<T: Float, const O: usize> Loss<T, Const<O>, Const<O>> for Huber {
    const NAME: &'static str = "huber";

    fn evaluate(
        &self,
        prediction: &Batch<T, O>,
        _logits: bool,
        target: &Batch<T, O>,
        weights: Option<&[T]>,
        scale: T,
        grad: Option<&mut Batch<T, O>>,
    ) -> T {
        let delta = T::of(self.delta);
        elementwise(prediction, target, weights, scale, grad, |e| {
            if e.abs() <= delta {
                (e * e * T::of(0.5), e)
            } else {
                let sign = if e > T::zero() { T::one() } else { -T::one() };
                (delta * (e.abs() - delta * T::of(0.5)), delta * sign)
            }
        })
    }
}
