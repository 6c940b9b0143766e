//! `DepthwiseConv2D` and `DepthwiseConv1D`: each channel of a channels-last image or sequence
//! convolved with its own `M` kernels, computed directly (no patch matrix): for each output
//! position and each kernel tap, one contiguous run of `C·M` products. A sequence of
//! `steps × C` is an image one pixel wide (or high: the same values), so both are one type,
//! [`DepthwiseConv`], told apart by its dimension `D` (which decides the Keras class and the
//! kernel's Keras shape; a 1-D layer runs its window transposed, along a row).

use nalgebra::{ArrayStorage, Matrix, SVector};

use crate::activations::{Activation, Linear};
use crate::layer::{Layer, Params, Rules, tensors};
use crate::layers::affine::Shape;
use crate::layers::geometry::Window;
use crate::setting::{self, Setting, read};
use crate::storage::{Inline, Storage, Weights};
use crate::{Constraint, Float, Regularizer};

#[cfg(feature = "std")]
pub(super) mod train;

/// Keras's `DepthwiseConv2D` (`D = 2`) and `DepthwiseConv1D` (`D = 1`): every channel `c` of an
/// `h × w × C` image (or a sequence of `steps × C`) convolved with its own `M` kernels (the depth
/// multiplier), `y[p, c·M + m] = activation(Σ_tap x[p + tap, c] · k[tap, c, m] + bias[c·M + m])`.
///
/// Images are channels-last; the geometry (sizes, strides, dilation, padding, Keras's
/// asymmetric same padding included) is a [`Window`] over the input, and `network!` writes
/// the sizes out as the const parameters: `IN = h·w·C`, `OUT = oh·ow·C·M`, `CM = C·M`,
/// `TAPS = kh·kw`.
///
/// - `depthwise_kernel` is `CM × TAPS`; its column-major memory is exactly Keras's
///   `depthwise_kernel` of shape `(kh, kw, C, M)` in row-major order.
/// - `bias` is `CM × 1` (zero and no parameter without bias).
///
/// A sequence of `steps × C` values is a `steps × 1 × C` image and a 1-D kernel of `k` taps a
/// `k × 1` window ([`Window::sequence`]); Keras's `DepthwiseConv1D` kernel `(k, C, M)` has the
/// same memory as `(k, 1, C, M)`. (The layer runs that window transposed, over the same values
/// as a `1 × steps` image: each tap then runs along the whole row of steps.)
///
/// Each output position adds, for each tap inside the image, the `C·M` products of the tap's
/// `C` input values with the tap's `C·M` weights: a contiguous run in both, channels last.
/// Parameters: `kh·kw·C·M` (`+ C·M` with bias).
#[derive(Clone, Debug)]
pub struct DepthwiseConv<
    T: Float,
    const IN: usize,
    const OUT: usize,
    const CM: usize,
    const TAPS: usize,
    A = Linear,
    S: Storage = Inline,
    const BIAS: bool = true,
    const D: usize = 2,
> {
    /// The kernels, `CM × TAPS` (Keras's `(kh, kw, C, M)` transposed to column-major; the same
    /// bytes).
    pub depthwise_kernel: Weights<T, CM, TAPS, S>,
    /// The bias, `CM × 1`; unused and zero without bias.
    pub bias: Weights<T, CM, 1, S>,
    /// The activation applied to the convolution plus the bias.
    pub activation: A,
    /// Whether an optimizer updates this layer (Keras's `trainable`).
    pub trainable: Setting<bool>,
    /// The penalty on the kernels.
    pub depthwise_regularizer: Setting<Regularizer>,
    /// The penalty on the bias.
    pub bias_regularizer: Setting<Regularizer>,
    /// The penalty on the layer's outputs, divided by the batch size.
    pub activity_regularizer: Setting<Regularizer>,
    /// The projection of the kernels after each step (along Keras's axis 0, the kernel rows).
    pub depthwise_constraint: Setting<Constraint>,
    /// The projection of the bias after each step.
    pub bias_constraint: Setting<Constraint>,
    geometry: Depthwise,
}

