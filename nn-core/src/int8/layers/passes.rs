//! The int8 forms of the layers that TensorFlow Lite's graph has no operator for, or only a
//! reshape: dropout, flatten, and the clamp of an activation fused into the operator before
//! it.

use crate::int8::{Ending, Form, Layer, Quantize, Then};

/// A layer that leaves its input as it is in an int8 network: a dropout, or the shortcut of a
/// block.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pass;

impl<const N: usize> Layer<N, N> for Pass {
    const PASS: bool = true;

    #[inline]
    fn forward(&self, x: &[i8; N], y: &mut [i8; N]) {
        y.copy_from_slice(x);
    }

    #[cfg(feature = "std")]
    fn load(&mut self, _: &mut crate::int8::Walk<'_>) {}
}

/// The int8 form of [`crate::Flatten`]: the same values, where the file has a `RESHAPE`
/// operator (which it takes) or none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reshape;

impl<const N: usize> Layer<N, N> for Reshape {
    const PASS: bool = true;

    #[inline]
    fn forward(&self, x: &[i8; N], y: &mut [i8; N]) {
        y.copy_from_slice(x);
    }

    #[cfg(feature = "std")]
    fn load(&mut self, walk: &mut crate::int8::Walk<'_>) {
        load_reshape(walk, N);
    }
}

/// Reads a reshape of `len` values: the file's `RESHAPE` if it has one there.
#[cfg(feature = "std")]
pub(crate) fn load_reshape(walk: &mut crate::int8::Walk<'_>, len: usize) {
    use nn_tflite::{Activation, Code};
    if !walk.next_is(&Code::RESHAPE) {
        return;
    }
    let input = walk.input_quantization();
    let Some(op) = walk.operator(&Code::RESHAPE) else {
        return;
    };
    let Some((_, output)) = crate::int8::walk::output(walk, &op, Activation::None, len) else {
        return;
    };
    if let Some((_, zero)) = input
        && zero != output.zero
    {
        walk.problem("its RESHAPE changes the zero point, which a reshape cannot");
    }
    walk.advance(op, Activation::None, crate::int8::Bounds::NONE);
}

/// The int8 form of an activation layer (`Activation<Relu>`, `ReLU`, `Activation<Softmax>`). A
/// clamp is fused into the operator before, whose output is clamped already: this clamps
/// again (which changes nothing) so that the layer computes what it says on its own. Softmax,
/// sigmoid and tanh are operators of their own.
#[derive(Clone, Debug, PartialEq)]
pub struct Activation {
    /// The least value let through, for a clamp.
    pub min: i8,
    /// The greatest value let through, for a clamp.
    pub max: i8,
    /// The activation's form (a constant's).
    pub form: &'static Form,
    /// The operator, for an activation that is one.
    pub then: Then,
}

impl<const N: usize> Layer<N, N> for Activation {
    #[inline]
    fn forward(&self, x: &[i8; N], y: &mut [i8; N]) {
        if self.then.is_some() {
            self.then.run(x, y);
        } else {
            for (y, &x) in y.iter_mut().zip(x) {
                *y = x.clamp(self.min, self.max);
            }
        }
    }

    #[cfg(feature = "std")]
    fn load(&mut self, walk: &mut crate::int8::Walk<'_>) {
        self.read(walk, N);
    }
}

impl Activation {
    /// Reads the activation of `len` values: the clamp fused into the operator before, or
    /// the activation's own operator.
    #[cfg(feature = "std")]
    pub(crate) fn read(&mut self, walk: &mut crate::int8::Walk<'_>, len: usize) {
        let &Form::Clamp(bounds) = self.form else {
            self.then = Then::load(walk, *self.form, len, self.then.slope());
            return;
        };
        walk.fused_activation(bounds);
        if let Some((scale, zero)) = walk.input_quantization() {
            let (min, max) = crate::int8::activation_range(bounds.low, bounds.high, scale, zero);
            // `activation_range` stays within int8.
            (self.min, self.max) = (min as i8, max as i8);
        }
    }
}

/// Layers whose int8 form is [`Pass`]: no operator in the file, and one range observed (their
/// output's, the same as their input's) to step over in conversion.
macro_rules! passes {
    ($($layer:ty),*) => {$(
        impl<const N: usize> Quantize<N, N> for $layer {
            type Int8 = Pass;

            fn int8(&self) -> Pass {
                Pass
            }

            #[cfg(feature = "std")]
            fn convert(&self, c: &mut crate::int8::Converter) {
                c.range();
            }
        }
    )*};
}

passes!(crate::Shortcut, crate::Dropout);

impl<const N: usize> Quantize<N, N> for crate::Flatten {
    type Int8 = Reshape;

    fn int8(&self) -> Reshape {
        Reshape
    }

    #[cfg(feature = "std")]
    fn convert(&self, c: &mut crate::int8::Converter) {
        use nn_tflite::{Code, Options};
        c.range();
        let new_shape = vec![1, N as i32];
        c.keeping(Code::RESHAPE, Options::Reshape { new_shape }, &[N]);
    }
}

impl<A: Ending + crate::Activation, const N: usize, const C: usize, const OWN_CLASS: bool>
    Quantize<N, N> for crate::ActivationLayer<A, C, OWN_CLASS>
{
    type Int8 = Activation;

    fn int8(&self) -> Activation {
        Activation {
            min: -128,
            max: 127,
            form: &A::FORM,
            then: Then::declared(&self.activation),
        }
    }

    #[cfg(feature = "std")]
    fn convert(&self, c: &mut crate::int8::Converter) {
        let range = c.range();
        match A::FORM {
            Form::Clamp(bounds) => c.fuse(bounds.fused(), range),
            form if form.observed() => {
                Then::convert_observed(c, form, self.activation.slope(), range);
            }
            // The activation's operator keeps the shape of what it reads (an image's too).
            form => {
                let shape = c.shape();
                Then::convert(c, form, &shape);
            }
        }
    }
}
