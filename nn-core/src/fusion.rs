//! Logit fusion, decided in one place: where the loss meets the network's last layer.
//!
//! A softmax (sigmoid) output trained with categorical (binary) cross-entropy is *fused*, as
//! Keras's TensorFlow backend does: the loss is computed from the output layer's
//! pre-activations (its logits), its gradient with respect to them is `p − y`, and the output
//! activation's own backward step is skipped. Only the network's last layer meets the loss, so
//! only it can be fused, and only when it has an output activation. This module is the only
//! one that knows of it:
//!
//! - [`fused`] is the decision, from the last layer's output activation and the loss: the
//!   table of fused pairs is written there and nowhere else (activations and losses carry no
//!   flag for it);
//! - [`OutputActivation`] is what a layer with an output activation (`Dense`, the convolutions,
//!   a standalone activation layer) adds to [`Train`]: its pre-activations, and its backward
//!   pass from them. A layer without one is trained through [`Train`] alone, wherever it
//!   stands;
//! - the hidden [`Last`] is what the code `network!` generates asks about the last layer: its
//!   output activation, the prediction the loss reads and its backward pass.

#[cfg(feature = "std")]
use core::any::{Any, TypeId};
#[cfg(feature = "std")]
use core::marker::PhantomData;

#[cfg(feature = "std")]
use nalgebra::Const;

#[cfg(feature = "std")]
use crate::{
    Activation, Batch, BinaryCrossentropy, CategoricalCrossentropy, Float, Linear, Loss, Network,
    Sigmoid, Softmax, SparseCategoricalCrossentropy, Train,
};

/// A layer whose outputs are an activation of pre-activations it keeps (`Dense`, the
/// convolutions, a standalone activation layer): as a network's last layer, its loss can be
/// computed from those pre-activations.
///
/// That is logit fusion: for the pairs of this layer's
/// [`Activation`](OutputActivation::Activation) and a loss that Keras fuses (a softmax with
/// categorical cross-entropy, a sigmoid with binary cross-entropy), training computes the loss from the
/// [`pre_activations`](OutputActivation::pre_activations), takes its gradient `p − y` with
/// respect to them and goes back with
/// [`backward_from_pre_activations`](OutputActivation::backward_from_pre_activations), as
/// Keras does. Only the last layer meets the loss, so only it can be fused.
///
/// A layer with an output activation implements it besides [`Train`], and its `network!` rule
/// marks its `Def` as `activated()`. No other layer implements it or knows of fusion: it is
/// trained through [`Train`] alone, wherever it stands.
#[cfg(feature = "std")]
pub trait OutputActivation<T: Float, const I: usize, const O: usize>: Train<T, I, O> {
    /// The activation applied to the pre-activations.
    type Activation: Activation;

    /// The pre-activations of the last [`forward_train`](Train::forward_train).
    fn pre_activations(cache: &Self::Cache) -> &Batch<T, O>;

    /// [`Train::backward`] from ∂loss/∂pre-activations in `dz` (which may be overwritten)
    /// rather than from ∂loss/∂y: the activation's own step is skipped.
    #[allow(clippy::too_many_arguments)]
    fn backward_from_pre_activations(
        &self,
        x: &Batch<T, I>,
        y: &Batch<T, O>,
        cache: &Self::Cache,
        dz: &mut Batch<T, O>,
        grad: &mut Self,
        dx: Option<&mut Batch<T, I>>,
    );
}

/// Whether the loss is computed from the output layer's logits: the one place that decides it.
///
/// It is for the pairs Keras's TensorFlow backend fuses, and only those: a [`Softmax`] output
/// with [`CategoricalCrossentropy`] or [`SparseCategoricalCrossentropy`], a [`Sigmoid`] output
/// with [`BinaryCrossentropy`], each without `from_logits` (which says the network's outputs
/// are logits already). The gradient is then taken with respect to the logits and the output
/// activation is skipped in the backward pass. Any other activation or loss, your own
/// included, is trained without fusion, which is the same function computed less stably.
#[cfg(feature = "std")]
pub(crate) fn fused<
    T: Float,
    N: Network<T>,
    L: Loss<T, Const<OUT>, Const<K>>,
    const OUT: usize,
    const K: usize,
>(
    loss: &L,
) -> bool {
    fuses::<N::LastActivation>(loss)
}

/// [`fused`]'s table: whether a last layer with output activation `A` fuses with `loss`.
#[cfg(feature = "std")]
fn fuses<A: Activation>(loss: &dyn Any) -> bool {
    let activation = TypeId::of::<A>();
    let takes_probabilities = if activation == TypeId::of::<Softmax>() {
        loss.downcast_ref::<CategoricalCrossentropy>()
            .map(|loss| loss.from_logits)
            .or_else(|| {
                loss.downcast_ref::<SparseCategoricalCrossentropy>()
                    .map(|loss| loss.from_logits)
            })
            .map(|from_logits| !from_logits)
    } else if activation == TypeId::of::<Sigmoid>() {
        loss.downcast_ref::<BinaryCrossentropy>()
            .map(|loss| !loss.from_logits)
    } else {
        None
    };
    takes_probabilities == Some(true)
}

