//! The weight part shared by `Dense` and `Conv2D`: `y = activation(kernel · columns + bias)`.
//!
//! Both layers multiply a kernel with columns of their input and add a bias; they differ only in
//! what a column is. A [`Dense`](crate::Dense) layer takes each sample as one column; a
//! [`Conv2D`](crate::Conv2D) layer takes each output position's patch of the image. That
//! difference is a [`Geometry`]; everything else (the fields, initialization, the batched passes,
//! the gradients, regularizers, constraints and the parameter walk) is written once here.

use nalgebra::{ArrayStorage, Matrix, SVector};

use crate::activations::Activation;
use crate::layer::{Layer, Params, Rules, tensors};
use crate::setting::{self, Setting, read};
use crate::storage::{Inline, Storage, Weights};
use crate::{Constraint, Float, Regularizer};

/// A kernel of `U` units (Dense) or filters (Conv2D), each with `K` weights, and a bias: the
/// weight part of [`Dense`](crate::Dense) and [`Conv2D`](crate::Conv2D), which are this type with
/// their geometry `G` (an internal type: how samples become the kernel product's columns).
///
/// - `kernel` is `U × K`; its column-major memory is exactly Keras's kernel in row-major order
///   (`(inputs, units)` for Dense, `(kh, kw, channels, filters)` for Conv2D).
/// - `bias` is `U × 1`; it stays zero and is not a parameter when `BIAS` is `false` (Keras's
///   `use_bias=False`).
/// - `S` says where the weights live ([`Inline`](crate::Inline) or [`Heap`](crate::Heap));
///   `network!` picks it.
#[derive(Clone, Debug)]
pub struct Affine<T: Float, const U: usize, const K: usize, A, S: Storage, const BIAS: bool, G> {
    /// The kernel, `U × K` (Keras's kernel transposed to column-major; the same bytes).
    pub kernel: Weights<T, U, K, S>,
    /// The bias, `U × 1`; unused and zero without bias.
    pub bias: Weights<T, U, 1, S>,
    /// The activation applied to `kernel · columns + bias`.
    pub activation: A,
    /// Whether an optimizer updates this layer (Keras's `trainable`). Like every training
    /// setting below, a `bool` with `std` and nothing without ([`Setting`]).
    pub trainable: Setting<bool>,
    /// The penalty on the kernel.
    pub kernel_regularizer: Setting<Regularizer>,
    /// The penalty on the bias.
    pub bias_regularizer: Setting<Regularizer>,
    /// The penalty on the layer's outputs, divided by the batch size.
    pub activity_regularizer: Setting<Regularizer>,
    /// The projection of the kernel after each step (norms per unit for Dense; along Keras's
    /// axis 0, the kernel rows, for Conv2D, as Keras's default `axis=0` gives).
    pub kernel_constraint: Setting<Constraint>,
    /// The projection of the bias after each step.
    pub bias_constraint: Setting<Constraint>,
    pub(crate) geometry: G,
}

/// What a column is, as far as the parameters see it: the layer's Keras class and its kernel's
/// Keras shape. [`FullyConnected`](super::dense::FullyConnected) for Dense,
/// [`Patches`](super::conv::Patches) for Conv2D.
pub trait Layout: Copy + core::fmt::Debug + Send + Sync + 'static {
    /// The Keras class (`"Dense"`, `"Conv2D"`).
    const CLASS: &'static str;

    /// The Keras shape of a kernel of `U` rows of `K` weights.
    fn kernel_shape<const U: usize, const K: usize>(&self) -> &[usize];
}

/// What a layer with weights computes that depends on what a column is: a layer of `I` inputs
/// and `O` outputs whose kernel has `U` rows of `K` weights.
pub trait Geometry<const I: usize, const O: usize, const U: usize, const K: usize>: Layout {
    /// The sums [`forward_one`](Geometry::forward_one) keeps on the stack at once.
    const SUMS: usize = 0;

    /// The allowance for [`forward_one`](Geometry::forward_one)'s frame
    /// ([`Layer::FRAME`](crate::Layer::FRAME)), at least its activation's.
    const FRAME: usize = crate::frame::LEAN;

    /// Columns per sample.
    fn positions(&self) -> usize;

    /// `z += kernel · columns(x)` for one sample (`U` values per column of `z`), without heap
    /// allocation.
    fn forward_one<T: Float>(&self, kernel: &[T], x: &[T], z: &mut [T]);

    /// The columns of `n` samples `x`, `K × (n · positions)` column-major: `x` itself, or
    /// unfolded into `buffer`.
    #[cfg(feature = "std")]
    fn unfold<'a, T: Float>(&self, x: &'a [T], n: usize, buffer: &'a mut Vec<T>) -> &'a [T];

