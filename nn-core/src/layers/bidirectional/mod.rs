//! `Bidirectional`: a recurrent layer run over the sequence forwards and, with weights of its
//! own, backwards; the two outputs merged step by step.

use core::fmt::Debug;
use core::marker::PhantomData;

use nalgebra::SVector;

use super::recurrent::{Cell, Recurrent};
use crate::Float;
use crate::layer::{Layer, Params, tensors};
use crate::storage::{Inline, Storage};

#[cfg(feature = "std")]
pub(super) mod train;

/// How [`Bidirectional`] merges the forward and the backward output of a step (Keras's
/// `merge_mode`).
pub trait Merge: Copy + Debug + Default + Send + Sync + 'static {
    /// Keras's name (`"concat"`).
    const NAME: &'static str;
    /// Values out per value of one direction: 2 for [`Concat`], 1 otherwise.
    const WIDTH: usize;

    /// Merges `a` (forward) and `b` (backward), `U` values each, into `out` (`WIDTH · U`).
    fn merge<T: Float>(a: &[T], b: &[T], out: &mut [T]);

    /// The gradients of `a` and `b` from the gradient `dy` of the merged values.
    fn backward<T: Float>(a: &[T], b: &[T], dy: &[T], da: &mut [T], db: &mut [T]);
}

/// `merge_mode = "concat"` (Keras's default): the forward values, then the backward ones.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Concat;

/// `merge_mode = "sum"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sum;

/// `merge_mode = "mul"`: the product.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mul;

/// `merge_mode = "ave"`: the mean.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ave;

impl Merge for Concat {
    const NAME: &'static str = "concat";
    const WIDTH: usize = 2;

    fn merge<T: Float>(a: &[T], b: &[T], out: &mut [T]) {
        let (front, back) = out.split_at_mut(a.len());
        front.copy_from_slice(a);
        back.copy_from_slice(b);
    }

    fn backward<T: Float>(a: &[T], _b: &[T], dy: &[T], da: &mut [T], db: &mut [T]) {
        da.copy_from_slice(&dy[..a.len()]);
        db.copy_from_slice(&dy[a.len()..]);
    }
}

impl Merge for Sum {
    const NAME: &'static str = "sum";
    const WIDTH: usize = 1;

    fn merge<T: Float>(a: &[T], b: &[T], out: &mut [T]) {
        for ((o, &a), &b) in out.iter_mut().zip(a).zip(b) {
            *o = a + b;
        }
    }

    fn backward<T: Float>(_a: &[T], _b: &[T], dy: &[T], da: &mut [T], db: &mut [T]) {
        da.copy_from_slice(dy);
        db.copy_from_slice(dy);
    }
}

impl Merge for Mul {
    const NAME: &'static str = "mul";
    const WIDTH: usize = 1;

    fn merge<T: Float>(a: &[T], b: &[T], out: &mut [T]) {
        for ((o, &a), &b) in out.iter_mut().zip(a).zip(b) {
            *o = a * b;
        }
    }

    fn backward<T: Float>(a: &[T], b: &[T], dy: &[T], da: &mut [T], db: &mut [T]) {
        for (i, &g) in dy.iter().enumerate() {
            da[i] = g * b[i];
            db[i] = g * a[i];
        }
    }
}

impl Merge for Ave {
    const NAME: &'static str = "ave";
    const WIDTH: usize = 1;

    fn merge<T: Float>(a: &[T], b: &[T], out: &mut [T]) {
        let half = T::of(0.5);
        for ((o, &a), &b) in out.iter_mut().zip(a).zip(b) {
            *o = (a + b) * half;
        }
    }

    fn backward<T: Float>(_a: &[T], _b: &[T], dy: &[T], da: &mut [T], db: &mut [T]) {
        let half = T::of(0.5);
        for ((a, b), &g) in da.iter_mut().zip(db.iter_mut()).zip(dy) {
            *a = g * half;
            *b = g * half;
        }
    }
}

/// Keras's `Bidirectional(layer, merge_mode)`: the recurrent layer `forward` reads the
/// sequence from the first step, `backward` (the same kind, with weights of its own and
/// `go_backwards`) from the last; their outputs are merged by `M`.
///
/// - Without `SEQUENCES`, the output merges the two last outputs: the forward one after the
///   last step, the backward one after the first (`O = M::WIDTH · U`).
/// - With `SEQUENCES`, step `t` merges the forward output at step `t` with the backward output
///   at step `t` (which the backward layer computed from step `t` and the steps after it), as
///   Keras does:
///   `O = STEPS · M::WIDTH · U`.
///
/// `H` is what each direction returns (`U`, or `STEPS · U`). The weights are the forward
/// layer's, then the backward layer's, as in Keras's files.
///
/// ```
/// use nn::prelude::*;
///
/// network! {
///     /// 5 steps of 3 features; an LSTM of 4 units each way, the two last outputs summed.
///     pub struct Tagger = Input<5, 3>, Bidirectional<LSTM<4>, merge_mode = Sum>;
/// }
///
/// let net = Tagger::seeded(1);
/// let layer = &net.bidirectional;
/// assert!(layer.backward.go_backwards() && !layer.forward.go_backwards());
///
/// let x = SVector::<f32, 15>::from_fn(|i, _| (i as f32 * 0.4).sin());
/// let forward: SVector<f32, 4> = layer.forward.forward(&x);
/// let backward: SVector<f32, 4> = layer.backward.forward(&x);
/// assert!((net.predict(&x) - (forward + backward)).amax() < 1e-6);
/// ```
#[derive(Clone, Debug)]
pub struct Bidirectional<
    T: Float,
    const I: usize,
    const O: usize,
    const H: usize,
    const F: usize,
    const U: usize,
    const G: usize,
    const B: usize,
    const SEQUENCES: bool,
    C: Cell,
    M: Merge,
    S: Storage = Inline,
