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
    const BACKWARDS: bool = false,
> = Recurrent<T, I, O, F, U, G, 2, SEQUENCES, GruCell, S, BACKWARDS>;

/// The step of a [`Gru`].
#[derive(Clone, Copy, Debug, Default)]
pub struct GruCell;

impl Cell for GruCell {
    const KIND: &'static str = nn_keras::class::GRU;
    const BLOCKS: usize = 3;
    const BIAS_ROWS: usize = 2;

    #[inline(always)]
    fn forward<T: Float>(
        gates: &mut [T],
        from_h: &[T],
        (h_before, _): (&[T], &[T]),
        h: &mut [T],
        candidate_h: &mut [T],
    ) {
        // Gate-wise slices of equal length, so that the loop vectorizes.
        let units = h.len();
        let (h_before, candidate_h) = (&h_before[..units], &mut candidate_h[..units]);
        let (gz, rest) = gates[..3 * units].split_at_mut(units);
        let (gr, gc) = rest.split_at_mut(units);
        let (rz, rest) = from_h[..3 * units].split_at(units);
        let (rr, rc) = rest.split_at(units);
        for u in 0..units {
            let z = sigmoid(gz[u] + rz[u]);
            let r = sigmoid(gr[u] + rr[u]);
            candidate_h[u] = rc[u];
            let candidate = tanh(gc[u] + r * rc[u]);
            h[u] = z * h_before[u] + (T::one() - z) * candidate;
            (gz[u], gr[u], gc[u]) = (z, r, candidate);
        }
    }

    #[inline(always)]
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
        let (h_before, candidate_h) = (&h_before[..units], &candidate_h[..units]);
        let dh_before = &mut dh_before[..units];
        let (gz, rest) = gates[..3 * units].split_at(units);
        let (gr, gc) = rest.split_at(units);
        let (dxz, rest) = dx[..3 * units].split_at_mut(units);
        let (dxr, dxc) = rest.split_at_mut(units);
        let (drz, rest) = dr[..3 * units].split_at_mut(units);
        let (drr, drc) = rest.split_at_mut(units);
        for u in 0..units {
            let (z, r, candidate) = (gz[u], gr[u], gc[u]);
            let dz = dh[u] * (h_before[u] - candidate) * z * (one - z);
            let dcandidate = dh[u] * (one - z) * (one - candidate * candidate);
            let dreset = dcandidate * candidate_h[u] * r * (one - r);
            (dxz[u], dxr[u], dxc[u]) = (dz, dreset, dcandidate);
            // The candidate's recurrent part is gated by r.
            (drz[u], drr[u], drc[u]) = (dz, dreset, dcandidate * r);
            dh_before[u] = dh[u] * z;
        }
    }
}
