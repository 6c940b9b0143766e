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
        use nn_tflite::{Code, Options};
        let code = if MAX {
            Code::MAX_POOL_2D
        } else {
            Code::AVERAGE_POOL_2D
        };
        let input = walk.input_quantization();
        let Some(op) = walk.operator(&code) else {
            return;
        };
        let &Options::Pool2D {
            padding,
            strides,
            filter,
            activation,
        } = op.options()
        else {
            walk.problem(format!("its {} operator has no settings", code.name()));
            return;
        };
        let (kh, kw) = self.geometry.kernel;
        if usize::try_from(filter.0) != Ok(kh) || usize::try_from(filter.1) != Ok(kw) {
            walk.problem(format!(
                "the file's window is {}×{}, the declaration's {kh}×{kw}",
                filter.0, filter.1
            ));
        } else {
            super::conv::check_window(walk, &self.geometry, strides, (1, 1), padding);
        }
        if let Some((scale, output)) = crate::int8::walk::output(walk, &op, activation, OUT) {
            if let Some((in_scale, in_zero)) = input
                && (in_scale != scale || in_zero != output.zero)
            {
                walk.problem(format!(
                    "the file's pool changes the quantization (scale {in_scale} zero {in_zero} \
                     in, {scale} and {} out), which TensorFlow Lite's pools do not",
                    output.zero
                ));
            }
            (self.min, self.max) = (output.min, output.max);
        }
        walk.advance(op, activation, crate::int8::Bounds::NONE);
    }
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
