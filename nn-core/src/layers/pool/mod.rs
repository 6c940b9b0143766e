//! Pooling and reshaping layers: `MaxPool2D`, `AvgPool2D` and their 1-D forms over sequences,
//! `GlobalAvgPool2D`, `Flatten`.

use nalgebra::SVector;

use super::geometry::Window;
use crate::Float;
use crate::layer::{Layer, Params, no_params};

#[cfg(feature = "std")]
pub(super) mod train;

/// A pool over channels-last images (`D = 2`) or sequences (`D = 1`, a `steps × 1` image): each
/// channel's window reduced to its maximum ([`MaxPool2D`], [`MaxPool1D`]) or mean
/// ([`AvgPool2D`], [`AvgPool1D`], which average only the values inside the input when padding
/// is `same`, as Keras does). `IN = h·w·c`, `OUT = oh·ow·c`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pool<const IN: usize, const OUT: usize, const MAX: bool, const D: usize = 2> {
    window: Window,
}

/// Max pooling (Keras's `MaxPooling2D`; strides default to the pool size): each channel's
/// largest value in each window.
///
/// ```
/// use nalgebra::SVector;
/// use nn::{Layer, MaxPool2D, Padding, Window};
///
/// // A 4 × 4 image of one channel, 2 × 2 windows with strides 2: a 2 × 2 output.
/// let window = Window::new((4, 4, 1), (2, 2), (2, 2), Padding::Valid).unwrap();
/// let pool = MaxPool2D::<16, 4>::new(window)?;
/// let x = SVector::<f32, 16>::from_fn(|i, _| i as f32); // row by row: 0, 1, 2, ...
/// assert_eq!(pool.forward(&x).as_slice(), [5.0, 7.0, 13.0, 15.0]);
/// # Ok::<(), nn::Error>(())
/// ```
pub type MaxPool2D<const IN: usize, const OUT: usize> = Pool<IN, OUT, true, 2>;
/// Average pooling (Keras's `AveragePooling2D`): each channel's mean in each window, over the
/// values inside the image only when padding is `same`, as Keras does.
///
/// ```
/// use nalgebra::SVector;
/// use nn::{AvgPool2D, Layer, Padding, Window};
///
/// // A 3 × 3 image, 2 × 2 windows with strides 2 and same padding: the windows on the right
/// // and the bottom hang over the edge, and average only what they cover.
/// let window = Window::new((3, 3, 1), (2, 2), (2, 2), Padding::Same).unwrap();
/// let pool = AvgPool2D::<9, 4>::new(window)?;
/// let x = SVector::<f32, 9>::from_column_slice(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
/// // (1 + 2 + 4 + 5) / 4, (3 + 6) / 2, (7 + 8) / 2, 9
/// assert_eq!(pool.forward(&x).as_slice(), [3.0, 4.5, 7.5, 9.0]);
/// # Ok::<(), nn::Error>(())
/// ```
pub type AvgPool2D<const IN: usize, const OUT: usize> = Pool<IN, OUT, false, 2>;
/// Max pooling over the steps of a sequence (Keras's `MaxPooling1D`), with a window of
/// [`Window::sequence`].
pub type MaxPool1D<const IN: usize, const OUT: usize> = Pool<IN, OUT, true, 1>;
/// Average pooling over the steps of a sequence (Keras's `AveragePooling1D`).
pub type AvgPool1D<const IN: usize, const OUT: usize> = Pool<IN, OUT, false, 1>;

impl<const IN: usize, const OUT: usize, const MAX: bool, const D: usize> Pool<IN, OUT, MAX, D> {
    /// A pool with this geometry, in a constant.
    ///
    /// # Panics
    /// If the window's sizes disagree with the type's (at compile time in a constant).
    pub const fn from_window(window: Window) -> Self {
        assert!(
            IN == window.input_len() && OUT == window.positions() * window.c,
            "Pool::from_window: the window does not fit the layer's sizes"
        );
        assert!(
            Self::fits(&window),
            "Pool::from_window: a 1-D pool's window is over a sequence (Window::sequence)"
        );
        Self { window }
    }

    /// The geometry.
    pub fn window(&self) -> Window {
        self.window
    }

    /// Whether `window` is one this dimension slides: over a sequence (one column, a window one
    /// column wide) in 1-D; any in 2-D.
    const fn fits(window: &Window) -> bool {
        assert!(D == 1 || D == 2, "a pool is 1-D or 2-D");
        D == 2 || (window.w == 1 && window.kw == 1)
    }

