//! RmsProp.

use super::{LearningRate, Optimizer, Regulation, accessors, common, in_range, positive};
use crate::Float;

/// Keras's `RMSprop(learning_rate=0.001, rho=0.9, momentum=0, epsilon=1e-7, centered=False)`:
/// `v = ρ v + (1 − ρ) g²`; centered, `a = ρ a + (1 − ρ) g` and the denominator is
/// `√(v − a² + ε)`, else `√(v + ε)`; `inc = lr · g / denominator`; with momentum,
/// `mom = momentum · mom + inc` and `w −= mom`, else `w −= inc`.
///
/// ```
/// use nn::{Optimizer, RmsProp};
///
/// let rmsprop = RmsProp::new(0.01);
/// assert_eq!((RmsProp::<f64>::NAME, rmsprop.slot_names()), ("rmsprop", &["velocity"][..]));
/// assert_eq!(rmsprop.clone().centered(true).momentum(0.9).slot_names().len(), 3);
///
/// // One step on one weight, as `Model` applies it to every trainable tensor.
/// let (mut w, mut v) = ([1.0_f64], [0.0]);
/// rmsprop.update(0, 0.01, &mut w, &[2.0], &mut [&mut v[..]]);
/// let v1 = (1.0 - 0.9) * 2.0 * 2.0; // v = ρ v + (1 − ρ) g²
/// assert!((v[0] - v1).abs() < 1e-12);
/// assert!((w[0] - (1.0 - 0.01 * 2.0 / (v1 + 1e-7).sqrt())).abs() < 1e-12);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RmsProp<L = f64> {
    /// The learning rate (a constant or a schedule).
    pub learning_rate: L,
    /// ρ, the decay of the squared-gradient average.
    pub rho: f64,
    /// The momentum (0 for none).
    pub momentum: f64,
    /// ε.
    pub epsilon: f64,
    /// Whether to divide by the variance rather than the second moment.
    pub centered: bool,
    /// Clipping and weight decay.
    pub regulation: Regulation,
}

impl<L: LearningRate> RmsProp<L> {
    /// RmsProp with the given learning rate and Keras's other defaults.
    pub fn new(learning_rate: L) -> Self {
        Self {
            learning_rate,
            rho: 0.9,
            momentum: 0.0,
            epsilon: 1e-7,
            centered: false,
            regulation: Regulation::default(),
        }
    }

    /// With momentum.
    pub fn momentum(mut self, momentum: f64) -> Self {
        self.momentum = momentum;
        self
    }

    /// Centered.
    pub fn centered(mut self, centered: bool) -> Self {
        self.centered = centered;
        self
    }
}

impl Default for RmsProp {
    fn default() -> Self {
        Self::new(0.001)
    }
}

common!(RmsProp);

impl<L: LearningRate> RmsProp<L> {
    /// The checks of this optimizer's own settings.
    fn check_own(&self) -> Result<(), crate::Error> {
        in_range("rho", self.rho, 0.0..=1.0, "[0, 1]")?;
        in_range("momentum", self.momentum, 0.0..=1.0, "[0, 1]")?;
        positive("epsilon", self.epsilon)
    }
}

impl<L: LearningRate> Optimizer for RmsProp<L> {
    const NAME: &'static str = "rmsprop";

    accessors!();

    /// `velocity`, then `average_gradient` when centered, then `momentum` when there is one.
    fn slot_names(&self) -> &'static [&'static str] {
        match (self.centered, self.momentum > 0.0) {
            (false, false) => &["velocity"],
            (true, false) => &["velocity", "average_gradient"],
            (false, true) => &["velocity", "momentum"],
            (true, true) => &["velocity", "average_gradient", "momentum"],
        }
    }

    /// `velocity`, the running average of squared gradients.
    fn slot_is_non_negative(&self, slot: &str) -> bool {
        slot == "velocity"
    }

    // Always inlined, so the update compiles inside each entry of `Isa::run` (AVX2, AVX-512).
    #[inline(always)]
    fn update<T: Float>(
        &self,
        _iteration: u64,
        lr: T,
        w: &mut [T],
        g: &[T],
        slots: &mut [&mut [T]],
    ) {
        let (rho, keep, eps) = (T::of(self.rho), T::of(1.0 - self.rho), T::of(self.epsilon));
        let momentum = T::of(self.momentum);
        let (v, rest) = slots
            .split_first_mut()
            .expect("RmsProp has at least one slot");
        let (mut average, rest) = if self.centered {
            let (a, rest) = rest
                .split_first_mut()
                .expect("a centered RmsProp has an average slot");
            (Some(a), rest)
        } else {
            (None, rest)
        };
        let mut velocity = rest.first_mut();
        for i in 0..w.len() {
            let g = g[i];
            v[i] = rho * v[i] + keep * g * g;
            let denominator = match average.as_deref_mut() {
                Some(a) => {
                    a[i] = rho * a[i] + keep * g;
                    v[i] - a[i] * a[i] + eps
                }
                None => v[i] + eps,
            };
            let increment = lr * g / denominator.sqrt();
            match velocity.as_deref_mut() {
                Some(mom) => {
                    mom[i] = momentum * mom[i] + increment;
                    w[i] -= mom[i];
                }
                None => w[i] -= increment,
            }
        }
    }
}