    /// The columns the last [`unfold`](Geometry::unfold) of `x` into `buffer` gave.
    #[cfg(feature = "std")]
    fn unfolded<'a, T: Float>(&self, x: &'a [T], buffer: &'a [T]) -> &'a [T];

    /// ∂x from ∂z (`U × (n · positions)`): `kernelᵀ · ∂z`, folded back into samples if needed.
    #[cfg(feature = "std")]
    fn input_gradient<T: Float>(&self, kernel: &[T], dz: &[T], n: usize, dx: &mut [T]);

    /// Whether [`forward_samples`](Geometry::forward_samples) computes a batch in `T` on the
    /// kernels of `isa`, rather than a product with the batch's columns.
    #[cfg(feature = "std")]
    fn by_samples<T: Float>(&self, isa: crate::simd::Isa) -> bool {
        let _ = isa;
        false
    }

    /// `z = bias + kernel · x` for whole samples `x` (`I` values each) into `z` (`O` each),
    /// with the kernels of `isa`, giving bit for bit what [`forward_one`](Geometry::forward_one)
    /// gives each sample. Only called where [`by_samples`](Geometry::by_samples) says so.
    #[cfg(feature = "std")]
    fn forward_samples<T: Float>(
        &self,
        isa: crate::simd::Isa,
        kernel: &[T],
        bias: Option<&[T]>,
        x: &[T],
        z: &mut [T],
    ) {
        let _ = (isa, kernel, bias, x, z);
        unreachable!("only geometries that compute whole samples are asked to")
    }
}

/// `[N]`, as a `'static` shape.
pub(crate) struct Shape<const A: usize, const B: usize>;

impl<const A: usize, const B: usize> Shape<A, B> {
    pub(crate) const VECTOR: [usize; 1] = [A];
    pub(crate) const MATRIX: [usize; 2] = [A, B];
}

impl<T: Float, const U: usize, const K: usize, A, const BIAS: bool, G>
    Affine<T, U, K, A, Inline, BIAS, G>
{
    /// A layer with these weights, column-major (`kernel[k][u]`, `bias[0][u]`), and Keras's
    /// defaults otherwise; a `const fn`, for networks built at compile time.
    pub(crate) const fn from_arrays(
        geometry: G,
        kernel: [[T; U]; K],
        bias: [[T; U]; 1],
        activation: A,
    ) -> Self {
        Self::with_weights(
            Matrix::from_array_storage(ArrayStorage(kernel)),
            Matrix::from_array_storage(ArrayStorage(bias)),
            geometry,
            activation,
        )
    }
}

impl<T: Float, const U: usize, const K: usize, A, S: Storage, const BIAS: bool, G>
    Affine<T, U, K, A, S, BIAS, G>
{
    /// A layer with these weights and Keras's defaults otherwise (trainable, no regularizers
    /// or constraints): the one place that lists them.
    const fn with_weights(
        kernel: Weights<T, U, K, S>,
        bias: Weights<T, U, 1, S>,
        geometry: G,
        activation: A,
    ) -> Self {
        Self {
            kernel,
            bias,
            activation,
            trainable: setting::default(),
            kernel_regularizer: setting::default(),
            bias_regularizer: setting::default(),
            activity_regularizer: setting::default(),
            kernel_constraint: setting::default(),
            bias_constraint: setting::default(),
            geometry,
        }
    }

    /// A layer with every weight zero and Keras's defaults (trainable, no regularizers or
    /// constraints).
    pub(crate) fn with_geometry(geometry: G, activation: A) -> Self {
        Self::with_weights(S::zeros(), S::zeros(), geometry, activation)
    }
}

impl<T: Float, const U: usize, const K: usize, A, S: Storage, const BIAS: bool, G>
    Affine<T, U, K, A, S, BIAS, G>
{
    /// The penalty and constraint of the kernel and of the bias.
    fn rules(&self) -> [Rules; 2]
    where
        G: Layout,
    {
        // Keras's constraints take norms along axis 0 (the inputs of a Dense kernel, the rows of
        // a Conv2D kernel): in the row-major Keras layout, values a row apart.
        let kernel = Rules {
            regularizer: read(self.kernel_regularizer),
            constraint: read(self.kernel_constraint),
            norm_stride: self.geometry.kernel_shape::<U, K>()[1..].iter().product(),
            ..Rules::NONE
        };
        // A bias's norm runs over the whole vector.
        let bias = Rules {
            regularizer: read(self.bias_regularizer),
            constraint: read(self.bias_constraint),
            ..Rules::NONE
        };
        [kernel, bias]
    }
}

