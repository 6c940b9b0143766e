//! The int8 form of `BatchNormalization`: folded into the weights of the operator before it
//! where it can be, else an operator of its own, a 1×1 `DEPTHWISE_CONV_2D` (each channel times
//! its factor plus its shift), as after an activation (`Conv2D<…, Relu>, BatchNormalization`,
//! where `γ · relu(z) + β` is not `relu(γ · z + β)`) or after a residual block's add. Files
//! from TensorFlow's converter have a `MUL` and an `ADD` of per-channel constants there, which
//! are read too (and which our conversion writes for values that are not an image).

use crate::int8::{Depthwise, Layer, Quantize};

/// The int8 form of [`crate::BatchNormalization`] of `C` channels: nothing of its own when
/// folded into the operator before it ([`NormOp::Folded`]), else TensorFlow Lite's
/// `DEPTHWISE_CONV_2D` with a 1×1 kernel, stride 1 and depth multiplier 1, or its `MUL` and
/// `ADD` of per-channel constants.
///
/// A file is read as follows: a batch normalization is an operator of its own when the next
/// operator reading its input is such a depthwise convolution of `C` channels, and folded
/// otherwise (so a declared `DepthwiseConv2D<(1, 1)>` right after a folded batch normalization
/// would be taken for it, and the file then found not to match).
#[derive(Clone, Debug)]
pub struct Norm<const C: usize> {
    /// The operators, when the batch normalization is not folded.
    pub op: NormOp<C>,
}

/// What a batch normalization is in an int8 network.
#[derive(Clone, Debug)]
pub enum NormOp<const C: usize> {
    /// Folded into the weights of the operator before it: nothing to do.
    Folded,
    /// A 1×1 depthwise convolution: each channel times its weight, plus its bias.
    Depthwise(super::Held<Depthwise<C, 1>>),
    /// A `MUL` by one constant per channel, then an `ADD` of another.
    ScaleShift(super::Held<ScaleShift<C>>),
}

/// A batch normalization as two operators: `y = x · scale + shift`, per channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScaleShift<const C: usize> {
    /// The multiplication's constants.
    pub mul: crate::int8::kernels::Mul,
    /// The scale of each channel.
    pub scale: [i8; C],
    /// The addition's constants.
    pub add: crate::int8::kernels::Add,
    /// The shift of each channel.
    pub shift: [i8; C],
}

impl<const N: usize, const C: usize> Layer<N, N> for Norm<C> {
    /// Its scales and shifts, when it is not folded into the layer before it.
    const PARAM_BYTES: usize = 2 * C;

    #[inline(always)]
    fn passes(&self) -> bool {
        matches!(self.op, NormOp::Folded)
    }

    #[inline]
    fn forward(&self, x: &[i8; N], y: &mut [i8; N]) {
        match &self.op {
            NormOp::Depthwise(op) => <Depthwise<C, 1> as Layer<N, N>>::forward(op, x, y),
            NormOp::ScaleShift(ops) => {
                let mut z = [0i8; N];
                ops.mul.run_channels(x, &ops.scale, &mut z);
                ops.add.run_channels(&z, &ops.shift, y);
            }
            NormOp::Folded => y.copy_from_slice(x),
        }
    }

    #[cfg(feature = "std")]
    fn load(&mut self, walk: &mut crate::int8::Walk<'_>) {
        self.op = match load_norm(walk, N, C) {
            NormRead::Folded => NormOp::Folded,
            NormRead::Depthwise(parts) => {
                let mut op = Depthwise::<C, 1>::zeroed(parts.geometry, parts.bounds);
                op.take(parts);
                NormOp::Depthwise(super::Held::owned(op))
            }
            NormRead::ScaleShift {
                mul,
                scale,
                add,
                shift,
            } => NormOp::ScaleShift(super::Held::owned(ScaleShift {
                mul,
                scale: core::array::from_fn(|k| scale[k]),
                add,
                shift: core::array::from_fn(|k| shift[k]),
            })),
        };
    }
}

/// A batch normalization as read from a file, its constants owned.
#[cfg(feature = "std")]
#[derive(Clone, Debug)]
pub enum NormRead {
    /// Folded into the operator before.
    Folded,
    /// A 1×1 depthwise convolution.
    Depthwise(crate::int8::Parts),
    /// A `MUL` and an `ADD` of one constant per channel each.
    ScaleShift {
        /// The multiplication's constants.
        mul: crate::int8::kernels::Mul,
        /// The scale of each channel.
        scale: std::vec::Vec<i8>,
        /// The addition's constants.
        add: crate::int8::kernels::Add,
        /// The shift of each channel.
        shift: std::vec::Vec<i8>,
    },
}

/// Whether `op` is the 1×1 depthwise convolution of `channels` channels a batch normalization
/// of its own is.
#[cfg(feature = "std")]
fn is_ours(op: &crate::int8::walk::Op<'_>, channels: usize) -> bool {
    let nn_tflite::Options::DepthwiseConv2D { window, .. } = op.options() else {
        return false;
    };
    let weights = op.input(1).map(|t| t.shape.as_slice());
    window.strides == (1, 1)
        && i32::try_from(channels).ok() == weights.and_then(|w| w.get(3).copied())
        && weights.is_some_and(|w| w.len() == 4 && w[..3] == [1, 1, 1])
}

