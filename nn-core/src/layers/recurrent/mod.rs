//! The recurrent layers: [`Recurrent`] holds what they share (weights in Keras's layouts, the
//! single-sample and streaming passes, the batch products and backpropagation through time) and
//! a [`Cell`] says what one step computes. [`Lstm`](crate::Lstm), [`Gru`](crate::Gru) and
//! [`SimpleRnn`](crate::SimpleRnn) are its cells.
//!
//! A batch of `n` samples of `STEPS` steps is `F × (STEPS · n)`, column `s · STEPS + t` being
//! sample `s`'s step `t`, so the products with the input run once over every step of every
//! sample, and only the recurrent product runs step by step (every sample at once, through
//! strided views).

use core::fmt::Debug;
use core::marker::PhantomData;

use nalgebra::{ArrayStorage, Matrix, SVector};

use crate::Float;
use crate::layer::{Layer, Params, Rules, Stream, tensors};
use crate::setting::{self, Setting, read};
use crate::storage::{Inline, Storage, Weights};

/// What one step of a recurrent layer computes, for one sample; the layer ([`Recurrent`])
/// brings the products. Slices hold `G` gate values or `U` unit values.
pub trait Cell: Copy + Debug + Default + Send + Sync + 'static {
    /// The Keras class (`"LSTM"`).
    const KIND: &'static str;
    /// Blocks of `U` gate values a step (`G = BLOCKS · U`).
    const BLOCKS: usize;
    /// Rows of the bias: 1, or 2 with a recurrent bias apart (GRU's `reset_after`).
    const BIAS_ROWS: usize;

    /// Keras's initial bias (all zeros, but LSTM's forget gate).
    fn initial_bias<T: Float>(bias: &mut [T]) {
        let _ = bias;
    }

    /// One step: `gates` holds `W x + b` and is left holding what [`backward`](Cell::backward)
    /// needs; `from_h` is `R h` (plus the recurrent bias, if any); `before` the previous `h`
    /// and carried state (zeros before the first step); writes the new `h` and `carry` (the
    /// cell state of an LSTM, anything else a cell keeps a step).
    fn forward<T: Float>(
        gates: &mut [T],
        from_h: &[T],
        before: (&[T], &[T]),
        h: &mut [T],
        carry: &mut [T],
    );

    /// Whether the gradient of the recurrent part of the gates can differ from that of the
    /// input part (as in a GRU, whose reset gate multiplies its candidate's recurrent part):
    /// then [`backward`](Cell::backward) writes both; if not, it writes the input part's only,
    /// and the layer uses it for both.
    const SEPARATE_RECURRENT_GRADIENT: bool = true;

    /// The same step backwards: from `dh` (the step's whole output gradient) and `dcarry` (the
    /// gradient of the carried state from the step after, replaced by the one for the step
    /// before), writes the gradients of the input part `dx` and of the recurrent part `dr` of
    /// the gates (`dr` is empty unless
    /// [`SEPARATE_RECURRENT_GRADIENT`](Cell::SEPARATE_RECURRENT_GRADIENT)), and the direct
    /// part of the previous output's gradient `dh_before` (the product with `R` is added by
    /// the layer).
    #[allow(clippy::too_many_arguments)]
    fn backward<T: Float>(
        gates: &[T],
        carry: &[T],
        before: (&[T], &[T]),
        h: &[T],
        dh: &[T],
        dcarry: &mut [T],
        gradients: (&mut [T], &mut [T]),
        dh_before: &mut [T],
    );
}

/// The state a recurrent layer carries from one step to the next: the output `h` and what the
/// cell carries in `c` (an LSTM's cell state; a GRU leaves there the recurrent part of its last
/// candidate, which the next step does not read; a SimpleRNN nothing).
#[derive(Clone, Debug, PartialEq)]
pub struct RecurrentState<T: Float, const U: usize> {
    /// The last step's output.
    pub h: SVector<T, U>,
    /// The carried state.
    pub c: SVector<T, U>,
}

impl<T: Float, const U: usize> Default for RecurrentState<T, U> {
    /// The state before the first step: zeros.
    fn default() -> Self {
        Self {
            h: SVector::zeros(),
            c: SVector::zeros(),
        }
    }
}

