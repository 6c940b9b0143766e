//! The int8 form of `MaxPool2D` and `AvgPool2D`.

use crate::int8::kernels::{AveragePool, MaxPool};
use crate::int8::{Geometry, Layer};

/// The int8 form of [`crate::MaxPool2D`] (`MAX = true`) and [`crate::AvgPool2D`]: TensorFlow
/// Lite's `MAX_POOL_2D` and `AVERAGE_POOL_2D`, whose output keeps the input's scale and zero
/// point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pool<const MAX: bool> {
    /// Where the windows fall.
    pub geometry: Geometry,
    /// The least value the fused activation lets through.
    pub min: i32,
    /// The greatest value the fused activation lets through.
    pub max: i32,
}

impl<const IN: usize, const OUT: usize, const MAX: bool> Layer<IN, OUT> for Pool<MAX> {
    #[inline]
    fn forward(&self, x: &[i8; IN], y: &mut [i8; OUT]) {
        let (geometry, min, max) = (self.geometry, self.min, self.max);
        if MAX {
            MaxPool { geometry, min, max }.run(x, y);
        } else {
            AveragePool { geometry, min, max }.run(x, y);
        }
    }

    #[cfg(feature = "std")]
    fn load(&mut self, walk: &mut crate::int8::Walk<'_>) {
        if let Some((min, max)) = load_pool(walk, MAX, &self.geometry, OUT) {
            (self.min, self.max) = (min, max);
        }
    }
}

/// Reads a `MAX_POOL_2D` (`max`) or an `AVERAGE_POOL_2D` of `geometry` and `len` output
/// values: the clamp of its fused activation, or `None` after a problem.
#[cfg(feature = "std")]
pub(crate) fn load_pool(
    walk: &mut crate::int8::Walk<'_>,
    max: bool,
    geometry: &Geometry,
    len: usize,
) -> Option<(i32, i32)> {
    use nn_tflite::{Code, Options};
    let code = if max {
        Code::MAX_POOL_2D
    } else {
        Code::AVERAGE_POOL_2D
    };
    let input = walk.input_quantization();
    let op = walk.operator(&code)?;
    let &Options::Pool2D {
        padding,
        strides,
        filter,
        activation,
    } = op.options()
    else {
        walk.problem(format!("its {} operator has no settings", code.name()));
        return None;
    };
    let (kh, kw) = geometry.kernel;
    if usize::try_from(filter.0) != Ok(kh) || usize::try_from(filter.1) != Ok(kw) {
        walk.problem(format!(
            "the file's window is {}×{}, the declaration's {kh}×{kw}",
            filter.0, filter.1
        ));
    } else {
        super::conv::check_window(walk, geometry, strides, (1, 1), padding);
        crate::int8::walk::image_shapes(walk, &op, geometry.input, geometry.output);
    }
    let mut clamp = None;
    if let Some((scale, output)) = crate::int8::walk::output(walk, &op, activation, len) {
        if let Some((in_scale, in_zero)) = input
            && (in_scale != scale || in_zero != output.zero)
        {
            walk.problem(format!(
                "the file's pool changes the quantization (scale {in_scale} zero {in_zero} \
                 in, {scale} and {} out), which TensorFlow Lite's pools do not",
                output.zero
            ));
        }
        clamp = Some((output.min, output.max));
    }
    walk.advance(op, activation, crate::int8::Bounds::NONE);
    clamp
}

impl<const IN: usize, const OUT: usize, const MAX: bool> crate::int8::Quantize<IN, OUT>
    for crate::Pool<IN, OUT, MAX, 2>
{
    type Int8 = Pool<MAX>;

    fn int8(&self) -> Pool<MAX> {
        let w = self.window();
        Pool {
            geometry: super::conv::geometry(w, w.c),
            min: -128,
            max: 127,
        }
    }

    #[cfg(feature = "std")]
    fn convert(&self, c: &mut crate::int8::Converter) {
        use nn_tflite::{Activation, Code, Options};
        c.range();
        let w = self.window();
        let window = crate::int8::convert::window(&w);
        let options = Options::Pool2D {
            padding: window.padding,
            strides: window.strides,
            filter: (w.kh as i32, w.kw as i32),
            activation: Activation::None,
        };
        let code = if MAX {
            Code::MAX_POOL_2D
        } else {
            Code::AVERAGE_POOL_2D
        };
        c.keeping(code, options, &[w.oh, w.ow, w.c]);
    }
}

