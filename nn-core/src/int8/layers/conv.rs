//! The int8 forms of `Conv2D` and `DepthwiseConv2D`: TensorFlow Lite's `CONV_2D` and
//! `DEPTHWISE_CONV_2D` with their constants owned, and the window they share with the pools.

use crate::int8::kernels::{Conv2D, DepthwiseConv2D};
use crate::int8::{Activated, Bounds, Clamp, Geometry, Layer, Multiplier, Output, Quantize, Then};

/// A declared `D`-dimensional layer's window as TensorFlow Lite slides it. A 1-D layer's
/// window runs down a sequence, a `steps × 1` image; TensorFlow's converter writes it across a
/// `1 × steps` image instead (after a `RESHAPE` that changes no value), so it is transposed. A
/// 2-D layer's is its own.
pub(crate) fn row<const D: usize>(w: crate::Window) -> crate::Window {
    if D != 1 {
        return w;
    }
    crate::Window {
        h: w.w,
        w: w.h,
        c: w.c,
        kh: w.kw,
        kw: w.kh,
        sh: w.sw,
        sw: w.sh,
        dh: w.dw,
        dw: w.dh,
        pad_top: w.pad_left,
        pad_left: w.pad_top,
        oh: w.ow,
        ow: w.oh,
    }
}

/// The geometry of a declared layer's window, with `channels` output channels.
pub(crate) fn geometry(w: crate::Window, channels: usize) -> Geometry {
    Geometry {
        input: (w.h, w.w, w.c),
        output: (w.oh, w.ow, channels),
        kernel: (w.kh, w.kw),
        strides: (w.sh, w.sw),
        dilations: (w.dh, w.dw),
        padding: (w.pad_top, w.pad_left),
    }
}

/// Compares the window a file's operator describes (`strides`, `dilations`, `padding`, over
/// the input after a `PAD` of `pads`, [`Walk::padding`](crate::int8::Walk::padding)) with the
/// declared `geometry`, reporting a difference.
#[cfg(feature = "std")]
pub(crate) fn check_window(
    walk: &mut crate::int8::Walk<'_>,
    geometry: &Geometry,
    (strides, dilations): ((i32, i32), (i32, i32)),
    padding: nn_tflite::Padding,
    (top, bottom, left, right): (usize, usize, usize, usize),
) {
    let positive = |(a, b): (i32, i32)| {
        Some((
            usize::try_from(a).ok().filter(|&a| a > 0)?,
            usize::try_from(b).ok().filter(|&b| b > 0)?,
        ))
    };
    let (Some(s), Some(d)) = (positive(strides), positive(dilations)) else {
        walk.problem(format!(
            "the file's strides {strides:?} or dilations {dilations:?} are not positive"
        ));
        return;
    };
    let padding_kind = match padding {
        nn_tflite::Padding::Same => crate::int8::Padding::Same,
        nn_tflite::Padding::Valid => crate::int8::Padding::Valid,
    };
    let (h, w, c) = geometry.input;
    let mut file = Geometry::new(
        (h + top + bottom, w + left + right, c),
        geometry.kernel,
        geometry.output.2,
        s,
        d,
        padding_kind,
    );
    // The padding before the first row and column is the `PAD`'s and the operator's.
    file.input = geometry.input;
    file.padding = (file.padding.0 + top, file.padding.1 + left);
    if file != *geometry {
        walk.problem(format!(
            "the file's window (strides {s:?}, dilations {d:?}, {padding:?} padding) gives a \
             {}×{} output padded ({}, {}) before; the declaration's (strides {:?}, dilations \
             {:?}) a {}×{} output padded ({}, {})",
            file.output.0,
            file.output.1,
            file.padding.0,
            file.padding.1,
            geometry.strides,
            geometry.dilations,
            geometry.output.0,
            geometry.output.1,
            geometry.padding.0,
            geometry.padding.1
        ));
    }
}