/// A recurrent layer over a sequence of `STEPS = I / F` steps of `F` features (channels last,
/// step by step, as Keras's `(steps, features)`), read into `U` units of state by the cell `C`;
/// `G = C::BLOCKS · U` gate values a step, `B = C::BIAS_ROWS` bias rows. The output is the last
/// step's `h` (`O = U`), or with `SEQUENCES` every step's (`O = STEPS · U`). Weights in
/// Keras's layouts: `kernel` `(F, G)`, `recurrent_kernel` `(U, G)`, `bias` `(G,)` or `(2, G)`.
/// Initial values as Keras: Glorot-uniform kernel, orthogonal recurrent kernel, the cell's
/// bias.
///
/// With `BACKWARDS` (Keras's `go_backwards`) the layer reads the sequence from its last step to
/// its first, and returns its outputs in that order (every step's, or the output after step 0);
/// it has no [`step`](Recurrent::step), since a stream gives the first step first.
///
/// [`step`](Recurrent::step) feeds one step at a time with the state kept by the caller, for
/// streaming inference; it allocates nothing, and neither does [`Layer::forward`].
#[derive(Clone, Debug)]
pub struct Recurrent<
    T: Float,
    const I: usize,
    const O: usize,
    const F: usize,
    const U: usize,
    const G: usize,
    const B: usize,
    const SEQUENCES: bool,
    C: Cell,
    S: Storage = Inline,
    const BACKWARDS: bool = false,
> {
    /// `W`, Keras's `(F, G)` kernel, stored as the `G × F` matrix it multiplies a step with.
    pub kernel: Weights<T, G, F, S>,
    /// `R`, Keras's `(U, G)` recurrent kernel, stored as a `G × U` matrix.
    pub recurrent_kernel: Weights<T, G, U, S>,
    /// The bias: column 0 the input bias, column 1 (with `B = 2`) the recurrent one.
    pub bias: Weights<T, G, B, S>,
    /// Whether an optimizer updates the weights.
    pub trainable: Setting<bool>,
    cell: PhantomData<C>,
}

impl<
    T: Float,
    const I: usize,
    const O: usize,
    const F: usize,
    const U: usize,
    const G: usize,
    const B: usize,
    const SEQUENCES: bool,
    C: Cell,
    const BACKWARDS: bool,
> Recurrent<T, I, O, F, U, G, B, SEQUENCES, C, Inline, BACKWARDS>
{
    /// A layer with these weights, in Keras's layouts (`kernel[f]` is row `f` of Keras's
    /// `(F, G)` kernel, and so on; a one-row bias is `[0]` of its row); a `const fn`, for
    /// networks with weights built into the program.
    pub const fn from_arrays(
        kernel: [[T; G]; F],
        recurrent_kernel: [[T; G]; U],
        bias: [[T; G]; B],
    ) -> Self {
        let () = Self::SIZES;
        Self {
            kernel: Matrix::from_array_storage(ArrayStorage(kernel)),
            recurrent_kernel: Matrix::from_array_storage(ArrayStorage(recurrent_kernel)),
            bias: Matrix::from_array_storage(ArrayStorage(bias)),
            trainable: setting::default(),
            cell: PhantomData,
        }
    }
}

impl<
    T: Float,
    const I: usize,
    const O: usize,
    const F: usize,
    const U: usize,
    const G: usize,
    const B: usize,
    const SEQUENCES: bool,
    C: Cell,
    S: Storage,
    const BACKWARDS: bool,
