//! The inner loops the kernels share, written for speed and computing exactly what the
//! reference loops compute: int32 sums of products (exact, so summed in any order, wrapping
//! as TensorFlow Lite's would) and the requantization of [`Multiplier::apply_twice`] and
//! [`Multiplier::apply`], bit for bit, in forms the compiler vectorizes.
//!
//! Sums of products run on a [`Dot`]: [`Portable`] (plain loops: what a Cortex-M runs) or, on
//! x86-64, `x86::Avx2` (`vpmaddwd`, sixteen products an instruction) or `x86::Avx512`
//! (`vpdpwssd`, 32; a convolution of 100 output positions or more runs there with its output
//! channels across the lanes instead, `x86::conv_lanes`). A kernel is written once, generic
//! over the [`Dot`] and `#[inline(always)]`, and [`dispatch`] runs it compiled for the widest
//! one the thread may use ([`crate::simd::Isa::current`], so `simd::with_isa` lowers it too).

use crate::int8::{Multiplier, Output};

/// Whether the kernels take these paths at all: not on bare metal (`target_os = "none"`, a
/// microcontroller), where the reference loops are smaller in code and stack (the paths' buffers
/// take up to 5 KiB) and where these, written for vector units, gain little.
pub(crate) const ENABLED: bool = !cfg!(target_os = "none");

/// The `i16` values of the buffer the convolution gathers its windows into: [`PIXELS`]
/// windows of at most [`MAX_TAPS`] values each (5 KiB on the stack).
pub(crate) const PATCH: usize = PIXELS * MAX_TAPS;
/// The output positions computed together, each weight loaded once for all of them.
pub(crate) const PIXELS: usize = 4;
/// The longest window (`kernel_h · kernel_w · in_channels`, or a fully connected layer's
/// input) the fast paths take; longer ones run the reference loops.
pub(crate) const MAX_TAPS: usize = 640;
/// Windows are padded with zeros to a multiple of this many values.
pub(crate) const STEP: usize = 32;
/// Output channels requantized together (their constants on the stack).
pub(crate) const CHANNELS: usize = 64;

/// Sums of products of `i16` windows and `i8` weight rows.
pub(crate) trait Dot {
    /// Whether blocks of four rows pay (enough registers for `4 · PIXELS` sums), or two are
    /// the most.
    const QUADS: bool = false;

    /// `acc[c] += w[c] · (x[c] − zero)` for `N` channels (a depthwise convolution's tap),
    /// `zero` in `i8`'s range.
    #[inline(always)]
    fn tap<const N: usize>(acc: &mut [i32; N], w: &[i8; N], x: &[i8; N], zero: i32) {
        for ((a, &w), &v) in acc.iter_mut().zip(w).zip(x) {
            *a = a.wrapping_add(i32::from(w) * (i32::from(v) - zero));
        }
    }

    /// Runs `conv` on `x` into `y` in a way of this instruction set's own, if it has one
    /// (`false`: the caller runs the blocks of [`Dot::block`]).
    #[inline(always)]
    fn conv(conv: &crate::int8::kernels::Conv2D<'_>, x: &[i8], y: &mut [i8]) -> bool {
        let _ = (conv, x, y);
        false
    }

    /// `sums[j][p] = Σ_k windows[p · len + k] · rows[j][k]` for `P` windows of `len` values
    /// (a multiple of [`STEP`], zero past the rows' length) and `J` rows of equal length at
    /// most `len`, in wrapping int32.
    ///
    /// # Panics
    ///
    /// When `windows` is shorter than `P · len`, `len` is not a multiple of [`STEP`], or a
    /// row is longer than `len` or of another length than the first.
    fn block<const P: usize, const J: usize>(
        windows: &[i16],
        len: usize,
        rows: [&[i8]; J],
    ) -> [[i32; P]; J];
}

/// Plain loops, for every target.
pub(crate) struct Portable;

impl Dot for Portable {
    #[inline(always)]
    fn block<const P: usize, const J: usize>(
        windows: &[i16],
        len: usize,
        rows: [&[i8]; J],
    ) -> [[i32; P]; J] {
        let k = rows[0].len();
        assert!(k <= len && windows.len() >= P * len);
        let mut sums = [[0i32; P]; J];
        for (row, sums) in rows.iter().zip(sums.iter_mut()) {
            let row = &row[..k];
            for (p, sum) in sums.iter_mut().enumerate() {
                let window = &windows[p * len..][..k];
                *sum = window.iter().zip(row).fold(0i32, |acc, (&x, &w)| {
                    acc.wrapping_add(i32::from(x) * i32::from(w))
                });
            }
        }
        sums
    }
}

