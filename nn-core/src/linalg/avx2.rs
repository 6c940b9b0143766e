//! A single-precision GEMM for AVX2 with FMA, shaped for the products of training.
//!
//! matrixmultiply copies ("packs") both operands into large blocks before multiplying. In the
//! products of a training step one operand is a batch (a few dozen samples wide) and the other
//! a layer's kernel; for these shapes, packing the wide operand costs more than it saves. This
//! kernel packs only a 16-row strip of the left operand at a time (into an aligned buffer that
//! stays in the level-1 cache) and broadcasts the right operand's elements from wherever they
//! are, with whatever strides. `cargo bench --bench training` measures it against
//! matrixmultiply on the products of a 784-128-10 step.
//!
//! The left operand may have any non-negative strides: column-major (the kernels of Dense and
//! Conv2D, and the batch gradients multiplied into their kernel gradients) is packed with vector
//! loads, anything else (the transposed kernels that carry gradients back to a layer's inputs)
//! element by element, which costs little next to the product for the shapes of training. `c`
//! must be column-major and contiguous. Any `m`, `k`, `n` work (a partial last strip is read and
//! written through lane masks, so nothing past the matrices is touched).

use core::arch::x86_64::*;

/// Rows of `c` per block: two 8-lane vectors.
const MR: usize = 16;
/// The vectors of a block's column.
const V: usize = MR / 8;
/// Columns of `c` per block: 12 accumulators, two strip vectors and a broadcast fill 15 of the
/// 16 vector registers.
const NR: usize = 6;
/// Depth per pass: a packed 16 × 256 strip of `a` (16 KiB) stays in the level-1 cache while it
/// is multiplied with every column block of `b`.
const KC: usize = 256;

/// `c = alpha · a · b + beta · c` for an `m × k` matrix `a` (row and column strides `rsa`,
/// `csa`), a `k × n` matrix `b` with any strides, and a column-major, contiguous `m × n` matrix
/// `c`.
/// When `beta` is zero, `c` is not read.
///
/// # Safety
/// The processor must have AVX2 and FMA. Every element reached from the pointers through the
/// dimensions and strides must be valid, `c` writable and not aliased by `a` or `b`.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn sgemm(
    m: usize,
    k: usize,
    n: usize,
    alpha: f32,
    a: (*const f32, usize, usize),
    b: (*const f32, isize, isize),
    beta: f32,
    c: *mut f32,
) {
    // SAFETY: the processor has AVX2 and FMA, and the pointers are valid for these shapes (the
    // caller's contract).
    unsafe { blocked(m, k, n, alpha, a, b, beta, c) };
}

