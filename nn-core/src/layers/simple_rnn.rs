//! `SimpleRNN`: a fully connected recurrent layer over a sequence, with Keras's layouts.

use super::recurrent::{Cell, Recurrent, tanh};
use crate::Float;
use crate::storage::Inline;

/// Keras's `SimpleRNN` with its defaults (`activation` tanh, no dropout): a [`Recurrent`] layer
/// of `U` units over `STEPS = I / F` steps of `F` features, `h ← tanh(W x + R h + b)` (`h`
/// zeros before the first step).
///
/// The output is the last step's `h` (`O = U`), or with `SEQUENCES` every step's (`O = STEPS ·
/// U`). Weights in Keras's layouts: `kernel` `(F, U)`, `recurrent_kernel` `(U, U)`, `bias`
/// `(U,)`; `G = U`. Initial values as Keras: Glorot-uniform kernel, orthogonal recurrent
/// kernel, zero bias.
///
/// ```
/// use nalgebra::SVector;
/// use nn_core::{Layer, RecurrentState, SimpleRnn};
/// use rand::SeedableRng;
///
/// let rnn = SimpleRnn::<f32, 15, 4, 3, 4, 4, false>::new(&mut rand::rngs::StdRng::seed_from_u64(0));
/// let x = SVector::<f32, 15>::from_fn(|i, _| (i as f32 * 0.3).sin());
/// let (mut state, mut h) = (RecurrentState::default(), SVector::zeros());
/// for step in x.as_slice().chunks_exact(3) {
///     h = rnn.step(&mut state, &SVector::<f32, 3>::from_column_slice(step));
/// }
/// assert!((rnn.forward(&x) - h).amax() < 1e-6);
/// ```
pub type SimpleRnn<
    T,
    const I: usize,
    const O: usize,
    const F: usize,
    const U: usize,
    const G: usize,
    const SEQUENCES: bool,
    S = Inline,
    const BACKWARDS: bool = false,
> = Recurrent<T, I, O, F, U, G, 1, SEQUENCES, SimpleRnnCell, S, BACKWARDS>;

/// The step of a [`SimpleRnn`].
#[derive(Clone, Copy, Debug, Default)]
pub struct SimpleRnnCell;

impl Cell for SimpleRnnCell {
    const KIND: &'static str = nn_keras::class::SIMPLE_RNN;
    const BLOCKS: usize = 1;
    const BIAS_ROWS: usize = 1;
    const SEPARATE_RECURRENT_GRADIENT: bool = false;

    #[inline(always)]
    fn forward<T: Float>(
        gates: &mut [T],
        from_h: &[T],
        _before: (&[T], &[T]),
        h: &mut [T],
        _carry: &mut [T],
    ) {
        for ((h, z), &r) in h.iter_mut().zip(gates.iter_mut()).zip(from_h) {
            *h = tanh(*z + r);
            *z = *h;
        }
    }

    #[inline(always)]
    fn backward<T: Float>(
        _gates: &[T],
        _carry: &[T],
        _before: (&[T], &[T]),
        h: &[T],
        dh: &[T],
        _dcarry: &mut [T],
        (dx, _): (&mut [T], &mut [T]),
        dh_before: &mut [T],
    ) {
        let units = dh.len();
        let (h, dh_before) = (&h[..units], &mut dh_before[..units]);
        let dx = &mut dx[..units];
        for u in 0..units {
            let dz = dh[u] * (T::one() - h[u] * h[u]);
            dx[u] = dz;
            dh_before[u] = T::zero();
        }
    }
}
