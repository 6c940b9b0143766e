//! Logit fusion, decided in one place: where the loss meets the network's last layer.
//!
//! A softmax (sigmoid) output trained with categorical (binary) cross-entropy is *fused*, as
//! Keras's TensorFlow backend does: the loss is computed from the output layer's
//! pre-activations (its logits), its gradient with respect to them is `p − y`, and the output
//! activation's own backward step is skipped. Only the network's last layer meets the loss, so
//! only it can be fused, and only when it has an output activation. Three sides meet here:
//!
//! - the activation's, [`Activation::FUSION`]: which cross-entropy it fuses with;
//! - the loss's, [`Loss::fusion`](crate::Loss::fusion): which output activation it fuses with;
//! - the last layer's, [`OutputActivation`]: its pre-activations, and its backward pass from
//!   them. A layer without an output activation has nothing to do with fusion: it is trained
//!   through [`Train`] alone, wherever it stands.
//!
//! `fused` (crate-private) is the decision, and the hidden [`Last`] is what the code
//! `network!` generates asks about the last layer: the prediction the loss reads and the last
//! layer's backward pass.

#[cfg(feature = "std")]
use core::marker::PhantomData;

#[cfg(feature = "std")]
use nalgebra::Const;

#[cfg(feature = "std")]
use crate::{Activation, Batch, Float, Loss, Network, Train};

/// An output activation whose composition with a cross-entropy loss has a simple, numerically
/// stable gradient with respect to the pre-activations: `p − y`. Training uses it instead of
/// differentiating the two separately, and computes the loss from the pre-activations (logits),
/// as Keras does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fusion {
    /// No fused form.
    None,
    /// Softmax, fused with categorical cross-entropy.
    Softmax,
    /// Sigmoid, fused with binary cross-entropy.
    Sigmoid,
}

/// A layer whose outputs are an activation of pre-activations it keeps (`Dense`, the
/// convolutions, a standalone activation layer): as a network's last layer, its loss can be
/// computed from those pre-activations.
///
/// That is logit fusion, decided in one place, where the loss meets the network's last layer:
/// when the loss's [`fusion`](crate::Loss::fusion) is the [`FUSION`](Activation::FUSION) of this
/// layer's [`Activation`](OutputActivation::Activation) (a softmax with categorical
/// cross-entropy, a sigmoid with binary cross-entropy), training computes the loss from the
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
/// It is when the loss has a fused form with the network's output activation (a softmax or
/// sigmoid with cross-entropy), as Keras's TensorFlow backend does; the gradient is then taken
/// with respect to the logits and the output activation is skipped in the backward pass.
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
    loss.fusion() != Fusion::None && loss.fusion() == N::FUSION
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

    /// The cross-entropy its output activation fuses with.
    const FUSION: Fusion;

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

    const FUSION: Fusion = Fusion::None;

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

    const FUSION: Fusion = <L::Activation as Activation>::FUSION;

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
