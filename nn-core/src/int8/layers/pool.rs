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
    const FRAME: usize = crate::frame::KERNELS;

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
        super::conv::check_window(walk, geometry, (strides, (1, 1)), padding, (0, 0, 0, 0));
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

impl<const IN: usize, const OUT: usize, const MAX: bool, const D: usize>
    crate::int8::Quantize<IN, OUT> for crate::Pool<IN, OUT, MAX, D>
{
    type Int8 = Pool<MAX>;

    fn int8(&self) -> Pool<MAX> {
        let w = super::conv::row::<D>(self.window());
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
        let w = super::conv::row::<D>(self.window());
        let window = c.slide(&w, D);
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
        Self::Pool(column::<false>(inputs, channels))
    }
}

/// An average pool of `inputs` values of `channels` channels as one column of all positions,
/// without a clamp.
const fn column<const MAX: bool>(inputs: usize, channels: usize) -> Pool<MAX> {
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
    const FRAME: usize = crate::frame::KERNELS;

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

/// The positions of the input of a global pool of `inputs` values over `channels` channels,
/// as the file has it: an image `[1, h, w, c]` (`(h, w)`), or a sequence `[1, steps, c]`
/// (`(1, steps)`, a row); `None` after a problem. With whether it is a sequence.
#[cfg(feature = "std")]
fn global_input(
    walk: &mut crate::int8::Walk<'_>,
    inputs: usize,
    channels: usize,
    what: &str,
) -> Option<((usize, usize), bool)> {
    // The file's shape where the operator reads it (a `RESHAPE` back from a row to the
    // sequence, before a `MEAN` or `REDUCE_MAX` over the steps, say).
    walk.step_over_reshapes();
    let shape = walk.input().shape.clone();
    let size = |d: i32| usize::try_from(d).ok();
    let found = match *shape.as_slice() {
        [1, h, w, c] => size(h)
            .zip(size(w))
            .zip(size(c))
            .map(|((h, w), c)| ((h, w), c, false)),
        [1, s, c] => size(s).zip(size(c)).map(|(s, c)| ((1, s), c, true)),
        _ => None,
    };
    match found {
        Some(((h, w), c, sequence))
            if c == channels
                && h.checked_mul(w).and_then(|hw| hw.checked_mul(c)) == Some(inputs) =>
        {
            Some(((h, w), sequence))
        }
        _ => {
            walk.problem(format!(
                "its input has shape {shape:?} in the file; a global {what} over an image or a \
                 sequence of {channels} channels ({inputs} values) expected"
            ));
            None
        }
    }
}

/// Reads a global average of `inputs` values over `channels` channels: an `AVERAGE_POOL_2D`
/// whose window is the whole input, or a `MEAN` over the positions (axes 1 and 2 of an image,
/// axis 1 of a sequence, with its `keep_dims` either way). Its operator, or `None` after a
/// problem.
#[cfg(feature = "std")]
pub(crate) fn load_global(
    walk: &mut crate::int8::Walk<'_>,
    inputs: usize,
    channels: usize,
) -> Option<AverageOp> {
    use nn_tflite::Code;
    let ((h, w), sequence) = global_input(walk, inputs, channels, "average")?;
    if walk.next_is(&Code::MEAN) {
        let input = walk.input_quantization();
        let (scale, output) = load_reduce(walk, &Code::MEAN, sequence, channels)?;
        return Some(AverageOp::Mean(Mean::new(
            input?,
            (scale, output.zero),
            h * w,
        )));
    }
    let (min, max) = load_whole(walk, false, (h, w), channels, sequence)?;
    Some(AverageOp::Pool(Pool {
        min,
        max,
        ..column::<false>(inputs, channels)
    }))
}

/// Reads a pool (`max`, else average) whose window is the whole `h`×`w` input of `channels`
/// channels, as our conversion writes a global pool: its clamp, or `None` after a problem.
#[cfg(feature = "std")]
fn load_whole(
    walk: &mut crate::int8::Walk<'_>,
    max: bool,
    (h, w): (usize, usize),
    channels: usize,
    sequence: bool,
) -> Option<(i32, i32)> {
    use nn_tflite::{Code, Options};
    let code = if max {
        Code::MAX_POOL_2D
    } else {
        Code::AVERAGE_POOL_2D
    };
    let Some(op) = walk.peek(&code) else {
        let reduce = if max { "REDUCE_MAX" } else { "MEAN" };
        let found = walk.reader().unwrap_or("no operator");
        walk.problem(format!(
            "expected a {} over the whole input or a {reduce}, but the file has {found}",
            code.name()
        ));
        return None;
    };
    if sequence {
        walk.problem(format!(
            "the file's {} reads a sequence; TensorFlow Lite's pools read images",
            code.name()
        ));
        return None;
    }
    if let &Options::Pool2D { filter, .. } = op.options()
        && (usize::try_from(filter.0) != Ok(h) || usize::try_from(filter.1) != Ok(w))
    {
        walk.problem(format!(
            "the file's pool has a {}×{} window over a {h}×{w} input; a global pool expected",
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
    load_pool(walk, max, &geometry, channels)
}

/// Reads a `MEAN` or a `REDUCE_MAX` (`code`) of `c` channels over all positions: its axes a
/// constant int32 tensor naming exactly the positions' axes (1 and 2 of an image, in either
/// order; 1 of a sequence; or counted from the end, as TensorFlow Lite resolves them), its
/// output `[1, c]` (`keep_dims` false) or the input's rank with ones before `c` (true), int8
/// with one scale and zero point: that scale and its output.
#[cfg(feature = "std")]
fn load_reduce(
    walk: &mut crate::int8::Walk<'_>,
    code: &nn_tflite::Code,
    sequence: bool,
    c: usize,
) -> Option<(f32, crate::int8::Output)> {
    use nn_tflite::{Activation, Element};
    let name = code.name().to_string();
    let op = walk.operator(code)?;
    let rank: i32 = if sequence { 3 } else { 4 };
    let wanted: &[i32] = if sequence { &[1] } else { &[1, 2] };
    let mut read = true;
    match op.input(1) {
        Some(axes) if axes.element == Element::I32 && !op.data(axes).is_empty() => {
            let given: std::vec::Vec<i32> = op
                .data(axes)
                .chunks_exact(4)
                .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            let mut found: std::vec::Vec<i32> = given
                .iter()
                .map(|&a| if a < 0 { a + rank } else { a })
                .collect();
            found.sort_unstable();
            found.dedup();
            if found != wanted || op.data(axes).len() % 4 != 0 {
                let over = if sequence {
                    "axis 1, the steps"
                } else {
                    "axes 1 and 2, the height and width"
                };
                walk.problem(format!(
                    "the file's {name} is over axes {given:?} (`{}`); a global pool is over \
                     {over}",
                    axes.name
                ));
                read = false;
            }
        }
        Some(axes) => {
            walk.problem(format!(
                "the file's {name} takes its axes from `{}`, which is not a constant int32 \
                 tensor",
                axes.name
            ));
            read = false;
        }
        None => {
            walk.problem(format!("the file's {name} has no axes"));
            read = false;
        }
    }
    if let Some(out) = op.output() {
        let channels = i32::try_from(c).unwrap_or(-1);
        let kept: &[i32] = if sequence {
            &[1, 1, channels]
        } else {
            &[1, 1, 1, channels]
        };
        if out.shape != [1, channels] && out.shape != kept {
            walk.problem(format!(
                "the file's {name} writes `{}` of shape {:?}; [1, {c}] or {kept:?} expected",
                out.name, out.shape
            ));
            read = false;
        }
    }
    let output = crate::int8::walk::output(walk, &op, Activation::None, c);
    walk.advance(op, Activation::None, crate::int8::Bounds::NONE);
    if read { output } else { None }
}

/// The int8 form of [`crate::GlobalMaxPool2D`] and [`crate::GlobalMaxPool1D`]: each channel's
/// largest value over every position, as TensorFlow Lite computes it from the operator the
/// file has for it: a `MAX_POOL_2D` whose window is the whole input (which our conversion
/// writes) or a `REDUCE_MAX` over the positions (which TensorFlow's converter writes). Both
/// keep the input's scale and zero point and compare int8 values, so one column's max pool
/// computes either. `C` channels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlobalMax<const C: usize> {
    /// The pool over all positions as one column, with the clamp the file fuses.
    pub pool: Pool<true>,
}

impl<const IN: usize, const C: usize> Layer<IN, C> for GlobalMax<C> {
    const FRAME: usize = crate::frame::KERNELS;

    #[inline]
    fn forward(&self, x: &[i8; IN], y: &mut [i8; C]) {
        Layer::<IN, C>::forward(&self.pool, x, y);
    }

    #[cfg(feature = "std")]
    fn load(&mut self, walk: &mut crate::int8::Walk<'_>) {
        if let Some((min, max)) = load_global_max(walk, IN, C) {
            (self.pool.min, self.pool.max) = (min, max);
        }
    }
}

/// Reads a global max of `inputs` values over `channels` channels: a `MAX_POOL_2D` whose
/// window is the whole input or a `REDUCE_MAX` over the positions. The clamp of the first,
/// the full range for the second; `None` after a problem.
#[cfg(feature = "std")]
pub(crate) fn load_global_max(
    walk: &mut crate::int8::Walk<'_>,
    inputs: usize,
    channels: usize,
) -> Option<(i32, i32)> {
    use nn_tflite::Code;
    let ((h, w), sequence) = global_input(walk, inputs, channels, "max")?;
    if !walk.next_is(&Code::REDUCE_MAX) {
        return load_whole(walk, true, (h, w), channels, sequence);
    }
    let input = walk.input_quantization();
    let (scale, output) = load_reduce(walk, &Code::REDUCE_MAX, sequence, channels)?;
    let (in_scale, in_zero) = input?;
    if in_scale != scale || in_zero != output.zero {
        // TensorFlow Lite refuses such a file when it prepares the operator.
        walk.problem(format!(
            "the file's REDUCE_MAX changes the quantization (scale {in_scale} zero {in_zero} in, \
             {scale} and {} out), which TensorFlow Lite's int8 kernel does not",
            output.zero
        ));
        return None;
    }
    Some((-128, 127))
}

/// A global pool's conversion: the whole input (made an image) as one window of `code`,
/// keeping the quantization, into `channels` values.
#[cfg(feature = "std")]
fn convert_global(
    c: &mut crate::int8::Converter,
    code: nn_tflite::Code,
    inputs: usize,
    channels: usize,
) {
    use nn_tflite::{Activation, Options, Padding};
    c.range();
    c.image();
    let shape = c.shape();
    let (h, w) = match shape.as_slice() {
        &[h, w, _] => (h, w),
        _ => (inputs / channels.max(1), 1),
    };
    let options = Options::Pool2D {
        padding: Padding::Valid,
        strides: (1, 1),
        filter: (h as i32, w as i32),
        activation: Activation::None,
    };
    c.keeping(code, options, &[1, 1, channels]);
    c.not_a_row();
}

/// The global pools' int8 forms; the 1-D ones compute what the 2-D ones do.
macro_rules! global_pools {
    ($($layer:ty => $int8:ident, $code:ident, $zeroed:expr;)*) => {$(
        impl<const IN: usize, const C: usize> crate::int8::Quantize<IN, C> for $layer {
            type Int8 = $int8<C>;

            fn int8(&self) -> $int8<C> {
                $zeroed(IN, C)
            }

            #[cfg(feature = "std")]
            fn convert(&self, c: &mut crate::int8::Converter) {
                convert_global(c, nn_tflite::Code::$code, IN, C);
            }
        }
    )*};
}

/// A global average of `inputs` values over `channels` channels, an average pool until read.
const fn global_average<const C: usize>(inputs: usize, channels: usize) -> GlobalAverage<C> {
    GlobalAverage {
        op: AverageOp::pool(inputs, channels),
    }
}

/// A global max of `inputs` values over `channels` channels.
const fn global_max<const C: usize>(inputs: usize, channels: usize) -> GlobalMax<C> {
    GlobalMax {
        pool: global_max_pool(inputs, channels),
    }
}

/// The max pool of a global max of `inputs` values over `channels` channels: one column of
/// all positions, without a clamp.
pub(crate) const fn global_max_pool(inputs: usize, channels: usize) -> Pool<true> {
    column::<true>(inputs, channels)
}

global_pools! {
    crate::GlobalAvgPool2D => GlobalAverage, AVERAGE_POOL_2D, global_average::<C>;
    crate::GlobalAvgPool1D => GlobalAverage, AVERAGE_POOL_2D, global_average::<C>;
    crate::GlobalMaxPool2D => GlobalMax, MAX_POOL_2D, global_max::<C>;
    crate::GlobalMaxPool1D => GlobalMax, MAX_POOL_2D, global_max::<C>;
}
