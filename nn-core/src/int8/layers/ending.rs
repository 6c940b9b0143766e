//! How an int8 layer ends: a clamp fused into its operator (ReLU, ReLU6, none), or an operator
//! of its own after it (softmax, log softmax, sigmoid, tanh, leaky ReLU, ELU, hard swish,
//! GELU), as
//! TensorFlow Lite's converter writes them.

use crate::int8::kernels::{LeakyRelu, LogSoftmax, Logistic, Lookup, Softmax, Tanh};
use crate::int8::{Bounds, Clamp, Layer};

/// What an activation is in an int8 network.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Form {
    /// A clamp of the outputs, fused into the operator before.
    Clamp(Bounds),
    /// TensorFlow Lite's `SOFTMAX` (beta 1), whose output has scale 1/256 and zero point −128.
    Softmax,
    /// `LOG_SOFTMAX`, whose output has scale 16/256 and zero point 127.
    LogSoftmax,
    /// `LOGISTIC`, whose output has scale 1/256 and zero point −128.
    Logistic,
    /// `TANH`, whose output has scale 1/128 and zero point 0.
    Tanh,
    /// `LEAKY_RELU`, whose output is quantized as the file says (its slope is the file's too,
    /// compared with the declaration's).
    LeakyRelu,
    /// `ELU` (alpha 1, the only one TensorFlow Lite's has), whose output is quantized as the
    /// file says.
    Elu,
    /// `HARD_SWISH` (Keras's `hard_silu`), whose output is quantized as the file says.
    HardSwish,
    /// `GELU`, exact or the tanh approximation, whose output is quantized as the file says.
    Gelu {
        /// Whether it is the tanh approximation.
        approximate: bool,
    },
}

/// An activation with an int8 form.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no int8 form in `nn` yet",
    note = "int8 layers end in `Linear`, `Relu`, `Relu6`, `Softmax`, `LogSoftmax`, `Sigmoid`, \
            `Tanh`, `LeakyRelu`, `Elu`, `HardSilu`, `Gelu` or `GeluApprox`"
)]
pub trait Ending {
    /// Its form.
    const FORM: Form;

    /// The factor of its negative part, which the type does not fix: a leaky ReLU's slope,
    /// an ELU's alpha.
    fn slope(&self) -> Option<f32> {
        None
    }
}

impl<A: Clamp> Ending for A {
    const FORM: Form = Form::Clamp(A::BOUNDS);
}

impl Ending for crate::Softmax {
    const FORM: Form = Form::Softmax;
}

impl Ending for crate::LogSoftmax {
    const FORM: Form = Form::LogSoftmax;
}

impl Ending for crate::Sigmoid {
    const FORM: Form = Form::Logistic;
}

impl Ending for crate::Tanh {
    const FORM: Form = Form::Tanh;
}

impl Ending for crate::LeakyRelu {
    const FORM: Form = Form::LeakyRelu;

    fn slope(&self) -> Option<f32> {
        Some(self.negative_slope as f32)
    }
}

impl Ending for crate::Elu {
    const FORM: Form = Form::Elu;

    fn slope(&self) -> Option<f32> {
        Some(self.alpha as f32)
    }
}

impl Ending for crate::HardSilu {
    const FORM: Form = Form::HardSwish;
}

impl Ending for crate::Gelu {
    const FORM: Form = Form::Gelu { approximate: false };
}

impl Ending for crate::GeluApprox {
    const FORM: Form = Form::Gelu { approximate: true };
}

impl Form {
    /// Whether the activation is an operator whose output is quantized from the range it
    /// took (a leaky ReLU, an ELU, a hard swish, a GELU), not fixed by TensorFlow Lite.
    pub const fn observed(self) -> bool {
        matches!(
            self,
            Self::LeakyRelu | Self::Elu | Self::HardSwish | Self::Gelu { .. }
        )
    }

    /// The bounds of the clamp fused into the operator before (none for an operator of its
    /// own).
    pub const fn bounds(self) -> Bounds {
        match self {
            Self::Clamp(bounds) => bounds,
            _ => Bounds::NONE,
        }
    }
}

/// The operator after a layer's own, with its constants: none, or the activation's.
#[derive(Clone, Debug, PartialEq)]
pub enum Then {
    /// Nothing after.
    None,
    /// A softmax over the layer's outputs.
    Softmax(super::Held<Softmax>),
    /// A log softmax over the layer's outputs.
    LogSoftmax(super::Held<LogSoftmax>),
    /// A logistic of each output.
    Logistic(super::Held<Logistic>),
    /// A tanh of each output.
    Tanh(super::Held<Tanh>),
    /// A leaky ReLU of each output (before it is read: the declared slope, its other constants
    /// zero).
    LeakyRelu(super::Held<LeakyRelu>),
    /// An ELU of each output.
    Elu {
        /// Its alpha (before it is read, the declared one; TensorFlow Lite's is 1).
        alpha: f32,
        /// Its table.
        lookup: super::Held<Lookup>,
    },
    /// A hard swish of each output.
    HardSwish(super::Held<Lookup>),
    /// A GELU of each output.
    Gelu(super::Held<Lookup>),
}

