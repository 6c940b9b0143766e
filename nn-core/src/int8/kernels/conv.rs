//! TensorFlow Lite's int8 `CONV_2D` and `DEPTHWISE_CONV_2D` with per-channel requantization
//! (its `reference_integer_ops::ConvPerChannel` and `DepthwiseConvPerChannel`), and the
//! geometry they share with the pools: where a window of taps falls on the input.
//!
//! Both requantize with gemmlowp's two roundings ([`Multiplier::apply_twice`]), as TensorFlow
//! 2.21.0's interpreter does in these kernels (one rounding is one off in a few outputs).

use super::fast::{self, Channel, Dot};
use crate::int8::{Multiplier, Output};

/// How a window meets the input's edges (TensorFlow Lite's `Padding`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    /// As many outputs as `ceil(input / stride)`, the input padded (by as much on the top and
    /// left as on the bottom and right, or one less) so that the windows cover it.
    Same,
    /// Outputs only where the (dilated) window fits inside the input.
    Valid,
}

/// Where the windows of a convolution or a pool fall: the input's and the output's sizes,
/// the window, its strides and dilations and the padding before the first row and column.
/// Activations are `HWC`, channels fastest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    /// The input's height, width and channels.
    pub input: (usize, usize, usize),
    /// The output's height, width and channels.
    pub output: (usize, usize, usize),
    /// The window's height and width, in taps.
    pub kernel: (usize, usize),
    /// The steps between windows, down and across.
    pub strides: (usize, usize),
    /// The steps between a window's taps, down and across (1: adjacent).
    pub dilations: (usize, usize),
    /// The padding before the first row (top) and the first column (left).
    pub padding: (usize, usize),
}

impl Geometry {
    /// The geometry TensorFlow Lite gives a window of `kernel` taps moved by `strides` over an
    /// `input` of `(height, width, channels)` into `channels` output channels: the output's
    /// size as its `ComputeOutSize` and the top and left padding as its
    /// `ComputePaddingHeightWidth` compute them (for [`Padding::Same`], half the total
    /// padding, rounded down, before; the rest after).
    ///
    /// # Panics
    ///
    /// When a stride or a dilation is 0.
    pub fn new(
        input: (usize, usize, usize),
        kernel: (usize, usize),
        channels: usize,
        strides: (usize, usize),
        dilations: (usize, usize),
        padding: Padding,
    ) -> Self {
        let (height, top) = along(input.0, kernel.0, strides.0, dilations.0, padding);
        let (width, left) = along(input.1, kernel.1, strides.1, dilations.1, padding);
        Self {
            input,
            output: (height, width, channels),
            kernel,
            strides,
            dilations,
            padding: (top, left),
        }
    }

    /// The taps `start..end` of the window at output row `y` that fall inside the input, and
    /// the first input row of the window (negative in the padding).
    #[inline(always)]
    fn rows(&self, y: usize) -> (usize, usize, isize) {
        taps(
            y,
            self.strides.0,
            self.padding.0,
            self.dilations.0,
            self.kernel.0,
            self.input.0,
        )
    }

    /// As [`Geometry::rows`], for output column `x`.
    #[inline(always)]
    fn columns(&self, x: usize) -> (usize, usize, isize) {
        taps(
            x,
            self.strides.1,
            self.padding.1,
            self.dilations.1,
            self.kernel.1,
            self.input.1,
        )
    }
}

/// Along one dimension of `input` positions: the output's length and the padding before.
fn along(
    input: usize,
    kernel: usize,
    stride: usize,
    dilation: usize,
    padding: Padding,
) -> (usize, usize) {
    assert!(
        stride > 0 && dilation > 0,
        "strides and dilations are at least 1"
    );
    // Saturating: a file's dilations and strides may be any i32, and usize has 32 bits on
    // some targets.
    let reach = kernel
        .saturating_sub(1)
        .saturating_mul(dilation)
        .saturating_add(1);
    let output = match padding {
        Padding::Same => input.div_ceil(stride),
        Padding::Valid => input.saturating_add(stride).saturating_sub(reach) / stride,
    };
    // The padding that makes the last window end at the input's end, at least 0.
    let total = output
        .saturating_sub(1)
        .saturating_mul(stride)
        .saturating_add(reach)
        .saturating_sub(input);
    (output, total / 2)
}

