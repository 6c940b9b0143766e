//! Adam and AdamW.

use super::{LearningRate, Optimizer, Regulation, accessors, common, in_range, positive};
use crate::Float;

/// Keras's `Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False)`:
/// with `t` the step from 1, `m += (g − m)(1 − β₁)`, `v += (g² − v)(1 − β₂)`,
/// `α = lr · √(1 − β₂ᵗ) / (1 − β₁ᵗ)`, `w −= α · m / (√v + ε)` (ε outside the root, not
/// bias-corrected); with `amsgrad`, `v̂ = max(v̂, v)` replaces `v` in the denominator.
///
/// ```
/// use nn::{Adam, Optimizer};
///
/// let adam = Adam::new(0.01);
/// assert_eq!(adam.slot_names(), ["momentum", "velocity"]);
/// assert_eq!(adam.clone().amsgrad(true).slot_names(), ["momentum", "velocity", "velocity_hat"]);
///
/// // The first step moves each weight by about the learning rate against its gradient,
/// // whatever the gradient's size (as `Model` applies it to every trainable tensor).
/// let (mut w, mut m, mut v) = ([1.0_f64, 1.0], [0.0; 2], [0.0; 2]);
/// adam.update(0, 0.01, &mut w, &[100.0, -0.001], &mut [&mut m[..], &mut v[..]]);
/// assert!((w[0] - 0.99).abs() < 1e-6 && (w[1] - 1.01).abs() < 1e-4);
///
/// // β₁ = 1 would divide by zero: an error when training starts.
/// assert!(Adam { beta_1: 1.0, ..Adam::new(0.01) }.check().is_err());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Adam<L = f64> {
    /// The learning rate (a constant or a schedule).
    pub learning_rate: L,
    /// β₁.
    pub beta_1: f64,
    /// β₂.
    pub beta_2: f64,
    /// ε.
    pub epsilon: f64,
    /// Whether to use the AMSGrad variant.
    pub amsgrad: bool,
    /// Clipping and weight decay.
    pub regulation: Regulation,
}

/// Keras's `AdamW(learning_rate=0.001, weight_decay=0.004, ...)`: [`Adam`] with decoupled
/// weight decay, `w −= w · weight_decay · lr` before each Adam update. Its Keras name is
/// `"adamw"`; its other settings are Adam's, in the field `adam`.
///
/// ```
/// use nn_core::{AdamW, Optimizer};
///
/// let optimizer = AdamW::new(1e-3);
/// assert_eq!(optimizer.adam.regulation.weight_decay, Some(0.004));
/// assert_eq!(AdamW::<f64>::NAME, "adamw");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct AdamW<L = f64> {
    /// The Adam settings, with the weight decay in `adam.regulation.weight_decay`.
    pub adam: Adam<L>,
}

impl<L: LearningRate> Adam<L> {
    /// Adam with the given learning rate and Keras's other defaults.
    pub fn new(learning_rate: L) -> Self {
        Self {
            learning_rate,
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
            amsgrad: false,
            regulation: Regulation::default(),
        }
    }

    /// With the AMSGrad variant.
    pub fn amsgrad(mut self, amsgrad: bool) -> Self {
        self.amsgrad = amsgrad;
        self
    }
}

impl Default for Adam {
    fn default() -> Self {
        Self::new(0.001)
    }
}

common!(Adam);

impl<L: LearningRate> Adam<L> {
    /// The checks of this optimizer's own settings.
    fn check_own(&self) -> Result<(), crate::Error> {
        // β = 1 divides by zero in the bias correction.
        in_range("beta_1", self.beta_1, 0.0..1.0, "[0, 1)")?;
        in_range("beta_2", self.beta_2, 0.0..1.0, "[0, 1)")?;
        positive("epsilon", self.epsilon)
    }
}

impl<L: LearningRate> Optimizer for Adam<L> {
    const NAME: &'static str = "adam";

    accessors!();

