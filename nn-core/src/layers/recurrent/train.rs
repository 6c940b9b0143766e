//! Training a [`Recurrent`] layer: its initialization, the batched pass with what it keeps,
//! and backpropagation through time (std only).

use rand::Rng;

use super::{Cell, Recurrent};
use crate::Float;
use crate::init::{GlorotUniform, Initializer, Orthogonal, fill_checked};
use crate::layer::{Batch, Train, resize_batch};
use crate::linalg::{Strided, gemm, gemm_serial};
use crate::parallel::items;
use crate::setting::read;
use crate::simd::Isa;
use crate::storage::Storage;

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
    /// A layer with Keras's initial values, drawn from `rng`.
    pub fn new<R: Rng + ?Sized>(rng: &mut R) -> Self {
        Self::init(&GlorotUniform, &Orthogonal::default(), rng)
    }

    /// A layer whose kernel and recurrent kernel are drawn from these initializers (in Keras's
    /// shapes), with the cell's initial bias.
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
        C::initial_bias(layer.bias.as_mut_slice());
        layer
    }
}

/// What a [`Recurrent`] layer's training pass keeps, step by step (column `s · STEPS + t` is
/// sample `s`'s step `t`).
#[derive(Clone, Debug, Default)]
pub struct RecurrentCache<T: Float> {
    /// What the cell keeps of its gates (`G` values a step).
    pub gates: Vec<T>,
    /// The carried state after each step (`U` values a step).
    pub carry: Vec<T>,
    /// The output after each step.
    pub outputs: Vec<T>,
    /// With `go_backwards`, the batch's inputs with each sample's steps reversed.
    pub reversed: Vec<T>,
    /// The backward pass's buffers, kept for the next batch.
    scratch: crate::parallel::Scratch<T>,
}

/// Each sample's `steps` steps of `width` values of `x`, last step first, into `out`.
fn reverse_steps<T: Float>(x: &[T], width: usize, steps: usize, out: &mut Vec<T>) {
    out.clear();
    for sample in x.chunks_exact(width * steps) {
        for step in sample.chunks_exact(width).rev() {
            out.extend_from_slice(step);
        }
    }
}

