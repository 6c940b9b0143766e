//! TensorFlow Lite's int8 `FULLY_CONNECTED`: `y = requantize(W · (x − zero_x) + b)`.

use super::fast::{self, Dot};
use crate::int8::{Multiplier, Output};

/// An int8 fully connected operator's constants, borrowed: TensorFlow Lite's
/// `reference_integer_ops::FullyConnected` (per tensor) and its per-channel form.
#[derive(Clone, Copy, Debug)]
pub struct FullyConnected<'a> {
    /// The weights, one row of `x.len()` values per output (`OI`), zero point 0.
    pub weights: &'a [i8],
    /// One int32 bias per output at `scale_x · scale_w`, or empty for none.
    pub bias: &'a [i32],
    /// The requantization factor `scale_x · scale_w / scale_y`: one for every output (weights
    /// quantized per tensor) or one per output (per channel).
    pub multipliers: &'a [Multiplier],
    /// The input's zero point.
    pub input_zero: i32,
    /// The output's zero point and fused activation.
    pub output: Output,
}

impl FullyConnected<'_> {
    /// `y = requantize(W · (x − zero_x) + b)`, for `y.len()` outputs.
    ///
    /// # Panics
    ///
    /// When the weights are not `y.len() · x.len()` values, or the bias or the multipliers
    /// are neither empty/one nor one per output: the constants were built for another shape.
    pub fn run(&self, x: &[i8], y: &mut [i8]) {
        let width = x.len();
        assert_eq!(
            self.weights.len(),
            width * y.len(),
            "weights for another shape"
        );
        assert!(self.bias.is_empty() || self.bias.len() == y.len());
        assert!(self.multipliers.len() == 1 || self.multipliers.len() == y.len());
        self.compute(x, y);
    }

    /// [`run`](Self::run) without its checks of the constants' shapes, for the typed layers,
    /// whose shapes the compiler checked (and whose multipliers, read from a file or built in,
    /// are one or one per output). The reference loop, which bare metal runs, has no panic path
    /// (a microcontroller's program carries no panic code for it): constants of another shape
    /// would only give other numbers there.
    pub(crate) fn compute(&self, x: &[i8], y: &mut [i8]) {
        let width = x.len();
        if fast::ENABLED
            && (1..=fast::MAX_TAPS).contains(&width)
            && i8::try_from(self.input_zero).is_ok()
        {
            // Each `x − zero_x` fits an `i16`.
            fast::dispatch(Run { fc: self, x, y });
            return;
        }
        self.reference(x, y);
    }

    /// The requantization of output `o`: its own, or the one for all.
    #[inline(always)]
    fn multiplier(&self, o: usize) -> Multiplier {
        self.multipliers
            .get(o)
            .or(self.multipliers.first())
            .copied()
            .unwrap_or(Multiplier { value: 0, shift: 0 })
    }

    /// The reference loop: one dot product an output.
    pub(crate) fn reference(&self, x: &[i8], y: &mut [i8]) {
        let width = x.len();
        for (o, (out, row)) in y
            .iter_mut()
            .zip(self.weights.chunks_exact(width.max(1)))
            .enumerate()
        {
            let sum =
                dot(row, x, self.input_zero).wrapping_add(self.bias.get(o).copied().unwrap_or(0));
            *out = self.output.store(self.multiplier(o).apply(sum));
        }
    }
}

/// The fast path: the input less its zero point as `i16`, four weight rows summed against it
/// at once.
struct Run<'c, 'a> {
    fc: &'c FullyConnected<'a>,
    x: &'c [i8],
    y: &'c mut [i8],
}

impl fast::Kernel for Run<'_, '_> {
    #[inline(always)]
    fn run<D: Dot>(self) {
        let Self { fc, x, y } = self;
        let width = x.len();
        let len = width.next_multiple_of(fast::STEP);
        let mut window = [0i16; fast::MAX_TAPS];
        for (t, &v) in window.iter_mut().zip(x) {
            *t = (i32::from(v) - fc.input_zero) as i16;
        }
        let window = &window[..len];
        let finish = |o: usize, sum: i32| {
            let sum = sum.wrapping_add(fc.bias.get(o).copied().unwrap_or(0));
            fc.output.store(fast::once(fc.multiplier(o), sum))
        };
        let first = y.len() / 4 * 4;
        let mut quads = fc.weights.chunks_exact(4 * width);
        let mut outs = y.chunks_exact_mut(4);
        for (q, (rows, out)) in quads.by_ref().zip(outs.by_ref()).enumerate() {
            let (a, rest) = rows.split_at(width);
            let (b, rest) = rest.split_at(width);
            let (c, d) = rest.split_at(width);
            let s = D::block::<1, 4>(window, len, [a, b, c, d]);
            for (j, v) in out.iter_mut().enumerate() {
                *v = finish(4 * q + j, s[j][0]);
            }
        }
        for (j, row) in quads.remainder().chunks_exact(width).enumerate() {
            let s = D::block::<1, 1>(window, len, [row]);
            y[first + j] = finish(first + j, s[0][0]);
        }
    }
}

/// `Σ w · (x − zero)` in int32, as TensorFlow Lite sums it. Each term is below 2^15 in size, so
/// no sum of fewer than 65,536 terms overflows; a longer one wraps rather than panics.
#[inline(always)]
pub(crate) fn dot(w: &[i8], x: &[i8], zero: i32) -> i32 {
    w.iter().zip(x).fold(0i32, |acc, (&w, &x)| {
        acc.wrapping_add(i32::from(w) * (i32::from(x) - zero))
    })
}
