//! Training `Bidirectional`: its initializer, what both directions keep and the backward pass (std
//! only).

use rand::Rng;

use super::*;
use crate::layer::{Batch, Train, resize_batch};

impl<
    T: Float,
    const I: usize,
    const O: usize,
    const H: usize,
    const F: usize,
    const U: usize,
    const G: usize,
    const B: usize,
    const SEQUENCES: bool,
    C: Cell,
    M: Merge,
    S: Storage,
> Bidirectional<T, I, O, H, F, U, G, B, SEQUENCES, C, M, S>
{
    /// A layer with Keras's initial values, drawn from `rng`: the forward layer's, then the
    /// backward layer's.
    pub fn new<R: Rng + ?Sized>(rng: &mut R) -> Self {
        let () = Self::SIZES;
        Self {
            forward: Recurrent::new(rng),
            backward: Recurrent::new(rng),
            merge: PhantomData,
        }
    }
}

/// What a [`Bidirectional`] layer's training pass keeps: each direction's cache and output.
#[derive(Clone, Debug)]
pub struct BidirectionalCache<T: Float, const H: usize> {
    /// The forward layer's cache.
    pub forward: crate::layers::recurrent::train::RecurrentCache<T>,
    /// The backward layer's cache.
    pub backward: crate::layers::recurrent::train::RecurrentCache<T>,
    /// The forward layer's outputs.
    pub forward_out: Batch<T, H>,
    /// The backward layer's outputs.
    pub backward_out: Batch<T, H>,
}

impl<T: Float, const H: usize> Default for BidirectionalCache<T, H> {
    fn default() -> Self {
        let empty = || Batch::<T, H>::zeros_generic(nalgebra::Const::<H>, nalgebra::Dyn(0));
        Self {
            forward: Default::default(),
            backward: Default::default(),
            forward_out: empty(),
            backward_out: empty(),
        }
    }
}

impl<
    T: Float,
    const I: usize,
    const O: usize,
    const H: usize,
    const F: usize,
    const U: usize,
    const G: usize,
    const B: usize,
    const SEQUENCES: bool,
    C: Cell,
    M: Merge,
    S: Storage,
> Bidirectional<T, I, O, H, F, U, G, B, SEQUENCES, C, M, S>
{
    /// Both directions over the batch, then the merge.
    pub(super) fn run(
        &self,
        x: &Batch<T, I>,
        y: &mut Batch<T, O>,
        cache: &mut BidirectionalCache<T, H>,
    ) {
        let (a, b) = (&mut cache.forward_out, &mut cache.backward_out);
        self.forward.run(x, a, &mut cache.forward);
        self.backward.run(x, b, &mut cache.backward);
        resize_batch(y, x.ncols());
        let samples = a
            .as_slice()
            .chunks_exact(H)
            .zip(b.as_slice().chunks_exact(H));
        for ((a, b), y) in samples.zip(y.as_mut_slice().chunks_exact_mut(O)) {
            Self::merge_sample(a, b, y);
        }
    }
}

impl<
    T: Float,
    const I: usize,
    const O: usize,
    const H: usize,
    const F: usize,
    const U: usize,
    const G: usize,
    const B: usize,
    const SEQUENCES: bool,
    C: Cell,
    M: Merge,
    S: Storage,
> Train<T, I, O> for Bidirectional<T, I, O, H, F, U, G, B, SEQUENCES, C, M, S>
{
    type Cache = BidirectionalCache<T, H>;

    fn forward_train<R: Rng + ?Sized>(
        &self,
        x: &Batch<T, I>,
        y: &mut Batch<T, O>,
        cache: &mut Self::Cache,
        _training: bool,
        _rng: &mut R,
    ) {
        self.run(x, y, cache);
    }

    fn backward(
        &self,
        x: &Batch<T, I>,
        _y: &Batch<T, O>,
        cache: &Self::Cache,
        dy: &mut Batch<T, O>,
        grad: &mut Self,
        mut dx: Option<&mut Batch<T, I>>,
    ) {
        let n = x.ncols();
        let zeros = || Batch::<T, H>::zeros_generic(nalgebra::Const::<H>, nalgebra::Dyn(n));
        let (mut da, mut db) = (zeros(), zeros());
        let steps = Self::OUT_STEPS;
        let outputs = cache.forward_out.as_slice().chunks_exact(H);
        let outputs = outputs.zip(cache.backward_out.as_slice().chunks_exact(H));
        let gradients = da.as_mut_slice().chunks_exact_mut(H);
        let gradients = gradients.zip(db.as_mut_slice().chunks_exact_mut(H));
        for (((a, b), (da, db)), dy) in outputs.zip(gradients).zip(dy.as_slice().chunks_exact(O)) {
            for t in 0..steps {
                let (here, back) = (t * U..(t + 1) * U, (steps - 1 - t) * U..(steps - t) * U);
                let (da, db) = (&mut da[here.clone()], &mut db[back.clone()]);
                let dy = &dy[t * M::WIDTH * U..(t + 1) * M::WIDTH * U];
                M::backward(&a[here], &b[back], dy, da, db);
            }
        }
        let (a, b) = (&cache.forward_out, &cache.backward_out);
        // Each direction's input gradient, when one is asked for; their sum is the layer's.
        let mut dx_back = dx
            .is_some()
            .then(|| Batch::<T, I>::zeros_generic(nalgebra::Const::<I>, nalgebra::Dyn(n)));
        let (f, fg) = (&cache.forward, &mut grad.forward);
        self.forward
            .backward(x, a, f, &mut da, fg, dx.as_deref_mut());
        let (c, bg) = (&cache.backward, &mut grad.backward);
        self.backward
            .backward(x, b, c, &mut db, bg, dx_back.as_mut());
        if let (Some(dx), Some(dx_back)) = (dx, dx_back) {
            *dx += dx_back;
        }
    }
}
