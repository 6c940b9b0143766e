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
    Depthwise(Depthwise<C, 1>),
    /// A `MUL` by one constant per channel, then an `ADD` of another.
    ScaleShift(ScaleShift<C>),
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

impl<const C: usize> Norm<C> {
    /// Whether `op` is the 1×1 depthwise convolution of `C` channels a batch normalization of
    /// its own is.
    #[cfg(feature = "std")]
    fn is_ours(op: &crate::int8::walk::Op<'_>) -> bool {
        let nn_tflite::Options::DepthwiseConv2D { window, .. } = op.options() else {
            return false;
        };
        let weights = op.input(1).map(|t| t.shape.as_slice());
        window.strides == (1, 1)
            && i32::try_from(C).ok() == weights.and_then(|w| w.get(3).copied())
            && weights.is_some_and(|w| w.len() == 4 && w[..3] == [1, 1, 1])
    }
}

impl<const N: usize, const C: usize> Layer<N, N> for Norm<C> {
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
        use crate::int8::{Bounds, Geometry, Padding};
        use nn_tflite::Code;
        self.op = NormOp::Folded;
        if walk.next_is(&Code::MUL) {
            self.load_scale_shift::<N>(walk);
            return;
        }
        if !walk
            .peek(&Code::DEPTHWISE_CONV_2D)
            .is_some_and(|op| Self::is_ours(&op))
        {
            return;
        }
        // The input's height and width from the file (`[1, h, w, C]`), as many positions as
        // the declaration's `N / C`.
        let shape = &walk.input().shape;
        let (h, w) = match shape.as_slice() {
            [1, h, w, _] => (
                usize::try_from(*h).unwrap_or(0),
                usize::try_from(*w).unwrap_or(0),
            ),
            _ => (N / C.max(1), 1),
        };
        if h.checked_mul(w).and_then(|hw| hw.checked_mul(C)) != Some(N) {
            walk.problem(format!(
                "its input is {shape:?} in the file, {N} values in the declaration"
            ));
            return;
        }
        let geometry = Geometry::new((h, w, C), (1, 1), C, (1, 1), (1, 1), Padding::Valid);
        let mut op = Depthwise::<C, 1>::zeroed(geometry, Bounds::NONE);
        <Depthwise<C, 1> as Layer<N, N>>::load(&mut op, walk);
        self.op = NormOp::Depthwise(op);
    }
}

impl<const C: usize> Norm<C> {
    /// Reads TensorFlow's converter's form: a `MUL` by one constant per channel, then an `ADD`
    /// of another.
    #[cfg(feature = "std")]
    fn load_scale_shift<const N: usize>(&mut self, walk: &mut crate::int8::Walk<'_>) {
        use crate::int8::kernels::{Add, Mul};
        use crate::int8::walk;
        use nn_tflite::{Code, Options};
        let constant = |walk: &mut crate::int8::Walk<'_>, op: &walk::Op<'_>, out: &mut [i8; C]| {
            let tensor = op.input(1)?;
            let data = op.data(tensor);
            if data.len() != C || tensor.element != nn_tflite::Element::I8 {
                walk.problem(format!(
                    "the file's `{}` is not {C} int8 values, one per channel",
                    tensor.name
                ));
                return None;
            }
            for (o, &b) in out.iter_mut().zip(data) {
                *o = b as i8;
            }
            walk.quantization(tensor)
        };
        let Some(input) = walk.input_quantization() else {
            return;
        };
        let Some(op) = walk.operator(&Code::MUL) else {
            return;
        };
        let &Options::Mul { activation } = op.options() else {
            walk.problem("its MUL operator has no settings");
            return;
        };
        let mut scale = [0; C];
        let scale_q = constant(walk, &op, &mut scale);
        let mul_out = walk::output(walk, &op, activation, N);
        walk.advance(op, activation, crate::int8::Bounds::NONE);
        let Some(mid) = walk.input_quantization() else {
            return;
        };
        let Some(op) = walk.operator(&Code::ADD) else {
            return;
        };
        let &Options::Add { activation } = op.options() else {
            walk.problem("its ADD operator has no settings");
            return;
        };
        let mut shift = [0; C];
        let shift_q = constant(walk, &op, &mut shift);
        let add_out = walk::output(walk, &op, activation, N);
        walk.advance(op, activation, crate::int8::Bounds::NONE);
        if let (
            Some(scale_q),
            Some((mul_scale, mul_output)),
            Some(shift_q),
            Some((add_scale, add_output)),
        ) = (scale_q, mul_out, shift_q, add_out)
        {
            if !Add::fits(mid.0, shift_q.0, add_scale) {
                walk.problem(
                    "the file's ADD has an output scale so much smaller than its inputs' that \
                     TensorFlow Lite refuses it",
                );
            }
            self.op = NormOp::ScaleShift(ScaleShift {
                mul: Mul::new(input, scale_q, mul_scale, mul_output),
                scale,
                add: Add::new(mid, shift_q, add_scale, add_output),
                shift,
            });
        }
    }
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