/// The taps `start..end` (of `kernel`, `dilation` apart) of the window at output position `o`
/// that fall on the `len` input positions, and the window's first input position.
#[inline(always)]
pub(crate) fn taps(
    o: usize,
    stride: usize,
    pad: usize,
    dilation: usize,
    kernel: usize,
    len: usize,
) -> (usize, usize, isize) {
    let origin = (o * stride) as isize - pad as isize;
    if dilation == 1 {
        // The same without its divisions, for the common window of adjacent taps.
        let start = (-origin).max(0);
        let end = (len as isize - origin).clamp(0, kernel as isize).max(start);
        return (start as usize, end as usize, origin);
    }
    let d = dilation as isize;
    // The first tap at or after position 0, the first at or after `len`.
    let start = if origin < 0 { (-origin + d - 1) / d } else { 0 };
    let room = len as isize - origin;
    let end = if room <= 0 { 0 } else { (room + d - 1) / d };
    let end = end.min(kernel as isize).max(start);
    (start as usize, end as usize, origin)
}

/// The input position of tap `k` of a window starting at `origin`, for a tap that
/// [`taps`] found inside.
#[inline(always)]
fn at(origin: isize, k: usize, dilation: usize) -> usize {
    (origin + (k * dilation) as isize) as usize
}

/// An int8 2D convolution's constants, borrowed: TensorFlow Lite's
/// `reference_integer_ops::ConvPerChannel`, computed exactly as it computes it.
#[derive(Clone, Copy, Debug)]
pub struct Conv2D<'a> {
    /// Where the windows fall.
    pub geometry: Geometry,
    /// The kernels, `OHWI`: for each output channel, its window's taps, each as many weights
    /// as the input has channels. Zero point 0.
    pub weights: &'a [i8],
    /// One int32 bias per output channel at `scale_x · scale_w[c]`, or empty for none.
    pub bias: &'a [i32],
    /// The requantization factors `scale_x · scale_w[c] / scale_y`, one per output channel (or
    /// one for all), as [`Multiplier::for_channel`] computes them.
    pub multipliers: &'a [Multiplier],
    /// The input's zero point.
    pub input_zero: i32,
    /// The output's zero point and fused activation.
    pub output: Output,
}

impl Conv2D<'_> {
    /// `y = requantize(Σ_taps W · (x − zero_x) + b)` for every output position and channel,
    /// taps in the padding left out (as zeros of the real input would be).
    ///
    /// # Panics
    ///
    /// When `x` or `y` is not the geometry's input or output size, the weights are not
    /// `out_channels · kernel_h · kernel_w · in_channels` values, or the bias or the
    /// multipliers are neither empty/one nor one per output channel.
    pub fn run(&self, x: &[i8], y: &mut [i8]) {
        let g = &self.geometry;
        let (ih, iw, ic) = g.input;
        let (oh, ow, oc) = g.output;
        let (kh, kw) = g.kernel;
        assert_eq!(x.len(), ih * iw * ic, "input of another size");
        assert_eq!(y.len(), oh * ow * oc, "output of another size");
        let filter = kh * kw * ic;
        assert_eq!(self.weights.len(), oc * filter, "weights for another shape");
        assert!(self.bias.is_empty() || self.bias.len() == oc);
        assert!(self.multipliers.len() == 1 || self.multipliers.len() == oc);
        if oc == 0 || ic == 0 {
            // No weights: every sum is the bias.
            for out in y.chunks_exact_mut(oc.max(1)) {
                for (o, v) in out.iter_mut().enumerate() {
                    *v = self.finish(o, 0);
                }
            }
            return;
        }
        if fast::ENABLED && filter <= fast::MAX_TAPS && i8::try_from(self.input_zero).is_ok() {
            // Each `x − zero_x` fits an `i16`.
            fast::dispatch(ConvRun { conv: self, x, y });
            return;
        }
        self.reference(x, y);
    }

    /// The reference loops: each output's sum over its window's taps inside the input.
    pub(crate) fn reference(&self, x: &[i8], y: &mut [i8]) {
        let g = &self.geometry;
        let (_, iw, ic) = g.input;
        let (oh, ow, oc) = g.output;
        let (_, kw) = g.kernel;
        let filter = self.weights.len() / oc;
        for oy in 0..oh {
            let (ky0, ky1, y0) = g.rows(oy);
            for ox in 0..ow {
                let (kx0, kx1, x0) = g.columns(ox);
                let out = &mut y[(oy * ow + ox) * oc..][..oc];
                for (o, (v, kernel)) in out
                    .iter_mut()
                    .zip(self.weights.chunks_exact(filter))
                    .enumerate()
                {
                    // Σ w·x and Σ w over the taps inside; the zero point once at the end:
                    // Σ w·(x − z) = Σ w·x − z·Σ w (in int32, wrapping as TensorFlow Lite's
                    // sum would, so equal to it whenever it does not overflow).
                    let (mut wx, mut ws) = (0i32, 0i32);
                    for ky in ky0..ky1 {
                        let iy = at(y0, ky, g.dilations.0);
                        let row = &x[iy * iw * ic..][..iw * ic];
                        let taps = &kernel[ky * kw * ic..][..kw * ic];
                        if g.dilations.1 == 1 {
                            // Adjacent taps read adjacent pixels: one run of the row.
                            let ix = at(x0, kx0, 1);
                            let n = (kx1 - kx0) * ic;
                            let (a, b) = sums(&taps[kx0 * ic..][..n], &row[ix * ic..][..n]);
                            wx = wx.wrapping_add(a);
                            ws = ws.wrapping_add(b);
                            continue;
                        }
                        for kx in kx0..kx1 {
                            let ix = at(x0, kx, g.dilations.1);
                            let (a, b) = sums(&taps[kx * ic..][..ic], &row[ix * ic..][..ic]);
                            wx = wx.wrapping_add(a);
                            ws = ws.wrapping_add(b);
                        }
                    }
                    *v = self.finish(o, wx.wrapping_sub(ws.wrapping_mul(self.input_zero)));
                }
            }
        }
    }

    /// Output channel `o`'s sum `acc`, biased, requantized and stored.
    #[inline(always)]
    fn finish(&self, o: usize, acc: i32) -> i8 {
        let acc = acc.wrapping_add(self.bias.get(o).copied().unwrap_or(0));
        let m = self.multipliers[if self.multipliers.len() == 1 { 0 } else { o }];
        self.output.store(m.apply_twice(acc))
    }
}

