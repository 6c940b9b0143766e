//! `GRU`: a gated recurrent unit layer over a sequence, with Keras's gates and layouts.

use super::recurrent::{Cell, Recurrent, sigmoid, tanh};
use crate::Float;
use crate::storage::Inline;

/// Keras's `GRU` with its defaults (`activation` tanh, `recurrent_activation` sigmoid,
/// `reset_after = true`, no dropout): a [`Recurrent`] layer of `U` units over `STEPS = I / F`
/// steps of `F` features.
///
/// With `x` a step's features and `h` the previous step's output (zeros before the first), the
/// input part `W x + b_in` and the recurrent part `R h + b_rec` are each split into Keras's
/// three gates `z, r, h` (`G = 3U` values), and
///
/// `z = σ(x_z + h_z)`, `r = σ(x_r + h_r)`, `ĥ = tanh(x_h + r ⊙ h_h)`, `h ← z ⊙ h + (1 − z) ⊙ ĥ`.
///
/// The output is the last step's `h` (`O = U`), or with `SEQUENCES` every step's (`O = STEPS ·
/// U`). Weights in Keras's layouts: `kernel` `(F, 3U)`, `recurrent_kernel` `(U, 3U)`, `bias`
/// `(2, 3U)` (the input bias, then the recurrent one). Initial values as Keras: Glorot-uniform
/// kernel, orthogonal recurrent kernel, zero biases.
///
/// [`step`](Recurrent::step) feeds one step at a time with the state kept by the caller (a
/// GRU's is its output; the state's `c` holds the last step's `h_h`); it allocates nothing.
///
/// ```
/// use nalgebra::SVector;
/// use nn_core::{Gru, Layer, RecurrentState};
/// use rand::SeedableRng;
///
/// // 5 steps of 3 features into 4 units: G = 12.
/// let gru = Gru::<f32, 15, 4, 3, 4, 12, false>::new(&mut rand::rngs::StdRng::seed_from_u64(0));
/// let x = SVector::<f32, 15>::from_fn(|i, _| (i as f32 * 0.3).sin());
/// let (mut state, mut h) = (RecurrentState::default(), SVector::zeros());
/// for step in x.as_slice().chunks_exact(3) {
///     h = gru.step(&mut state, &SVector::<f32, 3>::from_column_slice(step));
/// }
/// assert!((gru.forward(&x) - h).amax() < 1e-6);
/// ```
pub type Gru<
    T,
    const I: usize,
    const O: usize,
    const F: usize,
    const U: usize,
    const G: usize,
    const SEQUENCES: bool,
    S = Inline,
> = Recurrent<T, I, O, F, U, G, 2, SEQUENCES, GruCell, S>;

/// The step of a [`Gru`].
#[derive(Clone, Copy, Debug, Default)]
pub struct GruCell;

impl Cell for GruCell {
    const KIND: &'static str = nn_keras::class::GRU;
    const BLOCKS: usize = 3;
    const BIAS_ROWS: usize = 2;

    fn forward<T: Float>(
        gates: &mut [T],
        from_h: &[T],
        (h_before, _): (&[T], &[T]),
        h: &mut [T],
        candidate_h: &mut [T],
    ) {
        let units = h.len();
        for u in 0..units {
            let z = sigmoid(gates[u] + from_h[u]);
            let r = sigmoid(gates[units + u] + from_h[units + u]);
            candidate_h[u] = from_h[2 * units + u];
            let candidate = tanh(gates[2 * units + u] + r * candidate_h[u]);
            h[u] = z * h_before[u] + (T::one() - z) * candidate;
            gates[u] = z;
            gates[units + u] = r;
            gates[2 * units + u] = candidate;
        }
    }

    fn backward<T: Float>(
        gates: &[T],
        candidate_h: &[T],
        (h_before, _): (&[T], &[T]),
        _h: &[T],
        dh: &[T],
        _dcarry: &mut [T],
        (dx, dr): (&mut [T], &mut [T]),
        dh_before: &mut [T],
    ) {
        let units = dh.len();
        let one = T::one();
        for u in 0..units {
            let (z, r, candidate) = (gates[u], gates[units + u], gates[2 * units + u]);
            let dz = dh[u] * (h_before[u] - candidate) * z * (one - z);
            let dcandidate = dh[u] * (one - z) * (one - candidate * candidate);
            let dreset = dcandidate * candidate_h[u] * r * (one - r);
            dx[u] = dz;
            dx[units + u] = dreset;
            dx[2 * units + u] = dcandidate;
            dr[u] = dz;
            dr[units + u] = dreset;
            // The candidate's recurrent part is gated by r.
            dr[2 * units + u] = dcandidate * r;
            dh_before[u] = dh[u] * z;
        }
    }
}
