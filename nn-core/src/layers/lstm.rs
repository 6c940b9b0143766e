//! `LSTM`: a long short-term memory layer over a sequence, with Keras's gates and layouts.

use nalgebra::{ArrayStorage, Matrix, SVector, SVectorView};
#[cfg(feature = "std")]
use rand::Rng;

#[cfg(feature = "std")]
use super::recurrent::Shape;
use super::recurrent::sigmoid;
use crate::Float;
#[cfg(feature = "std")]
use crate::init::{GlorotUniform, Initializer, Orthogonal, fill_checked};
#[cfg(feature = "std")]
use crate::layer::{Batch, Train, resize_batch};
use crate::layer::{Layer, ParamMut, ParamRef, Params, Rules};
use crate::storage::{Inline, Storage, Weights};

/// Keras's `LSTM` with its defaults (`activation` tanh, `recurrent_activation` sigmoid, no
/// dropout): a sequence of `STEPS = I / F` steps of `F` features (channels last, step by step,
/// as Keras's `(steps, features)`) is read step by step into `U` units of state.
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
/// [`step`](Lstm::step) feeds one step at a time with the state kept by the caller, for
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
#[derive(Clone, Debug)]
pub struct Lstm<
    T: Float,
    const I: usize,
    const O: usize,
    const F: usize,
    const U: usize,
    const G: usize,
    const SEQUENCES: bool,
    S: Storage = Inline,
> {
    /// `W`, Keras's `(F, 4U)` kernel, stored as the `4U × F` matrix it multiplies a step with.
    pub kernel: Weights<T, G, F, S>,
    /// `R`, Keras's `(U, 4U)` recurrent kernel, stored as a `4U × U` matrix.
    pub recurrent_kernel: Weights<T, G, U, S>,
    /// `b`, the `4U` biases.
    pub bias: Weights<T, G, 1, S>,
    /// Whether an optimizer updates the weights.
    pub trainable: bool,
}

/// The state an [`Lstm`] carries from one step to the next: the output `h` and the cell `c`.
#[derive(Clone, Debug, PartialEq)]
pub struct LstmState<T: Float, const U: usize> {
    /// The last step's output.
    pub h: SVector<T, U>,
    /// The cell state.
    pub c: SVector<T, U>,
}

