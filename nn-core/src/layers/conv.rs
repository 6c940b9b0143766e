//! `Conv2D`: a 2-D convolution over channels-last images, through im2col and GEMM.

use nalgebra::{Const, Dyn, SVector};
use rand::Rng;

use super::geometry::Window;
use crate::activations::{Activation, Linear};
use crate::init::Initializer;
use crate::layer::{Batch, Layer, ParamMut, ParamRef, resize_batch};
use crate::linalg::{Strided, gemm};
use crate::regularizers::{
    activity_penalty, add_activity_gradient, add_weight_penalty_gradient, weight_penalty,
};
use crate::storage::{Inline, Storage, Weights};
use crate::{Constraint, Error, Float, Fusion, Regularizer};

/// A 2-D convolution with `F` filters: `y = activation(conv(x, kernel) + bias)`.
///
/// Images are channels-last (Keras's default): a sample of an `h × w × c` image is `h·w·c`
/// values, index `(row · w + column) · c + channel`. The geometry (sizes, strides, padding) is
/// a [`Window`]; `network!` computes it and writes the sizes out as the const parameters:
/// `IN = h·w·c`, `OUT = oh·ow·F`, `K = kh·kw·c`.
///
/// - `kernel` is `F × K`; its column-major memory is exactly Keras's kernel of shape
///   `(kh, kw, c, F)` in row-major order.
/// - `bias` is `F × 1` (zero and no parameter without bias).
///
/// The batched passes unfold each sample's patches into a `K × positions` matrix (im2col) and
/// multiply it with the kernel in one GEMM per batch.
#[derive(Clone, Debug)]
pub struct Conv2D<
    T: Float,
    const IN: usize,
    const OUT: usize,
    const F: usize,
    const K: usize,
    A = Linear,
    S: Storage = Inline,
    const BIAS: bool = true,
> {
    /// The filters, `F × K` (Keras's `(kh, kw, c, F)` kernel; the same bytes).
    pub kernel: Weights<T, F, K, S>,
    /// One bias per filter.
    pub bias: Weights<T, F, 1, S>,
    /// The activation.
    pub activation: A,
    /// Whether an optimizer updates this layer.
    pub trainable: bool,
    /// The penalty on the kernel.
    pub kernel_regularizer: Regularizer,
    /// The penalty on the bias.
    pub bias_regularizer: Regularizer,
    /// The penalty on the layer's outputs, divided by the batch size.
    pub activity_regularizer: Regularizer,
    /// The projection of the kernel after each step (norms along Keras's axis 0, the kernel
    /// rows, as Keras's default `axis=0` gives for a 4-D kernel).
    pub kernel_constraint: Constraint,
    /// The projection of the bias after each step.
    pub bias_constraint: Constraint,
    window: Window,
    kernel_shape: [usize; 4],
}

impl<
    T: Float,
    const IN: usize,
    const OUT: usize,
    const F: usize,
    const K: usize,
    A,
    S: Storage,
    const BIAS: bool,
