//! The int8 form of `LSTM`: TensorFlow Lite's `UNIDIRECTIONAL_SEQUENCE_LSTM` (int8 weights,
//! int16 gates and cell state), with a `STRIDED_SLICE` of the last step when only that one is
//! returned, as TensorFlow's converter writes Keras 2's (`tf_keras`) LSTM and as our own
//! conversion writes it. (Keras 3's LSTM becomes a `WHILE` loop, which TensorFlow's converter
//! cannot quantize.)

use crate::int8::kernels::{Lstm as Kernel, LstmGate};
use crate::int8::{Layer, Multiplier, Quantize};

/// The scalars of an int8 LSTM: each gate's requantizations, the cell state's scale and bound,
/// and the output's requantization and zero point (see [`kernels::Lstm`](Kernel)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LstmQuant {
    /// Per gate (input, forget, cell, output), the requantization of the input's products.
    pub input: [Multiplier; 4],
    /// Per gate, the requantization of the previous output's products.
    pub recurrent: [Multiplier; 4],
    /// The cell state's scale, `2^cell_shift`.
    pub cell_shift: i32,
    /// The cell state's bound (0: none).
    pub cell_clip: i16,
    /// The requantization of `o · tanh(c)` into the output.
    pub hidden: Multiplier,
    /// The output's zero point.
    pub hidden_zero: i32,
}

/// The int8 form of [`crate::Lstm`] (not `go_backwards`): `F` features a step into `U` units,
/// the last step's output or with `SEQUENCES` every step's. Each gate's constants are one
/// block of the arrays, in Keras's order (input, forget, cell, output).
#[derive(Clone, Debug)]
pub struct Lstm<const F: usize, const U: usize, const SEQUENCES: bool> {
    /// `4U` rows of `F` input weights.
    pub input_weights: super::Held<[i8]>,
    /// `4U` rows of `U` recurrent weights.
    pub recurrent_weights: super::Held<[i8]>,
    /// `4U` sums the bias and the input's zero point add to each row's products.
    pub input_bias: super::Held<[i32]>,
    /// `4U` sums the output's zero point adds to each recurrent row's products.
    pub recurrent_bias: super::Held<[i32]>,
    /// The scalars.
    pub quant: LstmQuant,
}

impl<const F: usize, const U: usize, const SEQUENCES: bool> Lstm<F, U, SEQUENCES> {
    /// A layer whose every weight is zero.
    pub fn zeroed() -> Self {
        Self {
            input_weights: super::Held::zeros(4 * U * F),
            recurrent_weights: super::Held::zeros(4 * U * U),
            input_bias: super::Held::zeros(4 * U),
            recurrent_bias: super::Held::zeros(4 * U),
            quant: LstmQuant::default(),
        }
    }
}

/// The kernel over constants laid out as [`Lstm`]'s, `features` wide and `units` deep.
pub(crate) fn kernel<'a>(
    (input_weights, recurrent_weights): (&'a [i8], &'a [i8]),
    (input_bias, recurrent_bias): (&'a [i32], &'a [i32]),
    quant: &LstmQuant,
    (features, units): (usize, usize),
) -> Kernel<'a> {
    let block = |g: usize, len: usize| g * len..(g + 1) * len;
    let gate = |g: usize| LstmGate {
        input_weights: input_weights.get(block(g, units * features)).unwrap_or(&[]),
        recurrent_weights: recurrent_weights
            .get(block(g, units * units))
            .unwrap_or(&[]),
        input_bias: input_bias.get(block(g, units)).unwrap_or(&[]),
        recurrent_bias: recurrent_bias.get(block(g, units)).unwrap_or(&[]),
        input_multiplier: quant.input[g],
        recurrent_multiplier: quant.recurrent[g],
    };
    Kernel {
        gates: [gate(0), gate(1), gate(2), gate(3)],
        cell_shift: quant.cell_shift,
        cell_clip: quant.cell_clip,
        hidden: quant.hidden,
        hidden_zero: quant.hidden_zero,
    }
}

