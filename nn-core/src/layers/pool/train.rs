//! Training the pools and `Flatten`: run-time constructors, batched passes and backward passes (std
//! only).

use rand::Rng;

use super::*;
use crate::Error;
use crate::layer::{Batch, Train, resize_batch};

impl<const IN: usize, const OUT: usize, const MAX: bool, const D: usize> Pool<IN, OUT, MAX, D> {
    /// A pool with this geometry; its sizes must agree with the type's.
    pub fn new(window: Window) -> Result<Self, Error> {
        let (i, o) = (window.input_len(), window.positions() * window.c);
        if !Self::fits(&window) {
            return Err(Error::Setting {
                what: "pool geometry",
                problem: format!(
                    "{window:?} is not a window over a sequence (`Window::sequence`: one column, \
                     a window one column wide), as a 1-D pool needs"
                ),
            });
        }
        if (IN, OUT) != (i, o) {
            return Err(Error::Setting {
                what: "pool geometry",
                problem: format!(
                    "{window:?} has {i} inputs and {o} outputs, but the type says {IN} and {OUT}"
                ),
            });
        }
        Ok(Self { window })
    }

    /// Calls `f(output offset, input offset)` for each output position and each window cell
    /// inside the image; the `c` channels at each offset are contiguous.
    #[inline]
    pub(super) fn each_cell(&self, mut f: impl FnMut(usize, usize)) {
        let g = self.window;
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                let out = (oy * g.ow + ox) * g.c;
                for i in 0..g.kh {
                    for j in 0..g.kw {
                        if let Some((y, x)) = g.source(oy, ox, i, j) {
                            f(out, (y * g.w + x) * g.c);
                        }
                    }
                }
            }
        }
    }

    /// How many window cells of output position `out / c` lie inside the image.
    pub(super) fn cells_inside(&self, out: usize) -> usize {
        let g = self.window;
        let position = out / g.c;
        let (oy, ox) = (position / g.ow, position % g.ow);
        (0..g.kh)
            .flat_map(|i| (0..g.kw).map(move |j| (i, j)))
            .filter(|&(i, j)| g.source(oy, ox, i, j).is_some())
            .count()
    }
}

/// The fewest input values a pass over a batch splits across threads.
const PARALLEL_MIN_VALUES: usize = 1 << 15;

impl<T: Float, const IN: usize, const OUT: usize, const MAX: bool, const D: usize> Train<T, IN, OUT>
    for Pool<IN, OUT, MAX, D>
{
    type Cache = Vec<usize>;

    fn forward_train<R: Rng + ?Sized>(
        &self,
        x: &Batch<T, IN>,
        y: &mut Batch<T, OUT>,
        cache: &mut Self::Cache,
        _training: bool,
        _rng: &mut R,
    ) {
        let n = x.ncols();
        resize_batch(y, n);
        // Every index is written by the pass (each output position has a cell in the image).
        cache.resize(OUT * n, 0);
        // Samples split across the threads allowed, each writing its own outputs and indices.
        let parts = crate::parallel::parts(n, 1, IN, PARALLEL_MIN_VALUES);
        let outputs = (
            crate::parallel::items(y.as_mut_slice(), OUT),
            crate::parallel::items(cache, OUT),
        );
        let x = x.as_slice();
        let isa = crate::simd::Isa::current();
        crate::parallel::split(outputs, n, 1, parts, |samples, (y, argmax)| {
            let x = &x[samples.start * IN..samples.end * IN];
            let samples = x.chunks_exact(IN).zip(y.chunks_exact_mut(OUT));
            isa.run(
                #[inline(always)]
                || {
                    for ((x, y), argmax) in samples.zip(argmax.chunks_exact_mut(OUT)) {
                        self.pool(x, y, Some(argmax));
                    }
                },
            );
        });
    }

    fn backward(
        &self,
        x: &Batch<T, IN>,
        _y: &Batch<T, OUT>,
        cache: &Self::Cache,
        dy: &mut Batch<T, OUT>,
        _grad: &mut Self,
        dx: Option<&mut Batch<T, IN>>,
    ) {
        let Some(dx) = dx else { return };
        resize_batch(dx, x.ncols());
        if MAX {
            route_to_maxima(dx.as_mut_slice(), IN, dy.as_slice(), OUT, cache);
            return;
        }
        dx.fill(T::zero());
        let samples = dx
            .as_mut_slice()
            .chunks_exact_mut(IN)
            .zip(dy.as_slice().chunks_exact(OUT));
        // How many in-image cells each average covers: the same for every sample.
        let c = self.window.c;
        let counts: Vec<T> = (0..OUT / c)
            .map(|p| T::of(self.cells_inside(p * c) as f64))
            .collect();
        for (dx, dy) in samples {
            self.each_cell(|out, from| {
                let count = counts[out / c];
                for ch in 0..c {
                    dx[from + ch] += dy[out + ch] / count;
                }
            });
        }
    }
}

/// The backward pass of a max: each output's gradient `dy` (`output` values a sample) goes to
/// the input its forward pass chose, `argmax` (per sample, an index into the sample's `input`
/// values); every other input's gradient is zero. Shared by the max pools.
pub(crate) fn route_to_maxima<T: Float>(
    dx: &mut [T],
    input: usize,
    dy: &[T],
    output: usize,
    argmax: &[usize],
) {
    // Split by samples across the threads allowed, each part zeroing and filling its own.
    crate::parallel::for_each_part(dx, input, input, PARALLEL_MIN_VALUES, |samples, dx| {
        dx.fill(T::zero());
        let values = samples.start * output..samples.end * output;
        let dy = dy[values.clone()].chunks_exact(output);
        let samples = dx.chunks_exact_mut(input).zip(dy);
        for ((dx, dy), argmax) in samples.zip(argmax[values].chunks_exact(output)) {
            for (&at, &g) in argmax.iter().zip(dy) {
                dx[at] += g;
            }
        }
    });
}

impl<T: Float, const IN: usize, const C: usize> Train<T, IN, C> for GlobalAvgPool2D {
    type Cache = ();

    fn forward_train<R: Rng + ?Sized>(
        &self,
        x: &Batch<T, IN>,
        y: &mut Batch<T, C>,
        _: &mut (),
        _: bool,
        _: &mut R,
    ) {
        Layer::<T, IN, C>::forward_batch(self, x, y);
    }

    fn backward(
        &self,
        x: &Batch<T, IN>,
        _y: &Batch<T, C>,
        _cache: &(),
        dy: &mut Batch<T, C>,
        _grad: &mut Self,
        dx: Option<&mut Batch<T, IN>>,
    ) {
        let Some(dx) = dx else { return };
        resize_batch(dx, x.ncols());
        let count = T::of((IN / C) as f64);
        for (dx, dy) in dx
            .as_mut_slice()
            .chunks_exact_mut(IN)
            .zip(dy.as_slice().chunks_exact(C))
        {
            for position in dx.chunks_exact_mut(C) {
                for (d, &g) in position.iter_mut().zip(dy) {
                    *d = g / count;
                }
            }
        }
    }
}

impl<T: Float, const N: usize> Train<T, N, N> for Flatten {
    type Cache = ();

    fn forward_train<R: Rng + ?Sized>(
        &self,
        x: &Batch<T, N>,
        y: &mut Batch<T, N>,
        _: &mut (),
        _: bool,
        _: &mut R,
    ) {
        Layer::<T, N, N>::forward_batch(self, x, y);
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
            resize_batch(dx, dy.ncols());
            dx.copy_from(dy);
        }
    }
}
