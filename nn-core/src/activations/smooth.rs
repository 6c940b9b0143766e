//! Smooth activations: gelu (exact and approximate), softplus, softsign, mish, exponential.

use super::{Elementwise, c, logistic, softplus};
use crate::Float;

const FRAC_1_SQRT_2: f64 = core::f64::consts::FRAC_1_SQRT_2;
/// `1 / √(2π)`, the peak of the standard normal density.
const FRAC_1_SQRT_2PI: f64 = 0.398_942_280_401_432_7;
/// `√(2/π)`, the scale inside the tanh approximation of gelu.
const SQRT_2_OVER_PI: f64 = 0.797_884_560_802_865_4;

/// `gelu(x) = x · (1 + erf(x/√2)) / 2`: the exact Gaussian error linear unit (Keras's default,
/// `approximate=False`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Gelu;

impl Elementwise for Gelu {
    const NAME: &'static str = "gelu";
    #[inline]
    fn apply<T: Float>(&self, x: T) -> T {
        x * (T::one() + (x * c(FRAC_1_SQRT_2)).erf()) * c(0.5)
    }
    #[inline]
    fn derivative<T: Float>(&self, x: T, _y: T) -> T {
        let cdf = (T::one() + (x * c(FRAC_1_SQRT_2)).erf()) * c(0.5);
        let pdf = (-x * x * c(0.5)).exp() * c(FRAC_1_SQRT_2PI);
        cdf + x * pdf
    }
}

/// `gelu(x) ≈ x/2 · (1 + tanh(√(2/π) · (x + 0.044715 x³)))`: Keras's `gelu(approximate=True)`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GeluApprox;

impl Elementwise for GeluApprox {
    const NAME: &'static str = "gelu";
    #[inline]
    fn apply<T: Float>(&self, x: T) -> T {
        let u = c::<T>(SQRT_2_OVER_PI) * (x + c::<T>(0.044715) * x * x * x);
        x * c(0.5) * (T::one() + u.tanh())
    }
    #[inline]
    fn derivative<T: Float>(&self, x: T, _y: T) -> T {
        let u = c::<T>(SQRT_2_OVER_PI) * (x + c::<T>(0.044715) * x * x * x);
        let t = u.tanh();
        let du = c::<T>(SQRT_2_OVER_PI) * (T::one() + c::<T>(3.0 * 0.044715) * x * x);
        c::<T>(0.5) * (T::one() + t) + c::<T>(0.5) * x * (T::one() - t * t) * du
    }
}

/// `softplus(x) = log(1 + e^x)`, computed without overflow for large `|x|`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Softplus;

impl Elementwise for Softplus {
    const NAME: &'static str = "softplus";
    const FRAME: usize = crate::frame::LEAN;
    #[inline]
    fn apply<T: Float>(&self, x: T) -> T {
        softplus(x)
    }
    #[inline]
    fn derivative<T: Float>(&self, x: T, _y: T) -> T {
        logistic(x)
    }
}

/// `softsign(x) = x / (1 + |x|)`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Softsign;

impl Elementwise for Softsign {
    const NAME: &'static str = "softsign";
    const FRAME: usize = crate::frame::LEAN;
    #[inline]
    fn apply<T: Float>(&self, x: T) -> T {
        x / (T::one() + x.abs())
    }
    #[inline]
    fn derivative<T: Float>(&self, x: T, _y: T) -> T {
        let d = T::one() + x.abs();
        T::one() / (d * d)
    }
}

/// `mish(x) = x · tanh(softplus(x))`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Mish;

impl Elementwise for Mish {
    const NAME: &'static str = "mish";
    #[inline]
    fn apply<T: Float>(&self, x: T) -> T {
        x * softplus(x).tanh()
    }
    #[inline]
    fn derivative<T: Float>(&self, x: T, _y: T) -> T {
        let t = softplus(x).tanh();
        t + x * (T::one() - t * t) * logistic(x)
    }
}

/// `exponential(x) = e^x`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Exponential;

impl Elementwise for Exponential {
    const NAME: &'static str = "exponential";
    const FRAME: usize = crate::frame::LEAN;
    #[inline]
    fn apply<T: Float>(&self, x: T) -> T {
        x.exp()
    }
    #[inline]
    fn derivative<T: Float>(&self, _x: T, y: T) -> T {
        y
    }
}
