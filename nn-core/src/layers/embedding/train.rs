//! Training `Embedding`: its initializer and the backward pass into the table (std only).

use rand::Rng;

use super::*;
use crate::init::{Initializer, fill_checked};
use crate::layer::{Batch, Train, resize_batch};

impl<T: Float, const STEPS: usize, const OUT: usize, const VOCAB: usize, const DIM: usize, S>
    Embedding<T, STEPS, OUT, VOCAB, DIM, S>
where
    S: Storage,
{
    /// A layer whose vectors are drawn from `initializer` (Keras's default:
    /// `RandomUniform(-0.05, 0.05)`), as a tensor of shape `(VOCAB, DIM)`.
    pub fn init<R: Rng + ?Sized>(initializer: &impl Initializer, rng: &mut R) -> Self {
        let mut layer = Self::zeros();
        let values = layer.embeddings.as_mut_slice();
        fill_checked(
            initializer,
            "embeddings",
            &shape::<VOCAB, DIM>(),
            values,
            rng,
        );
        layer
    }
}

impl<T: Float, const STEPS: usize, const OUT: usize, const VOCAB: usize, const DIM: usize, S>
    Train<T, STEPS, OUT> for Embedding<T, STEPS, OUT, VOCAB, DIM, S>
where
    S: Storage,
{
    type Cache = ();

    fn forward_train<R: Rng + ?Sized>(
        &self,
        x: &Batch<T, STEPS>,
        y: &mut Batch<T, OUT>,
        _cache: &mut (),
        _training: bool,
        _rng: &mut R,
    ) {
        Layer::<T, STEPS, OUT>::forward_batch(self, x, y);
    }

    fn backward(
        &self,
        x: &Batch<T, STEPS>,
        _y: &Batch<T, OUT>,
        _cache: &(),
        dy: &mut Batch<T, OUT>,
        grad: &mut Self,
        dx: Option<&mut Batch<T, STEPS>>,
    ) {
        let de = grad.embeddings.as_mut_slice();
        de.fill(T::zero());
        if read(self.trainable) {
            let ids = x.as_slice().iter();
            for (&id, g) in ids.zip(dy.as_slice().chunks_exact(DIM)) {
                if let Some(v) = Self::token(id) {
                    for (d, &g) in de[v * DIM..(v + 1) * DIM].iter_mut().zip(g) {
                        *d += g;
                    }
                }
            }
        }
        // Ids are not differentiable: nothing flows back to them.
        if let Some(dx) = dx {
            resize_batch(dx, x.ncols());
            dx.fill(T::zero());
        }
    }
}
