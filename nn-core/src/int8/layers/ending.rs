//! How an int8 layer ends: a clamp fused into its operator (ReLU, ReLU6, none), or an operator
//! of its own after it (softmax, sigmoid, tanh), as TensorFlow Lite's converter writes them.

use crate::int8::kernels::{Logistic, Softmax, Tanh};
use crate::int8::{Bounds, Clamp};

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
}

/// An activation with an int8 form.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no int8 form in `nn` yet",
    note = "int8 layers end in `Linear`, `Relu`, `Relu6`, `Softmax`, `Sigmoid` or `Tanh`"
)]
pub trait Ending {
    /// Its form.
    const FORM: Form;
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Then {
    /// Nothing after.
    None,
    /// A softmax over the layer's outputs.
    Softmax(super::Held<Softmax>),
    /// A logistic of each output.
    Logistic(super::Held<Logistic>),
    /// A tanh of each output.
    Tanh(super::Held<Tanh>),
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
        }
    }

    /// Reads the operator after a layer's own from `walk`, for an activation of `form`: none
    /// for a clamp.
    #[cfg(feature = "std")]
    pub fn load(walk: &mut crate::int8::Walk<'_>, form: Form, len: usize) -> Self {
        use nn_tflite::{Activation, Code, Options};
        let (code, scale, zero) = match form {
            Form::Clamp(_) => return Self::None,
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

    /// Adds the operator after a layer's own to a converter, for an activation of `form`.
    #[cfg(feature = "std")]
    pub fn convert(c: &mut crate::int8::Converter, form: Form, shape: &[usize]) {
        use nn_tflite::{Code, Options};
        match form {
            Form::Clamp(_) => {}
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