/// A convolution's fast path: windows gathered, less the input's zero point, into `i16`
/// buffers ([`fast::PIXELS`] at a time, taps in the padding 0), each weight row then summed
/// against all of them at once, and the sums requantized [`fast::CHANNELS`] channels at a time.
struct ConvRun<'c, 'a> {
    conv: &'c Conv2D<'a>,
    x: &'c [i8],
    y: &'c mut [i8],
}

impl fast::Kernel for ConvRun<'_, '_> {
    #[inline(always)]
    fn run<D: Dot>(self) {
        let Self { conv, x, y } = self;
        if D::conv(conv, x, y) {
            return;
        }
        let g = &conv.geometry;
        let (oh, ow, oc) = g.output;
        let (kh, kw) = g.kernel;
        let k = kh * kw * g.input.2;
        let len = k.next_multiple_of(fast::STEP);
        let positions = oh * ow;
        let mut windows = [0i16; fast::PATCH];
        let mut channels = [Channel::default(); fast::CHANNELS];
        let mut sums = [[0i32; fast::CHANNELS]; fast::PIXELS];
        for first in (0..oc).step_by(fast::CHANNELS) {
            let n = fast::CHANNELS.min(oc - first);
            for (j, c) in channels[..n].iter_mut().enumerate() {
                *c = Channel::new(conv.bias, conv.multipliers, first + j);
            }
            let rows = &conv.weights[first * k..][..n * k];
            for p0 in (0..positions).step_by(fast::PIXELS) {
                let count = fast::PIXELS.min(positions - p0);
                for (i, window) in windows.chunks_exact_mut(len).take(count).enumerate() {
                    gather(conv, x, p0 + i, &mut window[..k]);
                }
                // Rows `j..j + J` against the windows, their sums stored.
                macro_rules! rows {
                    ($j:expr, $rows:literal) => {{
                        let j = $j;
                        let r: [&[i8]; $rows] = core::array::from_fn(|r| &rows[(j + r) * k..][..k]);
                        let s = D::block::<{ fast::PIXELS }, $rows>(&windows, len, r);
                        for (p, sums) in sums.iter_mut().enumerate() {
                            for r in 0..$rows {
                                sums[j + r] = s[r][p];
                            }
                        }
                    }};
                }
                let mut j = 0;
                if D::QUADS {
                    while j + 4 <= n {
                        rows!(j, 4);
                        j += 4;
                    }
                }
                while j + 2 <= n {
                    rows!(j, 2);
                    j += 2;
                }
                if j < n {
                    rows!(j, 1);
                }
                for (i, sums) in sums.iter().take(count).enumerate() {
                    let out = &mut y[(p0 + i) * oc + first..][..n];
                    fast::store_all(&sums[..n], &channels[..n], conv.output, out);
                }
            }
        }
    }
}