/// A kernel generic over its [`Dot`]: [`dispatch`] picks the instantiation.
pub(crate) trait Kernel {
    /// Runs the kernel with `D`'s sums of products.
    fn run<D: Dot>(self);
}

/// Runs `kernel` with the widest [`Dot`] the calling thread may use.
#[inline(always)]
pub(crate) fn dispatch(kernel: impl Kernel) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    match x86::widest() {
        Some(true) => return x86::run_avx512(kernel),
        Some(false) => return x86::run_avx2(kernel),
        None => {}
    }
    crate::widest(
        #[inline(always)]
        || kernel.run::<Portable>(),
    );
}

/// The requantization of one output channel, as [`Multiplier::apply_twice`] computes it,
/// with its bias and shifts split out for loops the compiler vectorizes.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Channel {
    /// The int32 bias added to the sum.
    pub bias: i32,
    /// The multiplier's significand.
    pub value: i32,
    /// The left shift before the high multiply.
    pub left: i32,
    /// The rounding right shift after it.
    pub right: i32,
}

impl Channel {
    /// Output channel `o`'s constants, from a convolution's `bias` (empty: none) and
    /// `multipliers` (one: for all).
    #[inline(always)]
    pub(crate) fn new(bias: &[i32], multipliers: &[Multiplier], o: usize) -> Self {
        let m = multipliers[if multipliers.len() == 1 { 0 } else { o }];
        Self {
            bias: bias.get(o).copied().unwrap_or(0),
            value: m.value,
            left: m.shift.clamp(0, 31),
            right: (-m.shift).clamp(0, 31),
        }
    }

    /// `sum`, biased and requantized, stored: exactly
    /// `output.store(m.apply_twice(sum + bias))`.
    #[inline(always)]
    pub(crate) fn store(self, sum: i32, output: Output) -> i8 {
        let a = sum.wrapping_add(self.bias);
        output.store(twice(a, self.value, self.left, self.right))
    }
}

/// [`Multiplier::apply_twice`] of `x` for a significand `value` and shifts `left` and `right`
/// (each in `0..=31`, one of them 0), without branches.
#[inline(always)]
pub(crate) fn twice(x: i32, value: i32, left: i32, right: i32) -> i32 {
    let a = x.wrapping_shl(left as u32);
    let ab = i64::from(a) * i64::from(value);
    // `(ab + nudge) / 2^31` truncated towards zero, the nudge `2^30` for `ab ≥ 0` and
    // `1 − 2^30` below, is `⌊(ab + 2^30) / 2^31⌋` in both cases (below zero, truncating is
    // `⌊(t + 2^31 − 1) / 2^31⌋` of `t = ab + 1 − 2^30`).
    let high = ((ab + (1i64 << 30)) >> 31) as i32;
    let high = if a == i32::MIN && value == i32::MIN {
        i32::MAX
    } else {
        high
    };
    let mask = (1i32 << right).wrapping_sub(1);
    let remainder = high & mask;
    let threshold = (mask >> 1) + i32::from(high < 0);
    (high >> right) + i32::from(remainder > threshold)
}

