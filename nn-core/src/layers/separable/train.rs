//! Training a [`SeparableConv`] (1-D or 2-D): its constructors that check a window at run time or
//! initialize, the batched passes (the depthwise step per sample, the pointwise one a GEMM per
//! batch), the cache, the backward pass and the fused one from pre-activations (std only).

use nalgebra::{Const, Dyn};
use rand::Rng;

use super::*;
use crate::Error;
use crate::fusion::OutputActivation;
use crate::init::{Initializer, fill_checked};
use crate::layer::{Batch, Train, resize_batch};
use crate::layers::affine::train::{activate, activation_gradient, bias_gradient};
use crate::linalg::{Strided, gemm};

impl<
    T: Float,
    const IN: usize,
    const MID: usize,
    const OUT: usize,
    const CM: usize,
    const TAPS: usize,
    const F: usize,
    A,
    S: Storage,
    const BIAS: bool,
    const D: usize,
> SeparableConv<T, IN, MID, OUT, CM, TAPS, F, A, S, BIAS, D>
{
    /// A layer of zeros with this geometry; the sizes must agree with the const parameters
    /// (`CM` a multiple of the window's channels).
    pub fn zeros(window: Window, activation: A) -> Result<Self, Error> {
        let Some(geometry) = Self::geometry_of(window) else {
            return Err(Error::Setting {
                what: match D {
                    1 => "SeparableConv1D geometry",
                    _ => "SeparableConv2D geometry",
                },
                problem: format!(
                    "{window:?} has {} inputs, {} positions and {} taps, which do not fit the \
                     type's {IN} inputs, {MID} depthwise outputs, {OUT} outputs, {CM} kernels \
                     per tap (a multiple of the {} channels), {TAPS} taps and {F} filters{}",
                    window.input_len(),
                    window.positions(),
                    window.kh * window.kw,
                    window.c,
                    crate::layers::depthwise::train::window_needs(D),
                ),
            });
        };
        let (depthwise, pointwise, bias) = (S::zeros(), S::zeros(), S::zeros());
        Ok(Self::with_weights(
            depthwise, pointwise, bias, geometry, activation,
        ))
    }

    /// A layer initialized as Keras does: the depthwise kernels (`(kh, kw, C, M)`, or
    /// `(k, C, M)`), the pointwise kernel (`(1, 1, C·M, F)`, or `(1, C·M, F)`), then the bias.
    pub fn init<R: Rng + ?Sized>(
        window: Window,
        activation: A,
        depthwise_initializer: &impl Initializer,
        pointwise_initializer: &impl Initializer,
        bias_initializer: &impl Initializer,
        rng: &mut R,
    ) -> Result<Self, Error> {
        let (depthwise, pointwise, bias) = (
            depthwise_initializer,
            pointwise_initializer,
            bias_initializer,
        );
        let mut layer = Self::zeros(window, activation)?;
        let (geometry, values) = (layer.geometry, &mut layer.depthwise_kernel);
        fill_checked(
            depthwise,
            "depthwise_kernel",
            geometry.kernel_shape(),
            values.as_mut_slice(),
            rng,
        );
        let shape = layer.pointwise_shape;
        fill_checked(
            pointwise,
            "pointwise_kernel",
            &shape[..D + 2],
            layer.pointwise_kernel.as_mut_slice(),
            rng,
        );
        if BIAS {
            fill_checked(bias, "bias", &[F], layer.bias.as_mut_slice(), rng);
        }
        Ok(layer)
    }

    /// The depthwise step's outputs of a batch into `d` (`C·M × (n · positions)`, samples
    /// split across the threads allowed), and `z = pointwise · d + bias` (one GEMM).
    pub(crate) fn pre_activations(&self, x: &Batch<T, IN>, d: &mut Vec<T>, z: &mut Batch<T, OUT>) {
        let n = x.ncols();
        d.clear();
        d.resize(n * MID, T::zero());
        let (xs, kernel, geometry) = (
            x.as_slice(),
            self.depthwise_kernel.as_slice(),
            self.geometry,
        );
        crate::parallel::for_each_part(d, MID, MID * TAPS, PARALLEL_MIN, |samples, d| {
            for (b, d) in samples.zip(d.chunks_exact_mut(MID)) {
                geometry.convolve_one::<T, CM>(kernel, &xs[b * IN..(b + 1) * IN], d);
            }
        });
        resize_batch(z, n);
        let beta = if BIAS {
            for column in z.as_mut_slice().chunks_exact_mut(F) {
                column.copy_from_slice(self.bias.as_slice());
            }
            T::one()
        } else {
            T::zero()
        };
        let pointwise = Strided::col_major(self.pointwise_kernel.as_slice(), F, CM);
        let columns = Strided::col_major(d, CM, n * self.geometry.window.positions());
        gemm(T::one(), pointwise, columns, beta, z.as_mut_slice());
    }

    /// The backward pass: `dy` through the activation when `through_activation` (it holds
    /// ∂loss/∂z already otherwise), then into the pointwise kernel and the bias, back through it
    /// (`∂d = pointwiseᵀ · ∂z`, one GEMM), into the depthwise kernels and `dx`.
    #[allow(clippy::too_many_arguments)]
    fn pass_back(
        &self,
        x: &Batch<T, IN>,
        y: &Batch<T, OUT>,
        cache: &SeparableCache<T, OUT>,
        dy: &mut Batch<T, OUT>,
        grad: &mut Self,
        dx: Option<&mut Batch<T, IN>>,
        through_activation: bool,
    ) where
        A: Activation,
    {
        let n = x.ncols();
        let count = n * self.geometry.window.positions();
        let (activity, z) = (self.activity_regularizer, &cache.z);
        activation_gradient(
            &self.activation,
            activity,
            (z, y),
            dy,
            F,
            through_activation,
        );
        let (dz, xs, d) = (dy.as_slice(), x.as_slice(), &cache.d);
        let trainable = read(self.trainable);
        let mut dd = Vec::new();
        if trainable || dx.is_some() {
            dd.resize(CM * count, T::zero());
            let pointwise_t = Strided::transposed(self.pointwise_kernel.as_slice(), F, CM);
            let dz = Strided::col_major(dz, F, count);
            gemm(T::one(), pointwise_t, dz, T::zero(), &mut dd);
        }
        if trainable {
            gemm(
                T::one(),
                Strided::col_major(dz, F, count),
                Strided::transposed(d, CM, count),
                T::zero(),
                grad.pointwise_kernel.as_mut_slice(),
            );
            if BIAS {
                bias_gradient(grad.bias.as_mut_slice(), &cache.bias_partials, dz, n);
            } else {
                grad.bias.fill(T::zero());
            }
            let geometry = self.geometry;
            // Summed sample by sample (the same bits for any thread count).
            crate::parallel::sample_sums(
                grad.depthwise_kernel.as_mut_slice(),
                &cache.depthwise_partials,
                n,
                MID * TAPS,
                PARALLEL_MIN,
                |b, dk| {
                    let (x, dd) = (&xs[b * IN..(b + 1) * IN], &dd[b * MID..(b + 1) * MID]);
                    geometry.kernel_gradient_one(x, dd, dk);
                },
            );
        } else {
            grad.depthwise_kernel.fill(T::zero());
            grad.pointwise_kernel.fill(T::zero());
            grad.bias.fill(T::zero());
        }
        if let Some(dx) = dx {
            resize_batch(dx, n);
            let (kernel, geometry) = (self.depthwise_kernel.as_slice(), self.geometry);
            crate::parallel::for_each_part(
                dx.as_mut_slice(),
                IN,
                MID * TAPS,
                PARALLEL_MIN,
                |samples, dx| {
                    for (b, dx) in samples.zip(dx.chunks_exact_mut(IN)) {
                        let dd = &dd[b * MID..(b + 1) * MID];
                        geometry.input_gradient_one(kernel, dd, dx);
                    }
                },
            );
        }
    }
}

