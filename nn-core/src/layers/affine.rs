//! The weight part shared by `Dense` and `Conv2D`: `y = activation(kernel · columns + bias)`.
//!
//! Both layers multiply a kernel with columns of their input and add a bias; they differ only in
//! what a column is. A [`Dense`](crate::Dense) layer takes each sample as one column; a
//! [`Conv2D`](crate::Conv2D) layer takes each output position's patch of the image. That
//! difference is a [`Geometry`]; everything else (the fields, initialization, the batched passes,
//! the gradients, regularizers, constraints and the parameter walk) is written once here.

use nalgebra::{ArrayStorage, Matrix, SVector};
#[cfg(feature = "std")]
use nalgebra::{Const, Dyn};
#[cfg(feature = "std")]
use rand::Rng;

use crate::activations::Activation;
#[cfg(feature = "std")]
use crate::fusion::OutputActivation;
#[cfg(feature = "std")]
use crate::init::{Initializer, fill_checked};
#[cfg(feature = "std")]
use crate::layer::{Batch, Train, resize_batch};
use crate::layer::{Layer, Params, Rules, tensors};
#[cfg(feature = "std")]
use crate::linalg::{Strided, gemm};
#[cfg(feature = "std")]
use crate::regularizers::{activity_penalty, add_activity_gradient};
use crate::setting::{self, Setting, read};
use crate::storage::{Inline, Storage, Weights};
use crate::{Constraint, Float, Regularizer};

