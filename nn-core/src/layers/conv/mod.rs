//! `Conv2D` and `Conv1D`: convolutions over channels-last images and sequences, through im2col
//! and GEMM. A sequence of `steps × channels` is a `steps × 1` image, so both are one type,
//! [`Conv`], told apart by its dimension `D` (which decides only the Keras class and the
//! kernel's Keras shape).

use super::affine::{Affine, Geometry, Layout, delegate};
use super::geometry::Window;
use crate::Float;
use crate::activations::{Activation, Linear};
use crate::layer::{Layer, Params};
use crate::storage::{Inline, Storage};

#[cfg(feature = "std")]
pub(super) mod train;

/// A convolution with `F` filters: `y = activation(conv(x, kernel) + bias)`, over images
/// ([`Conv2D`], `D = 2`) or sequences ([`Conv1D`], `D = 1`).
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
/// A sequence of `steps × c` values is a `steps × 1 × c` image, and a 1-D kernel of `k` taps a
/// `k × 1` window ([`Window::sequence`]); Keras's `Conv1D` kernel `(k, c, F)` has the same memory
/// as `(k, 1, c, F)`.
///
/// The batched passes unfold each sample's patches into a `K × positions` matrix (im2col) and
/// multiply it with the kernel in one GEMM per batch. The fields (reached through `Deref`:
/// `layer.kernel`, `layer.trainable`) and that math are the weight part [`Affine`] that Conv2D
/// shares with [`Dense`](crate::Dense); a Conv2D layer's columns are its patches.
#[derive(Clone, Debug)]
pub struct Conv<
    T: Float,
    const IN: usize,
    const OUT: usize,
    const F: usize,
    const K: usize,
    A = Linear,
    S: Storage = Inline,
    const BIAS: bool = true,
    const D: usize = 2,
