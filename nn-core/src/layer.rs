//! What a layer is, by concern: [`Params`] (its class and parameters), [`Layer`] (inference)
//! and [`Train`] (the training passes); and the batch type layers exchange.

use core::fmt::Debug;

use nalgebra::SVector;
#[cfg(feature = "std")]
use nalgebra::{Const, Dyn, OMatrix};
#[cfg(feature = "std")]
use rand::Rng;

use crate::{Constraint, Float, Regularizer};

/// A batch of samples of width `N`, one sample per column: `N × batch`, column-major, so each
/// sample is contiguous. Products of a weight matrix with a batch go through nalgebra's GEMM.
#[cfg(feature = "std")]
pub type Batch<T, const N: usize> = OMatrix<T, Const<N>, Dyn>;

/// A view of one parameter tensor, as [`Params::params`] yields it.
#[derive(Debug)]
pub struct ParamRef<'a, T> {
    /// The fields leading to the layer that holds the tensor, within a layer that holds layers
    /// (`["forward"]` in a `Bidirectional`); empty for a tensor of the layer itself.
    pub path: Path,
    /// The parameter's name within the layer that holds it (`"kernel"`, `"bias"`). With the
    /// path, [`key`](ParamRef::key) names it within the outermost layer (`forward_kernel`).
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
    /// For a non-trainable statistic that follows the batches (batch normalization's moving
    /// mean and variance), its momentum: after each step `w = w · momentum + b · (1 − momentum)`,
    /// where `b` is the batch's value, which the backward pass writes in the gradient's place.
    pub moving_average: Option<f64>,
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
        moving_average: None,
        constraint: Constraint::None,
        norm_stride: 1,
    };
}

impl Default for Rules {
    fn default() -> Self {
        Self::NONE
    }
}

/// A mutable view of one parameter tensor, as [`Params::params_mut`] yields it.
#[derive(Debug)]
pub struct ParamMut<'a, T> {
    /// The fields leading to the layer that holds the tensor ([`ParamRef::path`]).
    pub path: Path,
    /// The parameter's name within the layer that holds it ([`ParamRef::name`]).
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

/// Where a tensor sits inside a layer that holds layers: the names of the fields leading to the
/// layer that holds it, outermost first (`["forward"]` for a `Bidirectional`'s forward
/// direction). At most [`Path::DEPTH`] deep; no heap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Path {
    segments: [&'static str; Path::DEPTH],
    len: usize,
}

impl Path {
    /// How deep layers may nest.
    pub const DEPTH: usize = 4;

    /// A tensor of the layer itself.
    pub const ROOT: Self = Self {
        segments: [""; Path::DEPTH],
        len: 0,
    };

    /// The field names, outermost first.
    #[must_use]
    pub fn segments(&self) -> &[&'static str] {
        &self.segments[..self.len]
    }

    /// This path as seen from a layer holding its layer in the field `field`: `field` in front.
    ///
    /// # Panics
    ///
    /// If layers nest deeper than [`Path::DEPTH`].
    #[must_use]
    pub const fn within(self, field: &'static str) -> Self {
        assert!(
            self.len < Path::DEPTH,
            "layers nest deeper than Path::DEPTH"
        );
        let mut segments = [field; Path::DEPTH];
        let mut i = 0;
        while i < self.len {
            segments[i + 1] = self.segments[i];
            i += 1;
        }
        Self {
            segments,
            len: self.len + 1,
        }
    }
}

/// A tensor's name within the outermost layer: the path's fields and the tensor's name, joined
/// by `_` (`kernel`, `forward_kernel`). The one rule by which files name nested tensors
/// (`nn`'s safetensors files add the layer's field name and a dot: `bi.forward_kernel`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    /// The fields leading to the layer that holds the tensor.
    pub path: Path,
    /// The tensor's name within that layer.
    pub name: &'static str,
}

impl core::fmt::Display for Key {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for segment in self.path.segments() {
            write!(f, "{segment}_")?;
        }
        f.write_str(self.name)
    }
}

impl<T> ParamRef<'_, T> {
    /// The tensor's name within the outermost layer ([`Key`]): `forward_kernel`.
    #[must_use]
    pub fn key(&self) -> Key {
        Key {
            path: self.path,
            name: self.name,
        }
    }

    /// This tensor as seen from a layer holding its layer in the field `field`.
    #[must_use]
    pub fn within(self, field: &'static str) -> Self {
        Self {
            path: self.path.within(field),
            ..self
        }
    }
}

