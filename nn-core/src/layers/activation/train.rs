//! Training an activation layer: what its training pass keeps and its backward passes (std only).

use nalgebra::{Const, Dyn};
use rand::Rng;

use super::*;
use crate::fusion::OutputActivation;
use crate::layer::{Batch, Train, resize_batch};

/// What an [`ActivationLayer`]'s training pass keeps: its inputs.
#[derive(Clone, Debug)]
pub struct ActivationCache<T: Float, const N: usize> {
    /// The inputs of the batch.
    pub z: Batch<T, N>,
}

impl<T: Float, const N: usize> Default for ActivationCache<T, N> {
    fn default() -> Self {
        Self {
            z: Batch::zeros_generic(Const::<N>, Dyn(0)),
        }
    }
}

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
