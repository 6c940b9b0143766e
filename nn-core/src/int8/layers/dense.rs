//! The int8 form of `Dense`: TensorFlow Lite's `FULLY_CONNECTED`, then the activation's
//! operator if it is one.

use crate::int8::kernels::FullyConnected;
use crate::int8::{Ending, Form, Layer, Multiplier, Output, Quantize, Then};

/// The int8 form of [`crate::Dense`]: TensorFlow Lite's `FULLY_CONNECTED` with its constants
/// owned, `I` inputs, `O` outputs, the activation a clamp fused into it.
#[derive(Clone, Debug)]
pub struct Dense<const I: usize, const O: usize> {
    /// The weights, `O` rows of `I` (`OI`).
    pub weights: super::Held<[i8]>,
    /// The `O` int32 biases (zero without bias).
    pub bias: super::Held<[i32]>,
    /// The requantization: one for every output (weights quantized per tensor), or one each.
    pub multipliers: super::Held<[Multiplier]>,
    /// The input's zero point.
    pub input_zero: i32,
    /// The output's zero point and the clamp of the activation.
    pub output: Output,
    /// The declared activation's form (a reference: a constant's, which takes four bytes of
    /// a microcontroller's flash rather than twenty).
    pub form: &'static Form,
    /// The operator after this one (the activation's, if not a clamp).
    pub then: Then,
}

impl<const I: usize, const O: usize> Dense<I, O> {
    /// A layer whose every weight is zero, ending in an activation of `form`.
    pub fn zeroed(form: &'static Form) -> Self {
        Self {
            weights: super::Held::zeros(I * O),
            bias: super::Held::zeros(O),
            multipliers: super::Held::Static(&[Multiplier { value: 0, shift: 0 }]),
            input_zero: 0,
            output: Output {
                zero: 0,
                min: -128,
                max: 127,
            },
            form,
            then: Then::None,
        }
    }
}

impl<const I: usize, const O: usize> Layer<I, O> for Dense<I, O> {
    const PARAM_BYTES: usize = I * O + 4 * O + O * core::mem::size_of::<crate::int8::Multiplier>();

    #[inline]
    fn forward(&self, x: &[i8; I], y: &mut [i8; O]) {
        let kernel = FullyConnected {
            weights: &self.weights,
            bias: &self.bias,
            multipliers: &self.multipliers,
            input_zero: self.input_zero,
            output: self.output,
        };
        if self.then.is_some() {
            let mut z = [0i8; O];
            kernel.compute(x, &mut z);
            self.then.run(&z, y);
        } else {
            kernel.compute(x, y);
        }
    }

    #[cfg(feature = "std")]
    fn load(&mut self, walk: &mut crate::int8::Walk<'_>) {
        let mut weights = std::vec![0; I * O];
        let mut bias = std::vec![0; O];
        let mut multipliers = std::vec::Vec::new();
        let declared = self.then.slope();
        self.then = load_dense(
            walk,
            (*self.form, declared),
            &mut weights,
            &mut bias,
            &mut multipliers,
            (&mut self.input_zero, &mut self.output),
        );
        self.weights = super::Held::from_vec(weights);
        self.bias = super::Held::from_vec(bias);
        self.multipliers = super::Held::from_vec(multipliers);
    }
}

/// Reads a `FULLY_CONNECTED` (and the activation's operator after it, which it returns) into
/// a dense layer's constants: `weights` of `bias.len()` rows, and one multiplier for all
/// outputs or one each, as the weights are quantized. `form` is the declared activation's,
/// with a leaky ReLU's declared slope.
#[cfg(feature = "std")]
pub(crate) fn load_dense(
    walk: &mut crate::int8::Walk<'_>,
    (form, slope): (Form, Option<f32>),
    weights: &mut [i8],
    bias: &mut [i32],
    multipliers: &mut std::vec::Vec<Multiplier>,
    (input_zero, output): (&mut i32, &mut Output),
) -> Then {
    use crate::int8::walk;
    use nn_tflite::{Code, Options};
    let Some((in_scale, in_zero)) = walk.input_quantization() else {
        return Then::None;
    };
    let Some(op) = walk.operator(&Code::FULLY_CONNECTED) else {
        return Then::None;
    };
    let &Options::FullyConnected { activation, .. } = op.options() else {
        walk.problem("its FULLY_CONNECTED operator has no settings");
        return Then::None;
    };
    let units = bias.len();
    let inputs = weights.len() / units.max(1);
    let scales = walk::weights(walk, &op, 1, &[units, inputs], units, weights);
    walk::bias(walk, &op, 2, bias);
    if let Some((out_scale, found)) = walk::output(walk, &op, activation, units) {
        if let Some(scales) = scales {
            walk::bias_scales(walk, &op, 2, (in_scale, &scales), out_scale);
            multipliers.resize(scales.len(), Multiplier { value: 0, shift: 0 });
            walk::multipliers(in_scale, &scales, out_scale, multipliers);
        }
        *input_zero = in_zero;
        *output = found;
    }
    // On past the operator whatever differed, so that the next layers are compared with
    // the operators after it.
    walk.advance(op, activation, form.bounds());
    Then::load(walk, form, units, slope)
}

impl<
    const I: usize,
    const O: usize,
    A: Ending + crate::Activation,
    S: crate::Storage,
    const BIAS: bool,
> Quantize<I, O> for crate::Dense<f32, I, O, A, S, BIAS>
{
    type Int8 = Dense<I, O>;

    fn int8(&self) -> Dense<I, O> {
        Dense {
            then: Then::declared(&self.weights.activation),
            ..Dense::zeroed(&A::FORM)
        }
    }

    /// The range of the outputs; for an activation that is an operator of its own (softmax),
    /// of the outputs before it, which the layer's own operator gives, and for one whose
    /// output range is free (a leaky ReLU, an ELU, a hard swish, a GELU) that of the outputs
    /// after it too.
    #[cfg(feature = "std")]
    fn observe(
        &self,
        x: &crate::Batch<f32, I>,
        ranges: &mut crate::int8::Ranges,
    ) -> crate::Batch<f32, O> {
        let y = crate::int8::layer::outputs(self, x);
        if matches!(A::FORM, Form::Clamp(_)) {
            ranges.observe(y.as_slice());
        } else {
            let mut z = &self.weights.kernel * x;
            if BIAS {
                for mut column in z.column_iter_mut() {
                    column += &self.weights.bias;
                }
            }
            ranges.observe(z.as_slice());
            if A::FORM.observed() {
                ranges.observe(y.as_slice());
            }
        }
        y
    }

    #[cfg(feature = "std")]
    fn convert(&self, c: &mut crate::int8::Converter) {
        use nn_tflite::{Code, Options};
        let range = c.range();
        let kernel = &self.weights.kernel;
        let weights = (0..O)
            .flat_map(|o| (0..I).map(move |i| kernel[(o, i)]))
            .collect();
        let bias = (0..O)
            .map(|o| if BIAS { self.weights.bias[(o, 0)] } else { 0.0 })
            .collect();
        let options = Options::FullyConnected {
            activation: A::FORM.bounds().fused(),
            keep_num_dims: false,
        };
        c.weighted(
            Code::FULLY_CONNECTED,
            options,
            weights,
            &[O, I],
            crate::int8::Layout::Rows(I),
            bias,
            &[O],
            range,
        );
        Then::convert(c, A::FORM, &[O]);
        if A::FORM.observed() {
            let range = c.range();
            Then::convert_observed(c, A::FORM, self.weights.activation.slope(), range);
        }
    }
}