    /// Pools one sample; records the chosen input of each max when `argmax` is given. Allocates
    /// nothing: each output position is finished before the next one starts.
    #[inline(always)]
    fn pool<T: Float>(&self, x: &[T], y: &mut [T], mut argmax: Option<&mut [usize]>) {
        let g = self.window;
        let c = g.c;
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                let out = (oy * g.ow + ox) * c;
                let target = &mut y[out..out + c];
                // Every output position has at least one cell inside the image, so each is
                // written.
                let mut cells = 0usize;
                for i in 0..g.kh {
                    for j in 0..g.kw {
                        let Some((sy, sx)) = g.source(oy, ox, i, j) else {
                            continue;
                        };
                        let from = (sy * g.w + sx) * c;
                        let window = &x[from..from + c];
                        if MAX {
                            // The first cell, then each larger value (the first of equal ones
                            // wins), as selects rather than branches, so that the channels
                            // vectorize.
                            match argmax.as_deref_mut() {
                                Some(a) => {
                                    let a = &mut a[out..out + c];
                                    if cells == 0 {
                                        target.copy_from_slice(window);
                                        a.iter_mut().enumerate().for_each(|(ch, a)| *a = from + ch);
                                    } else {
                                        let lanes = target.iter_mut().zip(window).zip(a.iter_mut());
                                        for (ch, ((t, &v), a)) in lanes.enumerate() {
                                            let larger = v > *t;
                                            *t = if larger { v } else { *t };
                                            *a = if larger { from + ch } else { *a };
                                        }
                                    }
                                }
                                None if cells == 0 => target.copy_from_slice(window),
                                None => {
                                    for (t, &v) in target.iter_mut().zip(window) {
                                        *t = if v > *t { v } else { *t };
                                    }
                                }
                            }
                        } else if cells == 0 {
                            target.copy_from_slice(window);
                        } else {
                            target.iter_mut().zip(window).for_each(|(t, &v)| *t += v);
                        }
                        cells += 1;
                    }
                }
                if !MAX {
                    let count = T::of(cells as f64);
                    target.iter_mut().for_each(|v| *v /= count);
                }
            }
        }
    }
}

impl<T: Float, const IN: usize, const OUT: usize, const MAX: bool, const D: usize> Params<T>
    for Pool<IN, OUT, MAX, D>
{
    no_params!(match (MAX, D) {
        (true, 1) => nn_keras::class::MAX_POOLING_1D,
        (false, 1) => nn_keras::class::AVERAGE_POOLING_1D,
        (true, _) => nn_keras::class::MAX_POOLING_2D,
        (false, _) => nn_keras::class::AVERAGE_POOLING_2D,
    });
}

impl<T: Float, const IN: usize, const OUT: usize, const MAX: bool, const D: usize> Layer<T, IN, OUT>
    for Pool<IN, OUT, MAX, D>
{
    fn forward(&self, x: &SVector<T, IN>) -> SVector<T, OUT> {
        let mut y = crate::storage::zeros::<T, OUT>();
        self.pool(x.as_slice(), y.as_mut_slice(), None);
        y
    }

    const SCRATCH: usize = 0;

    const FRAME: usize = crate::frame::WINDOWED;

    fn forward_into(&self, x: &SVector<T, IN>, y: &mut SVector<T, OUT>) {
        self.pool(x.as_slice(), y.as_mut_slice(), None);
    }

    #[cfg(feature = "std")]
    fn forward_batch(&self, x: &crate::Batch<T, IN>, y: &mut crate::Batch<T, OUT>) {
        crate::resize_batch(y, x.ncols());
        for (x, y) in x
            .as_slice()
            .chunks_exact(IN)
            .zip(y.as_mut_slice().chunks_exact_mut(OUT))
        {
            self.pool(x, y, None);
        }
    }
}

/// Keras's `GlobalAveragePooling2D`: the mean of each channel over all positions.
/// `IN = positions · C`, output `C`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GlobalAvgPool2D;

impl<T: Float> Params<T> for GlobalAvgPool2D {
    no_params!(nn_keras::class::GLOBAL_AVERAGE_POOLING_2D);
}

impl<T: Float, const IN: usize, const C: usize> Layer<T, IN, C> for GlobalAvgPool2D {
    fn forward(&self, x: &SVector<T, IN>) -> SVector<T, C> {
        let mut y = crate::storage::zeros::<T, C>();
        channel_means(x.as_slice(), y.as_mut_slice());
        y
    }

    const SCRATCH: usize = 0;

    fn forward_into(&self, x: &SVector<T, IN>, y: &mut SVector<T, C>) {
        channel_means(x.as_slice(), y.as_mut_slice());
    }

    #[cfg(feature = "std")]
    fn forward_batch(&self, x: &crate::Batch<T, IN>, y: &mut crate::Batch<T, C>) {
        crate::resize_batch(y, x.ncols());
        let samples = x.as_slice().chunks_exact(IN);
        for (x, y) in samples.zip(y.as_mut_slice().chunks_exact_mut(C)) {
            channel_means(x, y);
        }
    }
}

/// Writes into `y` (one value per channel, `y.len()` channels) the mean of each channel over
/// the positions of the channels-last image `x`.
fn channel_means<T: Float>(x: &[T], y: &mut [T]) {
    let channels = y.len();
    y.fill(T::zero());
    for position in x.chunks_exact(channels) {
        for (s, &v) in y.iter_mut().zip(position) {
            *s += v;
        }
    }
    let count = T::of((x.len() / channels) as f64);
    y.iter_mut().for_each(|s| *s /= count);
}

/// Keras's `Flatten`: an image's `h·w·c` values as one vector. Samples are stored flat already,
/// so this is the identity; it marks where images end and vectors begin.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flatten;

impl<T: Float> Params<T> for Flatten {
    no_params!(nn_keras::class::FLATTEN);
}

impl<T: Float, const N: usize> Layer<T, N, N> for Flatten {
    fn forward(&self, x: &SVector<T, N>) -> SVector<T, N> {
        *x
    }

    const SCRATCH: usize = 0;

    fn forward_into(&self, x: &SVector<T, N>, y: &mut SVector<T, N>) {
        y.copy_from(x);
    }

    #[cfg(feature = "std")]
    fn forward_batch(&self, x: &crate::Batch<T, N>, y: &mut crate::Batch<T, N>) {
        crate::resize_batch(y, x.ncols());
        y.copy_from(x);
    }
}