impl<const I: usize, const O: usize, const F: usize, const U: usize, const SEQUENCES: bool>
    Layer<I, O> for Lstm<F, U, SEQUENCES>
{
    /// The output and cell states (`U` int8 and `U` int16 values) and a gate's `U` int16 sums.
    const SCRATCH: usize = 5 * U;

    /// Its input and recurrent kernels and their biases, four gates each.
    const PARAM_BYTES: usize = 4 * U * (F + U) + 2 * 4 * 4 * U;

    const FRAME: usize = crate::frame::KERNELS;

    #[inline]
    fn forward(&self, x: &[i8; I], y: &mut [i8; O]) {
        kernel(
            (&self.input_weights, &self.recurrent_weights),
            (&self.input_bias, &self.recurrent_bias),
            &self.quant,
            (F, U),
        )
        .run::<U>(x, SEQUENCES, y);
    }

    #[cfg(feature = "std")]
    fn load(&mut self, walk: &mut crate::int8::Walk<'_>) {
        let mut parts = LstmParts::zeroed(F, U);
        load_lstm(walk, (I / F.max(1), F, U), SEQUENCES, &mut parts);
        self.input_weights = super::Held::from_vec(parts.input_weights);
        self.recurrent_weights = super::Held::from_vec(parts.recurrent_weights);
        self.input_bias = super::Held::from_vec(parts.input_bias);
        self.recurrent_bias = super::Held::from_vec(parts.recurrent_bias);
        self.quant = parts.quant;
    }
}

/// An int8 LSTM's constants, owned, as a file gives them: what [`Lstm`] holds, its sizes known
/// at run time.
#[cfg(feature = "std")]
#[derive(Clone, Debug, PartialEq)]
pub struct LstmParts {
    /// As [`Lstm::input_weights`].
    pub input_weights: std::vec::Vec<i8>,
    /// As [`Lstm::recurrent_weights`].
    pub recurrent_weights: std::vec::Vec<i8>,
    /// As [`Lstm::input_bias`].
    pub input_bias: std::vec::Vec<i32>,
    /// As [`Lstm::recurrent_bias`].
    pub recurrent_bias: std::vec::Vec<i32>,
    /// As [`Lstm::quant`].
    pub quant: LstmQuant,
}

#[cfg(feature = "std")]
impl LstmParts {
    /// Zero constants for `features` features into `units` units.
    pub fn zeroed(features: usize, units: usize) -> Self {
        Self {
            input_weights: std::vec![0; 4 * units * features],
            recurrent_weights: std::vec![0; 4 * units * units],
            input_bias: std::vec![0; 4 * units],
            recurrent_bias: std::vec![0; 4 * units],
            quant: LstmQuant::default(),
        }
    }
}

/// The inputs of `UNIDIRECTIONAL_SEQUENCE_LSTM` that Keras's LSTM leaves out: the peephole
/// weights, the projection and the layer norm coefficients.
#[cfg(feature = "std")]
const ABSENT: [(usize, &str); 9] = [
    (9, "peephole weights"),
    (10, "peephole weights"),
    (11, "peephole weights"),
    (16, "projection weights"),
    (17, "a projection bias"),
    (20, "layer norm coefficients"),
    (21, "layer norm coefficients"),
    (22, "layer norm coefficients"),
    (23, "layer norm coefficients"),
];