/// A kernel of `U` units (Dense) or filters (Conv2D), each with `K` weights, and a bias: the
/// weight part of [`Dense`](crate::Dense) and [`Conv2D`](crate::Conv2D), which are this type with
/// their [`Geometry`].
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

    /// Fills the kernel (of Keras shape `kernel_shape`), then the bias, from their
    /// initializers, as Keras does.
    ///
    /// # Panics
    /// If an initializer does not apply to its tensor's shape (its `check_shape`), with its
    /// reason and the shape.
    #[cfg(feature = "std")]
    pub(crate) fn initialize<R: Rng + ?Sized>(
        &mut self,
        kernel_shape: &[usize],
        kernel_initializer: &impl Initializer,
        bias_initializer: &impl Initializer,
        rng: &mut R,
    ) {
        let kernel = self.kernel.as_mut_slice();
        fill_checked(kernel_initializer, "kernel", kernel_shape, kernel, rng);
        if BIAS {
            let (bias, shape) = (self.bias.as_mut_slice(), &Shape::<U, 1>::VECTOR);
            fill_checked(bias_initializer, "bias", shape, bias, rng);
        }
    }

    /// `z = kernel · columns + bias` for `columns` columns of `K` values, into `z` (`U` values a
    /// column).
    #[cfg(feature = "std")]
    fn affine(&self, columns: &[T], count: usize, z: &mut [T]) {
        let beta = if BIAS {
            let bias = self.bias.as_slice();
            for column in z.chunks_exact_mut(U) {
                column.copy_from_slice(bias);
            }
            T::one()
        } else {
            T::zero()
        };
        let w = Strided::col_major(self.kernel.as_slice(), U, K);
        gemm(T::one(), w, Strided::col_major(columns, K, count), beta, z);
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

/// What a layer with weights keeps from its training pass for the backward pass.
#[cfg(feature = "std")]
#[derive(Clone, Debug)]
pub struct AffineCache<T: Float, const O: usize> {
    /// The pre-activations of the batch.
    pub z: Batch<T, O>,
    /// The columns the kernel multiplied, when they are not the inputs themselves (Conv2D's
    /// patches, `K × (batch · positions)`).
    pub cols: Vec<T>,
    /// The activity penalty of the batch's outputs.
    pub activity: T,
    /// The bias gradient's per-sample sums, kept for the next batch.
    partials: crate::parallel::Scratch<T>,
}

#[cfg(feature = "std")]
impl<T: Float, const O: usize> Default for AffineCache<T, O> {
    fn default() -> Self {
        Self {
            z: Batch::zeros_generic(Const::<O>, Dyn(0)),
            cols: Vec::new(),
            activity: T::zero(),
            partials: Default::default(),
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
        if BIAS {
            let bias = self.bias.as_slice();
            for column in y.as_mut_slice().chunks_exact_mut(U) {
                column.copy_from_slice(bias);
            }
        }
        self.geometry
            .forward_one(self.kernel.as_slice(), x.as_slice(), y.as_mut_slice());
        self.activation.forward_groups(y.as_mut_slice(), U);
        y
    }

    #[cfg(feature = "std")]
    fn forward_batch(&self, x: &Batch<T, I>, y: &mut Batch<T, O>) {
        let n = x.ncols();
        resize_batch(y, n);
        let mut buffer = Vec::new();
        let columns = self.geometry.unfold(x.as_slice(), n, &mut buffer);
        self.affine(columns, n * self.geometry.positions(), y.as_mut_slice());
        self.activation.forward_groups(y.as_mut_slice(), U);
    }
}

#[cfg(feature = "std")]
impl<T, const I: usize, const O: usize, const U: usize, const K: usize, A, S, const BIAS: bool, G>
    Train<T, I, O> for Affine<T, U, K, A, S, BIAS, G>
where
    T: Float,
    A: Activation,
    S: Storage,
    G: Geometry<I, O, U, K>,
{
    type Cache = AffineCache<T, O>;

    fn activity_penalty(&self, cache: &Self::Cache) -> T {
        cache.activity
    }

    fn forward_train<R: Rng + ?Sized>(
        &self,
        x: &Batch<T, I>,
        y: &mut Batch<T, O>,
        cache: &mut Self::Cache,
        _training: bool,
        _rng: &mut R,
    ) {
        let n = x.ncols();
        resize_batch(&mut cache.z, n);
        let columns = self.geometry.unfold(x.as_slice(), n, &mut cache.cols);
        self.affine(
            columns,
            n * self.geometry.positions(),
            cache.z.as_mut_slice(),
        );
        resize_batch(y, n);
        // y = activation(z), split by samples across the threads allowed.
        let z = cache.z.as_slice();
        let activation = &self.activation;
        crate::parallel::for_each_part(
            y.as_mut_slice(),
            O,
            O,
            crate::parallel::MIN_ELEMENTWISE,
            |samples, y| {
                y.copy_from_slice(&z[samples.start * O..samples.end * O]);
                activation.forward_groups(y, U);
            },
        );
        cache.activity = activity_penalty(self.activity_regularizer, y.as_slice(), n);
    }

    fn backward(
        &self,
        x: &Batch<T, I>,
        y: &Batch<T, O>,
        cache: &Self::Cache,
        dy: &mut Batch<T, O>,
        grad: &mut Self,
        dx: Option<&mut Batch<T, I>>,
    ) {
        self.pass_back(x, y, cache, dy, grad, dx, true);
    }
}

#[cfg(feature = "std")]
impl<T, const I: usize, const O: usize, const U: usize, const K: usize, A, S, const BIAS: bool, G>
    OutputActivation<T, I, O> for Affine<T, U, K, A, S, BIAS, G>
where
    T: Float,
    A: Activation,
    S: Storage,
    G: Geometry<I, O, U, K>,
{
    type Activation = A;

    fn pre_activations(cache: &Self::Cache) -> &Batch<T, O> {
        &cache.z
    }

    fn backward_from_pre_activations(
        &self,
        x: &Batch<T, I>,
        y: &Batch<T, O>,
        cache: &Self::Cache,
        dz: &mut Batch<T, O>,
        grad: &mut Self,
        dx: Option<&mut Batch<T, I>>,
    ) {
        self.pass_back(x, y, cache, dz, grad, dx, false);
    }
}

#[cfg(feature = "std")]
impl<T: Float, const U: usize, const K: usize, A: Activation, S: Storage, const BIAS: bool, G>
    Affine<T, U, K, A, S, BIAS, G>
{
    /// The backward pass: `dy` through the activation when `through_activation` (it holds
    /// ∂loss/∂z already otherwise), then into the kernel, the bias and `dx`.
    #[allow(clippy::too_many_arguments)]
    fn pass_back<const I: usize, const O: usize>(
        &self,
        x: &Batch<T, I>,
        y: &Batch<T, O>,
        cache: &AffineCache<T, O>,
        dy: &mut Batch<T, O>,
        grad: &mut Self,
        dx: Option<&mut Batch<T, I>>,
        through_activation: bool,
    ) where
        G: Geometry<I, O, U, K>,
    {
        let n = x.ncols();
        let count = n * self.geometry.positions();
        add_activity_gradient(
            self.activity_regularizer,
            &self.activation,
            cache.z.as_slice(),
            y.as_slice(),
            dy.as_mut_slice(),
            U,
            n,
            !through_activation,
        );
        // ∂z = activation'(z) ⊙ ∂y, in place, split by samples across the threads allowed.
        if through_activation {
            let (z, y, activation) = (cache.z.as_slice(), y.as_slice(), &self.activation);
            crate::parallel::for_each_part(
                dy.as_mut_slice(),
                O,
                O,
                crate::parallel::MIN_ELEMENTWISE,
                |samples, dy| {
                    let values = samples.start * O..samples.end * O;
                    activation.backward_groups(&z[values.clone()], &y[values], dy, U);
                },
            );
        }
        let dz = dy.as_slice();
        if self.trainable {
            // ∂kernel = ∂z · columnsᵀ, with columnsᵀ a strided view (no copy).
            let columns = self.geometry.unfolded(x.as_slice(), &cache.cols);
            gemm(
                T::one(),
                Strided::col_major(dz, U, count),
                Strided::transposed(columns, K, count),
                T::zero(),
                grad.kernel.as_mut_slice(),
            );
            if BIAS {
                // Summed sample by sample (the same bits for any thread count).
                crate::parallel::sample_sums(
                    grad.bias.as_mut_slice(),
                    &cache.partials,
                    n,
                    O,
                    crate::parallel::MIN_ELEMENTWISE,
                    |sample, sums| {
                        for column in dz[sample * O..(sample + 1) * O].chunks_exact(U) {
                            for (sum, &g) in sums.iter_mut().zip(column) {
                                *sum += g;
                            }
                        }
                    },
                );
            }
        } else {
            grad.kernel.fill(T::zero());
            grad.bias.fill(T::zero());
        }
        if let Some(dx) = dx {
            resize_batch(dx, n);
            self.geometry
                .input_gradient(self.kernel.as_slice(), dz, n, dx.as_mut_slice());
        }
    }
}

/// The items of a [`Params`], [`Layer`], [`Train`] or [`OutputActivation`] impl for a layer that
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
    (Layer, $i:tt, $o:tt) => {
        #[inline]
        fn forward(&self, x: &nalgebra::SVector<T, $i>) -> nalgebra::SVector<T, $o> {
            $crate::Layer::<T, $i, $o>::forward(&self.weights, x)
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
        type Activation = <$part as $crate::OutputActivation<T, $i, $o>>::Activation;

        fn pre_activations(cache: &Self::Cache) -> &$crate::Batch<T, $o> {
            <$part as $crate::OutputActivation<T, $i, $o>>::pre_activations(cache)
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
            $crate::OutputActivation::<T, $i, $o>::backward_from_pre_activations(
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