/// The loops around the block kernel: depth passes outermost, then row strips (each packed
/// once), then column blocks, so a packed strip is reused from the level-1 cache across all of
/// `b`'s columns.
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn blocked(
    m: usize,
    k: usize,
    n: usize,
    alpha: f32,
    (a, rsa, csa): (*const f32, usize, usize),
    (b, rsb, csb): (*const f32, isize, isize),
    beta: f32,
    c: *mut f32,
) {
    if k == 0 {
        // No products: c = beta · c, with beta = 0 writing zeros without reading c.
        for i in 0..m * n {
            // SAFETY: c holds m · n elements.
            unsafe { *c.add(i) = if beta == 0.0 { 0.0 } else { beta * *c.add(i) } };
        }
        return;
    }
    // Every step of the strip a pass uses is written before the kernel reads it.
    let mut strip = core::mem::MaybeUninit::<Strip>::uninit();
    let packed_base = strip.as_mut_ptr().cast::<f32>();
    let mut p0 = 0;
    while p0 < k {
        let kc = KC.min(k - p0);
        // The first pass scales c by beta; later passes accumulate onto it.
        let scale = if p0 == 0 { beta } else { 1.0 };
        let mut i0 = 0;
        while i0 < m {
            let rows = MR.min(m - i0);
            // Copy the strip into contiguous, aligned steps (zeros past the last row), so it
            // sits in the level-1 cache without conflicts whatever `a`'s strides are.
            // SAFETY: the strip holds KC ≥ kc steps of 16 values; rows i0..i0 + rows of
            // columns p0..p0 + kc lie within a.
            unsafe {
                if rsa == 1 {
                    pack_columns(packed_base, a, csa, (i0, p0), (rows, kc));
                } else if csa == 1 && rows == MR {
                    pack_rows(packed_base, a, rsa, (i0, p0), kc);
                } else {
                    pack_strided(packed_base, a, (rsa, csa), (i0, p0), (rows, kc));
                }
            }
            let strip = packed_base.cast_const();
            let mut j0 = 0;
            while j0 < n {
                // Split a remainder of 7 or 8 columns into 4 + 3 or 4 + 4 rather than leaving
                // a block of 1 or 2, whose few accumulators wait on the FMA latency.
                let cols = match n - j0 {
                    7 | 8 => 4,
                    rest => NR.min(rest),
                };
                // SAFETY: the first element of the block's operands, within b and c.
                let (panel, out) = unsafe {
                    (
                        b.offset(p0 as isize * rsb + j0 as isize * csb),
                        c.add(j0 * m + i0),
                    )
                };
                let block = Block {
                    kc,
                    a: strip,
                    b: panel,
                    rsb,
                    csb,
                    c: out,
                    ldc: m,
                    alpha,
                    scale,
                };
                let full = rows == MR;
                // SAFETY: the block lies within the operands (the shapes bound rows and cols).
                unsafe {
                    match cols {
                        6 => block.run::<6>(full, rows),
                        5 => block.run::<5>(full, rows),
                        4 => block.run::<4>(full, rows),
                        3 => block.run::<3>(full, rows),
                        2 => block.run::<2>(full, rows),
                        _ => block.run::<1>(full, rows),
                    }
                }
                j0 += cols;
            }
            i0 += MR;
        }
        p0 += kc;
    }
}

/// Packs rows `i0..i0 + rows` (at most 16) and columns `p0..p0 + kc` of a column-major matrix
/// (column stride `csa`) into `kc` aligned steps of 16 values, zeros past the last row, with
/// vector loads.
///
/// # Safety
/// `packed` holds `16 · kc` values, 32-byte aligned; the elements named lie within `a`.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn pack_columns(
    packed: *mut f32,
    a: *const f32,
    csa: usize,
    (i0, p0): (usize, usize),
    (rows, kc): (usize, usize),
) {
    let (lo, hi) = (mask(rows, 0), mask(rows, 1));
    for p in 0..kc {
        // SAFETY: rows i0..i0 + rows of column p0 + p lie within a (the masks keep the loads
        // to them); step p of the strip holds 16 aligned values.
        unsafe {
            let column = a.add((p0 + p) * csa + i0);
            let (top, bottom) = if rows == MR {
                (_mm256_loadu_ps(column), _mm256_loadu_ps(column.add(8)))
            } else {
                (
                    _mm256_maskload_ps(column, lo),
                    // May point past a when no row of this half is valid: wrapping
                    // arithmetic, and the mask reads nothing there.
                    _mm256_maskload_ps(column.wrapping_add(8), hi),
                )
            };
            let step = packed.add(MR * p);
            _mm256_store_ps(step, top);
            _mm256_store_ps(step.add(8), bottom);
        }
    }
}

