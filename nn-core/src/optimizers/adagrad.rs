//! Adagrad.

use super::{LearningRate, Optimizer, Regulation, accessors, common, in_range, positive};
use crate::Float;

/// Keras's `Adagrad(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7)`:
/// `acc += g²`, `w −= lr · g / √(acc + ε)`.
///
/// ```
/// use nn::{Adagrad, Optimizer};
///
/// let adagrad = Adagrad::new(0.1);
/// assert_eq!(adagrad.slot_names(), ["accumulator"]);
/// // Keras's initial_accumulator_value:
/// assert_eq!(adagrad.slot_initial_value("accumulator"), 0.1);
///
/// // Two steps on one weight, as `Model` applies them to every trainable tensor: the steps
/// // shrink as the squared gradients add up.
/// let (mut w, mut acc) = ([1.0_f64], [0.1]);
/// adagrad.update(0, 0.1, &mut w, &[0.3], &mut [&mut acc[..]]);
/// let first = 1.0 - w[0];
/// adagrad.update(1, 0.1, &mut w, &[0.3], &mut [&mut acc[..]]);
/// assert!((acc[0] - 0.28).abs() < 1e-12);
/// assert!((first - 0.1 * 0.3 / (0.19_f64 + 1e-7).sqrt()).abs() < 1e-12);
/// assert!(1.0 - first - w[0] < first);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Adagrad<L = f64> {
    /// The learning rate (a constant or a schedule).
    pub learning_rate: L,
    /// The accumulator's starting value.
    pub initial_accumulator_value: f64,
    /// ε.
    pub epsilon: f64,
    /// Clipping and weight decay.
    pub regulation: Regulation,
}

impl<L: LearningRate> Adagrad<L> {
    /// Adagrad with the given learning rate and Keras's other defaults.
    pub fn new(learning_rate: L) -> Self {
        Self {
            learning_rate,
            initial_accumulator_value: 0.1,
            epsilon: 1e-7,
            regulation: Regulation::default(),
        }
    }
}

impl Default for Adagrad {
    fn default() -> Self {
        Self::new(0.001)
    }
}

common!(Adagrad);

impl<L: LearningRate> Adagrad<L> {
    /// The checks of this optimizer's own settings.
    fn check_own(&self) -> Result<(), crate::Error> {
        in_range(
            "initial_accumulator_value",
            self.initial_accumulator_value,
            0.0..,
            "[0, ∞)",
        )?;
        positive("epsilon", self.epsilon)
    }
}

impl<L: LearningRate> Optimizer for Adagrad<L> {
    const NAME: &'static str = "adagrad";

    accessors!();

    fn slot_names(&self) -> &'static [&'static str] {
        &["accumulator"]
    }

    fn slot_initial_value(&self, _slot: &str) -> f64 {
        self.initial_accumulator_value
    }

    /// `accumulator`, a sum of squared gradients.
    fn slot_is_non_negative(&self, _slot: &str) -> bool {
        true
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
        let eps = T::of(self.epsilon);
        let [acc] = slots else {
            unreachable!("Adagrad has one slot")
        };
        for ((w, &g), acc) in w.iter_mut().zip(g).zip(acc.iter_mut()) {
            *acc += g * g;
            *w -= lr * g / (*acc + eps).sqrt();
        }
    }
}