/// The int8 form of [`crate::Conv2D`]: TensorFlow Lite's `CONV_2D` with its constants owned,
/// `F` filters of `K` weights each (`OHWI`), the activation a clamp fused into it.
#[derive(Clone, Debug)]
pub struct Conv<const F: usize, const K: usize> {
    /// The filters, `F` of `K` weights each: each its window's taps with all input channels
    /// (`OHWI`).
    pub weights: super::Held<[i8]>,
    /// The `F` int32 biases (zero without bias).
    pub bias: super::Held<[i32]>,
    /// The requantization of each output channel.
    pub multipliers: super::Held<[Multiplier]>,
    /// The input's zero point.
    pub input_zero: i32,
    /// The output's zero point and the clamp of the activation.
    pub output: Output,
    /// Where the windows fall.
    pub geometry: Geometry,
    /// The declared activation's bounds.
    pub bounds: Bounds,
}

impl<const F: usize, const K: usize> Conv<F, K> {
    /// A layer of this geometry whose every weight is zero, ending in an activation of
    /// `bounds`.
    pub fn zeroed(geometry: Geometry, bounds: Bounds) -> Self {
        Self {
            weights: super::Held::zeros(F * K),
            bias: super::Held::zeros(F),
            multipliers: super::Held::zeros(F),
            input_zero: 0,
            output: Output::FULL,
            geometry,
            bounds,
        }
    }
}

impl<const IN: usize, const OUT: usize, const F: usize, const K: usize> Layer<IN, OUT>
    for Conv<F, K>
{
    const PARAM_BYTES: usize = F * K + 4 * F + F * core::mem::size_of::<crate::int8::Multiplier>();

    const FRAME: usize = crate::frame::KERNELS;

    #[inline]
    fn forward(&self, x: &[i8; IN], y: &mut [i8; OUT]) {
        Conv2D {
            geometry: self.geometry,
            weights: &self.weights,
            bias: &self.bias,
            multipliers: &self.multipliers,
            input_zero: self.input_zero,
            output: self.output,
        }
        .run(x, y);
    }

    #[cfg(feature = "std")]
    fn load(&mut self, walk: &mut crate::int8::Walk<'_>) {
        let mut parts = self.parts();
        load_conv(walk, parts.constants(), OUT);
        self.take(parts);
    }
}

impl<
    const IN: usize,
    const OUT: usize,
    const F: usize,
    const K: usize,
    A: Clamp,
    S: crate::Storage,
    const BIAS: bool,
    const D: usize,
> Quantize<IN, OUT> for crate::Conv<f32, IN, OUT, F, K, A, S, BIAS, D>
{
    type Int8 = Conv<F, K>;

    fn int8(&self) -> Conv<F, K> {
        Conv::zeroed(geometry(row::<D>(self.window()), F), A::BOUNDS)
    }

    #[cfg(feature = "std")]
    fn convert(&self, c: &mut crate::int8::Converter) {
        self.convert_fusing(c, A::BOUNDS.fused());
    }
}

impl<
    const IN: usize,
    const OUT: usize,
    const F: usize,
    const K: usize,
    A,
    S: crate::Storage,
    const BIAS: bool,
    const D: usize,
> crate::Conv<f32, IN, OUT, F, K, A, S, BIAS, D>
{
    /// Adds the convolution's `CONV_2D` to a converter, fusing `activation`, its output taking
    /// the next range.
    #[cfg(feature = "std")]
    fn convert_fusing(&self, c: &mut crate::int8::Converter, activation: nn_tflite::Activation) {
        use nn_tflite::{Code, Options};
        let range = c.range();
        let w = row::<D>(self.window());
        // The kernel's row `f` is filter `f`'s taps, each with every input channel: `OHWI`.
        let kernel = &self.weights.kernel;
        let weights = (0..F)
            .flat_map(|f| (0..K).map(move |k| kernel[(f, k)]))
            .collect();
        let bias = (0..F)
            .map(|f| if BIAS { self.weights.bias[(f, 0)] } else { 0.0 })
            .collect();
        let options = Options::Conv2D {
            window: c.slide(&w, D),
            activation,
        };
        c.weighted(
            Code::CONV_2D,
            options,
            weights,
            &[F, w.kh, w.kw, w.c],
            crate::int8::Layout::Rows(K),
            bias,
            &[w.oh, w.ow, F],
            range,
        );
    }
}

