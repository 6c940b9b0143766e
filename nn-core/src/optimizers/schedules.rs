//! Learning rates: a constant (`f64`) or one of Keras's schedules, evaluated at the optimizer's
//! step count (the first step uses step 0).

use core::f64::consts::PI;
use core::fmt::Debug;

use crate::Error;

/// A learning rate as a function of the optimizer's step.
pub trait LearningRate: Clone + Debug + Sync {
    /// The learning rate at `step` (counting from 0).
    fn at(&self, step: u64) -> f64;

    /// Checks the settings: every rate finite and not negative, every step count positive.
    /// `fit` and `train_on_batch` call it before they train. The default checks the rate at
    /// step 0.
    fn check(&self) -> Result<(), Error> {
        at_least_zero("learning rate at step 0", self.at(0))
    }

    /// Sets a constant learning rate (for callbacks such as `ReduceLrOnPlateau`). Schedules
    /// cannot be set and say so.
    fn set(&mut self, learning_rate: f64) -> Result<(), Error> {
        let _ = learning_rate;
        Err(Error::Setting {
            what: "learning rate",
            problem: "it follows a schedule; only a constant learning rate can be changed".into(),
        })
    }
}

impl LearningRate for f64 {
    fn at(&self, _step: u64) -> f64 {
        *self
    }

    fn check(&self) -> Result<(), Error> {
        at_least_zero("learning_rate", *self)
    }

    fn set(&mut self, learning_rate: f64) -> Result<(), Error> {
        *self = learning_rate;
        Ok(())
    }
}

/// A rate that must be a finite number, zero or more.
pub(crate) fn at_least_zero(what: &'static str, value: f64) -> Result<(), Error> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(Error::Setting {
            what,
            problem: format!("{value}; expected a finite number of at least 0"),
        })
    }
}

/// A number of steps that must be positive (it divides).
fn positive_steps(what: &'static str, steps: u64) -> Result<(), Error> {
    if steps > 0 {
        Ok(())
    } else {
        Err(Error::Setting {
            what,
            problem: "0; expected at least 1 step (the schedule divides by it)".into(),
        })
    }
}

/// `lr₀ · rate^(step / decay_steps)`, the exponent floored when `staircase`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExponentialDecay {
    /// `lr₀`.
    pub initial_learning_rate: f64,
    /// The steps over which the rate is applied once.
    pub decay_steps: u64,
    /// The factor per `decay_steps`.
    pub decay_rate: f64,
    /// Whether to decay in whole steps of `decay_steps`.
    pub staircase: bool,
}

impl LearningRate for ExponentialDecay {
    fn check(&self) -> Result<(), Error> {
        at_least_zero("initial_learning_rate", self.initial_learning_rate)?;
        at_least_zero("decay_rate", self.decay_rate)?;
        positive_steps("decay_steps", self.decay_steps)
    }

    fn at(&self, step: u64) -> f64 {
        let mut p = step as f64 / self.decay_steps as f64;
        if self.staircase {
            p = p.floor();
        }
        self.initial_learning_rate * self.decay_rate.powf(p)
    }
}

/// `lr₀ / (1 + rate · step / decay_steps)`, the fraction floored when `staircase`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InverseTimeDecay {
    /// `lr₀`.
    pub initial_learning_rate: f64,
    /// The step scale.
    pub decay_steps: u64,
    /// The rate.
    pub decay_rate: f64,
    /// Whether to decay in whole steps of `decay_steps`.
    pub staircase: bool,
}

impl LearningRate for InverseTimeDecay {
    fn check(&self) -> Result<(), Error> {
        at_least_zero("initial_learning_rate", self.initial_learning_rate)?;
        at_least_zero("decay_rate", self.decay_rate)?;
        positive_steps("decay_steps", self.decay_steps)
    }

    fn at(&self, step: u64) -> f64 {
        let mut p = step as f64 / self.decay_steps as f64;
        if self.staircase {
            p = p.floor();
        }
        self.initial_learning_rate / (1.0 + self.decay_rate * p)
    }
}

/// `values[0]` up to and including `boundaries[0]`, `values[i]` for
/// `boundaries[i−1] < step ≤ boundaries[i]`, and the last value after the last boundary.
#[derive(Clone, Debug, PartialEq)]
pub struct PiecewiseConstantDecay {
    boundaries: Vec<u64>,
    values: Vec<f64>,
}

impl PiecewiseConstantDecay {
    /// The schedule; `values` must have one more entry than `boundaries`, which must increase.
    pub fn new(boundaries: Vec<u64>, values: Vec<f64>) -> Result<Self, Error> {
        if values.len() != boundaries.len() + 1 {
            return Err(Error::Setting {
                what: "PiecewiseConstantDecay",
                problem: format!(
                    "{} boundaries need {} values, but {} were given",
                    boundaries.len(),
                    boundaries.len() + 1,
                    values.len()
                ),
            });
        }
        if boundaries.windows(2).any(|w| w[0] >= w[1]) {
            return Err(Error::Setting {
                what: "PiecewiseConstantDecay",
                problem: format!("boundaries must increase, but are {boundaries:?}"),
            });
        }
        Ok(Self { boundaries, values })
    }
}

