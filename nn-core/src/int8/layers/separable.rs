//! The int8 form of `SeparableConv2D`: TensorFlow Lite's `DEPTHWISE_CONV_2D` (no activation),
//! then a 1×1 `CONV_2D` with the layer's bias and activation, as its converter writes it.

use super::conv::geometry;
use crate::int8::{Activated, Bounds, Clamp, Geometry, Layer, Quantize, Then};
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
    /// The depthwise step's `MID` values.
    const SCRATCH: usize = MID;

    const PARAM_BYTES: usize = <Depthwise<CM, TAPS> as Layer<IN, MID>>::PARAM_BYTES
        + <Conv<F, CM> as Layer<MID, OUT>>::PARAM_BYTES;

    const FRAME: usize = crate::frame::KERNELS;

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
    A,
    S: crate::Storage,
    const BIAS: bool,
    const D: usize,
> crate::SeparableConv<f32, IN, MID, OUT, CM, TAPS, F, A, S, BIAS, D>
{
    /// Its int8 form, the pointwise step ending in a clamp of `bounds`.
    fn separable(&self, bounds: Bounds) -> Separable<MID, CM, TAPS, F> {
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
            pointwise: Conv::zeroed(pointwise, bounds),
        }
    }

    /// The depthwise step's outputs (into `d`) and the layer's before its activation.
    #[cfg(feature = "std")]
    fn linear(
        &self,
        x: &crate::Batch<f32, IN>,
        d: &mut std::vec::Vec<f32>,
    ) -> crate::Batch<f32, OUT> {
        let mut y = crate::int8::layer::batch(x.ncols());
        self.pre_activations(x, d, &mut y);
        y
    }

    /// Adds the two steps to a converter: a `DEPTHWISE_CONV_2D` whose output takes the next
    /// range, then a 1×1 `CONV_2D` fusing `activation`, whose output takes the one after.
    #[cfg(feature = "std")]
    fn convert_fusing(&self, c: &mut crate::int8::Converter, activation: nn_tflite::Activation) {
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
                activation,
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
        self.separable(A::BOUNDS)
    }

    /// Two ranges: the depthwise step's outputs, then the layer's.
    #[cfg(feature = "std")]
    fn observe(
        &self,
        x: &crate::Batch<f32, IN>,
        ranges: &mut crate::int8::Ranges,
    ) -> crate::Batch<f32, OUT> {
        let mut d = std::vec::Vec::new();
        let mut y = self.linear(x, &mut d);
        self.activation.forward_groups(y.as_mut_slice(), F);
        ranges.observe(&d);
        ranges.observe(y.as_slice());
        y
    }

    #[cfg(feature = "std")]
    fn convert(&self, c: &mut crate::int8::Converter) {
        self.convert_fusing(c, A::BOUNDS.fused());
    }
}

/// Separable convolutions ending in an activation that is an operator of its own whose output
/// is quantized from its range (a leaky ReLU, an ELU, a hard swish, a GELU): the two steps,
/// then the activation's operator.
macro_rules! activated_separable {
    ($($activation:ty),*) => {$(
        impl<
            const IN: usize,
            const MID: usize,
            const OUT: usize,
            const CM: usize,
            const TAPS: usize,
            const F: usize,
            S: crate::Storage,
            const BIAS: bool,
            const D: usize,
        > Quantize<IN, OUT>
            for crate::SeparableConv<f32, IN, MID, OUT, CM, TAPS, F, $activation, S, BIAS, D>
        {
            type Int8 = Activated<Separable<MID, CM, TAPS, F>>;

            fn int8(&self) -> Self::Int8 {
                Activated {
                    layer: self.separable(Bounds::NONE),
                    form: &<$activation as crate::int8::Ending>::FORM,
                    then: Then::declared(&self.activation),
                }
            }

            /// Three ranges: the depthwise step's outputs, the layer's before its activation,
            /// then after.
            #[cfg(feature = "std")]
            fn observe(
                &self,
                x: &crate::Batch<f32, IN>,
                ranges: &mut crate::int8::Ranges,
            ) -> crate::Batch<f32, OUT> {
                use crate::Activation as _;
                let mut d = std::vec::Vec::new();
                let z = self.linear(x, &mut d);
                ranges.observe(&d);
                let mut y = z.clone();
                self.activation.forward_groups(y.as_mut_slice(), F);
                Then::observe_both(ranges, &z, y)
            }

            #[cfg(feature = "std")]
            fn convert(&self, c: &mut crate::int8::Converter) {
                Then::convert_after(c, &self.activation, |c| {
                    self.convert_fusing(c, nn_tflite::Activation::None)
                });
            }
        }
    )*};
}

activated_separable!(
    crate::LeakyRelu,
    crate::Elu,
    crate::HardSilu,
    crate::Gelu,
    crate::GeluApprox
);