/// Convolutions ending in an activation that is an operator of its own whose output is
/// quantized from its range (`Form::observed`: a leaky ReLU, an ELU, a hard swish, a GELU):
/// TensorFlow Lite's `CONV_2D`, then the activation's operator.
macro_rules! activated_conv {
    ($($activation:ty),*) => {$(
        impl<
            const IN: usize,
            const OUT: usize,
            const F: usize,
            const K: usize,
            S: crate::Storage,
            const BIAS: bool,
            const D: usize,
        > Quantize<IN, OUT> for crate::Conv<f32, IN, OUT, F, K, $activation, S, BIAS, D>
        {
            type Int8 = Activated<Conv<F, K>>;

            fn int8(&self) -> Self::Int8 {
                Activated {
                    layer: Conv::zeroed(geometry(row::<D>(self.window()), F), Bounds::NONE),
                    form: &<$activation as crate::int8::Ending>::FORM,
                    then: Then::declared(&self.weights.activation),
                }
            }

            /// The range of the convolution's outputs before the activation (the same
            /// convolution ending in `Linear`), then after.
            #[cfg(feature = "std")]
            fn observe(
                &self,
                x: &crate::Batch<f32, IN>,
                ranges: &mut crate::int8::Ranges,
            ) -> crate::Batch<f32, OUT> {
                use crate::int8::layer::outputs;
                let linear = crate::Conv {
                    weights: self.weights.with_activation(crate::Linear),
                };
                Then::observe_both(ranges, &outputs(&linear, x), outputs(self, x))
            }

            #[cfg(feature = "std")]
            fn convert(&self, c: &mut crate::int8::Converter) {
                Then::convert_after(c, &self.weights.activation, |c| {
                    self.convert_fusing(c, nn_tflite::Activation::None)
                });
            }
        }
    )*};
}

activated_conv!(
    crate::LeakyRelu,
    crate::Elu,
    crate::HardSilu,
    crate::Gelu,
    crate::GeluApprox
);

/// The int8 form of [`crate::DepthwiseConv2D`]: TensorFlow Lite's `DEPTHWISE_CONV_2D` with its
/// constants owned, `CM` output channels (`C · M`) over `TAPS` taps (`1HWO`).
#[derive(Clone, Debug)]
pub struct Depthwise<const CM: usize, const TAPS: usize> {
    /// The kernels: for each of the `TAPS` taps, one weight per output channel, `CM` (`1HWO`).
    pub weights: super::Held<[i8]>,
    /// The `CM` int32 biases (zero without bias).
    pub bias: super::Held<[i32]>,
    /// The requantization of each output channel.
    pub multipliers: super::Held<[Multiplier]>,
    /// The input's zero point.
    pub input_zero: i32,
    /// The output's zero point and the clamp of the activation.
    pub output: Output,
    /// Where the windows fall.
    pub geometry: Geometry,
    /// The declared activation's bounds.
    pub bounds: Bounds,
}

impl<const CM: usize, const TAPS: usize> Depthwise<CM, TAPS> {
    /// A layer of this geometry whose every weight is zero, ending in an activation of
    /// `bounds`.
    pub fn zeroed(geometry: Geometry, bounds: Bounds) -> Self {
        Self {
            weights: super::Held::zeros(CM * TAPS),
            bias: super::Held::zeros(CM),
            multipliers: super::Held::zeros(CM),
            input_zero: 0,
            output: Output::FULL,
            geometry,
            bounds,
        }
    }
}

