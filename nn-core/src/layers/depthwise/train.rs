//! Training a [`DepthwiseConv`] (1-D or 2-D): its constructors that check a window at run time or
//! initialize, the batched passes, the cache, the backward pass and the fused one from
//! pre-activations (std only).

use nalgebra::{Const, Dyn};
use rand::Rng;

use super::*;
use crate::Error;
use crate::fusion::OutputActivation;
use crate::init::{Initializer, fill_checked};
use crate::layer::{Batch, Train, resize_batch};
use crate::layers::affine::train::{activate, activation_gradient, bias_gradient};

impl<
    T: Float,
    const IN: usize,
    const OUT: usize,
    const CM: usize,
    const TAPS: usize,
    A,
    S: Storage,
    const BIAS: bool,
    const D: usize,
> DepthwiseConv<T, IN, OUT, CM, TAPS, A, S, BIAS, D>
{
    /// A layer of zeros with this geometry; the sizes must agree with the const parameters
    /// (`CM` a multiple of the window's channels; in 1-D, a window over a sequence).
    pub fn zeros(window: Window, activation: A) -> Result<Self, Error> {
        let Some(geometry) = Self::geometry_of(window) else {
            return Err(Error::Setting {
                what: match D {
                    1 => "DepthwiseConv1D geometry",
                    _ => "DepthwiseConv2D geometry",
                },
                problem: format!(
                    "{window:?} has {} inputs, {} positions and {} taps, which do not fit the \
                     type's {IN} inputs, {OUT} outputs, {CM} kernels per tap (a multiple of the \
                     {} channels) and {TAPS} taps{}",
                    window.input_len(),
                    window.positions(),
                    window.kh * window.kw,
                    window.c,
                    window_needs(D),
                ),
            });
        };
        Ok(Self::with_weights(
            S::zeros(),
            S::zeros(),
            geometry,
            activation,
        ))
    }

    /// A layer initialized as Keras does: the kernels (Keras's fans of a `(kh, kw, C, M)`
    /// kernel: `kh·kw·C` and `kh·kw·M`; of a `(k, C, M)` one, `k·C` and `k·M`), then the bias.
    pub fn init<R: Rng + ?Sized>(
        window: Window,
        activation: A,
        depthwise_initializer: &impl Initializer,
        bias_initializer: &impl Initializer,
        rng: &mut R,
    ) -> Result<Self, Error> {
        let mut layer = Self::zeros(window, activation)?;
        let (geometry, kernel) = (layer.geometry, layer.depthwise_kernel.as_mut_slice());
        fill_checked(
            depthwise_initializer,
            "depthwise_kernel",
            geometry.kernel_shape(),
            kernel,
            rng,
        );
        if BIAS {
            let bias = layer.bias.as_mut_slice();
            fill_checked(bias_initializer, "bias", &[CM], bias, rng);
        }
        Ok(layer)
    }

    /// The batch's outputs into `y`, and with `keep` its pre-activations left in `y` (the
    /// activation not applied): samples split across the threads allowed.
    pub(super) fn forward_samples(&self, x: &Batch<T, IN>, y: &mut Batch<T, OUT>, keep: bool)
    where
        A: Activation,
    {
        let n = x.ncols();
        resize_batch(y, n);
        let x = x.as_slice();
        let cost = OUT * TAPS;
        crate::parallel::for_each_part(y.as_mut_slice(), OUT, cost, PARALLEL_MIN, |samples, y| {
            for (b, z) in samples.zip(y.chunks_exact_mut(OUT)) {
                let x = &x[b * IN..(b + 1) * IN];
                if keep {
                    self.pre_activations(x, z);
                } else {
                    self.forward_one(x, z);
                }
            }
        });
    }

    /// The backward pass: `dy` through the activation when `through_activation` (it holds
    /// ∂loss/∂z already otherwise), then into the kernels, the bias and `dx`.
    #[allow(clippy::too_many_arguments)]
    fn pass_back(
        &self,
        x: &Batch<T, IN>,
        y: &Batch<T, OUT>,
        cache: &DepthwiseCache<T, OUT>,
        dy: &mut Batch<T, OUT>,
        grad: &mut Self,
        dx: Option<&mut Batch<T, IN>>,
        through_activation: bool,
    ) where
        A: Activation,
    {
        let n = x.ncols();
        activation_gradient(
            &self.activation,
            self.activity_regularizer,
            (&cache.z, y),
            dy,
            CM,
            through_activation,
        );
        let (dz, xs) = (dy.as_slice(), x.as_slice());
        if read(self.trainable) {
            // Summed sample by sample (the same bits for any thread count).
            crate::parallel::sample_sums(
                grad.depthwise_kernel.as_mut_slice(),
                &cache.kernel_partials,
                n,
                OUT * TAPS,
                PARALLEL_MIN,
                |b, dk| {
                    let (x, dz) = (&xs[b * IN..(b + 1) * IN], &dz[b * OUT..(b + 1) * OUT]);
                    self.geometry.kernel_gradient_one(x, dz, dk);
                },
            );
            if BIAS {
                bias_gradient(grad.bias.as_mut_slice(), &cache.bias_partials, dz, n);
            } else {
                grad.bias.fill(T::zero());
            }
        } else {
            grad.depthwise_kernel.fill(T::zero());
            grad.bias.fill(T::zero());
        }
        if let Some(dx) = dx {
            resize_batch(dx, n);
            let kernel = self.depthwise_kernel.as_slice();
            crate::parallel::for_each_part(
                dx.as_mut_slice(),
                IN,
                OUT * TAPS,
                PARALLEL_MIN,
                |samples, dx| {
                    for (b, dx) in samples.zip(dx.chunks_exact_mut(IN)) {
                        let dz = &dz[b * OUT..(b + 1) * OUT];
                        self.geometry.input_gradient_one(kernel, dz, dx);
                    }
                },
            );
        }
    }
}