> Recurrent<T, I, O, F, U, G, B, SEQUENCES, C, S, BACKWARDS>
{
    /// The number of steps.
    pub const STEPS: usize = I / F;

    /// The sizes, checked when a layer is made.
    const SIZES: () = {
        assert!(F > 0 && U > 0, "a recurrent layer needs features and units");
        assert!(
            G == C::BLOCKS * U,
            "G is the cell's blocks of U gate values"
        );
        assert!(B == C::BIAS_ROWS, "B is the cell's bias rows");
        assert!(
            I.is_multiple_of(F) && I > 0,
            "I is a whole number of steps of F features"
        );
        assert!(
            O == if SEQUENCES { I / F * U } else { U },
            "O is U (the last step), or STEPS · U with SEQUENCES"
        );
    };

    const KERNEL_SHAPE: [usize; 2] = [F, G];
    const RECURRENT_SHAPE: [usize; 2] = [U, G];
    const BIAS_SHAPE: [usize; 2] = [B, G];

    /// The bias's shape as Keras gives it: `(G,)` for one row.
    fn bias_shape() -> &'static [usize] {
        if B == 1 {
            &Self::BIAS_SHAPE[1..]
        } else {
            &Self::BIAS_SHAPE
        }
    }

    /// A layer with every weight zero (a gradient holder).
    pub fn zeros() -> Self {
        let () = Self::SIZES;
        Self {
            kernel: S::zeros(),
            recurrent_kernel: S::zeros(),
            bias: S::zeros(),
            trainable: setting::default(),
            cell: PhantomData,
        }
    }

    /// Whether the layer reads the sequence from its last step to its first (Keras's
    /// `go_backwards`, the type's `BACKWARDS`).
    pub const fn go_backwards(&self) -> bool {
        BACKWARDS
    }

    /// The same weights in a layer reading its sequences from the last step to the first
    /// (Keras's `go_backwards = True`).
    pub fn backwards(self) -> Recurrent<T, I, O, F, U, G, B, SEQUENCES, C, S, true> {
        Recurrent {
            kernel: self.kernel,
            recurrent_kernel: self.recurrent_kernel,
            bias: self.bias,
            trainable: self.trainable,
            cell: PhantomData,
        }
    }

    /// One step: reads `x` (one step's `F` features), moves `state` on and returns the new
    /// output `h`. Allocates nothing. Steps are read in the order they are given, so a layer
    /// with `go_backwards`, which needs the sequence's end first, has no `step`: calling it is a
    /// compile error (the layer is fed whole sequences, by [`Layer::forward`]).
    ///
    /// ```compile_fail
    /// use nn_core::{Lstm, LstmState};
    /// use nalgebra::SVector;
    ///
    /// let lstm = Lstm::<f32, 6, 2, 3, 2, 8, false>::zeros().backwards();
    /// lstm.step(&mut LstmState::default(), &SVector::<f32, 3>::zeros());
    /// ```
    pub fn step(&self, state: &mut RecurrentState<T, U>, x: &SVector<T, F>) -> SVector<T, U>
    where
        Self: Stream<T, F, U>,
    {
        self.advance(state, x.as_slice());
        state.h
    }

    /// One step of `F` values (`x`), compiled for the widest instruction set.
    #[inline]
    fn advance(&self, state: &mut RecurrentState<T, U>, x: &[T]) {
        crate::widest(
            #[inline(always)]
            || self.advance_here(state, x),
        );
    }

    #[inline(always)]
    fn advance_here(&self, state: &mut RecurrentState<T, U>, x: &[T]) {
        let bias = self.bias.as_slice();
        let mut gates: SVector<T, G> = SVector::from_column_slice(&bias[..G]);
        let Some(sums) = gates.as_mut_slice().first_chunk_mut::<G>() else {
            unreachable!("G gates")
        };
        super::dense::add_columns(self.kernel.as_slice(), x, sums);
        let mut from_h: SVector<T, G> = if B == 2 {
            SVector::from_column_slice(&bias[G..])
        } else {
            SVector::zeros()
        };
        let Some(sums) = from_h.as_mut_slice().first_chunk_mut::<G>() else {
            unreachable!("G gates")
        };
        super::dense::add_columns(self.recurrent_kernel.as_slice(), state.h.as_slice(), sums);
        let before = (state.h, state.c);
        C::forward(
            gates.as_mut_slice(),
            from_h.as_slice(),
            (before.0.as_slice(), before.1.as_slice()),
            state.h.as_mut_slice(),
            state.c.as_mut_slice(),
        );
    }
}

impl<
    T: Float,
    const I: usize,
    const O: usize,
    const F: usize,
    const U: usize,
    const G: usize,
    const B: usize,
    const SEQUENCES: bool,
    C: Cell,
    S: Storage,
    const BACKWARDS: bool,
> Params<T> for Recurrent<T, I, O, F, U, G, B, SEQUENCES, C, S, BACKWARDS>
{
    const KIND: &'static str = C::KIND;
    const PARAMS: usize = G * F + G * U + G * B;

    fn zeroed(&self) -> Self {
        Self {
            trainable: self.trainable,
            ..Self::zeros()
        }
    }

    tensors!(self, let trainable = read(self.trainable);
        kernel: &Self::KERNEL_SHAPE, trainable, Rules::NONE;
        recurrent_kernel: &Self::RECURRENT_SHAPE, trainable, Rules::NONE;
        bias: Self::bias_shape(), trainable, Rules::NONE;
    );
}

