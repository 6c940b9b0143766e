//! `SimpleRNN`: a fully connected recurrent layer over a sequence, with Keras's layouts.

use nalgebra::{ArrayStorage, Matrix, SVector, SVectorView};
#[cfg(feature = "std")]
use rand::Rng;

#[cfg(feature = "std")]
use super::recurrent::Shape;
use crate::Float;
#[cfg(feature = "std")]
use crate::init::{GlorotUniform, Initializer, Orthogonal, fill_checked};
#[cfg(feature = "std")]
use crate::layer::{Batch, Train, resize_batch};
use crate::layer::{Layer, ParamMut, ParamRef, Params, Rules};
use crate::storage::{Inline, Storage, Weights};

/// Keras's `SimpleRNN` with its defaults (`activation` tanh, no dropout): a sequence of
/// `STEPS = I / F` steps of `F` features is read step by step into `U` units of state,
/// `h ← tanh(W x + R h + b)` (`h` zeros before the first step).
///
/// The output is the last step's `h` (`O = U`), or with `SEQUENCES` every step's (`O = STEPS ·
/// U`). Weights in Keras's layouts: `kernel` `(F, U)`, `recurrent_kernel` `(U, U)`, `bias`
/// `(U,)`; `G = U` (one block of gates, for the shapes the recurrent layers share). Initial
/// values as Keras: Glorot-uniform kernel, orthogonal recurrent kernel, zero bias.
///
/// [`step`](SimpleRnn::step) feeds one step at a time with the state kept by the caller; it
/// allocates nothing.
///
/// ```
/// use nalgebra::SVector;
/// use nn_core::{Layer, SimpleRnn};
/// use rand::SeedableRng;
///
/// let rnn = SimpleRnn::<f32, 15, 4, 3, 4, 4, false>::new(&mut rand::rngs::StdRng::seed_from_u64(0));
/// let x = SVector::<f32, 15>::from_fn(|i, _| (i as f32 * 0.3).sin());
/// let (mut state, mut h) = (SVector::zeros(), SVector::zeros());
/// for step in x.as_slice().chunks_exact(3) {
///     h = rnn.step(&mut state, &SVector::<f32, 3>::from_column_slice(step));
/// }
/// assert!((rnn.forward(&x) - h).amax() < 1e-6);
/// ```
#[derive(Clone, Debug)]
pub struct SimpleRnn<
    T: Float,
    const I: usize,
    const O: usize,
    const F: usize,
    const U: usize,
    const G: usize,
    const SEQUENCES: bool,
    S: Storage = Inline,
