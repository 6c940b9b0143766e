//! The scalar types a network computes in.

use core::fmt::{Debug, Display};

use nalgebra::RealField;

/// A floating-point scalar a network can be built on: `f32` (the default) or `f64`.
///
/// Everything numeric in `nn` is generic over this trait. It adds to nalgebra's [`RealField`] the
/// few conversions and special functions the layers need.
///
/// ```
/// use nn_core::Float;
/// assert_eq!(<f32 as Float>::of(0.5), 0.5_f32);
/// assert!((Float::erf(1.0_f64) - 0.842_700_792_949_714_9).abs() < 1e-15);
/// ```
pub trait Float: RealField + Copy + Default + Debug + Display + Send + Sync + 'static {
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
        crate::elementary::tanh_through_exp(self)
    }

    /// GEMM in this precision with the kernels of `isa` (our AVX2 kernel where it applies, else
    /// matrixmultiply's): `c = alpha · a · b + beta · c` for an `m × k` matrix `a` and a `k × n`
    /// matrix `b`, each given as (pointer, row stride, column stride).
    ///
    /// # Safety
    /// Every element reached from the pointers through the dimensions and strides must be valid
    /// (and, for `c`, writable and not aliased by `a` or `b`), and the processor must support
    /// `isa`.
    #[doc(hidden)]
    #[cfg(feature = "std")]
    #[allow(clippy::too_many_arguments)]
    #[allow(unsafe_code, reason = "the kernels take raw pointers and strides")]
    unsafe fn gemm_raw(
        isa: crate::simd::Isa,
        m: usize,
        k: usize,
        n: usize,
        alpha: Self,
        a: (*const Self, isize, isize),
        b: (*const Self, isize, isize),
        beta: Self,
        c: (*mut Self, isize, isize),
    );
}

/// The sign of `x` as Keras's `ops.sign` gives it: 1, −1, or 0 at zero (and for NaN), unlike
/// `signum`, which gives ±1 at ±0.
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

    #[inline]
    #[cfg(feature = "std")]
    #[allow(unsafe_code, reason = "the kernels take raw pointers and strides")]
    unsafe fn gemm_raw(
        isa: crate::simd::Isa,
        m: usize,
        k: usize,
        n: usize,
        alpha: Self,
        a: (*const Self, isize, isize),
        b: (*const Self, isize, isize),
        beta: Self,
        c: (*mut Self, isize, isize),
    ) {
        // Our kernel takes a left operand with non-negative strides and a column-major,
        // contiguous c, as every product of the layers has. On AVX-512, matrixmultiply's
        // kernel, twice as wide, is the faster.
        #[cfg(target_arch = "x86_64")]
        if isa == crate::simd::Isa::Avx2 && a.1 >= 0 && a.2 >= 0 && c.1 == 1 && c.2 == m as isize {
            let a = (a.0, a.1 as usize, a.2 as usize);
            // SAFETY: forwarded from the caller's contract, which includes AVX2 and FMA.
            unsafe { crate::linalg::avx2::sgemm(m, k, n, alpha, a, b, beta, c.0) };
            return;
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = isa;
        // SAFETY: forwarded from the caller's contract.
        unsafe {
            matrixmultiply::sgemm(
                m, k, n, alpha, a.0, a.1, a.2, b.0, b.1, b.2, beta, c.0, c.1, c.2,
            )
        }
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

    #[inline]
    #[cfg(feature = "std")]
    #[allow(unsafe_code, reason = "the kernels take raw pointers and strides")]
    unsafe fn gemm_raw(
        _isa: crate::simd::Isa,
        m: usize,
        k: usize,
        n: usize,
        alpha: Self,
        a: (*const Self, isize, isize),
        b: (*const Self, isize, isize),
        beta: Self,
        c: (*mut Self, isize, isize),
    ) {
        // SAFETY: forwarded from the caller's contract.
        unsafe {
            matrixmultiply::dgemm(
                m, k, n, alpha, a.0, a.1, a.2, b.0, b.1, b.2, beta, c.0, c.1, c.2,
            )
        }
    }
}
