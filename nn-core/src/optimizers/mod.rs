//! Optimizers, with Keras's formulas and defaults, and the step that applies them.
//!
//! An optimizer's state holds named slots (Adam's `momentum` and `velocity`, ...), one value per
//! parameter, made at the first step and whenever the optimizer's settings name a new slot, so a
//! step with unchanged settings allocates nothing. A step follows Keras's order: clip the gradients (`clipnorm` per tensor,
//! `global_clipnorm`, `clipvalue`), apply decoupled weight decay `w −= w · wd · lr`, apply the
//! update, then count the step. Parameters of layers with `trainable = false` are left alone.

mod adagrad;
mod adam;
mod rmsprop;
mod schedules;
mod sgd;

pub use adagrad::Adagrad;
pub use adam::{Adam, AdamW};
pub use rmsprop::RmsProp;
pub use schedules::{
    CosineDecay, ExponentialDecay, InverseTimeDecay, LearningRate, PiecewiseConstantDecay,
    PolynomialDecay,
};
pub use sgd::Sgd;

use core::fmt::Debug;

use crate::{Error, Float, Key, Network, Params, VisitorMut};

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

/// The largest number of slots an optimizer may name.
pub(crate) const MAX_SLOTS: usize = 4;

/// An update rule. Implementors name the state slots their settings need and say how one tensor
/// is updated; [`OptimizerState::step`] does the rest.
pub trait Optimizer: Clone + Debug + Sync {
    /// The Keras name (`"adam"`, ...).
    const NAME: &'static str;

    /// The learning rate at `step` (from 0).
    fn learning_rate(&self, step: u64) -> f64;

    /// The learning rate, to be changed by callbacks.
    fn set_learning_rate(&mut self, learning_rate: f64) -> Result<(), Error>;

    /// Clipping and weight decay.
    fn regulation(&self) -> &Regulation;

    /// Checks every setting against its range (Keras's where Keras states one), naming the
    /// setting, its value and the range; `fit` and `train_on_batch` call it before they train.
    /// The default checks the clipping and weight decay and the learning rate at step 0.
    fn check(&self) -> Result<(), Error> {
        self.regulation().check()?;
        schedules::at_least_zero("learning rate at step 0", self.learning_rate(0))
    }

    /// The state slots the current settings need, by Keras's names (`"momentum"`,
    /// `"velocity"`, ...), in the order [`update`](Optimizer::update) receives them; at most
    /// four. Read at every step, so a setting changed between steps (Adam's `amsgrad`,
    /// RmsProp's `centered`) takes effect at the next one.
    fn slot_names(&self) -> &'static [&'static str];

    /// The value a slot starts at (0 unless the optimizer says otherwise).
    fn slot_initial_value(&self, slot: &str) -> f64 {
        let _ = slot;
        0.0
    }

    /// Whether a slot's values can never be negative (Adam's `velocity`, a running average of
    /// squared gradients): a loaded state that holds a negative one is refused, naming the
    /// tensor, rather than failing at the first step. `false` unless the optimizer says so.
    fn slot_is_non_negative(&self, slot: &str) -> bool {
        let _ = slot;
        false
    }

    /// Updates one tensor `w` given its gradient `g` and its slots (in the order of
    /// [`slot_names`](Optimizer::slot_names)), at step `iteration` (from 0) with learning rate
    /// `lr`.
    ///
    /// The update must be element-wise: a large tensor is updated in contiguous pieces on
    /// several threads, each a call with the same range of `w`, `g` and every slot. (An update
    /// that reduces over the whole tensor, such as a trust ratio, would depend on the split.)
    ///
    /// The step runs this in code compiled for AVX2 where the processor has it; mark the
    /// implementation `#[inline(always)]` so its loops are compiled that way too (otherwise they
    /// may stay baseline SSE2 code: correct, but slower).
    fn update<T: Float>(&self, iteration: u64, lr: T, w: &mut [T], g: &[T], slots: &mut [&mut [T]]);
}