impl<T: Float, const U: usize> Default for LstmState<T, U> {
    /// The state before the first step: zeros.
    fn default() -> Self {
        Self {
            h: SVector::zeros(),
            c: SVector::zeros(),
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
    const SEQUENCES: bool,
> Lstm<T, I, O, F, U, G, SEQUENCES, Inline>
{
    /// A layer with these weights, in Keras's layouts (`kernel[f]` is row `f` of Keras's
    /// `(F, 4U)` kernel, and so on; the bias is `[0]` of its one row); a `const fn`, for
    /// networks with weights built into the program.
    pub const fn from_arrays(
        kernel: [[T; G]; F],
        recurrent_kernel: [[T; G]; U],
        bias: [[T; G]; 1],
    ) -> Self {
        let () = Self::SIZES;
        Self {
            kernel: Matrix::from_array_storage(ArrayStorage(kernel)),
            recurrent_kernel: Matrix::from_array_storage(ArrayStorage(recurrent_kernel)),
            bias: Matrix::from_array_storage(ArrayStorage(bias)),
            trainable: true,
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
    const SEQUENCES: bool,
    S: Storage,
> Lstm<T, I, O, F, U, G, SEQUENCES, S>
{
    /// The number of steps.
    pub const STEPS: usize = I / F;

    /// The sizes, checked when a layer is made: `G = 4U`, `I` a whole number of steps, `O`
    /// the last step's or every step's units.
    const SIZES: () = {
        assert!(F > 0 && U > 0, "an LSTM needs features and units");
        assert!(G == 4 * U, "G is 4 · U: the four gates");
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
    const BIAS_SHAPE: [usize; 1] = [G];

    /// A layer with every weight zero (a gradient holder).
    pub fn zeros() -> Self {
        let () = Self::SIZES;
        Self {
            kernel: S::zeros(),
            recurrent_kernel: S::zeros(),
            bias: S::zeros(),
            trainable: true,
        }
    }

    /// A layer with Keras's initial values, drawn from `rng`.
    #[cfg(feature = "std")]
    pub fn new<R: Rng + ?Sized>(rng: &mut R) -> Self {
        Self::init(&GlorotUniform, &Orthogonal::default(), rng)
    }

    /// A layer whose kernel and recurrent kernel are drawn from these initializers (in Keras's
    /// shapes), with a zero bias but ones for the forget gate.
    #[cfg(feature = "std")]
    pub fn init<R: Rng + ?Sized>(
        kernel: &impl Initializer,
        recurrent: &impl Initializer,
        rng: &mut R,
    ) -> Self {
        let mut layer = Self::zeros();
        fill_checked(
            kernel,
            "kernel",
            &Self::KERNEL_SHAPE,
            layer.kernel.as_mut_slice(),
            rng,
        );
        fill_checked(
            recurrent,
            "recurrent kernel",
            &Self::RECURRENT_SHAPE,
            layer.recurrent_kernel.as_mut_slice(),
            rng,
        );
        layer.bias.as_mut_slice()[U..2 * U].fill(T::one());
        layer
    }

    /// One step: reads `x` (one step's `F` features), moves `state` on and returns the new
    /// output `h`. Allocates nothing.
    pub fn step(&self, state: &mut LstmState<T, U>, x: &SVector<T, F>) -> SVector<T, U> {
        self.advance(state, SVectorView::from_slice(x.as_slice()));
        state.h
    }

    fn advance(&self, state: &mut LstmState<T, U>, x: SVectorView<'_, T, F>) {
        let mut z: SVector<T, G> = SVector::from_column_slice(self.bias.as_slice());
        z.gemv(T::one(), &self.kernel, &x, T::one());
        z.gemv(T::one(), &self.recurrent_kernel, &state.h, T::one());
        for u in 0..U {
            let i = sigmoid(z[u]);
            let f = sigmoid(z[U + u]);
            let g = z[2 * U + u].tanh();
            let o = sigmoid(z[3 * U + u]);
            state.c[u] = f * state.c[u] + i * g;
            state.h[u] = o * state.c[u].tanh();
        }
    }

    /// The rules of every weight: none of Keras's regularizers or constraints.
    fn rules(&self) -> Rules {
        Rules::NONE
    }
}

impl<
    T: Float,
    const I: usize,
    const O: usize,
    const F: usize,
    const U: usize,
    const G: usize,
    const SEQUENCES: bool,
    S: Storage,
> Params<T> for Lstm<T, I, O, F, U, G, SEQUENCES, S>
{
    const KIND: &'static str = nn_keras::class::LSTM;
    const PARAMS: usize = G * F + G * U + G;

    fn zeroed(&self) -> Self {
        Self {
            trainable: self.trainable,
            ..Self::zeros()
        }
    }

    fn params(&self) -> impl Iterator<Item = ParamRef<'_, T>> {
        let (trainable, rules) = (self.trainable, self.rules());
        [
            ("kernel", &Self::KERNEL_SHAPE[..], self.kernel.as_slice()),
            (
                "recurrent_kernel",
                &Self::RECURRENT_SHAPE[..],
                self.recurrent_kernel.as_slice(),
            ),
            ("bias", &Self::BIAS_SHAPE[..], self.bias.as_slice()),
        ]
        .into_iter()
        .map(move |(name, shape, values)| ParamRef {
            name,
            shape,
            values,
            trainable,
            rules,
        })
    }

    fn params_mut(&mut self) -> impl Iterator<Item = ParamMut<'_, T>> {
        let (trainable, rules) = (self.trainable, self.rules());
        [
            (
                "kernel",
                &Self::KERNEL_SHAPE[..],
                self.kernel.as_mut_slice(),
            ),
            (
                "recurrent_kernel",
                &Self::RECURRENT_SHAPE[..],
                self.recurrent_kernel.as_mut_slice(),
            ),
            ("bias", &Self::BIAS_SHAPE[..], self.bias.as_mut_slice()),
        ]
        .into_iter()
        .map(move |(name, shape, values)| ParamMut {
            name,
            shape,
            values,
            trainable,
            rules,
        })
    }
}

impl<
    T: Float,
    const I: usize,
    const O: usize,
    const F: usize,
    const U: usize,
    const G: usize,
    const SEQUENCES: bool,
    S: Storage,
> Layer<T, I, O> for Lstm<T, I, O, F, U, G, SEQUENCES, S>
{
    fn forward(&self, x: &SVector<T, I>) -> SVector<T, O> {
        let mut state = LstmState::default();
        let mut y = SVector::<T, O>::zeros();
        for (t, step) in x.as_slice().chunks_exact(F).enumerate() {
            self.advance(&mut state, SVectorView::from_slice(step));
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
    fn forward_batch(&self, x: &Batch<T, I>, y: &mut Batch<T, O>) {
        let mut cache = LstmCache::default();
        self.run(x, y, &mut cache);
    }
}

/// What an [`Lstm`] layer's training pass keeps, step by step (column `s · STEPS + t` is
/// sample `s`'s step `t`).
#[cfg(feature = "std")]
#[derive(Clone, Debug, Default)]
pub struct LstmCache<T: Float> {
    /// The gates after their activations, `[i, f, g, o]` (`4U` values a step).
    pub gates: Vec<T>,
    /// The cell state after each step (`U` values a step).
    pub cells: Vec<T>,
    /// The output before each step (zeros before the first; `U` values a step).
    pub previous: Vec<T>,
    /// The output after each step.
    pub outputs: Vec<T>,
}

#[cfg(feature = "std")]
impl<
    T: Float,
    const I: usize,
    const O: usize,
    const F: usize,
    const U: usize,
    const G: usize,
    const SEQUENCES: bool,
    S: Storage,
> Lstm<T, I, O, F, U, G, SEQUENCES, S>
{
    /// The shapes of a batch of `n`.
    fn shape(&self, n: usize) -> Shape {
        Shape {
            g: G,
            u: U,
            f: F,
            steps: Self::STEPS,
            n,
        }
    }

    /// The batch pass: the input products of every step of every sample in one GEMM, then the
    /// recurrent product step by step.
    fn run(&self, x: &Batch<T, I>, y: &mut Batch<T, O>, cache: &mut LstmCache<T>) {
        let (n, steps) = (x.ncols(), Self::STEPS);
        let columns = n * steps;
        cache.gates.resize(G * columns, T::zero());
        cache.cells.resize(U * columns, T::zero());
        cache.previous.resize(U * columns, T::zero());
        cache.outputs.resize(U * columns, T::zero());
        let shape = self.shape(n);
        // z = W x + b for every step: the batch is already F × (STEPS · n), column-major.
        shape.input_products(
            self.kernel.as_slice(),
            self.bias.as_slice(),
            x.as_slice(),
            &mut cache.gates,
        );
        let mut recurrent = vec![T::zero(); G * n];
        for t in 0..steps {
            if t > 0 {
                // R h for every sample at once: h of step t − 1 is every STEPS-th column.
                let rk = self.recurrent_kernel.as_slice();
                shape.recurrent_product(rk, &cache.outputs, t - 1, &mut recurrent);
            }
            for s in 0..n {
                let col = s * steps + t;
                let gates = &mut cache.gates[col * G..(col + 1) * G];
                if t > 0 {
                    for (z, &r) in gates.iter_mut().zip(&recurrent[s * G..(s + 1) * G]) {
                        *z += r;
                    }
                }
                for u in 0..U {
                    gates[u] = sigmoid(gates[u]);
                    gates[U + u] = sigmoid(gates[U + u]);
                    gates[2 * U + u] = gates[2 * U + u].tanh();
                    gates[3 * U + u] = sigmoid(gates[3 * U + u]);
                }
                for u in 0..U {
                    let (before_c, before_h) = if t > 0 {
                        (
                            cache.cells[(col - 1) * U + u],
                            cache.outputs[(col - 1) * U + u],
                        )
                    } else {
                        (T::zero(), T::zero())
                    };
                    let (i, f, g, o) = (gates[u], gates[U + u], gates[2 * U + u], gates[3 * U + u]);
                    let c = f * before_c + i * g;
                    cache.cells[col * U + u] = c;
                    cache.previous[col * U + u] = before_h;
                    cache.outputs[col * U + u] = o * c.tanh();
                }
            }
        }
        resize_batch(y, n);
        let y = y.as_mut_slice();
        if SEQUENCES {
            y.copy_from_slice(&cache.outputs);
        } else {
            for s in 0..n {
                let last = s * steps + steps - 1;
                y[s * U..(s + 1) * U].copy_from_slice(&cache.outputs[last * U..(last + 1) * U]);
            }
        }
    }
}

#[cfg(feature = "std")]
impl<
    T: Float,
    const I: usize,
    const O: usize,
    const F: usize,
    const U: usize,
    const G: usize,
    const SEQUENCES: bool,
    S: Storage,
> Train<T, I, O> for Lstm<T, I, O, F, U, G, SEQUENCES, S>
{
    type Cache = LstmCache<T>;

    fn forward_train<R: Rng + ?Sized>(
        &self,
        x: &Batch<T, I>,
        y: &mut Batch<T, O>,
        cache: &mut Self::Cache,
        _training: bool,
        _rng: &mut R,
    ) {
        self.run(x, y, cache);
    }

    fn backward(
        &self,
        x: &Batch<T, I>,
        _y: &Batch<T, O>,
        cache: &Self::Cache,
        dy: &mut Batch<T, O>,
        _from_logits: bool,
        grad: &mut Self,
        dx: Option<&mut Batch<T, I>>,
    ) {
        let (n, steps) = (x.ncols(), Self::STEPS);
        let (columns, shape) = (n * steps, self.shape(n));
        // ∂z of every step of every sample, filled from the last step back (backpropagation
        // through time); ∂h and ∂c carried to the step before.
        let mut dz = vec![T::zero(); G * columns];
        let mut dh_next = vec![T::zero(); U * n];
        let mut dc_next = vec![T::zero(); U * n];
        let dy = dy.as_slice();
        for t in (0..steps).rev() {
            for s in 0..n {
                let col = s * steps + t;
                let gates = &cache.gates[col * G..(col + 1) * G];
                let out = &mut dz[col * G..(col + 1) * G];
                for u in 0..U {
                    let from_output = if SEQUENCES {
                        dy[col * U + u]
                    } else if t == steps - 1 {
                        dy[s * U + u]
                    } else {
                        T::zero()
                    };
                    let dh = from_output + dh_next[s * U + u];
                    let (i, f, g, o) = (gates[u], gates[U + u], gates[2 * U + u], gates[3 * U + u]);
                    let c = cache.cells[col * U + u];
                    let before_c = if t > 0 {
                        cache.cells[(col - 1) * U + u]
                    } else {
                        T::zero()
                    };
                    let tc = c.tanh();
                    let dc = dh * o * (T::one() - tc * tc) + dc_next[s * U + u];
                    out[u] = dc * g * i * (T::one() - i);
                    out[U + u] = dc * before_c * f * (T::one() - f);
                    out[2 * U + u] = dc * i * (T::one() - g * g);
                    out[3 * U + u] = dh * tc * o * (T::one() - o);
                    dc_next[s * U + u] = dc * f;
                }
            }
            if t > 0 {
                // ∂h of step t − 1 = Rᵀ ∂z of step t, every sample at once.
                let rk = self.recurrent_kernel.as_slice();
                shape.recurrent_gradient(rk, &dz, t, &mut dh_next);
            }
        }
        if self.trainable {
            // ∂W = ∂Z Xᵀ, ∂R = ∂Z H₋₁ᵀ (the output before each step), ∂b = Σ ∂z: one product
            // each over every step of every sample.
            shape.weight_gradient(&dz, x.as_slice(), F, grad.kernel.as_mut_slice());
            let dr = grad.recurrent_kernel.as_mut_slice();
            shape.weight_gradient(&dz, &cache.previous, U, dr);
            shape.column_sums(&dz, grad.bias.as_mut_slice());
        } else {
            grad.kernel.fill(T::zero());
            grad.recurrent_kernel.fill(T::zero());
            grad.bias.fill(T::zero());
        }
        if let Some(dx) = dx {
            resize_batch(dx, n);
            // ∂X = Wᵀ ∂Z, every step at once.
            shape.input_gradient(self.kernel.as_slice(), &dz, dx.as_mut_slice());
        }
    }
}