> {
    /// The layer that reads the sequence forwards.
    pub forward: Recurrent<T, I, H, F, U, G, B, SEQUENCES, C, S>,
    /// The layer that reads it backwards (`go_backwards`).
    pub backward: Recurrent<T, I, H, F, U, G, B, SEQUENCES, C, S, true>,
    merge: PhantomData<M>,
}

impl<
    T: Float,
    const I: usize,
    const O: usize,
    const H: usize,
    const F: usize,
    const U: usize,
    const G: usize,
    const B: usize,
    const SEQUENCES: bool,
    C: Cell,
    M: Merge,
> Bidirectional<T, I, O, H, F, U, G, B, SEQUENCES, C, M, Inline>
{
    /// A layer with these weights, in Keras's layouts, the forward layer's then the backward
    /// one's (see [`Recurrent::from_arrays`]); a `const fn`, for networks with weights built
    /// into the program.
    #[allow(clippy::too_many_arguments)]
    pub const fn from_arrays(
        kernel: [[T; G]; F],
        recurrent_kernel: [[T; G]; U],
        bias: [[T; G]; B],
        backward_kernel: [[T; G]; F],
        backward_recurrent_kernel: [[T; G]; U],
        backward_bias: [[T; G]; B],
    ) -> Self {
        let () = Self::SIZES;
        Self {
            forward: Recurrent::from_arrays(kernel, recurrent_kernel, bias),
            backward: Recurrent::from_arrays(
                backward_kernel,
                backward_recurrent_kernel,
                backward_bias,
            ),
            merge: PhantomData,
        }
    }
}

impl<
    T: Float,
    const I: usize,
    const O: usize,
    const H: usize,
    const F: usize,
    const U: usize,
    const G: usize,
    const B: usize,
    const SEQUENCES: bool,
    C: Cell,
    M: Merge,
    S: Storage,
> Bidirectional<T, I, O, H, F, U, G, B, SEQUENCES, C, M, S>
{
    /// The sizes, checked when a layer is made.
    const SIZES: () = assert!(
        O == H * M::WIDTH && H.is_multiple_of(U),
        "O is M::WIDTH times what one direction returns"
    );

    /// Steps in each direction's output: the sequence's, or 1 for the last step only.
    const OUT_STEPS: usize = H / U;

    /// A layer with every weight zero (a gradient holder).
    pub fn zeros() -> Self {
        let () = Self::SIZES;
        Self {
            forward: Recurrent::zeros(),
            backward: Recurrent::zeros(),
            merge: PhantomData,
        }
    }

    /// Merges one sample's outputs of both directions (`H` values each) into `y`: step `t` of
    /// the forward output with step `OUT_STEPS − 1 − t` of the backward one, which is the
    /// backward layer's output at input step `t`.
    fn merge_sample(a: &[T], b: &[T], y: &mut [T]) {
        let steps = Self::OUT_STEPS;
        for t in 0..steps {
            let back = steps - 1 - t;
            M::merge(
                &a[t * U..(t + 1) * U],
                &b[back * U..(back + 1) * U],
                &mut y[t * M::WIDTH * U..(t + 1) * M::WIDTH * U],
            );
        }
    }
}

impl<
    T: Float,
    const I: usize,
    const O: usize,
    const H: usize,
    const F: usize,
    const U: usize,
    const G: usize,
    const B: usize,
    const SEQUENCES: bool,
    C: Cell,
    M: Merge,
    S: Storage,
> Params<T> for Bidirectional<T, I, O, H, F, U, G, B, SEQUENCES, C, M, S>
{
    const KIND: &'static str = nn_keras::class::BIDIRECTIONAL;
    const PARAMS: usize =
        2 * <Recurrent<T, I, H, F, U, G, B, SEQUENCES, C, S> as Params<T>>::PARAMS;

    fn zeroed(&self) -> Self {
        Self {
            forward: self.forward.zeroed(),
            backward: self.backward.zeroed(),
            merge: PhantomData,
        }
    }

    tensors!(self;
        forward: layer;
        backward: layer;
    );
}

impl<
    T: Float,
    const I: usize,
    const O: usize,
    const H: usize,
    const F: usize,
    const U: usize,
    const G: usize,
    const B: usize,
    const SEQUENCES: bool,
    C: Cell,
    M: Merge,
    S: Storage,
> Layer<T, I, O> for Bidirectional<T, I, O, H, F, U, G, B, SEQUENCES, C, M, S>
{
    fn forward(&self, x: &SVector<T, I>) -> SVector<T, O> {
        let a: SVector<T, H> = self.forward.forward(x);
        let b: SVector<T, H> = self.backward.forward(x);
        let mut y = crate::storage::zeros::<T, O>();
        Self::merge_sample(a.as_slice(), b.as_slice(), y.as_mut_slice());
        y
    }

    #[cfg(feature = "std")]
    fn forward_batch(&self, x: &crate::Batch<T, I>, y: &mut crate::Batch<T, O>) {
        let mut cache = train::BidirectionalCache::default();
        self.run(x, y, &mut cache);
    }
}
