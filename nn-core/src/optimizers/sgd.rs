//! Stochastic gradient descent, with momentum and Nesterov momentum.

use super::{LearningRate, Optimizer, Regulation, accessors, common, in_range};
use crate::Float;

/// Keras's `SGD(learning_rate=0.01, momentum=0, nesterov=False)`:
/// `m = momentum · m − lr · g`, then `w += m` (or, with Nesterov, `w += momentum · m − lr · g`);
/// without momentum, `w −= lr · g`.
///
/// ```
/// use nn::{Optimizer, Sgd};
///
/// // Keras's SGD(learning_rate=0.1, momentum=0.9). `Model` applies `update` to every trainable
/// // tensor at each step; here one tensor of two weights, for two steps.
/// let sgd = Sgd::new(0.1).momentum(0.9);
/// assert_eq!((Sgd::<f64>::NAME, sgd.slot_names()), ("sgd", &["momentum"][..]));
/// let (mut w, mut m) = ([1.0_f64, -1.0], [0.0; 2]);
/// sgd.update(0, 0.1, &mut w, &[0.5, -0.5], &mut [&mut m[..]]); // m = −0.05, then w += m
/// sgd.update(1, 0.1, &mut w, &[0.5, -0.5], &mut [&mut m[..]]); // m = 0.9 · m − 0.05
/// assert!((w[0] - (1.0 - 0.05 - 0.095)).abs() < 1e-12);
/// assert!((w[1] - (-1.0 + 0.05 + 0.095)).abs() < 1e-12);
///
/// // A setting outside Keras's range is an error when training starts.
/// assert!(Sgd::new(0.1).momentum(1.5).check().is_err());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Sgd<L = f64> {
    /// The learning rate (a constant or a schedule).
    pub learning_rate: L,
    /// The momentum in `[0, 1)`.
    pub momentum: f64,
    /// Whether to use Nesterov momentum.
    pub nesterov: bool,
    /// Clipping and weight decay.
    pub regulation: Regulation,
}

impl<L: LearningRate> Sgd<L> {
    /// Plain SGD with the given learning rate.
    pub fn new(learning_rate: L) -> Self {
        Self {
            learning_rate,
            momentum: 0.0,
            nesterov: false,
            regulation: Regulation::default(),
        }
    }

    /// With momentum.
    pub fn momentum(mut self, momentum: f64) -> Self {
        self.momentum = momentum;
        self
    }

    /// With Nesterov momentum.
    pub fn nesterov(mut self, nesterov: bool) -> Self {
        self.nesterov = nesterov;
        self
    }
}

impl Default for Sgd {
    fn default() -> Self {
        Self::new(0.01)
    }
}

common!(Sgd);

impl<L: LearningRate> Sgd<L> {
    /// The checks of this optimizer's own settings.
    fn check_own(&self) -> Result<(), crate::Error> {
        // Keras: "`momentum` must be a float between [0, 1]".
        in_range("momentum", self.momentum, 0.0..=1.0, "[0, 1]")
    }
}

impl<L: LearningRate> Optimizer for Sgd<L> {
    const NAME: &'static str = "sgd";

    accessors!();

    fn slot_names(&self) -> &'static [&'static str] {
        if self.momentum > 0.0 {
            &["momentum"]
        } else {
            &[]
        }
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
        match slots {
            [m] => {
                let momentum = T::of(self.momentum);
                for ((w, &g), m) in w.iter_mut().zip(g).zip(m.iter_mut()) {
                    *m = momentum * *m - lr * g;
                    *w += if self.nesterov {
                        momentum * *m - lr * g
                    } else {
                        *m
                    };
                }
            }
            _ => {
                for (w, &g) in w.iter_mut().zip(g) {
                    *w -= lr * g;
                }
            }
        }
    }
}
