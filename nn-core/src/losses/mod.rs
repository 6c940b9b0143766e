//! Losses, with Keras's formulas, clipping and reduction.
//!
//! A [`Loss`] compares a batch of predictions (width `O`) with a batch of targets (width `K`:
//! `O` for most losses, 1 for integer labels) and returns the *sum* of the per-sample losses,
//! each times its sample weight; with `grad`, it also writes that sum's gradient times a scale.
//! The training loop divides by the batch size (Keras's "sum over batch size" reduction: the
//! sample weights are not normalized).
//!
//! | loss | per sample |
//! |---|---|
//! | [`CategoricalCrossentropy`] | `−Σ y log p`, `p` renormalized and clipped to `[1e−7, 1 − 1e−7]` |
//! | [`SparseCategoricalCrossentropy`] | the same with `y` the one-hot of an integer label |
//! | [`BinaryCrossentropy`] | `mean(−y log p − (1 − y) log(1 − p))`, `p` clipped likewise |
//! | [`MeanSquaredError`], [`MeanAbsoluteError`], [`Huber`] | `mean((y − p)²)`, `mean(|y − p|)`, Huber(δ = 1) |
//!
//! With `from_logits`, the cross-entropies take pre-activations and apply the (log-)softmax or
//! sigmoid themselves, without clipping. A softmax (sigmoid) output trained with categorical
//! (binary) cross-entropy is fused: the loss is computed from the output layer's logits and its
//! gradient is `p − y`, as Keras does.

mod crossentropy;
mod regression;

pub use crossentropy::{
    BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
};
pub use regression::{Huber, MeanAbsoluteError, MeanSquaredError};

use core::fmt::Debug;

use nalgebra::{DimName, Dyn, OMatrix};

use crate::{Batch, Float};

/// Keras's `epsilon()`, the clipping margin of the probability-based cross-entropies.
pub(crate) const EPSILON: f64 = 1e-7;

/// A loss between predictions of width `O` and targets of width `K` (both `Const<N>`).
///
/// Whether training computes a loss from the output layer's logits is decided from the loss's
/// type and the network's output activation alone (in `fusion.rs`), so a loss is `'static`: a
/// loss of your own is trained from the network's outputs.
pub trait Loss<T: Float, O: DimName, K: DimName>: Clone + Debug + 'static {
    /// The Keras name (`"categorical_crossentropy"`, ...).
    const NAME: &'static str;

    /// `Σᵢ wᵢ Lᵢ` over the batch, where `Lᵢ` compares column `i` of `prediction` with column
    /// `i` of `target` and `wᵢ` is `weights[i]` (1 without weights). `prediction` holds logits
    /// when `logits` is true (the fused path), outputs otherwise. When `grad` is given, writes
    /// `scale · ∂(Σᵢ wᵢ Lᵢ)/∂prediction` into it (resized to the batch).
    fn evaluate(
        &self,
        prediction: &OMatrix<T, O, Dyn>,
        logits: bool,
        target: &OMatrix<T, K, Dyn>,
        weights: Option<&[T]>,
        scale: T,
        grad: Option<&mut OMatrix<T, O, Dyn>>,
    ) -> T;
}

/// The shared loop of every loss: for each sample, its prediction and target columns, its
/// weight and (when wanted) its gradient column. `per_sample` returns the sample's loss and
/// writes `factor · ∂L/∂prediction` into the gradient column when given one.
pub(crate) fn per_sample<T: Float, const O: usize, const K: usize>(
    prediction: &Batch<T, O>,
    target: &Batch<T, K>,
    weights: Option<&[T]>,
    scale: T,
    grad: Option<&mut Batch<T, O>>,
    mut sample: impl FnMut(&[T], &[T], T, Option<&mut [T]>) -> T,
) -> T {
    let n = prediction.ncols();
    assert_eq!(
        target.ncols(),
        n,
        "loss: {} targets for {n} predictions",
        target.ncols()
    );
    if let Some(w) = weights {
        assert_eq!(
            w.len(),
            n,
            "loss: {} sample weights for {n} samples",
            w.len()
        );
    }
    let weight = |i: usize| weights.map_or(T::one(), |w| w[i]);
    let columns = prediction
        .as_slice()
        .chunks_exact(O)
        .zip(target.as_slice().chunks_exact(K));
    let mut total = T::zero();
    match grad {
        Some(grad) => {
            crate::resize_batch(grad, n);
            let grads = grad.as_mut_slice().chunks_exact_mut(O);
            for (i, ((p, y), g)) in columns.zip(grads).enumerate() {
                let w = weight(i);
                total += w * sample(p, y, w * scale, Some(g));
            }
        }
        None => {
            for (i, (p, y)) in columns.enumerate() {
                total += weight(i) * sample(p, y, T::zero(), None);
            }
        }
    }
    total
}

#[cfg(test)]
mod tests;
