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
    const BACKWARDS: bool = false,
> = Recurrent<T, I, O, F, U, G, 1, SEQUENCES, LstmCell, S, BACKWARDS>;

/// The state an [`Lstm`] carries from one step to the next: its output and its cell state.
pub type LstmState<T, const U: usize> = RecurrentState<T, U>;

/// The step of an [`Lstm`].
#[derive(Clone, Copy, Debug, Default)]
pub struct LstmCell;

impl Cell for LstmCell {
    const KIND: &'static str = nn_keras::class::LSTM;
    const BLOCKS: usize = 4;
    const BIAS_ROWS: usize = 1;
    const SEPARATE_RECURRENT_GRADIENT: bool = false;

    fn initial_bias<T: Float>(bias: &mut [T]) {
        let units = bias.len() / 4;
        bias[units..2 * units].fill(T::one());
    }

    #[inline(always)]
    fn forward<T: Float>(
        gates: &mut [T],
        from_h: &[T],
        (_, c_before): (&[T], &[T]),
        h: &mut [T],
        c: &mut [T],
    ) {
        // Gate-wise slices of equal length, so that the loop runs without bounds checks and
        // vectorizes (with the cell's sigmoid and tanh, in f32).
        let units = h.len();
        let (c_before, c) = (&c_before[..units], &mut c[..units]);
        let (gi, rest) = gates[..4 * units].split_at_mut(units);
        let (gf, rest) = rest.split_at_mut(units);
        let (gg, go) = rest.split_at_mut(units);
        let (ri, rest) = from_h[..4 * units].split_at(units);
        let (rf, rest) = rest.split_at(units);
        let (rg, ro) = rest.split_at(units);
        for u in 0..units {
            let i = sigmoid(gi[u] + ri[u]);
            let f = sigmoid(gf[u] + rf[u]);
            let g = tanh(gg[u] + rg[u]);
            let o = sigmoid(go[u] + ro[u]);
            let cu = f * c_before[u] + i * g;
            c[u] = cu;
            h[u] = o * tanh(cu);
            (gi[u], gf[u], gg[u], go[u]) = (i, f, g, o);
        }
    }

    #[inline(always)]
    fn backward<T: Float>(
        gates: &[T],
        c: &[T],
        (_, c_before): (&[T], &[T]),
        _h: &[T],
        dh: &[T],
        dc_next: &mut [T],
        (dx, _): (&mut [T], &mut [T]),
        dh_before: &mut [T],
    ) {
        let units = dh.len();
        let one = T::one();
        let (c, c_before, dc_next) = (&c[..units], &c_before[..units], &mut dc_next[..units]);
        let dh_before = &mut dh_before[..units];
        let (gi, rest) = gates[..4 * units].split_at(units);
        let (gf, rest) = rest.split_at(units);
        let (gg, go) = rest.split_at(units);
        let (di, rest) = dx[..4 * units].split_at_mut(units);
        let (df, rest) = rest.split_at_mut(units);
        let (dg, d_o) = rest.split_at_mut(units);
        for u in 0..units {
            let (i, f, g, o) = (gi[u], gf[u], gg[u], go[u]);
            let tc = tanh(c[u]);
            let dc = dh[u] * o * (one - tc * tc) + dc_next[u];
            di[u] = dc * g * i * (one - i);
            df[u] = dc * c_before[u] * f * (one - f);
            dg[u] = dc * i * (one - g * g);
            d_o[u] = dh[u] * tc * o * (one - o);
            dc_next[u] = dc * f;
            dh_before[u] = T::zero();
        }
    }
}
