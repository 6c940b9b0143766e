//! `Fork`: two branches fed the same input, their outputs joined by one of Keras's merge layers
//! (`Add`, `Subtract`, `Multiply`, `Average`, `Maximum`, `Minimum`, `Concatenate`). A residual
//! block is a fork whose one branch is the layers and whose other is the input itself
//! ([`Shortcut`]) or a projection of it.
//!
//! The runtime side of the blocks `network!` declares; a branch is any layer, or several in a
//! row.

use core::fmt::Debug;
use core::marker::PhantomData;

use nalgebra::SVector;

use crate::Float;
use crate::layer::{Layer, Params, Stream, no_params, stream_as_forward, tensors};

#[cfg(feature = "std")]
pub(super) mod train;

/// How a [`Fork`] joins its branches' outputs for one sample: `a` (the first branch's, `WA`
/// values) and `b` (the second's, `WB`) into `out`.
pub trait Join: Copy + Debug + Default + Send + Sync + 'static {
    /// Keras's class of the merge layer (`"Add"`).
    const CLASS: &'static str;

    /// Whether the output is the two inputs side by side (`Concatenate`: `WA + WB` values)
    /// rather than one value per pair (`WA = WB = O`).
    const CONCATENATES: bool = false;

    /// Joins `a` and `b` into `out`.
    fn join<T: Float>(a: &[T], b: &[T], out: &mut [T]);

    /// The gradients with respect to `a` and `b`, from `dy`, the gradient of `out`.
    fn backward<T: Float>(a: &[T], b: &[T], dy: &[T], da: &mut [T], db: &mut [T]);
}

/// Each pair of values through `f`.
#[inline]
fn each<T: Float>(a: &[T], b: &[T], out: &mut [T], f: impl Fn(T, T) -> T) {
    for ((o, &a), &b) in out.iter_mut().zip(a).zip(b) {
        *o = f(a, b);
    }
}

/// Each pair's gradients: `f(a, b, dy)` gives `(da, db)`.
#[inline]
fn each_back<T: Float>(
    a: &[T],
    b: &[T],
    dy: &[T],
    da: &mut [T],
    db: &mut [T],
    f: impl Fn(T, T, T) -> (T, T),
) {
    for (i, &g) in dy.iter().enumerate() {
        (da[i], db[i]) = f(a[i], b[i], g);
    }
}

/// Keras's `Add`: `a + b`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Add;

/// Keras's `Subtract`: `a − b`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Subtract;

/// Keras's `Multiply`: `a · b`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Multiply;

/// Keras's `Average`: `(a + b) / 2`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Average;

/// Keras's `Maximum`: `max(a, b)`; where they are equal, the gradient goes to `a`, as
/// TensorFlow's does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Maximum;

/// Keras's `Minimum`: `min(a, b)`; where they are equal, the gradient goes to `a`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Minimum;

/// Keras's `Concatenate` over the last axis: at each of `POSITIONS` positions (an image's
/// pixels, a sequence's steps, 1 for a vector), the first branch's channels, then the second's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Concatenate<const POSITIONS: usize>;

impl Join for Add {
    const CLASS: &'static str = "Add";

    fn join<T: Float>(a: &[T], b: &[T], out: &mut [T]) {
        each(a, b, out, |a, b| a + b);
    }

    fn backward<T: Float>(_a: &[T], _b: &[T], dy: &[T], da: &mut [T], db: &mut [T]) {
        da.copy_from_slice(dy);
        db.copy_from_slice(dy);
    }
}

impl Join for Subtract {
    const CLASS: &'static str = "Subtract";

    fn join<T: Float>(a: &[T], b: &[T], out: &mut [T]) {
        each(a, b, out, |a, b| a - b);
    }

    fn backward<T: Float>(a: &[T], b: &[T], dy: &[T], da: &mut [T], db: &mut [T]) {
        each_back(a, b, dy, da, db, |_, _, g| (g, -g));
    }
}

impl Join for Multiply {
    const CLASS: &'static str = "Multiply";

    fn join<T: Float>(a: &[T], b: &[T], out: &mut [T]) {
        each(a, b, out, |a, b| a * b);
    }

    fn backward<T: Float>(a: &[T], b: &[T], dy: &[T], da: &mut [T], db: &mut [T]) {
        each_back(a, b, dy, da, db, |a, b, g| (g * b, g * a));
    }
}

impl Join for Average {
    const CLASS: &'static str = "Average";