/// Reads an `UNIDIRECTIONAL_SEQUENCE_LSTM` over `steps` steps of `features` into `units`
/// units (and, without `sequences`, the `STRIDED_SLICE` of its last step) into `parts`,
/// reporting every difference to `walk`.
#[cfg(feature = "std")]
pub(crate) fn load_lstm(
    walk: &mut crate::int8::Walk<'_>,
    (steps, features, units): (usize, usize, usize),
    sequences: bool,
    parts: &mut LstmParts,
) {
    use crate::int8::walk;
    use nn_tflite::{Activation, Code, Element, Options};
    let Some((x_scale, x_zero)) = walk.input_quantization() else {
        return;
    };
    let Some(op) = walk.operator(&Code::UNIDIRECTIONAL_SEQUENCE_LSTM) else {
        return;
    };
    let &Options::SequenceLstm {
        activation,
        cell_clip,
        proj_clip: _,
        time_major,
    } = op.options()
    else {
        walk.problem("its UNIDIRECTIONAL_SEQUENCE_LSTM operator has no settings");
        return;
    };
    if activation != Activation::Tanh {
        walk.problem(format!(
            "its LSTM's activation is {activation:?} in the file, not Tanh as Keras's"
        ));
    }
    if time_major {
        walk.problem("its LSTM is time-major in the file; Keras's reads batch first");
    }
    let shape = |t: Option<&nn_tflite::Tensor>| t.map(|t| t.shape.clone()).unwrap_or_default();
    let want = [1, steps, features].map(|d| d as i32);
    if shape(op.input(0)) != want {
        walk.problem(format!(
            "its LSTM reads a sequence of shape {:?} in the file, the declaration's is {want:?}",
            shape(op.input(0))
        ));
    }
    for (k, what) in ABSENT {
        if op.input(k).is_some() {
            walk.problem(format!(
                "its LSTM has {what} (input {k}) in the file, which Keras's LSTM has not"
            ));
        }
    }
    // The previous step's output (a variable tensor, reset to its zero point) and the cell
    // state (int16, a power of two for its scale).
    let Some(state) = op.input(18) else {
        walk.problem("its LSTM has no output state (input 18)");
        return;
    };
    let Some(cell) = op.input(19) else {
        walk.problem("its LSTM has no cell state (input 19)");
        return;
    };
    let Some((h_scale, h_zero)) = walk.quantization(state) else {
        return;
    };
    let cell_quant = cell.quantization.as_ref();
    let cell_shift = match cell_quant.map(|q| (q.scale.as_slice(), q.zero_point.as_slice())) {
        Some((&[scale], &[0])) if cell.element == Element::I16 && scale > 0.0 => {
            let shift = libm::log2f(scale).round();
            // TensorFlow Lite needs 2^-9 or less; its tanh of the cell state takes 0 to 6
            // integer bits (15 + shift), so 2^-15 or more.
            (libm::exp2f(shift) == scale && (-15.0..=-9.0).contains(&shift)).then_some(shift as i32)
        }
        _ => None,
    };
    let Some(cell_shift) = cell_shift else {
        walk.problem(format!(
            "its LSTM's cell state `{}` is not int16 of a scale from 2^-15 to 2^-9, a power of \
             two, with zero point 0, as TensorFlow Lite's kernel needs it",
            cell.name
        ));
        return;
    };
    if state.element != Element::I8 || shape(Some(state)) != [1, units as i32] {
        walk.problem(format!(
            "its LSTM's output state `{}` is not int8 of shape [1, {units}]",
            state.name
        ));
    }
    // The hidden state's quantization: the operator's intermediate 4 (0 to 3 count only with
    // layer norm).
    let hidden = op.intermediate(4);
    let Some(hidden) = hidden else {
        walk.problem("its LSTM has no hidden state's quantization (intermediate 4)");
        return;
    };
    let Some((hidden_scale, hidden_zero)) = walk.quantization(hidden) else {
        return;
    };
    if hidden_zero != h_zero {
        walk.problem(format!(
            "its LSTM's hidden state has zero point {hidden_zero}, its output state \
             {h_zero}; nn reads them as one"
        ));
    }
    let mut quant = LstmQuant {
        cell_shift,
        cell_clip: Kernel::cell_clip(cell_clip, libm::exp2f(cell_shift as f32)),
        hidden: Kernel::hidden_multiplier(hidden_scale),
        hidden_zero,
        ..LstmQuant::default()
    };
    for g in 0..4 {
        let rows = |len: usize| g * len..(g + 1) * len;
        let inputs = &mut parts.input_weights[rows(units * features)];
        let w = walk::weights(walk, &op, 1 + g, &[units, features], units, inputs);
        let recurrent = &mut parts.recurrent_weights[rows(units * units)];
        let r = walk::weights(walk, &op, 5 + g, &[units, units], units, recurrent);
        let mut bias = std::vec![0; units];
        if op.input(12 + g).is_none() {
            walk.problem(format!(
                "its LSTM has no bias for gate {g} (input {})",
                12 + g
            ));
        }
        walk::bias(walk, &op, 12 + g, &mut bias);
        let (Some(w), Some(r)) = (w, r) else {
            continue;
        };
        let (&[w], &[r]) = (w.as_slice(), r.as_slice()) else {
            walk.problem(format!(
                "its LSTM's weights for gate {g} are quantized per channel; TensorFlow Lite's \
                 kernel takes one scale"
            ));
            continue;
        };
        quant.input[g] = LstmGate::multiplier(x_scale, w);
        quant.recurrent[g] = LstmGate::multiplier(h_scale, r);
        LstmGate::fold(
            &parts.input_weights[rows(units * features)],
            &bias,
            x_zero,
            &mut parts.input_bias[rows(units)],
        );
        LstmGate::fold(
            &parts.recurrent_weights[rows(units * units)],
            &[],
            h_zero,
            &mut parts.recurrent_bias[rows(units)],
        );
    }
    parts.quant = quant;
    // Every step's output: `[1, steps, units]`.
    if walk::output(walk, &op, Activation::None, steps * units).is_none() {
        return;
    }
    walk.advance(op, Activation::None, crate::int8::Bounds::NONE);
    let sliced = walk.next_is(&Code::STRIDED_SLICE);
    if sequences && sliced {
        walk.problem(
            "the file keeps its last step alone (a STRIDED_SLICE after it), the declaration \
             every step (`return_sequences = true`)",
        );
    } else if !sequences && !sliced {
        walk.problem(
            "the file keeps every step (no STRIDED_SLICE of the last after it), the \
             declaration the last step alone (`return_sequences = false`)",
        );
    } else if !sequences {
        load_last_step(walk, steps, units);
    }
}

