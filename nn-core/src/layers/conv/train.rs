//! Training a [`Conv`]: its constructors that check a window at run time or initialize, the
//! patches unfolded for the batched product and folded back for ∂x, and its `Train` (std only).

use rand::Rng;

use super::{Conv, Patches};
use crate::Error;
use crate::Float;
use crate::activations::Activation;
use crate::init::Initializer;
use crate::layer::Train;
use crate::layers::affine::{Affine, Layout, delegate};
use crate::layers::geometry::Window;
use crate::linalg::{Strided, gemm};
use crate::storage::Storage;

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
    /// A layer of zeros with this geometry; the sizes must agree with the const parameters.
    pub fn zeros(window: Window, activation: A) -> Result<Self, Error> {
        let (expected_in, expected_out, expected_k) = (
            window.input_len(),
            window.positions() * F,
            window.kh * window.kw * window.c,
        );
        if !Patches::<IN, OUT, D>::fits(&window) {
            return Err(Error::Setting {
                what: "Conv1D geometry",
                problem: format!(
                    "{window:?} is not a window over a sequence (`Window::sequence`: one column, \
                     a kernel one column wide)"
                ),
            });
        }
        if (IN, OUT, K) != (expected_in, expected_out, expected_k) {
            return Err(Error::Setting {
                what: if D == 1 {
                    "Conv1D geometry"
                } else {
                    "Conv2D geometry"
                },
                problem: format!(
                    "{window:?} with {F} filters has {expected_in} inputs, {expected_out} outputs and {expected_k} \
                     weights per filter, but the type says {IN}, {OUT} and {K}"
                ),
            });
        }
        let patches = Patches::new(window, F);
        Ok(Self {
            weights: Affine::with_geometry(patches, activation),
        })
    }

    /// A layer initialized as Keras does: the kernel (fans `kh·kw·c` and `kh·kw·F`), then the
    /// bias.
    pub fn init<R: Rng + ?Sized>(
        window: Window,
        activation: A,
        kernel_initializer: &impl Initializer,
        bias_initializer: &impl Initializer,
        rng: &mut R,
    ) -> Result<Self, Error> {
        let mut layer = Self::zeros(window, activation)?;
        let geometry = layer.weights.geometry;
        let shape = Layout::kernel_shape::<F, K>(&geometry);
        layer
            .weights
            .initialize(shape, kernel_initializer, bias_initializer, rng);
        Ok(layer)
    }
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
> Train<T, IN, OUT> for Conv<T, IN, OUT, F, K, A, S, BIAS, D>
{
    delegate!(Train, Affine<T, F, K, A, S, BIAS, Patches<IN, OUT, D>>, IN, OUT);
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
> crate::fusion::OutputActivation<T, IN, OUT> for Conv<T, IN, OUT, F, K, A, S, BIAS, D>
{
    delegate!(OutputActivation, Affine<T, F, K, A, S, BIAS, Patches<IN, OUT, D>>, IN, OUT);
}

impl<const IN: usize, const OUT: usize, const D: usize> Patches<IN, OUT, D> {
    /// Unfolds the patches of `n` samples into `cols`, `K × (n · positions)` column-major.
    /// Samples are split across the threads allowed (each writes its own columns).
    pub(super) fn im2col<T: Float>(&self, x: &[T], n: usize, cols: &mut Vec<T>) {
        let g = self.window;
        let per_sample = g.kh * g.kw * g.c * g.positions();
        // Every element is written below (taps outside the image with zeros), so a buffer kept
        // from the last batch is not cleared first.
        cols.resize(per_sample * n, T::zero());
        crate::parallel::for_each_part(
            cols,
            per_sample,
            per_sample,
            PARALLEL_MIN_VALUES,
            |samples, cols| {
                for (b, columns) in samples.zip(cols.chunks_exact_mut(per_sample)) {
                    self.unfold_one(&x[b * IN..(b + 1) * IN], columns);
                }
            },
        );
    }

    /// The patches of one image, `K × positions` column-major, into `cols`. A window row that
    /// lies inside the image is one contiguous run of `kw · c` values (channels last), copied
    /// at once.
    fn unfold_one<T: Float>(&self, image: &[T], cols: &mut [T]) {
        let g = self.window;
        let (row, k) = (g.kw * g.c, g.kh * g.kw * g.c);
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                let column = &mut cols[(oy * g.ow + ox) * k..][..k];
                for (i, taps) in column.chunks_exact_mut(row).enumerate() {
                    match self.row_start(oy, ox, i) {
                        Some(from) => taps.copy_from_slice(&image[from..from + row]),
                        None => {
                            for (j, tap) in taps.chunks_exact_mut(g.c).enumerate() {
                                match g.source(oy, ox, i, j) {
                                    Some((y, x)) => {
                                        let from = (y * g.w + x) * g.c;
                                        tap.copy_from_slice(&image[from..from + g.c]);
                                    }
                                    None => tap.fill(T::zero()),
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Where window row `i` at output `(oy, ox)` starts in the image, when the whole row lies
    /// inside it and its taps are adjacent.
    #[inline]
    fn row_start(&self, oy: usize, ox: usize, i: usize) -> Option<usize> {
        let g = self.window;
        if g.dw != 1 && g.kw > 1 {
            return None;
        }
        let (y, x) = g.source(oy, ox, i, 0)?;
        g.source(oy, ox, i, g.kw - 1)?;
        Some((y * g.w + x) * g.c)
    }

    /// Adds the columns of `cols` back into the images they came from (the adjoint of im2col),
    /// samples split across the threads allowed (each writes its own image).
    fn col2im<T: Float>(&self, cols: &[T], n: usize, dx: &mut [T]) {
        let g = self.window;
        let per_sample = g.kh * g.kw * g.c * g.positions();
        crate::parallel::for_each_part(
            &mut dx[..n * IN],
            IN,
            per_sample,
            PARALLEL_MIN_VALUES,
            |samples, dx| {
                for (b, image) in samples.zip(dx.chunks_exact_mut(IN)) {
                    image.fill(T::zero());
                    self.fold_one(&cols[b * per_sample..(b + 1) * per_sample], image);
                }
            },
        );
    }

    /// Adds one image's columns back into it.
    fn fold_one<T: Float>(&self, cols: &[T], image: &mut [T]) {
        let g = self.window;
        let (row, k) = (g.kw * g.c, g.kh * g.kw * g.c);
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                let column = &cols[(oy * g.ow + ox) * k..][..k];
                for (i, taps) in column.chunks_exact(row).enumerate() {
                    if let Some(to) = self.row_start(oy, ox, i) {
                        for (d, &v) in image[to..to + row].iter_mut().zip(taps) {
                            *d += v;
                        }
                        continue;
                    }
                    for (j, tap) in taps.chunks_exact(g.c).enumerate() {
                        if let Some((y, x)) = g.source(oy, ox, i, j) {
                            let to = (y * g.w + x) * g.c;
                            for (d, &v) in image[to..to + g.c].iter_mut().zip(tap) {
                                *d += v;
                            }
                        }
                    }
                }
            }
        }
    }

    /// ∂x from ∂z: `kernelᵀ · ∂z` (∂ of the patches), folded back into the images.
    pub(super) fn fold_gradient<T: Float, const F: usize, const K: usize>(
        &self,
        kernel: &[T],
        dz: &[T],
        n: usize,
        dx: &mut [T],
    ) {
        // ∂cols = kernelᵀ · ∂z, folded back into the images.
        let columns = n * self.window.positions();
        let mut dcols = vec![T::zero(); K * columns];
        let wt = Strided::transposed(kernel, F, K);
        gemm(
            T::one(),
            wt,
            Strided::col_major(dz, F, columns),
            T::zero(),
            &mut dcols,
        );
        self.col2im(&dcols, n, dx);
    }
}

/// The fewest values (columns of patches, or image values) a pass over a batch splits across
/// threads.
const PARALLEL_MIN_VALUES: usize = 1 << 15;