> {
    /// `W`, Keras's `(F, U)` kernel, stored as the `U × F` matrix it multiplies a step with.
    pub kernel: Weights<T, G, F, S>,
    /// `R`, Keras's `(U, U)` recurrent kernel, stored transposed as it multiplies `h`.
    pub recurrent_kernel: Weights<T, G, U, S>,
    /// `b`, the `U` biases.
    pub bias: Weights<T, G, 1, S>,
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
> SimpleRnn<T, I, O, F, U, G, SEQUENCES, Inline>
{
    /// A layer with these weights, in Keras's layouts (`kernel[f]` is row `f` of Keras's
    /// `(F, U)` kernel, and so on; the bias is `[0]` of its one row); a `const fn`, for networks
    /// with weights built into the program.
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
> SimpleRnn<T, I, O, F, U, G, SEQUENCES, S>
{
    /// The number of steps.
    pub const STEPS: usize = I / F;

    /// The sizes, checked when a layer is made.
    const SIZES: () = {
        assert!(F > 0 && U > 0, "a SimpleRNN needs features and units");
        assert!(G == U, "G is U: one block");
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
    /// shapes), with a zero bias.
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

    /// One step: reads `x` (one step's `F` features), moves `state` (its last output, zeros
    /// before the first step) on and returns the new output. Allocates nothing.
    pub fn step(&self, state: &mut SVector<T, U>, x: &SVector<T, F>) -> SVector<T, U> {
        self.advance(state, SVectorView::from_slice(x.as_slice()));
        *state
    }

    fn advance(&self, h: &mut SVector<T, U>, x: SVectorView<'_, T, F>) {
        let mut z: SVector<T, G> = SVector::from_column_slice(self.bias.as_slice());
        z.gemv(T::one(), &self.kernel, &x, T::one());
        z.gemv(T::one(), &self.recurrent_kernel, &*h, T::one());
        for u in 0..U {
            h[u] = z[u].tanh();
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
> Params<T> for SimpleRnn<T, I, O, F, U, G, SEQUENCES, S>
{
    const KIND: &'static str = nn_keras::class::SIMPLE_RNN;
    const PARAMS: usize = G * F + G * U + G;

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
> Layer<T, I, O> for SimpleRnn<T, I, O, F, U, G, SEQUENCES, S>
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
        let mut cache = SimpleRnnCache::default();
        self.run(x, y, &mut cache);
    }
}

/// What a [`SimpleRnn`] layer's training pass keeps, step by step (column `s · STEPS + t` is
/// sample `s`'s step `t`).
#[cfg(feature = "std")]
#[derive(Clone, Debug, Default)]
pub struct SimpleRnnCache<T: Float> {
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
> SimpleRnn<T, I, O, F, U, G, SEQUENCES, S>
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
    fn run(&self, x: &Batch<T, I>, y: &mut Batch<T, O>, cache: &mut SimpleRnnCache<T>) {
        let (n, steps) = (x.ncols(), Self::STEPS);
        let (columns, shape) = (n * steps, self.shape(n));
        cache.previous.resize(U * columns, T::zero());
        cache.outputs.resize(U * columns, T::zero());
        // W x + b for every step, into the outputs, which each step then finishes in place.
        let (kernel, bias) = (self.kernel.as_slice(), self.bias.as_slice());
        shape.input_products(kernel, bias, x.as_slice(), &mut cache.outputs);
        let mut recurrent = vec![T::zero(); G * n];
        for t in 0..steps {
            if t > 0 {
                let rk = self.recurrent_kernel.as_slice();
                shape.recurrent_product(rk, &cache.outputs, t - 1, &mut recurrent);
            }
            for s in 0..n {
                let col = s * steps + t;
                for u in 0..U {
                    let (before, from_h) = if t > 0 {
                        (cache.outputs[(col - 1) * U + u], recurrent[s * G + u])
                    } else {
                        (T::zero(), T::zero())
                    };
                    cache.previous[col * U + u] = before;
                    let z = &mut cache.outputs[col * U + u];
                    *z = (*z + from_h).tanh();
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
> Train<T, I, O> for SimpleRnn<T, I, O, F, U, G, SEQUENCES, S>
{
    type Cache = SimpleRnnCache<T>;

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
        // ∂z of every step of every sample, from the last step back.
        let mut dz = vec![T::zero(); G * columns];
        let mut dh_next = vec![T::zero(); U * n];
        let dy = dy.as_slice();
        for t in (0..steps).rev() {
            for s in 0..n {
                let col = s * steps + t;
                for u in 0..U {
                    let from_output = if SEQUENCES {
                        dy[col * U + u]
                    } else if t == steps - 1 {
                        dy[s * U + u]
                    } else {
                        T::zero()
                    };
                    let h = cache.outputs[col * U + u];
                    dz[col * G + u] = (from_output + dh_next[s * U + u]) * (T::one() - h * h);
                }
            }
            if t > 0 {
                let rk = self.recurrent_kernel.as_slice();
                shape.recurrent_gradient(rk, &dz, t, &mut dh_next);
            }
        }
        if self.trainable {
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
            shape.input_gradient(self.kernel.as_slice(), &dz, dx.as_mut_slice());
        }
    }
}