> Conv2D<T, IN, OUT, F, K, A, S, BIAS>
{
    const BIAS_SHAPE: [usize; 1] = [F];

    /// A layer of zeros with this geometry; the sizes must agree with the const parameters.
    pub fn zeros(window: Window, activation: A) -> Result<Self, Error> {
        let (expected_in, expected_out, expected_k) = (
            window.input_len(),
            window.positions() * F,
            window.kh * window.kw * window.c,
        );
        if (IN, OUT, K) != (expected_in, expected_out, expected_k) {
            return Err(Error::Setting {
                what: "Conv2D geometry",
                problem: format!(
                    "{window:?} with {F} filters has {expected_in} inputs, {expected_out} outputs and {expected_k} \
                     weights per filter, but the type says {IN}, {OUT} and {K}"
                ),
            });
        }
        Ok(Self {
            kernel: S::zeros(),
            bias: S::zeros(),
            activation,
            trainable: true,
            kernel_regularizer: Regularizer::None,
            bias_regularizer: Regularizer::None,
            activity_regularizer: Regularizer::None,
            kernel_constraint: Constraint::None,
            bias_constraint: Constraint::None,
            window,
            kernel_shape: [window.kh, window.kw, window.c, F],
        })
    }

    /// A layer initialized as Keras does: the kernel (fans `kh·kw·c` and `kh·kw·F`), then the
    /// bias.
    pub fn init<R: Rng + ?Sized>(
        window: Window,
        activation: A,
        kernel_initializer: &impl Initializer,
        bias_initializer: &impl Initializer,
        rng: &mut R,
    ) -> Result<Self, Error> {
        let mut layer = Self::zeros(window, activation)?;
        kernel_initializer.fill(&layer.kernel_shape, layer.kernel.as_mut_slice(), rng);
        if BIAS {
            bias_initializer.fill(&Self::BIAS_SHAPE, layer.bias.as_mut_slice(), rng);
        }
        Ok(layer)
    }

    /// The geometry.
    pub fn window(&self) -> Window {
        self.window
    }

    /// Unfolds the patches of `n` samples into `cols`, `K × (n · positions)` column-major.
    fn im2col(&self, x: &[T], n: usize, cols: &mut Vec<T>) {
        let g = self.window;
        let p = g.positions();
        // Every element is written below (taps outside the image with zeros), so a buffer kept
        // from the last batch is not cleared first.
        cols.resize(K * n * p, T::zero());
        for b in 0..n {
            let image = &x[b * IN..(b + 1) * IN];
            for oy in 0..g.oh {
                for ox in 0..g.ow {
                    let column = &mut cols[(b * p + oy * g.ow + ox) * K..][..K];
                    for i in 0..g.kh {
                        for j in 0..g.kw {
                            let to = (i * g.kw + j) * g.c;
                            let tap = &mut column[to..to + g.c];
                            match g.source(oy, ox, i, j) {
                                Some((y, x)) => {
                                    let from = (y * g.w + x) * g.c;
                                    tap.copy_from_slice(&image[from..from + g.c]);
                                }
                                None => tap.fill(T::zero()),
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adds the columns of `cols` back into the images they came from (the adjoint of im2col).
    fn col2im(&self, cols: &[T], n: usize, dx: &mut [T]) {
        let g = self.window;
        let p = g.positions();
        dx.fill(T::zero());
        for b in 0..n {
            let image = &mut dx[b * IN..(b + 1) * IN];
            for oy in 0..g.oh {
                for ox in 0..g.ow {
                    let column = &cols[(b * p + oy * g.ow + ox) * K..][..K];
                    for i in 0..g.kh {
                        for j in 0..g.kw {
                            if let Some((y, x)) = g.source(oy, ox, i, j) {
                                let to = (y * g.w + x) * g.c;
                                let from = (i * g.kw + j) * g.c;
                                for (d, &v) in image[to..to + g.c]
                                    .iter_mut()
                                    .zip(&column[from..from + g.c])
                                {
                                    *d += v;
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `z = kernel · cols + bias`, for `n` samples.
    fn affine(&self, cols: &[T], n: usize, z: &mut Batch<T, OUT>) {
        resize_batch(z, n);
        let columns = n * self.window.positions();
        let beta = if BIAS {
            let bias = self.bias.as_slice();
            for column in z.as_mut_slice().chunks_exact_mut(F) {
                column.copy_from_slice(bias);
            }
            T::one()
        } else {
            T::zero()
        };
        let w = Strided::col_major(self.kernel.as_slice(), F, K);
        gemm(
            T::one(),
            w,
            Strided::col_major(cols, K, columns),
            beta,
            z.as_mut_slice(),
        );
    }
}

impl<
    T: Float,
    const IN: usize,
    const OUT: usize,
    const F: usize,
    const K: usize,
    A: Activation,
    S: Storage,
    const BIAS: bool,
> Conv2D<T, IN, OUT, F, K, A, S, BIAS>
{
    /// Applies the activation to each output position (a softmax runs over the filters).
    fn activate(&self, y: &mut [T]) {
        self.activation.forward_groups(y, F);
    }
}

/// What a [`Conv2D`] layer's training pass keeps: the unfolded patches and the pre-activations.
#[derive(Clone, Debug)]
pub struct ConvCache<T: Float, const OUT: usize> {
    /// The patches, `K × (batch · positions)`.
    pub cols: Vec<T>,
    /// The pre-activations.
    pub z: Batch<T, OUT>,
    /// The activity penalty of the batch's outputs.
    pub activity: T,
}

impl<T: Float, const OUT: usize> Default for ConvCache<T, OUT> {
    fn default() -> Self {
        Self {
            cols: Vec::new(),
            z: Batch::zeros_generic(Const::<OUT>, Dyn(0)),
            activity: T::zero(),
        }
    }
}

impl<
    T: Float,
    const IN: usize,
    const OUT: usize,
    const F: usize,
    const K: usize,
    A: Activation,
    S: Storage,
    const BIAS: bool,
> Layer<T, IN, OUT> for Conv2D<T, IN, OUT, F, K, A, S, BIAS>
{
    const KIND: &'static str = "Conv2D";
    const PARAMS: usize = F * K + if BIAS { F } else { 0 };
    const FUSION: Fusion = A::FUSION;

    type Cache = ConvCache<T, OUT>;

    fn logits(cache: &Self::Cache) -> Option<&Batch<T, OUT>> {
        Some(&cache.z)
    }

    fn forward(&self, x: &SVector<T, IN>) -> SVector<T, OUT> {
        // A direct convolution: no patch matrix, no allocation.
        let g = self.window;
        let mut y = SVector::<T, OUT>::zeros();
        let w = self.kernel.as_slice();
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                let out = &mut y.as_mut_slice()[(oy * g.ow + ox) * F..][..F];
                if BIAS {
                    out.copy_from_slice(self.bias.as_slice());
                }
                for i in 0..g.kh {
                    for j in 0..g.kw {
                        let Some((sy, sx)) = g.source(oy, ox, i, j) else {
                            continue;
                        };
                        for ch in 0..g.c {
                            let v = x[(sy * g.w + sx) * g.c + ch];
                            let k = (i * g.kw + j) * g.c + ch;
                            for (o, &wk) in out.iter_mut().zip(&w[k * F..(k + 1) * F]) {
                                *o += wk * v;
                            }
                        }
                    }
                }
            }
        }
        self.activate(y.as_mut_slice());
        y
    }

    fn forward_batch(&self, x: &Batch<T, IN>, y: &mut Batch<T, OUT>) {
        let mut cols = Vec::new();
        self.im2col(x.as_slice(), x.ncols(), &mut cols);
        self.affine(&cols, x.ncols(), y);
        self.activate(y.as_mut_slice());
    }

    fn forward_train<R: Rng + ?Sized>(
        &self,
        x: &Batch<T, IN>,
        y: &mut Batch<T, OUT>,
        cache: &mut Self::Cache,
        _training: bool,
        _rng: &mut R,
    ) {
        self.im2col(x.as_slice(), x.ncols(), &mut cache.cols);
        self.affine(&cache.cols, x.ncols(), &mut cache.z);
        resize_batch(y, x.ncols());
        y.copy_from(&cache.z);
        self.activate(y.as_mut_slice());
        cache.activity = activity_penalty(self.activity_regularizer, y.as_slice(), x.ncols());
    }

    fn backward(
        &self,
        x: &Batch<T, IN>,
        y: &Batch<T, OUT>,
        cache: &Self::Cache,
        dy: &mut Batch<T, OUT>,
        from_logits: bool,
        grad: &mut Self,
        dx: Option<&mut Batch<T, IN>>,
    ) {
        let n = x.ncols();
        let columns = n * self.window.positions();
        let (z, activity) = (cache.z.as_slice(), self.activity_regularizer);
        add_activity_gradient(
            activity,
            &self.activation,
            z,
            y.as_slice(),
            dy.as_mut_slice(),
            F,
            n,
            from_logits,
        );
        if !from_logits {
            self.activation
                .backward_groups(cache.z.as_slice(), y.as_slice(), dy.as_mut_slice(), F);
        }
        let dz = Strided::col_major(dy.as_slice(), F, columns);
        if self.trainable {
            // ∂kernel = ∂z · colsᵀ.
            let cols_t = Strided::transposed(&cache.cols, K, columns);
            gemm(T::one(), dz, cols_t, T::zero(), grad.kernel.as_mut_slice());
            if BIAS {
                let sums = grad.bias.as_mut_slice();
                sums.fill(T::zero());
                for column in dy.as_slice().chunks_exact(F) {
                    for (s, &g) in sums.iter_mut().zip(column) {
                        *s += g;
                    }
                }
            }
        } else {
            grad.kernel.fill(T::zero());
            grad.bias.fill(T::zero());
        }
        if let Some(dx) = dx {
            // ∂cols = kernelᵀ · ∂z, folded back into the images.
            let mut dcols = vec![T::zero(); K * columns];
            let wt = Strided::transposed(self.kernel.as_slice(), F, K);
            gemm(T::one(), wt, dz, T::zero(), &mut dcols);
            resize_batch(dx, n);
            self.col2im(&dcols, n, dx.as_mut_slice());
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
        // Keras's `(kh, kw, c, F)` kernel, row-major: axis 0 groups values `kw·c·F` apart.
        let stride = K / self.window.kh * F;
        self.kernel_constraint
            .apply(self.kernel.as_mut_slice(), stride);
        if BIAS {
            self.bias_constraint.apply(self.bias.as_mut_slice(), 1);
        }
    }

    fn params(&self) -> impl Iterator<Item = ParamRef<'_, T>> {
        let trainable = self.trainable;
        let kernel = ParamRef {
            name: "kernel",
            shape: &self.kernel_shape,
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
            shape: &self.kernel_shape,
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
