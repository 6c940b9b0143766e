//! `GlobalMaxPool2D`: each channel's largest value over all positions of an image.

use nalgebra::SVector;

use crate::Float;
use crate::layer::{Layer, Params, no_params};

#[cfg(feature = "std")]
pub(super) mod train;

/// Keras's `GlobalMaxPooling2D`: the maximum of each of the `C` channels over all positions of
/// a channels-last image of `IN = positions · C` values; output `C`. No parameters. The gradient
/// goes to the first position holding each maximum.
///
/// ```
/// use nn_core::{GlobalMaxPool2D, Layer};
/// use nalgebra::SVector;
///
/// // A 2 × 1 image with 2 channels: positions (1, 5) and (3, 4).
/// let x = SVector::<f32, 4>::from_column_slice(&[1.0, 5.0, 3.0, 4.0]);
/// let y: SVector<f32, 2> = GlobalMaxPool2D.forward(&x);
/// assert_eq!(y.as_slice(), [3.0, 5.0]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GlobalMaxPool2D;

/// Writes each channel's maximum over the positions of `x` into `y` (`y.len()` channels), and
/// where it was found into `argmax` when given.
fn channel_maxima<T: Float>(x: &[T], y: &mut [T], mut argmax: Option<&mut [usize]>) {
    let channels = y.len();
    y.copy_from_slice(&x[..channels]);
    if let Some(a) = argmax.as_deref_mut() {
        a.iter_mut().enumerate().for_each(|(ch, a)| *a = ch);
    }
    for (p, position) in x.chunks_exact(channels).enumerate().skip(1) {
        for (ch, (m, &v)) in y.iter_mut().zip(position).enumerate() {
            if v > *m {
                *m = v;
                if let Some(a) = argmax.as_deref_mut() {
                    a[ch] = p * channels + ch;
                }
            }
        }
    }
}

impl<T: Float> Params<T> for GlobalMaxPool2D {
    no_params!(nn_keras::class::GLOBAL_MAX_POOLING_2D);
}

impl<T: Float, const IN: usize, const C: usize> Layer<T, IN, C> for GlobalMaxPool2D {
    fn forward(&self, x: &SVector<T, IN>) -> SVector<T, C> {
        let mut y = crate::storage::zeros::<T, C>();
        channel_maxima(x.as_slice(), y.as_mut_slice(), None);
        y
    }

    const SCRATCH: usize = 0;

    fn forward_into(&self, x: &SVector<T, IN>, y: &mut SVector<T, C>) {
        channel_maxima(x.as_slice(), y.as_mut_slice(), None);
    }

    #[cfg(feature = "std")]
    fn forward_batch(&self, x: &crate::Batch<T, IN>, y: &mut crate::Batch<T, C>) {
        crate::resize_batch(y, x.ncols());
        let samples = x.as_slice().chunks_exact(IN);
        for (x, y) in samples.zip(y.as_mut_slice().chunks_exact_mut(C)) {
            channel_maxima(x, y, None);
        }
    }
}