impl<T> ParamMut<'_, T> {
    /// The tensor's name within the outermost layer ([`ParamRef::key`]).
    #[must_use]
    pub fn key(&self) -> Key {
        Key {
            path: self.path,
            name: self.name,
        }
    }

    /// This tensor as seen from a layer holding its layer in the field `field`.
    #[must_use]
    pub fn within(self, field: &'static str) -> Self {
        Self {
            path: self.path.within(field),
            ..self
        }
    }
}

/// What a layer is, whatever it computes: its Keras class, its parameters in a fixed order
/// (Keras's: kernel, then bias), and how to make a zeroed copy of it.
///
/// A layer implements three traits, one per concern: this one, [`Layer`] (inference) and
/// [`Train`] (training). They do not require each other, so that inference code needs nothing
/// of training, and a type error about a layer names the one concern it is about.
///
/// This is the one concern every cross-layer job sees: optimizers, penalties, constraints,
/// moving statistics, `summary()` and save and load all walk a network's layers through it
/// ([`Network::visit`](crate::Network::visit)), so adding a layer never touches them.
///
/// Gradients are stored in a value of the layer's own type (a "gradient layer" of the same shape,
/// made by [`zeroed`](Params::zeroed)), so a network's gradients are a network of the same type.
pub trait Params<T: Float>: Clone + Debug {
    /// The Keras class name (`"Dense"`, `"Dropout"`).
    const KIND: &'static str;

    /// The number of scalar parameters.
    const PARAMS: usize;

    /// When the layer reads token ids rather than values ([`Embedding`](crate::Embedding)),
    /// the size of its vocabulary: each input must be a whole number below it. `None` for
    /// every other layer.
    const TOKENS: Option<usize> = None;

    /// A layer of the same configuration with every parameter zero: a gradient holder.
    fn zeroed(&self) -> Self;

    /// Each parameter tensor, in order. A layer that holds layers yields theirs with the
    /// holding field's name in front of their [`path`](ParamRef::path).
    fn params(&self) -> impl Iterator<Item = ParamRef<'_, T>>;

    /// Each parameter tensor, in order, mutably.
    fn params_mut(&mut self) -> impl Iterator<Item = ParamMut<'_, T>>;
}

/// Inference: a layer mapping samples of width `I` to samples of width `O`, on one sample (no
/// heap allocation) or on a batch. (Its class and parameters are [`Params`]; its training passes
/// [`Train`].)
pub trait Layer<T: Float, const I: usize, const O: usize> {
    /// Inference on one sample.
    fn forward(&self, x: &SVector<T, I>) -> SVector<T, O>;

    /// The bytes of stack [`forward_into`](Self::forward_into) keeps beside its input and
    /// output: what it computes into before writing `y` (the default keeps
    /// [`forward`](Self::forward)'s whole output), a batch normalization its factors, a block
    /// its branches' outputs. `network!` adds the largest into a network's `PREDICT_STACK`.
    const SCRATCH: usize = core::mem::size_of::<SVector<T, O>>();

    /// The stack its code takes beyond [`SCRATCH`](Self::SCRATCH): saved registers, spilled
    /// values, small locals; an allowance, not a count ([`crate::frame`]). `network!` adds the
    /// largest of a network's layers' into its `PREDICT_STACK`.
    const FRAME: usize = crate::frame::SIMPLE;

    /// Inference on one sample into `y`, every value of which it writes: what `network!`'s
    /// `predict` calls, between two buffers. The default writes [`forward`](Self::forward)'s
    /// result.
    #[inline]
    fn forward_into(&self, x: &SVector<T, I>, y: &mut SVector<T, O>) {
        *y = self.forward(x);
    }

    /// Inference on a batch; `y` is resized to the batch if needed.
    #[cfg(feature = "std")]
    fn forward_batch(&self, x: &Batch<T, I>, y: &mut Batch<T, O>);
}

/// Streaming inference: a layer fed one step of a sequence at a time, with what it remembers
/// kept in a [`State`](Stream::State) between calls. `I` and `O` are the widths of one step
/// (an LSTM: its features in, its units out), or of the whole sample for a layer after a
/// recurrent layer's last step (a Dense classifier, run on each step's output). Allocates
/// nothing. `network!` writes a network's `step` from its layers' when every layer has one.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be fed one step at a time",
    label = "this layer needs the whole sequence",
    note = "a recurrent layer with `go_backwards` reads the sequence from its last step, and a \
            convolution or a pool reads several steps at once: feed whole sequences to \
            `forward` or `predict` instead"
)]
pub trait Stream<T: Float, const I: usize, const O: usize> {
    /// What the layer carries from one step to the next: `()` for a layer without memory.
    type State: Clone + Debug + Default;

