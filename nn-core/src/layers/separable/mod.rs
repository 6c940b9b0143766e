//! `SeparableConv2D` and `SeparableConv1D`: a depthwise convolution (the code of
//! `DepthwiseConv`) followed by a pointwise one, a `1 × 1` convolution of the `C·M` channels
//! into `F` filters; one type, [`SeparableConv`], told apart by its dimension `D` as
//! `DepthwiseConv` is.

use nalgebra::{ArrayStorage, Matrix, SVector};

use crate::activations::{Activation, Linear};
use crate::layer::{Layer, Params, Rules, tensors};
use crate::layers::affine::Shape;
use crate::layers::depthwise::Depthwise;
use crate::layers::geometry::Window;
use crate::setting::{self, Setting, read};
use crate::storage::{Inline, Storage, Weights};
use crate::{Constraint, Float, Regularizer};

#[cfg(feature = "std")]
pub(super) mod train;

/// Keras's `SeparableConv2D` (`D = 2`) and `SeparableConv1D` (`D = 1`): a depthwise convolution
/// of each of the `C` channels with its own `M` kernels (as
/// [`DepthwiseConv`](crate::DepthwiseConv), without bias or activation),
/// then a pointwise `1 × 1` convolution of those `C·M` channels into `F` filters, the bias and
/// the activation: `y[p, f] = activation(Σ_j pointwise[j, f] · d[p, j] + bias[f])` with
/// `d[p, c·M + m] = Σ_tap x[p + tap, c] · depthwise[tap, c, m]`.
///
/// The geometry (sizes, strides, dilation, padding) is the depthwise step's [`Window`];
/// `network!` writes the sizes out as the const parameters: `IN = h·w·C`, `MID = oh·ow·C·M`
/// (the depthwise step's outputs, kept on the stack for one sample), `OUT = oh·ow·F`,
/// `CM = C·M`, `TAPS = kh·kw`, `F` filters.
///
/// - `depthwise_kernel` is `CM × TAPS`: the memory of Keras's `(kh, kw, C, M)` (`(k, C, M)` in
///   1-D);
/// - `pointwise_kernel` is `F × CM`: the memory of Keras's `(1, 1, C·M, F)` (`(1, C·M, F)` in
///   1-D);
/// - `bias` is `F × 1` (zero and no parameter without bias).
///
/// In 1-D the window is [`Window::sequence`]'s, over a sequence of `steps × C` values.
///
/// Parameters: `kh·kw·C·M + C·M·F` (`+ F` with bias). The batched passes multiply the pointwise
/// kernel with all positions of the batch in one GEMM, as `Conv2D` does.
#[derive(Clone, Debug)]
pub struct SeparableConv<
    T: Float,
    const IN: usize,
    const MID: usize,
    const OUT: usize,
    const CM: usize,
    const TAPS: usize,
    const F: usize,
    A = Linear,
    S: Storage = Inline,
    const BIAS: bool = true,
    const D: usize = 2,
> {
    /// The depthwise kernels, `CM × TAPS` (Keras's `(kh, kw, C, M)`, the same bytes).
    pub depthwise_kernel: Weights<T, CM, TAPS, S>,
    /// The pointwise kernel, `F × CM` (Keras's `(1, 1, C·M, F)`, the same bytes).
    pub pointwise_kernel: Weights<T, F, CM, S>,
    /// The bias, `F × 1`; unused and zero without bias.
    pub bias: Weights<T, F, 1, S>,
    /// The activation applied to the pointwise convolution plus the bias.
    pub activation: A,
    /// Whether an optimizer updates this layer (Keras's `trainable`).
    pub trainable: Setting<bool>,
    /// The penalty on the depthwise kernels.
    pub depthwise_regularizer: Setting<Regularizer>,
    /// The penalty on the pointwise kernel.
    pub pointwise_regularizer: Setting<Regularizer>,
    /// The penalty on the bias.
    pub bias_regularizer: Setting<Regularizer>,
    /// The penalty on the layer's outputs, divided by the batch size.
    pub activity_regularizer: Setting<Regularizer>,
    /// The projection of the depthwise kernels after each step (along Keras's axis 0).
    pub depthwise_constraint: Setting<Constraint>,
    /// The projection of the pointwise kernel after each step (along Keras's axis 0).
    pub pointwise_constraint: Setting<Constraint>,
    /// The projection of the bias after each step.
    pub bias_constraint: Setting<Constraint>,
    geometry: Depthwise,
    /// `(1, 1, C·M, F)`; `(1, C·M, F)` in 1-D, in the first three entries.
    pointwise_shape: [usize; 4],
}