/// The fewest multiply-adds a batched pass splits across threads.
const PARALLEL_MIN: usize = 1 << 15;

/// What a [`SeparableConv`] keeps from its training pass for the backward pass.
#[derive(Clone, Debug)]
pub struct SeparableCache<T: Float, const O: usize> {
    /// The depthwise step's outputs, `C·M × (batch · positions)`.
    pub d: Vec<T>,
    /// The pre-activations of the batch.
    pub z: Batch<T, O>,
    /// The activity penalty of the batch's outputs.
    pub activity: T,
    /// The depthwise kernels' and the bias's gradients' per-sample sums, kept for the next
    /// batch.
    depthwise_partials: crate::parallel::Scratch<T>,
    bias_partials: crate::parallel::Scratch<T>,
}

impl<T: Float, const O: usize> Default for SeparableCache<T, O> {
    fn default() -> Self {
        Self {
            d: Vec::new(),
            z: Batch::zeros_generic(Const::<O>, Dyn(0)),
            activity: T::zero(),
            depthwise_partials: Default::default(),
            bias_partials: Default::default(),
        }
    }
}

impl<
    T: Float,
    const IN: usize,
    const MID: usize,
    const OUT: usize,
    const CM: usize,
    const TAPS: usize,
    const F: usize,
    A: Activation,
    S: Storage,
    const BIAS: bool,
    const D: usize,
> Train<T, IN, OUT> for SeparableConv<T, IN, MID, OUT, CM, TAPS, F, A, S, BIAS, D>
{
    type Cache = SeparableCache<T, OUT>;

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
        self.pre_activations(x, &mut cache.d, &mut cache.z);
        let activity = self.activity_regularizer;
        cache.activity = activate(&self.activation, activity, &cache.z, y, F);
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
    const MID: usize,
    const OUT: usize,
    const CM: usize,
    const TAPS: usize,
    const F: usize,
    A: Activation,
    S: Storage,
    const BIAS: bool,
    const D: usize,
> OutputActivation<T, IN, OUT> for SeparableConv<T, IN, MID, OUT, CM, TAPS, F, A, S, BIAS, D>
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