impl<const IN: usize, const OUT: usize, const CM: usize, const TAPS: usize> Layer<IN, OUT>
    for Depthwise<CM, TAPS>
{
    const PARAM_BYTES: usize =
        CM * TAPS + 4 * CM + CM * core::mem::size_of::<crate::int8::Multiplier>();

    const FRAME: usize = crate::frame::KERNELS;

    #[inline]
    fn forward(&self, x: &[i8; IN], y: &mut [i8; OUT]) {
        DepthwiseConv2D {
            geometry: self.geometry,
            weights: &self.weights,
            bias: &self.bias,
            multipliers: &self.multipliers,
            input_zero: self.input_zero,
            output: self.output,
        }
        .run(x, y);
    }

    #[cfg(feature = "std")]
    fn load(&mut self, walk: &mut crate::int8::Walk<'_>) {
        let mut parts = self.parts();
        load_depthwise(walk, parts.constants(), OUT);
        self.take(parts);
    }
}

impl<
    const IN: usize,
    const OUT: usize,
    const CM: usize,
    const TAPS: usize,
    A: Clamp,
    S: crate::Storage,
    const BIAS: bool,
    const D: usize,
> Quantize<IN, OUT> for crate::DepthwiseConv<f32, IN, OUT, CM, TAPS, A, S, BIAS, D>
{
    type Int8 = Depthwise<CM, TAPS>;

    fn int8(&self) -> Depthwise<CM, TAPS> {
        Depthwise::zeroed(geometry(row::<D>(self.window()), CM), A::BOUNDS)
    }

    #[cfg(feature = "std")]
    fn convert(&self, c: &mut crate::int8::Converter) {
        self.convert_fusing(c, A::BOUNDS.fused());
    }
}

impl<
    const IN: usize,
    const OUT: usize,
    const CM: usize,
    const TAPS: usize,
    A,
    S: crate::Storage,
    const BIAS: bool,
    const D: usize,
> crate::DepthwiseConv<f32, IN, OUT, CM, TAPS, A, S, BIAS, D>
{
    /// Adds the convolution's `DEPTHWISE_CONV_2D` to a converter, fusing `activation`, its
    /// output taking the next range.
    #[cfg(feature = "std")]
    fn convert_fusing(&self, c: &mut crate::int8::Converter, activation: nn_tflite::Activation) {
        use nn_tflite::{Code, Options};
        let range = c.range();
        let w = row::<D>(self.window());
        // Column `tap` holds the tap's weight of every output channel: `1HWO` by taps.
        let kernel = &self.depthwise_kernel;
        let weights = (0..TAPS)
            .flat_map(|tap| (0..CM).map(move |cm| kernel[(cm, tap)]))
            .collect();
        let bias = (0..CM)
            .map(|cm| if BIAS { self.bias[(cm, 0)] } else { 0.0 })
            .collect();
        let options = Options::DepthwiseConv2D {
            window: c.slide(&w, D),
            depth_multiplier: (CM / w.c.max(1)) as i32,
            activation,
        };
        c.weighted(
            Code::DEPTHWISE_CONV_2D,
            options,
            weights,
            &[1, w.kh, w.kw, CM],
            crate::int8::Layout::Columns(CM),
            bias,
            &[w.oh, w.ow, CM],
            range,
        );
    }
}

