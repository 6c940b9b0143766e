//! What a layer is: the [`Layer`] trait, and the batch type layers exchange.

use core::fmt::Debug;

use nalgebra::{Const, Dyn, OMatrix, SVector};
use rand::Rng;

use crate::{Constraint, Float, Fusion, Regularizer};

/// A batch of samples of width `N`, one sample per column: `N × batch`, column-major, so each
/// sample is contiguous. Products of a weight matrix with a batch go through nalgebra's GEMM.
pub type Batch<T, const N: usize> = OMatrix<T, Const<N>, Dyn>;

/// A view of one parameter tensor, as [`Layer::params`] yields it.
#[derive(Debug)]
pub struct ParamRef<'a, T> {
    /// The parameter's name within its layer (`"kernel"`, `"bias"`).
    pub name: &'static str,
    /// The tensor's shape as Keras lays it out (a Dense kernel is `(inputs, units)`).
    pub shape: &'a [usize],
    /// The elements, row-major in that shape (exactly Keras's layout).
    pub values: &'a [T],
    /// Whether an optimizer may change it.
    pub trainable: bool,
    /// Its penalty and constraint.
    pub rules: Rules,
}

/// What training does to a parameter besides the optimizer's update: the penalty added to the
/// loss (Keras's `kernel_regularizer`, `bias_regularizer`) and the projection after each step
/// (`kernel_constraint`, `bias_constraint`). The training loop applies them to every trainable
/// parameter, so a layer only says which ones its parameters have.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rules {
    /// The penalty on the tensor's values.
    pub regularizer: Regularizer,
    /// The projection after each optimizer step.
    pub constraint: Constraint,
    /// How the constraint groups the values: the tensor is `values.len() / norm_stride` groups
    /// of `norm_stride` values, and each norm runs over the values at one position of every
    /// group (see [`Constraint::apply`]).
    pub norm_stride: usize,
}

impl Rules {
    /// No penalty, no constraint.
    pub const NONE: Self = Self {
        regularizer: Regularizer::None,
        constraint: Constraint::None,
        norm_stride: 1,
    };
}

impl Default for Rules {
    fn default() -> Self {
        Self::NONE
    }
}

/// A mutable view of one parameter tensor, as [`Layer::params_mut`] yields it.
#[derive(Debug)]
pub struct ParamMut<'a, T> {
    /// The parameter's name within its layer (`"kernel"`, `"bias"`).
    pub name: &'static str,
    /// The tensor's shape as Keras lays it out (a Dense kernel is `(inputs, units)`).
    pub shape: &'a [usize],
    /// The elements, row-major in that shape (exactly Keras's layout).
    pub values: &'a mut [T],
    /// Whether an optimizer may change it.
    pub trainable: bool,
    /// Its penalty and constraint.
    pub rules: Rules,
}

/// A layer mapping samples of width `I` to samples of width `O`.
///
/// A layer computes in three ways: [`forward`](Layer::forward) on one sample (inference, no heap
/// allocation), [`forward_batch`](Layer::forward_batch) on a batch (inference), and
/// [`forward_train`](Layer::forward_train) on a batch in training mode, which also records in a
/// [`Cache`](Layer::Cache) what [`backward`](Layer::backward) needs. Parameters are visited in a
/// fixed order (Keras's: kernel, then bias), which is how optimizers, save and load and the
/// parameter count see them.
///
/// Gradients are stored in a value of the layer's own type (a "gradient layer" of the same shape,
/// made by [`zeroed`](Layer::zeroed)), so a network's gradients, and an optimizer's state, are
/// networks of the same type.
pub trait Layer<T: Float, const I: usize, const O: usize>: Clone + Debug {
    /// The Keras class name (`"Dense"`, `"Dropout"`).
    const KIND: &'static str;

    /// The number of scalar parameters.
    const PARAMS: usize;

    /// Which cross-entropy the layer's output activation fuses with.
    const FUSION: Fusion = Fusion::None;

    /// What a training forward pass records for the backward pass.
    type Cache: Clone + Debug + Default + Send;

    /// Inference on one sample.
    fn forward(&self, x: &SVector<T, I>) -> SVector<T, O>;

    /// Inference on a batch; `y` is resized to the batch if needed.
    fn forward_batch(&self, x: &Batch<T, I>, y: &mut Batch<T, O>);

    /// A forward pass on a batch that records what [`backward`](Layer::backward) needs. In
    /// training mode (`training`), random layers such as dropout draw from `rng`; otherwise they
    /// act as in inference (used by `evaluate`, which needs the logits a cache keeps).
    fn forward_train<R: Rng + ?Sized>(
        &self,
        x: &Batch<T, I>,
        y: &mut Batch<T, O>,
        cache: &mut Self::Cache,
        training: bool,
        rng: &mut R,
    );

    /// The pre-activations of the last training pass, for a layer whose [`FUSION`](Layer::FUSION)
    /// is not `None`.
    fn logits(cache: &Self::Cache) -> Option<&Batch<T, O>> {
        let _ = cache;
        None
    }

    /// The backward pass of the last [`forward_train`](Layer::forward_train) that produced `y`
    /// from `x`. `dy` holds ∂loss/∂y (∂loss/∂logits when `from_logits`, which skips the output
    /// activation) and may be overwritten. Writes ∂loss/∂parameter into `grad` (replacing its
    /// contents) and, when `dx` is given, ∂loss/∂x into it.
    #[allow(clippy::too_many_arguments)]
    fn backward(
        &self,
        x: &Batch<T, I>,
        y: &Batch<T, O>,
        cache: &Self::Cache,
        dy: &mut Batch<T, O>,
        from_logits: bool,
        grad: &mut Self,
        dx: Option<&mut Batch<T, I>>,
    );

    /// A layer of the same configuration with every parameter zero: a gradient or optimizer
    /// state holder.
    fn zeroed(&self) -> Self;

    /// The regularization penalty of the layer's weights (`kernel_regularizer`,
    /// `bias_regularizer`), added to the loss once per step; zero for frozen layers.
    fn penalty(&self) -> T {
        T::zero()
    }

    /// The activity penalty (`activity_regularizer`) of the last forward pass.
    fn activity_penalty(&self, cache: &Self::Cache) -> T {
        let _ = cache;
        T::zero()
    }

    /// Adds ∂[`penalty`](Layer::penalty)/∂parameter to `grad`.
    fn add_penalty_gradient(&self, grad: &mut Self) {
        let _ = grad;
    }

    /// Applies the layer's constraints to its weights (after an optimizer step).
    fn constrain(&mut self) {}

    /// Updates state that training changes besides the weights (batch normalization's moving
    /// statistics), from the last training pass; called after the optimizer step.
    fn update_state(&mut self, cache: &Self::Cache) {
        let _ = cache;
    }

    /// Each parameter tensor, in order.
    fn params(&self) -> impl Iterator<Item = ParamRef<'_, T>>;

    /// Each parameter tensor, in order, mutably.
    fn params_mut(&mut self) -> impl Iterator<Item = ParamMut<'_, T>>;
}

/// Gives `m` exactly `n` columns, reallocating only when the count changes. The contents are
/// unspecified afterwards.
#[inline]
pub fn resize_batch<T: Float, const N: usize>(m: &mut Batch<T, N>, n: usize) {
    if m.ncols() != n {
        *m = Batch::<T, N>::zeros_generic(Const::<N>, Dyn(n));
    }
}
