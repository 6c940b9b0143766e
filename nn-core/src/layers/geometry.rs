//! The geometry of 2-D windows (convolutions and pools) over channels-last images.

use nn_keras::window::{output_size, padding_before};

/// Keras's padding modes (defined in `nn-keras`, with the window arithmetic).
pub use nn_keras::Padding;

/// A window of `kh × kw` moved over an `h × w × c` image with strides `sh × sw`, giving an
/// `oh × ow` output; `pad_top` and `pad_left` rows and columns of padding come first.
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
    /// valid-padded input) or a size is zero.
    pub const fn new(
        (h, w, c): (usize, usize, usize),
        (kh, kw): (usize, usize),
        (sh, sw): (usize, usize),
        padding: Padding,
    ) -> Option<Self> {
        if c == 0 {
            return None;
        }
        // Keras's formula, shared with the macro that writes the sizes into the types.
        let (Some(oh), Some(ow)) = (
            output_size(h, kh, sh, padding),
            output_size(w, kw, sw, padding),
        ) else {
            return None;
        };
        let pad_top = padding_before(h, kh, sh, padding);
        let pad_left = padding_before(w, kw, sw, padding);
        Some(Self {
            h,
            w,
            c,
            kh,
            kw,
            sh,
            sw,
            pad_top,
            pad_left,
            oh,
            ow,
        })
    }

    /// Values per input sample.
    pub const fn input_len(&self) -> usize {
        self.h * self.w * self.c
    }

    /// Output positions per sample.
    pub const fn positions(&self) -> usize {
        self.oh * self.ow
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
        let y = (oy * self.sh + i).checked_sub(self.pad_top)?;
        let x = (ox * self.sw + j).checked_sub(self.pad_left)?;
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
}