/// Depthwise convolutions ending in an activation that is an operator of its own whose output
/// is quantized from its range, as [`activated_conv`]'s: TensorFlow Lite's
/// `DEPTHWISE_CONV_2D`, then the activation's operator.
macro_rules! activated_depthwise {
    ($($activation:ty),*) => {$(
        impl<
            const IN: usize,
            const OUT: usize,
            const CM: usize,
            const TAPS: usize,
            S: crate::Storage,
            const BIAS: bool,
            const D: usize,
        > Quantize<IN, OUT> for crate::DepthwiseConv<f32, IN, OUT, CM, TAPS, $activation, S, BIAS, D>
        {
            type Int8 = Activated<Depthwise<CM, TAPS>>;

            fn int8(&self) -> Self::Int8 {
                Activated {
                    layer: Depthwise::zeroed(geometry(row::<D>(self.window()), CM), Bounds::NONE),
                    form: &<$activation as crate::int8::Ending>::FORM,
                    then: Then::declared(&self.activation),
                }
            }

            /// The range of the convolution's outputs before the activation, then after.
            #[cfg(feature = "std")]
            fn observe(
                &self,
                x: &crate::Batch<f32, IN>,
                ranges: &mut crate::int8::Ranges,
            ) -> crate::Batch<f32, OUT> {
                let mut z = crate::int8::layer::batch::<OUT>(x.ncols());
                let samples = x.as_slice().chunks_exact(IN);
                for (x, z) in samples.zip(z.as_mut_slice().chunks_exact_mut(OUT)) {
                    self.pre_activations(x, z);
                }
                Then::observe_both(ranges, &z, crate::int8::layer::outputs(self, x))
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

activated_depthwise!(
    crate::LeakyRelu,
    crate::Elu,
    crate::HardSilu,
    crate::Gelu,
    crate::GeluApprox
);

/// A convolution's constants, borrowed from its int8 form (or from the build-time form of
/// `network!`, [`Built`](crate::int8::Built)) to be read from a file.
#[cfg(feature = "std")]
pub(crate) struct Constants<'p> {
    pub(crate) geometry: &'p Geometry,
    pub(crate) bounds: Bounds,
    pub(crate) weights: &'p mut [i8],
    pub(crate) bias: &'p mut [i32],
    pub(crate) multipliers: &'p mut [Multiplier],
    pub(crate) input_zero: &'p mut i32,
    pub(crate) output: &'p mut Output,
}

/// Reads a `CONV_2D` into `c`: the operator reading the walk's tensor whose weights have the
/// declared shape (`OHWI`), its window, shapes, weights, bias and quantization. `len` is the
/// output's number of values.
#[cfg(feature = "std")]
pub(crate) fn load_conv(walk: &mut crate::int8::Walk<'_>, c: Constants<'_>, len: usize) {
    use crate::int8::walk;
    use nn_tflite::{Code, Options};
    let Some(input) = walk.input_quantization() else {
        return;
    };
    let (_, _, channels) = c.geometry.input;
    let (kh, kw) = c.geometry.kernel;
    let shape = [c.bias.len(), kh, kw, channels];
    let pads = walk.padding();
    let fits = |op: &walk::Op<'_>| op.input(1).is_some_and(|t| same_shape(&t.shape, &shape));
    let Some(op) = walk.operator_where(&Code::CONV_2D, fits) else {
        return;
    };
    let &Options::Conv2D { window, activation } = op.options() else {
        walk.problem("its CONV_2D operator has no settings");
        return;
    };
    c.read(walk, op, &shape, (window, activation, pads), input, len);
}

/// Reads a `DEPTHWISE_CONV_2D` into `c`, as [`load_conv`] a `CONV_2D` (weights `1HWO`).
#[cfg(feature = "std")]
pub(crate) fn load_depthwise(walk: &mut crate::int8::Walk<'_>, c: Constants<'_>, len: usize) {
    use crate::int8::walk;
    use nn_tflite::{Code, Options};
    let Some(input) = walk.input_quantization() else {
        return;
    };
    let (_, _, channels) = c.geometry.input;
    let (kh, kw) = c.geometry.kernel;
    let outputs = c.bias.len();
    let shape = [1, kh, kw, outputs];
    let pads = walk.padding();
    let fits = |op: &walk::Op<'_>| op.input(1).is_some_and(|t| same_shape(&t.shape, &shape));
    let Some(op) = walk.operator_where(&Code::DEPTHWISE_CONV_2D, fits) else {
        return;
    };
    let &Options::DepthwiseConv2D {
        window,
        depth_multiplier,
        activation,
    } = op.options()
    else {
        walk.problem("its DEPTHWISE_CONV_2D operator has no settings");
        return;
    };
    let multiplier = outputs / channels.max(1);
    // Converters write the multiplier; TensorFlow Lite takes it from the shapes.
    if usize::try_from(depth_multiplier).ok() != Some(multiplier) && depth_multiplier != 0 {
        walk.problem(format!(
            "the file's depth multiplier is {depth_multiplier}, the declaration's {multiplier}"
        ));
    }
    c.read(walk, op, &shape, (window, activation, pads), input, len);
}

/// The rows above and below and the columns left and right a `PAD` before an operator adds.
#[cfg(feature = "std")]
type Pads = (usize, usize, usize, usize);

#[cfg(feature = "std")]
impl Constants<'_> {
    /// The rest of reading a convolution once its operator is found: its window and shapes
    /// compared with the declaration's, its weights (of `shape`), bias and quantization read,
    /// and the walk moved past it. `input` is the input's scale and zero point, `len` the
    /// output's values.
    fn read<'a>(
        self,
        walk: &mut crate::int8::Walk<'a>,
        op: crate::int8::walk::Op<'a>,
        shape: &[usize],
        (window, activation, pads): (nn_tflite::Window, nn_tflite::Activation, Pads),
        (in_scale, in_zero): (f32, i32),
        len: usize,
    ) {
        use crate::int8::walk;
        let g = self.geometry;
        let strides = (window.strides, window.dilation);
        check_window(walk, g, strides, window.padding, pads);
        let (h, w, channels) = g.input;
        let (top, bottom, left, right) = pads;
        let padded = (h + top + bottom, w + left + right, channels);
        walk::image_shapes(walk, &op, padded, g.output);
        let channels = self.bias.len();
        let scales = walk::weights(walk, &op, 1, shape, channels, self.weights);
        walk::bias(walk, &op, 2, self.bias);
        if let Some((out_scale, output)) = walk::output(walk, &op, activation, len) {
            if let Some(scales) = scales {
                walk::bias_scales(walk, &op, 2, (in_scale, &scales), out_scale);
                walk::channel_multipliers(in_scale, &scales, out_scale, self.multipliers);
            }
            *self.input_zero = in_zero;
            *self.output = output;
        }
        walk.advance(op, activation, self.bounds);
    }
}

/// Whether a file's shape is `shape`.
#[cfg(feature = "std")]
fn same_shape(file: &[i32], shape: &[usize]) -> bool {
    file.len() == shape.len()
        && file
            .iter()
            .zip(shape)
            .all(|(&a, &b)| usize::try_from(a) == Ok(b))
}

/// Reading into a convolution's constants, the same for both kinds: room for them
/// (`parts`), and taking what was read (`take`).
macro_rules! read_into {
    ($($layer:ident<$a:ident, $b:ident>),*) => {$(
        #[cfg(feature = "std")]
        impl<const $a: usize, const $b: usize> $layer<$a, $b> {
            /// Room for its constants, to be read from a file.
            pub(crate) fn parts(&self) -> crate::int8::Parts {
                let channels = self.bias.len();
                crate::int8::Parts::zeroed(self.geometry, self.bounds, self.weights.len(), channels)
            }

            /// Takes the constants read.
            pub(crate) fn take(&mut self, parts: crate::int8::Parts) {
                self.weights = super::Held::from_vec(parts.weights);
                self.bias = super::Held::from_vec(parts.bias);
                self.multipliers = super::Held::from_vec(parts.multipliers);
                self.input_zero = parts.input_zero;
                self.output = parts.output;
            }
        }
    )*};
}

read_into!(Conv<F, K>, Depthwise<CM, TAPS>);
