//! The int8 form of `PReLU`: TensorFlow Lite's `PRELU`, its slopes a constant int8 tensor with
//! a quantization of its own.

use crate::int8::kernels::PRelu as Kernel;
use crate::int8::{Layer, Multiplier, Quantize};

/// The int8 form of [`crate::PRelu`]: TensorFlow Lite's `PRELU` over `N` values, a slope for
/// each.
#[derive(Clone, Debug)]
pub struct PRelu<const N: usize> {
    /// The `N` slopes, int8 at the kernel's `alpha_zero` and their own scale.
    pub alpha: super::Held<[i8]>,
    /// The operator's constants.
    pub kernel: Kernel,
}

impl<const N: usize> PRelu<N> {
    /// A layer whose slopes and constants are zero.
    pub fn zeroed() -> Self {
        let zero = Multiplier { value: 0, shift: 0 };
        Self {
            alpha: super::Held::zeros(N),
            kernel: Kernel {
                input_zero: 0,
                alpha_zero: 0,
                output_zero: 0,
                identity: zero,
                negative: zero,
            },
        }
    }
}

impl<const N: usize> Layer<N, N> for PRelu<N> {
    /// Its slopes, at most one per value.
    const PARAM_BYTES: usize = N;

    #[inline]
    fn forward(&self, x: &[i8; N], y: &mut [i8; N]) {
        self.kernel.run(&self.alpha, x, y);
    }

    #[cfg(feature = "std")]
    fn load(&mut self, walk: &mut crate::int8::Walk<'_>) {
        let mut alpha = std::vec![0; N];
        if let Some(kernel) = load_prelu(walk, &mut alpha) {
            self.kernel = kernel;
        }
        self.alpha = super::Held::from_vec(alpha);
    }
}

/// Reads a `PRELU` of `alpha.len()` values: its slopes into `alpha` (an int8 tensor of the
/// input's shape, without the batch), and the constants TensorFlow Lite prepares from the
/// quantization of its input, slopes and output.
#[cfg(feature = "std")]
pub(crate) fn load_prelu(walk: &mut crate::int8::Walk<'_>, alpha: &mut [i8]) -> Option<Kernel> {
    use nn_tflite::{Activation, Code, Element};
    let input = walk.input_quantization()?;
    let shape: std::vec::Vec<i32> = walk.input().shape.iter().skip(1).copied().collect();
    let op = walk.operator(&Code::PRELU)?;
    let mut kernel = None;
    match op.input(1) {
        None => walk.problem("its PRELU has no slopes"),
        Some(tensor) => {
            let data = op.data(tensor);
            if tensor.shape != shape || tensor.element != Element::I8 || data.len() != alpha.len() {
                walk.problem(format!(
                    "its PRELU's slopes `{}` are {:?} of shape {:?} and {} bytes in the file; \
                     the declaration's are int8 of shape {shape:?}, one for each of {} values",
                    tensor.name,
                    tensor.element,
                    tensor.shape,
                    data.len(),
                    alpha.len()
                ));
            } else if let Some(slopes) = walk.quantization(tensor)
                && let Some((scale, output)) =
                    crate::int8::walk::output(walk, &op, Activation::None, alpha.len())
            {
                for (a, &b) in alpha.iter_mut().zip(data) {
                    *a = b as i8;
                }
                kernel = Some(Kernel::new(input, slopes, (scale, output.zero)));
            }
        }
    }
    walk.advance(op, Activation::None, crate::int8::Bounds::NONE);
    kernel
}

impl<const N: usize, S: crate::Storage> Quantize<N, N> for crate::PRelu<f32, N, S> {
    type Int8 = PRelu<N>;

    fn int8(&self) -> PRelu<N> {
        PRelu::zeroed()
    }

    #[cfg(feature = "std")]
    fn convert(&self, c: &mut crate::int8::Converter) {
        let range = c.range();
        c.prelu(self.alpha.as_slice(), range);
    }
}