    fn join<T: Float>(a: &[T], b: &[T], out: &mut [T]) {
        each(a, b, out, |a, b| (a + b) * T::of(0.5));
    }

    fn backward<T: Float>(a: &[T], b: &[T], dy: &[T], da: &mut [T], db: &mut [T]) {
        each_back(a, b, dy, da, db, |_, _, g| (g * T::of(0.5), g * T::of(0.5)));
    }
}

impl Join for Maximum {
    const CLASS: &'static str = "Maximum";

    fn join<T: Float>(a: &[T], b: &[T], out: &mut [T]) {
        each(a, b, out, |a, b| if a >= b { a } else { b });
    }

    fn backward<T: Float>(a: &[T], b: &[T], dy: &[T], da: &mut [T], db: &mut [T]) {
        let zero = T::zero();
        each_back(
            a,
            b,
            dy,
            da,
            db,
            |a, b, g| if a >= b { (g, zero) } else { (zero, g) },
        );
    }
}

impl Join for Minimum {
    const CLASS: &'static str = "Minimum";

    fn join<T: Float>(a: &[T], b: &[T], out: &mut [T]) {
        each(a, b, out, |a, b| if a <= b { a } else { b });
    }

    fn backward<T: Float>(a: &[T], b: &[T], dy: &[T], da: &mut [T], db: &mut [T]) {
        let zero = T::zero();
        each_back(
            a,
            b,
            dy,
            da,
            db,
            |a, b, g| if a <= b { (g, zero) } else { (zero, g) },
        );
    }
}

impl<const POSITIONS: usize> Join for Concatenate<POSITIONS> {
    const CLASS: &'static str = "Concatenate";
    const CONCATENATES: bool = true;

    fn join<T: Float>(a: &[T], b: &[T], out: &mut [T]) {
        let (ca, cb) = (a.len() / POSITIONS, b.len() / POSITIONS);
        let rows = out.chunks_exact_mut(ca + cb);
        for ((row, a), b) in rows.zip(a.chunks_exact(ca)).zip(b.chunks_exact(cb)) {
            row[..ca].copy_from_slice(a);
            row[ca..].copy_from_slice(b);
        }
    }

    fn backward<T: Float>(a: &[T], b: &[T], dy: &[T], da: &mut [T], db: &mut [T]) {
        let (ca, cb) = (a.len() / POSITIONS, b.len() / POSITIONS);
        let rows = dy.chunks_exact(ca + cb);
        for ((row, da), db) in rows
            .zip(da.chunks_exact_mut(ca))
            .zip(db.chunks_exact_mut(cb))
        {
            da.copy_from_slice(&row[..ca]);
            db.copy_from_slice(&row[ca..]);
        }
    }
}

/// Two branches fed the same input, their outputs joined by `J` (Keras's merge layer, with
/// the two branches as its inputs in order): `y = J(first(x), second(x))`. The first branch
/// gives `WA` values, the second `WB`; joined, `O` (`WA = WB = O`, or `WA + WB` when `J`
/// concatenates: other widths fail to compile where the fork is used).
///
/// Its parameters are the first branch's, then the second's, each under its own names (a
/// branch of several layers is a type of `network!`'s whose fields are its layers). It trains
/// (the gradient of the input is the sum of both branches'), streams when both branches do (a
/// concatenation does not), and
/// without `std` infers one sample without a heap.
///
/// ```
/// use nn::nalgebra::SVector;
/// use nn::{Add, Dense, Fork, Layer, Linear, Shortcut};
///
/// // A residual connection around one dense layer: y = x + dense(x), here with unit 0 reading
/// // input 1 (the kernel matrix is units × inputs) and every other weight zero.
/// let mut block: Fork<Add, Dense<f64, 2, 2, Linear>, Shortcut, 2, 2, 2> =
///     Fork::new(Dense::zeros(Linear), Shortcut);
/// block.first.weights.kernel[(0, 1)] = 1.0;
/// let y: SVector<f64, 2> = block.forward(&SVector::from([1.0, 2.0]));
/// assert_eq!(y, SVector::from([3.0, 2.0]));
/// ```
#[derive(Clone, Debug)]
pub struct Fork<J, A, B, const WA: usize, const WB: usize, const O: usize> {
    /// The first branch: the merge layer's first input.
    pub first: A,
    /// The second branch.
    pub second: B,
    join: PhantomData<J>,
}

impl<J: Join, A, B, const WA: usize, const WB: usize, const O: usize> Fork<J, A, B, WA, WB, O> {
    /// The fork of these two branches; a `const fn`, for networks with weights built into the
    /// program.
    pub const fn new(first: A, second: B) -> Self {
        Self {
            first,
            second,
            join: PhantomData,
        }
    }

