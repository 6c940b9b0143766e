//! Weight regularizers and constraints, as Keras defines them.

use crate::Float;

/// A penalty on a tensor's values, added to the loss (Keras's `kernel_regularizer`,
/// `bias_regularizer`, `activity_regularizer`): no 0.5 factor, not divided by the batch size (an
/// activity penalty is, as Keras divides it).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Regularizer {
    /// No penalty.
    #[default]
    None,
    /// `l1 · Σ|w|` (Keras's default `l1` is 0.01).
    L1(f64),
    /// `l2 · Σw²` (Keras's default `l2` is 0.01).
    L2(f64),
    /// `l1 · Σ|w| + l2 · Σw²` (Keras's defaults are 0 and 0).
    L1L2(f64, f64),
}

impl Regularizer {
    fn factors(self) -> (f64, f64) {
        match self {
            Regularizer::None => (0.0, 0.0),
            Regularizer::L1(l1) => (l1, 0.0),
            Regularizer::L2(l2) => (0.0, l2),
            Regularizer::L1L2(l1, l2) => (l1, l2),
        }
    }

    /// Whether this adds anything.
    #[cfg(feature = "std")]
    pub(crate) fn is_none(self) -> bool {
        self == Regularizer::None
    }

    /// The penalty of `values`.
    pub fn penalty<T: Float>(self, values: &[T]) -> T {
        let (l1, l2) = self.factors();
        if l1 == 0.0 && l2 == 0.0 {
            return T::zero();
        }
        let (mut abs, mut sq) = (T::zero(), T::zero());
        for &v in values {
            abs += v.abs();
            sq += v * v;
        }
        T::of(l1) * abs + T::of(l2) * sq
    }

    /// Adds `scale · ∂penalty/∂values` to `grad`.
    #[cfg(feature = "std")]
    pub(crate) fn add_gradient<T: Float>(self, values: &[T], scale: T, grad: &mut [T]) {
        let (l1, l2) = self.factors();
        if l1 == 0.0 && l2 == 0.0 {
            return;
        }
        let (l1, l2) = (T::of(l1) * scale, T::of(2.0 * l2) * scale);
        for (g, &v) in grad.iter_mut().zip(values) {
            *g += l1 * crate::scalar::sign(v) + l2 * v;
        }
    }
}

/// Keras's activity penalty of a batch of `n` outputs: `regularizer(y) / n`.
#[cfg(feature = "std")]
pub(crate) fn activity_penalty<T: Float>(regularizer: Regularizer, y: &[T], n: usize) -> T {
    if regularizer.is_none() {
        T::zero()
    } else {
        regularizer.penalty(y) / T::of(n as f64)
    }
}

/// Adds the activity penalty's gradient to the backward pass's incoming gradient `dy`: to
/// ∂loss/∂y directly, or, when `dy` holds ∂loss/∂z already (`dy_is_dz`: the loss was computed
/// from the pre-activations), through the activation on its own (a rare combination, which
/// allocates).
#[cfg(feature = "std")]
#[allow(clippy::too_many_arguments)]
pub(crate) fn add_activity_gradient<T: Float, A: crate::Activation>(
    regularizer: Regularizer,
    activation: &A,
    z: &[T],
    y: &[T],
    dy: &mut [T],
    width: usize,
    n: usize,
    dy_is_dz: bool,
) {
    if regularizer.is_none() {
        return;
    }
    let scale = T::one() / T::of(n as f64);
    if dy_is_dz {
        let mut extra = vec![T::zero(); y.len()];
        regularizer.add_gradient(y, scale, &mut extra);
        activation.backward_groups(z, y, &mut extra, width);
        dy.iter_mut().zip(&extra).for_each(|(d, &e)| *d += e);
    } else {
        regularizer.add_gradient(y, scale, dy);
    }
}

