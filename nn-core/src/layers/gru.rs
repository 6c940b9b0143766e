//! `GRU`: a gated recurrent unit layer over a sequence, with Keras's gates and layouts.

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

/// Keras's `GRU` with its defaults (`activation` tanh, `recurrent_activation` sigmoid,
/// `reset_after = true`, no dropout): a sequence of `STEPS = I / F` steps of `F` features is read
/// step by step into `U` units of state.
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
/// [`step`](Gru::step) feeds one step at a time with the state kept by the caller, for
/// streaming inference; it allocates nothing.
///
/// ```
/// use nalgebra::SVector;
/// use nn_core::{Gru, Layer};
/// use rand::SeedableRng;
///
/// // 5 steps of 3 features into 4 units: G = 12.
/// let gru = Gru::<f32, 15, 4, 3, 4, 12, false>::new(&mut rand::rngs::StdRng::seed_from_u64(0));
/// let x = SVector::<f32, 15>::from_fn(|i, _| (i as f32 * 0.3).sin());
/// let (mut state, mut h) = (SVector::zeros(), SVector::zeros());
/// for step in x.as_slice().chunks_exact(3) {
///     h = gru.step(&mut state, &SVector::<f32, 3>::from_column_slice(step));
/// }
/// assert!((gru.forward(&x) - h).amax() < 1e-6);
/// ```
#[derive(Clone, Debug)]
pub struct Gru<
    T: Float,
    const I: usize,
    const O: usize,
    const F: usize,
    const U: usize,
    const G: usize,
    const SEQUENCES: bool,
    S: Storage = Inline,
> {
    /// `W`, Keras's `(F, 3U)` kernel, stored as the `3U × F` matrix it multiplies a step with.
    pub kernel: Weights<T, G, F, S>,
    /// `R`, Keras's `(U, 3U)` recurrent kernel, stored as a `3U × U` matrix.
    pub recurrent_kernel: Weights<T, G, U, S>,
    /// Keras's `(2, 3U)` bias: column 0 the input bias, column 1 the recurrent one.
    pub bias: Weights<T, G, 2, S>,
    /// Whether an optimizer updates the weights.
    pub trainable: bool,
}

impl<
    T: Float,
    const I: usize,
    const O: usize,
    const F: usize,
    const U: usize,
    const G: usize,
    const SEQUENCES: bool,
