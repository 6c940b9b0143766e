//! Matrix products for the layers.
//!
//! nalgebra's own `gemm` reaches matrixmultiply (its vectorized GEMM) only when a dimension is
//! dynamic and every dimension exceeds 5, and its small-matrix fallback mishandles strided
//! (transposed) views. The layers call [`gemm`] here instead, with transposes expressed as strides
//! and never copied. In `f32` on a processor with AVX2 and FMA but not AVX-512, a product whose
//! result is column-major (every product of the layers) runs on our kernel in [`avx2`] (faster
//! than matrixmultiply for the batch-shaped products of training); everything else, AVX-512
//! processors included, runs on matrixmultiply, which picks its widest kernel at run time (see
//! [`simd`](crate::simd)).

use crate::Float;

#[cfg(target_arch = "x86_64")]
#[allow(
    unsafe_code,
    reason = "an AVX2 kernel: intrinsics on raw pointers into the operands"
)]
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

/// The smallest product (in multiply-adds) split across threads, and the fewest columns of
/// `c` a thread takes: below them, waking a second thread and packing `a` once more per thread
/// cost more than they save (measured on AMD EPYC Zen 3: 128 × 784 × 32 split in two took
/// 1.1× the time on one thread, 128 × 784 × 128 0.92×, 512³ 0.66×).
const PARALLEL_MIN_FMAS: usize = crate::parallel::MIN_PRODUCT;
const PARALLEL_MIN_COLUMNS: usize = 16;

/// Column blocks of a split product are multiples of this many columns.
const COLUMN_ALIGN: usize = 8;

/// `c = alpha · a · b + beta · c`, with `c` column-major `a.rows × b.cols`. When `beta` is zero,
/// `c` is not read.
///
/// A large product is split by columns of `c` across the threads allowed
/// ([`parallel`](crate::parallel)); each block is computed exactly as in the whole product, so
/// the result does not depend on the thread count.
///
/// # Panics
/// If the shapes do not agree or a slice is too short for its shape.
#[allow(unsafe_code, reason = "calls the kernels (`gemm_raw`)")]
pub(crate) fn gemm<T: Float>(alpha: T, a: Strided<'_, T>, b: Strided<'_, T>, beta: T, c: &mut [T]) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(b.rows, k, "gemm: inner dimensions differ");
    assert!(
        a.fits() && b.fits() && c.len() == m * n,
        "gemm: a slice is too short for its shape"
    );
    let parts = crate::parallel::parts(n, PARALLEL_MIN_COLUMNS, m * k, PARALLEL_MIN_FMAS);
    let isa = crate::simd::Isa::current();
    // The parts take disjoint blocks of `c`'s columns (`m` values each).
    let columns_of = crate::parallel::items(c, m);
    crate::parallel::split(columns_of, n, COLUMN_ALIGN, parts, |columns, c| {
        if columns.is_empty() {
            return;
        }
        // SAFETY: every index the kernel computes from these dimensions and strides lies in the
        // slices (checked above): the block's columns `columns` of `b` start at
        // `columns.start · b.cs`, and `c` is the block's own `m × columns.len()` values, which
        // no other part sees and neither `a` nor `b` aliases. `isa` is supported
        // (`Isa::current`).
        unsafe {
            gemm_raw(
                isa,
                m,
                k,
                columns.len(),
                alpha,
                (a.data.as_ptr(), a.rs as isize, a.cs as isize),
                (
                    b.data.as_ptr().add(columns.start * b.cs),
                    b.rs as isize,
                    b.cs as isize,
                ),
                beta,
                (c.as_mut_ptr(), 1, m as isize),
            );
        }
    });
}

