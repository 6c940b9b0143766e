//! `Dense`: a fully connected layer, `y = activation(W x + b)`.

use nalgebra::{Const, Dyn, SVector};
use rand::Rng;

use crate::activations::{Activation, Linear};
use crate::init::Initializer;
use crate::layer::{Batch, Layer, ParamMut, ParamRef, resize_batch};
use crate::linalg::{Strided, gemm};
use crate::regularizers::{
    activity_penalty, add_activity_gradient, add_weight_penalty_gradient, weight_penalty,
};
use crate::storage::{Inline, Storage, Weights};
use crate::{Constraint, Float, Fusion, Regularizer};

/// A fully connected layer from `I` inputs to `O` units: `y = activation(W x + b)`.
///
/// - `kernel` is `W`, an `O × I` nalgebra matrix. Column-major, its memory is exactly Keras's
///   kernel of shape `(I, O)` in row-major order, so weights move between the two unchanged.
/// - `bias` is `b`, `O × 1`; it stays zero and is not a parameter when `BIAS` is `false`
///   (Keras's `use_bias=False`).
/// - `S` says where the weights live ([`Inline`] or [`Heap`](crate::Heap)); `network!` picks it.
///
/// Input: `I` values per sample. Output: `O` values per sample. Parameters: `I·O + O`
/// (`I·O` without bias).
///
/// ```
/// use nn_core::{Dense, Layer, Relu, Ones, Zeros};
/// use nalgebra::SVector;
///
/// let mut rng = rand::rngs::StdRng::seed_from_u64(0);
/// # use rand::SeedableRng;
/// let layer: Dense<f64, 2, 3, Relu> = Dense::init(Relu, &Ones, &Zeros, &mut rng);
/// let y = layer.forward(&SVector::<f64, 2>::new(1.0, -3.0));
/// assert_eq!(y, SVector::<f64, 3>::zeros()); // relu(1 - 3) = 0 for every unit
/// assert_eq!(<Dense<f64, 2, 3, Relu> as Layer<f64, 2, 3>>::PARAMS, 9);
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
    /// `W`, `O × I` (Keras's `(I, O)` kernel, transposed; the same bytes).
    pub kernel: Weights<T, O, I, S>,
    /// `b`, `O × 1`; unused and zero without bias.
    pub bias: Weights<T, O, 1, S>,
    /// The activation applied to `W x + b`.
    pub activation: A,
    /// Whether an optimizer updates this layer (Keras's `trainable`).
    pub trainable: bool,
    /// The penalty on the kernel.
    pub kernel_regularizer: Regularizer,
    /// The penalty on the bias.
    pub bias_regularizer: Regularizer,
    /// The penalty on the layer's outputs, divided by the batch size.
    pub activity_regularizer: Regularizer,
    /// The projection of the kernel after each step (per unit).
    pub kernel_constraint: Constraint,
    /// The projection of the bias after each step.
    pub bias_constraint: Constraint,
}

impl<T: Float, const I: usize, const O: usize, A, S: Storage, const BIAS: bool>
    Dense<T, I, O, A, S, BIAS>
{
    /// The Keras shape of the kernel, `(inputs, units)`.
    const KERNEL_SHAPE: [usize; 2] = [I, O];
    /// The Keras shape of the bias, `(units,)`.
    const BIAS_SHAPE: [usize; 1] = [O];

    /// A layer with every weight zero.
    pub fn zeros(activation: A) -> Self {
        Self {
            kernel: S::zeros(),
            bias: S::zeros(),
            activation,
            trainable: true,
            kernel_regularizer: Regularizer::None,
            bias_regularizer: Regularizer::None,
            activity_regularizer: Regularizer::None,
            kernel_constraint: Constraint::None,
            bias_constraint: Constraint::None,
        }
    }

    /// A layer initialized as Keras does: the kernel first, then the bias, each from its
    /// initializer (Keras's defaults are [`GlorotUniform`](crate::GlorotUniform) and
    /// [`Zeros`](crate::Zeros)).
    pub fn init<R: Rng + ?Sized>(
        activation: A,
        kernel_initializer: &impl Initializer,
        bias_initializer: &impl Initializer,
        rng: &mut R,
    ) -> Self {
        let mut layer = Self::zeros(activation);
        kernel_initializer.fill(&Self::KERNEL_SHAPE, layer.kernel.as_mut_slice(), rng);
        if BIAS {
            bias_initializer.fill(&Self::BIAS_SHAPE, layer.bias.as_mut_slice(), rng);
        }
        layer
    }

    /// `z = W x + b` for a batch, into `z` (resized to the batch).
    fn affine(&self, x: &Batch<T, I>, z: &mut Batch<T, O>) {
        resize_batch(z, x.ncols());
        let beta = if BIAS {
            let bias = self.bias.as_slice();
            for column in z.as_mut_slice().chunks_exact_mut(O) {
                column.copy_from_slice(bias);
            }
            T::one()
        } else {
            T::zero()
        };
        let (w, x) = (
            self.kernel(),
            Strided::col_major(x.as_slice(), I, x.ncols()),
        );
        gemm(T::one(), w, x, beta, z.as_mut_slice());
    }

    /// `W` as a GEMM operand.
    fn kernel(&self) -> Strided<'_, T> {
        Strided::col_major(self.kernel.as_slice(), O, I)
    }
}

