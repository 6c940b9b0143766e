//! Matrix products for the layers.
//!
//! nalgebra's own `gemm` reaches matrixmultiply (its vectorized GEMM) only when a dimension is
//! dynamic and every dimension exceeds 5, and its small-matrix fallback mishandles strided
//! (transposed) views. The layers call [`gemm`] here instead, with transposes expressed as strides
//! and never copied. In `f32` on a processor with AVX2 and FMA, a product whose result is
//! column-major (every product of the layers) runs on our kernel in [`avx2`] (faster than
//! matrixmultiply for the batch-shaped products of training); everything else runs on
//! matrixmultiply.

use crate::Float;

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2;

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

#[cfg(test)]
mod tests {
    use super::*;

    impl Strided<'_, f32> {
        /// The same shape and strides over an empty `f64` slice, to be given data.
        fn retyped(&self) -> Strided<'static, f64> {
            Strided {
                data: &[],
                rows: self.rows,
                cols: self.cols,
                rs: self.rs,
                cs: self.cs,
            }
        }
    }

    /// `alpha · a · b + beta · c` by the definition, in f64.
    fn naive(
        alpha: f64,
        a: Strided<'_, f32>,
        b: Strided<'_, f32>,
        beta: f64,
        c: &[f32],
    ) -> Vec<f64> {
        let (m, n) = (a.rows, b.cols);
        let mut out = vec![0.0; m * n];
        for j in 0..n {
            for i in 0..m {
                let dot: f64 = (0..a.cols)
                    .map(|p| {
                        f64::from(a.data[i * a.rs + p * a.cs])
                            * f64::from(b.data[p * b.rs + j * b.cs])
                    })
                    .sum();
                out[i + j * m] = alpha * dot + beta * f64::from(c[i + j * m]);
            }
        }
        out
    }

    /// Every path of the kernels (partial row strips and column blocks, several depth passes,
    /// both layouts of `a` and `b`, `beta` zero or not; in `f64`, matrixmultiply) against the
    /// definition.
    #[test]
    fn products_match_the_definition() {
        let value = |i: usize| ((i * 7919 % 1013) as f32 - 506.0) / 512.0;
        for (m, k, n) in [
            (1, 1, 1),
            (16, 3, 6),
            (17, 5, 7),
            (8, 300, 13),
            (128, 784, 32),
            (10, 128, 32),
            (33, 513, 5),
            (20, 7, 2),
            (9, 2, 11),
            (5, 0, 4),
        ] {
            let a_data: Vec<f32> = (0..m * k).map(value).collect();
            let b_data: Vec<f32> = (0..k * n).map(|i| value(i + 11)).collect();
            let c0: Vec<f32> = (0..m * n).map(|i| value(i + 5)).collect();
            let lefts = [
                Strided::col_major(&a_data, m, k),
                Strided::transposed(&a_data, k, m),
            ];
            let rights = [
                Strided::col_major(&b_data, k, n),
                Strided::transposed(&b_data, n, k),
            ];
            for a in lefts {
                for b in rights {
                    for (alpha, beta) in [(1.0, 0.0), (1.0, 1.0), (0.5, -2.0)] {
                        let mut c = c0.clone();
                        if beta == 0.0 {
                            c.fill(f32::NAN); // must not be read
                        }
                        let expected = naive(alpha, a, b, beta, &c0);
                        gemm(alpha as f32, a, b, beta as f32, &mut c);
                        // The same product in f64 (through matrixmultiply).
                        let widen = |v: &[f32]| v.iter().map(|&x| f64::from(x)).collect::<Vec<_>>();
                        let (a64, b64, mut c64) = (widen(a.data), widen(b.data), widen(&c0));
                        if beta == 0.0 {
                            c64.fill(f64::NAN);
                        }
                        gemm(
                            alpha,
                            Strided {
                                data: &a64,
                                ..a.retyped()
                            },
                            Strided {
                                data: &b64,
                                ..b.retyped()
                            },
                            beta,
                            &mut c64,
                        );
                        for (index, (&got, &want)) in c64.iter().zip(&expected).enumerate() {
                            assert!(
                                (got - want).abs() <= 1e-9 * (1.0 + want.abs()),
                                "f64 {m}×{k}×{n}, a strides {}/{}, b strides {}/{}, beta {beta}: \
                                 c[{index}] = {got}, expected {want}",
                                a.rs,
                                a.cs,
                                b.rs,
                                b.cs,
                            );
                        }
                        for (index, (&got, &want)) in c.iter().zip(&expected).enumerate() {
                            assert!(
                                (f64::from(got) - want).abs() <= 1e-4 * (1.0 + want.abs()),
                                "{m}×{k}×{n}, a strides {}/{}, b strides {}/{}, beta {beta}: \
                                 c[{index}] = {got}, expected {want}",
                                a.rs,
                                a.cs,
                                b.rs,
                                b.cs,
                            );
                        }
                    }
                }
            }
        }
    }
}
