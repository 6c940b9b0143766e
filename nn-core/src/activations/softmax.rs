//! Activations over a whole sample: softmax and log_softmax.

use super::Activation;
use crate::Float;

/// The largest element of a slice (a layer's width is never zero).
#[inline]
fn max<T: Float>(z: &[T]) -> T {
    z.iter().copied().fold(z[0], T::max)
}

/// `softmax(x)_i = e^(x_i − max x) / Σ_j e^(x_j − max x)`: probabilities over the sample's units.
///
/// Subtracting the maximum first keeps every exponential in `(0, 1]`, so no input overflows.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Softmax;

impl Activation for Softmax {
    const NAME: &'static str = "softmax";
    const FRAME: usize = crate::frame::LEAN;
    const ELEMENTWISE: bool = false;

    #[inline]
    fn forward<T: Float>(&self, z: &mut [T]) {
        let m = max(z);
        let mut sum = T::zero();
        for v in z.iter_mut() {
            *v = (*v - m).exp();
            sum += *v;
        }
        let inv = T::one() / sum;
        for v in z.iter_mut() {
            *v *= inv;
        }
    }

    /// `∂z_i = y_i (g_i − Σ_j g_j y_j)`.
    #[inline]
    fn backward<T: Float>(&self, _z: &[T], y: &[T], grad: &mut [T]) {
        let dot = grad
            .iter()
            .zip(y)
            .fold(T::zero(), |acc, (&g, &y)| acc + g * y);
        for (g, &y) in grad.iter_mut().zip(y) {
            *g = y * (*g - dot);
        }
    }
}

/// `log_softmax(x)_i = x_i − max x − log Σ_j e^(x_j − max x)`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LogSoftmax;

impl Activation for LogSoftmax {
    const NAME: &'static str = "log_softmax";
    const FRAME: usize = crate::frame::LEAN;
    const ELEMENTWISE: bool = false;

    #[inline]
    fn forward<T: Float>(&self, z: &mut [T]) {
        let m = max(z);
        let sum = z.iter().fold(T::zero(), |acc, &v| acc + (v - m).exp());
        let shift = m + sum.ln();
        for v in z.iter_mut() {
            *v -= shift;
        }
    }

    /// `∂z_i = g_i − e^(y_i) Σ_j g_j`.
    #[inline]
    fn backward<T: Float>(&self, _z: &[T], y: &[T], grad: &mut [T]) {
        let sum = grad.iter().fold(T::zero(), |acc, &g| acc + g);
        for (g, &y) in grad.iter_mut().zip(y) {
            *g -= y.exp() * sum;
        }
    }
}
