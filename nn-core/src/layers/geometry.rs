//! The geometry of 2-D windows (convolutions and pools) over channels-last images. A 1-D window
//! over a sequence of `steps × channels` is the same window over a `steps × 1` image.

use nn_keras::window::{dilated, output_size, padding_before};

/// Keras's padding modes (defined in `nn-keras`, with the window arithmetic).
pub use nn_keras::Padding;

/// A window of `kh × kw` taps, `dh` rows and `dw` columns apart (the dilation; 1 for adjacent
/// taps), moved over an `h × w × c` image with strides `sh × sw`, giving an `oh × ow` output;
/// `pad_top` and `pad_left` rows and columns of padding come first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Input height, width and channels.
    pub h: usize,
    /// Input width.
    pub w: usize,
    /// Input channels.
    pub c: usize,
    /// Window height.
    pub kh: usize,
    /// Window width.
    pub kw: usize,
    /// Vertical stride.
    pub sh: usize,
    /// Horizontal stride.
    pub sw: usize,
    /// Rows between vertical taps (1: adjacent).
    pub dh: usize,
    /// Columns between horizontal taps (1: adjacent).
    pub dw: usize,
    /// Padding rows above.
    pub pad_top: usize,
    /// Padding columns on the left.
    pub pad_left: usize,
    /// Output height.
    pub oh: usize,
    /// Output width.
    pub ow: usize,
}

impl Window {
    /// The geometry Keras computes, or `None` when the window leaves no output (larger than a
    /// valid-padded input) or a size is zero. Causal padding is for sequences only.
    pub const fn new(
        image: (usize, usize, usize),
        kernel: (usize, usize),
        strides: (usize, usize),
        padding: Padding,
    ) -> Option<Self> {
        if matches!(padding, Padding::Causal) {
            return None;
        }
        Self::dilated(image, kernel, strides, (1, 1), padding)
    }

    /// [`new`](Self::new) with taps `dh` rows and `dw` columns apart (Keras's `dilation_rate`);
    /// `None` also for a dilation of zero, or causal padding of an image more than one column
    /// wide.
    pub const fn dilated(
        (h, w, c): (usize, usize, usize),
        (kh, kw): (usize, usize),
        (sh, sw): (usize, usize),
        (dh, dw): (usize, usize),
        padding: Padding,
    ) -> Option<Self> {
        if c == 0 || dh == 0 || dw == 0 || (matches!(padding, Padding::Causal) && w != 1) {
            return None;
        }
        // Keras's formula, shared with the macro that writes the sizes into the types.
        let (span_h, span_w) = (dilated(kh, dh), dilated(kw, dw));
        let (Some(oh), Some(ow)) = (
            output_size(h, span_h, sh, padding),
            output_size(w, span_w, sw, padding),
        ) else {
            return None;
        };
        let pad_top = padding_before(h, span_h, sh, padding);
        let pad_left = padding_before(w, span_w, sw, padding);
        Some(Self {
            h,
            w,
            c,
            kh,
            kw,
            sh,
            sw,
            dh,
            dw,
            pad_top,
            pad_left,
            oh,
            ow,
        })
    }

    /// A 1-D window over a sequence of `steps × c` values: `k` taps `d` steps apart, moved by
    /// `s` steps (the window over a `steps × 1` image).
    pub const fn sequence(
        (steps, c): (usize, usize),
        k: usize,
        s: usize,
        d: usize,
        padding: Padding,
    ) -> Option<Self> {
        Self::dilated((steps, 1, c), (k, 1), (s, 1), (d, 1), padding)
    }

    /// The same window with rows and columns swapped: over the transposed image, whose
    /// channels-last values are in the same order when one of its sides is 1 (a sequence's
    /// `steps × 1` image is a `1 × steps` one, the same memory).
    pub(crate) const fn transposed(self) -> Self {
        Self {
            h: self.w,
            w: self.h,
            kh: self.kw,
            kw: self.kh,
            sh: self.sw,
            sw: self.sh,
            dh: self.dw,
            dw: self.dh,
            pad_top: self.pad_left,
            pad_left: self.pad_top,
            oh: self.ow,
            ow: self.oh,
            ..self
        }
    }

    /// Values per input sample.
    pub const fn input_len(&self) -> usize {
        self.h * self.w * self.c
    }

    /// Output positions per sample.
    pub const fn positions(&self) -> usize {
        self.oh * self.ow
    }

    /// The output columns whose window column `j` lies inside the image: `ox` in the range
    /// reads input column `ox · sw + j · dw − pad_left`. An empty range starts at its end.
    #[inline]
    pub(crate) fn columns_inside(&self, j: usize) -> core::ops::Range<usize> {
        let shift = j * self.dw;
        let lo = self.pad_left.saturating_sub(shift).div_ceil(self.sw);
        let Some(last) = (self.w + self.pad_left).checked_sub(shift + 1) else {
            return 0..0;
        };
        let hi = self.ow.min(last / self.sw + 1);
        // Empty (`hi..hi`) when the tap column is beside the image for every output column.
        lo.min(hi)..hi
    }

