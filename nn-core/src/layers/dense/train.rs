//! Training `Dense`: its initializer, and `Train` through its weight part (std only).

use rand::Rng;

use super::*;
use crate::init::Initializer;
use crate::layer::Train;

impl<T: Float, const I: usize, const O: usize, A, S: Storage, const BIAS: bool>
    Dense<T, I, O, A, S, BIAS>
{
    /// A layer initialized as Keras does: the kernel first, then the bias, each from its
    /// initializer (Keras's defaults are [`GlorotUniform`](crate::GlorotUniform) and
    /// [`Zeros`](crate::Zeros)).
    pub fn init<R: Rng + ?Sized>(
        activation: A,
        kernel_initializer: &impl Initializer,
        bias_initializer: &impl Initializer,
        rng: &mut R,
    ) -> Self {
        let mut layer = Self::zeros(activation);
        layer.weights.initialize(
            &Shape::<I, O>::MATRIX,
            kernel_initializer,
            bias_initializer,
            rng,
        );
        layer
    }
}

impl<T: Float, const I: usize, const O: usize, A: Activation, S: Storage, const BIAS: bool>
    Train<T, I, O> for Dense<T, I, O, A, S, BIAS>
{
    delegate!(Train, Affine<T, O, I, A, S, BIAS, FullyConnected>, I, O);
}

impl<T: Float, const I: usize, const O: usize, A: Activation, S: Storage, const BIAS: bool>
    crate::fusion::OutputActivation<T, I, O> for Dense<T, I, O, A, S, BIAS>
{
    delegate!(OutputActivation, Affine<T, O, I, A, S, BIAS, FullyConnected>, I, O);
}