    /// Checks that the widths fit `J` (evaluated where the fork is used).
    const fn check() {
        if J::CONCATENATES {
            assert!(
                WA + WB == O,
                "a concatenation's width is its branches' together"
            );
        } else {
            assert!(
                WA == O && WB == O,
                "joined branches have the output's width"
            );
        }
    }
}

impl<
    T: Float,
    J: Join,
    A: Params<T>,
    B: Params<T>,
    const WA: usize,
    const WB: usize,
    const O: usize,
> Params<T> for Fork<J, A, B, WA, WB, O>
{
    const KIND: &'static str = J::CLASS;
    const PARAMS: usize = A::PARAMS + B::PARAMS;

    fn zeroed(&self) -> Self {
        Self::new(self.first.zeroed(), self.second.zeroed())
    }

    tensors!(self;
        ..first;
        ..second;
    );
}

/// The two branches' outputs for one sample, joined.
#[inline]
fn joined<T: Float, J: Join, const WA: usize, const WB: usize, const O: usize>(
    a: &SVector<T, WA>,
    b: &SVector<T, WB>,
) -> SVector<T, O> {
    let mut y = SVector::<T, O>::zeros();
    J::join(a.as_slice(), b.as_slice(), y.as_mut_slice());
    y
}

impl<
    T: Float,
    J: Join,
    A: Layer<T, I, WA>,
    B: Layer<T, I, WB>,
    const I: usize,
    const O: usize,
    const WA: usize,
    const WB: usize,
> Layer<T, I, O> for Fork<J, A, B, WA, WB, O>
{
    #[inline]
    fn forward(&self, x: &SVector<T, I>) -> SVector<T, O> {
        const { Self::check() };
        joined::<T, J, WA, WB, O>(&self.first.forward(x), &self.second.forward(x))
    }

    /// The first branch's output while it runs, then both outputs while the second runs.
    const SCRATCH: usize = core::mem::size_of::<SVector<T, WA>>()
        + crate::private::widest(&[
            A::SCRATCH,
            core::mem::size_of::<SVector<T, WB>>() + B::SCRATCH,
        ]);

    const FRAME: usize = crate::frame::WINDOWED;

    /// Keeps both branches' outputs on the stack while it joins them.
    #[inline]
    fn forward_into(&self, x: &SVector<T, I>, y: &mut SVector<T, O>) {
        const { Self::check() };
        let (a, b) = (self.first.forward(x), self.second.forward(x));
        J::join(a.as_slice(), b.as_slice(), y.as_mut_slice());
    }

    #[cfg(feature = "std")]
    fn forward_batch(&self, x: &crate::Batch<T, I>, y: &mut crate::Batch<T, O>) {
        self.forward_batch_with(x, y);
    }
}

/// One step of a sequence through both branches, joined value by value: a step's widths are
/// `I` in and `O` out in each branch (the fork's own widths are the whole sequence's). A
/// concatenation does not stream.
impl<
    T: Float,
    J: Join,
    A: Stream<T, I, O>,
    B: Stream<T, I, O>,
    const I: usize,
    const O: usize,
    const WA: usize,
    const WB: usize,
    const WO: usize,
> Stream<T, I, O> for Fork<J, A, B, WA, WB, WO>
{
    type State = (A::State, B::State);

    fn step(&self, state: &mut Self::State, x: &SVector<T, I>) -> SVector<T, O> {
        const { assert!(!J::CONCATENATES, "a concatenation does not stream") };
        let a = self.first.step(&mut state.0, x);
        let b = self.second.step(&mut state.1, x);
        joined::<T, J, O, O, O>(&a, &b)
    }
}

/// The identity: a branch that passes its input on unchanged, as a residual block's shortcut.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Shortcut;

impl<T: Float> Params<T> for Shortcut {
    no_params!("Identity");
}

impl<T: Float, const N: usize> Layer<T, N, N> for Shortcut {
    const SCRATCH: usize = 0;

    #[inline]
    fn forward(&self, x: &SVector<T, N>) -> SVector<T, N> {
        *x
    }

    #[cfg(feature = "std")]
    fn forward_batch(&self, x: &crate::Batch<T, N>, y: &mut crate::Batch<T, N>) {
        y.clone_from(x);
    }
}

impl<T: Float, const N: usize> Stream<T, N, N> for Shortcut {
    stream_as_forward!(N, N);
}