    /// One step: `x` in, the layer's output for the sequence so far out.
    fn step(&self, state: &mut Self::State, x: &SVector<T, I>) -> SVector<T, O>;

    /// The bytes of stack [`step`](Self::step) keeps beside its input and output: what it
    /// computes into (the default: its output, built and returned). `network!` adds the
    /// largest into a network's `STEP_STACK`.
    const SCRATCH: usize = core::mem::size_of::<SVector<T, O>>();

    /// The stack its code takes beyond [`SCRATCH`](Self::SCRATCH), an allowance as
    /// [`Layer::FRAME`] is.
    const FRAME: usize = crate::frame::SIMPLE;
}

/// A network that `network!` can feed one step at a time: its input is a sequence and every
/// layer streams. It has `step(&mut state, &x) -> y`, where `x` is one step's `STEP` values
/// and `y` the network's output for the sequence so far; the state starts as `state()` (the
/// same as `Default::default()`: zeros) and allocates nothing.
///
/// ```
/// use nn::prelude::*;
///
/// network! {
///     pub struct Sensor = Input<50, 6>, LSTM<16>, Dense<16, 3, Softmax>;
/// }
///
/// let net = Sensor::seeded(1);
/// let mut state = net.state();
/// let y = net.step(&mut state, &SVector::<f32, 6>::repeat(0.5));
/// assert!((y.sum() - 1.0).abs() < 1e-5);
/// ```
pub trait Streaming<T: Float> {
    /// Values of one step in.
    const STEP: usize;
    /// What the layers remember from one step to the next.
    type State: Clone + Debug + Default;
}

/// `Stream` for a layer without memory that computes each step as [`Layer::forward`] computes a
/// sample, at the step's width.
macro_rules! stream_as_forward {
    ($i:ident, $o:ident) => {
        type State = ();

        /// What `forward` keeps at the step's width, and the output it builds.
        const SCRATCH: usize = <Self as $crate::Layer<T, $i, $o>>::SCRATCH
            + core::mem::size_of::<nalgebra::SVector<T, $o>>();

        const FRAME: usize = <Self as $crate::Layer<T, $i, $o>>::FRAME;

        #[inline]
        fn step(&self, _: &mut (), x: &nalgebra::SVector<T, $i>) -> nalgebra::SVector<T, $o> {
            $crate::Layer::<T, $i, $o>::forward(self, x)
        }
    };
}
pub(crate) use stream_as_forward;

/// Training: a forward pass on a batch that records in a [`Cache`](Train::Cache) what the
/// backward pass needs, and the backward pass.
#[cfg(feature = "std")]
pub trait Train<T: Float, const I: usize, const O: usize> {
    /// What a training forward pass records for the backward pass.
    type Cache: Clone + Debug + Default + Send;

    /// A forward pass on a batch that records what [`backward`](Train::backward) needs. In
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

    /// The activity penalty (`activity_regularizer`) of the last forward pass.
    fn activity_penalty(&self, cache: &Self::Cache) -> T {
        let _ = cache;
        T::zero()
    }

    /// The backward pass of the last [`forward_train`](Train::forward_train) that produced `y`
    /// from `x`. `dy` holds ∂loss/∂y and may be overwritten. Writes ∂loss/∂parameter into `grad`
    /// (replacing its contents) and, when `dx` is given, ∂loss/∂x into it. A statistic that follows the batch
    /// (a [`Rules::moving_average`]) gets the batch's value in `grad` instead of a gradient.
    fn backward(
        &self,
        x: &Batch<T, I>,
        y: &Batch<T, O>,
        cache: &Self::Cache,
        dy: &mut Batch<T, O>,
        grad: &mut Self,
        dx: Option<&mut Batch<T, I>>,
    );
}

/// `Params` for a layer without parameters: its Keras class, no tensors, a copy as its zeroed
/// self.
macro_rules! no_params {
    ($class:expr) => {
        const KIND: &'static str = $class;
        const PARAMS: usize = 0;

        fn zeroed(&self) -> Self {
            self.clone()
        }

        $crate::layer::tensors!(self;);
    };
}
pub(crate) use no_params;