> {
    /// The weight part (also reached through `Deref`: `layer.kernel`).
    pub weights: Affine<T, F, K, A, S, BIAS, Patches<IN, OUT, D>>,
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
    const D: usize,
> core::ops::Deref for Conv<T, IN, OUT, F, K, A, S, BIAS, D>
{
    type Target = Affine<T, F, K, A, S, BIAS, Patches<IN, OUT, D>>;

    /// The weight part: `layer.kernel`, `layer.bias`, `layer.trainable`, ...
    fn deref(&self) -> &Self::Target {
        &self.weights
    }
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
    const D: usize,
> core::ops::DerefMut for Conv<T, IN, OUT, F, K, A, S, BIAS, D>
{
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.weights
    }
}

impl<
    T: Float,
    const IN: usize,
    const OUT: usize,
    const F: usize,
    const K: usize,
    A: Clone + core::fmt::Debug,
    S: Storage,
    const BIAS: bool,
    const D: usize,
> Params<T> for Conv<T, IN, OUT, F, K, A, S, BIAS, D>
{
    delegate!(Params, Affine<T, F, K, A, S, BIAS, Patches<IN, OUT, D>>);
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
    const D: usize,
> Layer<T, IN, OUT> for Conv<T, IN, OUT, F, K, A, S, BIAS, D>
{
    delegate!(Layer, Affine<T, F, K, A, S, BIAS, Patches<IN, OUT, D>>, IN, OUT);
}

impl<
    T: Float,
    const IN: usize,
    const OUT: usize,
    const F: usize,
    const K: usize,
    A,
    const BIAS: bool,
    const D: usize,
> Conv<T, IN, OUT, F, K, A, Inline, BIAS, D>
{
    /// A layer with this geometry and these weights, in Keras's layout: `kernel[k][f]` is the
    /// kernel of shape `(kh, kw, c, F)` (`k` runs over `kh·kw·c`), `bias[0]` the bias (zeros
    /// without bias). A `const fn`, for networks with weights built into the program.
    ///
    /// # Panics
    /// If the window's sizes disagree with the const parameters (at compile time in a
    /// constant).
    pub const fn from_arrays(
        window: Window,
        kernel: [[T; F]; K],
        bias: [[T; F]; 1],
        activation: A,
    ) -> Self {
        assert!(
            IN == window.input_len()
                && OUT == window.positions() * F
                && K == window.kh * window.kw * window.c,
            "Conv::from_arrays: the window does not fit the layer's sizes"
        );
        assert!(
            Patches::<IN, OUT, D>::fits(&window),
            "Conv::from_arrays: a Conv1D's window is over a sequence (Window::sequence)"
        );
        let patches = Patches::new(window, F);
        Self {
            weights: Affine::from_arrays(patches, kernel, bias, activation),
        }
    }
}

/// A 2-D convolution over channels-last images (Keras's `Conv2D`): `IN = h·w·c`,
/// `OUT = oh·ow·F`, `K = kh·kw·c`, which `network!` computes from `Conv2D<FILTERS, (KH, KW)>`
/// and the image before it. Made by hand, with its [`Window`]:
///
/// ```
/// use nalgebra::SVector;
/// use nn::{Conv2D, Layer, Linear, Padding, Window};
///
/// // A 3 × 3 image of one channel, one 2 × 2 filter, valid padding: a 2 × 2 output.
/// let window = Window::new((3, 3, 1), (2, 2), (1, 1), Padding::Valid).unwrap();
/// let mut conv = Conv2D::<f32, 9, 4, 1, 4>::zeros(window, Linear)?;
/// conv.kernel.fill(1.0); // each output is the sum of its window, plus the bias
/// conv.bias.fill(0.5);
/// let x = SVector::<f32, 9>::from_column_slice(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
/// assert_eq!(conv.forward(&x).as_slice(), [12.5, 16.5, 24.5, 28.5]);
///
/// // `kernel` is filters × (kh·kw·c): its column-major memory is Keras's (kh, kw, c, filters)
/// // kernel in row-major order.
/// assert_eq!(conv.kernel.shape(), (1, 4));
/// # Ok::<(), nn::Error>(())
/// ```
pub type Conv2D<
    T,
    const IN: usize,
    const OUT: usize,
    const F: usize,
    const K: usize,
    A = Linear,
    S = Inline,
    const BIAS: bool = true,
> = Conv<T, IN, OUT, F, K, A, S, BIAS, 2>;

/// A 1-D convolution over sequences of `steps × channels` values (Keras's `Conv1D`, with its
/// `valid`, `same` and `causal` paddings, strides and dilation): `IN = steps·c`,
/// `OUT = out_steps·F`, `K = k·c`; the window is [`Window::sequence`].
pub type Conv1D<
    T,
    const IN: usize,
    const OUT: usize,
    const F: usize,
    const K: usize,
    A = Linear,
    S = Inline,
    const BIAS: bool = true,
> = Conv<T, IN, OUT, F, K, A, S, BIAS, 1>;

/// The [`Geometry`] of [`Conv`]: each output position's `kh × kw × c` patch of an image of
/// `IN` values is one column; the outputs are `OUT` values a sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Patches<const IN: usize, const OUT: usize, const D: usize = 2> {
    window: Window,
    kernel_shape: [usize; 4],
}

impl<const IN: usize, const OUT: usize, const D: usize> Patches<IN, OUT, D> {
    /// The dimension, checked when a layer is made: 1 or 2.
    const DIMENSION: () = assert!(D == 1 || D == 2, "a convolution is 1-D or 2-D");

    /// Whether `window` is one this dimension slides: over a sequence (one column, a kernel one
    /// column wide) in 1-D; any in 2-D.
    const fn fits(window: &Window) -> bool {
        let () = Self::DIMENSION;
        D == 2 || (window.w == 1 && window.kw == 1)
    }

    /// The geometry of a layer of `f` filters over `window`: its Keras kernel shape is
    /// `(kh, kw, c, f)` in 2-D, `(k, c, f)` in 1-D (stored in the first three entries).
    const fn new(window: Window, f: usize) -> Self {
        let kernel_shape = match D {
            1 => [window.kh, window.c, f, 0],
            _ => [window.kh, window.kw, window.c, f],
        };
        Self {
            window,
            kernel_shape,
        }
    }
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
    const D: usize,
> Conv<T, IN, OUT, F, K, A, S, BIAS, D>
{
    /// The geometry.
    pub fn window(&self) -> Window {
        self.weights.geometry.window
    }
}

impl<const IN: usize, const OUT: usize, const D: usize> Patches<IN, OUT, D> {
    /// [`Geometry::forward_one`] for `F` filters, `P` neighbouring positions of a row at a
    /// time (and the rest of a row one at a time). Each position's sums are added in the same
    /// order whatever `P` is (tap by tap, channel by channel), so `P` changes only the speed.
    #[inline(always)]
    fn direct<T: Float, const F: usize, const P: usize>(&self, kernel: &[T], x: &[T], z: &mut [T]) {
        let g = self.window;
        for oy in 0..g.oh {
            let mut ox = 0;
            while ox + P <= g.ow {
                self.positions::<T, F, P>(kernel, x, z, (oy, ox));
                ox += P;
            }
            for ox in ox..g.ow {
                self.positions::<T, F, 1>(kernel, x, z, (oy, ox));
            }
        }
    }

    /// The sums of the `P` positions from `(oy, ox)` along the row, added to `z`.
    #[inline(always)]
    fn positions<T: Float, const F: usize, const P: usize>(
        &self,
        kernel: &[T],
        x: &[T],
        z: &mut [T],
        (oy, ox): (usize, usize),
    ) {
        let g = self.window;
        let mut sums = [[T::zero(); F]; P];
        for i in 0..g.kh {
            for j in 0..g.kw {
                let pixel = |p: usize| {
                    let (sy, sx) = g.source(oy, ox + p, i, j)?;
                    x.get((sy * g.w + sx) * g.c..)?.get(..g.c)
                };
                let pixels: [Option<&[T]>; P] = core::array::from_fn(pixel);
                let taps = kernel[(i * g.kw + j) * g.c * F..].as_chunks::<F>().0;
                if pixels.iter().all(Option::is_some) {
                    let pixels = pixels.map(|p| p.unwrap_or_default());
                    for (channel, weights) in taps.iter().take(g.c).enumerate() {
                        for (sums, pixel) in sums.iter_mut().zip(pixels) {
                            let v = pixel[channel];
                            for (sum, &w) in sums.iter_mut().zip(weights) {
                                *sum += w * v;
                            }
                        }
                    }
                } else {
                    // At an edge of the image (`same` padding): the positions whose tap is
                    // inside, one by one.
                    for (sums, pixel) in sums.iter_mut().zip(pixels) {
                        let Some(pixel) = pixel else { continue };
                        for (&v, weights) in pixel.iter().zip(taps) {
                            for (sum, &w) in sums.iter_mut().zip(weights) {
                                *sum += w * v;
                            }
                        }
                    }
                }
            }
        }
        for (p, sums) in sums.iter().enumerate() {
            for (o, &sum) in z[(oy * g.ow + ox + p) * F..][..F].iter_mut().zip(sums) {
                *o += sum;
            }
        }
    }
}

impl<const IN: usize, const OUT: usize, const D: usize> Layout for Patches<IN, OUT, D> {
    const CLASS: &'static str = match D {
        1 => nn_keras::class::CONV_1D,
        _ => nn_keras::class::CONV_2D,
    };

    /// `(kh, kw, channels, filters)`; `(k, channels, filters)` in 1-D.
    fn kernel_shape<const U: usize, const K: usize>(&self) -> &[usize] {
        &self.kernel_shape[..D + 2]
    }
}

impl<const IN: usize, const OUT: usize, const D: usize, const F: usize, const K: usize>
    Geometry<IN, OUT, F, K> for Patches<IN, OUT, D>
{
    /// The `F` sums of each of the positions `forward_one` takes together (one on a processor
    /// without vector registers, a Cortex-M).
    const SUMS: usize = F * if cfg!(any(target_arch = "x86_64", target_arch = "aarch64")) {
        match F {
            0..=32 => 4,
            33..=64 => 2,
            _ => 1,
        }
    } else {
        1
    };

    const FRAME: usize = crate::frame::WINDOWED;

    fn positions(&self) -> usize {
        self.window.positions()
    }

    #[inline(always)]
    fn forward_one<T: Float>(&self, kernel: &[T], x: &[T], z: &mut [T]) {
        // A direct convolution: no patch matrix, no allocation. Each position's F sums are
        // kept in a fixed-size array over all its taps and channels (registers, for the
        // filter counts of small models) and added to `z` once: 3.7 times faster on ResNet-8
        // than adding each product to `z` (`benches/mlperf_tiny.rs`). Neighbouring positions
        // of a row are taken together where their sums fit in vector registers, so that each
        // weight read serves them all (ResNet-8: 318 µs → 225 µs on AVX-512); a processor
        // without them (a Cortex-M) takes one at a time, in less code.
        if !cfg!(any(target_arch = "x86_64", target_arch = "aarch64")) {
            return self.direct::<T, F, 1>(kernel, x, z);
        }
        match F {
            0..=32 => self.direct::<T, F, 4>(kernel, x, z),
            33..=64 => self.direct::<T, F, 2>(kernel, x, z),
            _ => self.direct::<T, F, 1>(kernel, x, z),
        }
    }

    #[cfg(feature = "std")]
    fn unfold<'a, T: Float>(&self, x: &'a [T], n: usize, buffer: &'a mut Vec<T>) -> &'a [T] {
        self.im2col(x, n, buffer);
        buffer
    }

    #[cfg(feature = "std")]
    fn unfolded<'a, T: Float>(&self, _x: &'a [T], buffer: &'a [T]) -> &'a [T] {
        buffer
    }

    #[cfg(feature = "std")]
    fn input_gradient<T: Float>(&self, kernel: &[T], dz: &[T], n: usize, dx: &mut [T]) {
        self.fold_gradient::<T, F, K>(kernel, dz, n, dx);
    }
}
