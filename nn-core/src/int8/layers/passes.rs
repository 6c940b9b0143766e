//! The int8 forms of the layers that TensorFlow Lite's graph has no operator for, or only a
//! reshape: dropout, batch normalization (folded into the weights before it), flatten, and
//! the clamp of an activation fused into the operator before it.

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
        use nn_tflite::{Activation, Code};
        if !walk.next_is(&Code::RESHAPE) {
            return;
        }
        let input = walk.input_quantization();
        let Some(op) = walk.operator(&Code::RESHAPE) else {
            return;
        };
        let Some((_, output)) = crate::int8::walk::output(walk, &op, Activation::None, N) else {
            return;
        };
        if let Some((_, zero)) = input
            && zero != output.zero
        {
            walk.problem("its RESHAPE changes the zero point, which a reshape cannot");
        }
        walk.advance(op, Activation::None, crate::int8::Bounds::NONE);
    }
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
    /// The activation's form.
    pub form: Form,
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
        let Form::Clamp(bounds) = self.form else {
            self.then = Then::load(walk, self.form, N);
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

impl<const N: usize> Quantize<N, N> for crate::Shortcut {
    type Int8 = Pass;

    fn int8(&self) -> Pass {
        Pass
    }

    #[cfg(feature = "std")]
    fn convert(&self, c: &mut crate::int8::Converter) {
        c.range();
    }
}

impl<const N: usize> Quantize<N, N> for crate::Dropout {
    type Int8 = Pass;

    fn int8(&self) -> Pass {
        Pass
    }

    #[cfg(feature = "std")]
    fn convert(&self, c: &mut crate::int8::Converter) {
        c.range();
    }
}

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

impl<const N: usize, const C: usize, S: crate::Storage> Quantize<N, N>
    for crate::BatchNormalization<f32, N, C, S>
{
    type Int8 = Normalization<C>;

    fn int8(&self) -> Normalization<C> {
        Normalization::folded()
    }

    /// Folded into the operator before where it can be: each channel's weights times
    /// `γ / √(variance + ε)`, its bias `(b − mean) · γ / √(variance + ε) + β`. After an
    /// activation it cannot: a `MUL` and an `ADD` of per-channel constants, as TensorFlow
    /// Lite's converter writes it.
    #[cfg(feature = "std")]
    fn convert(&self, c: &mut crate::int8::Converter) {
        let range = c.range();
        let eps = self.epsilon;
        let scale: Vec<f32> = (0..C)
            .map(|k| {
                (f64::from(self.gamma[(k, 0)])
                    / (f64::from(self.moving_variance[(k, 0)]) + eps).sqrt()) as f32
            })
            .collect();
        let shift: Vec<f32> = (0..C)
            .map(|k| self.beta[(k, 0)] - self.moving_mean[(k, 0)] * scale[k])
            .collect();
        if c.can_fold() {
            c.fold(&scale, &shift, range);
        } else {
            c.scale_and_shift(&scale, &shift, range);
        }
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
            form: A::FORM,
            then: Then::None,
        }
    }

    #[cfg(feature = "std")]
    fn convert(&self, c: &mut crate::int8::Converter) {
        let range = c.range();
        match A::FORM {
            Form::Clamp(bounds) => c.fuse(bounds.fused(), range),
            form => Then::convert(c, form, &[N]),
        }
    }
}

/// The int8 form of [`crate::BatchNormalization`]: nothing where the file (or our conversion)
/// folded it into the weights before it; after an activation, TensorFlow Lite's `MUL` by one
/// constant per channel, then its `ADD` of another.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Normalization<const C: usize> {
    /// The `MUL` and `ADD`, with their constants; `None` when folded.
    pub ops: Option<ScaleShift<C>>,
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

impl<const C: usize> Normalization<C> {
    /// Folded: nothing to do.
    pub const fn folded() -> Self {
        Self { ops: None }
    }
}

impl<const N: usize, const C: usize> Layer<N, N> for Normalization<C> {
    #[inline(always)]
    fn passes(&self) -> bool {
        self.ops.is_none()
    }

    #[inline]
    fn forward(&self, x: &[i8; N], y: &mut [i8; N]) {
        match &self.ops {
            None => y.copy_from_slice(x),
            Some(ops) => {
                let mut z = [0i8; N];
                ops.mul.run_channels(x, &ops.scale, &mut z);
                ops.add.run_channels(&z, &ops.shift, y);
            }
        }
    }

    #[cfg(feature = "std")]
    fn load(&mut self, walk: &mut crate::int8::Walk<'_>) {
        use crate::int8::kernels::{Add, Mul};
        use crate::int8::walk;
        use nn_tflite::{Code, Options};
        self.ops = None;
        if !walk.next_is(&Code::MUL) {
            return;
        }
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
            self.ops = Some(ScaleShift {
                mul: Mul::new(input, scale_q, mul_scale, mul_output),
                scale,
                add: Add::new(mid, shift_q, add_scale, add_output),
                shift,
            });
        }
    }
}