/// A layer's tensors, declared once: writes both [`Params::params`] and [`Params::params_mut`].
///
/// ```ignore
/// tensors!(self, let trainable = read(self.trainable);
///     kernel: &KERNEL_SHAPE, trainable, Rules::NONE;      // the field `kernel`, always
///     bias [BIAS]: &BIAS_SHAPE, trainable, Rules::NONE;   // only when `BIAS`
///     forward: layer;                                     // a layer held in `forward`
/// );
/// ```
///
/// Each `let` runs first in both walks (for values read from the whole of `self`). A tensor
/// entry names its field (and the tensor: the field's name), an optional condition in brackets,
/// its shape, whether it is trainable and its [`Rules`]; the field is read with `as_slice` or
/// `as_mut_slice`. A `field: layer` entry yields the held layer's tensors, each
/// [`within`](ParamRef::within) the field's name, so the walk carries its path and a layer that
/// holds layers writes no naming of its own.
/// `..field;` yields the tensors of a layer held in `field` as the layer's own (no path): for a
/// layer that is its weight part under another name.
macro_rules! tensors {
    ($self:ident $(, let $p:pat = $e:expr)* ; $($items:tt)*) => {
        #[allow(unused_parens)]
        fn params(&$self) -> impl Iterator<Item = $crate::ParamRef<'_, T>> {
            $(let $p = $e;)*
            $crate::layer::tensors!(@walk $self, ParamRef, as_slice, params,
                (core::iter::empty()) $($items)*)
        }

        #[allow(unused_parens)]
        fn params_mut(&mut $self) -> impl Iterator<Item = $crate::ParamMut<'_, T>> {
            $(let $p = $e;)*
            $crate::layer::tensors!(@walk $self, ParamMut, as_mut_slice, params_mut,
                (core::iter::empty()) $($items)*)
        }
    };
    (@walk $self:ident, $item:ident, $slice:ident, $walk:ident, ($acc:expr)) => {
        $acc
    };
    (@walk $self:ident, $item:ident, $slice:ident, $walk:ident, ($acc:expr)
        ..$field:ident; $($rest:tt)*) => {
        $crate::layer::tensors!(@walk $self, $item, $slice, $walk,
            ($acc.chain($self.$field.$walk())) $($rest)*)
    };
    (@walk $self:ident, $item:ident, $slice:ident, $walk:ident, ($acc:expr)
        $field:ident: layer; $($rest:tt)*) => {
        $crate::layer::tensors!(@walk $self, $item, $slice, $walk,
            ($acc.chain($self.$field.$walk().map(|p| p.within(stringify!($field))))) $($rest)*)
    };
    (@walk $self:ident, $item:ident, $slice:ident, $walk:ident, ($acc:expr)
        $field:ident $([$cond:expr])?: $shape:expr, $trainable:expr, $rules:expr; $($rest:tt)*) => {
        $crate::layer::tensors!(@walk $self, $item, $slice, $walk,
            ($acc.chain((true $(&& $cond)?).then_some($crate::$item {
                path: $crate::layer::Path::ROOT,
                name: stringify!($field),
                shape: $shape,
                values: $self.$field.$slice(),
                trainable: $trainable,
                rules: $rules,
            }))) $($rest)*)
    };
}
pub(crate) use tensors;

/// Gives `m` exactly `n` columns, reallocating only when the count changes. The contents are
/// unspecified afterwards.
#[cfg(feature = "std")]
#[inline]
pub(crate) fn resize_batch<T: Float, const N: usize>(m: &mut Batch<T, N>, n: usize) {
    if m.ncols() != n {
        *m = Batch::<T, N>::zeros_generic(Const::<N>, Dyn(n));
    }
}

/// Adds the gradients of a layer's weight penalties to its gradient holder `grad`: each
/// trainable parameter's regularizer, from the [`Rules`] it carries. Written once
/// for every layer; the backward pass calls it after each layer's own.
#[cfg(feature = "std")]
pub fn add_penalty_gradients<T: Float, L: Params<T>>(layer: &L, grad: &mut L) {
    for (p, g) in layer.params().zip(grad.params_mut()) {
        if p.trainable {
            p.rules
                .regularizer
                .add_gradient(p.values, T::one(), g.values);
        }
    }
}