/// [`gemm`] on the calling thread only, with the kernels of `isa`: for a part of a computation
/// that is itself split across threads (whose workers do not see the caller's
/// [`with_isa`](crate::simd::with_isa) choice, hence `isa`). Computes `c` exactly as [`gemm`]
/// would, on any number of threads.
///
/// # Panics
/// As [`gemm`]; also if the processor does not support `isa`.
#[allow(unsafe_code, reason = "calls the kernels (`gemm_raw`)")]
pub(crate) fn gemm_serial<T: Float>(
    isa: crate::simd::Isa,
    alpha: T,
    a: Strided<'_, T>,
    b: Strided<'_, T>,
    beta: T,
    c: &mut [T],
) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(b.rows, k, "gemm: inner dimensions differ");
    assert!(
        a.fits() && b.fits() && c.len() == m * n,
        "gemm: a slice is too short for its shape"
    );
    assert!(
        isa <= crate::simd::Isa::detected(),
        "{isa:?} is not supported"
    );
    if n == 0 {
        return;
    }
    // SAFETY: every index the kernel computes from these dimensions and strides lies in the
    // slices (checked above); `c` is exclusively borrowed and aliases neither `a` nor `b`;
    // `isa` is supported (checked above).
    unsafe {
        gemm_raw(
            isa,
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

/// GEMM in `T`'s precision with the kernels of `isa` (our AVX2 kernel where it applies, else
/// matrixmultiply's): `c = alpha · a · b + beta · c` for an `m × k` matrix `a` and a `k × n`
/// matrix `b`, each given as (pointer, row stride, column stride). [`Float`] is sealed to `f32`
/// and `f64`; the type is told apart by its `TypeId`, which the compiler resolves for each.
///
/// # Safety
/// Every element reached from the pointers through the dimensions and strides must be valid
/// (and, for `c`, writable and not aliased by `a` or `b`), and the processor must support
/// `isa`.
#[inline]
#[allow(clippy::too_many_arguments)]
#[allow(unsafe_code, reason = "the kernels take raw pointers and strides")]
unsafe fn gemm_raw<T: Float>(
    isa: crate::simd::Isa,
    m: usize,
    k: usize,
    n: usize,
    alpha: T,
    a: (*const T, isize, isize),
    b: (*const T, isize, isize),
    beta: T,
    c: (*mut T, isize, isize),
) {
    use core::any::TypeId;
    // Through `f64`, `alpha` and `beta` convert exactly to the type they are.
    let (alpha, beta) = (alpha.as_f64(), beta.as_f64());
    if TypeId::of::<T>() == TypeId::of::<f32>() {
        let (a, b, c) = (
            (a.0.cast::<f32>(), a.1, a.2),
            (b.0.cast::<f32>(), b.1, b.2),
            (c.0.cast::<f32>(), c.1, c.2),
        );
        // SAFETY: `T` is `f32`, so the pointers point to `f32`s; the rest is the caller's
        // contract.
        unsafe { sgemm_raw(isa, m, k, n, alpha as f32, a, b, beta as f32, c) }
    } else {
        assert!(
            TypeId::of::<T>() == TypeId::of::<f64>(),
            "Float is f32 or f64"
        );
        let (a, b, c) = (
            (a.0.cast::<f64>(), a.1, a.2),
            (b.0.cast::<f64>(), b.1, b.2),
            (c.0.cast::<f64>(), c.1, c.2),
        );
        // SAFETY: `T` is `f64` (asserted), so the pointers point to `f64`s; the rest is the
        // caller's contract.
        unsafe {
            matrixmultiply::dgemm(
                m, k, n, alpha, a.0, a.1, a.2, b.0, b.1, b.2, beta, c.0, c.1, c.2,
            )
        }
    }
}

/// [`gemm_raw`] in `f32`.
///
/// # Safety
/// As [`gemm_raw`].
#[inline]
#[allow(clippy::too_many_arguments)]
#[allow(unsafe_code, reason = "the kernels take raw pointers and strides")]
unsafe fn sgemm_raw(
    isa: crate::simd::Isa,
    m: usize,
    k: usize,
    n: usize,
    alpha: f32,
    a: (*const f32, isize, isize),
    b: (*const f32, isize, isize),
    beta: f32,
    c: (*mut f32, isize, isize),
) {
    // Our kernel takes a left operand with non-negative strides and a column-major,
    // contiguous c, as every product of the layers has. On AVX-512, matrixmultiply's
    // kernel, twice as wide, is the faster.
    #[cfg(target_arch = "x86_64")]
    if isa == crate::simd::Isa::Avx2 && a.1 >= 0 && a.2 >= 0 && c.1 == 1 && c.2 == m as isize {
        let a = (a.0, a.1 as usize, a.2 as usize);
        // SAFETY: forwarded from the caller's contract, which includes AVX2 and FMA.
        unsafe { avx2::sgemm(m, k, n, alpha, a, b, beta, c.0) };
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simd::{Isa, with_isa};

    /// What makes a split product independent of the thread count: a block of columns comes
    /// out bit for bit as in the whole product, for both kernels (ours in `f32`, matrixmultiply
    /// in `f64`), every layout and block boundaries that are not aligned.
    #[test]
    fn column_blocks_are_computed_as_in_the_whole_product() {
        fn check<T: Float>(value: impl Fn(usize) -> T) {
            for (m, k, n) in [
                (128, 784, 32),
                (10, 128, 32),
                (784, 32, 128),
                (33, 513, 50),
                (17, 5, 29),
            ] {
                let a: Vec<T> = (0..m * k).map(&value).collect();
                let b: Vec<T> = (0..k * n).map(|i| value(i + 11)).collect();
                for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                    let sa = if ta {
                        Strided::transposed(&a, k, m)
                    } else {
                        Strided::col_major(&a, m, k)
                    };
                    let sb = if tb {
                        Strided::transposed(&b, n, k)
                    } else {
                        Strided::col_major(&b, k, n)
                    };
                    let mut whole = vec![T::zero(); m * n];
                    crate::parallel::with_threads(Some(1), || {
                        gemm(T::one(), sa, sb, T::zero(), &mut whole);
                    });
                    for width in [1, 5, 6, 8, 24] {
                        let mut blocks = vec![T::zero(); m * n];
                        for (j, c) in blocks.chunks_mut(width * m).enumerate() {
                            let first = j * width;
                            let block = Strided {
                                data: &sb.data[first * sb.cs..],
                                cols: c.len() / m,
                                ..sb
                            };
                            crate::parallel::with_threads(Some(1), || {
                                gemm(T::one(), sa, block, T::zero(), c);
                            });
                        }
                        assert!(
                            whole.iter().zip(&blocks).all(|(x, y)| x == y),
                            "{m}×{k}×{n}, a transposed {ta}, b transposed {tb}, blocks of {width}"
                        );
                    }
                    for threads in [2, 3] {
                        let mut split = vec![T::zero(); m * n];
                        crate::parallel::with_threads(Some(threads), || {
                            gemm(T::one(), sa, sb, T::zero(), &mut split);
                        });
                        assert!(whole == split, "{m}×{k}×{n} on {threads} threads");
                    }
                }
            }
        }
        for isa in Isa::supported() {
            with_isa(isa, || {
                check(|i| ((i * 7919 % 1013) as f32 - 506.0) / 512.0);
                check(|i| ((i * 7919 % 1013) as f64 - 506.0) / 512.0);
            });
        }
    }

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
    /// definition, for every instruction set the processor supports.
    #[test]
    fn products_match_the_definition() {
        for isa in Isa::supported() {
            with_isa(isa, || products_match_the_definition_on(isa));
        }
    }

    fn products_match_the_definition_on(isa: Isa) {
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
            (48, 37, 9),
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
                                "{isa:?}, {m}×{k}×{n}, a strides {}/{}, b strides {}/{}, \
                                 beta {beta}: c[{index}] = {got}, expected {want}",
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