/// Reverses the order of each sample's `steps` steps of `width` values, in place.
fn reverse_steps_in_place<T: Float>(values: &mut [T], width: usize, steps: usize) {
    for sample in values.chunks_exact_mut(width * steps) {
        for t in 0..steps / 2 {
            let (front, back) = sample.split_at_mut((steps - 1 - t) * width);
            front[t * width..(t + 1) * width].swap_with_slice(&mut back[..width]);
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

    /// Into how many parts to split a batch's `n` samples: each part runs its samples through
    /// every step (the recurrent products and the cells), so that the threads meet once a
    /// pass rather than at every step.
    fn sequence_parts(n: usize) -> usize {
        let per_sample = Self::STEPS * (G * U + 4 * G);
        crate::parallel::parts(n, 1, per_sample, crate::parallel::MIN_ELEMENTWISE)
    }

    /// The batch pass, the samples split across the threads allowed: each part computes the
    /// input products of every step of its samples in one GEMM, then takes them through the
    /// steps, the recurrent product and the cell at each.
    pub(crate) fn run(&self, x: &Batch<T, I>, y: &mut Batch<T, O>, cache: &mut RecurrentCache<T>) {
        let (n, steps) = (x.ncols(), Self::STEPS);
        let columns = n * steps;
        cache.gates.resize(G * columns, T::zero());
        cache.carry.resize(U * columns, T::zero());
        cache.outputs.resize(U * columns, T::zero());
        let bias = self.bias.as_slice();
        let kernel = self.kernel.as_slice();
        let input = if BACKWARDS {
            reverse_steps(x.as_slice(), F, steps, &mut cache.reversed);
            &cache.reversed[..]
        } else {
            x.as_slice()
        };
        let parts = Self::sequence_parts(n);
        let isa = Isa::current();
        // A sample's columns (`s · STEPS ..`) are its own: the parts take those of their samples.
        let columns_of = (
            items(&mut cache.gates, G * steps),
            items(&mut cache.outputs, U * steps),
            items(&mut cache.carry, U * steps),
        );
        crate::parallel::split(
            columns_of,
            n,
            1,
            parts,
            |samples, (gates, outputs, carry)| {
                let (first, m) = (samples.start * steps, samples.len() * steps);
                // The input products of every step of the part's samples in one GEMM, on this
                // thread (the part's columns are contiguous): each thread then reads its own gates,
                // which two threads train 9% faster with than after one GEMM over the whole batch.
                let x = &input[first * F..(first + m) * F];
                let shape = self.shape(samples.len());
                shape.input_products(isa, kernel, &bias[..G], x, gates);
                self.run_part(isa, samples.len(), gates, outputs, carry);
            },
        );
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

    /// [`run`](Self::run)'s steps for `n` samples on one thread: `gates`, `outputs` and
    /// `carry` are their columns (`G`, `U` and `U` values each), the gates holding the input
    /// products.
    fn run_part(&self, isa: Isa, n: usize, gates: &mut [T], outputs: &mut [T], carry: &mut [T]) {
        let steps = Self::STEPS;
        let (shape, rk) = (self.shape(n), self.recurrent_kernel.as_slice());
        let recurrent_bias = &self.bias.as_slice()[G..];
        let zeros = [T::zero(); U];
        let mut recurrent = vec![T::zero(); G * n];
        for t in 0..steps {
            if t > 0 {
                shape.recurrent_product(isa, rk, outputs, t - 1, &mut recurrent);
            }
            // Zeros before the first step, plus the recurrent bias, if any.
            if B == 2 {
                for column in recurrent.chunks_exact_mut(G) {
                    for (r, &b) in column.iter_mut().zip(recurrent_bias) {
                        *r += b;
                    }
                }
            }
            isa.run(
                #[inline(always)]
                || {
                    for s in 0..n {
                        let col = s * steps + t;
                        let (done, rest) = outputs.split_at_mut(col * U);
                        let (c_done, c_rest) = carry.split_at_mut(col * U);
                        let before = if t > 0 {
                            (&done[(col - 1) * U..], &c_done[(col - 1) * U..])
                        } else {
                            (&zeros[..], &zeros[..])
                        };
                        C::forward(
                            &mut gates[col * G..(col + 1) * G],
                            &recurrent[s * G..(s + 1) * G],
                            before,
                            &mut rest[..U],
                            &mut c_rest[..U],
                        );
                    }
                },
            );
        }
    }

    /// [`backward`](Train::backward)'s steps, from the last back, for `n` samples on one
    /// thread: `gates`, `carry` and `outputs` are what the forward pass kept of their columns,
    /// `dy` their output gradients (every step's, or the last's), `dzx` and `dzh` (empty
    /// unless the cell keeps them apart) receive the gates' gradients.
    fn backward_part(
        &self,
        isa: Isa,
        n: usize,
        (gates, carry, outputs): (&[T], &[T], &[T]),
        dy: &[T],
        (dzx, dzh): (&mut [T], &mut [T]),
    ) {
        let steps = Self::STEPS;
        let (shape, rk) = (self.shape(n), self.recurrent_kernel.as_slice());
        let zeros = [T::zero(); U];
        // ∂h and ∂carry carried to the step before, and the product with R.
        let mut dh_next = vec![T::zero(); U * n];
        let mut dcarry = vec![T::zero(); U * n];
        let mut through = vec![T::zero(); U * n];
        for t in (0..steps).rev() {
            isa.run(
                #[inline(always)]
                || {
                    let mut dh = [T::zero(); U];
                    for s in 0..n {
                        let col = s * steps + t;
                        let dh_next = &mut dh_next[s * U..(s + 1) * U];
                        for u in 0..U {
                            let from_output = if SEQUENCES {
                                dy[col * U + u]
                            } else if t == steps - 1 {
                                dy[s * U + u]
                            } else {
                                T::zero()
                            };
                            dh[u] = from_output + dh_next[u];
                        }
                        let before = if t > 0 {
                            let at = (col - 1) * U..col * U;
                            (&outputs[at.clone()], &carry[at])
                        } else {
                            (&zeros[..], &zeros[..])
                        };
                        let at = col * U..(col + 1) * U;
                        let dr: &mut [T] = if C::SEPARATE_RECURRENT_GRADIENT {
                            &mut dzh[col * G..(col + 1) * G]
                        } else {
                            &mut []
                        };
                        C::backward(
                            &gates[col * G..(col + 1) * G],
                            &carry[at.clone()],
                            before,
                            &outputs[at],
                            &dh,
                            &mut dcarry[s * U..(s + 1) * U],
                            (&mut dzx[col * G..(col + 1) * G], dr),
                            dh_next,
                        );
                    }
                },
            );
            if t > 0 {
                let dz = if C::SEPARATE_RECURRENT_GRADIENT {
                    &*dzh
                } else {
                    &*dzx
                };
                shape.recurrent_gradient(isa, rk, dz, t, &mut through);
                for (d, &v) in dh_next.iter_mut().zip(&through) {
                    *d += v;
                }
            }
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
> Train<T, I, O> for Recurrent<T, I, O, F, U, G, B, SEQUENCES, C, S, BACKWARDS>
{
    type Cache = RecurrentCache<T>;

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
        grad: &mut Self,
        dx: Option<&mut Batch<T, I>>,
    ) {
        let (n, steps) = (x.ncols(), Self::STEPS);
        let (columns, shape) = (n * steps, self.shape(n));
        // The gradients of the input part and of the recurrent part of every step's gates
        // (apart only where a cell gates its recurrent part), and the outputs before each step
        // (for ∂R), in buffers kept from one batch to the next.
        let mut scratch = cache.scratch.take();
        let separate = if C::SEPARATE_RECURRENT_GRADIENT { G } else { 0 };
        scratch.resize((G + separate + U) * columns, T::zero());
        let (dzx, rest) = scratch.split_at_mut(G * columns);
        let (dzh, previous) = rest.split_at_mut(separate * columns);
        let parts = Self::sequence_parts(n);
        let isa = Isa::current();
        let dy = dy.as_slice();
        // A sample's columns are its own: the parts take those of their samples.
        let columns_of = (items(dzx, G * steps), items(dzh, separate * steps));
        crate::parallel::split(columns_of, n, 1, parts, |samples, (dzx, dzh)| {
            let (first, m) = (samples.start * steps, samples.len() * steps);
            let (at, end) = (first * U, (first + m) * U);
            let cached = (
                &cache.gates[first * G..(first + m) * G],
                &cache.carry[at..end],
                &cache.outputs[at..end],
            );
            let dy = if SEQUENCES {
                &dy[at..end]
            } else {
                &dy[samples.start * U..samples.end * U]
            };
            self.backward_part(isa, samples.len(), cached, dy, (dzx, dzh));
        });
        let dzh: &[T] = if C::SEPARATE_RECURRENT_GRADIENT {
            dzh
        } else {
            dzx
        };
        if read(self.trainable) {
            let input = if BACKWARDS {
                &cache.reversed[..]
            } else {
                x.as_slice()
            };
            shape.weight_gradient_transposed(dzx, input, F, grad.kernel.as_mut_slice());
            // ∂R from the output before each step: zero at the first, so step t's ∂z_h pairs
            // with the output of step t − 1.
            for s in 0..n {
                let first = s * steps;
                let (to, from) = (first + 1..first + steps, first..first + steps - 1);
                previous[first * U..to.start * U].fill(T::zero());
                previous[to.start * U..to.end * U]
                    .copy_from_slice(&cache.outputs[from.start * U..from.end * U]);
            }
            let dr = grad.recurrent_kernel.as_mut_slice();
            shape.weight_gradient(dzh, previous, U, dr);
            let db = grad.bias.as_mut_slice();
            shape.column_sums(dzx, &mut db[..G]);
            if B == 2 {
                shape.column_sums(dzh, &mut db[G..]);
            }
        } else {
            grad.kernel.fill(T::zero());
            grad.recurrent_kernel.fill(T::zero());
            grad.bias.fill(T::zero());
        }
        if let Some(dx) = dx {
            resize_batch(dx, n);
            shape.input_gradient(self.kernel.as_slice(), dzx, dx.as_mut_slice());
            if BACKWARDS {
                reverse_steps_in_place(dx.as_mut_slice(), F, steps);
            }
        }
        cache.scratch.put(scratch);
    }
}

/// The shapes of one batch: `g` gate values a step, `u` units, `f` features, `steps` and `n`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Shape {
    pub(crate) g: usize,
    pub(crate) u: usize,
    pub(crate) f: usize,
    pub(crate) steps: usize,
    pub(crate) n: usize,
}

impl Shape {
    /// Columns of every step of every sample.
    pub(crate) fn columns(&self) -> usize {
        self.steps * self.n
    }

    /// `out = W · X + b` for every step of every sample (`kernel` `g × f`, `bias` `g`), in one
    /// GEMM on the calling thread with instruction set `isa`.
    pub(crate) fn input_products<T: Float>(
        &self,
        isa: Isa,
        kernel: &[T],
        bias: &[T],
        x: &[T],
        out: &mut [T],
    ) {
        for column in out.chunks_exact_mut(self.g) {
            column.copy_from_slice(bias);
        }
        let (w, x) = (
            Strided::col_major(kernel, self.g, self.f),
            Strided::col_major(x, self.f, self.columns()),
        );
        gemm_serial(isa, T::one(), w, x, T::one(), out);
    }

    /// Step `t` of every sample in `values` (`rows` values a column): every `STEPS`-th column,
    /// as a `rows × n` matrix, without a copy.
    fn step<'a, T>(&self, values: &'a [T], rows: usize, t: usize) -> Strided<'a, T> {
        Strided {
            // An empty batch has no values, and no step `t` to start at: then no columns.
            data: values.get(t * rows..).unwrap_or(&[]),
            rows,
            cols: self.n,
            rs: 1,
            cs: self.steps * rows,
        }
    }

    /// `out = R · h` (`g × n`) for every sample, `h` being step `t`'s columns of `outputs`
    /// (`u` values each).
    pub(crate) fn recurrent_product<T: Float>(
        &self,
        isa: Isa,
        recurrent: &[T],
        outputs: &[T],
        t: usize,
        out: &mut [T],
    ) {
        gemm_serial(
            isa,
            T::one(),
            Strided::col_major(recurrent, self.g, self.u),
            self.step(outputs, self.u, t),
            T::zero(),
            out,
        );
    }

    /// `out = Rᵀ · ∂z` (`u × n`) for every sample, `∂z` being step `t`'s columns of `dz`.
    pub(crate) fn recurrent_gradient<T: Float>(
        &self,
        isa: Isa,
        recurrent: &[T],
        dz: &[T],
        t: usize,
        out: &mut [T],
    ) {
        gemm_serial(
            isa,
            T::one(),
            Strided::transposed(recurrent, self.g, self.u),
            self.step(dz, self.g, t),
            T::zero(),
            out,
        );
    }

    /// `out = ∂Z · Aᵀ` over every step of every sample (`a` has `rows` values a column): a
    /// kernel's gradient from its input (`X`, or the outputs before each step).
    pub(crate) fn weight_gradient<T: Float>(&self, dz: &[T], a: &[T], rows: usize, out: &mut [T]) {
        gemm(
            T::one(),
            Strided::col_major(dz, self.g, self.columns()),
            Strided::transposed(a, rows, self.columns()),
            T::zero(),
            out,
        );
    }

    /// [`weight_gradient`](Shape::weight_gradient) computed as `(A · ∂Zᵀ)ᵀ`: the product
    /// then has `g` columns to split across threads rather than `rows` (the kernel gradient of
    /// the benchmark's LSTM, 28 columns, ran on one thread). Each value is the same sum, taken
    /// in the same order, so the bits are those of `weight_gradient`.
    pub(crate) fn weight_gradient_transposed<T: Float>(
        &self,
        dz: &[T],
        a: &[T],
        rows: usize,
        out: &mut [T],
    ) {
        let mut transposed = vec![T::zero(); rows * self.g];
        gemm(
            T::one(),
            Strided::col_major(a, rows, self.columns()),
            Strided::transposed(dz, self.g, self.columns()),
            T::zero(),
            &mut transposed,
        );
        for g in 0..self.g {
            for r in 0..rows {
                out[g + r * self.g] = transposed[r + g * rows];
            }
        }
    }

    /// `out = Wᵀ · ∂Z` over every step: the gradient of the layer's input.
    pub(crate) fn input_gradient<T: Float>(&self, kernel: &[T], dz: &[T], out: &mut [T]) {
        gemm(
            T::one(),
            Strided::transposed(kernel, self.g, self.f),
            Strided::col_major(dz, self.g, self.columns()),
            T::zero(),
            out,
        );
    }

    /// `out = Σ` of every column of `dz` (a bias's gradient).
    pub(crate) fn column_sums<T: Float>(&self, dz: &[T], out: &mut [T]) {
        out.fill(T::zero());
        for column in dz.chunks_exact(self.g) {
            for (sum, &g) in out.iter_mut().zip(column) {
                *sum += g;
            }
        }
    }
}
