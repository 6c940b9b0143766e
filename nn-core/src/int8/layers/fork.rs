//! The int8 form of a block that adds its two branches (`Add<[..], [..]>`, a residual
//! connection): each branch's int8 form, then TensorFlow Lite's `ADD` of their outputs.

use crate::int8::kernels::Add as AddKernel;
use crate::int8::{Layer, Multiplier, Output, Quantize};

/// Two branches fed the same input, their outputs added as TensorFlow Lite's `ADD` adds
/// them (each brought to a common scale, the sum requantized).
#[derive(Clone, Debug)]
pub struct Fork<A, B> {
    /// The first branch.
    pub first: A,
    /// The second branch.
    pub second: B,
    /// The addition's constants.
    pub add: AddKernel,
}

/// Runs a block's two branches on `x` and gives their outputs to `join`: the first branch's
/// output is kept while the second runs, in the stack the first one's buffers took.
#[inline(always)]
fn branches<A, B, const I: usize, const WA: usize, const WB: usize>(
    first: &A,
    second: &B,
    x: &[i8; I],
    join: impl FnOnce(&[i8; WA], &[i8; WB]),
) where
    A: Layer<I, WA>,
    B: Layer<I, WB>,
{
    let mut a = [0i8; WA];
    first.forward(x, &mut a);
    // After the first branch: its buffers are free for the second's.
    let mut b = [0i8; WB];
    second.forward(x, &mut b);
    join(&a, &b);
}

/// The stack [`branches`] keeps: the first branch's output while it runs, then both outputs
/// while the second runs.
const fn scratch<A, B, const I: usize, const WA: usize, const WB: usize>() -> usize
where
    A: Layer<I, WA>,
    B: Layer<I, WB>,
{
    WA + crate::private::widest(&[A::SCRATCH, WB + B::SCRATCH])
}

impl<A, B, const I: usize, const O: usize> Layer<I, O> for Fork<A, B>
where
    A: Layer<I, O>,
    B: Layer<I, O>,
{
    const SCRATCH: usize = scratch::<A, B, I, O, O>();

    const FRAME: usize = crate::frame::KERNELS;

    const PARAM_BYTES: usize = A::PARAM_BYTES + B::PARAM_BYTES;

    #[inline]
    fn forward(&self, x: &[i8; I], y: &mut [i8; O]) {
        branches(&self.first, &self.second, x, |a, b| self.add.run(a, b, y));
    }

    #[cfg(feature = "std")]
    fn load(&mut self, walk: &mut crate::int8::Walk<'_>) {
        let (first, second) = (&mut self.first, &mut self.second);
        if let Some(add) = load_fork(walk, O, |walk| first.load(walk), |walk| second.load(walk)) {
            self.add = add;
        }
    }
}