/// One named slot of an optimizer's state: a value per parameter of the network, in the order
/// of its parameter walk.
#[derive(Clone, Debug, PartialEq)]
pub struct Slot<T> {
    /// Keras's name of the slot (`"momentum"`, `"velocity"`).
    pub name: &'static str,
    /// One value per parameter.
    pub values: Vec<T>,
}

/// An optimizer's state: the step count and the named slots.
///
/// The slots follow the optimizer's settings: before each step, every slot the optimizer names
/// is made (at its starting value) if missing, and slots it no longer names are dropped. So
/// changing a setting between steps takes effect, and never panics. A step with unchanged
/// settings allocates nothing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OptimizerState<T> {
    /// Steps taken (Keras's `iterations`).
    pub iterations: u64,
    /// The slots, in the order the optimizer names them.
    pub slots: Vec<Slot<T>>,
}

impl<T: Float> OptimizerState<T> {
    /// Fresh state: no steps taken, no slots yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The learning rate the next step will use.
    pub fn learning_rate<O: Optimizer>(&self, optimizer: &O) -> f64 {
        optimizer.learning_rate(self.iterations)
    }

    /// The slot named `name`, if the state has it.
    pub fn slot(&self, name: &str) -> Option<&Slot<T>> {
        self.slots.iter().find(|s| s.name == name)
    }

    /// Makes the slots `optimizer` names, for `params` parameters, in its order.
    fn prepare<O: Optimizer>(&mut self, optimizer: &O, params: usize) {
        let names = optimizer.slot_names();
        assert!(
            names.len() <= MAX_SLOTS,
            "an optimizer names at most {MAX_SLOTS} slots"
        );
        let ready = self.slots.len() == names.len()
            && self
                .slots
                .iter()
                .zip(names)
                .all(|(slot, name)| slot.name == *name && slot.values.len() == params);
        if ready {
            return;
        }
        let mut old = core::mem::take(&mut self.slots);
        self.slots = names
            .iter()
            .map(|&name| match old.iter().position(|s| s.name == name) {
                Some(k) if old[k].values.len() == params => old.swap_remove(k),
                _ => Slot {
                    name,
                    values: vec![T::of(optimizer.slot_initial_value(name)); params],
                },
            })
            .collect();
    }

    /// One optimizer step: clips `grads` in place, then updates `net`, parameter by
    /// parameter: decoupled weight decay, the optimizer's update and the parameter's constraint
    /// for trainable ones; for a statistic with a [`Rules::moving_average`](crate::Rules), the
    /// moving average towards the batch's value that the backward pass left in `grads`.
    ///
    /// Returns the first parameter that is not finite after the step (its layer's field name
    /// and its [`Key`], which displays as its name), if any: training has diverged (or was fed NaN) there.
    pub fn step<O: Optimizer, N: Network<T>>(
        &mut self,
        optimizer: &O,
        net: &mut N,
        grads: &mut N,
    ) -> Option<(&'static str, Key)> {
        self.prepare(optimizer, N::PARAMS);
        let lr = optimizer.learning_rate(self.iterations);
        clip(optimizer.regulation(), grads);
        let mut update = Update {
            optimizer,
            iteration: self.iterations,
            lr: T::of(lr),
            decay: optimizer.regulation().weight_decay.map(|wd| T::of(wd * lr)),
            slots: &mut self.slots,
            offset: 0,
            non_finite: None,
        };
        N::visit_mut([net, grads], &mut update);
        self.iterations += 1;
        update.non_finite
    }
}

/// The step's walk over a network and its gradients, layer by layer.
struct Update<'s, O, T> {
    optimizer: &'s O,
    iteration: u64,
    lr: T,
    decay: Option<T>,
    slots: &'s mut [Slot<T>],
    /// Where the current parameter starts in each slot.
    offset: usize,
    /// The first parameter found not finite after its update.
    non_finite: Option<(&'static str, Key)>,
}