/// Output position `p`'s window of `conv` on `x`, less the input's zero point, into `window`
/// (`kernel_h · kernel_w · in_channels` values, `HWC`), taps in the padding 0.
#[inline(always)]
pub(crate) fn gather(conv: &Conv2D<'_>, x: &[i8], p: usize, window: &mut [i16]) {
    let g = &conv.geometry;
    let (_, iw, ic) = g.input;
    let (_, ow, _) = g.output;
    let (kh, kw) = g.kernel;
    let (ky0, ky1, y0) = g.rows(p / ow);
    let (kx0, kx1, x0) = g.columns(p % ow);
    let zero = conv.input_zero;
    let run = kw * ic;
    for (ky, taps) in window.chunks_exact_mut(run).enumerate().take(kh) {
        if !(ky0..ky1).contains(&ky) {
            taps.fill(0);
            continue;
        }
        let row = &x[at(y0, ky, g.dilations.0) * iw * ic..][..iw * ic];
        // Only at the edges (a fill of nothing is still a call of `memset`).
        if kx0 > 0 {
            taps[..kx0 * ic].fill(0);
        }
        if kx1 < kw {
            taps[kx1 * ic..].fill(0);
        }
        if g.dilations.1 == 1 {
            let ix = at(x0, kx0, 1);
            let n = (kx1 - kx0) * ic;
            for (t, &v) in taps[kx0 * ic..][..n].iter_mut().zip(&row[ix * ic..][..n]) {
                *t = (i32::from(v) - zero) as i16;
            }
        } else {
            for kx in kx0..kx1 {
                let ix = at(x0, kx, g.dilations.1);
                for (t, &v) in taps[kx * ic..][..ic].iter_mut().zip(&row[ix * ic..][..ic]) {
                    *t = (i32::from(v) - zero) as i16;
                }
            }
        }
    }
}

/// `(Σ w·x, Σ w)` in int32.
#[inline(always)]
fn sums(w: &[i8], x: &[i8]) -> (i32, i32) {
    w.iter().zip(x).fold((0i32, 0i32), |(wx, ws), (&w, &x)| {
        (
            wx.wrapping_add(i32::from(w) * i32::from(x)),
            ws.wrapping_add(i32::from(w)),
        )
    })
}

/// An int8 depthwise 2D convolution's constants, borrowed: TensorFlow Lite's
/// `reference_integer_ops::DepthwiseConvPerChannel`, computed exactly as it computes it.
/// Input channel `c` gives output channels `c · m .. (c + 1) · m` for a depth multiplier `m`
/// (`output channels / input channels`).
#[derive(Clone, Copy, Debug)]
pub struct DepthwiseConv2D<'a> {
    /// Where the windows fall; the output has `m` times the input's channels.
    pub geometry: Geometry,
    /// The kernels, `1HWO`: for each tap of the window, one weight per output channel. Zero
    /// point 0.
    pub weights: &'a [i8],
    /// One int32 bias per output channel at `scale_x · scale_w[c]`, or empty for none.
    pub bias: &'a [i32],
    /// The requantization factors `scale_x · scale_w[c] / scale_y`, one per output channel (or
    /// one for all), as [`Multiplier::for_channel`] computes them.
    pub multipliers: &'a [Multiplier],
    /// The input's zero point.
    pub input_zero: i32,
    /// The output's zero point and fused activation.
    pub output: Output,
}

/// Output channels summed together by the depthwise kernel, the sums on the stack.
const BLOCK: usize = 32;