/// A separable convolution over channels-last images (Keras's `SeparableConv2D`): `IN = h·w·C`,
/// `MID = oh·ow·C·M`, `OUT = oh·ow·F`, `CM = C·M`, `TAPS = kh·kw`, which `network!` computes
/// from `SeparableConv2D<F, (KH, KW)>` and the image before it. Made by hand:
///
/// ```
/// use nalgebra::SVector;
/// use nn::{Layer, Linear, Padding, SeparableConv2D, Window};
///
/// // A 2 × 2 image of two channels, a 1 × 1 window (M = 1), three filters.
/// let window = Window::new((2, 2, 2), (1, 1), (1, 1), Padding::Valid).unwrap();
/// let mut layer = SeparableConv2D::<f32, 8, 8, 12, 2, 1, 3>::zeros(window, Linear)?;
/// layer.depthwise_kernel.copy_from_slice(&[2.0, 3.0]); // channel 0 doubled, channel 1 tripled
/// // Filter f sums channel 0 and f times channel 1.
/// layer.pointwise_kernel.copy_from_slice(&[1.0, 1.0, 1.0, 0.0, 1.0, 2.0]);
/// layer.bias.fill(0.5);
/// let x = SVector::<f32, 8>::from_column_slice(&[1.0, 1.0, 2.0, 1.0, 0.0, 0.0, 1.0, 2.0]);
/// let y = layer.forward(&x);
/// // Pixel 0: d = (2, 3), so y = (2, 2 + 3, 2 + 6) + 0.5.
/// assert_eq!(&y.as_slice()[..3], [2.5, 5.5, 8.5]);
/// assert_eq!(layer.pointwise_kernel.shape(), (3, 2));
/// # Ok::<(), nn::Error>(())
/// ```
#[rustfmt::skip] // One line: the parameters are `SeparableConv`'s, but `D`.
pub type SeparableConv2D<T, const IN: usize, const MID: usize, const OUT: usize, const CM: usize, const TAPS: usize, const F: usize, A = Linear, S = Inline, const BIAS: bool = true> =
    SeparableConv<T, IN, MID, OUT, CM, TAPS, F, A, S, BIAS, 2>;

/// A separable convolution over sequences of `steps × C` values (Keras's `SeparableConv1D`,
/// with its `valid` and `same` paddings, strides and dilation): `IN = steps·C`,
/// `MID = out_steps·C·M`, `OUT = out_steps·F`, `CM = C·M`, `TAPS = k`; the window is
/// [`Window::sequence`].
///
/// ```
/// use nalgebra::SVector;
/// use nn::{Layer, Linear, Padding, SeparableConv1D, Window};
///
/// // Three steps of one channel, a window of 2 steps (M = 1), two filters.
/// let window = Window::sequence((3, 1), 2, 1, 1, Padding::Valid).unwrap();
/// let mut layer = SeparableConv1D::<f32, 3, 2, 4, 1, 2, 2>::zeros(window, Linear)?;
/// layer.depthwise_kernel.copy_from_slice(&[1.0, -1.0]); // x[t] - x[t + 1]
/// layer.pointwise_kernel.copy_from_slice(&[1.0, 2.0]); // filter f: (f + 1) times it
/// let y = layer.forward(&SVector::<f32, 3>::new(5.0, 3.0, 4.0));
/// assert_eq!(y.as_slice(), [2.0, 4.0, -1.0, -2.0]);
/// assert_eq!(layer.kernel_shape(), [2, 1, 1]); // Keras's (k, C, M)
/// # Ok::<(), nn::Error>(())
/// ```
#[rustfmt::skip] // One line: the parameters are `SeparableConv`'s, but `D`.
pub type SeparableConv1D<T, const IN: usize, const MID: usize, const OUT: usize, const CM: usize, const TAPS: usize, const F: usize, A = Linear, S = Inline, const BIAS: bool = true> =
    SeparableConv<T, IN, MID, OUT, CM, TAPS, F, A, S, BIAS, 1>;