/// Packs rows `i0..i0 + 16` and columns `p0..p0 + kc` of a row-major matrix (row stride `rsa`,
/// such as the transpose of a layer's kernel) into `kc` aligned steps of 16 values: 8 × 8
/// tiles read row by row with vector loads and transposed in registers, the last `kc % 8`
/// columns element by element.
///
/// # Safety
/// `packed` holds `16 · kc` values, 32-byte aligned; the elements named lie within `a`.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn pack_rows(
    packed: *mut f32,
    a: *const f32,
    rsa: usize,
    (i0, p0): (usize, usize),
    kc: usize,
) {
    let tiles = kc / 8 * 8;
    for half in 0..2 {
        let first = i0 + 8 * half;
        let mut p = 0;
        while p < tiles {
            // SAFETY: rows first..first + 8, columns p0 + p..p0 + p + 8 lie within a; the
            // stores go to steps p..p + 8 of the strip, each 16 aligned values.
            unsafe {
                let row = |r: usize| _mm256_loadu_ps(a.add((first + r) * rsa + p0 + p));
                let (r0, r1, r2, r3) = (row(0), row(1), row(2), row(3));
                let (r4, r5, r6, r7) = (row(4), row(5), row(6), row(7));
                // Pairs of rows interleaved, then pairs of pairs, then the 128-bit halves.
                let (t0, t1) = (_mm256_unpacklo_ps(r0, r1), _mm256_unpackhi_ps(r0, r1));
                let (t2, t3) = (_mm256_unpacklo_ps(r2, r3), _mm256_unpackhi_ps(r2, r3));
                let (t4, t5) = (_mm256_unpacklo_ps(r4, r5), _mm256_unpackhi_ps(r4, r5));
                let (t6, t7) = (_mm256_unpacklo_ps(r6, r7), _mm256_unpackhi_ps(r6, r7));
                let u0 = _mm256_shuffle_ps::<0x44>(t0, t2);
                let u1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
                let u2 = _mm256_shuffle_ps::<0x44>(t1, t3);
                let u3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
                let u4 = _mm256_shuffle_ps::<0x44>(t4, t6);
                let u5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
                let u6 = _mm256_shuffle_ps::<0x44>(t5, t7);
                let u7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
                let columns = [
                    _mm256_permute2f128_ps::<0x20>(u0, u4),
                    _mm256_permute2f128_ps::<0x20>(u1, u5),
                    _mm256_permute2f128_ps::<0x20>(u2, u6),
                    _mm256_permute2f128_ps::<0x20>(u3, u7),
                    _mm256_permute2f128_ps::<0x31>(u0, u4),
                    _mm256_permute2f128_ps::<0x31>(u1, u5),
                    _mm256_permute2f128_ps::<0x31>(u2, u6),
                    _mm256_permute2f128_ps::<0x31>(u3, u7),
                ];
                for (j, column) in columns.into_iter().enumerate() {
                    _mm256_store_ps(packed.add(MR * (p + j) + 8 * half), column);
                }
            }
            p += 8;
        }
    }
    if tiles < kc {
        // SAFETY: the remaining steps of the strip, and the remaining columns of the same rows.
        unsafe {
            pack_strided(
                packed.add(MR * tiles),
                a,
                (rsa, 1),
                (i0, p0 + tiles),
                (MR, kc - tiles),
            )
        };
    }
}

/// Packs rows `i0..i0 + rows` (at most 16) and columns `p0..p0 + kc` of a matrix with strides
/// `(rsa, csa)` into `kc` steps of 16 values, zeros past the last row. Row by row, so a
/// row-major matrix (`csa == 1`) is read in order.
///
/// # Safety
/// `packed` holds `16 · kc` values; the elements named lie within `a`.
#[inline]
unsafe fn pack_strided(
    packed: *mut f32,
    a: *const f32,
    (rsa, csa): (usize, usize),
    (i0, p0): (usize, usize),
    (rows, kc): (usize, usize),
) {
    for r in 0..MR {
        // SAFETY: within the strip and within a (the caller's contract); rows past the last
        // are zeros and read nothing.
        unsafe {
            if r < rows {
                let row = a.add((i0 + r) * rsa + p0 * csa);
                for p in 0..kc {
                    *packed.add(MR * p + r) = *row.add(p * csa);
                }
            } else {
                for p in 0..kc {
                    *packed.add(MR * p + r) = 0.0;
                }
            }
        }
    }
}

/// A strip of `a`, packed.
#[repr(C, align(64))]
struct Strip([[f32; MR]; KC]);

/// One block of `c` (up to 16 × 6) and the operands that produce it over one depth pass.
struct Block {
    kc: usize,
    /// The packed strip of `a`: 16 rows per step, 32-byte aligned.
    a: *const f32,
    b: *const f32,
    rsb: isize,
    csb: isize,
    c: *mut f32,
    ldc: usize,
    alpha: f32,
    /// What the block's previous contents are multiplied by (zero: not read).
    scale: f32,
}

