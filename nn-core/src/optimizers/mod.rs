//! Optimizers, with Keras's formulas and defaults, and the step that applies them.
//!
//! An optimizer's state is sized and typed by the network: its slots (Adam's `m` and `v`, ...)
//! are networks of the same type, made once by [`OptimizerState::new`], so a step allocates
//! nothing. A step follows Keras's order: clip the gradients (`clipnorm` per tensor,
//! `global_clipnorm`, `clipvalue`), apply decoupled weight decay `w −= w · wd · lr`, apply the
//! update, then count the step. Parameters of layers with `trainable = false` are left alone.

mod adagrad;
mod adam;
mod rmsprop;
mod schedules;
mod sgd;

pub use adagrad::Adagrad;
pub use adam::{Adam, AdamW};
pub use rmsprop::RMSprop;
pub use schedules::{
    CosineDecay, ExponentialDecay, InverseTimeDecay, LearningRate, PiecewiseConstantDecay,
    PolynomialDecay,
};
pub use sgd::Sgd;

use core::fmt::Debug;

use crate::{Error, Float, Network};

/// Gradient clipping and weight decay, shared by every optimizer (Keras's common arguments).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Regulation {
    /// Clip each gradient tensor to this L2 norm.
    pub clipnorm: Option<f64>,
    /// Clip every gradient element to `[−clipvalue, clipvalue]`.
    pub clipvalue: Option<f64>,
    /// Clip all gradients together to this global L2 norm.
    pub global_clipnorm: Option<f64>,
    /// Decoupled weight decay: `w −= w · weight_decay · lr` before each update.
    pub weight_decay: Option<f64>,
}

impl Regulation {
    /// Checks the settings: positive clipping thresholds, not both norms, a non-negative decay.
    pub fn check(&self) -> Result<(), Error> {
        let positive = |name: &'static str, v: Option<f64>| match v {
            Some(v) if !(v > 0.0 && v.is_finite()) => Err(Error::Setting {
                what: name,
                problem: format!("expected a positive number, found {v}"),
            }),
            _ => Ok(()),
        };
        positive("clipnorm", self.clipnorm)?;
        positive("clipvalue", self.clipvalue)?;
        positive("global_clipnorm", self.global_clipnorm)?;
        if self.clipnorm.is_some() && self.global_clipnorm.is_some() {
            return Err(Error::Setting {
                what: "clipnorm",
                problem: "only one of clipnorm and global_clipnorm can be set".into(),
            });
        }
        match self.weight_decay {
            Some(wd) if !(wd >= 0.0 && wd.is_finite()) => Err(Error::Setting {
                what: "weight_decay",
                problem: format!("expected a non-negative number, found {wd}"),
            }),
            _ => Ok(()),
        }
    }
}

/// An update rule. Implementors say how many state slots they need and how one tensor is updated;
/// [`OptimizerState::step`] does the rest.
pub trait Optimizer: Clone + Debug {
    /// The Keras name (`"adam"`, ...).
    const NAME: &'static str;

    /// The learning rate at `step` (from 0).
    fn learning_rate(&self, step: u64) -> f64;

    /// The learning rate, to be changed by callbacks.
    fn set_learning_rate(&mut self, learning_rate: f64) -> Result<(), Error>;

    /// Clipping and weight decay.
    fn regulation(&self) -> &Regulation;

    /// The state slots, each a copy of the network's shape, by the value each starts at.
    fn slots(&self) -> Vec<f64>;

    /// Updates one tensor `w` given its gradient `g` and its slots, at step `iteration` (from 0)
    /// with learning rate `lr`.
    ///
    /// The step runs this in code compiled for AVX2 where the processor has it; mark the
    /// implementation `#[inline(always)]` so its loops are compiled that way too (otherwise they
    /// may stay baseline SSE2 code: correct, but slower).
    fn update<T: Float>(&self, iteration: u64, lr: T, w: &mut [T], g: &[T], slots: &mut [&mut [T]]);
}

/// An optimizer's state for network `N`: the step count and the slots.
#[derive(Clone, Debug)]
pub struct OptimizerState<N> {
    /// Steps taken (Keras's `iterations`).
    pub iterations: u64,
    /// The slots, in the order the optimizer names them.
    pub slots: Vec<N>,
}

impl<N> OptimizerState<N> {
    /// Fresh state for `optimizer` on networks of type `N`.
    pub fn new<T: Float, O: Optimizer>(optimizer: &O) -> Self
    where
        N: Network<T>,
    {
        let slots = optimizer
            .slots()
            .iter()
            .map(|&init| {
                let mut slot = N::zeros();
                if init != 0.0 {
                    for (_, p) in slot.params_mut() {
                        p.values.fill(T::of(init));
                    }
                }
                slot
            })
            .collect();
        Self {
            iterations: 0,
            slots,
        }
    }

    /// The learning rate the next step will use.
    pub fn learning_rate<O: Optimizer>(&self, optimizer: &O) -> f64 {
        optimizer.learning_rate(self.iterations)
    }