impl DepthwiseConv2D<'_> {
    /// `y[.., c·m + j] = requantize(Σ_taps W[.., c·m + j] · (x[.., c] − zero_x) + b)` for
    /// every output position, taps in the padding left out.
    ///
    /// # Panics
    ///
    /// When `x` or `y` is not the geometry's input or output size, the output's channels are
    /// not a multiple of the input's, the weights are not `kernel_h · kernel_w ·
    /// out_channels` values, or the bias or the multipliers are neither empty/one nor one per
    /// output channel.
    pub fn run(&self, x: &[i8], y: &mut [i8]) {
        let g = &self.geometry;
        let (ih, iw, ic) = g.input;
        let (oh, ow, oc) = g.output;
        let (kh, kw) = g.kernel;
        assert_eq!(x.len(), ih * iw * ic, "input of another size");
        assert_eq!(y.len(), oh * ow * oc, "output of another size");
        assert!(
            ic > 0 && oc % ic == 0 || ic == 0 && oc == 0,
            "output channels a multiple of the input's"
        );
        assert_eq!(
            self.weights.len(),
            kh * kw * oc,
            "weights for another shape"
        );
        assert!(self.bias.is_empty() || self.bias.len() == oc);
        assert!(self.multipliers.len() == 1 || self.multipliers.len() == oc);
        let multiplier = oc.checked_div(ic).unwrap_or(1).max(1);
        if fast::ENABLED && multiplier == 1 && ic > 0 && i8::try_from(self.input_zero).is_ok() {
            fast::dispatch(DepthwiseRun { conv: self, x, y });
            return;
        }
        self.reference(x, y);
    }

    /// The reference loops, for every depth multiplier.
    pub(crate) fn reference(&self, x: &[i8], y: &mut [i8]) {
        let g = &self.geometry;
        let (_, iw, ic) = g.input;
        let (oh, ow, oc) = g.output;
        let (_, kw) = g.kernel;
        let multiplier = oc.checked_div(ic).unwrap_or(1).max(1);
        let zero = self.input_zero;
        for oy in 0..oh {
            let (ky0, ky1, y0) = g.rows(oy);
            for ox in 0..ow {
                let (kx0, kx1, x0) = g.columns(ox);
                let out = &mut y[(oy * ow + ox) * oc..][..oc];
                let mut first = 0;
                while first < oc {
                    let n = BLOCK.min(oc - first);
                    let mut acc = [0i32; BLOCK];
                    let acc = &mut acc[..n];
                    for ky in ky0..ky1 {
                        let iy = at(y0, ky, g.dilations.0);
                        for kx in kx0..kx1 {
                            let ix = at(x0, kx, g.dilations.1);
                            let pixel = &x[(iy * iw + ix) * ic..][..ic];
                            let w = &self.weights[(ky * kw + kx) * oc + first..][..n];
                            if multiplier == 1 {
                                let pixel = &pixel[first..][..n];
                                for ((a, &w), &v) in acc.iter_mut().zip(w).zip(pixel) {
                                    *a = a.wrapping_add(i32::from(w) * (i32::from(v) - zero));
                                }
                            } else {
                                for (j, (a, &w)) in acc.iter_mut().zip(w).enumerate() {
                                    let v = i32::from(pixel[(first + j) / multiplier]);
                                    *a = a.wrapping_add(i32::from(w) * (v - zero));
                                }
                            }
                        }
                    }
                    for (j, (v, &a)) in out[first..][..n].iter_mut().zip(acc.iter()).enumerate() {
                        let o = first + j;
                        let a = a.wrapping_add(self.bias.get(o).copied().unwrap_or(0));
                        let m = self.multipliers[if self.multipliers.len() == 1 { 0 } else { o }];
                        *v = self.output.store(m.apply_twice(a));
                    }
                    first += n;
                }
            }
        }
    }
}

/// A depthwise convolution's fast path, compiled for the widest instruction set.
struct DepthwiseRun<'c, 'a> {
    conv: &'c DepthwiseConv2D<'a>,
    x: &'c [i8],
    y: &'c mut [i8],
}

impl fast::Kernel for DepthwiseRun<'_, '_> {
    #[inline(always)]
    fn run<D: Dot>(self) {
        self.conv.fast::<D>(self.x, self.y);
    }
}

