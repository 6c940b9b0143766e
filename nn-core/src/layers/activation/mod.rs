//! A standalone activation layer (Keras's `Activation`, `LeakyReLU`, `ELU`, `ReLU` layers).

use nalgebra::SVector;

use crate::Float;
use crate::activations::Activation;
use crate::layer::{Layer, Params, Stream, no_params, stream_as_forward};

#[cfg(feature = "std")]
pub(super) mod train;

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

    const SCRATCH: usize = 0;

    fn forward_into(&self, x: &SVector<T, N>, y: &mut SVector<T, N>) {
        y.copy_from(x);
        self.apply(y.as_mut_slice());
    }

    #[cfg(feature = "std")]
    fn forward_batch(&self, x: &crate::Batch<T, N>, y: &mut crate::Batch<T, N>) {
        crate::resize_batch(y, x.ncols());
        y.copy_from(x);
        self.apply(y.as_mut_slice());
    }
}
