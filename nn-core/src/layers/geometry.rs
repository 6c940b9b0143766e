//! The geometry of 2-D windows (convolutions and pools) over channels-last images.

/// Keras's padding modes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Padding {
    /// No padding: the output shrinks by the window minus one (Keras's default).
    #[default]
    Valid,
    /// Zero padding so that the output size is `ceil(input / stride)`.
    Same,
}

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
        if h == 0 || w == 0 || c == 0 || kh == 0 || kw == 0 || sh == 0 || sw == 0 {
            return None;
        }
        let (oh, ow, pad_top, pad_left) = match padding {
            Padding::Valid => {
                if kh > h || kw > w {
                    return None;
                }
                ((h - kh) / sh + 1, (w - kw) / sw + 1, 0, 0)
            }
            Padding::Same => {
                let (oh, ow) = (h.div_ceil(sh), w.div_ceil(sw));
                let pad_h = ((oh - 1) * sh + kh).saturating_sub(h);
                let pad_w = ((ow - 1) * sw + kw).saturating_sub(w);
                (oh, ow, pad_h / 2, pad_w / 2)
            }
        };
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