/// Reads the `STRIDED_SLICE` that keeps an LSTM's last step, `[1, steps, units]` into
/// `[1, units]`, as TensorFlow's converter writes it.
#[cfg(feature = "std")]
fn load_last_step(walk: &mut crate::int8::Walk<'_>, steps: usize, units: usize) {
    use nn_tflite::{Activation, Code, Element, Options};
    let Some(before) = walk.input_quantization() else {
        return;
    };
    let Some(op) = walk.operator(&Code::STRIDED_SLICE) else {
        return;
    };
    let ints = |k: usize| -> Option<std::vec::Vec<i32>> {
        let t = op.input(k)?;
        let data = op.data(t);
        (t.element == Element::I32 && data.len() == 12).then(|| {
            data.chunks_exact(4)
                .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()
        })
    };
    let last = steps as i32 - 1;
    let fits = match (op.options(), ints(1), ints(3)) {
        (
            &Options::StridedSlice {
                begin_mask: 5,
                end_mask: 5,
                ellipsis_mask: 0,
                new_axis_mask: 0,
                shrink_axis_mask: 2,
            },
            Some(begin),
            Some(strides),
        ) => (begin[1] == -1 || begin[1] == last) && strides == [1, 1, 1],
        _ => false,
    };
    if !fits {
        walk.problem(
            "its STRIDED_SLICE is not the one that keeps the last step (begin [_, -1, _], \
             strides 1, masks as TensorFlow's converter writes them)",
        );
    }
    if let Some((scale, output)) = crate::int8::walk::output(walk, &op, Activation::None, units)
        && (scale, output.zero) != before
    {
        walk.problem(
            "its STRIDED_SLICE's output is quantized otherwise than its input, which \
             TensorFlow Lite's int8 slice copies",
        );
    }
    walk.advance(op, Activation::None, crate::int8::Bounds::NONE);
}

