//! The int8 form of `MaxPool2D` and `AvgPool2D`.

use crate::int8::kernels::{AveragePool, MaxPool, Mean};
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
/// TensorFlow Lite computes it from the operator the file has for it ([`AverageOp`]): an
/// `AVERAGE_POOL_2D` whose window is the whole input (which our conversion writes), or a `MEAN`
/// over the height and width (which TensorFlow's converter writes for Keras's
/// `GlobalAveragePooling2D`). `C` channels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlobalAverage<const C: usize> {
    /// The operator it is computed as.
    pub op: AverageOp,
}

/// The operator a global average is computed as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AverageOp {
    /// An `AVERAGE_POOL_2D` over all positions as one column, which keeps the input's scale
    /// and zero point.
    Pool(Pool<false>),
    /// A `MEAN` over the height and width, which requantizes into the output's scale and zero
    /// point.
    Mean(Mean),
}

impl AverageOp {
    /// An average pool of `inputs` values of `channels` channels, without a clamp: all
    /// positions as one column, which sums and divides the same values as the file's window
    /// over the image.
    pub const fn pool(inputs: usize, channels: usize) -> Self {
        Self::Pool(column(inputs, channels))
    }
}

/// An average pool of `inputs` values of `channels` channels as one column of all positions,
/// without a clamp.
const fn column(inputs: usize, channels: usize) -> Pool<false> {
    let positions = match inputs.checked_div(channels) {
        Some(positions) => positions,
        None => 0,
    };
    Pool {
        geometry: Geometry {
            input: (positions, 1, channels),
            output: (1, 1, channels),
            kernel: (positions, 1),
            strides: (1, 1),
            dilations: (1, 1),
            padding: (0, 0),
        },
        min: -128,
        max: 127,
    }
}

impl<const IN: usize, const C: usize> Layer<IN, C> for GlobalAverage<C> {
    #[inline]
    fn forward(&self, x: &[i8; IN], y: &mut [i8; C]) {
        match &self.op {
            AverageOp::Pool(pool) => Layer::<IN, C>::forward(pool, x, y),
            AverageOp::Mean(mean) => mean.run(x, y),
        }
    }

    #[cfg(feature = "std")]
    fn load(&mut self, walk: &mut crate::int8::Walk<'_>) {
        if let Some(op) = load_global(walk, IN, C) {
            self.op = op;
        }
    }
}

/// Reads a global average of `inputs` values over `channels` channels: an `AVERAGE_POOL_2D`
/// whose window is the whole input, or a `MEAN` over axes 1 and 2 (height and width, with its
/// `keep_dims` either way). Its operator, or `None` after a problem.
#[cfg(feature = "std")]
pub(crate) fn load_global(
    walk: &mut crate::int8::Walk<'_>,
    inputs: usize,
    channels: usize,
) -> Option<AverageOp> {
    use nn_tflite::{Code, Options};
    let shape = walk.input().shape.clone();
    let image = match shape.as_slice() {
        &[1, h, w, c] => match (usize::try_from(h), usize::try_from(w), usize::try_from(c)) {
            (Ok(h), Ok(w), Ok(c))
                if c == channels
                    && h.checked_mul(w).and_then(|hw| hw.checked_mul(c)) == Some(inputs) =>
            {
                Some((h, w))
            }
            _ => None,
        },
        _ => None,
    };
    let Some((h, w)) = image else {
        walk.problem(format!(
            "its input has shape {shape:?} in the file; a global average over an image of \
             {channels} channels ({inputs} values) expected"
        ));
        return None;
    };
    if walk.next_is(&Code::MEAN) {
        return load_mean(walk, (h, w, channels));
    }
    let Some(op) = walk.peek(&Code::AVERAGE_POOL_2D) else {
        walk.problem("expected an AVERAGE_POOL_2D over the whole input or a MEAN");
        return None;
    };
    if let &Options::Pool2D { filter, .. } = op.options()
        && (usize::try_from(filter.0) != Ok(h) || usize::try_from(filter.1) != Ok(w))
    {
        walk.problem(format!(
            "the file's average pool has a {}×{} window over a {h}×{w} input; a global \
             average expected",
            filter.0, filter.1
        ));
        return None;
    }
    // Read as the file's own window; run as one column of all positions.
    let geometry = Geometry {
        input: (h, w, channels),
        output: (1, 1, channels),
        kernel: (h, w),
        strides: (1, 1),
        dilations: (1, 1),
        padding: (0, 0),
    };
    let (min, max) = load_pool(walk, false, &geometry, channels)?;
    Some(AverageOp::Pool(Pool {
        min,
        max,
        ..column(inputs, channels)
    }))
}

/// Reads a `MEAN` of an `h`×`w` image of `c` channels over its height and width: its axes a
/// constant int32 tensor naming exactly axes 1 and 2 (in either order, or counted from the
/// end as −3 and −2, as TensorFlow Lite resolves them), its output `[1, c]` (`keep_dims`
/// false) or `[1, 1, 1, c]` (true), int8 with one scale and zero point.
#[cfg(feature = "std")]
fn load_mean(
    walk: &mut crate::int8::Walk<'_>,
    (h, w, c): (usize, usize, usize),
) -> Option<AverageOp> {
    use nn_tflite::{Activation, Code, Element};
    let input = walk.input_quantization();
    let op = walk.operator(&Code::MEAN)?;
    let mut read = true;
    match op.input(1) {
        Some(axes) if axes.element == Element::I32 && !op.data(axes).is_empty() => {
            let mut found: std::vec::Vec<i32> = op
                .data(axes)
                .chunks_exact(4)
                .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .map(|a| if a < 0 { a + 4 } else { a })
                .collect();
            found.sort_unstable();
            found.dedup();
            if found != [1, 2] || op.data(axes).len() % 4 != 0 {
                walk.problem(format!(
                    "the file's MEAN averages over axes {:?} (`{}`); a global average is over \
                     axes 1 and 2, the height and width",
                    op.data(axes)
                        .chunks_exact(4)
                        .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                        .collect::<std::vec::Vec<_>>(),
                    axes.name
                ));
                read = false;
            }
        }
        Some(axes) => {
            walk.problem(format!(
                "the file's MEAN takes its axes from `{}`, which is not a constant int32 tensor",
                axes.name
            ));
            read = false;
        }
        None => {
            walk.problem("the file's MEAN has no axes");
            read = false;
        }
    }
    if let Some(out) = op.output() {
        let channels = i32::try_from(c).unwrap_or(-1);
        if out.shape != [1, channels] && out.shape != [1, 1, 1, channels] {
            walk.problem(format!(
                "the file's MEAN writes `{}` of shape {:?}; [1, {c}] or [1, 1, 1, {c}] expected",
                out.name, out.shape
            ));
            read = false;
        }
    }
    let output = crate::int8::walk::output(walk, &op, Activation::None, c);
    walk.advance(op, Activation::None, crate::int8::Bounds::NONE);
    let ((scale, output), Some(input), true) = (output?, input, read) else {
        return None;
    };
    Some(AverageOp::Mean(Mean::new(
        input,
        (scale, output.zero),
        h * w,
    )))
}

impl<const IN: usize, const C: usize> crate::int8::Quantize<IN, C> for crate::GlobalAvgPool2D {
    type Int8 = GlobalAverage<C>;

    fn int8(&self) -> GlobalAverage<C> {
        GlobalAverage {
            op: AverageOp::pool(IN, C),
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