impl<
    T: Float,
    const IN: usize,
    const MID: usize,
    const OUT: usize,
    const CM: usize,
    const TAPS: usize,
    const F: usize,
    A,
    S: Storage,
    const BIAS: bool,
    const D: usize,
> SeparableConv<T, IN, MID, OUT, CM, TAPS, F, A, S, BIAS, D>
{
    /// The geometry of `window`, if it fits the const parameters.
    const fn geometry_of(window: Window) -> Option<Depthwise> {
        match Depthwise::new(window, IN, CM, TAPS, D) {
            Some(geometry) if geometry.outputs() == MID && window.positions() * F == OUT => {
                Some(geometry)
            }
            _ => None,
        }
    }

    /// A layer with these weights and Keras's defaults otherwise: the one place that lists
    /// them.
    const fn with_weights(
        depthwise_kernel: Weights<T, CM, TAPS, S>,
        pointwise_kernel: Weights<T, F, CM, S>,
        bias: Weights<T, F, 1, S>,
        geometry: Depthwise,
        activation: A,
    ) -> Self {
        Self {
            depthwise_kernel,
            pointwise_kernel,
            bias,
            activation,
            trainable: setting::default(),
            depthwise_regularizer: setting::default(),
            pointwise_regularizer: setting::default(),
            bias_regularizer: setting::default(),
            activity_regularizer: setting::default(),
            depthwise_constraint: setting::default(),
            pointwise_constraint: setting::default(),
            bias_constraint: setting::default(),
            geometry,
            pointwise_shape: match D {
                1 => [1, CM, F, 0],
                _ => [1, 1, CM, F],
            },
        }
    }

    /// The geometry of the depthwise step.
    pub fn window(&self) -> Window {
        self.geometry.given_window()
    }

    /// The depthwise kernel's Keras shape, `(kh, kw, C, M)`; `(k, C, M)` in 1-D.
    pub fn kernel_shape(&self) -> &[usize] {
        self.geometry.kernel_shape()
    }

    /// `z = pointwise · d + bias` for the `positions` columns of `C·M` values in `d`, into `z`
    /// (`F` values a column), without allocating.
    #[inline(always)]
    fn pointwise_one(&self, d: &[T], z: &mut [T]) {
        // Fixed-size runs of `F` weights, which the compiler unrolls.
        let kernel = self.pointwise_kernel.as_slice().as_chunks::<F>().0;
        super::start_with_bias(z, BIAS.then_some(self.bias.as_slice()));
        for (out, d) in z.as_chunks_mut::<F>().0.iter_mut().zip(d.chunks_exact(CM)) {
            for (&v, column) in d.iter().zip(kernel) {
                for (o, &w) in out.iter_mut().zip(column) {
                    *o += w * v;
                }
            }
        }
    }

    /// The penalties and constraints of the depthwise kernels, the pointwise kernel and the
    /// bias.
    fn rules(&self) -> [Rules; 3] {
        let depthwise = Rules {
            regularizer: read(self.depthwise_regularizer),
            constraint: read(self.depthwise_constraint),
            norm_stride: self.geometry.norm_stride(),
            ..Rules::NONE
        };
        // Keras's axis 0 of `(1, 1, C·M, F)` (or `(1, C·M, F)`) has one value: each weight is
        // its own group.
        let pointwise = Rules {
            regularizer: read(self.pointwise_regularizer),
            constraint: read(self.pointwise_constraint),
            norm_stride: CM * F,
            ..Rules::NONE
        };
        let bias = Rules {
            regularizer: read(self.bias_regularizer),
            constraint: read(self.bias_constraint),
            ..Rules::NONE
        };
        [depthwise, pointwise, bias]
    }
}

impl<
    T: Float,
    const IN: usize,
    const MID: usize,
    const OUT: usize,
    const CM: usize,
    const TAPS: usize,
    const F: usize,
    A,
    const BIAS: bool,
    const D: usize,