/// What a window must be besides in `d` dimensions, for messages: over a sequence in 1-D.
pub(crate) const fn window_needs(d: usize) -> &'static str {
    match d {
        1 => ", over a sequence (`Window::sequence`)",
        _ => "",
    }
}

/// The fewest multiply-adds a batched pass splits across threads.
const PARALLEL_MIN: usize = 1 << 15;

/// What a [`DepthwiseConv`] keeps from its training pass for the backward pass.
#[derive(Clone, Debug)]
pub struct DepthwiseCache<T: Float, const O: usize> {
    /// The pre-activations of the batch.
    pub z: Batch<T, O>,
    /// The activity penalty of the batch's outputs.
    pub activity: T,
    /// The kernel and bias gradients' per-sample sums, kept for the next batch.
    kernel_partials: crate::parallel::Scratch<T>,
    bias_partials: crate::parallel::Scratch<T>,
}

impl<T: Float, const O: usize> Default for DepthwiseCache<T, O> {
    fn default() -> Self {
        Self {
            z: Batch::zeros_generic(Const::<O>, Dyn(0)),
            activity: T::zero(),
            kernel_partials: Default::default(),
            bias_partials: Default::default(),
        }
    }
}

impl<
    T: Float,
    const IN: usize,
    const OUT: usize,
    const CM: usize,
    const TAPS: usize,
    A: Activation,
    S: Storage,
    const BIAS: bool,
    const D: usize,
> Train<T, IN, OUT> for DepthwiseConv<T, IN, OUT, CM, TAPS, A, S, BIAS, D>
{
    type Cache = DepthwiseCache<T, OUT>;

    fn activity_penalty(&self, cache: &Self::Cache) -> T {
        cache.activity
    }

    fn forward_train<R: Rng + ?Sized>(
        &self,
        x: &Batch<T, IN>,
        y: &mut Batch<T, OUT>,
        cache: &mut Self::Cache,
        _training: bool,
        _rng: &mut R,
    ) {
        self.forward_samples(x, &mut cache.z, true);
        cache.activity = activate(&self.activation, self.activity_regularizer, &cache.z, y, CM);
    }

    fn backward(
        &self,
        x: &Batch<T, IN>,
        y: &Batch<T, OUT>,
        cache: &Self::Cache,
        dy: &mut Batch<T, OUT>,
        grad: &mut Self,
        dx: Option<&mut Batch<T, IN>>,
    ) {
        self.pass_back(x, y, cache, dy, grad, dx, true);
    }
}

impl<
    T: Float,
    const IN: usize,
    const OUT: usize,
    const CM: usize,
    const TAPS: usize,
    A: Activation,
    S: Storage,
    const BIAS: bool,
    const D: usize,
> OutputActivation<T, IN, OUT> for DepthwiseConv<T, IN, OUT, CM, TAPS, A, S, BIAS, D>
{
    type Activation = A;

    fn pre_activations(cache: &Self::Cache) -> &Batch<T, OUT> {
        &cache.z
    }

    fn backward_from_pre_activations(
        &self,
        x: &Batch<T, IN>,
        y: &Batch<T, OUT>,
        cache: &Self::Cache,
        dz: &mut Batch<T, OUT>,
        grad: &mut Self,
        dx: Option<&mut Batch<T, IN>>,
    ) {
        self.pass_back(x, y, cache, dz, grad, dx, false);
    }
}