/// A network's last layer `L` as the loss sees it: `ACTIVATED` when `L` has an output activation
/// ([`OutputActivation`]), which `network!` knows from the layer's rule. The generated code
/// names it for the last layer only.
#[cfg(feature = "std")]
#[doc(hidden)]
pub struct Last<L, const ACTIVATED: bool>(PhantomData<L>);

/// What a network's last layer (a [`Last`]) tells the loss, and its backward pass from the
/// loss's gradient.
#[cfg(feature = "std")]
#[doc(hidden)]
pub trait OutputLayer<T: Float, const I: usize, const O: usize> {
    /// The layer.
    type Layer: Train<T, I, O>;

    /// The layer's output activation ([`Linear`] when it has none).
    type Activation: Activation;

    /// What the loss reads: the pre-activations when `fused`, else the outputs `y`.
    fn prediction<'a>(
        cache: &'a <Self::Layer as Train<T, I, O>>::Cache,
        y: &'a Batch<T, O>,
        fused: bool,
    ) -> &'a Batch<T, O>;

    /// The layer's backward pass from `dy`, which holds ∂loss/∂logits when `fused`.
    #[allow(clippy::too_many_arguments)]
    fn backward(
        layer: &Self::Layer,
        x: &Batch<T, I>,
        y: &Batch<T, O>,
        cache: &<Self::Layer as Train<T, I, O>>::Cache,
        dy: &mut Batch<T, O>,
        fused: bool,
        grad: &mut Self::Layer,
        dx: Option<&mut Batch<T, I>>,
    );
}

/// A last layer without an output activation: never fused, its outputs are the prediction.
#[cfg(feature = "std")]
impl<T: Float, L: Train<T, I, O>, const I: usize, const O: usize> OutputLayer<T, I, O>
    for Last<L, false>
{
    type Layer = L;

    type Activation = Linear;

    fn prediction<'a>(_: &'a L::Cache, y: &'a Batch<T, O>, _: bool) -> &'a Batch<T, O> {
        y
    }

    fn backward(
        layer: &L,
        x: &Batch<T, I>,
        y: &Batch<T, O>,
        cache: &L::Cache,
        dy: &mut Batch<T, O>,
        _: bool,
        grad: &mut L,
        dx: Option<&mut Batch<T, I>>,
    ) {
        Train::<T, I, O>::backward(layer, x, y, cache, dy, grad, dx);
    }
}

/// A last layer with an output activation: fused when the loss says so.
#[cfg(feature = "std")]
impl<T: Float, L: OutputActivation<T, I, O>, const I: usize, const O: usize> OutputLayer<T, I, O>
    for Last<L, true>
{
    type Layer = L;

    type Activation = L::Activation;

    fn prediction<'a>(cache: &'a L::Cache, y: &'a Batch<T, O>, fused: bool) -> &'a Batch<T, O> {
        if fused { L::pre_activations(cache) } else { y }
    }

    fn backward(
        layer: &L,
        x: &Batch<T, I>,
        y: &Batch<T, O>,
        cache: &L::Cache,
        dy: &mut Batch<T, O>,
        fused: bool,
        grad: &mut L,
        dx: Option<&mut Batch<T, I>>,
    ) {
        if fused {
            layer.backward_from_pre_activations(x, y, cache, dy, grad, dx);
        } else {
            Train::<T, I, O>::backward(layer, x, y, cache, dy, grad, dx);
        }
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::{Huber, MeanSquaredError, Relu};

    #[test]
    fn only_keras_s_pairs_fuse_and_only_without_from_logits() {
        let cce = CategoricalCrossentropy::default();
        let sparse = SparseCategoricalCrossentropy::default();
        let bce = BinaryCrossentropy::default();
        assert!(fuses::<Softmax>(&cce));
        assert!(fuses::<Softmax>(&sparse));
        assert!(fuses::<Sigmoid>(&bce));
        // Logits already: the loss applies the activation itself.
        let logits = CategoricalCrossentropy {
            from_logits: true,
            ..cce
        };
        assert!(!fuses::<Softmax>(&logits));
        assert!(!fuses::<Softmax>(&SparseCategoricalCrossentropy {
            from_logits: true
        }));
        assert!(!fuses::<Sigmoid>(&BinaryCrossentropy {
            from_logits: true,
            ..bce
        }));
        // The wrong pairs, other activations and other losses.
        assert!(!fuses::<Softmax>(&bce));
        assert!(!fuses::<Sigmoid>(&cce));
        assert!(!fuses::<Sigmoid>(&sparse));
        assert!(!fuses::<Relu>(&cce));
        assert!(!fuses::<Linear>(&bce));
        assert!(!fuses::<Softmax>(&MeanSquaredError));
        assert!(!fuses::<Sigmoid>(&Huber::default()));
    }
}