/// A projection applied to a tensor after each optimizer step (Keras's `kernel_constraint`,
/// `bias_constraint`). Norms are taken along Keras's axis 0: over each unit's incoming weights
/// for a Dense kernel, over the whole vector for a bias; `ε = 1e-7`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Constraint {
    /// No constraint.
    #[default]
    None,
    /// `w · clip(‖w‖, 0, max) / (ε + ‖w‖)` (Keras's default max is 2).
    MaxNorm(f64),
    /// `w · (w ≥ 0)`.
    NonNeg,
    /// `w / (ε + ‖w‖)`.
    UnitNorm,
    /// `w · (rate · clip(‖w‖, min, max) + (1 − rate) · ‖w‖) / (ε + ‖w‖)` (defaults 0, 1, 1).
    MinMaxNorm(f64, f64, f64),
}

#[cfg(feature = "std")]
const EPSILON: f64 = 1e-7;

impl Constraint {
    /// Applies the constraint to a tensor stored as `groups` contiguous groups of `stride`
    /// values, where the norm runs over the `groups` values at the same position of each group
    /// (a Dense kernel stored `O × I` column-major: `I` groups of `O`, norms per unit).
    #[cfg(feature = "std")]
    pub fn apply<T: Float>(self, values: &mut [T], stride: usize) {
        let scale_for = |norm: f64| -> f64 {
            match self {
                Constraint::MaxNorm(max) => norm.clamp(0.0, max) / (EPSILON + norm),
                Constraint::UnitNorm => 1.0 / (EPSILON + norm),
                Constraint::MinMaxNorm(min, max, rate) => {
                    (rate * norm.clamp(min, max) + (1.0 - rate) * norm) / (EPSILON + norm)
                }
                Constraint::None | Constraint::NonNeg => 1.0,
            }
        };
        match self {
            Constraint::None => {}
            Constraint::NonNeg => values.iter_mut().for_each(|v| {
                if *v < T::zero() {
                    *v = T::zero();
                }
            }),
            _ => {
                for unit in 0..stride {
                    let norm = values
                        .iter()
                        .skip(unit)
                        .step_by(stride)
                        .map(|v| v.as_f64() * v.as_f64())
                        .sum::<f64>()
                        .sqrt();
                    let scale = T::of(scale_for(norm));
                    values
                        .iter_mut()
                        .skip(unit)
                        .step_by(stride)
                        .for_each(|v| *v *= scale);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn penalties_follow_keras() {
        let w = [1.0, -2.0, 0.5];
        assert_eq!(Regularizer::L1(0.01).penalty(&w), 0.01 * 3.5);
        assert_eq!(Regularizer::L2(0.1).penalty(&w), 0.1 * 5.25);
        assert_eq!(
            Regularizer::L1L2(0.01, 0.1).penalty(&w),
            0.01 * 3.5 + 0.1 * 5.25
        );
        let mut g = [0.0; 3];
        Regularizer::L1L2(0.01, 0.1).add_gradient(&w, 1.0, &mut g);
        assert_eq!(g, [0.01 + 0.2, -0.01 - 0.4, 0.01 + 0.1]);
    }

    #[test]
    fn constraints_follow_keras() {
        // A 2-unit kernel stored O × I = 2 × 2 column-major: unit 0 is [3, 4], unit 1 is [0.3, 0.4].
        let mut w: [f64; 4] = [3.0, 0.3, 4.0, 0.4];
        Constraint::MaxNorm(2.0).apply(&mut w, 2);
        assert!(
            (w[0] - 3.0 * 2.0 / (5.0 + 1e-7)).abs() < 1e-12
                && (w[1] - 0.3 * 0.5 / (0.5 + 1e-7)).abs() < 1e-12
        );
        let mut w: [f64; 4] = [3.0, 0.3, 4.0, 0.4];
        Constraint::UnitNorm.apply(&mut w, 2);
        assert!((w[0] - 0.6).abs() < 1e-6 && (w[3] - 0.8).abs() < 1e-6);
        let mut w: [f64; 4] = [3.0, 0.3, 4.0, 0.4];
        Constraint::MinMaxNorm(1.0, 2.0, 1.0).apply(&mut w, 2);
        assert!((w[0] - 3.0 * 2.0 / 5.0).abs() < 1e-6 && (w[1] - 0.3 * 1.0 / 0.5).abs() < 1e-6);
        let mut w = [1.0, -1.0];
        Constraint::NonNeg.apply(&mut w, 1);
        assert_eq!(w, [1.0, 0.0]);
    }
}