impl<O: Optimizer, T: Float> VisitorMut<T, 2> for Update<'_, O, T> {
    fn layer<L: Params<T>>(&mut self, name: &'static str, [net, grads]: [&mut L; 2]) {
        for (w, g) in net.params_mut().zip(grads.params()) {
            let range = self.offset..self.offset + w.values.len();
            self.offset = range.end;
            let parameter = w.key();
            if !w.trainable {
                if let Some(momentum) = w.rules.moving_average {
                    let (keep, take) = (T::of(momentum), T::of(1.0 - momentum));
                    for (w, &batch) in w.values.iter_mut().zip(g.values) {
                        *w = *w * keep + batch * take;
                    }
                    if self.non_finite.is_none() && !all_finite(w.values) {
                        self.non_finite = Some((name, parameter));
                    }
                }
                continue;
            }
            let count = self.slots.len();
            let mut views: [&mut [T]; MAX_SLOTS] = [&mut [], &mut [], &mut [], &mut []];
            for (view, slot) in views.iter_mut().zip(self.slots.iter_mut()) {
                *view = &mut slot.values[range.clone()];
            }
            let slots = &mut views[..count];
            let (w, rules, g) = (w.values, w.rules, g.values);
            if let Some(decay) = self.decay {
                for v in w.iter_mut() {
                    *v -= *v * decay;
                }
            }
            let (optimizer, t, lr) = (self.optimizer, self.iteration, self.lr);
            let finite = update_split(optimizer, t, lr, w, g, slots);
            if self.non_finite.is_none() && !finite {
                self.non_finite = Some((name, parameter));
            }
            rules.constraint.apply(w, rules.norm_stride);
        }
    }
}

/// The values an update handles at a time: with its gradient and up to three slots, 64 KiB.
const UPDATE_PIECE: usize = 4096;

/// The smallest tensor whose update is split across threads, in values.
const PARALLEL_MIN_VALUES: usize = 1 << 16;

/// `optimizer.update` on `w`, its gradient `g` and its slots, split by elements across the
/// threads allowed when the tensor is large (every element's update is its own, so the result
/// does not depend on the split); returns whether every updated value is finite.
fn update_split<O: Optimizer, T: Float>(
    optimizer: &O,
    iteration: u64,
    lr: T,
    w: &mut [T],
    g: &[T],
    slots: &mut [&mut [T]],
) -> bool {
    let isa = crate::simd::Isa::current();
    let run = |w: &mut [T], g: &[T], slots: &mut [&mut [T]]| {
        isa.run(
            #[inline(always)]
            || {
                // In pieces that stay in the level-1 cache, so the check reads what the update
                // has just written rather than the whole tensor again from memory (for a large
                // kernel, an eighth of the update's traffic).
                let (mut finite, mut start, count) = (true, 0, slots.len());
                while start < w.len() {
                    let piece = start..(start + UPDATE_PIECE).min(w.len());
                    let mut views: [&mut [T]; MAX_SLOTS] = [&mut [], &mut [], &mut [], &mut []];
                    for (view, slot) in views.iter_mut().zip(slots.iter_mut()) {
                        *view = &mut slot[piece.clone()];
                    }
                    let w = &mut w[piece.clone()];
                    optimizer.update(iteration, lr, w, &g[piece.clone()], &mut views[..count]);
                    finite &= all_finite(w);
                    start = piece.end;
                }
                finite
            },
        )
    };
    let len = w.len();
    let parts = crate::parallel::parts(len, PARALLEL_MIN_VALUES / 2, 1, PARALLEL_MIN_VALUES);
    if parts == 1 {
        return run(w, g, slots);
    }
    let count = slots.len();
    assert!(
        g.len() == len && slots.iter().all(|s| s.len() == len),
        "a parameter's gradient and slots have its length"
    );
    // Each part takes its own range of the values and of every slot (the unused slots are
    // empty, with no values per element).
    let mut slot_values: [_; MAX_SLOTS] =
        core::array::from_fn(|_| crate::parallel::items(&mut [], 0));
    for (values, slot) in slot_values.iter_mut().zip(slots.iter_mut()) {
        *values = crate::parallel::items(slot, 1);
    }
    let buffers = (crate::parallel::items(w, 1), slot_values);
    let finite = core::sync::atomic::AtomicBool::new(true);
    crate::parallel::split(buffers, len, 64, parts, |range, (w, mut views)| {
        if !run(w, &g[range], &mut views[..count]) {
            finite.store(false, core::sync::atomic::Ordering::Relaxed);
        }
    });
    finite.into_inner()
}