/// A depthwise convolution over channels-last images (Keras's `DepthwiseConv2D`):
/// `IN = h·w·C`, `OUT = oh·ow·C·M`, `CM = C·M`, `TAPS = kh·kw`, which `network!` computes from
/// `DepthwiseConv2D<(KH, KW)>` and the image before it. Made by hand, with its [`Window`]:
///
/// ```
/// use nalgebra::SVector;
/// use nn::{DepthwiseConv2D, Layer, Linear, Padding, Window};
///
/// // A 3 × 3 image of two channels, a 2 × 2 window, two kernels per channel: 2 × 2 × 4 out.
/// let window = Window::new((3, 3, 2), (2, 2), (1, 1), Padding::Valid).unwrap();
/// let mut layer = DepthwiseConv2D::<f32, 18, 16, 4, 4>::zeros(window, Linear)?;
/// // Kernel 0 of each channel sums its window, kernel 1 takes twice the top-left tap.
/// for tap in 0..4 {
///     layer.depthwise_kernel[(0, tap)] = 1.0; // channel 0, m = 0
///     layer.depthwise_kernel[(2, tap)] = 1.0; // channel 1, m = 0
/// }
/// layer.depthwise_kernel[(1, 0)] = 2.0; // channel 0, m = 1, tap (0, 0)
/// layer.depthwise_kernel[(3, 0)] = 2.0; // channel 1, m = 1, tap (0, 0)
/// // Channel 0 is 1..=9, channel 1 is ten times it.
/// let x: Vec<f32> = (1..=9).flat_map(|v| [v as f32, 10.0 * v as f32]).collect();
/// let y = layer.forward(&SVector::from_column_slice(&x));
/// // The top-left output: 1 + 2 + 4 + 5, 2 · 1, and the same for channel 1.
/// assert_eq!(&y.as_slice()[..4], [12.0, 2.0, 120.0, 20.0]);
/// // The Keras shape of the kernel: (kh, kw, C, M).
/// assert_eq!(layer.kernel_shape(), [2, 2, 2, 2]);
/// # Ok::<(), nn::Error>(())
/// ```
#[rustfmt::skip] // One line: the parameters are `DepthwiseConv`'s, but `D`.
pub type DepthwiseConv2D<T, const IN: usize, const OUT: usize, const CM: usize, const TAPS: usize, A = Linear, S = Inline, const BIAS: bool = true> =
    DepthwiseConv<T, IN, OUT, CM, TAPS, A, S, BIAS, 2>;

/// A depthwise convolution over sequences of `steps × C` values (Keras's `DepthwiseConv1D`,
/// with its `valid` and `same` paddings, strides and dilation): `IN = steps·C`,
/// `OUT = out_steps·C·M`, `CM = C·M`, `TAPS = k`; the window is [`Window::sequence`].
///
/// ```
/// use nalgebra::SVector;
/// use nn::{DepthwiseConv1D, Layer, Linear, Padding, Window};
///
/// // Four steps of two channels, a window of 2 steps, one kernel per channel: 3 × 2 out.
/// let window = Window::sequence((4, 2), 2, 1, 1, Padding::Valid).unwrap();
/// let mut layer = DepthwiseConv1D::<f32, 8, 6, 2, 2>::zeros(window, Linear)?;
/// // Channel 0 sums its two steps; channel 1 takes the later step, negated.
/// layer.depthwise_kernel.copy_from_slice(&[1.0, 0.0, 1.0, -1.0]);
/// let x = SVector::<f32, 8>::from_column_slice(&[1.0, 10.0, 2.0, 20.0, 3.0, 30.0, 4.0, 40.0]);
/// assert_eq!(layer.forward(&x).as_slice(), [3.0, -20.0, 5.0, -30.0, 7.0, -40.0]);
/// // Keras's shape of the kernel: (k, C, M).
/// assert_eq!(layer.kernel_shape(), [2, 2, 1]);
/// # Ok::<(), nn::Error>(())
/// ```
#[rustfmt::skip] // One line: the parameters are `DepthwiseConv`'s, but `D`.
pub type DepthwiseConv1D<T, const IN: usize, const OUT: usize, const CM: usize, const TAPS: usize, A = Linear, S = Inline, const BIAS: bool = true> =
    DepthwiseConv<T, IN, OUT, CM, TAPS, A, S, BIAS, 1>;