impl<
    const I: usize,
    const O: usize,
    const F: usize,
    const U: usize,
    const G: usize,
    const SEQUENCES: bool,
    S: crate::Storage,
> Quantize<I, O> for crate::Lstm<f32, I, O, F, U, G, SEQUENCES, S>
{
    type Int8 = Lstm<F, U, SEQUENCES>;

    fn int8(&self) -> Lstm<F, U, SEQUENCES> {
        Lstm::zeroed()
    }

    /// The range of the outputs, then the largest magnitude the cell state takes (its
    /// int16 scale), each sample run step by step from zero state.
    #[cfg(feature = "std")]
    fn observe(
        &self,
        x: &crate::Batch<f32, I>,
        ranges: &mut crate::int8::Ranges,
    ) -> crate::Batch<f32, O> {
        let y = crate::int8::layer::outputs(self, x);
        ranges.observe(y.as_slice());
        let sigmoid = |z: f32| 1.0 / (1.0 + (-z).exp());
        let mut largest = 0f32;
        for column in x.column_iter() {
            let (mut h, mut c) = ([0f32; U], [0f32; U]);
            for step in column.as_slice().chunks_exact(F.max(1)) {
                let z: std::vec::Vec<f32> = (0..4 * U)
                    .map(|r| {
                        let from_x: f32 = (0..F).map(|f| self.kernel[(r, f)] * step[f]).sum();
                        let from_h: f32 =
                            (0..U).map(|u| self.recurrent_kernel[(r, u)] * h[u]).sum();
                        self.bias[(r, 0)] + from_x + from_h
                    })
                    .collect();
                for u in 0..U {
                    let (i, f) = (sigmoid(z[u]), sigmoid(z[U + u]));
                    let (g, o) = (z[2 * U + u].tanh(), sigmoid(z[3 * U + u]));
                    c[u] = f * c[u] + i * g;
                    h[u] = o * c[u].tanh();
                    largest = largest.max(c[u].abs());
                }
            }
        }
        ranges.observe(&[-largest, largest]);
        y
    }

    /// An `UNIDIRECTIONAL_SEQUENCE_LSTM` (and a `STRIDED_SLICE` of the last step), as
    /// TensorFlow's converter writes Keras's LSTM.
    #[cfg(feature = "std")]
    fn convert(&self, c: &mut crate::int8::Converter) {
        let range = c.range();
        let (_, cell) = c.range();
        let rows = |m: &dyn Fn(usize, usize) -> f32, g: usize, width: usize| {
            (0..U)
                .flat_map(|u| (0..width).map(move |k| (g * U + u, k)))
                .map(|(r, k)| m(r, k))
                .collect::<std::vec::Vec<f32>>()
        };
        let kernel = |r: usize, k: usize| self.kernel[(r, k)];
        let recurrent = |r: usize, k: usize| self.recurrent_kernel[(r, k)];
        let gate = |g: usize| {
            (
                rows(&kernel, g, F),
                rows(&recurrent, g, U),
                (0..U)
                    .map(|u| self.bias[(g * U + u, 0)])
                    .collect::<std::vec::Vec<f32>>(),
            )
        };
        let gates = [gate(0), gate(1), gate(2), gate(3)];
        let [a, b, cc, d] = &gates;
        c.lstm(
            [
                (&a.0, &a.1, &a.2),
                (&b.0, &b.1, &b.2),
                (&cc.0, &cc.1, &cc.2),
                (&d.0, &d.1, &d.2),
            ],
            (I / F.max(1), F, U),
            SEQUENCES,
            range,
            cell,
        );
    }
}
