//! Training `GlobalMaxPool2D`: where each maximum was, and ∂x routed to it (std only).

use rand::Rng;

use super::*;
use crate::layer::{Batch, Train, resize_batch};
use crate::layers::pool::train::route_to_maxima;

impl<T: Float, const IN: usize, const C: usize> Train<T, IN, C> for GlobalMaxPool2D {
    /// Where each sample's maximum of each channel was, as an index into the sample.
    type Cache = Vec<usize>;

    fn forward_train<R: Rng + ?Sized>(
        &self,
        x: &Batch<T, IN>,
        y: &mut Batch<T, C>,
        cache: &mut Vec<usize>,
        _training: bool,
        _rng: &mut R,
    ) {
        resize_batch(y, x.ncols());
        cache.resize(C * x.ncols(), 0);
        let samples = x
            .as_slice()
            .chunks_exact(IN)
            .zip(y.as_mut_slice().chunks_exact_mut(C));
        for ((x, y), argmax) in samples.zip(cache.chunks_exact_mut(C)) {
            channel_maxima(x, y, Some(argmax));
        }
    }

    fn backward(
        &self,
        x: &Batch<T, IN>,
        _y: &Batch<T, C>,
        cache: &Vec<usize>,
        dy: &mut Batch<T, C>,
        _grad: &mut Self,
        dx: Option<&mut Batch<T, IN>>,
    ) {
        let Some(dx) = dx else { return };
        resize_batch(dx, x.ncols());
        route_to_maxima(dx.as_mut_slice(), IN, dy.as_slice(), C, cache);
    }
}
