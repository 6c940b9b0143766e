//! Activation functions, with Keras's formulas and defaults.
//!
//! An activation is any type implementing [`Activation`]: it maps one sample's pre-activations to
//! outputs in place, and turns the gradient with respect to its outputs into the gradient with
//! respect to its inputs. Most activations act on each value separately; those implement the
//! simpler [`Elementwise`] trait and get [`Activation`] for free. Your own types can do the same and
//! are then named in `network!` exactly like the built-in ones:
//!
//! ```
//! use nn_core::{Elementwise, Float};
//!
//! /// `x²`, an activation of our own.
//! #[derive(Clone, Copy, Debug, Default)]
//! pub struct Square;
//!
//! impl Elementwise for Square {
//!     const NAME: &'static str = "square";
//!     fn apply<T: Float>(&self, x: T) -> T {
//!         x * x
//!     }
//!     fn derivative<T: Float>(&self, x: T, _y: T) -> T {
//!         x + x
//!     }
//! }
//! ```

mod relu;
mod sigmoid;
mod smooth;
mod softmax;

pub use relu::{Elu, LeakyRelu, Linear, Relu, Relu6, Selu};
pub use sigmoid::{HardSigmoid, HardSilu, HardSwish, Sigmoid, Silu, Swish, Tanh};
pub use smooth::{Exponential, Gelu, GeluApprox, Mish, Softplus, Softsign};
pub use softmax::{LogSoftmax, Softmax};

use core::fmt::Debug;

use crate::Float;

/// An activation function applied to one sample at a time.
///
/// `forward` receives the pre-activations `z` of one sample (a contiguous slice of the layer's
/// width) and overwrites them with the outputs `y`. `backward` receives `z`, `y` and the gradient
/// of the loss with respect to `y`, and overwrites that gradient with the one with respect to `z`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an activation",
    label = "not an activation",
    note = "use a built-in activation such as `Relu`, or implement `nn::Elementwise` (or `nn::Activation`) for `{Self}`"
)]
pub trait Activation: Clone + Debug + Send + Sync + 'static {
    /// The Keras name of the activation (`"relu"`, `"softmax"`, ...).
    const NAME: &'static str;

    /// Whether each output depends on its own input only. Elementwise activations may be applied
    /// to a whole batch at once.
    const ELEMENTWISE: bool;

    /// The Keras class of this activation's own layer (`LeakyReLU`, `ELU`), where Keras has one.
    const LAYER_CLASS: &'static str = nn_keras::class::ACTIVATION;

    /// The allowance for the frame of a dense layer that ends in it
    /// ([`Layer::FRAME`](crate::Layer::FRAME), [`crate::frame`]).
    const FRAME: usize = crate::frame::SIMPLE;

    /// Replaces the pre-activations `z` of one sample with the activation's outputs.
    fn forward<T: Float>(&self, z: &mut [T]);

    /// Replaces `grad` (∂loss/∂y) with ∂loss/∂z, given the sample's pre-activations `z` and
    /// outputs `y`. All three slices have the layer's width.
    fn backward<T: Float>(&self, z: &[T], y: &[T], grad: &mut [T]);

    /// [`forward`](Activation::forward) on every group of `width` values (a sample's units, or
    /// one position's channels); an elementwise activation takes the whole slice at once.
    #[inline]
    fn forward_groups<T: Float>(&self, z: &mut [T], width: usize) {
        if Self::ELEMENTWISE {
            self.forward(z);
        } else {
            z.chunks_exact_mut(width)
                .for_each(|group| self.forward(group));
        }
    }

    /// [`backward`](Activation::backward) on every group of `width` values.
    #[inline]
    fn backward_groups<T: Float>(&self, z: &[T], y: &[T], grad: &mut [T], width: usize) {
        if Self::ELEMENTWISE {
            self.backward(z, y, grad);
        } else {
            let groups = z.chunks_exact(width).zip(y.chunks_exact(width));
            for ((z, y), g) in groups.zip(grad.chunks_exact_mut(width)) {
                self.backward(z, y, g);
            }
        }
    }
}

/// An activation that maps every value on its own: `y = f(z)`.
///
/// Implementing this trait implements [`Activation`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an activation",
    label = "not an activation",
    note = "use a built-in activation such as `Relu`, or implement `nn::Elementwise` (or `nn::Activation`) for `{Self}`"
)]
pub trait Elementwise: Clone + Debug + Send + Sync + 'static {
    /// The Keras name of the activation.
    const NAME: &'static str;

    /// The Keras class of this activation's own layer (`LeakyReLU`, `ELU`), where Keras has one.
    const LAYER_CLASS: &'static str = nn_keras::class::ACTIVATION;

    /// The allowance for the frame of a dense layer that ends in it
    /// ([`Activation::FRAME`]).
    const FRAME: usize = crate::frame::SIMPLE;

    /// `f(x)`.
    fn apply<T: Float>(&self, x: T) -> T;

    /// `f'(x)`, given `x` and `y = f(x)` (use whichever is cheaper).
    fn derivative<T: Float>(&self, x: T, y: T) -> T;
}

impl<E: Elementwise> Activation for E {
    const NAME: &'static str = E::NAME;
    const ELEMENTWISE: bool = true;
    const LAYER_CLASS: &'static str = E::LAYER_CLASS;
    const FRAME: usize = E::FRAME;

    #[inline]
    fn forward<T: Float>(&self, z: &mut [T]) {
        for v in z {
            *v = self.apply(*v);
        }
    }

    #[inline]
    fn backward<T: Float>(&self, z: &[T], y: &[T], grad: &mut [T]) {
        for ((g, &x), &y) in grad.iter_mut().zip(z).zip(y) {
            *g *= self.derivative(x, y);
        }
    }
}

/// `T::of`, short for the constants in the formulas.
#[inline(always)]
fn c<T: Float>(value: f64) -> T {
    T::of(value)
}

/// The logistic sigmoid `1 / (1 + e^−x)`, computed without overflow for any `x`.
#[inline]
fn logistic<T: Float>(x: T) -> T {
    if x >= T::zero() {
        T::one() / (T::one() + (-x).exp())
    } else {
        let e = x.exp();
        e / (T::one() + e)
    }
}

/// `log(1 + e^x)`, computed without overflow for any `x` (Keras's `logaddexp(x, 0)`).
#[inline]
fn softplus<T: Float>(x: T) -> T {
    x.max(T::zero()) + (-x.abs()).exp().ln_1p()
}

#[cfg(test)]
mod tests;