impl DepthwiseConv2D<'_> {
    /// The fast path for a depth multiplier of 1: channels in chunks of up to 32, each
    /// chunk's sums and requantization vectorized across its channels.
    #[inline(always)]
    fn fast<D: Dot>(&self, x: &[i8], y: &mut [i8]) {
        let oc = self.geometry.output.2;
        // Channels in chunks of fixed sizes, each loop over a chunk of known length (and so
        // vectorized whole), then one at a time.
        let mut first = 0;
        while oc - first >= 32 {
            self.chunk::<D, 32>(x, y, first);
            first += 32;
        }
        if oc - first >= 16 {
            self.chunk::<D, 16>(x, y, first);
            first += 16;
        }
        if oc - first >= 8 {
            self.chunk::<D, 8>(x, y, first);
            first += 8;
        }
        for first in first..oc {
            self.chunk::<D, 1>(x, y, first);
        }
    }

    /// Output channels `first..first + N` at every position.
    #[inline(always)]
    fn chunk<D: Dot, const N: usize>(&self, x: &[i8], y: &mut [i8], first: usize) {
        let g = &self.geometry;
        let (_, iw, ic) = g.input;
        let (oh, ow, oc) = g.output;
        let (_, kw) = g.kernel;
        // In `i8`'s range (checked by the caller).
        let zero = self.input_zero;
        let channels: [Channel; N] =
            core::array::from_fn(|j| Channel::new(self.bias, self.multipliers, first + j));
        let output = self.output;
        for oy in 0..oh {
            let (ky0, ky1, y0) = g.rows(oy);
            for ox in 0..ow {
                let (kx0, kx1, x0) = g.columns(ox);
                let mut acc = [0i32; N];
                for ky in ky0..ky1 {
                    let iy = at(y0, ky, g.dilations.0);
                    for kx in kx0..kx1 {
                        let ix = at(x0, kx, g.dilations.1);
                        let pixel: &[i8; N] = x[(iy * iw + ix) * ic + first..][..N]
                            .try_into()
                            .expect("N values");
                        let w: &[i8; N] = self.weights[(ky * kw + kx) * oc + first..][..N]
                            .try_into()
                            .expect("N values");
                        D::tap(&mut acc, w, pixel, zero);
                    }
                }
                let out: &mut [i8; N] = (&mut y[(oy * ow + ox) * oc + first..][..N])
                    .try_into()
                    .expect("N values");
                for ((v, &a), c) in out.iter_mut().zip(&acc).zip(&channels) {
                    *v = c.store(a, output);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_and_valid_geometry_is_tflite_s() {
        // 17 rows, a 3-tap window, stride 2, SAME: 9 outputs, total padding 2, 1 on top.
        let g = Geometry::new((17, 15, 3), (3, 3), 6, (2, 2), (1, 1), Padding::Same);
        assert_eq!(g.output, (9, 8, 6));
        assert_eq!(g.padding, (1, 1));
        // 3 taps dilated by 2 reach 5: VALID on 9x8 gives 5x4, no padding.
        let g = Geometry::new((9, 8, 6), (3, 3), 12, (1, 1), (2, 2), Padding::Valid);
        assert_eq!(g.output, (5, 4, 12));
        assert_eq!(g.padding, (0, 0));
        // An even total pads one less before than after: 4 rows, window 2, stride 1.
        let g = Geometry::new((4, 4, 1), (2, 2), 1, (1, 1), (1, 1), Padding::Same);
        assert_eq!(g.padding, (0, 0));
        assert_eq!(taps(3, 1, 0, 1, 2, 4), (0, 1, 3));
    }

    #[test]
    fn taps_are_those_inside() {
        for (o, stride, pad, dilation, kernel, len) in small_windows() {
            let (start, end, origin) = taps(o, stride, pad, dilation, kernel, len);
            assert_eq!(origin, (o * stride) as isize - pad as isize);
            for k in 0..kernel {
                let position = origin + (k * dilation) as isize;
                let inside = (0..len as isize).contains(&position);
                assert_eq!(
                    (start..end).contains(&k),
                    inside,
                    "{o} {stride} {pad} {dilation}"
                );
            }
        }
    }

    /// Every small output position, stride, padding, dilation, window and input length.
    fn small_windows() -> impl Iterator<Item = (usize, usize, usize, usize, usize, usize)> {
        (0..8).flat_map(|o| {
            (1..4).flat_map(move |stride| {
                (0..4).flat_map(move |pad| {
                    (1..4).flat_map(move |dilation| {
                        (0..5).flat_map(move |kernel| {
                            (0..9).map(move |len| (o, stride, pad, dilation, kernel, len))
                        })
                    })
                })
            })
        })
    }

    #[test]
    fn taps_in_the_padding_are_left_out() {
        // Origin −2, dilation 2, 3 taps on 5 positions: positions −2, 0, 2 → taps 1..3.
        assert_eq!(taps(0, 1, 2, 2, 3, 5), (1, 3, -2));
        // Origin 4 on 5 positions with dilation 2: positions 4, 6, 8 → tap 0 only.
        assert_eq!(taps(4, 1, 0, 2, 3, 5), (0, 1, 4));
        // A window entirely outside.
        assert_eq!(taps(7, 1, 0, 1, 2, 5), (0, 0, 7));
    }
}
