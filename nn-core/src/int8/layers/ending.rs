//! How an int8 layer ends: a clamp fused into its operator (ReLU, ReLU6, none), or an operator
//! of its own after it (softmax, sigmoid, tanh, leaky ReLU), as TensorFlow Lite's converter
//! writes them.

use crate::int8::kernels::{LeakyRelu, Logistic, Softmax, Tanh};
use crate::int8::{Bounds, Clamp, Layer};

/// What an activation is in an int8 network.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Form {
    /// A clamp of the outputs, fused into the operator before.
    Clamp(Bounds),
    /// TensorFlow Lite's `SOFTMAX` (beta 1), whose output has scale 1/256 and zero point −128.
    Softmax,
    /// `LOGISTIC`, whose output has scale 1/256 and zero point −128.
    Logistic,
    /// `TANH`, whose output has scale 1/128 and zero point 0.
    Tanh,
    /// `LEAKY_RELU`, whose output is quantized as the file says (its slope is the file's too,
    /// compared with the declaration's).
    LeakyRelu,
}

/// An activation with an int8 form.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no int8 form in `nn` yet",
    note = "int8 layers end in `Linear`, `Relu`, `Relu6`, `Softmax`, `Sigmoid`, `Tanh` or \
            `LeakyRelu`"
)]
pub trait Ending {
    /// Its form.
    const FORM: Form;

    /// The slope of its negative part, for a leaky ReLU (which the type does not fix).
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

impl Form {
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
    /// A logistic of each output.
    Logistic(super::Held<Logistic>),
    /// A tanh of each output.
    Tanh(super::Held<Tanh>),
    /// A leaky ReLU of each output (before it is read: the declared slope, its other constants
    /// zero).
    LeakyRelu(super::Held<LeakyRelu>),
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
            Self::Logistic(f) => f.run(x, y),
            Self::Tanh(f) => f.run(x, y),
            Self::LeakyRelu(f) => f.run(x, y),
        }
    }

    /// The operator after a layer ending in `activation`, before it is read: for a leaky ReLU
    /// (with `std`, where files are read), its declared slope, which the file's is compared
    /// with.
    pub fn declared<A: Ending>(activation: &A) -> Self {
        #[cfg(feature = "std")]
        return Self::with_slope(activation.slope());
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

    /// The slope of a leaky ReLU after (declared, or read).
    pub fn slope(&self) -> Option<f32> {
        match self {
            Self::LeakyRelu(f) => Some(f.alpha),
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
            Form::Softmax => (Code::SOFTMAX, 1.0 / 256.0, -128),
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

    /// Adds a `LEAKY_RELU` of slope `alpha` after a layer's own to a converter, its output
    /// taking `range`.
    #[cfg(feature = "std")]
    pub fn convert_leaky(c: &mut crate::int8::Converter, alpha: f32, range: (f32, f32)) {
        use nn_tflite::{Code, Options};
        c.activated(Code::LEAKY_RELU, Options::LeakyRelu { alpha }, range);
    }

    /// Adds the operator after a layer's own to a converter, for an activation of `form`
    /// whose output quantization TensorFlow Lite fixes (a leaky ReLU's is observed:
    /// [`convert_leaky`](Self::convert_leaky)).
    #[cfg(feature = "std")]
    pub fn convert(c: &mut crate::int8::Converter, form: Form, shape: &[usize]) {
        use nn_tflite::{Code, Options};
        match form {
            Form::Clamp(_) | Form::LeakyRelu => {}
            Form::Softmax => c.fixed(
                Code::SOFTMAX,
                Options::Softmax { beta: 1.0 },
                shape,
                1.0 / 256.0,
                -128,
            ),
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
