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

impl<A, B, const I: usize, const O: usize> Layer<I, O> for Fork<A, B>
where
    A: Layer<I, O>,
    B: Layer<I, O>,
{
    #[inline]
    fn forward(&self, x: &[i8; I], y: &mut [i8; O]) {
        let mut a = [0i8; O];
        let mut b = [0i8; O];
        self.first.forward(x, &mut a);
        self.second.forward(x, &mut b);
        self.add.run(&a, &b, y);
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
    use nn_tflite::{Code, Options};
    let start = walk.position();
    first(walk);
    let a = walk.position();
    let qa = walk.input_quantization();
    walk.set_position(start);
    second(walk);
    let b = walk.position();
    let qb = walk.input_quantization();
    let op = walk.join(&Code::ADD, &a, &b)?;
    let &Options::Add { activation } = op.options() else {
        walk.problem("its ADD operator has no settings");
        return None;
    };
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
        let start = c.mark();
        self.first.convert(c);
        let a = c.mark();
        c.go_to(start);
        self.second.convert(c);
        let b = c.mark();
        let range = c.range();
        c.add(a, b, range);
    }
}