/// [`Multiplier::apply`] (one rounding) of `x`, with the rounding term added where it cannot
/// overflow (one instruction fewer than `apply`'s form, in the loops that run most).
#[inline(always)]
pub(crate) fn once(m: Multiplier, x: i32) -> i32 {
    let total = 31 - i64::from(m.shift);
    if !(1..=62).contains(&total) {
        return m.apply(x);
    }
    // |x · value| < 2^62, and the rounding term at most 2^61: no overflow.
    let product = i64::from(x) * i64::from(m.value);
    let result = (product + (1i64 << (total - 1))) >> total;
    result.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

/// Requantizes `sums` into `out`, channel by channel: in chunks of fixed sizes (loops of
/// known length, vectorized whole), then one at a time.
#[inline(always)]
pub(crate) fn store_all(sums: &[i32], channels: &[Channel], output: Output, out: &mut [i8]) {
    let n = out.len().min(sums.len()).min(channels.len());
    let mut first = 0;
    while n - first >= 32 {
        store_chunk::<32>(sums, channels, output, out, first);
        first += 32;
    }
    if n - first >= 16 {
        store_chunk::<16>(sums, channels, output, out, first);
        first += 16;
    }
    if n - first >= 8 {
        store_chunk::<8>(sums, channels, output, out, first);
        first += 8;
    }
    for first in first..n {
        store_chunk::<1>(sums, channels, output, out, first);
    }
}

/// Requantizes `sums[first..first + N]` into `out[first..first + N]`.
#[inline(always)]
fn store_chunk<const N: usize>(
    sums: &[i32],
    channels: &[Channel],
    output: Output,
    out: &mut [i8],
    first: usize,
) {
    let sums: &[i32; N] = sums[first..][..N].try_into().expect("N sums");
    let channels: &[Channel; N] = channels[first..][..N].try_into().expect("N channels");
    let out: &mut [i8; N] = (&mut out[first..][..N]).try_into().expect("N outputs");
    // The constants field by field (the compiler leaves a loop over the structs scalar).
    let bias: [i32; N] = core::array::from_fn(|i| channels[i].bias);
    let value: [i32; N] = core::array::from_fn(|i| channels[i].value);
    let left: [i32; N] = core::array::from_fn(|i| channels[i].left);
    let right: [i32; N] = core::array::from_fn(|i| channels[i].right);
    for i in 0..N {
        let c = Channel {
            bias: bias[i],
            value: value[i],
            left: left[i],
            right: right[i],
        };
        out[i] = c.store(sums[i], output);
    }
}

#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[allow(
    unsafe_code,
    reason = "x86 vector intrinsics: loads from checked slices"
)]
pub(crate) mod x86 {
    //! The AVX2 and AVX-512 [`Dot`]s and the entries compiled for them.

    use super::{Channel, Dot, Kernel, STEP};
    use crate::int8::kernels::Conv2D;
    use core::arch::x86_64::*;

    /// `vpmaddwd` on 256-bit vectors: sixteen products an instruction.
    pub(crate) struct Avx2;

    /// `vpdpwssd` on 512-bit vectors (AVX-512 BW, VL and VNNI): 32 products an instruction,
    /// summed into their accumulator in the same one.
    pub(crate) struct Avx512;

    /// Which of them the calling thread may run ([`crate::simd::Isa::current`], and for
    /// [`Avx512`] the processor's AVX-512 BW, VL and VNNI): `Some(true)` for [`Avx512`],
    /// `Some(false)` for [`Avx2`], `None` for neither.
    #[inline(always)]
    pub(crate) fn widest() -> Option<bool> {
        use crate::simd::Isa;
        match Isa::current() {
            Isa::Avx512
                if std::is_x86_feature_detected!("avx512bw")
                    && std::is_x86_feature_detected!("avx512vl")
                    && std::is_x86_feature_detected!("avx512vnni") =>
            {
                Some(true)
            }
            Isa::Avx512 | Isa::Avx2 => Some(false),
            Isa::Portable => None,
        }
    }

    /// Runs `kernel` with [`Avx2`], compiled for AVX2.
    #[inline(always)]
    pub(crate) fn run_avx2(kernel: impl Kernel) {
        #[target_feature(enable = "avx2")]
        fn entry(kernel: impl Kernel) {
            kernel.run::<Avx2>();
        }
        // SAFETY: called only when `Isa::current` is AVX2 or wider ([`widest`]), which the
        // processor supports (`Isa::run` asserts the same).
        unsafe { entry(kernel) }
    }

    /// Runs `kernel` with [`Avx512`], compiled for AVX-512.
    #[inline(always)]
    pub(crate) fn run_avx512(kernel: impl Kernel) {
        #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
        fn entry(kernel: impl Kernel) {
            kernel.run::<Avx512>();
        }
        // SAFETY: called only when [`widest`] found AVX-512 F (`Isa::current`), BW, VL and
        // VNNI on this processor.
        unsafe { entry(kernel) }
    }

    /// The sums of four vectors' eight int32 lanes each, `[a, b, c, d]` (wrapping).
    #[inline(always)]
    fn totals8(a: __m256i, b: __m256i, c: __m256i, d: __m256i) -> [i32; 4] {
        // SAFETY: AVX2 is enabled where this is inlined; `out` holds 16 bytes.
        unsafe {
            let ab = _mm256_hadd_epi32(a, b);
            let cd = _mm256_hadd_epi32(c, d);
            let abcd = _mm256_hadd_epi32(ab, cd);
            let v = _mm_add_epi32(
                _mm256_castsi256_si128(abcd),
                _mm256_extracti128_si256::<1>(abcd),
            );
            let mut out = [0i32; 4];
            _mm_storeu_si128(out.as_mut_ptr().cast(), v);
            out
        }
    }

