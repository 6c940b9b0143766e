//! `Dense`: a fully connected layer, `y = activation(W x + b)`.

use super::affine::{Affine, Geometry, Layout, Shape, delegate};
use crate::Float;
use crate::activations::{Activation, Linear};
use crate::layer::{Layer, Params, Stream, stream_as_forward};
use crate::storage::{Inline, Storage};

#[cfg(feature = "std")]
mod batch;
#[cfg(feature = "std")]
pub(super) mod train;

/// A fully connected layer from `I` inputs to `O` units: `y = activation(W x + b)`.
///
/// - `kernel` is `W`, an `O × I` nalgebra matrix. Column-major, its memory is exactly Keras's
///   kernel of shape `(I, O)` in row-major order, so weights move between the two unchanged.
/// - `bias` is `b`, `O × 1`; it stays zero and is not a parameter when `BIAS` is `false`
///   (Keras's `use_bias=False`).
/// - `S` says where the weights live ([`Inline`] or [`Heap`](crate::Heap)); `network!` picks it.
///
/// Input: `I` values per sample. Output: `O` values per sample. Parameters: `I·O + O`
/// (`I·O` without bias). The fields (reached through `Deref`: `layer.kernel`, `layer.trainable`)
/// and the math are the weight part [`Affine`] that Dense shares with
/// [`Conv2D`](crate::Conv2D); a Dense layer's columns are its samples.
///
/// ```
/// use nn_core::{Dense, Layer, Params, Relu, Ones, Zeros};
/// use nalgebra::SVector;
///
/// let mut rng = rand::rngs::StdRng::seed_from_u64(0);
/// # use rand::SeedableRng;
/// let layer: Dense<f64, 2, 3, Relu> = Dense::init(Relu, &Ones, &Zeros, &mut rng);
/// let y = layer.forward(&SVector::<f64, 2>::new(1.0, -3.0));
/// assert_eq!(y, SVector::<f64, 3>::zeros()); // relu(1 - 3) = 0 for every unit
/// assert_eq!(<Dense<f64, 2, 3, Relu> as Params<f64>>::PARAMS, 9);
/// ```
#[derive(Clone, Debug)]
pub struct Dense<
    T: Float,
    const I: usize,
    const O: usize,
    A = Linear,
    S: Storage = Inline,
    const BIAS: bool = true,
> {
    /// The weight part (also reached through `Deref`: `layer.kernel`).
    pub weights: Affine<T, O, I, A, S, BIAS, FullyConnected>,
}

impl<T: Float, const I: usize, const O: usize, A, S: Storage, const BIAS: bool> core::ops::Deref
    for Dense<T, I, O, A, S, BIAS>
{
    type Target = Affine<T, O, I, A, S, BIAS, FullyConnected>;

    /// The weight part: `layer.kernel`, `layer.bias`, `layer.trainable`, ...
    fn deref(&self) -> &Self::Target {
        &self.weights
    }
}

impl<T: Float, const I: usize, const O: usize, A, S: Storage, const BIAS: bool> core::ops::DerefMut
    for Dense<T, I, O, A, S, BIAS>
{
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.weights
    }
}

impl<T: Float, const I: usize, const O: usize, A, S: Storage, const BIAS: bool> Params<T>
    for Dense<T, I, O, A, S, BIAS>
where
    A: Clone + core::fmt::Debug,
{
    delegate!(Params, Affine<T, O, I, A, S, BIAS, FullyConnected>);
}

impl<T: Float, const I: usize, const O: usize, A: Activation, S: Storage, const BIAS: bool>
    Layer<T, I, O> for Dense<T, I, O, A, S, BIAS>
{
    delegate!(Layer, Affine<T, O, I, A, S, BIAS, FullyConnected>, I, O);
}

impl<T: Float, const I: usize, const O: usize, A: Activation, S: Storage, const BIAS: bool>
    Stream<T, I, O> for Dense<T, I, O, A, S, BIAS>
{
    stream_as_forward!(I, O);
}

/// The [`Geometry`] of [`Dense`]: each sample is one column of the kernel product.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FullyConnected;

impl<T: Float, const I: usize, const O: usize, A, S: Storage, const BIAS: bool>
    Dense<T, I, O, A, S, BIAS>
{
    /// A layer with every weight zero.
    pub fn zeros(activation: A) -> Self {
        Self {
            weights: Affine::with_geometry(FullyConnected, activation),
        }
    }
}