impl<
    T: Float,
    const IN: usize,
    const OUT: usize,
    const CM: usize,
    const TAPS: usize,
    A,
    S: Storage,
    const BIAS: bool,
    const D: usize,
> DepthwiseConv<T, IN, OUT, CM, TAPS, A, S, BIAS, D>
{
    /// The geometry of `window`, if it fits the const parameters (and is over a sequence in
    /// 1-D).
    const fn geometry_of(window: Window) -> Option<Depthwise> {
        match Depthwise::new(window, IN, CM, TAPS, D) {
            Some(geometry) if geometry.outputs() == OUT => Some(geometry),
            _ => None,
        }
    }

    /// A layer with these weights and Keras's defaults otherwise: the one place that lists
    /// them.
    const fn with_weights(
        depthwise_kernel: Weights<T, CM, TAPS, S>,
        bias: Weights<T, CM, 1, S>,
        geometry: Depthwise,
        activation: A,
    ) -> Self {
        Self {
            depthwise_kernel,
            bias,
            activation,
            trainable: setting::default(),
            depthwise_regularizer: setting::default(),
            bias_regularizer: setting::default(),
            activity_regularizer: setting::default(),
            depthwise_constraint: setting::default(),
            bias_constraint: setting::default(),
            geometry,
        }
    }

    /// The geometry.
    pub fn window(&self) -> Window {
        self.geometry.given_window()
    }

    /// The kernel's Keras shape, `(kh, kw, C, M)`; `(k, C, M)` in 1-D.
    pub fn kernel_shape(&self) -> &[usize] {
        self.geometry.kernel_shape()
    }

    /// The depth multiplier `M`: kernels per input channel.
    pub fn depth_multiplier(&self) -> usize {
        self.geometry.multiplier()
    }

    /// `z = bias`, then `z += depthwise(x)` and the activation, for one sample.
    #[inline]
    fn forward_one(&self, x: &[T], z: &mut [T])
    where
        A: Activation,
    {
        self.pre_activations(x, z);
        self.activation.forward_groups(z, CM);
    }

    /// `z = depthwise(x) + bias` for one sample.
    #[inline]
    pub(crate) fn pre_activations(&self, x: &[T], z: &mut [T]) {
        super::start_with_bias(z, BIAS.then_some(self.bias.as_slice()));
        let kernel = self.depthwise_kernel.as_slice();
        crate::widest(
            #[inline(always)]
            || (self.geometry).convolve_one::<T, CM>(kernel, x, z),
        );
    }

    /// The penalty and constraint of the kernels and of the bias.
    fn rules(&self) -> [Rules; 2] {
        // Keras's constraints take norms along axis 0 (the kernel rows): in the row-major
        // Keras layout, values a row apart.
        let kernel = Rules {
            regularizer: read(self.depthwise_regularizer),
            constraint: read(self.depthwise_constraint),
            norm_stride: self.geometry.norm_stride(),
            ..Rules::NONE
        };
        let bias = Rules {
            regularizer: read(self.bias_regularizer),
            constraint: read(self.bias_constraint),
            ..Rules::NONE
        };
        [kernel, bias]
    }
}