    /// The sums of four vectors' sixteen int32 lanes each, `[a, b, c, d]` (wrapping).
    #[inline(always)]
    fn totals16(a: __m512i, b: __m512i, c: __m512i, d: __m512i) -> [i32; 4] {
        // SAFETY: AVX-512 F is enabled where this is inlined; `out` holds 16 bytes.
        unsafe {
            // Within each 128-bit lane: [a0+a2, b0+b2, a1+a3, b1+b3], then [a, b, c, d].
            let ab = _mm512_add_epi32(_mm512_unpacklo_epi32(a, b), _mm512_unpackhi_epi32(a, b));
            let cd = _mm512_add_epi32(_mm512_unpacklo_epi32(c, d), _mm512_unpackhi_epi32(c, d));
            let v = _mm512_add_epi32(_mm512_unpacklo_epi64(ab, cd), _mm512_unpackhi_epi64(ab, cd));
            // The four 128-bit lanes added.
            let v = _mm256_add_epi32(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64::<1>(v));
            let v = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v));
            let mut out = [0i32; 4];
            _mm_storeu_si128(out.as_mut_ptr().cast(), v);
            out
        }
    }

    /// The totals of `$acc` (`J` rows of `P` accumulators), four at a time by `$four` (a
    /// macro, not a function taking a closure: a closure's call would not be inlined into the
    /// entry compiled for the instruction set, and its vectors would go through memory).
    macro_rules! totals {
        ($acc:expr, $four:ident) => {{
            let acc = &$acc;
            let mut sums = [[0i32; P]; J];
            for (sums, acc) in sums.iter_mut().zip(acc) {
                let mut p = 0;
                while p + 4 <= P {
                    sums[p..p + 4].copy_from_slice(&$four(
                        acc[p],
                        acc[p + 1],
                        acc[p + 2],
                        acc[p + 3],
                    ));
                    p += 4;
                }
                while p < P {
                    sums[p] = $four(acc[p], acc[p], acc[p], acc[p])[0];
                    p += 1;
                }
            }
            sums
        }};
    }

    /// The least output positions for which the channel-lanes convolution pays.
    const LANES_FROM: usize = 100;

    /// Output positions a block of the channel-lanes convolution.
    const LANE_PIXELS: usize = 8;

    /// A convolution with the output channels across the lanes (AVX-512 VNNI): the weights
    /// of sixteen channels for a pair of taps are one vector (`i16`, interleaved), each
    /// window's pair of values is broadcast to every lane, and `vpdpwssd` adds both products
    /// into each channel's sum. No sums across lanes; the sums of a position are its channels,
    /// requantized from there. Eight positions by 32 channels a block.
    #[inline(always)]
    pub(crate) fn conv_lanes(conv: &Conv2D<'_>, x: &[i8], y: &mut [i8]) {
        let g = &conv.geometry;
        let (oh, ow, oc) = g.output;
        let (kh, kw) = g.kernel;
        let k = kh * kw * g.input.2;
        let pairs = k.div_ceil(2);
        let len = 2 * pairs;
        let blocks = oc.div_ceil(16);
        // The weights, for block `b`, pair `t`: lane `l` (channel `16 b + l`) holds taps
        // `2 t` and `2 t + 1`; zeros past the channels and the taps.
        let mut lanes = vec![0i16; blocks * pairs * 32];
        for (block, rows) in lanes
            .chunks_exact_mut(pairs * 32)
            .zip(conv.weights.chunks(16 * k))
        {
            for (l, row) in rows.chunks_exact(k).enumerate() {
                for (vector, taps) in block.chunks_exact_mut(32).zip(row.chunks(2)) {
                    let lane = &mut vector[2 * l..2 * l + 2];
                    lane[0] = i16::from(taps[0]);
                    lane[1] = taps.get(1).map_or(0, |&w| i16::from(w));
                }
            }
        }
        let channels: Vec<Channel> = (0..oc)
            .map(|o| Channel::new(conv.bias, conv.multipliers, o))
            .collect();
        let positions = oh * ow;
        let ic = g.input.2;
        // Adjacent taps with an even count of values a window row: the input, less its zero
        // point and padded with zeros, read in place (each window row a run of it), instead
        // of gathered window by window.
        let image = (g.dilations == (1, 1) && (kw * ic).is_multiple_of(2)).then(|| padded(conv, x));
        let mut windows = vec![
            0i16;
            if image.is_some() {
                0
            } else {
                LANE_PIXELS * len
            }
        ];
        for p0 in (0..positions).step_by(LANE_PIXELS) {
            let count = LANE_PIXELS.min(positions - p0);
            let source = match &image {
                Some((image, width)) => {
                    let base = |p: usize| {
                        let (oy, ox) = (p / ow, p % ow);
                        (oy * g.strides.0 * width + ox * g.strides.1) * ic
                    };
                    let bases = core::array::from_fn(|i| base(p0 + i.min(count - 1)));
                    Source {
                        values: image,
                        bases,
                        rows: kh,
                        stride: width * ic,
                        pairs: kw * ic / 2,
                    }
                }
                None => {
                    for (i, window) in windows.chunks_exact_mut(len).take(count).enumerate() {
                        super::super::conv::gather(conv, x, p0 + i, &mut window[..k]);
                    }
                    Source {
                        values: &windows,
                        bases: core::array::from_fn(|i| i * len),
                        rows: 1,
                        stride: 0,
                        pairs,
                    }
                }
            };
            let mut b = 0;
            while b < blocks {
                let two = b + 1 < blocks;
                let sums = if two {
                    lanes_block::<2>(&source, &lanes[b * pairs * 32..][..2 * pairs * 32])
                } else {
                    let s = lanes_block::<1>(&source, &lanes[b * pairs * 32..][..pairs * 32]);
                    core::array::from_fn(|p| {
                        let mut all = [0i32; 32];
                        all[..16].copy_from_slice(&s[p][..16]);
                        all
                    })
                };
                let first = 16 * b;
                let n = (oc - first).min(if two { 32 } else { 16 });
                for (i, sums) in sums.iter().take(count).enumerate() {
                    let out = &mut y[(p0 + i) * oc + first..][..n];
                    super::store_all(&sums[..n], &channels[first..first + n], conv.output, out);
                }
                b += if two { 2 } else { 1 };
            }
        }
    }

    /// Where the windows of a block of positions are: position `p`'s window row `r` is the
    /// `2 · pairs` values at `bases[p] + r · stride` of `values`.
    struct Source<'a> {
        values: &'a [i16],
        bases: [usize; LANE_PIXELS],
        rows: usize,
        stride: usize,
        pairs: usize,
    }

    /// The input of `conv`, less its zero point, in `i16`, with as many rows and columns of
    /// zeros before and after as its windows reach beyond it; and the padded width.
    fn padded(conv: &Conv2D<'_>, x: &[i8]) -> (Vec<i16>, usize) {
        let g = &conv.geometry;
        let (ih, iw, ic) = g.input;
        let (oh, ow, _) = g.output;
        let (kh, kw) = g.kernel;
        let (top, left) = g.padding;
        let height = (ih + top).max((oh - 1) * g.strides.0 + kh);
        let width = (iw + left).max((ow - 1) * g.strides.1 + kw);
        let mut image = vec![0i16; height * width * ic];
        for (row, out) in x
            .chunks_exact(iw * ic)
            .zip(image.chunks_exact_mut(width * ic).skip(top))
        {
            for (t, &v) in out[left * ic..].iter_mut().zip(row) {
                *t = (i32::from(v) - conv.input_zero) as i16;
            }
        }
        (image, width)
    }

    /// The sums of [`LANE_PIXELS`] windows (`source`) against `B` blocks of sixteen
    /// channels' interleaved weights (`B · rows · pairs` vectors of 32 `i16`): for each
    /// position, its `16 · B` channels' sums (the rest of the 32 zero).
    #[inline(always)]
    fn lanes_block<const B: usize>(source: &Source<'_>, lanes: &[i16]) -> [[i32; 32]; LANE_PIXELS] {
        let &Source {
            values,
            bases,
            rows,
            stride,
            pairs,
        } = source;
        let all = rows * pairs;
        assert!(lanes.len() >= B * all * 32);
        assert!(
            rows == 0
                || bases
                    .iter()
                    .all(|&b| b + (rows - 1) * stride + 2 * pairs <= values.len())
        );
        // SAFETY: AVX-512 F and VNNI are enabled where this is inlined (only
        // `run_avx512`'s entry runs it). Reads: weight vectors `(b · all + t) · 32 .. + 32
        // ≤ B · all · 32 ≤ lanes.len()`; window pairs `base + r · stride + 2 j + 2 ≤ base +
        // (rows − 1) · stride + 2 · pairs ≤ values.len()` (asserted). Writes: 16 `i32` at
        // `16 b ≤ 16` in arrays of 32.
        unsafe {
            let mut acc = [[_mm512_setzero_si512(); B]; LANE_PIXELS];
            for r in 0..rows {
                for j in 0..pairs {
                    let t = r * pairs + j;
                    let mut w = [_mm512_setzero_si512(); B];
                    for (b, w) in w.iter_mut().enumerate() {
                        *w = _mm512_loadu_si512(lanes.as_ptr().add((b * all + t) * 32).cast());
                    }
                    for (acc, &base) in acc.iter_mut().zip(&bases) {
                        let pair = values
                            .as_ptr()
                            .add(base + r * stride + 2 * j)
                            .cast::<i32>()
                            .read_unaligned();
                        let v = _mm512_set1_epi32(pair);
                        for b in 0..B {
                            acc[b] = _mm512_dpwssd_epi32(acc[b], v, w[b]);
                        }
                    }
                }
            }
            let mut sums = [[0i32; 32]; LANE_PIXELS];
            for (sums, acc) in sums.iter_mut().zip(&acc) {
                for (b, &a) in acc.iter().enumerate() {
                    _mm512_storeu_si512(sums.as_mut_ptr().add(16 * b).cast(), a);
                }
            }
            sums
        }
    }

    impl Dot for Avx2 {
        #[inline(always)]
        fn block<const P: usize, const J: usize>(
            windows: &[i16],
            len: usize,
            rows: [&[i8]; J],
        ) -> [[i32; P]; J] {
            const W: usize = 16;
            let k = rows[0].len();
            assert!(k <= len && len.is_multiple_of(STEP) && windows.len() >= P * len);
            assert!(rows.iter().all(|r| r.len() == k));
            let full = k / W;
            // SAFETY: AVX2 is enabled where this is inlined (only `run_avx2`'s entry runs
            // it). Every load is in bounds: rows' chunks `c < full` end at `W · full ≤ k`;
            // the tail is copied into `tail`; windows' chunks end at `p · len + len ≤
            // windows.len()`.
            unsafe {
                let mut acc = [[_mm256_setzero_si256(); P]; J];
                for c in 0..len / W {
                    let mut w = [_mm256_setzero_si256(); J];
                    for (w, row) in w.iter_mut().zip(&rows) {
                        let bytes = if c < full {
                            _mm_loadu_si128(row.as_ptr().add(c * W).cast())
                        } else {
                            let mut tail = [0i8; W];
                            let rest = &row[(c * W).min(k)..];
                            tail[..rest.len()].copy_from_slice(rest);
                            _mm_loadu_si128(tail.as_ptr().cast())
                        };
                        *w = _mm256_cvtepi8_epi16(bytes);
                    }
                    for p in 0..P {
                        let x = _mm256_loadu_si256(windows.as_ptr().add(p * len + c * W).cast());
                        for j in 0..J {
                            acc[j][p] = _mm256_add_epi32(acc[j][p], _mm256_madd_epi16(x, w[j]));
                        }
                    }
                }
                totals!(acc, totals8)
            }
        }
    }

    impl Dot for Avx512 {
        const QUADS: bool = true;

        #[inline(always)]
        fn tap<const N: usize>(acc: &mut [i32; N], w: &[i8; N], x: &[i8; N], zero: i32) {
            // SAFETY: AVX-512 F is enabled where this is inlined (only `run_avx512`'s entry
            // runs it). Loads and stores of 16 (or 8) lanes at `c < N` with `c + 16 ≤ N`
            // (`c + 8 ≤ N`), in bounds of the three arrays.
            unsafe {
                let z16 = _mm512_set1_epi32(zero);
                let mut c = 0;
                while c + 16 <= N {
                    let wv = _mm512_cvtepi8_epi32(_mm_loadu_si128(w.as_ptr().add(c).cast()));
                    let xv = _mm512_cvtepi8_epi32(_mm_loadu_si128(x.as_ptr().add(c).cast()));
                    let a = _mm512_loadu_si512(acc.as_ptr().add(c).cast());
                    let a = _mm512_add_epi32(a, _mm512_mullo_epi32(wv, _mm512_sub_epi32(xv, z16)));
                    _mm512_storeu_si512(acc.as_mut_ptr().add(c).cast(), a);
                    c += 16;
                }
                let z8 = _mm256_set1_epi32(zero);
                while c + 8 <= N {
                    let wv = _mm256_cvtepi8_epi32(_mm_loadl_epi64(w.as_ptr().add(c).cast()));
                    let xv = _mm256_cvtepi8_epi32(_mm_loadl_epi64(x.as_ptr().add(c).cast()));
                    let a = _mm256_loadu_si256(acc.as_ptr().add(c).cast());
                    let a = _mm256_add_epi32(a, _mm256_mullo_epi32(wv, _mm256_sub_epi32(xv, z8)));
                    _mm256_storeu_si256(acc.as_mut_ptr().add(c).cast(), a);
                    c += 8;
                }
                while c < N {
                    acc[c] = acc[c].wrapping_add(i32::from(w[c]) * (i32::from(x[c]) - zero));
                    c += 1;
                }
            }
        }

        #[inline(always)]
        fn conv(conv: &Conv2D<'_>, x: &[i8], y: &mut [i8]) -> bool {
            // Laying the weights out costs some ten instructions a weight, which the faster
            // sums repay over many positions.
            let (oh, ow, _) = conv.geometry.output;
            if oh * ow < LANES_FROM {
                return false;
            }
            conv_lanes(conv, x, y);
            true
        }

        #[inline(always)]
        fn block<const P: usize, const J: usize>(
            windows: &[i16],
            len: usize,
            rows: [&[i8]; J],
        ) -> [[i32; P]; J] {
            const W: usize = 32;
            let k = rows[0].len();
            assert!(k <= len && len.is_multiple_of(W) && windows.len() >= P * len);
            assert!(rows.iter().all(|r| r.len() == k));
            // SAFETY: AVX-512 F, BW, VL and VNNI are enabled where this is inlined (only
            // `run_avx512`'s entry runs it). Rows are read by masked loads of their bytes
            // `c · W .. min(k, c · W + W)` (`c · W < k`; chunks past `k` are not loaded);
            // windows' chunks end at `p · len + len ≤ windows.len()`.
            unsafe {
                let mut acc = [[_mm512_setzero_si512(); P]; J];
                for c in 0..len / W {
                    let start = c * W;
                    let mask = match k.saturating_sub(start) {
                        0 => 0,
                        n if n >= W => u32::MAX,
                        n => (1u32 << n) - 1,
                    };
                    let mut w = [_mm512_setzero_si512(); J];
                    if mask != 0 {
                        for (w, row) in w.iter_mut().zip(&rows) {
                            let bytes = _mm256_maskz_loadu_epi8(mask, row.as_ptr().add(start));
                            *w = _mm512_cvtepi8_epi16(bytes);
                        }
                    }
                    for p in 0..P {
                        let x = _mm512_loadu_si512(windows.as_ptr().add(p * len + start).cast());
                        for j in 0..J {
                            acc[j][p] = _mm512_dpwssd_epi32(acc[j][p], x, w[j]);
                        }
                    }
                }
                totals!(acc, totals16)
            }
        }
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::int8::kernels::{Conv2D, DepthwiseConv2D, FullyConnected, Geometry, Padding};
    use crate::simd::{Isa, with_isa};

    /// A small deterministic generator (64-bit LCG, high bits).
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u32 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 32) as u32
        }
        fn below(&mut self, n: usize) -> usize {
            self.next() as usize % n
        }
        fn i8s(&mut self, n: usize) -> Vec<i8> {
            (0..n).map(|_| self.next() as i8).collect()
        }
        fn multipliers(&mut self, n: usize) -> Vec<Multiplier> {
            (0..n)
                .map(|_| Multiplier {
                    value: (1 << 30) + (self.next() >> 2) as i32,
                    shift: -(self.below(12) as i32),
                })
                .collect()
        }
        fn biases(&mut self, n: usize) -> Vec<i32> {
            (0..n).map(|_| self.next() as i32 >> 14).collect()
        }
    }

    #[test]
    fn the_split_requantizations_are_the_multipliers_own() {
        let mut r = Lcg(7);
        let xs = [
            0,
            1,
            -1,
            i32::MAX,
            i32::MIN,
            1 << 30,
            -(1 << 30),
            12345,
            -54321,
        ];
        for _ in 0..20_000 {
            let m = Multiplier {
                value: match r.below(4) {
                    0 => i32::MIN,
                    1 => i32::MAX,
                    _ => r.next() as i32,
                },
                shift: r.below(63) as i32 - 31,
            };
            let x = if r.below(3) == 0 {
                xs[r.below(xs.len())]
            } else {
                r.next() as i32 >> r.below(32)
            };
            let c = Channel::new(&[], &[m], 0);
            assert_eq!(
                twice(x, c.value, c.left, c.right),
                m.apply_twice(x),
                "{m:?} {x}"
            );
            assert_eq!(once(m, x), m.apply(x), "{m:?} {x}");
        }
    }

    /// The fast paths give the reference loops' outputs on every instruction set, over
    /// windows with padding, strides and dilations, and channel counts past every block.
    #[test]
    fn the_fast_paths_are_the_reference_loops() {
        let mut r = Lcg(11);
        for case in 0..60 {
            let ic = 1 + r.below(if case % 3 == 0 { 70 } else { 9 });
            let oc = 1 + r.below(if case % 4 == 0 { 140 } else { 11 });
            // Half the cases large enough for AVX-512's channel-lanes convolution.
            let input = if case % 4 < 2 {
                (10 + r.below(20), 10 + r.below(20), ic)
            } else {
                (1 + r.below(9), 1 + r.below(9), ic)
            };
            let kernel = (1 + r.below(4), 1 + r.below(4));
            let strides = (1 + r.below(2), 1 + r.below(2));
            let dilations = (1 + r.below(2), 1 + r.below(2));
            let padding = [Padding::Same, Padding::Valid][r.below(2)];
            let g = Geometry::new(input, kernel, oc, strides, dilations, padding);
            if g.output.0 == 0 || g.output.1 == 0 {
                continue;
            }
            let x = r.i8s(input.0 * input.1 * ic);
            let (weights, bias) = (r.i8s(oc * kernel.0 * kernel.1 * ic), r.biases(oc));
            let multipliers = r.multipliers(if case % 5 == 0 { 1 } else { oc });
            let output = Output {
                zero: r.below(256) as i32 - 128,
                min: -128 + r.below(40) as i32,
                max: 127 - r.below(40) as i32,
            };
            let input_zero = r.below(256) as i32 - 128;
            let conv = Conv2D {
                geometry: g,
                weights: &weights,
                bias: if case % 7 == 0 { &[] } else { &bias },
                multipliers: &multipliers,
                input_zero,
                output,
            };
            let size = g.output.0 * g.output.1 * oc;
            let mut expected = vec![0; size];
            conv.reference(&x, &mut expected);
            let dg = Geometry::new(input, kernel, ic, strides, dilations, padding);
            let dw_weights = r.i8s(kernel.0 * kernel.1 * ic);
            let depthwise = DepthwiseConv2D {
                geometry: dg,
                weights: &dw_weights,
                bias: &bias[..0],
                multipliers: &multipliers[..multipliers.len().min(ic)],
                input_zero,
                output,
            };
            let depthwise = DepthwiseConv2D {
                bias: if bias.len() >= ic && case % 2 == 0 {
                    &bias[..ic]
                } else {
                    &[]
                },
                multipliers: if multipliers.len() >= ic {
                    &multipliers[..ic]
                } else {
                    &multipliers[..1]
                },
                ..depthwise
            };
            let mut dw_expected = vec![0; dg.output.0 * dg.output.1 * ic];
            depthwise.reference(&x, &mut dw_expected);
            let fc = FullyConnected {
                weights: &weights[..oc * ic],
                bias: conv.bias,
                multipliers: &multipliers,
                input_zero,
                output,
            };
            let mut fc_expected = vec![0; oc];
            fc.reference(&x[..ic], &mut fc_expected);
            let add = crate::int8::kernels::Add::new(
                (0.01 + r.below(100) as f32 / 1000.0, input_zero),
                (0.02 + r.below(100) as f32 / 700.0, output.zero),
                0.03 + r.below(100) as f32 / 500.0,
                output,
            );
            let other = r.i8s(x.len());
            let add_expected: Vec<i8> = x
                .iter()
                .zip(&other)
                .map(|(&a, &b)| {
                    let shift = crate::int8::kernels::Add::LEFT_SHIFT;
                    let a = add.a.apply_twice((i32::from(a) - add.a_zero) << shift);
                    let b = add.b.apply_twice((i32::from(b) - add.b_zero) << shift);
                    output.store(add.sum.apply_twice(a + b))
                })
                .collect();
            for isa in Isa::supported() {
                with_isa(isa, || {
                    let mut y = vec![0; x.len()];
                    add.run(&x, &other, &mut y);
                    assert_eq!(y, add_expected, "add, case {case}, {isa:?}");
                    let mut y = vec![0; size];
                    conv.run(&x, &mut y);
                    assert_eq!(y, expected, "convolution, case {case}, {isa:?}, {g:?}");
                    let mut y = vec![0; dw_expected.len()];
                    depthwise.run(&x, &mut y);
                    assert_eq!(y, dw_expected, "depthwise, case {case}, {isa:?}, {dg:?}");
                    let mut y = vec![0; oc];
                    fc.run(&x[..ic], &mut y);
                    assert_eq!(y, fc_expected, "fully connected, case {case}, {isa:?}");
                });
            }
        }
    }
}
