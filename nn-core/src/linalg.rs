//! Matrix products through matrixmultiply, the GEMM inside nalgebra.
//!
//! nalgebra's own `gemm` reaches matrixmultiply only when a dimension is dynamic and every
//! dimension exceeds 5, and its small-matrix fallback mishandles strided (transposed) views. The
//! layers call GEMM here instead: always the packed, vectorized kernel, with transposes expressed
//! as strides and never copied.

use crate::Float;

/// A read-only matrix given as a slice and strides: element `(r, c)` is at `r * rs + c * cs`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Strided<'a, T> {
    pub(crate) data: &'a [T],
    pub(crate) rows: usize,
    pub(crate) cols: usize,
    pub(crate) rs: usize,
    pub(crate) cs: usize,
}

impl<'a, T> Strided<'a, T> {
    /// A column-major `rows × cols` matrix.
    pub(crate) fn col_major(data: &'a [T], rows: usize, cols: usize) -> Self {
        Self {
            data,
            rows,
            cols,
            rs: 1,
            cs: rows,
        }
    }

    /// The transpose of a column-major `rows × cols` matrix, as a `cols × rows` one.
    pub(crate) fn transposed(data: &'a [T], rows: usize, cols: usize) -> Self {
        Self {
            data,
            rows: cols,
            cols: rows,
            rs: rows,
            cs: 1,
        }
    }

    /// Whether every element the strides reach lies in the slice.
    fn fits(&self) -> bool {
        self.rows == 0
            || self.cols == 0
            || (self.rows - 1) * self.rs + (self.cols - 1) * self.cs < self.data.len()
    }
}

/// `c = alpha · a · b + beta · c`, with `c` column-major `a.rows × b.cols`. When `beta` is zero,
/// `c` is not read.
///
/// # Panics
/// If the shapes do not agree or a slice is too short for its shape.
pub(crate) fn gemm<T: Float>(alpha: T, a: Strided<'_, T>, b: Strided<'_, T>, beta: T, c: &mut [T]) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(b.rows, k, "gemm: inner dimensions differ");
    assert!(
        a.fits() && b.fits() && c.len() == m * n,
        "gemm: a slice is too short for its shape"
    );
    // SAFETY: every index the kernel computes from these dimensions and strides lies in the
    // slices (checked just above), `c` is exclusively borrowed, and none of them alias it.
    unsafe {
        T::gemm_raw(
            m,
            k,
            n,
            alpha,
            (a.data.as_ptr(), a.rs as isize, a.cs as isize),
            (b.data.as_ptr(), b.rs as isize, b.cs as isize),
            beta,
            (c.as_mut_ptr(), 1, m as isize),
        );
    }
}
