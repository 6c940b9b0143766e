//! The scalar types a network computes in.

use core::fmt::{Debug, Display};

use nalgebra::RealField;

/// A floating-point scalar a network can be built on: `f32` (the default) or `f64`.
///
/// Everything numeric in `nn` is generic over this trait. It adds to nalgebra's [`RealField`] the
/// few conversions and special functions the layers need. It is sealed: `f32` and `f64` are the
/// types the kernels, the files and Keras know.
///
/// ```
/// use nn_core::Float;
/// assert_eq!(<f32 as Float>::of(0.5), 0.5_f32);
/// assert!((Float::erf(1.0_f64) - 0.842_700_792_949_714_9).abs() < 1e-15);
/// ```
///
/// No other type can be one (the kernels, the files and Keras know these two):
///
/// ```compile_fail,E0277
/// #[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
/// struct Half(f32);
/// impl nn_core::Float for Half {}
/// ```
pub trait Float:
    sealed::Sealed + RealField + Copy + Default + Debug + Display + Send + Sync + 'static
{
    /// The name Keras and safetensors use for this type (`"float32"` / `"float64"`).
    const DTYPE: &'static str;

    /// Converts from `f64`, rounding to the nearest representable value.
    fn of(value: f64) -> Self;

    /// Converts to `f64` exactly.
    fn as_f64(self) -> f64;

    /// The error function, `erf(x) = 2/√π ∫₀ˣ e^(−t²) dt`.
    fn erf(self) -> Self;

    /// The logistic sigmoid `1 / (1 + e^{−x})` of the recurrent cells. In `f32` it is written to
    /// vectorize, with the same bits on every instruction set (an `exp` of our own, within about
    /// one unit in the last place of libm's); otherwise it goes through libm's `exp`.
    #[doc(hidden)]
    #[inline(always)]
    fn cell_sigmoid(self) -> Self {
        Self::one() / (Self::one() + (-self).exp())
    }

    /// `tanh` for the recurrent cells, as [`cell_sigmoid`](Float::cell_sigmoid): in `f32`
    /// vectorizable, otherwise through one libm `exp` (see `recurrent::tanh`).
    #[doc(hidden)]
    #[inline(always)]
    fn cell_tanh(self) -> Self {
        tanh_through_exp(self)
    }
}

/// `tanh` through one exponential, for any [`Float`] (the `f64` cells' `tanh`):
/// libm's `tanh` goes through `expm1`, which took a third of an LSTM's training step (under
/// `perf`, AMD EPYC Zen 3), several times the cost of `exp`. Below 0.1 in size, where
/// `1 − e^{−2|x|}` would cancel, its series to `x⁹` (relative error under 1e-12 there); above,
/// `(1 − e^{−2|x|}) / (1 + e^{−2|x|})` with the sign of `x`.
#[inline]
fn tanh_through_exp<T: Float>(x: T) -> T {
    let a = x.abs();
    if a < T::of(0.1) {
        let x2 = x * x;
        let series = T::one()
            - x2 * (T::of(1.0 / 3.0)
                - x2 * (T::of(2.0 / 15.0)
                    - x2 * (T::of(17.0 / 315.0) - x2 * T::of(62.0 / 2835.0))));
        return x * series;
    }
    let e = (-(a + a)).exp();
    let t = (T::one() - e) / (T::one() + e);
    if x < T::zero() { -t } else { t }
}

/// Keeps [`Float`] to the types implemented here: `Sealed` is public in a private module, so no
/// other crate can name it.
mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// The sign of `x` as Keras's `ops.sign` gives it: 1, −1, or 0 at zero (and for NaN), unlike
/// `signum`, which gives ±1 at ±0.
#[cfg(feature = "std")]
pub(crate) fn sign<T: Float>(x: T) -> T {
    if x > T::zero() {
        T::one()
    } else if x < T::zero() {
        -T::one()
    } else {
        T::zero()
    }
}

impl Float for f32 {
    const DTYPE: &'static str = "float32";

    #[inline]
    fn of(value: f64) -> Self {
        value as f32
    }

    #[inline]
    fn as_f64(self) -> f64 {
        f64::from(self)
    }

    #[inline]
    fn erf(self) -> Self {
        libm::erff(self)
    }

    #[inline(always)]
    fn cell_sigmoid(self) -> Self {
        crate::elementary::sigmoid(self)
    }

    #[inline(always)]
    fn cell_tanh(self) -> Self {
        crate::elementary::tanh(self)
    }
}

impl Float for f64 {
    const DTYPE: &'static str = "float64";

    #[inline]
    fn of(value: f64) -> Self {
        value
    }

    #[inline]
    fn as_f64(self) -> f64 {
        self
    }

    #[inline]
    fn erf(self) -> Self {
        libm::erf(self)
    }
}
