//! TensorFlow Lite's int8 `AVERAGE_POOL_2D` and `MAX_POOL_2D` (its
//! `reference_integer_ops::AveragePool` and `MaxPool`): per channel, over the window's taps
//! that fall inside the input, with the input's scale and zero point kept.

use super::conv::Geometry;

/// An int8 average pool: each output the mean of its window's values inside the input,
/// rounded half away from zero, as TensorFlow Lite's `reference_integer_ops::AveragePool`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AveragePool {
    /// Where the windows fall (output channels = input channels, dilations 1).
    pub geometry: Geometry,
    /// The least value the fused activation lets through (at least −128).
    pub min: i32,
    /// The greatest value the fused activation lets through (at most 127).
    pub max: i32,
}

/// An int8 max pool: each output the greatest of its window's values inside the input, as
/// TensorFlow Lite's `reference_integer_ops::MaxPool`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaxPool {
    /// Where the windows fall (output channels = input channels, dilations 1).
    pub geometry: Geometry,
    /// The least value the fused activation lets through (at least −128).
    pub min: i32,
    /// The greatest value the fused activation lets through (at most 127).
    pub max: i32,
}

/// The checks both pools make of their geometry and slices.
fn check(g: &Geometry, x: &[i8], y: &[i8]) {
    let (ih, iw, ic) = g.input;
    let (oh, ow, oc) = g.output;
    assert_eq!(ic, oc, "a pool keeps the channels");
    assert_eq!(x.len(), ih * iw * ic, "input of another size");
    assert_eq!(y.len(), oh * ow * oc, "output of another size");
}

/// Calls `f(output pixel, window rows, window columns)` for every output position, with the
/// window's rows and columns inside the input.
#[inline(always)]
fn windows(
    g: &Geometry,
    y: &mut [i8],
    mut f: impl FnMut(&mut [i8], core::ops::Range<usize>, core::ops::Range<usize>),
) {
    let (_, ow, c) = g.output;
    if c == 0 {
        return;
    }
    for (p, out) in y.chunks_exact_mut(c).enumerate() {
        let (oy, ox) = (p / ow, p % ow);
        let (y0, y1, top) =
            super::conv::taps(oy, g.strides.0, g.padding.0, 1, g.kernel.0, g.input.0);
        let (x0, x1, left) =
            super::conv::taps(ox, g.strides.1, g.padding.1, 1, g.kernel.1, g.input.1);
        let rows = (top + y0 as isize) as usize..(top + y1 as isize) as usize;
        let columns = (left + x0 as isize) as usize..(left + x1 as isize) as usize;
        f(out, rows, columns);
    }
}

impl AveragePool {
    /// Each output `round(Σ x / n)` over the `n` values of its window inside the input, the
    /// rounding half away from zero in integers (`(Σ ± n/2) / n`, truncated), then clamped to
    /// `[min, max]`.
    ///
    /// A window with no value inside (only with more padding than window, which TensorFlow
    /// Lite refuses) gives 0, clamped.
    ///
    /// # Panics
    ///
    /// When the geometry's input and output channels differ, or `x` or `y` is not its input
    /// or output size.
    pub fn run(&self, x: &[i8], y: &mut [i8]) {
        let g = &self.geometry;
        check(g, x, y);
        let (_, iw, c) = g.input;
        windows(g, y, |out, rows, columns| {
            let n = (rows.len() * columns.len()) as i32;
            for (ch, v) in out.iter_mut().enumerate() {
                let mut sum = 0i32;
                for iy in rows.clone() {
                    for ix in columns.clone() {
                        sum = sum.wrapping_add(i32::from(x[(iy * iw + ix) * c + ch]));
                    }
                }
                let mean = match n {
                    0 => 0,
                    _ if sum > 0 => (sum + n / 2) / n,
                    _ => (sum - n / 2) / n,
                };
                *v = mean.clamp(self.min, self.max) as i8;
            }
        });
    }
}

impl MaxPool {
    /// Each output the greatest value of its window inside the input (−128 for a window with
    /// none), clamped to `[min, max]`.
    ///
    /// # Panics
    ///
    /// When the geometry's input and output channels differ, or `x` or `y` is not its input
    /// or output size.
    pub fn run(&self, x: &[i8], y: &mut [i8]) {
        let g = &self.geometry;
        check(g, x, y);
        let (_, iw, c) = g.input;
        windows(g, y, |out, rows, columns| {
            out.fill(i8::MIN);
            for iy in rows {
                for ix in columns.clone() {
                    let pixel = &x[(iy * iw + ix) * c..][..c];
                    for (v, &p) in out.iter_mut().zip(pixel) {
                        *v = (*v).max(p);
                    }
                }
            }
            for v in out.iter_mut() {
                *v = i32::from(*v).clamp(self.min, self.max) as i8;
            }
        });
    }
}
