//! A standalone activation layer (Keras's `Activation`, `LeakyReLU`, `ELU`, `ReLU` layers).

use nalgebra::SVector;
#[cfg(feature = "std")]
use nalgebra::{Const, Dyn};
#[cfg(feature = "std")]
use rand::Rng;

use crate::Float;
use crate::activations::Activation;
#[cfg(feature = "std")]
use crate::fusion::OutputActivation;
#[cfg(feature = "std")]
use crate::layer::{Batch, Train, resize_batch};
use crate::layer::{Layer, Params, Stream, no_params, stream_as_forward};

/// An activation applied on its own: `y = activation(x)` over each position's `C` channels (a
/// softmax normalizes over the channels, Keras's last axis). `N = positions · C`; no parameters.
/// With `OWN_CLASS`, it reports the activation's own Keras layer class (`LeakyReLU`, `ELU`) rather
/// than `Activation`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ActivationLayer<A, const C: usize, const OWN_CLASS: bool = false> {
    /// The activation.
    pub activation: A,
}

impl<A: Activation, const C: usize, const OWN_CLASS: bool> ActivationLayer<A, C, OWN_CLASS> {
    /// A layer applying `activation`.
    pub const fn new(activation: A) -> Self {
        Self { activation }
    }

    fn apply<T: Float>(&self, y: &mut [T]) {
        self.activation.forward_groups(y, C);
    }
}

/// What an [`ActivationLayer`]'s training pass keeps: its inputs.
#[cfg(feature = "std")]
#[derive(Clone, Debug)]
pub struct ActivationCache<T: Float, const N: usize> {
    /// The inputs of the batch.
    pub z: Batch<T, N>,
}

#[cfg(feature = "std")]
impl<T: Float, const N: usize> Default for ActivationCache<T, N> {
    fn default() -> Self {
        Self {
            z: Batch::zeros_generic(Const::<N>, Dyn(0)),
        }
    }
}

impl<T: Float, A: Activation, const C: usize, const OWN_CLASS: bool> Params<T>
    for ActivationLayer<A, C, OWN_CLASS>
{
    no_params!(if OWN_CLASS {
        A::LAYER_CLASS
    } else {
        nn_keras::class::ACTIVATION
    });
}

/// One step (or one vector) of the `C` values the activation acts on together (a softmax's).
impl<T: Float, A: Activation, const C: usize, const OWN_CLASS: bool> Stream<T, C, C>
    for ActivationLayer<A, C, OWN_CLASS>
{
    stream_as_forward!(C, C);
}

impl<T: Float, A: Activation, const N: usize, const C: usize, const OWN_CLASS: bool> Layer<T, N, N>
    for ActivationLayer<A, C, OWN_CLASS>
{
    fn forward(&self, x: &SVector<T, N>) -> SVector<T, N> {
        let mut y = *x;
        self.apply(y.as_mut_slice());
        y
    }

    #[cfg(feature = "std")]
    fn forward_batch(&self, x: &Batch<T, N>, y: &mut Batch<T, N>) {
        resize_batch(y, x.ncols());
        y.copy_from(x);
        self.apply(y.as_mut_slice());
    }
}

#[cfg(feature = "std")]
impl<A: Activation, const C: usize, const OWN_CLASS: bool> ActivationLayer<A, C, OWN_CLASS> {
    /// The backward pass: `dy` through the activation when `through_activation` (it holds
    /// ∂loss/∂pre-activations already otherwise), then into `dx`.
    fn pass_back<T: Float, const N: usize>(
        &self,
        y: &Batch<T, N>,
        cache: &ActivationCache<T, N>,
        dy: &mut Batch<T, N>,
        dx: Option<&mut Batch<T, N>>,
        through_activation: bool,
    ) {
        if through_activation {
            self.activation
                .backward_groups(cache.z.as_slice(), y.as_slice(), dy.as_mut_slice(), C);
        }
        if let Some(dx) = dx {
            resize_batch(dx, dy.ncols());
            dx.copy_from(dy);
        }
    }
}

#[cfg(feature = "std")]
impl<T: Float, A: Activation, const N: usize, const C: usize, const OWN_CLASS: bool> Train<T, N, N>
    for ActivationLayer<A, C, OWN_CLASS>
{
    type Cache = ActivationCache<T, N>;

    fn forward_train<R: Rng + ?Sized>(
        &self,
        x: &Batch<T, N>,
        y: &mut Batch<T, N>,
        cache: &mut Self::Cache,
        _: bool,
        _: &mut R,
    ) {
        resize_batch(&mut cache.z, x.ncols());
        cache.z.copy_from(x);
        Layer::<T, N, N>::forward_batch(self, x, y);
    }

    fn backward(
        &self,
        _x: &Batch<T, N>,
        y: &Batch<T, N>,
        cache: &Self::Cache,
        dy: &mut Batch<T, N>,
        _grad: &mut Self,
        dx: Option<&mut Batch<T, N>>,
    ) {
        self.pass_back(y, cache, dy, dx, true);
    }
}

#[cfg(feature = "std")]
impl<T: Float, A: Activation, const N: usize, const C: usize, const OWN_CLASS: bool>
    OutputActivation<T, N, N> for ActivationLayer<A, C, OWN_CLASS>
{
    type Activation = A;

    fn pre_activations(cache: &Self::Cache) -> &Batch<T, N> {
        &cache.z
    }

    fn backward_from_pre_activations(
        &self,
        _x: &Batch<T, N>,
        y: &Batch<T, N>,
        cache: &Self::Cache,
        dz: &mut Batch<T, N>,
        _grad: &mut Self,
        dx: Option<&mut Batch<T, N>>,
    ) {
        self.pass_back(y, cache, dz, dx, false);
    }
}