impl Then {
    /// Whether there is an operator after.
    pub const fn is_some(&self) -> bool {
        !matches!(self, Self::None)
    }

    /// `y` from the layer's own outputs `x`.
    #[inline]
    pub fn run(&self, x: &[i8], y: &mut [i8]) {
        match self {
            Self::None => y.copy_from_slice(x),
            Self::Softmax(f) => f.run(x, y),
            Self::LogSoftmax(f) => f.run(x, y),
            Self::Logistic(f) => f.run(x, y),
            Self::Tanh(f) => f.run(x, y),
            Self::LeakyRelu(f) => f.run(x, y),
            Self::Elu { lookup: f, .. } | Self::HardSwish(f) | Self::Gelu(f) => f.run(x, y),
        }
    }

    /// The operator after a layer ending in `activation`, before it is read: for a leaky ReLU
    /// or an ELU (with `std`, where files are read), its declared slope or alpha, which the
    /// file's is compared with.
    pub fn declared<A: Ending>(activation: &A) -> Self {
        #[cfg(feature = "std")]
        return Self::declare(A::FORM, activation.slope());
        #[cfg(not(feature = "std"))]
        {
            let _ = activation;
            Self::None
        }
    }

    /// A leaky ReLU of slope `alpha` before it is read (its other constants zero), or none.
    #[cfg(feature = "std")]
    pub fn with_slope(alpha: Option<f32>) -> Self {
        let zero = crate::int8::Multiplier { value: 0, shift: 0 };
        alpha.map_or(Self::None, |alpha| {
            Self::LeakyRelu(super::Held::owned(LeakyRelu {
                alpha,
                input_zero: 0,
                output_zero: 0,
                identity: zero,
                negative: zero,
            }))
        })
    }

    /// The operator after a layer ending in an activation of `form` before it is read: a
    /// leaky ReLU of slope `alpha` or an ELU of alpha `alpha` (their tables and other
    /// constants zero), or none.
    #[cfg(feature = "std")]
    pub fn declare(form: Form, alpha: Option<f32>) -> Self {
        match (form, alpha) {
            (Form::Elu, Some(alpha)) => Self::Elu {
                alpha,
                lookup: super::Held::owned(Lookup { table: [0; 256] }),
            },
            (Form::LeakyRelu, alpha) => Self::with_slope(alpha),
            _ => Self::None,
        }
    }

    /// The slope of a leaky ReLU or the alpha of an ELU after (declared, or read).
    pub fn slope(&self) -> Option<f32> {
        match self {
            Self::LeakyRelu(f) => Some(f.alpha),
            Self::Elu { alpha, .. } => Some(*alpha),
            _ => None,
        }
    }

    /// Reads the operator after a layer's own from `walk`, for an activation of `form`: none
    /// for a clamp. `declared` is the declaration's slope of a leaky ReLU, if known.
    #[cfg(feature = "std")]
    pub fn load(
        walk: &mut crate::int8::Walk<'_>,
        form: Form,
        len: usize,
        declared: Option<f32>,
    ) -> Self {
        use nn_tflite::{Activation, Code, Options};
        let (code, scale, zero) = match form {
            Form::Clamp(_) => return Self::None,
            Form::LeakyRelu => return Self::load_leaky(walk, len, declared),
            Form::Elu | Form::HardSwish | Form::Gelu { .. } => {
                return Self::load_lookup(walk, form, len, declared);
            }
            Form::Softmax => (Code::SOFTMAX, 1.0 / 256.0, -128),
            Form::LogSoftmax => (Code::LOG_SOFTMAX, 16.0 / 256.0, 127),
            Form::Logistic => (Code::LOGISTIC, 1.0 / 256.0, -128),
            Form::Tanh => (Code::TANH, 1.0 / 128.0, 0),
        };
        let Some((in_scale, in_zero)) = walk.input_quantization() else {
            return Self::None;
        };
        let Some(op) = walk.operator(&code) else {
            return Self::None;
        };
        let then = match (form, op.options()) {
            (Form::Softmax, &Options::Softmax { beta }) => {
                if beta != 1.0 {
                    walk.problem(format!(
                        "the file's SOFTMAX has beta {beta}; Keras's softmax has 1"
                    ));
                }
                Self::Softmax(super::Held::owned(Softmax::new(in_scale, beta)))
            }
            (Form::Softmax, _) => {
                walk.problem("its SOFTMAX operator has no settings");
                Self::None
            }
            (Form::LogSoftmax, _) => {
                Self::LogSoftmax(super::Held::owned(LogSoftmax::new(in_scale)))
            }
            (Form::Logistic, _) => {
                Self::Logistic(super::Held::owned(Logistic::new(in_scale, in_zero)))
            }
            _ => Self::Tanh(super::Held::owned(Tanh::new(in_scale, in_zero))),
        };
        if let Some((out_scale, output)) =
            crate::int8::walk::output(walk, &op, Activation::None, len)
            && (out_scale != scale || output.zero != zero)
        {
            walk.problem(format!(
                "the file's {} output has scale {out_scale} and zero point {}, not TensorFlow \
                 Lite's {scale} and {zero}",
                code.name(),
                output.zero
            ));
        }
        walk.advance(op, Activation::None, Bounds::NONE);
        then
    }

