//! The sigmoid family: sigmoid, hard_sigmoid, silu (swish), hard_silu (hard_swish), tanh.

use super::{Elementwise, c, logistic};
use crate::Float;

/// `sigmoid(x) = 1 / (1 + e^−x)`, computed without overflow for large `|x|`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Sigmoid;

impl Elementwise for Sigmoid {
    const NAME: &'static str = "sigmoid";
    const FRAME: usize = crate::frame::LEAN;
    #[inline]
    fn apply<T: Float>(&self, x: T) -> T {
        logistic(x)
    }
    #[inline]
    fn derivative<T: Float>(&self, _x: T, y: T) -> T {
        y * (T::one() - y)
    }
}

/// `hard_sigmoid(x) = clip(x/6 + 1/2, 0, 1)` (Keras 3's definition).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct HardSigmoid;

impl Elementwise for HardSigmoid {
    const NAME: &'static str = "hard_sigmoid";
    #[inline]
    fn apply<T: Float>(&self, x: T) -> T {
        (x / c(6.0) + c(0.5)).max(T::zero()).min(T::one())
    }
    #[inline]
    fn derivative<T: Float>(&self, x: T, _y: T) -> T {
        if x > c(-3.0) && x < c(3.0) {
            c(1.0 / 6.0)
        } else {
            T::zero()
        }
    }
}

/// `silu(x) = x · sigmoid(x)`, also known as swish.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Silu;

/// Keras's other name for [`Silu`].
pub use Silu as Swish;

impl Elementwise for Silu {
    const NAME: &'static str = "silu";
    const FRAME: usize = crate::frame::LEAN;
    #[inline]
    fn apply<T: Float>(&self, x: T) -> T {
        x * logistic(x)
    }
    #[inline]
    fn derivative<T: Float>(&self, x: T, _y: T) -> T {
        let s = logistic(x);
        s + x * s * (T::one() - s)
    }
}

/// `hard_silu(x) = x · hard_sigmoid(x)`, also known as hard_swish.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct HardSilu;

/// Keras's other name for [`HardSilu`].
pub use HardSilu as HardSwish;

impl Elementwise for HardSilu {
    const NAME: &'static str = "hard_silu";
    #[inline]
    fn apply<T: Float>(&self, x: T) -> T {
        x * HardSigmoid.apply(x)
    }
    #[inline]
    fn derivative<T: Float>(&self, x: T, _y: T) -> T {
        if x <= c(-3.0) {
            T::zero()
        } else if x >= c(3.0) {
            T::one()
        } else {
            x / c(3.0) + c(0.5)
        }
    }
}

/// `tanh(x)`, the hyperbolic tangent.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Tanh;

impl Elementwise for Tanh {
    const NAME: &'static str = "tanh";
    const FRAME: usize = crate::frame::LEAN;
    #[inline]
    fn apply<T: Float>(&self, x: T) -> T {
        x.tanh()
    }
    #[inline]
    fn derivative<T: Float>(&self, _x: T, y: T) -> T {
        T::one() - y * y
    }
}
