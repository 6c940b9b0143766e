//! What an int8 layer is ([`Layer`]), and which float layers have one ([`Quantize`]).

/// A layer of an int8 network: inference on one sample of `I` int8 values into `O`, as
/// TensorFlow Lite's reference kernels compute it. `network!` chains them in the int8 form of a
/// declaration (`nn::Int8<Net>`).
pub trait Layer<const I: usize, const O: usize>: Clone + core::fmt::Debug {
    /// Whether every layer of this type leaves its input as it is (a dropout, a flatten): the
    /// network skips it. A layer that does so only as read (a batch normalization folded into
    /// the weights before it) says so through [`passes`](Layer::passes).
    const PASS: bool = false;

    /// The bytes of stack [`forward`](Layer::forward) keeps beside its input and output (a
    /// layer then its activation's operator: the values between them; a block: its
    /// branches' outputs). `network!` adds the largest into an int8 network's
    /// `PREDICT_STACK`.
    const SCRATCH: usize = 0;

    /// The stack its code takes beyond [`SCRATCH`](Layer::SCRATCH): saved registers, spilled
    /// values, small locals; an allowance, not a count ([`crate::frame`]). `network!` adds the
    /// largest of a network's layers' into its `PREDICT_STACK`.
    const FRAME: usize = crate::frame::SIMPLE;

    /// The bytes of its parameters: int8 weights, int32 biases and requantization multipliers,
    /// one per output channel (a layer quantized per tensor has one in all, and takes less).
    /// `network!` adds them up into an int8 network's `PARAM_BYTES`.
    const PARAM_BYTES: usize = 0;

    /// Whether this layer leaves its input as it is: [`PASS`](Layer::PASS), or what was read
    /// decides (a batch normalization folded into the weights before it, or not).
    #[inline(always)]
    fn passes(&self) -> bool {
        Self::PASS
    }

    /// `y` from `x`.
    fn forward(&self, x: &[i8; I], y: &mut [i8; O]);

    /// Reads the layer's operators, weights and quantization from a TensorFlow Lite file,
    /// where `walk` stands (the operator reading the layer's input), reporting every
    /// difference from the declaration to `walk`.
    #[cfg(feature = "std")]
    fn load(&mut self, walk: &mut super::Walk<'_>);
}

/// A float layer with an int8 form: which type it is, and that form with the layer's geometry
/// and every weight zero, to be loaded ([`Layer::load`]).
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no int8 form in `nn` yet",
    label = "this layer cannot be in an `#[int8]` network",
    note = "int8 networks have Dense, Conv1D/2D, DepthwiseConv1D/2D, SeparableConv1D/2D, \
            MaxPool1D/2D, AvgPool1D/2D, GlobalAvgPool1D/2D, GlobalMaxPool1D/2D, Flatten, \
            Dropout, BatchNormalization, LeakyReLU, PReLU, LSTM (not backwards), blocks that \
            add or concatenate, and the activations ReLU, ReLU6, softmax, log softmax, sigmoid, \
            tanh, leaky ReLU, ELU, hard swish and GELU"
)]
pub trait Quantize<const I: usize, const O: usize> {
    /// The int8 layer.
    type Int8: Layer<I, O>;

    /// The int8 form of this layer's geometry, its weights zero.
    fn int8(&self) -> Self::Int8;

    /// Runs the float layer on a batch of calibration samples, widening the range of its
    /// outputs (and those of the layers inside it) in `ranges`.
    #[cfg(feature = "std")]
    fn observe(&self, x: &crate::Batch<f32, I>, ranges: &mut super::Ranges) -> crate::Batch<f32, O>
    where
        Self: crate::Layer<f32, I, O>,
    {
        let y = outputs(self, x);
        ranges.observe(y.as_slice());
        y
    }

    /// Adds the layer's operators to an int8 model, from its weights and the ranges its
    /// outputs took ([`Converter::range`](super::Converter::range), one per layer observed).
    #[cfg(feature = "std")]
    fn convert(&self, c: &mut super::Converter);
}

/// An activation that an int8 layer can apply as TensorFlow Lite does: a clamp of its outputs
/// (ReLU, ReLU6, none) fused into the operator before it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no int8 form in `nn` yet",
    note = "int8 layers can end in `Linear`, `Relu` or `Relu6`"
)]
pub trait Clamp {
    /// The activation's bounds on reals.
    const BOUNDS: Bounds;
}

/// The reals a fused activation lets through: `[low, high]`, `None` where unbounded.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bounds {
    /// The least value (0 for ReLU), if any.
    pub low: Option<f32>,
    /// The greatest value (6 for ReLU6), if any.
    pub high: Option<f32>,
}

impl Bounds {
    /// No bounds: no activation.
    pub const NONE: Self = Self {
        low: None,
        high: None,
    };

    /// The activation a TensorFlow Lite operator fuses to clamp to these bounds.
    #[cfg(feature = "std")]
    pub fn fused(self) -> nn_tflite::Activation {
        use nn_tflite::Activation;
        match (self.low, self.high) {
            (None, None) => Activation::None,
            (Some(_), None) => Activation::Relu,
            (Some(l), Some(_)) if l < 0.0 => Activation::ReluN1To1,
            _ => Activation::Relu6,
        }
    }
}

impl Clamp for crate::Linear {
    const BOUNDS: Bounds = Bounds {
        low: None,
        high: None,
    };
}

impl Clamp for crate::Relu {
    const BOUNDS: Bounds = Bounds {
        low: Some(0.0),
        high: None,
    };
}

impl Clamp for crate::Relu6 {
    const BOUNDS: Bounds = Bounds {
        low: Some(0.0),
        high: Some(6.0),
    };
}

/// A batch of `n` samples of `O` zeros: where the float layers' outputs go while they are
/// observed.
#[cfg(feature = "std")]
pub(crate) fn batch<const O: usize>(n: usize) -> crate::Batch<f32, O> {
    crate::Batch::<f32, O>::zeros_generic(nalgebra::Const::<O>, nalgebra::Dyn(n))
}

/// A float layer's outputs on the batch `x`.
#[cfg(feature = "std")]
pub(crate) fn outputs<L, const I: usize, const O: usize>(
    layer: &L,
    x: &crate::Batch<f32, I>,
) -> crate::Batch<f32, O>
where
    L: crate::Layer<f32, I, O> + ?Sized,
{
    let mut y = batch(x.ncols());
    layer.forward_batch(x, &mut y);
    y
}