impl<T: Float, const I: usize, const O: usize, A: Activation, S: Storage, const BIAS: bool>
    Dense<T, I, O, A, S, BIAS>
{
    /// Replaces `grad` (∂loss/∂y) with ∂loss/∂z for every sample of a batch.
    fn activation_backward(&self, z: &Batch<T, O>, y: &Batch<T, O>, grad: &mut Batch<T, O>) {
        self.activation
            .backward_groups(z.as_slice(), y.as_slice(), grad.as_mut_slice(), O);
    }

    /// Applies the activation to every sample of a batch in place.
    fn activate(&self, y: &mut Batch<T, O>) {
        self.activation.forward_groups(y.as_mut_slice(), O);
    }
}

impl<T: Float, const I: usize, const O: usize, A: Activation, S: Storage, const BIAS: bool>
    Layer<T, I, O> for Dense<T, I, O, A, S, BIAS>
{
    const KIND: &'static str = "Dense";
    const PARAMS: usize = I * O + if BIAS { O } else { 0 };
    const FUSION: Fusion = A::FUSION;

    type Cache = DenseCache<T, O>;

    fn logits(cache: &Self::Cache) -> Option<&Batch<T, O>> {
        Some(&cache.z)
    }

    #[inline]
    fn forward(&self, x: &SVector<T, I>) -> SVector<T, O> {
        let mut y = if BIAS {
            self.bias.clone_owned()
        } else {
            SVector::zeros()
        };
        // y += Σᵢ xᵢ · W[:, i]: each column of W is contiguous, so the inner loop is a
        // fixed-length, vectorizable axpy.
        let out = y.as_mut_slice();
        for (&xi, column) in x
            .as_slice()
            .iter()
            .zip(self.kernel.as_slice().chunks_exact(O))
        {
            for (yo, &w) in out.iter_mut().zip(column) {
                *yo += w * xi;
            }
        }
        self.activation.forward(out);
        y
    }

    fn forward_batch(&self, x: &Batch<T, I>, y: &mut Batch<T, O>) {
        self.affine(x, y);
        self.activate(y);
    }

    fn forward_train<R: Rng + ?Sized>(
        &self,
        x: &Batch<T, I>,
        y: &mut Batch<T, O>,
        cache: &mut Self::Cache,
        _training: bool,
        _rng: &mut R,
    ) {
        self.affine(x, &mut cache.z);
        resize_batch(y, x.ncols());
        y.copy_from(&cache.z);
        self.activate(y);
        cache.activity = activity_penalty(self.activity_regularizer, y.as_slice(), x.ncols());
    }

    fn backward(
        &self,
        x: &Batch<T, I>,
        y: &Batch<T, O>,
        cache: &Self::Cache,
        dy: &mut Batch<T, O>,
        from_logits: bool,
        grad: &mut Self,
        dx: Option<&mut Batch<T, I>>,
    ) {
        let n = x.ncols();
        let (z, activity) = (cache.z.as_slice(), self.activity_regularizer);
        add_activity_gradient(
            activity,
            &self.activation,
            z,
            y.as_slice(),
            dy.as_mut_slice(),
            O,
            n,
            from_logits,
        );
        // ∂z = activation'(z) ⊙ ∂y, in place.
        if !from_logits {
            self.activation_backward(&cache.z, y, dy);
        }
        let dz = &*dy;
        if self.trainable {
            // ∂W = ∂z · xᵀ, with xᵀ a strided view of x (no copy).
            let xt = Strided::transposed(x.as_slice(), I, n);
            gemm(
                T::one(),
                Strided::col_major(dz.as_slice(), O, n),
                xt,
                T::zero(),
                grad.kernel.as_mut_slice(),
            );
            if BIAS {
                let sums = grad.bias.as_mut_slice();
                sums.fill(T::zero());
                for column in dz.as_slice().chunks_exact(O) {
                    for (sum, &g) in sums.iter_mut().zip(column) {
                        *sum += g;
                    }
                }
            }
        } else {
            grad.kernel.fill(T::zero());
            grad.bias.fill(T::zero());
        }
        if let Some(dx) = dx {
            // ∂x = Wᵀ · ∂z, with Wᵀ a strided view of W.
            resize_batch(dx, n);
            let wt = Strided::transposed(self.kernel.as_slice(), O, I);
            let dz = Strided::col_major(dz.as_slice(), O, n);
            gemm(T::one(), wt, dz, T::zero(), dx.as_mut_slice());
        }
    }

    fn zeroed(&self) -> Self {
        Self {
            kernel: S::zeros(),
            bias: S::zeros(),
            activation: self.activation.clone(),
            ..*self
        }
    }

    fn penalty(&self) -> T {
        let bias = BIAS.then(|| (self.bias_regularizer, self.bias.as_slice()));
        weight_penalty(
            self.trainable,
            (self.kernel_regularizer, self.kernel.as_slice()),
            bias,
        )
    }

    fn activity_penalty(&self, cache: &Self::Cache) -> T {
        cache.activity
    }

    fn add_penalty_gradient(&self, grad: &mut Self) {
        let bias = BIAS.then(|| {
            (
                self.bias_regularizer,
                self.bias.as_slice(),
                grad.bias.as_mut_slice(),
            )
        });
        let kernel = (
            self.kernel_regularizer,
            self.kernel.as_slice(),
            grad.kernel.as_mut_slice(),
        );
        add_weight_penalty_gradient(self.trainable, kernel, bias);
    }

    fn constrain(&mut self) {
        if !self.trainable {
            return;
        }
        // The kernel is stored `O × I` column-major: norms over inputs, per unit.
        self.kernel_constraint.apply(self.kernel.as_mut_slice(), O);
        if BIAS {
            // A bias's norm runs over the whole vector.
            self.bias_constraint.apply(self.bias.as_mut_slice(), 1);
        }
    }

    fn params(&self) -> impl Iterator<Item = ParamRef<'_, T>> {
        let trainable = self.trainable;
        let kernel = ParamRef {
            name: "kernel",
            shape: &Self::KERNEL_SHAPE,
            values: self.kernel.as_slice(),
            trainable,
        };
        let bias = ParamRef {
            name: "bias",
            shape: &Self::BIAS_SHAPE,
            values: self.bias.as_slice(),
            trainable,
        };
        core::iter::once(kernel).chain(BIAS.then_some(bias))
    }

    fn params_mut(&mut self) -> impl Iterator<Item = ParamMut<'_, T>> {
        let trainable = self.trainable;
        let kernel = ParamMut {
            name: "kernel",
            shape: &Self::KERNEL_SHAPE,
            values: self.kernel.as_mut_slice(),
            trainable,
        };
        let bias = ParamMut {
            name: "bias",
            shape: &Self::BIAS_SHAPE,
            values: self.bias.as_mut_slice(),
            trainable,
        };
        core::iter::once(kernel).chain(BIAS.then_some(bias))
    }
}

/// What a [`Dense`] layer's training forward pass keeps for its backward pass.
#[derive(Clone, Debug)]
pub struct DenseCache<T: Float, const O: usize> {
    /// The pre-activations `z = W x + b` of the batch.
    pub z: Batch<T, O>,
    /// The activity penalty of the batch's outputs.
    pub activity: T,
}

impl<T: Float, const O: usize> Default for DenseCache<T, O> {
    fn default() -> Self {
        Self {
            z: Batch::zeros_generic(Const::<O>, Dyn(0)),
            activity: T::zero(),
        }
    }
}