impl<
    T: Float,
    const I: usize,
    const O: usize,
    const F: usize,
    const U: usize,
    const G: usize,
    const B: usize,
    const SEQUENCES: bool,
    C: Cell,
    S: Storage,
    const BACKWARDS: bool,
> Layer<T, I, O> for Recurrent<T, I, O, F, U, G, B, SEQUENCES, C, S, BACKWARDS>
{
    fn forward(&self, x: &SVector<T, I>) -> SVector<T, O> {
        let mut state = RecurrentState::default();
        let mut y = crate::storage::zeros::<T, O>();
        let steps = Self::STEPS;
        for t in 0..steps {
            let at = if BACKWARDS { steps - 1 - t } else { t };
            let step = &x.as_slice()[at * F..(at + 1) * F];
            self.advance(&mut state, step);
            if SEQUENCES {
                y.as_mut_slice()[t * U..(t + 1) * U].copy_from_slice(state.h.as_slice());
            }
        }
        if !SEQUENCES {
            y.as_mut_slice().copy_from_slice(state.h.as_slice());
        }
        y
    }

    #[cfg(feature = "std")]
    fn forward_batch(&self, x: &crate::Batch<T, I>, y: &mut crate::Batch<T, O>) {
        let mut cache = train::RecurrentCache::default();
        self.run(x, y, &mut cache);
    }
}

/// One step of `F` features in, the output `h` after it out: [`Recurrent::step`]. A layer with
/// `go_backwards` needs the sequence's end first, so it has no place in a stream: it does not
/// implement `Stream`, and `network!` does not stream it.
impl<
    T: Float,
    const I: usize,
    const O: usize,
    const F: usize,
    const U: usize,
    const G: usize,
    const B: usize,
    const SEQUENCES: bool,
    C: Cell,
    S: Storage,
> Stream<T, F, U> for Recurrent<T, I, O, F, U, G, B, SEQUENCES, C, S, false>
{
    type State = RecurrentState<T, U>;

    /// The gates' sums from the input and from the state (`G` each), the state before the
    /// step (`2U`) and the output (`U`).
    const SCRATCH: usize = (2 * G + 3 * U) * core::mem::size_of::<T>();

    #[inline]
    fn step(&self, state: &mut RecurrentState<T, U>, x: &SVector<T, F>) -> SVector<T, U> {
        Recurrent::step(self, state, x)
    }
}

#[cfg(feature = "std")]
pub(crate) mod train;

/// The logistic sigmoid, Keras's recurrent activation ([`Float::cell_sigmoid`]: in `f32`
/// written to vectorize).
#[inline(always)]
pub(crate) fn sigmoid<T: Float>(x: T) -> T {
    x.cell_sigmoid()
}

/// `tanh` ([`Float::cell_tanh`]: in `f32` written to vectorize, otherwise through one `exp`).
#[inline(always)]
pub(crate) fn tanh<T: Float>(x: T) -> T {
    x.cell_tanh()
}

#[cfg(test)]
mod tests {
    #[test]
    fn tanh_matches_libm() {
        let mut worst = (0.0f64, 0.0f64);
        for i in -200_000..=200_000 {
            let x = i as f64 * 1e-4;
            let exact = x.tanh();
            let ours = super::tanh(x);
            let error = (ours - exact).abs() / exact.abs().max(1e-300);
            if exact != 0.0 && error > worst.0 {
                worst = (error, x);
            }
            let (ours32, exact32) = (super::tanh(x as f32), (x as f32).tanh());
            assert!(
                (ours32 - exact32).abs()
                    <= 4.0 * f32::EPSILON * exact32.abs().max(f32::MIN_POSITIVE),
                "f32 at {x}: {ours32} against {exact32}"
            );
        }
        assert!(
            worst.0 < 1e-12,
            "f64: relative error {} at {}",
            worst.0,
            worst.1
        );
        assert_eq!(super::tanh(50.0f32), 1.0);
        assert_eq!(super::tanh(-50.0f32), -1.0);
        assert_eq!(super::tanh(0.0f32), 0.0);
    }
}