/// A depthwise convolution's geometry: its window and its kernel's Keras shape; the products of
/// one sample, which [`DepthwiseConv`] and [`SeparableConv`](crate::SeparableConv) share, in
/// 1-D and 2-D.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Depthwise {
    /// The window the products slide: in 1-D the sequence's `steps × 1` window transposed,
    /// over the same values seen as a `1 × steps` image, where each tap runs along all the
    /// output steps in one loop (twice as fast as a row of one step each, `1024 × 16` values).
    pub(crate) window: Window,
    /// `(kh, kw, C, M)` in 2-D; `(k, C, M)` in 1-D, in the first three entries.
    keras_shape: [usize; 4],
    /// The dimension: 2 over images, 1 over sequences (a window one column wide).
    rank: usize,
}

impl Depthwise {
    /// The geometry of `window` over `input` values with `cm` kernels a tap (a multiple of its
    /// channels) and `taps` taps, in `rank` dimensions (1 or 2), or `None` when they disagree
    /// (a 1-D window is [`Window::sequence`]'s, one column wide).
    pub(crate) const fn new(
        window: Window,
        input: usize,
        cm: usize,
        taps: usize,
        rank: usize,
    ) -> Option<Self> {
        let c = window.c;
        let sequence = window.w == 1 && window.kw == 1;
        if c == 0
            || cm == 0
            || !cm.is_multiple_of(c)
            || input != window.input_len()
            || taps != window.kh * window.kw
            || !(rank == 2 || (rank == 1 && sequence))
        {
            return None;
        }
        let m = cm / c;
        let (keras_shape, window) = match rank {
            1 => ([window.kh, c, m, 0], window.transposed()),
            _ => ([window.kh, window.kw, c, m], window),
        };
        Some(Self {
            window,
            keras_shape,
            rank,
        })
    }

    /// The window as given: over a sequence in 1-D.
    pub(crate) fn given_window(&self) -> Window {
        match self.rank {
            1 => self.window.transposed(),
            _ => self.window,
        }
    }

    /// The kernel's Keras shape: `(kh, kw, C, M)`, or `(k, C, M)` in 1-D.
    pub(crate) fn kernel_shape(&self) -> &[usize] {
        &self.keras_shape[..self.rank + 2]
    }

    /// The depth multiplier `M`.
    #[inline]
    pub(crate) const fn multiplier(&self) -> usize {
        self.keras_shape[self.rank + 1]
    }

    /// Kernels a tap, `C·M`: the output channels.
    #[inline]
    pub(crate) const fn cm(&self) -> usize {
        self.window.c * self.multiplier()
    }

    /// Values out per sample.
    pub(crate) const fn outputs(&self) -> usize {
        self.window.positions() * self.cm()
    }

    /// How a constraint groups the kernel (Keras's axis 0, the kernel rows): values a row
    /// apart in the row-major Keras layout.
    pub(crate) fn norm_stride(&self) -> usize {
        self.kernel_shape()[1..].iter().product()
    }

