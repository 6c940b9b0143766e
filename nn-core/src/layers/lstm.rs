//! `LSTM`: a long short-term memory layer over a sequence, with Keras's gates and layouts.

use super::recurrent::{Cell, Recurrent, RecurrentState, sigmoid, tanh};
use crate::Float;
use crate::storage::Inline;

/// Keras's `LSTM` with its defaults (`activation` tanh, `recurrent_activation` sigmoid, no
/// dropout): a [`Recurrent`] layer of `U` units over `STEPS = I / F` steps of `F` features.
///
/// With `x` a step's features, `h` and `c` the previous step's output and cell state (zeros
/// before the first step), and `z = W x + R h + b` split into Keras's four gates `i, f, c, o`
/// (`G = 4U` values):
///
/// `c ← σ(z_f) ⊙ c + σ(z_i) ⊙ tanh(z_c)`, `h ← σ(z_o) ⊙ tanh(c)`.
///
/// The output is the last step's `h` (`O = U`), or with `SEQUENCES` every step's
/// (`return_sequences`, `O = STEPS · U`). Weights in Keras's layouts: `kernel` `(F, 4U)`,
/// `recurrent_kernel` `(U, 4U)`, `bias` `(4U,)`. Initial values as Keras: Glorot-uniform
/// kernel, orthogonal recurrent kernel, zero bias but ones for the forget gate
/// (`unit_forget_bias`).
///
/// [`step`](Recurrent::step) feeds one step at a time with the state kept by the caller, for
/// streaming inference; it allocates nothing.
///
/// ```
/// use nalgebra::SVector;
/// use nn_core::{Layer, Lstm, LstmState};
/// use rand::SeedableRng;
///
/// // 5 steps of 3 features into 4 units: G = 16, output the last step's 4 values.
/// let lstm = Lstm::<f32, 15, 4, 3, 4, 16, false>::new(&mut rand::rngs::StdRng::seed_from_u64(0));
/// let x = SVector::<f32, 15>::from_fn(|i, _| (i as f32 * 0.3).sin());
/// let y = lstm.forward(&x);
/// // The same, one step at a time.
/// let mut state = LstmState::default();
/// let mut last = SVector::zeros();
/// for step in x.as_slice().chunks_exact(3) {
///     last = lstm.step(&mut state, &SVector::<f32, 3>::from_column_slice(step));
/// }
/// assert!((y - last).amax() < 1e-6);
/// ```
pub type Lstm<
    T,
    const I: usize,
    const O: usize,
    const F: usize,
    const U: usize,
    const G: usize,
    const SEQUENCES: bool,
    S = Inline,
> = Recurrent<T, I, O, F, U, G, 1, SEQUENCES, LstmCell, S>;

/// The state an [`Lstm`] carries from one step to the next: its output and its cell state.
pub type LstmState<T, const U: usize> = RecurrentState<T, U>;

/// The step of an [`Lstm`].
#[derive(Clone, Copy, Debug, Default)]
pub struct LstmCell;

impl Cell for LstmCell {
    const KIND: &'static str = nn_keras::class::LSTM;
    const BLOCKS: usize = 4;
    const BIAS_ROWS: usize = 1;

    fn initial_bias<T: Float>(bias: &mut [T]) {
        let units = bias.len() / 4;
        bias[units..2 * units].fill(T::one());
    }

    fn forward<T: Float>(
        gates: &mut [T],
        from_h: &[T],
        (_, c_before): (&[T], &[T]),
        h: &mut [T],
        c: &mut [T],
    ) {
        let units = h.len();
        for u in 0..units {
            let z = |k: usize| gates[k * units + u] + from_h[k * units + u];
            let (i, f, g, o) = (sigmoid(z(0)), sigmoid(z(1)), tanh(z(2)), sigmoid(z(3)));
            c[u] = f * c_before[u] + i * g;
            h[u] = o * tanh(c[u]);
            for (k, value) in [i, f, g, o].into_iter().enumerate() {
                gates[k * units + u] = value;
            }
        }
    }

    fn backward<T: Float>(
        gates: &[T],
        c: &[T],
        (_, c_before): (&[T], &[T]),
        _h: &[T],
        dh: &[T],
        dc_next: &mut [T],
        (dx, dr): (&mut [T], &mut [T]),
        dh_before: &mut [T],
    ) {
        let units = dh.len();
        let one = T::one();
        for u in 0..units {
            let gate = |k: usize| gates[k * units + u];
            let (i, f, g, o) = (gate(0), gate(1), gate(2), gate(3));
            let tc = tanh(c[u]);
            let dc = dh[u] * o * (one - tc * tc) + dc_next[u];
            let dz = [
                dc * g * i * (one - i),
                dc * c_before[u] * f * (one - f),
                dc * i * (one - g * g),
                dh[u] * tc * o * (one - o),
            ];
            for (k, value) in dz.into_iter().enumerate() {
                dx[k * units + u] = value;
                dr[k * units + u] = value;
            }
            dc_next[u] = dc * f;
            dh_before[u] = T::zero();
        }
    }
}
