//! A dense layer's batch inference in `f32` on AVX-512: a few samples at a time, their sums in
//! vector registers.
//!
//! Each vector of weights loaded serves every sample of the group, and the group's sums are
//! independent chains of additions, so the vector units stay busy where one sample's sums wait
//! on each other ([`add_columns`](super::add_columns)). Nothing is packed and nothing is
//! allocated: the kernel's columns are read where they are (each is contiguous), the samples'
//! values where they are, and the lanes past the last row are masked off. Each sum starts from
//! the bias and adds the columns in order, a product then a sum, as `forward` computes it, so
//! the batch gives bit for bit what `predict` gives each sample.
//!
//! Where it is used, measured with `NN_THREADS=1` on an AMD EPYC (Zen 5), 1024 samples against
//! the product it replaces (matrixmultiply's AVX-512 kernel): 32 → 64 in 53 µs (61), 64 → 10
//! in 21 µs (49), 100 → 40 in 112 µs (136). Larger kernels, which no longer stay in the
//! level-1 cache while the samples pass, go to the product: 256 → 256 took 1.17× its time,
//! 784 → 128 1.08×. On AVX2 the product, with fused multiply-adds, is as fast or faster.
//!
//! Written with intrinsics: the compiler's own vectorization of the same loops over arrays gave,
//! depending on the shape, anything from these kernels to scalar code with its sums on the
//! stack, ten times slower.

use crate::Float;
use crate::simd::Isa;

/// The largest kernel computed here, in bytes: it stays in the level-1 cache (48 KiB on Zen 5,
/// 48 KiB on Ice Lake) while every sample passes.
const MAX_KERNEL: usize = 32 << 10;

/// Whether [`forward`] computes a dense layer of `I` inputs and `O` units in `T` on `isa`:
/// `f32` on AVX-512 with a kernel of at most [`MAX_KERNEL`]; anything else (`f64`, the other
/// instruction sets and processors, larger kernels) goes to a product.
pub(crate) fn applies<T: Float, const I: usize, const O: usize>(isa: Isa) -> bool {
    let f32 = core::any::TypeId::of::<T>() == core::any::TypeId::of::<f32>();
    f32 && isa == Isa::Avx512 && I > 0 && O > 0 && I * O * 4 <= MAX_KERNEL
}

/// `z = bias + W·x` for the samples of `x` (`I` values each) into `z` (`O` values each), with
/// `W` the `O × I` kernel stored by columns, on the kernels of `isa`.
///
/// # Panics
/// Unless [`applies`]; if `kernel` is not `O × I`, `bias` not `O` long, or `x` and `z` do not
/// hold the same number of samples; and if the processor does not support `isa`.
#[allow(unsafe_code, reason = "calls the kernel, which takes raw pointers")]
pub(crate) fn forward<T: Float, const I: usize, const O: usize>(
    isa: Isa,
    kernel: &[T],
    bias: Option<&[T]>,
    x: &[T],
    z: &mut [T],
) {
    assert!(applies::<T, I, O>(isa), "no dense kernel for this layer");
    assert!(
        kernel.len() == I * O && bias.is_none_or(|bias| bias.len() == O),
        "a dense layer's kernel is O × I and its bias O long"
    );
    assert!(
        x.len().is_multiple_of(I) && x.len() / I * O == z.len(),
        "as many outputs as samples"
    );
    #[cfg(target_arch = "x86_64")]
    {
        assert!(isa <= Isa::detected(), "{isa:?} is not supported here");
        let layer = avx512::Weights {
            kernel: kernel.as_ptr().cast::<f32>(),
            bias: bias.map_or(core::ptr::null(), |bias| bias.as_ptr().cast::<f32>()),
            rows: O,
            depth: I,
        };
        let n = x.len() / I;
        let (x, z) = (x.as_ptr().cast::<f32>(), z.as_mut_ptr().cast::<f32>());
        // SAFETY: `T` is `f32`, so the pointers point to `f32`s; the kernel holds `O` rows of
        // `I` values, the bias `O`, `x` `n` samples of `I` and `z` `n` of `O` (asserted above);
        // `z` is exclusively borrowed; the processor has AVX-512 (asserted above).
        unsafe { avx512::forward(&layer, x, z, n) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    unreachable!("AVX-512 is an x86-64 instruction set")
}

#[cfg(target_arch = "x86_64")]
#[allow(
    unsafe_code,
    reason = "a kernel with intrinsics on raw pointers into the weights and the samples"
)]
mod avx512 {
    #[allow(clippy::wildcard_imports, reason = "the intrinsics")]
    use core::arch::x86_64::*;

    /// Values to a vector.
    const LANES: usize = 16;

    /// A dense layer's weights: a kernel of `rows × depth` stored by columns, and its bias
    /// (null: none).
    pub(super) struct Weights {
        pub(super) kernel: *const f32,
        pub(super) bias: *const f32,
        pub(super) rows: usize,
        pub(super) depth: usize,
    }