> SeparableConv<T, IN, MID, OUT, CM, TAPS, F, A, Inline, BIAS, D>
{
    /// A layer with this geometry and these weights, in Keras's layouts: `depthwise[tap][c·M +
    /// m]` of shape `(kh, kw, C, M)` (`(k, C, M)` in 1-D), `pointwise[j][f]` of shape
    /// `(1, 1, C·M, F)` (`(1, C·M, F)`), `bias[0]` the bias (zeros without bias). A `const fn`, for networks with weights built into the
    /// program.
    ///
    /// # Panics
    /// If the window's sizes disagree with the const parameters (at compile time in a
    /// constant).
    pub const fn from_arrays(
        window: Window,
        depthwise: [[T; CM]; TAPS],
        pointwise: [[T; F]; CM],
        bias: [[T; F]; 1],
        activation: A,
    ) -> Self {
        let Some(geometry) = Self::geometry_of(window) else {
            panic!("SeparableConv::from_arrays: the window does not fit the layer's sizes");
        };
        Self::with_weights(
            Matrix::from_array_storage(ArrayStorage(depthwise)),
            Matrix::from_array_storage(ArrayStorage(pointwise)),
            Matrix::from_array_storage(ArrayStorage(bias)),
            geometry,
            activation,
        )
    }
}

impl<
    T: Float,
    const IN: usize,
    const MID: usize,
    const OUT: usize,
    const CM: usize,
    const TAPS: usize,
    const F: usize,
    A: Clone + core::fmt::Debug,
    S: Storage,
    const BIAS: bool,
    const D: usize,
> Params<T> for SeparableConv<T, IN, MID, OUT, CM, TAPS, F, A, S, BIAS, D>
{
    const KIND: &'static str = match D {
        1 => nn_keras::class::SEPARABLE_CONV_1D,
        _ => nn_keras::class::SEPARABLE_CONV_2D,
    };
    const PARAMS: usize = CM * TAPS + CM * F + if BIAS { F } else { 0 };

    fn zeroed(&self) -> Self {
        Self {
            depthwise_kernel: S::zeros(),
            pointwise_kernel: S::zeros(),
            bias: S::zeros(),
            activation: self.activation.clone(),
            ..*self
        }
    }

    tensors!(self,
        let (trainable, [depthwise, pointwise, bias]) = (read(self.trainable), self.rules());
        depthwise_kernel: self.geometry.kernel_shape(), trainable, depthwise;
        pointwise_kernel: &self.pointwise_shape[..D + 2], trainable, pointwise;
        bias [BIAS]: &Shape::<F, 1>::VECTOR, trainable, bias;
    );
}

impl<
    T: Float,
    const IN: usize,
    const MID: usize,
    const OUT: usize,
    const CM: usize,
    const TAPS: usize,
    const F: usize,
    A: Activation,
    S: Storage,
    const BIAS: bool,
    const D: usize,
> Layer<T, IN, OUT> for SeparableConv<T, IN, MID, OUT, CM, TAPS, F, A, S, BIAS, D>
{
    #[inline]
    fn forward(&self, x: &SVector<T, IN>) -> SVector<T, OUT> {
        let mut y = crate::storage::zeros::<T, OUT>();
        Layer::forward_into(self, x, &mut y);
        y
    }

    /// The depthwise step's `MID` values, and its sums of one position while it runs.
    const SCRATCH: usize = (MID + CM) * core::mem::size_of::<T>();

    const FRAME: usize = crate::frame::WINDOWED;

    /// Keeps the depthwise step's `MID` values on the stack while it runs.
    #[inline]
    fn forward_into(&self, x: &SVector<T, IN>, y: &mut SVector<T, OUT>) {
        let mut d = crate::storage::zeros::<T, MID>();
        let kernel = self.depthwise_kernel.as_slice();
        crate::widest(
            #[inline(always)]
            || {
                (self.geometry).convolve_one::<T, CM>(kernel, x.as_slice(), d.as_mut_slice());
                self.pointwise_one(d.as_slice(), y.as_mut_slice());
            },
        );
        self.activation.forward_groups(y.as_mut_slice(), F);
    }

    #[cfg(feature = "std")]
    fn forward_batch(&self, x: &crate::Batch<T, IN>, y: &mut crate::Batch<T, OUT>) {
        let mut d = Vec::new();
        self.pre_activations(x, &mut d, y);
        self.activation.forward_groups(y.as_mut_slice(), F);
    }
}
