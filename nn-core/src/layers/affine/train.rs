//! Training an [`Affine`]: its initialization, the batched product, the cache its training pass
//! keeps, the backward pass and the fused one from pre-activations (std only).

use nalgebra::{Const, Dyn};
use rand::Rng;

use super::{Affine, Geometry, Shape};
use crate::Float;
use crate::activations::Activation;
use crate::fusion::OutputActivation;
use crate::init::{Initializer, fill_checked};
use crate::layer::{Batch, Train, resize_batch};
use crate::linalg::{Strided, gemm};
use crate::regularizers::{activity_penalty, add_activity_gradient};
use crate::storage::Storage;

impl<T: Float, const U: usize, const K: usize, A, S: Storage, const BIAS: bool, G>
    Affine<T, U, K, A, S, BIAS, G>
{
    /// Fills the kernel (of Keras shape `kernel_shape`), then the bias, from their
    /// initializers, as Keras does.
    ///
    /// # Panics
    /// If an initializer does not apply to its tensor's shape (its `check_shape`), with its
    /// reason and the shape.
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
    pub(super) fn affine(&self, columns: &[T], count: usize, z: &mut [T]) {
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

/// `y = activation(z)` for a batch of `O` values a sample, the activation applied to groups of
/// `width` values (a position's units), split by samples across the threads allowed; returns
/// the batch's activity penalty. Shared by the layers with an output activation and weights.
pub(in crate::layers) fn activate<T: Float, A: Activation, const O: usize>(
    activation: &A,
    activity_regularizer: crate::Regularizer,
    z: &Batch<T, O>,
    y: &mut Batch<T, O>,
    width: usize,
) -> T {
    let n = z.ncols();
    resize_batch(y, n);
    let z = z.as_slice();
    crate::parallel::for_each_part(
        y.as_mut_slice(),
        O,
        O,
        crate::parallel::MIN_ELEMENTWISE,
        |samples, y| {
            y.copy_from_slice(&z[samples.start * O..samples.end * O]);
            activation.forward_groups(y, width);
        },
    );
    activity_penalty(activity_regularizer, y.as_slice(), n)
}

/// ∂loss/∂z in place of `dy` for the pre-activations and outputs `(z, y)` of [`activate`]: the
/// activity penalty's gradient added, then through the activation when `through_activation`
/// (`dy` holds ∂loss/∂z already otherwise, the loss fused), split by samples across the threads
/// allowed.
pub(in crate::layers) fn activation_gradient<T: Float, A: Activation, const O: usize>(
    activation: &A,
    activity_regularizer: crate::Regularizer,
    (z, y): (&Batch<T, O>, &Batch<T, O>),
    dy: &mut Batch<T, O>,
    width: usize,
    through_activation: bool,
) {
    let (n, z, y) = (dy.ncols(), z.as_slice(), y.as_slice());
    add_activity_gradient(
        activity_regularizer,
        activation,
        z,
        y,
        dy.as_mut_slice(),
        width,
        n,
        !through_activation,
    );
    if through_activation {
        crate::parallel::for_each_part(
            dy.as_mut_slice(),
            O,
            O,
            crate::parallel::MIN_ELEMENTWISE,
            |samples, dy| {
                let values = samples.start * O..samples.end * O;
                activation.backward_groups(&z[values.clone()], &y[values], dy, width);
            },
        );
    }
}

/// The bias gradient into `db`: `∂z` (`n` samples, each positions of `db.len()` values) summed
/// over the positions, sample by sample (the same bits for any thread count).
pub(in crate::layers) fn bias_gradient<T: Float>(
    db: &mut [T],
    partials: &crate::parallel::Scratch<T>,
    dz: &[T],
    n: usize,
) {
    let (width, per_sample) = (db.len(), dz.len() / n.max(1));
    crate::parallel::sample_sums(
        db,
        partials,
        n,
        per_sample,
        crate::parallel::MIN_ELEMENTWISE,
        |sample, sums| {
            let values = &dz[sample * per_sample..(sample + 1) * per_sample];
            for column in values.chunks_exact(width) {
                for (sum, &g) in sums.iter_mut().zip(column) {
                    *sum += g;
                }
            }
        },
    );
}

/// What a layer with weights keeps from its training pass for the backward pass.
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
        cache.activity = activate(&self.activation, self.activity_regularizer, &cache.z, y, U);
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
        activation_gradient(
            &self.activation,
            self.activity_regularizer,
            (&cache.z, y),
            dy,
            U,
            through_activation,
        );
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
                bias_gradient(grad.bias.as_mut_slice(), &cache.partials, dz, n);
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