/// Reads a batch normalization of `channels` channels over `len` values: folded when the
/// file has no operator of its own for it (the next operator is not a `MUL`, nor a 1×1
/// depthwise convolution of as many channels).
#[cfg(feature = "std")]
pub(crate) fn load_norm(walk: &mut crate::int8::Walk<'_>, len: usize, channels: usize) -> NormRead {
    use crate::int8::{Bounds, Geometry, Padding};
    use nn_tflite::Code;
    if walk.next_is(&Code::MUL) {
        return load_scale_shift(walk, len, channels).unwrap_or(NormRead::Folded);
    }
    if !walk
        .peek(&Code::DEPTHWISE_CONV_2D)
        .is_some_and(|op| is_ours(&op, channels))
    {
        return NormRead::Folded;
    }
    // The input's height and width from the file (`[1, h, w, C]`), as many positions as
    // the declaration's `len / channels`.
    let shape = &walk.input().shape;
    let (h, w) = match shape.as_slice() {
        [1, h, w, _] => (
            usize::try_from(*h).unwrap_or(0),
            usize::try_from(*w).unwrap_or(0),
        ),
        _ => (len / channels.max(1), 1),
    };
    if h.checked_mul(w).and_then(|hw| hw.checked_mul(channels)) != Some(len) {
        walk.problem(format!(
            "its input is {shape:?} in the file, {len} values in the declaration"
        ));
        return NormRead::Folded;
    }
    let geometry = Geometry::new(
        (h, w, channels),
        (1, 1),
        channels,
        (1, 1),
        (1, 1),
        Padding::Valid,
    );
    let mut parts = crate::int8::Parts::zeroed(geometry, Bounds::NONE, channels, channels);
    super::conv::load_depthwise(walk, parts.constants(), len);
    NormRead::Depthwise(parts)
}

/// Reads TensorFlow's converter's form: a `MUL` by one constant per channel, then an `ADD` of
/// another.
#[cfg(feature = "std")]
fn load_scale_shift(
    walk: &mut crate::int8::Walk<'_>,
    len: usize,
    channels: usize,
) -> Option<NormRead> {
    use crate::int8::kernels::{Add, Mul};
    use crate::int8::walk;
    use nn_tflite::{Code, Options};
    let constant = |walk: &mut crate::int8::Walk<'_>, op: &walk::Op<'_>| {
        let tensor = op.input(1)?;
        let data = op.data(tensor);
        if data.len() != channels || tensor.element != nn_tflite::Element::I8 {
            walk.problem(format!(
                "the file's `{}` is not {channels} int8 values, one per channel",
                tensor.name
            ));
            return None;
        }
        let values: std::vec::Vec<i8> = data.iter().map(|&b| b as i8).collect();
        Some((values, walk.quantization(tensor)?))
    };
    let input = walk.input_quantization()?;
    let op = walk.operator(&Code::MUL)?;
    let &Options::Mul { activation } = op.options() else {
        walk.problem("its MUL operator has no settings");
        return None;
    };
    let scale = constant(walk, &op);
    let mul_out = walk::output(walk, &op, activation, len);
    walk.advance(op, activation, crate::int8::Bounds::NONE);
    let mid = walk.input_quantization()?;
    let op = walk.operator(&Code::ADD)?;
    let &Options::Add { activation } = op.options() else {
        walk.problem("its ADD operator has no settings");
        return None;
    };
    let shift = constant(walk, &op);
    let add_out = walk::output(walk, &op, activation, len);
    walk.advance(op, activation, crate::int8::Bounds::NONE);
    let ((scale, scale_q), (mul_scale, mul_output), (shift, shift_q), (add_scale, add_output)) =
        (scale?, mul_out?, shift?, add_out?);
    if !Add::fits(mid.0, shift_q.0, add_scale) {
        walk.problem(
            "the file's ADD has an output scale so much smaller than its inputs' that \
             TensorFlow Lite refuses it",
        );
    }
    Some(NormRead::ScaleShift {
        mul: Mul::new(input, scale_q, mul_scale, mul_output),
        scale,
        add: Add::new(mid, shift_q, add_scale, add_output),
        shift,
    })
}

impl<const N: usize, const C: usize, S: crate::Storage> Quantize<N, N>
    for crate::BatchNormalization<f32, N, C, S>
{
    type Int8 = Norm<C>;

    fn int8(&self) -> Norm<C> {
        Norm { op: NormOp::Folded }
    }

    /// Each channel times `γ / √(variance + ε)`, plus `β − mean · γ / √(variance + ε)`: folded
    /// into the operator before when it has weights and no activation yet, else a 1×1
    /// depthwise convolution of its own ([`Converter::fold`](crate::int8::Converter::fold)).
    #[cfg(feature = "std")]
    fn convert(&self, c: &mut crate::int8::Converter) {
        let range = c.range();
        let eps = self.epsilon;
        let scale: std::vec::Vec<f32> = (0..C)
            .map(|k| {
                (f64::from(self.gamma[(k, 0)])
                    / (f64::from(self.moving_variance[(k, 0)]) + eps).sqrt()) as f32
            })
            .collect();
        let shift: std::vec::Vec<f32> = (0..C)
            .map(|k| self.beta[(k, 0)] - self.moving_mean[(k, 0)] * scale[k])
            .collect();
        c.fold(&scale, &shift, range);
    }
}