impl<T: Float, const U: usize, const K: usize, A, S: Storage, const BIAS: bool, G: Copy>
    Affine<T, U, K, A, S, BIAS, G>
{
    /// The same layer ending in `activation` instead: its weights and settings copied (the
    /// int8 conversion observes a convolution's outputs before an activation that is an
    /// operator of its own this way).
    #[cfg(feature = "std")]
    pub(crate) fn with_activation<B>(&self, activation: B) -> Affine<T, U, K, B, S, BIAS, G> {
        Affine {
            kernel: self.kernel.clone(),
            bias: self.bias.clone(),
            activation,
            trainable: self.trainable,
            kernel_regularizer: self.kernel_regularizer,
            bias_regularizer: self.bias_regularizer,
            activity_regularizer: self.activity_regularizer,
            kernel_constraint: self.kernel_constraint,
            bias_constraint: self.bias_constraint,
            geometry: self.geometry,
        }
    }
}

impl<T, const U: usize, const K: usize, A, S, const BIAS: bool, G> Params<T>
    for Affine<T, U, K, A, S, BIAS, G>
where
    T: Float,
    A: Clone + core::fmt::Debug,
    S: Storage,
    G: Layout,
{
    const KIND: &'static str = G::CLASS;
    const PARAMS: usize = U * K + if BIAS { U } else { 0 };

    fn zeroed(&self) -> Self {
        Self {
            kernel: S::zeros(),
            bias: S::zeros(),
            activation: self.activation.clone(),
            ..*self
        }
    }

    tensors!(self,
        let (trainable, [kernel_rules, bias_rules]) = (read(self.trainable), self.rules());
        kernel: self.geometry.kernel_shape::<U, K>(), trainable, kernel_rules;
        bias [BIAS]: &Shape::<U, 1>::VECTOR, trainable, bias_rules;
    );
}

impl<T: Float, const U: usize, const K: usize, A: Activation, S: Storage, const BIAS: bool, G>
    Affine<T, U, K, A, S, BIAS, G>
{
    /// `y = activation(kernel · columns(x) + bias)` for one sample, written into `y` (every
    /// value of it), without allocating: the direct computation of the geometry
    /// ([`Geometry::forward_one`]), compiled for the widest instruction set.
    #[inline]
    fn forward_into<const I: usize, const O: usize>(&self, x: &[T], y: &mut [T])
    where
        G: Geometry<I, O, U, K>,
    {
        super::start_with_bias(y, BIAS.then_some(self.bias.as_slice()));
        crate::widest(
            #[inline(always)]
            || self.geometry.forward_one(self.kernel.as_slice(), x, y),
        );
        self.activation.forward_groups(y, U);
    }
}

impl<T, const I: usize, const O: usize, const U: usize, const K: usize, A, S, const BIAS: bool, G>
    Layer<T, I, O> for Affine<T, U, K, A, S, BIAS, G>
where
    T: Float,
    A: Activation,
    S: Storage,
    G: Geometry<I, O, U, K>,
{
    #[inline]
    fn forward(&self, x: &SVector<T, I>) -> SVector<T, O> {
        let mut y = crate::storage::zeros::<T, O>();
        self.forward_into(x.as_slice(), y.as_mut_slice());
        y
    }

    /// The sums of the positions it computes at once.
    const SCRATCH: usize = G::SUMS * core::mem::size_of::<T>();

    const FRAME: usize = crate::private::widest(&[G::FRAME, A::FRAME]);

    #[inline]
    fn forward_into(&self, x: &SVector<T, I>, y: &mut SVector<T, O>) {
        Affine::forward_into(self, x.as_slice(), y.as_mut_slice());
    }

    #[cfg(feature = "std")]
    fn forward_batch(&self, x: &crate::Batch<T, I>, y: &mut crate::Batch<T, O>) {
        let n = x.ncols();
        crate::resize_batch(y, n);
        let positions = self.geometry.positions();
        let isa = crate::simd::Isa::current();
        if n > 1 && self.geometry.by_samples::<T>(isa) {
            // Small dense layers on AVX-512: a few samples at a time with their sums in
            // registers, each as `forward` computes it, the samples split across the threads
            // allowed; no packing and no pass over the outputs for the bias.
            let (x, bias) = (x.as_slice(), BIAS.then_some(self.bias.as_slice()));
            let kernel = self.kernel.as_slice();
            let min = crate::parallel::MIN_PRODUCT;
            crate::parallel::for_each_part(y.as_mut_slice(), O, U * K, min, |samples, y| {
                let x = &x[samples.start * I..samples.end * I];
                self.geometry.forward_samples(isa, kernel, bias, x, y);
                self.activation.forward_groups(y, U);
            });
            return;
        }
        if n == 1 || (positions > 1 && U <= 64) {
            // One sample (`predict` of a network too large for the stack), or a convolution
            // of up to 64 filters: each sample computed as `forward` does, without a patch
            // matrix, the samples split across the threads allowed. A patch matrix and one
            // product took three times as long per sample on ResNet-8, but less on the
            // streaming wake word model's 128 filters (`cargo bench --bench mlperf_tiny`).
            let x = x.as_slice();
            let cost = positions * U * K;
            let min = crate::parallel::MIN_PRODUCT;
            crate::parallel::for_each_part(y.as_mut_slice(), O, cost, min, |samples, y| {
                for (sample, y) in samples.zip(y.chunks_exact_mut(O)) {
                    self.forward_into(&x[sample * I..][..I], y);
                }
            });
            return;
        }
        let mut buffer = Vec::new();
        let columns = self.geometry.unfold(x.as_slice(), n, &mut buffer);
        self.affine(columns, n * self.geometry.positions(), y.as_mut_slice());
        self.activation.forward_groups(y.as_mut_slice(), U);
    }
}