/// The int8 form of [`crate::GlobalAvgPool2D`]: each channel's mean over every position, as
/// TensorFlow Lite's `AVERAGE_POOL_2D` with a window as large as the input computes it (which
/// is how our conversion writes it; a file's `MEAN` is not read yet). `C` channels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlobalAverage<const C: usize> {
    /// The pool over all `IN / C` positions as one column.
    pub pool: Pool<false>,
}

impl<const IN: usize, const C: usize> Layer<IN, C> for GlobalAverage<C> {
    #[inline]
    fn forward(&self, x: &[i8; IN], y: &mut [i8; C]) {
        Layer::<IN, C>::forward(&self.pool, x, y);
    }

    #[cfg(feature = "std")]
    fn load(&mut self, walk: &mut crate::int8::Walk<'_>) {
        if let Some((min, max)) = load_global(walk, C) {
            (self.pool.min, self.pool.max) = (min, max);
        }
    }
}

/// Reads a global average over `channels` channels: an `AVERAGE_POOL_2D` whose window is the
/// whole input. The clamp of its fused activation, or `None` after a problem.
#[cfg(feature = "std")]
pub(crate) fn load_global(walk: &mut crate::int8::Walk<'_>, channels: usize) -> Option<(i32, i32)> {
    use nn_tflite::{Code, Options};
    let shape = walk.input().shape.clone();
    let (Some(op), [1, h, w, c]) = (walk.peek(&Code::AVERAGE_POOL_2D), shape.as_slice()) else {
        if walk.next_is(&Code::MEAN) {
            walk.problem("the file averages with a MEAN operator, which is not read yet");
        } else {
            walk.problem("expected an AVERAGE_POOL_2D over the whole input");
        }
        return None;
    };
    if let &Options::Pool2D { filter, .. } = op.options()
        && (filter != (*h, *w) || usize::try_from(*c) != Ok(channels))
    {
        walk.problem(format!(
            "the file's average pool has a {}×{} window over a {h}×{w} input of {c} channels; \
             a global average over {channels} channels expected",
            filter.0, filter.1
        ));
        return None;
    }
    // Read as the file's own window; run as one column of all positions, which sums and
    // divides the same values.
    let (Ok(h), Ok(w)) = (usize::try_from(*h), usize::try_from(*w)) else {
        walk.problem(format!("its input has shape {shape:?} in the file"));
        return None;
    };
    let geometry = Geometry {
        input: (h, w, channels),
        output: (1, 1, channels),
        kernel: (h, w),
        strides: (1, 1),
        dilations: (1, 1),
        padding: (0, 0),
    };
    load_pool(walk, false, &geometry, channels)
}

impl<const IN: usize, const C: usize> crate::int8::Quantize<IN, C> for crate::GlobalAvgPool2D {
    type Int8 = GlobalAverage<C>;

    fn int8(&self) -> GlobalAverage<C> {
        let positions = IN / C.max(1);
        GlobalAverage {
            pool: Pool {
                geometry: Geometry {
                    input: (positions, 1, C),
                    output: (1, 1, C),
                    kernel: (positions, 1),
                    strides: (1, 1),
                    dilations: (1, 1),
                    padding: (0, 0),
                },
                min: -128,
                max: 127,
            },
        }
    }

    #[cfg(feature = "std")]
    fn convert(&self, c: &mut crate::int8::Converter) {
        use nn_tflite::{Activation, Code, Options, Padding};
        c.range();
        let shape = c.shape();
        let (h, w) = match shape.as_slice() {
            &[h, w, _] => (h, w),
            _ => (IN / C.max(1), 1),
        };
        let options = Options::Pool2D {
            padding: Padding::Valid,
            strides: (1, 1),
            filter: (h as i32, w as i32),
            activation: Activation::None,
        };
        c.keeping(Code::AVERAGE_POOL_2D, options, &[1, 1, C]);
    }
}