impl<T: Float, const I: usize, const O: usize, A, const BIAS: bool>
    Dense<T, I, O, A, Inline, BIAS>
{
    /// A layer with these weights, in Keras's layout: `kernel[i][o]` is the kernel of shape
    /// `(I, O)`, `bias[0]` the bias (zeros without bias). A `const fn`, so that a network with
    /// weights built into the program (`#[safetensors("file", embed)]`) is a constant.
    ///
    /// ```
    /// use nn_core::{Dense, Layer, Relu};
    /// use nalgebra::SVector;
    ///
    /// const LAYER: Dense<f32, 2, 1, Relu> = Dense::from_arrays([[1.0], [-1.0]], [[0.5]], Relu);
    /// assert_eq!(LAYER.forward(&SVector::<f32, 2>::new(3.0, 1.0))[0], 2.5);
    /// ```
    pub const fn from_arrays(kernel: [[T; O]; I], bias: [[T; O]; 1], activation: A) -> Self {
        Self {
            weights: Affine::from_arrays(FullyConnected, kernel, bias, activation),
        }
    }
}

impl Layout for FullyConnected {
    const CLASS: &'static str = nn_keras::class::DENSE;

    /// `(inputs, units)`.
    fn kernel_shape<const U: usize, const K: usize>(&self) -> &[usize] {
        &Shape::<K, U>::MATRIX
    }
}

/// Whether `units` sums of `T` are kept in an array of their own, which the compiler holds in
/// vector registers: on a processor with them (x86-64, AArch64), for up to 256 bytes (4
/// AVX-512 or 8 AVX registers, half of AArch64's). Summed in the output instead, each column's
/// sums wait for the last column's to be stored and loaded back: the 32-64-10 network's
/// `predict` took 1.9× a hand-written loop's time on an AMD EPYC (Zen 5), the sine model's
/// 4.8×. In registers they take no stack (`Layer::SCRATCH`); a spill is in the frame's
/// allowance.
const fn sums_in_registers<T>(units: usize) -> bool {
    cfg!(any(target_arch = "x86_64", target_arch = "aarch64"))
        && units * core::mem::size_of::<T>() <= 256
}

/// `z += Σᵢ xᵢ · W[:, i]` for `W` of `O` rows stored by columns (each contiguous, so the inner
/// loop is a fixed-length, vectorizable axpy), summed in [`sums_in_registers`] where they fit;
/// in the same order either way.
#[inline(always)]
pub(crate) fn add_columns<T: Float, const O: usize>(kernel: &[T], x: &[T], z: &mut [T; O]) {
    let columns = kernel.as_chunks::<O>().0;
    if sums_in_registers::<T>(O) {
        let mut sums = *z;
        for (&xi, column) in x.iter().zip(columns) {
            for (s, &w) in sums.iter_mut().zip(column) {
                *s += w * xi;
            }
        }
        *z = sums;
        return;
    }
    for (&xi, column) in x.iter().zip(columns) {
        for (zo, &w) in z.iter_mut().zip(column) {
            *zo += w * xi;
        }
    }
}

impl<const I: usize, const O: usize> Geometry<I, O, O, I> for FullyConnected {
    fn positions(&self) -> usize {
        1
    }

    #[inline(always)]
    fn forward_one<T: Float>(&self, kernel: &[T], x: &[T], z: &mut [T]) {
        let Some(z) = z.first_chunk_mut::<O>() else {
            unreachable!("a dense layer writes its `O` outputs")
        };
        add_columns(kernel, x, z);
    }

    #[cfg(feature = "std")]
    fn by_samples<T: Float>(&self, isa: crate::simd::Isa) -> bool {
        batch::applies::<T, I, O>(isa)
    }

    #[cfg(feature = "std")]
    fn forward_samples<T: Float>(
        &self,
        isa: crate::simd::Isa,
        kernel: &[T],
        bias: Option<&[T]>,
        x: &[T],
        z: &mut [T],
    ) {
        batch::forward::<T, I, O>(isa, kernel, bias, x, z);
    }

    #[cfg(feature = "std")]
    fn unfold<'a, T: Float>(&self, x: &'a [T], _n: usize, _buffer: &'a mut Vec<T>) -> &'a [T] {
        x
    }

    #[cfg(feature = "std")]
    fn unfolded<'a, T: Float>(&self, x: &'a [T], _buffer: &'a [T]) -> &'a [T] {
        x
    }

    #[cfg(feature = "std")]
    fn input_gradient<T: Float>(&self, kernel: &[T], dz: &[T], n: usize, dx: &mut [T]) {
        // ∂x = Wᵀ · ∂z, with Wᵀ a strided view of W.
        let wt = crate::linalg::Strided::transposed(kernel, O, I);
        crate::linalg::gemm(
            T::one(),
            wt,
            crate::linalg::Strided::col_major(dz, O, n),
            T::zero(),
            dx,
        );
    }
}
