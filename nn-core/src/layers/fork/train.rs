//! Training `Fork` and `Shortcut`: both branches forwards, the join's gradient split between
//! them, and the input's gradient summed (std only).

use rand::Rng;

use super::*;
use crate::layer::{Batch, Train, resize_batch};

/// An empty batch.
fn empty<T: Float, const N: usize>() -> Batch<T, N> {
    Batch::<T, N>::zeros_generic(nalgebra::Const::<N>, nalgebra::Dyn(0))
}

/// Joins the branches' outputs column by column.
fn join_batch<T: Float, J: Join, const WA: usize, const WB: usize, const O: usize>(
    a: &Batch<T, WA>,
    b: &Batch<T, WB>,
    y: &mut Batch<T, O>,
) {
    resize_batch(y, a.ncols());
    let columns = a
        .as_slice()
        .chunks_exact(WA)
        .zip(b.as_slice().chunks_exact(WB));
    for ((a, b), y) in columns.zip(y.as_mut_slice().chunks_exact_mut(O)) {
        J::join(a, b, y);
    }
}

impl<J: Join, A, B, const WA: usize, const WB: usize, const O: usize> Fork<J, A, B, WA, WB, O> {
    /// [`Layer::forward_batch`]: each branch over the batch, then the join.
    pub(super) fn forward_batch_with<T: Float, const I: usize>(
        &self,
        x: &Batch<T, I>,
        y: &mut Batch<T, O>,
    ) where
        A: Layer<T, I, WA>,
        B: Layer<T, I, WB>,
    {
        const { Self::check() };
        let (mut a, mut b) = (empty::<T, WA>(), empty::<T, WB>());
        resize_batch(&mut a, x.ncols());
        resize_batch(&mut b, x.ncols());
        self.first.forward_batch(x, &mut a);
        self.second.forward_batch(x, &mut b);
        join_batch::<T, J, WA, WB, O>(&a, &b, y);
    }
}

/// What a [`Fork`]'s training pass keeps: each branch's cache and outputs.
#[derive(Clone, Debug)]
pub struct ForkCache<T: Float, CA, CB, const WA: usize, const WB: usize> {
    /// The first branch's cache.
    pub first: CA,
    /// The second branch's cache.
    pub second: CB,
    /// The first branch's outputs.
    pub first_out: Batch<T, WA>,
    /// The second branch's outputs.
    pub second_out: Batch<T, WB>,
}

impl<T: Float, CA: Default, CB: Default, const WA: usize, const WB: usize> Default
    for ForkCache<T, CA, CB, WA, WB>
{
    fn default() -> Self {
        Self {
            first: CA::default(),
            second: CB::default(),
            first_out: empty(),
            second_out: empty(),
        }
    }
}

impl<
    T: Float,
    J: Join,
    A: Train<T, I, WA>,
    B: Train<T, I, WB>,
    const I: usize,
    const O: usize,
    const WA: usize,
    const WB: usize,
> Train<T, I, O> for Fork<J, A, B, WA, WB, O>
{
    type Cache = ForkCache<T, A::Cache, B::Cache, WA, WB>;

    fn forward_train<R: Rng + ?Sized>(
        &self,
        x: &Batch<T, I>,
        y: &mut Batch<T, O>,
        cache: &mut Self::Cache,
        training: bool,
        rng: &mut R,
    ) {
        const { Self::check() };
        resize_batch(&mut cache.first_out, x.ncols());
        resize_batch(&mut cache.second_out, x.ncols());
        self.first
            .forward_train(x, &mut cache.first_out, &mut cache.first, training, rng);
        self.second
            .forward_train(x, &mut cache.second_out, &mut cache.second, training, rng);
        join_batch::<T, J, WA, WB, O>(&cache.first_out, &cache.second_out, y);
    }

    fn activity_penalty(&self, cache: &Self::Cache) -> T {
        self.first.activity_penalty(&cache.first) + self.second.activity_penalty(&cache.second)
    }

    fn backward(
        &self,
        x: &Batch<T, I>,
        _y: &Batch<T, O>,
        cache: &Self::Cache,
        dy: &mut Batch<T, O>,
        grad: &mut Self,
        dx: Option<&mut Batch<T, I>>,
    ) {
        let n = x.ncols();
        let (mut da, mut db) = (empty::<T, WA>(), empty::<T, WB>());
        resize_batch(&mut da, n);
        resize_batch(&mut db, n);
        let outputs = cache
            .first_out
            .as_slice()
            .chunks_exact(WA)
            .zip(cache.second_out.as_slice().chunks_exact(WB));
        let grads = da
            .as_mut_slice()
            .chunks_exact_mut(WA)
            .zip(db.as_mut_slice().chunks_exact_mut(WB));
        for (((a, b), dy), (da, db)) in outputs.zip(dy.as_slice().chunks_exact(O)).zip(grads) {
            J::backward(a, b, dy, da, db);
        }
        let first = (&cache.first_out, &cache.first);
        let second = (&cache.second_out, &cache.second);
        match dx {
            Some(dx) => {
                let mut dx_second = empty::<T, I>();
                resize_batch(&mut dx_second, n);
                self.first.backward(
                    x,
                    first.0,
                    first.1,
                    &mut da,
                    &mut grad.first,
                    Some(&mut *dx),
                );
                self.second.backward(
                    x,
                    second.0,
                    second.1,
                    &mut db,
                    &mut grad.second,
                    Some(&mut dx_second),
                );
                *dx += &dx_second;
            }
            None => {
                self.first
                    .backward(x, first.0, first.1, &mut da, &mut grad.first, None);
                self.second
                    .backward(x, second.0, second.1, &mut db, &mut grad.second, None);
            }
        }
    }
}

impl<T: Float, const N: usize> Train<T, N, N> for Shortcut {
    type Cache = ();

    fn forward_train<R: Rng + ?Sized>(
        &self,
        x: &Batch<T, N>,
        y: &mut Batch<T, N>,
        _cache: &mut (),
        _training: bool,
        _rng: &mut R,
    ) {
        y.clone_from(x);
    }

    fn backward(
        &self,
        _x: &Batch<T, N>,
        _y: &Batch<T, N>,
        _cache: &(),
        dy: &mut Batch<T, N>,
        _grad: &mut Self,
        dx: Option<&mut Batch<T, N>>,
    ) {
        if let Some(dx) = dx {
            dx.clone_from(dy);
        }
    }
}