    /// Reads a `LEAKY_RELU` of `len` values: its slope (compared with `declared`), and the
    /// constants TensorFlow Lite prepares from it and the quantization of its input and output.
    #[cfg(feature = "std")]
    fn load_leaky(walk: &mut crate::int8::Walk<'_>, len: usize, declared: Option<f32>) -> Self {
        use nn_tflite::{Activation, Code, Options};
        let Some(input) = walk.input_quantization() else {
            return Self::None;
        };
        let Some(op) = walk.operator(&Code::LEAKY_RELU) else {
            return Self::None;
        };
        let mut then = Self::None;
        if let &Options::LeakyRelu { alpha } = op.options() {
            if let Some(declared) = declared
                && declared != alpha
            {
                walk.problem(format!(
                    "the file's LEAKY_RELU has slope {alpha}; the declaration's is {declared}"
                ));
            }
            if let Some((scale, output)) =
                crate::int8::walk::output(walk, &op, Activation::None, len)
            {
                then = Self::LeakyRelu(super::Held::owned(LeakyRelu::new(
                    input,
                    (scale, output.zero),
                    alpha,
                )));
            }
        } else {
            walk.problem("its LEAKY_RELU operator has no settings");
        }
        walk.advance(op, Activation::None, Bounds::NONE);
        then
    }

    /// Reads an `ELU`, a `HARD_SWISH` or a `GELU` (as `form` says) of `len` values: the table
    /// TensorFlow Lite prepares from the quantization of its input and output. `declared` is
    /// an ELU's declared alpha, which must be TensorFlow Lite's 1.
    #[cfg(feature = "std")]
    fn load_lookup(
        walk: &mut crate::int8::Walk<'_>,
        form: Form,
        len: usize,
        declared: Option<f32>,
    ) -> Self {
        use nn_tflite::{Activation, Code, Options};
        let code = match form {
            Form::Elu => Code::ELU,
            Form::HardSwish => Code::HARD_SWISH,
            _ => Code::GELU,
        };
        let Some(input) = walk.input_quantization() else {
            return Self::None;
        };
        let Some(op) = walk.operator(&code) else {
            return Self::None;
        };
        if let Some(alpha) = declared
            && alpha != 1.0
        {
            walk.problem(format!(
                "the declaration's ELU has alpha {alpha}; TensorFlow Lite's ELU has 1"
            ));
        }
        if let Form::Gelu { approximate } = form {
            let found = match op.options() {
                &Options::Gelu { approximate } => approximate,
                // Without settings, TensorFlow Lite's default: the exact GELU.
                _ => false,
            };
            if found != approximate {
                let name = |a: bool| {
                    if a {
                        "the tanh approximation"
                    } else {
                        "the exact GELU"
                    }
                };
                walk.problem(format!(
                    "the file's GELU is {}; the declaration's is {}",
                    name(found),
                    name(approximate)
                ));
            }
        }
        let mut then = Self::None;
        if let Some((scale, output)) = crate::int8::walk::output(walk, &op, Activation::None, len) {
            let out = (scale, output.zero);
            then = match form {
                Form::Elu => Self::Elu {
                    alpha: 1.0,
                    lookup: super::Held::owned(Lookup::elu(input, out)),
                },
                Form::HardSwish => match Lookup::hard_swish(input, out) {
                    Some(lookup) => Self::HardSwish(super::Held::owned(lookup)),
                    None => {
                        walk.problem(format!(
                            "the file's HARD_SWISH has an output scale {scale} at most 1/128 of \
                             its input's {}, which TensorFlow Lite refuses",
                            input.0
                        ));
                        Self::None
                    }
                },
                Form::Gelu { approximate } => {
                    Self::Gelu(super::Held::owned(Lookup::gelu(input, out, approximate)))
                }
                _ => Self::None,
            };
        }
        walk.advance(op, Activation::None, Bounds::NONE);
        then
    }