> Gru<T, I, O, F, U, G, SEQUENCES, Inline>
{
    /// A layer with these weights, in Keras's layouts (`kernel[f]` is row `f` of Keras's
    /// `(F, 3U)` kernel, and so on); a `const fn`, for networks with weights built into the
    /// program.
    pub const fn from_arrays(
        kernel: [[T; G]; F],
        recurrent_kernel: [[T; G]; U],
        bias: [[T; G]; 2],
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
> Gru<T, I, O, F, U, G, SEQUENCES, S>
{
    /// The number of steps.
    pub const STEPS: usize = I / F;

    /// The sizes, checked when a layer is made.
    const SIZES: () = {
        assert!(F > 0 && U > 0, "a GRU needs features and units");
        assert!(G == 3 * U, "G is 3 · U: the three gates");
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
    const BIAS_SHAPE: [usize; 2] = [2, G];

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
    /// shapes), with zero biases.
    #[cfg(feature = "std")]
    pub fn init<R: Rng + ?Sized>(
        kernel: &impl Initializer,
        recurrent: &impl Initializer,
        rng: &mut R,
    ) -> Self {
        let mut layer = Self::zeros();
        let shape = Self::KERNEL_SHAPE;
        fill_checked(kernel, "kernel", &shape, layer.kernel.as_mut_slice(), rng);
        let shape = Self::RECURRENT_SHAPE;
        let values = layer.recurrent_kernel.as_mut_slice();
        fill_checked(recurrent, "recurrent kernel", &shape, values, rng);
        layer
    }

    /// One step: reads `x` (one step's `F` features), moves `state` (a GRU's state is its last
    /// output, zeros before the first step) on and returns the new output. Allocates nothing.
    pub fn step(&self, state: &mut SVector<T, U>, x: &SVector<T, F>) -> SVector<T, U> {
        self.advance(state, SVectorView::from_slice(x.as_slice()));
        *state
    }

    fn advance(&self, h: &mut SVector<T, U>, x: SVectorView<'_, T, F>) {
        let bias = self.bias.as_slice();
        let mut from_x: SVector<T, G> = SVector::from_column_slice(&bias[..G]);
        from_x.gemv(T::one(), &self.kernel, &x, T::one());
        let mut from_h: SVector<T, G> = SVector::from_column_slice(&bias[G..]);
        from_h.gemv(T::one(), &self.recurrent_kernel, &*h, T::one());
        for u in 0..U {
            let z = sigmoid(from_x[u] + from_h[u]);
            let r = sigmoid(from_x[U + u] + from_h[U + u]);
            let candidate = (from_x[2 * U + u] + r * from_h[2 * U + u]).tanh();
            h[u] = z * h[u] + (T::one() - z) * candidate;
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
> Params<T> for Gru<T, I, O, F, U, G, SEQUENCES, S>
{
    const KIND: &'static str = nn_keras::class::GRU;
    const PARAMS: usize = G * F + G * U + 2 * G;

    fn zeroed(&self) -> Self {
        Self {
            trainable: self.trainable,
            ..Self::zeros()
        }
    }

    fn params(&self) -> impl Iterator<Item = ParamRef<'_, T>> {
        let trainable = self.trainable;
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
            rules: Rules::NONE,
        })
    }

    fn params_mut(&mut self) -> impl Iterator<Item = ParamMut<'_, T>> {
        let trainable = self.trainable;
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
            rules: Rules::NONE,
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
> Layer<T, I, O> for Gru<T, I, O, F, U, G, SEQUENCES, S>
{
    fn forward(&self, x: &SVector<T, I>) -> SVector<T, O> {
        let mut h = SVector::<T, U>::zeros();
        let mut y = SVector::<T, O>::zeros();
        for (t, step) in x.as_slice().chunks_exact(F).enumerate() {
            self.advance(&mut h, SVectorView::from_slice(step));
            if SEQUENCES {
                y.as_mut_slice()[t * U..(t + 1) * U].copy_from_slice(h.as_slice());
            }
        }
        if !SEQUENCES {
            y.as_mut_slice().copy_from_slice(h.as_slice());
        }
        y
    }

    #[cfg(feature = "std")]
    fn forward_batch(&self, x: &Batch<T, I>, y: &mut Batch<T, O>) {
        let mut cache = GruCache::default();
        self.run(x, y, &mut cache);
    }
}

/// What a [`Gru`] layer's training pass keeps, step by step (column `s · STEPS + t` is sample
/// `s`'s step `t`).
#[cfg(feature = "std")]
#[derive(Clone, Debug, Default)]
pub struct GruCache<T: Float> {
    /// `[z, r, ĥ]` after their activations (`3U` values a step).
    pub gates: Vec<T>,
    /// The recurrent part of the candidate, `R_h h + b_h` (`U` values a step).
    pub recurrent_candidate: Vec<T>,
    /// The output before each step (zeros before the first).
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
> Gru<T, I, O, F, U, G, SEQUENCES, S>
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
    fn run(&self, x: &Batch<T, I>, y: &mut Batch<T, O>, cache: &mut GruCache<T>) {
        let (n, steps) = (x.ncols(), Self::STEPS);
        let (columns, shape) = (n * steps, self.shape(n));
        cache.gates.resize(G * columns, T::zero());
        cache.recurrent_candidate.resize(U * columns, T::zero());
        cache.previous.resize(U * columns, T::zero());
        cache.outputs.resize(U * columns, T::zero());
        let bias = self.bias.as_slice();
        let (input_bias, recurrent_bias) = bias.split_at(G);
        shape.input_products(
            self.kernel.as_slice(),
            input_bias,
            x.as_slice(),
            &mut cache.gates,
        );
        let mut recurrent = vec![T::zero(); G * n];
        for t in 0..steps {
            if t > 0 {
                let rk = self.recurrent_kernel.as_slice();
                shape.recurrent_product(rk, &cache.outputs, t - 1, &mut recurrent);
            } else {
                recurrent.fill(T::zero());
            }
            for s in 0..n {
                let col = s * steps + t;
                let from_h = &recurrent[s * G..(s + 1) * G];
                let gates = &mut cache.gates[col * G..(col + 1) * G];
                for u in 0..U {
                    let before = if t > 0 {
                        cache.outputs[(col - 1) * U + u]
                    } else {
                        T::zero()
                    };
                    let z = sigmoid(gates[u] + from_h[u] + recurrent_bias[u]);
                    let r = sigmoid(gates[U + u] + from_h[U + u] + recurrent_bias[U + u]);
                    let candidate_h = from_h[2 * U + u] + recurrent_bias[2 * U + u];
                    let candidate = (gates[2 * U + u] + r * candidate_h).tanh();
                    gates[u] = z;
                    gates[U + u] = r;
                    gates[2 * U + u] = candidate;
                    cache.recurrent_candidate[col * U + u] = candidate_h;
                    cache.previous[col * U + u] = before;
                    cache.outputs[col * U + u] = z * before + (T::one() - z) * candidate;
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
> Train<T, I, O> for Gru<T, I, O, F, U, G, SEQUENCES, S>
{
    type Cache = GruCache<T>;

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
        // ∂ of the input part and of the recurrent part of every step (they differ in the
        // candidate, whose recurrent part is gated by r), from the last step back.
        let mut dzx = vec![T::zero(); G * columns];
        let mut dzh = vec![T::zero(); G * columns];
        let mut dh_next = vec![T::zero(); U * n];
        let dy = dy.as_slice();
        for t in (0..steps).rev() {
            for s in 0..n {
                let col = s * steps + t;
                let gates = &cache.gates[col * G..(col + 1) * G];
                for u in 0..U {
                    let from_output = if SEQUENCES {
                        dy[col * U + u]
                    } else if t == steps - 1 {
                        dy[s * U + u]
                    } else {
                        T::zero()
                    };
                    let dh = from_output + dh_next[s * U + u];
                    let (z, r, candidate) = (gates[u], gates[U + u], gates[2 * U + u]);
                    let before = cache.previous[col * U + u];
                    let dz = dh * (before - candidate) * z * (T::one() - z);
                    let dcandidate = dh * (T::one() - z) * (T::one() - candidate * candidate);
                    let dr =
                        dcandidate * cache.recurrent_candidate[col * U + u] * r * (T::one() - r);
                    let (x_part, h_part) = (
                        &mut dzx[col * G..(col + 1) * G],
                        &mut dzh[col * G..(col + 1) * G],
                    );
                    x_part[u] = dz;
                    x_part[U + u] = dr;
                    x_part[2 * U + u] = dcandidate;
                    h_part[u] = dz;
                    h_part[U + u] = dr;
                    h_part[2 * U + u] = dcandidate * r;
                    // The direct path to the previous output; Rᵀ ∂z_h is added below.
                    dh_next[s * U + u] = dh * z;
                }
            }
            if t > 0 {
                let mut through = vec![T::zero(); U * n];
                let rk = self.recurrent_kernel.as_slice();
                shape.recurrent_gradient(rk, &dzh, t, &mut through);
                for (d, v) in dh_next.iter_mut().zip(through) {
                    *d += v;
                }
            }
        }
        if self.trainable {
            shape.weight_gradient(&dzx, x.as_slice(), F, grad.kernel.as_mut_slice());
            let dr = grad.recurrent_kernel.as_mut_slice();
            shape.weight_gradient(&dzh, &cache.previous, U, dr);
            let (db_x, db_h) = grad.bias.as_mut_slice().split_at_mut(G);
            shape.column_sums(&dzx, db_x);
            shape.column_sums(&dzh, db_h);
        } else {
            grad.kernel.fill(T::zero());
            grad.recurrent_kernel.fill(T::zero());
            grad.bias.fill(T::zero());
        }
        if let Some(dx) = dx {
            resize_batch(dx, n);
            shape.input_gradient(self.kernel.as_slice(), &dzx, dx.as_mut_slice());
        }
    }
}
