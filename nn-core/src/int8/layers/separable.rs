//! The int8 form of `SeparableConv2D`: TensorFlow Lite's `DEPTHWISE_CONV_2D` (no activation),
//! then a 1×1 `CONV_2D` with the layer's bias and activation, as its converter writes it.

use super::conv::geometry;
use crate::int8::{Bounds, Clamp, Geometry, Layer, Quantize};
use crate::int8::{Conv, Depthwise};

/// A depthwise convolution into `MID` values (`CM` channels over `TAPS` taps), then a
/// pointwise one into `F` channels.
#[derive(Clone, Debug)]
pub struct Separable<const MID: usize, const CM: usize, const TAPS: usize, const F: usize> {
    /// The depthwise step.
    pub depthwise: Depthwise<CM, TAPS>,
    /// The pointwise step.
    pub pointwise: Conv<F, CM>,
}

impl<
    const IN: usize,
    const OUT: usize,
    const MID: usize,
    const CM: usize,
    const TAPS: usize,
    const F: usize,
> Layer<IN, OUT> for Separable<MID, CM, TAPS, F>
{
    #[inline]
    fn forward(&self, x: &[i8; IN], y: &mut [i8; OUT]) {
        let mut d = [0i8; MID];
        Layer::<IN, MID>::forward(&self.depthwise, x, &mut d);
        Layer::<MID, OUT>::forward(&self.pointwise, &d, y);
    }

    #[cfg(feature = "std")]
    fn load(&mut self, walk: &mut crate::int8::Walk<'_>) {
        Layer::<IN, MID>::load(&mut self.depthwise, walk);
        Layer::<MID, OUT>::load(&mut self.pointwise, walk);
    }
}

impl<
    const IN: usize,
    const MID: usize,
    const OUT: usize,
    const CM: usize,
    const TAPS: usize,
    const F: usize,
    A: Clamp + crate::Activation,
    S: crate::Storage,
    const BIAS: bool,
    const D: usize,
> Quantize<IN, OUT> for crate::SeparableConv<f32, IN, MID, OUT, CM, TAPS, F, A, S, BIAS, D>
{
    type Int8 = Separable<MID, CM, TAPS, F>;

    fn int8(&self) -> Self::Int8 {
        let w = super::conv::row::<D>(self.window());
        let pointwise = Geometry {
            input: (w.oh, w.ow, CM),
            output: (w.oh, w.ow, F),
            kernel: (1, 1),
            strides: (1, 1),
            dilations: (1, 1),
            padding: (0, 0),
        };
        Separable {
            depthwise: Depthwise::zeroed(geometry(w, CM), Bounds::NONE),
            pointwise: Conv::zeroed(pointwise, A::BOUNDS),
        }
    }

    /// Two ranges: the depthwise step's outputs, then the layer's.
    #[cfg(feature = "std")]
    fn observe(
        &self,
        x: &crate::Batch<f32, IN>,
        ranges: &mut crate::int8::Ranges,
    ) -> crate::Batch<f32, OUT> {
        let mut d = std::vec::Vec::new();
        let mut y = crate::Batch::<f32, OUT>::zeros_generic(
            nalgebra::Const::<OUT>,
            nalgebra::Dyn(x.ncols()),
        );
        self.pre_activations(x, &mut d, &mut y);
        self.activation.forward_groups(y.as_mut_slice(), F);
        ranges.observe(&d);
        ranges.observe(y.as_slice());
        y
    }

    #[cfg(feature = "std")]
    fn convert(&self, c: &mut crate::int8::Converter) {
        use nn_tflite::{Activation, Code, Options, Padding, Window};
        let (mid_range, range) = (c.range(), c.range());
        let w = super::conv::row::<D>(self.window());
        let window = c.slide(&w, D);
        let kernel = &self.depthwise_kernel;
        let weights = (0..TAPS)
            .flat_map(|tap| (0..CM).map(move |cm| kernel[(cm, tap)]))
            .collect();
        c.weighted(
            Code::DEPTHWISE_CONV_2D,
            Options::DepthwiseConv2D {
                window,
                depth_multiplier: (CM / w.c.max(1)) as i32,
                activation: Activation::None,
            },
            weights,
            &[1, w.kh, w.kw, CM],
            crate::int8::Layout::Columns(CM),
            std::vec![0.0; CM],
            &[w.oh, w.ow, CM],
            mid_range,
        );
        let pointwise = &self.pointwise_kernel;
        let weights = (0..F)
            .flat_map(|f| (0..CM).map(move |j| pointwise[(f, j)]))
            .collect();
        let bias = (0..F)
            .map(|f| if BIAS { self.bias[(f, 0)] } else { 0.0 })
            .collect();
        c.weighted(
            Code::CONV_2D,
            Options::Conv2D {
                window: Window {
                    padding: Padding::Valid,
                    strides: (1, 1),
                    dilation: (1, 1),
                },
                activation: A::BOUNDS.fused(),
            },
            weights,
            &[F, 1, 1, CM],
            crate::int8::Layout::Rows(CM),
            bias,
            &[w.oh, w.ow, F],
            range,
        );
    }
}
