//! The rectifier family: linear, relu, relu6, leaky_relu, elu, selu.

use super::{Elementwise, c};
use crate::Float;

/// `linear(x) = x`: no activation (Keras's default for `Dense`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Linear;

impl Elementwise for Linear {
    const NAME: &'static str = "linear";
    const FRAME: usize = crate::frame::LEAN;
    #[inline]
    fn apply<T: Float>(&self, x: T) -> T {
        x
    }
    #[inline]
    fn derivative<T: Float>(&self, _x: T, _y: T) -> T {
        T::one()
    }
}

/// `relu(x) = max(x, 0)`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Relu;

impl Elementwise for Relu {
    const NAME: &'static str = "relu";
    const FRAME: usize = crate::frame::LEAN;
    #[inline]
    fn apply<T: Float>(&self, x: T) -> T {
        // `max` rather than a branch: the branch compiles to a masked store, which is slow.
        x.max(T::zero())
    }
    #[inline]
    fn derivative<T: Float>(&self, x: T, _y: T) -> T {
        if x > T::zero() { T::one() } else { T::zero() }
    }
}

/// `relu6(x) = min(max(x, 0), 6)`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Relu6;

impl Elementwise for Relu6 {
    const NAME: &'static str = "relu6";
    const FRAME: usize = crate::frame::LEAN;
    #[inline]
    fn apply<T: Float>(&self, x: T) -> T {
        x.max(T::zero()).min(c(6.0))
    }
    #[inline]
    fn derivative<T: Float>(&self, x: T, _y: T) -> T {
        if x > T::zero() && x < c(6.0) {
            T::one()
        } else {
            T::zero()
        }
    }
}

/// `leaky_relu(x) = x if x > 0 else negative_slope · x`, with Keras's default slope 0.2.
///
/// (Keras's `LeakyReLU` *layer* defaults to 0.3; write `LeakyRelu(0.3)` for that.)
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LeakyRelu {
    /// The slope for negative inputs.
    pub negative_slope: f64,
}

impl LeakyRelu {
    /// A leaky relu with the given slope for negative inputs.
    pub const fn new(negative_slope: f64) -> Self {
        Self { negative_slope }
    }
}

impl LeakyRelu {
    /// Keras's default slope, 0.2.
    pub const DEFAULT: Self = Self::new(0.2);
}

impl Default for LeakyRelu {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl Elementwise for LeakyRelu {
    const NAME: &'static str = "leaky_relu";
    const FRAME: usize = crate::frame::LEAN;
    const LAYER_CLASS: &'static str = nn_keras::class::LEAKY_RELU;
    #[inline]
    fn apply<T: Float>(&self, x: T) -> T {
        if x > T::zero() {
            x
        } else {
            x * c(self.negative_slope)
        }
    }
    #[inline]
    fn derivative<T: Float>(&self, x: T, _y: T) -> T {
        if x > T::zero() {
            T::one()
        } else {
            c(self.negative_slope)
        }
    }
}

/// `elu(x) = x if x > 0 else alpha · (e^x − 1)`, with `alpha = 1` by default.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Elu {
    /// The scale of the negative part.
    pub alpha: f64,
}

impl Elu {
    /// An elu with the given `alpha`.
    pub const fn new(alpha: f64) -> Self {
        Self { alpha }
    }
}

impl Elu {
    /// Keras's default α, 1.
    pub const DEFAULT: Self = Self::new(1.0);
}

impl Default for Elu {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl Elementwise for Elu {
    const NAME: &'static str = "elu";
    const FRAME: usize = crate::frame::LEAN;
    const LAYER_CLASS: &'static str = nn_keras::class::ELU;
    #[inline]
    fn apply<T: Float>(&self, x: T) -> T {
        if x > T::zero() {
            x
        } else {
            c::<T>(self.alpha) * x.exp_m1()
        }
    }
    #[inline]
    fn derivative<T: Float>(&self, x: T, _y: T) -> T {
        if x > T::zero() {
            T::one()
        } else {
            c::<T>(self.alpha) * x.exp()
        }
    }
}

/// Keras's `selu` constants.
const SELU_ALPHA: f64 = 1.673_263_242_354_377_284_817_042_991_671_7;
const SELU_SCALE: f64 = 1.050_700_987_355_480_493_419_334_985_294_6;

/// `selu(x) = scale · elu(x, alpha)` with Keras's `alpha ≈ 1.6733` and `scale ≈ 1.0507`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Selu;

impl Elementwise for Selu {
    const NAME: &'static str = "selu";
    const FRAME: usize = crate::frame::LEAN;
    #[inline]
    fn apply<T: Float>(&self, x: T) -> T {
        if x > T::zero() {
            c::<T>(SELU_SCALE) * x
        } else {
            c::<T>(SELU_SCALE * SELU_ALPHA) * x.exp_m1()
        }
    }
    #[inline]
    fn derivative<T: Float>(&self, x: T, _y: T) -> T {
        if x > T::zero() {
            c(SELU_SCALE)
        } else {
            c::<T>(SELU_SCALE * SELU_ALPHA) * x.exp()
        }
    }
}