    /// Calls `f(out, tap, source)` for each output position and each tap of the window that
    /// lies inside the image: the offsets of the position's `C·M` outputs, of the tap's `C·M`
    /// weights and of the source pixel's `C` inputs.
    #[cfg(feature = "std")]
    #[inline(always)]
    fn each_tap(&self, mut f: impl FnMut(usize, usize, usize)) {
        let (g, cm) = (self.window, self.cm());
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                let out = (oy * g.ow + ox) * cm;
                for i in 0..g.kh {
                    for j in 0..g.kw {
                        if let Some((sy, sx)) = g.source(oy, ox, i, j) {
                            f(out, (i * g.kw + j) * cm, (sy * g.w + sx) * g.c);
                        }
                    }
                }
            }
        }
    }

    /// `z += depthwise(x)` for one sample, without allocating: for each output position and
    /// tap inside the image, `z[p, c·M + m] += x[src, c] · k[tap, c·M + m]`, with `CM = C·M`.
    /// Row by row and tap by tap over the output columns whose tap lies inside the image (no
    /// test per position), each position's `CM` products a fixed-size run that vectorizes.
    #[inline(always)]
    pub(crate) fn convolve_one<T: Float, const CM: usize>(
        &self,
        kernel: &[T],
        x: &[T],
        z: &mut [T],
    ) {
        let g = self.window;
        let (c, m) = (g.c, self.multiplier());
        let row = g.w * c;
        for (oy, out_row) in z.chunks_exact_mut(g.ow * CM).enumerate().take(g.oh) {
            for i in 0..g.kh {
                let Some(sy) = (oy * g.sh + i * g.dh).checked_sub(g.pad_top) else {
                    continue;
                };
                let Some(in_row) = x.get(sy * row..(sy + 1) * row) else {
                    continue; // below the image
                };
                for j in 0..g.kw {
                    let columns = g.columns_inside(j);
                    if columns.is_empty() {
                        continue; // beside the image for every output column (same padding)
                    }
                    let Some(k) = kernel[(i * g.kw + j) * CM..].as_chunks::<CM>().0.first() else {
                        continue;
                    };
                    // The first source column, inside the image by `columns_inside`.
                    let first = columns.start * g.sw + j * g.dw - g.pad_left;
                    let outs = out_row[columns.start * CM..columns.end * CM]
                        .as_chunks_mut::<CM>()
                        .0;
                    if m == 1 {
                        // C = CM: each source pixel is a run of CM inputs.
                        let ins = in_row[first * c..].as_chunks::<CM>().0.iter().step_by(g.sw);
                        for (out, xs) in outs.iter_mut().zip(ins) {
                            // Read, computed and written whole: a run of vector
                            // instructions, where updating `out` value by value in place
                            // stayed scalar.
                            let mut sums = *out;
                            for ((o, &v), &w) in sums.iter_mut().zip(xs).zip(k) {
                                *o += v * w;
                            }
                            *out = sums;
                        }
                    } else {
                        let ins = in_row[first * c..].chunks(c).step_by(g.sw);
                        for (out, xs) in outs.iter_mut().zip(ins) {
                            multiply_add(out, xs, k, m);
                        }
                    }
                }
            }
        }
    }

    /// The kernels' gradient of one sample, added into `dk`:
    /// `dk[tap, c·M + m] += Σ_p dz[p, c·M + m] · x[p + tap, c]`.
    #[cfg(feature = "std")]
    pub(crate) fn kernel_gradient_one<T: Float>(&self, x: &[T], dz: &[T], dk: &mut [T]) {
        let (c, m, cm) = (self.window.c, self.multiplier(), self.cm());
        self.each_tap(|out, tap, source| {
            multiply_add(
                &mut dk[tap..tap + cm],
                &x[source..source + c],
                &dz[out..out + cm],
                m,
            );
        });
    }

    /// ∂x of one sample, written into `dx`: `dx[src, c] = Σ Σ_m dz[p, c·M + m] · k[tap, c·M + m]`
    /// over the positions and taps that read `src`.
    #[cfg(feature = "std")]
    pub(crate) fn input_gradient_one<T: Float>(&self, kernel: &[T], dz: &[T], dx: &mut [T]) {
        let (c, m, cm) = (self.window.c, self.multiplier(), self.cm());
        dx.fill(T::zero());
        self.each_tap(|out, tap, source| {
            let (k, g) = (&kernel[tap..tap + cm], &dz[out..out + cm]);
            for ((d, k), g) in dx[source..source + c]
                .iter_mut()
                .zip(k.chunks_exact(m))
                .zip(g.chunks_exact(m))
            {
                for (&k, &g) in k.iter().zip(g) {
                    *d += k * g;
                }
            }
        });
    }
}

/// `out[c·M + m] += x[c] · k[c·M + m]`: one tap's contribution to one output position. With
/// `M = 1` a single run of `C` products, which vectorizes.
#[inline(always)]
fn multiply_add<T: Float>(out: &mut [T], x: &[T], k: &[T], m: usize) {
    if m == 1 {
        for ((o, &v), &w) in out.iter_mut().zip(x).zip(k) {
            *o += v * w;
        }
    } else {
        for ((o, &v), w) in out.chunks_exact_mut(m).zip(x).zip(k.chunks_exact(m)) {
            for (o, &w) in o.iter_mut().zip(w) {
                *o += v * w;
            }
        }
    }
}