    /// Adds the layer (`layer` adds its operator, fusing no activation), then its activation's
    /// operator, whose output takes the next range, to a converter.
    #[cfg(feature = "std")]
    pub(crate) fn convert_after<E: Ending>(
        c: &mut crate::int8::Converter,
        activation: &E,
        layer: impl FnOnce(&mut crate::int8::Converter),
    ) {
        layer(c);
        let range = c.range();
        Self::convert_observed(c, E::FORM, activation.slope(), range);
    }

    /// The ranges of a layer ending in an activation operator: its outputs before the
    /// activation (`before`), then after (`after`, which it returns).
    #[cfg(feature = "std")]
    pub(crate) fn observe_both<const OUT: usize>(
        ranges: &mut crate::int8::Ranges,
        before: &crate::Batch<f32, OUT>,
        after: crate::Batch<f32, OUT>,
    ) -> crate::Batch<f32, OUT> {
        ranges.observe(before.as_slice());
        ranges.observe(after.as_slice());
        after
    }

    /// Adds the operator of an activation of `form` whose output is quantized from the range
    /// it took ([`Form::observed`]) after a layer's own to a converter, its output taking
    /// `range`; `alpha` is a leaky ReLU's slope or an ELU's alpha (which must be 1: a problem
    /// otherwise).
    #[cfg(feature = "std")]
    pub fn convert_observed(
        c: &mut crate::int8::Converter,
        form: Form,
        alpha: Option<f32>,
        range: (f32, f32),
    ) {
        use nn_tflite::{Code, Options};
        match form {
            Form::LeakyRelu => Self::convert_leaky(c, alpha.unwrap_or(0.0), range),
            Form::Elu => {
                if let Some(alpha) = alpha
                    && alpha != 1.0
                {
                    c.problem(format!(
                        "an ELU of alpha {alpha}: TensorFlow Lite's ELU has alpha 1"
                    ));
                }
                c.activated(Code::ELU, Options::None, range);
            }
            Form::HardSwish => c.activated(Code::HARD_SWISH, Options::None, range),
            Form::Gelu { approximate } => {
                c.activated(Code::GELU, Options::Gelu { approximate }, range);
            }
            _ => {}
        }
    }

    /// Adds a `LEAKY_RELU` of slope `alpha` after a layer's own to a converter, its output
    /// taking `range`.
    #[cfg(feature = "std")]
    pub fn convert_leaky(c: &mut crate::int8::Converter, alpha: f32, range: (f32, f32)) {
        use nn_tflite::{Code, Options};
        c.activated(Code::LEAKY_RELU, Options::LeakyRelu { alpha }, range);
    }

    /// Adds the operator after a layer's own to a converter, for an activation of `form`
    /// whose output quantization TensorFlow Lite fixes (an observed one's is added by
    /// [`convert_observed`](Self::convert_observed)).
    #[cfg(feature = "std")]
    pub fn convert(c: &mut crate::int8::Converter, form: Form, shape: &[usize]) {
        use nn_tflite::{Code, Options};
        match form {
            Form::Clamp(_) | Form::LeakyRelu | Form::Elu | Form::HardSwish | Form::Gelu { .. } => {}
            Form::Softmax => c.fixed(
                Code::SOFTMAX,
                Options::Softmax { beta: 1.0 },
                shape,
                1.0 / 256.0,
                -128,
            ),
            Form::LogSoftmax => c.fixed(Code::LOG_SOFTMAX, Options::None, shape, 16.0 / 256.0, 127),
            Form::Logistic => c.fixed(Code::LOGISTIC, Options::None, shape, 1.0 / 256.0, -128),
            Form::Tanh => c.fixed(Code::TANH, Options::None, shape, 1.0 / 128.0, 0),
        }
    }
}

/// A layer whose activation is an operator of its own after the layer's (a convolution ending
/// in a leaky ReLU: TensorFlow Lite fuses no such activation into `CONV_2D`).
#[derive(Clone, Debug)]
pub struct Activated<L> {
    /// The layer, its activation left out.
    pub layer: L,
    /// The activation's form (a constant's).
    pub form: &'static Form,
    /// The activation's operator.
    pub then: Then,
}

impl<L: Layer<I, O>, const I: usize, const O: usize> Layer<I, O> for Activated<L> {
    /// The layer's `O` values before the activation.
    const SCRATCH: usize = O + L::SCRATCH;

    const FRAME: usize = L::FRAME;

    const PARAM_BYTES: usize = L::PARAM_BYTES;

    #[inline]
    fn forward(&self, x: &[i8; I], y: &mut [i8; O]) {
        let mut z = [0i8; O];
        self.layer.forward(x, &mut z);
        self.then.run(&z, y);
    }

    #[cfg(feature = "std")]
    fn load(&mut self, walk: &mut crate::int8::Walk<'_>) {
        self.layer.load(walk);
        self.then = Then::load(walk, *self.form, O, self.then.slope());
    }
}