/// Whether every value is finite: `Σ v · 0` is 0 unless some `v` is NaN or infinite (then
/// NaN). Summed in 16 independent lanes, so that the loop vectorizes (one running sum would be a
/// chain of dependent additions, which cost a training step a quarter of its time), on values
/// the update has just brought into the cache.
#[inline(always)]
fn all_finite<T: Float>(values: &[T]) -> bool {
    const LANES: usize = 16;
    let mut lanes = [T::zero(); LANES];
    let chunks = values.chunks_exact(LANES);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (lane, &v) in lanes.iter_mut().zip(chunk) {
            *lane += v * T::zero();
        }
    }
    let tail = rest.iter().fold(T::zero(), |sum, &v| sum + v * T::zero());
    lanes.iter().fold(tail, |sum, &lane| sum + lane).is_finite()
}

/// Keras's gradient clipping, in its order: per-tensor norm, global norm, value. Gradients of
/// frozen parameters take no part.
fn clip<T: Float, N: Network<T>>(regulation: &Regulation, grads: &mut N) {
    let norm = |g: &[T]| g.iter().fold(T::zero(), |acc, &v| acc + v * v).sqrt();
    if let Some(c) = regulation.clipnorm {
        let c = T::of(c);
        grads.visit_params_mut(|_, g| {
            if !g.trainable {
                return;
            }
            let n = norm(g.values);
            if n > c {
                g.values.iter_mut().for_each(|v| *v = *v * c / n);
            }
        });
    }
    if let Some(c) = regulation.global_clipnorm {
        let c = T::of(c);
        let mut total = T::zero();
        grads.visit_params(|_, g| {
            if g.trainable {
                total += g.values.iter().fold(T::zero(), |a, &v| a + v * v);
            }
        });
        let total = total.sqrt();
        if total > c {
            grads.visit_params_mut(|_, g| {
                if g.trainable {
                    g.values.iter_mut().for_each(|v| *v = *v * c / total);
                }
            });
        }
    }
    if let Some(c) = regulation.clipvalue {
        let c = T::of(c);
        grads.visit_params_mut(|_, g| {
            if g.trainable {
                g.values.iter_mut().for_each(|v| *v = v.max(-c).min(c));
            }
        });
    }
}

/// Checks that `value` lies in `range`, written out as `text` (`"[0, 1)"`) in the message.
pub(crate) fn in_range(
    what: &'static str,
    value: f64,
    range: impl core::ops::RangeBounds<f64>,
    text: &str,
) -> Result<(), Error> {
    if range.contains(&value) {
        Ok(())
    } else {
        Err(Error::Setting {
            what,
            problem: format!("{value}; expected a number in {text}"),
        })
    }
}

/// Checks that `value` is a finite number greater than 0 (a constant that divides, such as ε).
pub(crate) fn positive(what: &'static str, value: f64) -> Result<(), Error> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(Error::Setting {
            what,
            problem: format!("{value}; expected a finite number greater than 0"),
        })
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

        fn check(&self) -> Result<(), $crate::Error> {
            self.regulation.check()?;
            self.learning_rate.check()?;
            self.check_own()
        }
    };
}
pub(crate) use accessors;

#[cfg(test)]
mod tests;
