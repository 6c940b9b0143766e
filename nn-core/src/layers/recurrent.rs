//! The batch products every recurrent layer runs, whatever its cell: a batch of `n` samples of
//! `STEPS` steps is `F × (STEPS · n)`, column `s · STEPS + t` being sample `s`'s step `t`, so the
//! products with the input run once over every step of every sample, and only the recurrent
//! product runs step by step (every sample at once, through strided views).

use crate::Float;
#[cfg(feature = "std")]
use crate::linalg::{Strided, gemm};

/// The shapes of one batch: `g` gate values a step, `u` units, `f` features, `steps` and `n`.
#[cfg(feature = "std")]
#[derive(Clone, Copy, Debug)]
pub(crate) struct Shape {
    pub(crate) g: usize,
    pub(crate) u: usize,
    pub(crate) f: usize,
    pub(crate) steps: usize,
    pub(crate) n: usize,
}

#[cfg(feature = "std")]
impl Shape {
    /// Columns of every step of every sample.
    pub(crate) fn columns(&self) -> usize {
        self.steps * self.n
    }

    /// `out = W · X + b` for every step of every sample (`kernel` `g × f`, `bias` `g`).
    pub(crate) fn input_products<T: Float>(
        &self,
        kernel: &[T],
        bias: &[T],
        x: &[T],
        out: &mut [T],
    ) {
        for column in out.chunks_exact_mut(self.g) {
            column.copy_from_slice(bias);
        }
        gemm(
            T::one(),
            Strided::col_major(kernel, self.g, self.f),
            Strided::col_major(x, self.f, self.columns()),
            T::one(),
            out,
        );
    }

    /// `out = R · h` (`g × n`) for every sample, `h` being step `t`'s columns of `outputs`
    /// (`u` values each).
    pub(crate) fn recurrent_product<T: Float>(
        &self,
        recurrent: &[T],
        outputs: &[T],
        t: usize,
        out: &mut [T],
    ) {
        gemm(
            T::one(),
            Strided::col_major(recurrent, self.g, self.u),
            Strided {
                data: &outputs[t * self.u..],
                rows: self.u,
                cols: self.n,
                rs: 1,
                cs: self.steps * self.u,
            },
            T::zero(),
            out,
        );
    }

    /// `out = Rᵀ · ∂z` (`u × n`) for every sample, `∂z` being step `t`'s columns of `dz`.
    pub(crate) fn recurrent_gradient<T: Float>(
        &self,
        recurrent: &[T],
        dz: &[T],
        t: usize,
        out: &mut [T],
    ) {
        gemm(
            T::one(),
            Strided::transposed(recurrent, self.g, self.u),
            Strided {
                data: &dz[t * self.g..],
                rows: self.g,
                cols: self.n,
                rs: 1,
                cs: self.steps * self.g,
            },
            T::zero(),
            out,
        );
    }

    /// `out = ∂Z · Aᵀ` over every step of every sample (`a` has `rows` values a column): a
    /// kernel's gradient from its input (`X`, or the outputs before each step).
    pub(crate) fn weight_gradient<T: Float>(&self, dz: &[T], a: &[T], rows: usize, out: &mut [T]) {
        gemm(
            T::one(),
            Strided::col_major(dz, self.g, self.columns()),
            Strided::transposed(a, rows, self.columns()),
            T::zero(),
            out,
        );
    }

    /// `out = Wᵀ · ∂Z` over every step: the gradient of the layer's input.
    pub(crate) fn input_gradient<T: Float>(&self, kernel: &[T], dz: &[T], out: &mut [T]) {
        gemm(
            T::one(),
            Strided::transposed(kernel, self.g, self.f),
            Strided::col_major(dz, self.g, self.columns()),
            T::zero(),
            out,
        );
    }

    /// `out = Σ` of every column of `dz` (a bias's gradient).
    pub(crate) fn column_sums<T: Float>(&self, dz: &[T], out: &mut [T]) {
        out.fill(T::zero());
        for column in dz.chunks_exact(self.g) {
            for (sum, &g) in out.iter_mut().zip(column) {
                *sum += g;
            }
        }
    }
}

/// The logistic sigmoid, Keras's recurrent activation.
#[inline]
pub(crate) fn sigmoid<T: Float>(x: T) -> T {
    T::one() / (T::one() + (-x).exp())
}
