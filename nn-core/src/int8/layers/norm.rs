//! The int8 form of `BatchNormalization`: folded into the weights of the operator before it
//! where it can be, else an operator of its own, a 1×1 `DEPTHWISE_CONV_2D` (each channel times
//! its factor plus its shift), as after an activation (`Conv2D<…, Relu>, BatchNormalization`,
//! where `γ · relu(z) + β` is not `relu(γ · z + β)`) or after a residual block's add.

use crate::int8::{Depthwise, Layer, Quantize};

/// The int8 form of [`crate::BatchNormalization`] of `C` channels: nothing of its own when
/// folded into the operator before it (`op` is `None`), else TensorFlow Lite's
/// `DEPTHWISE_CONV_2D` with a 1×1 kernel, stride 1 and depth multiplier 1.
///
/// A file is read as follows: a batch normalization is an operator of its own when the next
/// operator reading its input is such a depthwise convolution of `C` channels, and folded
/// otherwise (so a declared `DepthwiseConv2D<(1, 1)>` right after a folded batch normalization
/// would be taken for it, and the file then found not to match).
#[derive(Clone, Debug)]
pub struct Norm<const C: usize> {
    /// The operator, when the batch normalization is not folded.
    pub op: Option<Depthwise<C, 1>>,
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
    #[inline]
    fn forward(&self, x: &[i8; N], y: &mut [i8; N]) {
        match &self.op {
            Some(op) => <Depthwise<C, 1> as Layer<N, N>>::forward(op, x, y),
            None => y.copy_from_slice(x),
        }
    }

    #[cfg(feature = "std")]
    fn load(&mut self, walk: &mut crate::int8::Walk<'_>) {
        use crate::int8::{Bounds, Geometry, Padding};
        use nn_tflite::Code;
        self.op = None;
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
        if h * w * C != N {
            walk.problem(format!(
                "its input is {shape:?} in the file, {N} values in the declaration"
            ));
            return;
        }
        let geometry = Geometry::new((h, w, C), (1, 1), C, (1, 1), (1, 1), Padding::Valid);
        let mut op = Depthwise::<C, 1>::zeroed(geometry, Bounds::NONE);
        <Depthwise<C, 1> as Layer<N, N>>::load(&mut op, walk);
        self.op = Some(op);
    }
}

impl<const N: usize, const C: usize, S: crate::Storage> Quantize<N, N>
    for crate::BatchNormalization<f32, N, C, S>
{
    type Int8 = Norm<C>;

    fn int8(&self) -> Norm<C> {
        Norm { op: None }
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