    /// One optimizer step: clips `grads` in place, then updates `net`.
    pub fn step<T: Float, O: Optimizer>(&mut self, optimizer: &O, net: &mut N, grads: &mut N)
    where
        N: Network<T>,
    {
        let lr = optimizer.learning_rate(self.iterations);
        clip(optimizer.regulation(), grads);
        let decay = optimizer.regulation().weight_decay.map(|wd| T::of(wd * lr));
        let lr = T::of(lr);
        let t = self.iterations;
        let params = net.params_mut().zip(grads.params());
        let each = |w: &mut [T], g: &[T], trainable: bool, slots: &mut [&mut [T]]| {
            if !trainable {
                return;
            }
            if let Some(decay) = decay {
                for v in w.iter_mut() {
                    *v -= *v * decay;
                }
            }
            crate::wide::wide(
                #[inline(always)]
                || optimizer.update(t, lr, w, g, slots),
            );
        };
        match self.slots.as_mut_slice() {
            [] => {
                for ((_, w), (_, g)) in params {
                    each(w.values, g.values, w.trainable, &mut []);
                }
            }
            [a] => {
                for (((_, w), (_, g)), (_, a)) in params.zip(a.params_mut()) {
                    each(w.values, g.values, w.trainable, &mut [a.values]);
                }
            }
            [a, b] => {
                for ((((_, w), (_, g)), (_, a)), (_, b)) in
                    params.zip(a.params_mut()).zip(b.params_mut())
                {
                    each(w.values, g.values, w.trainable, &mut [a.values, b.values]);
                }
            }
            [a, b, c] => {
                let slots = a.params_mut().zip(b.params_mut()).zip(c.params_mut());
                for (((_, w), (_, g)), (((_, a), (_, b)), (_, c))) in params.zip(slots) {
                    each(
                        w.values,
                        g.values,
                        w.trainable,
                        &mut [a.values, b.values, c.values],
                    );
                }
            }
            _ => unreachable!("optimizers use at most three slots"),
        }
        self.iterations += 1;
    }
}

/// Keras's gradient clipping, in its order: per-tensor norm, global norm, value. Gradients of
/// frozen parameters take no part.
fn clip<T: Float, N: Network<T>>(regulation: &Regulation, grads: &mut N) {
    let norm = |g: &[T]| g.iter().fold(T::zero(), |acc, &v| acc + v * v).sqrt();
    if let Some(c) = regulation.clipnorm {
        let c = T::of(c);
        for (_, g) in grads.params_mut().filter(|(_, g)| g.trainable) {
            let n = norm(g.values);
            if n > c {
                g.values.iter_mut().for_each(|v| *v = *v * c / n);
            }
        }
    }
    if let Some(c) = regulation.global_clipnorm {
        let c = T::of(c);
        let total = grads
            .params()
            .filter(|(_, g)| g.trainable)
            .fold(T::zero(), |acc, (_, g)| {
                acc + g.values.iter().fold(T::zero(), |a, &v| a + v * v)
            })
            .sqrt();
        if total > c {
            for (_, g) in grads.params_mut().filter(|(_, g)| g.trainable) {
                g.values.iter_mut().for_each(|v| *v = *v * c / total);
            }
        }
    }
    if let Some(c) = regulation.clipvalue {
        let c = T::of(c);
        for (_, g) in grads.params_mut().filter(|(_, g)| g.trainable) {
            g.values.iter_mut().for_each(|v| *v = v.max(-c).min(c));
        }
    }
}

/// Builder methods for the [`Regulation`] of an optimizer with a `regulation` field.
macro_rules! common {
    ($name:ident) => {
        impl<L: $crate::optimizers::LearningRate> $name<L> {
            /// Clips each gradient tensor to this L2 norm.
            pub fn clipnorm(mut self, clipnorm: f64) -> Self {
                self.regulation.clipnorm = Some(clipnorm);
                self
            }

            /// Clips every gradient element to `[−clipvalue, clipvalue]`.
            pub fn clipvalue(mut self, clipvalue: f64) -> Self {
                self.regulation.clipvalue = Some(clipvalue);
                self
            }

            /// Clips all gradients together to this global L2 norm.
            pub fn global_clipnorm(mut self, global_clipnorm: f64) -> Self {
                self.regulation.global_clipnorm = Some(global_clipnorm);
                self
            }

            /// Decoupled weight decay: `w −= w · weight_decay · lr` before each update.
            pub fn weight_decay(mut self, weight_decay: f64) -> Self {
                self.regulation.weight_decay = Some(weight_decay);
                self
            }
        }
    };
}
pub(crate) use common;

/// The [`Optimizer`] methods every optimizer implements the same way, from its `learning_rate`
/// and `regulation` fields.
macro_rules! accessors {
    () => {
        fn learning_rate(&self, step: u64) -> f64 {
            self.learning_rate.at(step)
        }

        fn set_learning_rate(&mut self, learning_rate: f64) -> Result<(), $crate::Error> {
            self.learning_rate.set(learning_rate)
        }

        fn regulation(&self) -> &$crate::optimizers::Regulation {
            &self.regulation
        }
    };
}
pub(crate) use accessors;

#[cfg(test)]
mod tests;