#[cfg(feature = "std")]
pub(super) mod train;

/// The items of a [`Params`], [`Layer`], [`Train`](crate::Train) or
/// `OutputActivation` impl for a layer that
/// is its weight part `$part` under its own name (a struct with one field, `weights`): every
/// call goes to the part.
/// Written once so that Dense and Conv2D keep their own names in rustc's messages and rustdoc.
macro_rules! delegate {
    (Params, $part:ty) => {
        const KIND: &'static str = <$part as $crate::Params<T>>::KIND;
        const PARAMS: usize = <$part as $crate::Params<T>>::PARAMS;

        fn zeroed(&self) -> Self {
            Self {
                weights: $crate::Params::<T>::zeroed(&self.weights),
            }
        }

        $crate::layer::tensors!(self; ..weights;);
    };
    (Layer, $part:ty, $i:tt, $o:tt) => {
        #[inline]
        fn forward(&self, x: &nalgebra::SVector<T, $i>) -> nalgebra::SVector<T, $o> {
            $crate::Layer::<T, $i, $o>::forward(&self.weights, x)
        }

        const SCRATCH: usize = <$part as $crate::Layer<T, $i, $o>>::SCRATCH;

        const FRAME: usize = <$part as $crate::Layer<T, $i, $o>>::FRAME;

        #[inline]
        fn forward_into(
            &self,
            x: &nalgebra::SVector<T, $i>,
            y: &mut nalgebra::SVector<T, $o>,
        ) {
            $crate::Layer::<T, $i, $o>::forward_into(&self.weights, x, y)
        }

        #[cfg(feature = "std")]
        fn forward_batch(&self, x: &$crate::Batch<T, $i>, y: &mut $crate::Batch<T, $o>) {
            $crate::Layer::<T, $i, $o>::forward_batch(&self.weights, x, y)
        }
    };
    (Train, $part:ty, $i:tt, $o:tt) => {
        type Cache = <$part as $crate::Train<T, $i, $o>>::Cache;

        fn activity_penalty(&self, cache: &Self::Cache) -> T {
            $crate::Train::<T, $i, $o>::activity_penalty(&self.weights, cache)
        }

        fn forward_train<R: rand::Rng + ?Sized>(
            &self,
            x: &$crate::Batch<T, $i>,
            y: &mut $crate::Batch<T, $o>,
            cache: &mut Self::Cache,
            training: bool,
            rng: &mut R,
        ) {
            $crate::Train::<T, $i, $o>::forward_train(&self.weights, x, y, cache, training, rng)
        }

        fn backward(
            &self,
            x: &$crate::Batch<T, $i>,
            y: &$crate::Batch<T, $o>,
            cache: &Self::Cache,
            dy: &mut $crate::Batch<T, $o>,
            grad: &mut Self,
            dx: Option<&mut $crate::Batch<T, $i>>,
        ) {
            $crate::Train::<T, $i, $o>::backward(
                &self.weights,
                x,
                y,
                cache,
                dy,
                &mut grad.weights,
                dx,
            )
        }
    };
    (OutputActivation, $part:ty, $i:tt, $o:tt) => {
        type Activation = <$part as $crate::fusion::OutputActivation<T, $i, $o>>::Activation;

        fn pre_activations(cache: &Self::Cache) -> &$crate::Batch<T, $o> {
            <$part as $crate::fusion::OutputActivation<T, $i, $o>>::pre_activations(cache)
        }

        fn backward_from_pre_activations(
            &self,
            x: &$crate::Batch<T, $i>,
            y: &$crate::Batch<T, $o>,
            cache: &Self::Cache,
            dz: &mut $crate::Batch<T, $o>,
            grad: &mut Self,
            dx: Option<&mut $crate::Batch<T, $i>>,
        ) {
            $crate::fusion::OutputActivation::<T, $i, $o>::backward_from_pre_activations(
                &self.weights,
                x,
                y,
                cache,
                dz,
                &mut grad.weights,
                dx,
            )
        }
    };
}
pub(crate) use delegate;