/// Reads a block that adds its branches: `first` and `second` read each branch from the
/// block's input, then the `ADD` that joins their outputs (`len` values). The addition's
/// constants, or `None` after a problem.
#[cfg(feature = "std")]
pub(crate) fn load_fork(
    walk: &mut crate::int8::Walk<'_>,
    len: usize,
    first: impl FnOnce(&mut crate::int8::Walk<'_>),
    second: impl FnOnce(&mut crate::int8::Walk<'_>),
) -> Option<AddKernel> {
    let [(a, qa), (b, qb)] = walk.branches(first, second);
    let (op, activation) = walk.join_add(&a, &b)?;
    let mut add = None;
    if let (Some((scale, output)), Some(qa), Some(qb)) = (
        crate::int8::walk::output(walk, &op, activation, len),
        qa,
        qb,
    ) {
        if !AddKernel::fits(qa.0, qb.0, scale) {
            walk.problem(
                "the file's ADD has an output scale so much smaller than its inputs' that \
                 TensorFlow Lite refuses it",
            );
        }
        add = Some(AddKernel::new(qa, qb, scale, output));
    }
    walk.advance(op, activation, crate::int8::Bounds::NONE);
    add
}

impl<A, B, const I: usize, const O: usize> Quantize<I, O> for crate::Fork<crate::Add, A, B, O, O, O>
where
    A: Quantize<I, O> + crate::Layer<f32, I, O>,
    B: Quantize<I, O> + crate::Layer<f32, I, O>,
{
    type Int8 = Fork<A::Int8, B::Int8>;

    fn int8(&self) -> Self::Int8 {
        let zero = Multiplier { value: 0, shift: 0 };
        Fork {
            first: self.first.int8(),
            second: self.second.int8(),
            add: AddKernel {
                a_zero: 0,
                b_zero: 0,
                a: zero,
                b: zero,
                sum: zero,
                output: Output::FULL,
            },
        }
    }

    #[cfg(feature = "std")]
    fn observe(
        &self,
        x: &crate::Batch<f32, I>,
        ranges: &mut crate::int8::Ranges,
    ) -> crate::Batch<f32, O> {
        let a = self.first.observe(x, ranges);
        let b = self.second.observe(x, ranges);
        let y = a + b;
        ranges.observe(y.as_slice());
        y
    }

    #[cfg(feature = "std")]
    fn convert(&self, c: &mut crate::int8::Converter) {
        let (a, b) = c.branches(|c| self.first.convert(c), |c| self.second.convert(c));
        let range = c.range();
        c.add(a, b, range);
    }
}

/// Two branches fed the same input, their outputs side by side along the channels as
/// TensorFlow Lite's `CONCATENATION` joins them (`Concatenate<[..], [..]>`): at each of `P`
/// positions, the first branch's `WA / P` values, then the second's `WB / P`. A copy, as its
/// int8 kernel is: it takes only inputs quantized as its output.
#[derive(Clone, Debug)]
pub struct Concat<A, B, const WA: usize, const WB: usize, const P: usize> {
    /// The first branch.
    pub first: A,
    /// The second branch.
    pub second: B,
}

impl<A, B, const I: usize, const O: usize, const WA: usize, const WB: usize, const P: usize>
    Layer<I, O> for Concat<A, B, WA, WB, P>
where
    A: Layer<I, WA>,
    B: Layer<I, WB>,
{
    const SCRATCH: usize = scratch::<A, B, I, WA, WB>();

    const FRAME: usize = crate::frame::KERNELS;

    const PARAM_BYTES: usize = A::PARAM_BYTES + B::PARAM_BYTES;

    #[inline]
    fn forward(&self, x: &[i8; I], y: &mut [i8; O]) {
        branches(&self.first, &self.second, x, |a, b| {
            crate::int8::kernels::concatenate(a, b, (WA / P, WB / P), y);
        });
    }

    #[cfg(feature = "std")]
    fn load(&mut self, walk: &mut crate::int8::Walk<'_>) {
        let (first, second) = (&mut self.first, &mut self.second);
        load_concat(
            walk,
            (WA / P, WB / P),
            O,
            |walk| first.load(walk),
            |walk| second.load(walk),
        );
    }
}

/// Reads a block that concatenates its branches: `first` and `second` read each branch from
/// the block's input, then the `CONCATENATION` that joins their outputs, of `channels` values
/// per position each, first branch first, along the last axis, into `len` values, every input
/// quantized as the output.
#[cfg(feature = "std")]
pub(crate) fn load_concat(
    walk: &mut crate::int8::Walk<'_>,
    (ca, cb): (usize, usize),
    len: usize,
    first: impl FnOnce(&mut crate::int8::Walk<'_>),
    second: impl FnOnce(&mut crate::int8::Walk<'_>),
) {
    use nn_tflite::Activation;
    let [(a, qa), (b, qb)] = walk.branches(first, second);
    let Some((op, activation)) = walk.join_concatenation(&a, &b, (ca, cb)) else {
        return;
    };
    if let Some((scale, output)) = crate::int8::walk::output(walk, &op, Activation::None, len) {
        for q in [qa, qb].into_iter().flatten() {
            if q != (scale, output.zero) {
                walk.problem(format!(
                    "the file's CONCATENATION reads an input of scale {} and zero point {} \
                     into an output of scale {scale} and zero point {}, which TensorFlow \
                     Lite's int8 kernel refuses (its inputs are quantized as its output)",
                    q.0, q.1, output.zero
                ));
            }
        }
    }
    walk.advance(op, activation, crate::int8::Bounds::NONE);
}

impl<A, B, const I: usize, const O: usize, const WA: usize, const WB: usize, const P: usize>
    Quantize<I, O> for crate::Fork<crate::Concatenate<P>, A, B, WA, WB, O>
where
    A: Quantize<I, WA> + crate::Layer<f32, I, WA>,
    B: Quantize<I, WB> + crate::Layer<f32, I, WB>,
{
    type Int8 = Concat<A::Int8, B::Int8, WA, WB, P>;

    fn int8(&self) -> Self::Int8 {
        Concat {
            first: self.first.int8(),
            second: self.second.int8(),
        }
    }

    #[cfg(feature = "std")]
    fn observe(
        &self,
        x: &crate::Batch<f32, I>,
        ranges: &mut crate::int8::Ranges,
    ) -> crate::Batch<f32, O> {
        use crate::Join as _;
        let a = self.first.observe(x, ranges);
        let b = self.second.observe(x, ranges);
        let mut y = crate::int8::layer::batch::<O>(x.ncols());
        for ((a, b), mut y) in a
            .column_iter()
            .zip(b.column_iter())
            .zip(y.column_iter_mut())
        {
            crate::Concatenate::<P>::join(a.as_slice(), b.as_slice(), y.as_mut_slice());
        }
        ranges.observe(y.as_slice());
        y
    }

    #[cfg(feature = "std")]
    fn convert(&self, c: &mut crate::int8::Converter) {
        let (a, b) = c.branches(|c| self.first.convert(c), |c| self.second.convert(c));
        let range = c.range();
        c.concatenate(a, b, range);
    }
}