impl<
    T: Float,
    const IN: usize,
    const OUT: usize,
    const CM: usize,
    const TAPS: usize,
    A,
    const BIAS: bool,
    const D: usize,
> DepthwiseConv<T, IN, OUT, CM, TAPS, A, Inline, BIAS, D>
{
    /// A layer with this geometry and these weights, in Keras's layout: `kernel[tap][c·M + m]`
    /// is the kernel of shape `(kh, kw, C, M)` or `(k, C, M)` (`tap` runs over `kh·kw`, `k` in
    /// 1-D, whose window is [`Window::sequence`]), `bias[0]` the bias
    /// (zeros without bias). A `const fn`, for networks with weights built into the program.
    ///
    /// # Panics
    /// If the window's sizes disagree with the const parameters (at compile time in a
    /// constant).
    pub const fn from_arrays(
        window: Window,
        kernel: [[T; CM]; TAPS],
        bias: [[T; CM]; 1],
        activation: A,
    ) -> Self {
        let Some(geometry) = Self::geometry_of(window) else {
            panic!("DepthwiseConv::from_arrays: the window does not fit the layer's sizes");
        };
        Self::with_weights(
            Matrix::from_array_storage(ArrayStorage(kernel)),
            Matrix::from_array_storage(ArrayStorage(bias)),
            geometry,
            activation,
        )
    }
}

impl<
    T: Float,
    const IN: usize,
    const OUT: usize,
    const CM: usize,
    const TAPS: usize,
    A: Clone + core::fmt::Debug,
    S: Storage,
    const BIAS: bool,
    const D: usize,
> Params<T> for DepthwiseConv<T, IN, OUT, CM, TAPS, A, S, BIAS, D>
{
    const KIND: &'static str = match D {
        1 => nn_keras::class::DEPTHWISE_CONV_1D,
        _ => nn_keras::class::DEPTHWISE_CONV_2D,
    };
    const PARAMS: usize = CM * TAPS + if BIAS { CM } else { 0 };

    fn zeroed(&self) -> Self {
        Self {
            depthwise_kernel: S::zeros(),
            bias: S::zeros(),
            activation: self.activation.clone(),
            ..*self
        }
    }

    tensors!(self,
        let (trainable, [kernel_rules, bias_rules]) = (read(self.trainable), self.rules());
        depthwise_kernel: self.geometry.kernel_shape(), trainable, kernel_rules;
        bias [BIAS]: &Shape::<CM, 1>::VECTOR, trainable, bias_rules;
    );
}

impl<
    T: Float,
    const IN: usize,
    const OUT: usize,
    const CM: usize,
    const TAPS: usize,
    A: Activation,
    S: Storage,
    const BIAS: bool,
    const D: usize,
> Layer<T, IN, OUT> for DepthwiseConv<T, IN, OUT, CM, TAPS, A, S, BIAS, D>
{
    #[inline]
    fn forward(&self, x: &SVector<T, IN>) -> SVector<T, OUT> {
        let mut y = crate::storage::zeros::<T, OUT>();
        self.forward_one(x.as_slice(), y.as_mut_slice());
        y
    }

    /// The sums of one output position, `CM` of them, computed whole.
    const SCRATCH: usize = CM * core::mem::size_of::<T>();

    const FRAME: usize = crate::frame::WINDOWED;

    #[inline]
    fn forward_into(&self, x: &SVector<T, IN>, y: &mut SVector<T, OUT>) {
        self.forward_one(x.as_slice(), y.as_mut_slice());
    }

    #[cfg(feature = "std")]
    fn forward_batch(&self, x: &crate::Batch<T, IN>, y: &mut crate::Batch<T, OUT>) {
        self.forward_samples(x, y, false);
    }
}