    /// The input row and column under window offset `(i, j)` at output `(oy, ox)`, if inside.
    #[inline]
    pub(crate) fn source(
        &self,
        oy: usize,
        ox: usize,
        i: usize,
        j: usize,
    ) -> Option<(usize, usize)> {
        let y = (oy * self.sh + i * self.dh).checked_sub(self.pad_top)?;
        let x = (ox * self.sw + j * self.dw).checked_sub(self.pad_left)?;
        (y < self.h && x < self.w).then_some((y, x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_sizes_follow_keras() {
        let valid = Window::new((64, 64, 3), (3, 3), (1, 1), Padding::Valid).unwrap();
        assert_eq!((valid.oh, valid.ow), (62, 62));
        let strided = Window::new((28, 28, 1), (3, 3), (2, 2), Padding::Valid).unwrap();
        assert_eq!((strided.oh, strided.ow), (13, 13));
        let same = Window::new((28, 28, 1), (3, 3), (2, 2), Padding::Same).unwrap();
        assert_eq!(
            (same.oh, same.ow, same.pad_top, same.pad_left),
            (14, 14, 0, 0)
        );
        let same = Window::new((5, 5, 1), (3, 3), (1, 1), Padding::Same).unwrap();
        assert_eq!((same.oh, same.pad_top), (5, 1));
        let even = Window::new((6, 6, 1), (4, 4), (1, 1), Padding::Same).unwrap();
        assert_eq!(
            (even.pad_top, even.oh),
            (1, 6),
            "Keras puts the odd padding row below"
        );
        assert!(Window::new((2, 2, 1), (3, 3), (1, 1), Padding::Valid).is_none());
        assert!(Window::new((2, 2, 1), (3, 3), (1, 1), Padding::Same).is_some());
    }

    #[test]
    fn the_columns_inside_are_those_source_finds() {
        let windows = [
            Window::new((5, 7, 1), (3, 3), (1, 1), Padding::Same),
            Window::new((5, 7, 1), (2, 4), (1, 2), Padding::Same),
            Window::new((5, 8, 1), (3, 3), (2, 3), Padding::Same),
            Window::dilated((5, 9, 1), (2, 3), (1, 2), (1, 3), Padding::Same),
            Window::dilated((5, 9, 1), (2, 3), (1, 1), (1, 2), Padding::Valid),
            Window::new((3, 2, 1), (3, 5), (1, 1), Padding::Same),
            Window::new((3, 1, 1), (1, 7), (1, 1), Padding::Same),
            Window::dilated((3, 2, 1), (1, 4), (1, 1), (1, 3), Padding::Same),
        ];
        for window in windows.into_iter().map(|w| w.expect("valid")) {
            for j in 0..window.kw {
                // Where the tap's input column is inside the image (the rows aside).
                let inside: Vec<usize> = (0..window.ow)
                    .filter(|&ox| {
                        let x = (ox * window.sw + j * window.dw).checked_sub(window.pad_left);
                        x.is_some_and(|x| x < window.w)
                    })
                    .collect();
                let range = window.columns_inside(j);
                assert!(
                    range.start <= range.end,
                    "{window:?}, column {j}: {range:?}"
                );
                assert_eq!(range.collect::<Vec<_>>(), inside, "{window:?}, column {j}");
            }
        }
    }

    #[test]
    fn sequences_are_one_column_images() {
        // Keras's Conv1D(kernel_size=3, dilation_rate=2, padding="causal") on 10 steps: 4 steps
        // of zeros before, 10 outputs; output 0's taps are steps -4, -2, 0.
        let causal = Window::sequence((10, 4), 3, 1, 2, Padding::Causal).unwrap();
        assert_eq!(
            (causal.oh, causal.ow, causal.pad_top, causal.pad_left),
            (10, 1, 4, 0)
        );
        assert_eq!(causal.source(0, 0, 0, 0), None);
        assert_eq!(causal.source(0, 0, 2, 0), Some((0, 0)));
        assert_eq!(causal.source(5, 0, 1, 0), Some((3, 0)));
        let valid = Window::sequence((10, 4), 3, 2, 2, Padding::Valid).unwrap();
        assert_eq!((valid.oh, valid.source(2, 0, 2, 0)), (3, Some((8, 0))));
        // The same window along a row (as the depthwise layers run it): a 1 × 10 image.
        let row = valid.transposed();
        assert_eq!((row.h, row.w, row.ow, row.sw, row.dw), (1, 10, 3, 2, 2));
        assert_eq!(
            (row.source(0, 2, 0, 2), row.transposed()),
            (Some((0, 8)), valid)
        );
        assert!(Window::sequence((4, 4), 3, 1, 2, Padding::Valid).is_none());
        assert!(Window::new((10, 1, 4), (3, 1), (1, 1), Padding::Causal).is_none());
        assert!(Window::dilated((10, 2, 4), (3, 1), (1, 1), (1, 1), Padding::Causal).is_none());
    }
}