impl Block {
    /// Dispatches to the kernel for full or partial strips and for unit or other column strides
    /// of `b`.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn run<const COLS: usize>(&self, full: bool, rows: usize) {
        // SAFETY: forwarded from this function's contract, in each arm.
        unsafe {
            match (full, self.csb == 1) {
                (true, true) => self.run_rows::<COLS, true, true>(rows),
                (true, false) => self.run_rows::<COLS, true, false>(rows),
                (false, true) => self.run_rows::<COLS, false, true>(rows),
                (false, false) => self.run_rows::<COLS, false, false>(rows),
            }
        }
    }

    /// `c[.., ..COLS] = alpha · a · b + scale · c` over the first `rows` rows (all 16 when
    /// `FULL`; otherwise fewer, read and written through masks so nothing past them is touched).
    /// `UNIT` says `b`'s column stride is 1, so the broadcasts use constant offsets.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn run_rows<const COLS: usize, const FULL: bool, const UNIT: bool>(&self, rows: usize) {
        let masks: [__m256i; V] = core::array::from_fn(|v| mask(rows, v));
        // Reads c, masked to the valid rows.
        let load = |p: *const f32, v: usize| {
            // Past c when no row of a partial strip's half is valid; the mask then reads nothing.
            let p = p.wrapping_add(8 * v);
            // SAFETY: within c, or masked to its valid rows.
            unsafe {
                if FULL {
                    _mm256_loadu_ps(p)
                } else {
                    _mm256_maskload_ps(p, masks[v])
                }
            }
        };
        let mut acc = [[_mm256_setzero_ps(); V]; COLS];
        for p in 0..self.kc {
            // SAFETY: p < kc, within the pass the caller set up.
            let column = unsafe { self.a.add(p * MR) };
            // SAFETY: the packed strip holds kc aligned steps of 16 values.
            let a: [__m256; V] =
                core::array::from_fn(|v| unsafe { _mm256_load_ps(column.add(8 * v)) });
            // SAFETY: row p of the block's panel of b, within the pass.
            let row = unsafe { self.b.offset(p as isize * self.rsb) };
            for (j, acc) in acc.iter_mut().enumerate() {
                let offset = if UNIT {
                    j as isize
                } else {
                    j as isize * self.csb
                };
                // SAFETY: element (p, j) of the panel; j < COLS ≤ the block's columns.
                let bj = unsafe { _mm256_broadcast_ss(&*row.offset(offset)) };
                for (acc, &a) in acc.iter_mut().zip(&a) {
                    *acc = _mm256_fmadd_ps(a, bj, *acc);
                }
            }
        }
        let alpha = _mm256_set1_ps(self.alpha);
        let scale = _mm256_set1_ps(self.scale);
        for (j, acc) in acc.iter().enumerate() {
            // SAFETY: column j of the block, within c.
            let out = unsafe { self.c.add(j * self.ldc) };
            for (v, &sum) in acc.iter().enumerate() {
                let mut value = if self.alpha == 1.0 {
                    sum
                } else {
                    _mm256_mul_ps(sum, alpha)
                };
                if self.scale != 0.0 {
                    let old = load(out, v);
                    value = _mm256_fmadd_ps(old, scale, value);
                }
                // SAFETY: as for the loads, within c or masked to its valid rows.
                unsafe {
                    let p = out.wrapping_add(8 * v);
                    if FULL {
                        _mm256_storeu_ps(p, value);
                    } else {
                        _mm256_maskstore_ps(p, masks[v], value);
                    }
                }
            }
        }
    }
}

/// The lane mask selecting, of the 8 rows of vector `v`, those among the first `rows`.
#[target_feature(enable = "avx2")]
#[inline]
fn mask(rows: usize, v: usize) -> __m256i {
    let base = (8 * v) as i32;
    let index = _mm256_setr_epi32(
        base,
        base + 1,
        base + 2,
        base + 3,
        base + 4,
        base + 5,
        base + 6,
        base + 7,
    );
    _mm256_cmpgt_epi32(_mm256_set1_epi32(rows as i32), index)
}