    fn slot_names(&self) -> &'static [&'static str] {
        if self.amsgrad {
            &["momentum", "velocity", "velocity_hat"]
        } else {
            &["momentum", "velocity"]
        }
    }

    /// The averages of squared gradients, `velocity` and amsgrad's `velocity_hat`.
    fn slot_is_non_negative(&self, slot: &str) -> bool {
        matches!(slot, "velocity" | "velocity_hat")
    }

    // Always inlined, so the update compiles inside each entry of `Isa::run` (AVX2, AVX-512).
    #[inline(always)]
    fn update<T: Float>(
        &self,
        iteration: u64,
        lr: T,
        w: &mut [T],
        g: &[T],
        slots: &mut [&mut [T]],
    ) {
        let t = (iteration + 1) as f64;
        let alpha = lr * T::of((1.0 - self.beta_2.powf(t)).sqrt() / (1.0 - self.beta_1.powf(t)));
        let (b1, b2, eps) = (
            T::of(1.0 - self.beta_1),
            T::of(1.0 - self.beta_2),
            T::of(self.epsilon),
        );
        match slots {
            [m, v] => {
                for (((w, &g), m), v) in w.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
                    *m += (g - *m) * b1;
                    *v += (g * g - *v) * b2;
                    *w -= alpha * *m / (v.sqrt() + eps);
                }
            }
            [m, v, v_hat] => {
                let state = m.iter_mut().zip(v.iter_mut()).zip(v_hat.iter_mut());
                for ((w, &g), ((m, v), v_hat)) in w.iter_mut().zip(g).zip(state) {
                    *m += (g - *m) * b1;
                    *v += (g * g - *v) * b2;
                    *v_hat = v_hat.max(*v);
                    *w -= alpha * *m / (v_hat.sqrt() + eps);
                }
            }
            _ => unreachable!("the step passes the slots slot_names names"),
        }
    }
}

impl<L: LearningRate> AdamW<L> {
    /// AdamW with the given learning rate and Keras's other defaults (weight decay 0.004).
    pub fn new(learning_rate: L) -> Self {
        Self {
            adam: Adam::new(learning_rate).weight_decay(ADAMW_WEIGHT_DECAY),
        }
    }

    /// With this weight decay instead of 0.004.
    pub fn weight_decay(mut self, weight_decay: f64) -> Self {
        self.adam.regulation.weight_decay = Some(weight_decay);
        self
    }

    /// With the AMSGrad variant.
    pub fn amsgrad(mut self, amsgrad: bool) -> Self {
        self.adam.amsgrad = amsgrad;
        self
    }
}

/// Keras's default weight decay of `AdamW`.
const ADAMW_WEIGHT_DECAY: f64 = 0.004;

impl Default for AdamW {
    fn default() -> Self {
        Self::new(0.001)
    }
}

impl<L: LearningRate> Optimizer for AdamW<L> {
    const NAME: &'static str = "adamw";

    fn learning_rate(&self, step: u64) -> f64 {
        self.adam.learning_rate(step)
    }

    fn set_learning_rate(&mut self, learning_rate: f64) -> Result<(), crate::Error> {
        self.adam.set_learning_rate(learning_rate)
    }

    fn regulation(&self) -> &Regulation {
        &self.adam.regulation
    }

    fn check(&self) -> Result<(), crate::Error> {
        self.adam.check()
    }

    fn slot_names(&self) -> &'static [&'static str] {
        self.adam.slot_names()
    }

    fn slot_is_non_negative(&self, slot: &str) -> bool {
        self.adam.slot_is_non_negative(slot)
    }

    // Always inlined, so the update compiles inside each entry of `Isa::run` (AVX2, AVX-512).
    #[inline(always)]
    fn update<T: Float>(
        &self,
        iteration: u64,
        lr: T,
        w: &mut [T],
        g: &[T],
        slots: &mut [&mut [T]],
    ) {
        self.adam.update(iteration, lr, w, g, slots);
    }
}