    /// `z = bias + kernel · x` for `n` samples, in blocks of up to four vectors of rows, as
    /// many samples at a time as keep 12 to 16 of the 32 registers in sums.
    ///
    /// # Safety
    /// The processor must have AVX-512. `x` must hold `n` samples of `layer.depth` values, `z`
    /// `n` of `layer.rows` writable values that nothing else reads or writes, and `layer` must
    /// point to its weights.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn forward(layer: &Weights, x: *const f32, z: *mut f32, n: usize) {
        let mut first = 0;
        while first < layer.rows {
            // SAFETY: forwarded; row `first` lies in the kernel.
            unsafe {
                match (layer.rows - first).div_ceil(LANES) {
                    1 => rows::<1, 8>(layer, first, x, z, n),
                    2 => rows::<2, 6>(layer, first, x, z, n),
                    3 => rows::<3, 4>(layer, first, x, z, n),
                    _ => rows::<4, 4>(layer, first, x, z, n),
                }
            }
            first += 4 * LANES;
        }
    }

    /// Rows `first ..` (`N` vectors) of the `n` samples, `S` at a time, the rest one at a
    /// time, with the last vector masked where the rows end in it.
    ///
    /// # Safety
    /// As [`forward`], with `first` below `layer.rows`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn rows<const N: usize, const S: usize>(
        layer: &Weights,
        first: usize,
        x: *const f32,
        z: *mut f32,
        n: usize,
    ) {
        let rows = layer.rows - first;
        let last = rows.saturating_sub((N - 1) * LANES).min(LANES);
        let mask: __mmask16 = if last >= LANES {
            0xFFFF
        } else {
            (1 << last) - 1
        };
        let mut start = [_mm512_setzero_ps(); N];
        if !layer.bias.is_null() {
            for (v, start) in start.iter_mut().enumerate() {
                let m = if v + 1 == N { mask } else { 0xFFFF };
                // SAFETY: the bias holds `rows` values; the mask keeps the lanes below.
                *start = unsafe { _mm512_maskz_loadu_ps(m, layer.bias.add(first + v * LANES)) };
            }
        }
        let group = Group {
            layer,
            first,
            mask,
            start,
        };
        if rows >= N * LANES {
            // SAFETY: forwarded.
            unsafe { group.samples::<S, false>(x, z, n) };
        } else {
            // SAFETY: forwarded.
            unsafe { group.samples::<S, true>(x, z, n) };
        }
    }

    /// `N` vectors of rows from `first`, the last one's lanes `mask`ed, and their sums'
    /// starting values.
    struct Group<'a, const N: usize> {
        layer: &'a Weights,
        first: usize,
        mask: __mmask16,
        start: [__m512; N],
    }

    impl<const N: usize> Group<'_, N> {
        /// The rows of the `n` samples, `S` at a time, the rest one at a time.
        ///
        /// # Safety
        /// As [`rows`], with `MASKED` if the rows end before the last vector does.
        #[target_feature(enable = "avx512f")]
        #[inline]
        unsafe fn samples<const S: usize, const MASKED: bool>(
            &self,
            x: *const f32,
            z: *mut f32,
            n: usize,
        ) {
            let mut s = 0;
            while s + S <= n {
                // SAFETY: samples `s .. s + S` lie in `x` and `z`.
                unsafe { self.sums::<S, MASKED>(x, z, s) };
                s += S;
            }
            while s < n {
                // SAFETY: sample `s` lies in `x` and `z`.
                unsafe { self.sums::<1, MASKED>(x, z, s) };
                s += 1;
            }
        }

        /// The rows of samples `s .. s + S`: the sums, from the bias, add each column times
        /// the sample's value, in order.
        ///
        /// # Safety
        /// As [`samples`](Self::samples), with samples `s .. s + S` in `x` and `z`.
        #[target_feature(enable = "avx512f")]
        #[inline]
        unsafe fn sums<const S: usize, const MASKED: bool>(
            &self,
            x: *const f32,
            z: *mut f32,
            s: usize,
        ) {
            let layer = self.layer;
            let mut sums = [self.start; S];
            // SAFETY: every pointer stays in its operand: columns `i` below `depth` of `rows`
            // values from `first` (the mask keeps the last vector's lanes below `rows`), the
            // values of samples `s + j` below `n` of `depth` each, their outputs of `rows`.
            unsafe {
                let x = x.add(s * layer.depth);
                for i in 0..layer.depth {
                    let column = layer.kernel.add(i * layer.rows + self.first);
                    let mut w = [_mm512_setzero_ps(); N];
                    for (v, w) in w.iter_mut().enumerate() {
                        let at = column.add(v * LANES);
                        *w = if MASKED && v + 1 == N {
                            _mm512_maskz_loadu_ps(self.mask, at)
                        } else {
                            _mm512_loadu_ps(at)
                        };
                    }
                    for (j, sums) in sums.iter_mut().enumerate() {
                        let xi = _mm512_set1_ps(*x.add(j * layer.depth + i));
                        for (sum, &w) in sums.iter_mut().zip(&w) {
                            *sum = _mm512_add_ps(*sum, _mm512_mul_ps(w, xi));
                        }
                    }
                }
                let z = z.add(s * layer.rows + self.first);
                for (j, sums) in sums.iter().enumerate() {
                    for (v, &sum) in sums.iter().enumerate() {
                        let at = z.add(j * layer.rows + v * LANES);
                        if MASKED && v + 1 == N {
                            _mm512_mask_storeu_ps(at, self.mask, sum);
                        } else {
                            _mm512_storeu_ps(at, sum);
                        }
                    }
                }
            }
        }
    }
}
