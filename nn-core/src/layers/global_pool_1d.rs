//! `GlobalAvgPool1D` and `GlobalMaxPool1D`: each channel of a sequence averaged, or its
//! largest value taken, over all steps. A sequence of `steps × c` values is a `steps × 1`
//! image, so these compute exactly what their 2-D forms compute; they differ in their Keras
//! class only.

use nalgebra::SVector;

use super::global_max_pool::GlobalMaxPool2D;
use super::pool::GlobalAvgPool2D;
use crate::Float;
use crate::layer::{Layer, Params, no_params};

/// A 1-D global pool that computes what the 2-D pool `$image` computes.
macro_rules! over_steps {
    ($(#[$doc:meta])* $name:ident = $image:ident, $class:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct $name;

        impl<T: Float> Params<T> for $name {
            no_params!($class);
        }

        impl<T: Float, const IN: usize, const C: usize> Layer<T, IN, C> for $name {
            fn forward(&self, x: &SVector<T, IN>) -> SVector<T, C> {
                Layer::<T, IN, C>::forward(&$image, x)
            }

            const SCRATCH: usize = 0;

            fn forward_into(&self, x: &SVector<T, IN>, y: &mut SVector<T, C>) {
                Layer::<T, IN, C>::forward_into(&$image, x, y)
            }

            #[cfg(feature = "std")]
            fn forward_batch(&self, x: &crate::Batch<T, IN>, y: &mut crate::Batch<T, C>) {
                Layer::<T, IN, C>::forward_batch(&$image, x, y)
            }
        }

        #[cfg(feature = "std")]
        impl<T: Float, const IN: usize, const C: usize> crate::Train<T, IN, C> for $name {
            type Cache = <$image as crate::Train<T, IN, C>>::Cache;

            fn forward_train<R: rand::Rng + ?Sized>(
                &self,
                x: &crate::Batch<T, IN>,
                y: &mut crate::Batch<T, C>,
                cache: &mut Self::Cache,
                training: bool,
                rng: &mut R,
            ) {
                crate::Train::<T, IN, C>::forward_train(&$image, x, y, cache, training, rng)
            }

            fn backward(
                &self,
                x: &crate::Batch<T, IN>,
                y: &crate::Batch<T, C>,
                cache: &Self::Cache,
                dy: &mut crate::Batch<T, C>,
                _grad: &mut Self,
                dx: Option<&mut crate::Batch<T, IN>>,
            ) {
                let image = &$image;
                crate::Train::<T, IN, C>::backward(image, x, y, cache, dy, &mut $image, dx)
            }
        }
    };
}

over_steps!(
    /// Keras's `GlobalAveragePooling1D`: the mean of each of the `C` channels over all steps of
    /// a sequence of `IN = steps · C` values; output `C`.
    GlobalAvgPool1D = GlobalAvgPool2D,
    nn_keras::class::GLOBAL_AVERAGE_POOLING_1D
);

over_steps!(
    /// Keras's `GlobalMaxPooling1D`: the maximum of each of the `C` channels over all steps of
    /// a sequence of `IN = steps · C` values; output `C`. The gradient goes to the first step
    /// holding each maximum.
    ///
    /// ```
    /// use nn_core::{GlobalMaxPool1D, Layer};
    /// use nalgebra::SVector;
    ///
    /// // Three steps of two features.
    /// let x = SVector::<f32, 6>::from_column_slice(&[1.0, 5.0, 3.0, 4.0, 2.0, 6.0]);
    /// let y: SVector<f32, 2> = GlobalMaxPool1D.forward(&x);
    /// assert_eq!(y.as_slice(), [3.0, 6.0]);
    /// ```
    GlobalMaxPool1D = GlobalMaxPool2D,
    nn_keras::class::GLOBAL_MAX_POOLING_1D
);