impl LearningRate for PiecewiseConstantDecay {
    fn check(&self) -> Result<(), Error> {
        self.values
            .iter()
            .try_for_each(|&v| at_least_zero("PiecewiseConstantDecay values", v))
    }

    fn at(&self, step: u64) -> f64 {
        let index = self
            .boundaries
            .iter()
            .position(|&b| step <= b)
            .unwrap_or(self.boundaries.len());
        self.values[index]
    }
}

/// `(lr₀ − end) · (1 − step / decay_steps)^power + end`, with the step held at `decay_steps`
/// (or, when `cycle`, `decay_steps` stretched to the next multiple past the step).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PolynomialDecay {
    /// `lr₀`.
    pub initial_learning_rate: f64,
    /// The steps to reach `end_learning_rate`.
    pub decay_steps: u64,
    /// The final learning rate (Keras's default 1e-4).
    pub end_learning_rate: f64,
    /// The power (Keras's default 1, linear).
    pub power: f64,
    /// Whether to restart the decay after `decay_steps`.
    pub cycle: bool,
}

impl PolynomialDecay {
    /// A linear decay from `initial_learning_rate` to 1e-4 over `decay_steps` (Keras's defaults).
    pub fn new(initial_learning_rate: f64, decay_steps: u64) -> Self {
        Self {
            initial_learning_rate,
            decay_steps,
            end_learning_rate: 1e-4,
            power: 1.0,
            cycle: false,
        }
    }
}

impl LearningRate for PolynomialDecay {
    fn check(&self) -> Result<(), Error> {
        at_least_zero("initial_learning_rate", self.initial_learning_rate)?;
        at_least_zero("end_learning_rate", self.end_learning_rate)?;
        at_least_zero("power", self.power)?;
        positive_steps("decay_steps", self.decay_steps)
    }

    fn at(&self, step: u64) -> f64 {
        let mut decay_steps = self.decay_steps as f64;
        let mut step = step as f64;
        if self.cycle {
            let multiplier = if step == 0.0 {
                1.0
            } else {
                (step / decay_steps).ceil()
            };
            decay_steps *= multiplier;
        } else {
            step = step.min(decay_steps);
        }
        let fraction = step / decay_steps;
        (self.initial_learning_rate - self.end_learning_rate) * (1.0 - fraction).powf(self.power)
            + self.end_learning_rate
    }
}

/// Cosine decay from `lr₀` (or, after a linear warm-up from `lr₀` to `warmup_target` over
/// `warmup_steps`, from `warmup_target`) to `alpha` times that over `decay_steps`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CosineDecay {
    /// `lr₀`.
    pub initial_learning_rate: f64,
    /// The steps of the cosine part.
    pub decay_steps: u64,
    /// The floor, as a fraction of the starting rate (Keras's default 0).
    pub alpha: f64,
    /// The rate reached at the end of the warm-up, if there is one.
    pub warmup_target: Option<f64>,
    /// The steps of the warm-up (Keras's default 0).
    pub warmup_steps: u64,
}

impl CosineDecay {
    /// Cosine decay over `decay_steps`, no floor, no warm-up (Keras's defaults).
    pub fn new(initial_learning_rate: f64, decay_steps: u64) -> Self {
        Self {
            initial_learning_rate,
            decay_steps,
            alpha: 0.0,
            warmup_target: None,
            warmup_steps: 0,
        }
    }

    fn decay(&self, step: f64, from: f64) -> f64 {
        let fraction = step / self.decay_steps as f64;
        let cosine = 0.5 * (1.0 + (PI * fraction).cos());
        from * ((1.0 - self.alpha) * cosine + self.alpha)
    }
}

impl LearningRate for CosineDecay {
    fn check(&self) -> Result<(), Error> {
        at_least_zero("initial_learning_rate", self.initial_learning_rate)?;
        at_least_zero("alpha", self.alpha)?;
        if let Some(target) = self.warmup_target {
            at_least_zero("warmup_target", target)?;
        }
        positive_steps("decay_steps", self.decay_steps)
    }

    fn at(&self, step: u64) -> f64 {
        let step = step.min(self.decay_steps + self.warmup_steps) as f64;
        match self.warmup_target {
            None => self.decay(step, self.initial_learning_rate),
            Some(target) if step < self.warmup_steps as f64 => {
                let fraction = step / self.warmup_steps as f64;
                self.initial_learning_rate + (target - self.initial_learning_rate) * fraction
            }
            Some(target) => self.decay(step - self.warmup_steps as f64, target),
        }
    }
}
