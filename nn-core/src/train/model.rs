//! The model: network, optimizer, loss and metrics, with `fit`, `evaluate` and `predict`.

use core::marker::PhantomData;

use nalgebra::{Const, Dyn};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::callbacks::{Callback, Context, Logs};
use super::metrics::{Metric, Tracker};
use super::progress::{Progress, Verbosity};
use crate::data::Dataset;
use crate::fusion::fused;
use crate::{Batch, Error, Float, Loss, Network, Optimizer, OptimizerState};

/// The settings of [`Model::fit`], with Keras's defaults.
#[derive(Clone, Debug)]
pub struct Fit<'a, T: Float, const I: usize, const K: usize> {
    /// Samples per batch (32); the last batch of an epoch may be smaller.
    pub batch_size: usize,
    /// The epoch to stop before (1).
    pub epochs: usize,
    /// The epoch to start at (0), to resume training.
    pub initial_epoch: usize,
    /// Whether to shuffle the training samples each epoch (true).
    pub shuffle: bool,
    /// The fraction of the data, taken from its end before shuffling, to validate on instead of
    /// training on; it must lie strictly between 0 and 1.
    pub validation_split: Option<f64>,
    /// Separate validation data (takes precedence over `validation_split`).
    pub validation_data: Option<&'a Dataset<T, I, K>>,
    /// Per-class weights of the training loss (classes beyond the list weigh 1).
    pub class_weight: Option<Vec<f64>>,
    /// What to print.
    pub verbose: Verbosity,
    /// The seed of shuffling and dropout: the same seed trains the same network, bit for bit.
    pub seed: u64,
    /// Whether to flush denormal numbers to zero while training (true, as XLA does on the
    /// CPU): arithmetic on denormals is many times slower, and Adam's state produces them.
    pub flush_denormals: bool,
    /// Whether to stop with [`Error::NonFinite`] as soon as the loss or a parameter is NaN or
    /// infinite (true). Without it, training goes on (Keras's behavior without
    /// `TerminateOnNan`), and a ReLU network can go on predicting finite nonsense.
    pub stop_on_non_finite: bool,
}

impl<T: Float, const I: usize, const K: usize> Default for Fit<'_, T, I, K> {
    fn default() -> Self {
        Self {
            batch_size: 32,
            epochs: 1,
            initial_epoch: 0,
            shuffle: true,
            validation_split: None,
            validation_data: None,
            class_weight: None,
            verbose: Verbosity::ProgressBar,
            seed: 0,
            flush_denormals: true,
            stop_on_non_finite: true,
        }
    }
}

/// What `fit` returns: per epoch, the loss, the metrics, their validation values and the
/// learning rate, under Keras's names (`loss`, `accuracy`, `val_loss`, ..., `learning_rate`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// The epochs run, counting from 0.
    pub epochs: Vec<usize>,
    /// Each log's values, one per epoch.
    pub history: Vec<(String, Vec<f64>)>,
}

impl History {
    /// The values of one log, one per epoch.
    pub fn get(&self, name: &str) -> Option<&[f64]> {
        self.history
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_slice())
    }

    fn push(&mut self, epoch: usize, logs: &Logs) {
        self.epochs.push(epoch);
        for (name, value) in logs {
            match self.history.iter_mut().find(|(k, _)| k == name) {
                Some((_, values)) => values.push(*value),
                None => self.history.push((name.clone(), vec![*value])),
            }
        }
    }
}

/// A network with the optimizer and loss that train it (Keras's compiled model).
///
/// ```
/// use nn::prelude::*;
/// use nn::data::Dataset;
///
/// network! {
///     struct Xor = Dense<2, 8, Tanh>, Dense<8, 1, Sigmoid>;
/// }
///
/// let data = Dataset::from_rows(
///     &[[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]],
///     &[[0.0], [1.0], [1.0], [0.0]],
/// )?;
/// let mut model = Model::new(Xor::seeded(1), Adam::new(0.05), BinaryCrossentropy::default())
///     .with_metrics(&[Metric::Accuracy]);
/// let fit = Fit { epochs: 300, batch_size: 4, verbose: Verbosity::Silent, ..Fit::default() };
/// let history = model.fit(&data, &fit)?;
/// assert!(history.get("loss").unwrap().last().unwrap() < &0.1);
/// assert_eq!(nn::train::log_value(&model.evaluate(&data)?, "accuracy"), Some(1.0));
/// # Ok::<(), nn::Error>(())
/// ```
#[derive(Debug)]
pub struct Model<T: Float, N: Network<T>, O, L> {
    /// The network.
    pub network: N,
    /// The optimizer.
    pub optimizer: O,
    /// The loss.
    pub loss: L,
    /// The optimizer's state (step count and slots).
    pub state: OptimizerState<T>,
    metrics: Vec<Metric>,
    grads: N,
    tape: N::Tape,
    threads: Option<usize>,
    _scalar: PhantomData<T>,
}

impl<T: Float, N: Network<T>, O: Optimizer, L> Model<T, N, O, L> {
    /// Runs one callback hook on each callback, with the learning rate the next step will use;
    /// applies a learning-rate change; says whether to stop.
    fn run_callbacks(
        &mut self,
        callbacks: &mut [&mut dyn Callback<N>],
        mut hook: impl FnMut(&mut dyn Callback<N>, &mut Context<'_, N>) -> Result<(), Error>,
    ) -> Result<bool, Error> {
        if callbacks.is_empty() {
            return Ok(false);
        }
        let learning_rate = self.state.learning_rate(&self.optimizer);
        let mut context = Context::new(&mut self.network, learning_rate);
        for callback in callbacks.iter_mut() {
            hook(&mut **callback, &mut context)?;
        }
        let (new_learning_rate, stop) = context.take();
        if let Some(lr) = new_learning_rate {
            self.optimizer.set_learning_rate(lr)?;
        }
        Ok(stop)
    }

    /// Joins a network with an optimizer and a loss.
    pub fn new(network: N, optimizer: O, loss: L) -> Self {
        Self {
            network,
            optimizer,
            loss,
            state: OptimizerState::new(),
            metrics: Vec::new(),
            grads: N::zeros(),
            tape: N::Tape::default(),
            threads: None,
            _scalar: PhantomData,
        }
    }

    /// Saves the weights and the optimizer state to a safetensors checkpoint: the step count, the
    /// learning rate the next step would use, the slots (`optimizer.<slot>.<layer>.<parameter>`)
    /// and the optimizer's Keras name ([`Optimizer::NAME`]) in the file's metadata.
    /// [`load`](Model::load) restores them, so training resumes exactly.
    pub fn save(&self, path: impl AsRef<std::path::Path>) -> Result<(), Error> {
        let learning_rate = self.state.learning_rate(&self.optimizer);
        crate::io::save_checkpoint(
            &self.network,
            &self.state,
            (O::NAME, format!("{:?}", self.optimizer)),
            learning_rate,
            path.as_ref(),
        )
    }

    /// Restores a checkpoint written by [`save`](Model::save) by a model with the same network
    /// type and optimizer.
    ///
    /// What comes back: the weights, the step count (`state.iterations`), the optimizer's slots,
    /// and the learning rate *only if this model's learning rate is a constant* (an `f64`); a
    /// schedule keeps its own settings and, from the restored step count, continues where it
    /// was. The optimizer's other settings (betas, momentum, clipping, ...) are this model's,
    /// not the file's, and the metrics and loss are untouched.
    ///
    /// What is refused, with an error and nothing changed: a checkpoint of another optimizer
    /// (its Keras name, recorded by `save`, differs from [`Optimizer::NAME`]; the message names
    /// both), one that does not name its optimizer, a missing or extra tensor, a wrong shape or
    /// dtype, a NaN or infinity among the weights or slots, a step count that is not a whole
    /// number from 0 to 2^53, and a learning rate that is not a finite number ≥ 0.
    ///
    /// ```
    /// use nn::prelude::*;
    ///
    /// network! {
    ///     struct Net = Dense<2, 1>;
    /// }
    ///
    /// let path = std::env::temp_dir().join(format!("nn-model-load-{}.safetensors", std::process::id()));
    /// let adam = Model::new(Net::seeded(1), Adam::new(0.01), MeanSquaredError);
    /// adam.save(&path)?;
    ///
    /// let mut resumed = Model::new(Net::zeros(), Adam::new(0.5), MeanSquaredError);
    /// resumed.load(&path)?;
    /// assert_eq!(resumed.network.dense.kernel, adam.network.dense.kernel);
    /// assert_eq!(resumed.optimizer.learning_rate, 0.01); // a constant comes back
    ///
    /// let mut sgd = Model::new(Net::zeros(), Sgd::new(0.1), MeanSquaredError);
    /// let error = sgd.load(&path).unwrap_err().to_string();
    /// assert!(error.contains(r#"a checkpoint of optimizer "adam"; this model's optimizer is "sgd""#));
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok::<(), nn::Error>(())
    /// ```
    pub fn load(&mut self, path: impl AsRef<std::path::Path>) -> Result<(), Error> {
        let (network, state, learning_rate) =
            crate::io::load_checkpoint(path.as_ref(), &self.optimizer)?;
        self.network = network;
        self.state = state;
        // A constant learning rate comes back; a schedule refuses to be set and keeps its own
        // (that refusal is expected here, not an error of the load).
        let _ = self.optimizer.set_learning_rate(learning_rate);
        Ok(())
    }

    /// Continues training where Keras stopped: loads the network's weights from a compiled Keras
    /// model's `.keras` archive and the optimizer's state saved with them (the step count and
    /// each slot, such as Adam's `momentum` and `velocity`), checking the file against the
    /// network (see [`crate::keras`]) and its optimizer against this model's. The optimizer's
    /// settings (learning rate, betas) are this model's; give it the ones Keras had.
    ///
    /// ```
    /// use nn::prelude::*;
    ///
    /// network! {
    ///     struct Net = Dense<4, 8, Tanh>, Dense<8, 3, Softmax>;
    /// }
    ///
    /// // `model.compile(optimizer=Adam(0.01), ...)`, `model.fit(...)`, `model.save(...)` in Keras:
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/keras/adam_trained.keras");
    /// let mut model = Model::new(Net::zeros(), Adam::new(0.01), CategoricalCrossentropy::default());
    /// model.load_keras(path)?;
    /// assert_eq!(model.state.iterations, 6); // Keras trained 6 steps
    /// # Ok::<(), nn::Error>(())
    /// ```
    ///
    /// # Errors
    /// Those of [`keras::load`](crate::keras::load) and
    /// [`keras::load_optimizer_state`](crate::keras::load_optimizer_state); nothing changes
    /// unless both succeed.
    pub fn load_keras(&mut self, path: impl AsRef<std::path::Path>) -> Result<(), Error> {
        let (network, state) =
            crate::keras::load_with_state::<T, N, O>(path.as_ref(), &self.optimizer)?;
        self.network = network;
        self.state = state;
        Ok(())
    }

    /// A tracker of each metric, for targets of `K` values per sample, after checking that each
    /// applies.
    fn trackers<const K: usize>(&self) -> Result<Vec<Tracker>, Error> {
        self.metrics
            .iter()
            .map(|&m| {
                m.check(N::OUTPUT, K)?;
                Ok(Tracker::new(m, K))
            })
            .collect()
    }

    /// With these metrics reported by `fit` and `evaluate`; `fit` and `evaluate` check that
    /// each applies to the network's outputs and the data's targets.
    pub fn with_metrics(mut self, metrics: &[Metric]) -> Self {
        self.metrics = metrics.to_vec();
        self
    }

    /// With at most `threads` threads for `fit`, `train_on_batch`, `evaluate` and `predict`.
    /// The default is the environment variable `NN_THREADS` if set (more than the cores count
    /// as the cores), else every core; without this setting, these four return
    /// [`Error::Setting`] when `NN_THREADS` is set to anything but a positive integer. The
    /// results are bit-identical for any count: large matrix products are split by columns of
    /// their result and element-wise passes by elements, never a sum across threads.
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads.max(1));
        self
    }
}

impl<T, N, O, L, const I: usize, const OUT: usize> Model<T, N, O, L>
where
    T: Float,
    N: Network<T, Input = Const<I>, Output = Const<OUT>>,
    O: Optimizer,
{
    /// Trains on `data` as Keras's `fit` does; see [`Fit`] for the settings.
    pub fn fit<const K: usize>(
        &mut self,
        data: &Dataset<T, I, K>,
        fit: &Fit<'_, T, I, K>,
    ) -> Result<History, Error>
    where
        L: Loss<T, Const<OUT>, Const<K>>,
    {
        self.fit_with_callbacks(data, fit, &mut [])
    }

    /// [`fit`](Model::fit) with callbacks.
    pub fn fit_with_callbacks<const K: usize>(
        &mut self,
        data: &Dataset<T, I, K>,
        fit: &Fit<'_, T, I, K>,
        callbacks: &mut [&mut dyn Callback<N>],
    ) -> Result<History, Error>
    where
        L: Loss<T, Const<OUT>, Const<K>>,
    {
        crate::parallel::check(self.threads)?;
        crate::parallel::with_threads(self.threads, || self.fit_on_threads(data, fit, callbacks))
    }

    fn fit_on_threads<const K: usize>(
        &mut self,
        data: &Dataset<T, I, K>,
        fit: &Fit<'_, T, I, K>,
        callbacks: &mut [&mut dyn Callback<N>],
    ) -> Result<History, Error>
    where
        L: Loss<T, Const<OUT>, Const<K>>,
    {
        self.optimizer.check()?;
        if let Some(weights) = &fit.class_weight
            && let Some((class, &w)) = weights
                .iter()
                .enumerate()
                .find(|(_, w)| !(w.is_finite() && **w >= 0.0))
        {
            return Err(Error::Setting {
                what: "class_weight",
                problem: format!(
                    "the weight of class {class} is {w}; expected a finite number of at least 0"
                ),
            });
        }
        let _denormals = super::denormals::FlushDenormals::new(fit.flush_denormals);
        if fit.batch_size == 0 {
            return Err(Error::Setting {
                what: "batch size",
                problem: "0; expected at least 1".into(),
            });
        }
        check_labels::<T, OUT, I, K>(data)?;
        check_tokens(N::TOKENS, data.x().as_slice(), I)?;
        let (train, split_validation) = match (fit.validation_data, fit.validation_split) {
            (Some(_), _) | (None, None) => (None, None),
            (None, Some(split)) => {
                if !(split > 0.0 && split < 1.0) {
                    return Err(Error::Setting {
                        what: "validation split",
                        problem: format!("{split}; expected a fraction strictly between 0 and 1"),
                    });
                }
                // Keras keeps the first floor(n · (1 − split)) samples for training.
                let at = ((data.len() as f64) * (1.0 - split)).floor() as usize;
                let (train, validation) = data.split_at(at).map_err(|_| Error::Setting {
                    what: "validation split",
                    problem: format!(
                        "{split} of {} samples leaves the training or validation part empty",
                        data.len()
                    ),
                })?;
                (Some(train), Some(validation))
            }
        };
        let train = train.as_ref().unwrap_or(data);
        let validation = fit.validation_data.or(split_validation.as_ref());
        if let Some(v) = validation {
            check_labels::<T, OUT, I, K>(v)?;
            check_tokens(N::TOKENS, v.x().as_slice(), I)?;
        }

        let n = train.len();
        let steps = n.div_ceil(fit.batch_size);
        let fused = fused::<T, N, _, OUT, K>(&self.loss);
        let mut trackers = self.trackers::<K>()?;
        let mut history = History::default();
        let mut order: Vec<usize> = (0..n).collect();
        let mut targets = Batch::<T, K>::zeros_generic(Const::<K>, Dyn(0));
        // A batch larger than the data is the whole data, as in Keras.
        let mut weights: Vec<T> = Vec::with_capacity(fit.batch_size.min(n));

        self.run_callbacks(callbacks, |c, ctx| c.on_train_begin(ctx))?;
        let mut stop = false;
        for epoch in fit.initial_epoch..fit.epochs {
            Progress::epoch_header(fit.verbose, epoch, fit.epochs);
            let mut progress = Progress::new(fit.verbose, steps);
            // Each epoch draws from its own seeded generator, so resuming at an epoch repeats
            // exactly what an uninterrupted run would do there.
            let mut rng = StdRng::seed_from_u64(mix(fit.seed, epoch as u64));
            order.iter_mut().enumerate().for_each(|(i, o)| *o = i);
            if fit.shuffle {
                order.shuffle(&mut rng);
            }
            trackers.iter_mut().for_each(Tracker::reset);
            let (mut loss_sum, mut seen) = (0.0, 0usize);
            // The running logs are built per batch only for someone who reads them.
            let batch_logs = !callbacks.is_empty() || progress.is_dynamic();
            for (step, indices) in order.chunks(fit.batch_size).enumerate() {
                let nb = indices.len();
                gather(train, indices, N::input_mut(&mut self.tape), &mut targets);
                weights.clear();
                weights.extend(indices.iter().map(|&i| {
                    let sample = train.sample_weights().map_or(T::one(), |w| w[i]);
                    let class = fit
                        .class_weight
                        .as_ref()
                        .and_then(|cw| cw.get(train.class_of(i)).copied())
                        .unwrap_or(1.0);
                    sample * T::of(class)
                }));
                let weighted = train.sample_weights().is_some() || fit.class_weight.is_some();

                let (batch_loss, non_finite) = self.step(
                    &targets,
                    weighted.then_some(&weights[..]),
                    fused,
                    &mut trackers,
                    &mut rng,
                );
                if fit.stop_on_non_finite
                    && let Some(what) = non_finite
                {
                    let at = format!("epoch {}, batch {}", epoch + 1, step + 1);
                    return Err(Error::NonFinite { at, what });
                }

                loss_sum += batch_loss * nb as f64;
                seen += nb;
                let logs = if batch_logs {
                    running_logs(loss_sum / seen as f64, &trackers)
                } else {
                    Logs::new()
                };
                progress.update(step + 1, &logs);
                stop |= self.run_callbacks(callbacks, |c, ctx| c.on_batch_end(step, &logs, ctx))?;
                if stop {
                    break;
                }
            }
            let mut logs = running_logs(loss_sum / seen as f64, &trackers);
            if let Some(validation) = validation {
                let scores = self.evaluate_with(validation, fit.batch_size, Verbosity::Silent)?;
                logs.extend(scores.into_iter().map(|(k, v)| (format!("val_{k}"), v)));
            }
            logs.sort_by(|a, b| a.0.cmp(&b.0));
            progress.finish(&logs);
            logs.push((
                "learning_rate".into(),
                self.state.learning_rate(&self.optimizer),
            ));
            stop |= self.run_callbacks(callbacks, |c, ctx| c.on_epoch_end(epoch, &logs, ctx))?;
            history.push(epoch, &logs);
            if stop {
                break;
            }
        }
        self.run_callbacks(callbacks, |c, ctx| c.on_train_end(ctx))?;
        Ok(history)
    }

    /// One training step on one batch (Keras's `train_on_batch`): returns the batch's loss.
    /// Dropout draws from `rng`.
    pub fn train_on_batch<const K: usize, R: rand::Rng + ?Sized>(
        &mut self,
        x: &Batch<T, I>,
        y: &Batch<T, K>,
        rng: &mut R,
    ) -> Result<f64, Error>
    where
        L: Loss<T, Const<OUT>, Const<K>>,
    {
        crate::parallel::check(self.threads)?;
        crate::parallel::with_threads(self.threads, || self.train_on_batch_on_threads(x, y, rng))
    }

    fn train_on_batch_on_threads<const K: usize, R: rand::Rng + ?Sized>(
        &mut self,
        x: &Batch<T, I>,
        y: &Batch<T, K>,
        rng: &mut R,
    ) -> Result<f64, Error>
    where
        L: Loss<T, Const<OUT>, Const<K>>,
    {
        self.optimizer.check()?;
        if x.ncols() != y.ncols() || x.ncols() == 0 {
            return Err(Error::data(format!(
                "{} inputs and {} targets; expected the same, non-zero number of samples",
                x.ncols(),
                y.ncols()
            )));
        }
        // The checks `Dataset` makes for `fit`: finite values, labels that are classes.
        check_finite("input", x.as_slice(), I)?;
        check_tokens(N::TOKENS, x.as_slice(), I)?;
        check_finite("target", y.as_slice(), K)?;
        check_label_values::<T, OUT, K>(y.as_slice())?;
        let input = N::input_mut(&mut self.tape);
        crate::resize_batch(input, x.ncols());
        input.copy_from(x);
        let fused = fused::<T, N, _, OUT, K>(&self.loss);
        let (loss, non_finite) = self.step(y, None, fused, &mut [], rng);
        match non_finite {
            // The step has been taken; the error says where it went wrong.
            Some(what) => Err(Error::NonFinite {
                at: format!("this batch (step {})", self.state.iterations),
                what,
            }),
            None => Ok(loss),
        }
    }

    /// Forward, loss, metrics, backward and optimizer step on the batch in the tape's input.
    /// Returns the batch's loss and, when the loss or a parameter is not finite, which.
    fn step<const K: usize, R: rand::Rng + ?Sized>(
        &mut self,
        targets: &Batch<T, K>,
        weights: Option<&[T]>,
        fused: bool,
        trackers: &mut [Tracker],
        rng: &mut R,
    ) -> (f64, Option<String>)
    where
        L: Loss<T, Const<OUT>, Const<K>>,
    {
        let nb = targets.ncols();
        self.network.forward_tape(&mut self.tape, true, rng);
        // The loss reads the prediction from the tape and writes its gradient into it.
        let (prediction, dy) = N::loss_io(&mut self.tape, fused);
        let scale = T::one() / T::of(nb as f64);
        let total = self
            .loss
            .evaluate(prediction, fused, targets, weights, scale, Some(dy));
        for tracker in trackers {
            tracker.update(N::output(&self.tape).as_slice(), OUT, targets.as_slice(), K);
        }
        // Keras adds the regularization penalties to the loss once per step.
        let penalty = self.network.penalty(&self.tape);
        self.network
            .backprop(&mut self.tape, &mut self.grads, fused, false);
        let non_finite = self
            .state
            .step(&self.optimizer, &mut self.network, &mut self.grads);
        let loss = total.as_f64() / nb as f64 + penalty.as_f64();
        let what = if loss.is_finite() {
            non_finite.map(|(layer, parameter)| format!("parameter `{layer}.{parameter}`"))
        } else {
            Some(format!("the loss ({loss})"))
        };
        (loss, what)
    }

    /// The loss (with each sample's weight) and the metrics on `data`, in inference mode, in
    /// batches of 32: `[("accuracy", 0.96), ("loss", 0.12)]`.
    pub fn evaluate<const K: usize>(&mut self, data: &Dataset<T, I, K>) -> Result<Logs, Error>
    where
        L: Loss<T, Const<OUT>, Const<K>>,
    {
        crate::parallel::check(self.threads)?;
        crate::parallel::with_threads(self.threads, || {
            self.evaluate_with(data, 32, Verbosity::Silent)
        })
    }

    fn evaluate_with<const K: usize>(
        &mut self,
        data: &Dataset<T, I, K>,
        batch_size: usize,
        verbose: Verbosity,
    ) -> Result<Logs, Error>
    where
        L: Loss<T, Const<OUT>, Const<K>>,
    {
        check_labels::<T, OUT, I, K>(data)?;
        check_tokens(N::TOKENS, data.x().as_slice(), I)?;
        let fused = fused::<T, N, _, OUT, K>(&self.loss);
        let mut trackers = self.trackers::<K>()?;
        let mut targets = Batch::<T, K>::zeros_generic(Const::<K>, Dyn(0));
        let indices: Vec<usize> = (0..data.len()).collect();
        let mut progress = Progress::new(verbose, data.len().div_ceil(batch_size));
        let mut rng = StdRng::seed_from_u64(0);
        let mut total = 0.0;
        for chunk in indices.chunks(batch_size.max(1)) {
            gather(data, chunk, N::input_mut(&mut self.tape), &mut targets);
            self.network.forward_tape(&mut self.tape, false, &mut rng);
            let (prediction, _) = N::loss_io(&mut self.tape, fused);
            let weights: Option<Vec<T>> = data
                .sample_weights()
                .map(|w| chunk.iter().map(|&i| w[i]).collect());
            total += self
                .loss
                .evaluate(
                    prediction,
                    fused,
                    &targets,
                    weights.as_deref(),
                    T::one(),
                    None,
                )
                .as_f64();
            total += self.network.penalty(&self.tape).as_f64() * chunk.len() as f64;
            for tracker in &mut trackers {
                tracker.update(N::output(&self.tape).as_slice(), OUT, targets.as_slice(), K);
            }
        }
        let mut logs = running_logs(total / data.len() as f64, &trackers);
        logs.sort_by(|a, b| a.0.cmp(&b.0));
        progress.finish(&logs);
        Ok(logs)
    }

    /// The network's outputs for `x`, one sample per column, in inference mode, after checking
    /// that every input is finite, as `fit` and `evaluate` do (the network's own
    /// `predict_batch` runs unchecked).
    pub fn predict(&self, x: &Batch<T, I>) -> Result<Batch<T, OUT>, Error> {
        check_finite("input", x.as_slice(), I)?;
        check_tokens(N::TOKENS, x.as_slice(), I)?;
        crate::parallel::check(self.threads)?;
        Ok(crate::parallel::with_threads(self.threads, || {
            self.network.predict_batch(x)
        }))
    }
}

/// Copies the samples at `indices` into the input and target buffers.
fn gather<T: Float, const I: usize, const K: usize>(
    data: &Dataset<T, I, K>,
    indices: &[usize],
    input: &mut Batch<T, I>,
    targets: &mut Batch<T, K>,
) {
    crate::resize_batch(input, indices.len());
    crate::resize_batch(targets, indices.len());
    let (xs, ys) = (data.x().as_slice(), data.y().as_slice());
    for (c, &i) in indices.iter().enumerate() {
        // The samples are scattered through the dataset: fetch the next one while this one is
        // copied.
        if let Some(&next) = indices.get(c + 1) {
            prefetch(&xs[next * I..(next + 1) * I]);
        }
        input.as_mut_slice()[c * I..(c + 1) * I].copy_from_slice(&xs[i * I..(i + 1) * I]);
        targets.as_mut_slice()[c * K..(c + 1) * K].copy_from_slice(&ys[i * K..(i + 1) * K]);
    }
}

/// Asks the processor to bring `values` into the cache (a hint; no effect where unsupported).
#[inline]
#[allow(unsafe_code, reason = "`_mm_prefetch` takes a raw pointer")]
fn prefetch<T>(values: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let bytes = core::mem::size_of_val(values);
        for offset in (0..bytes).step_by(64) {
            // SAFETY: a prefetch is only a hint and never faults; the address is within values.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(values.as_ptr().cast::<i8>().add(offset)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = values;
}

/// `loss` and each metric, as logs.
fn running_logs(loss: f64, trackers: &[Tracker]) -> Logs {
    let mut logs: Logs = trackers
        .iter()
        .map(|t| (t.name().to_string(), t.result()))
        .collect();
    logs.push(("loss".into(), loss));
    logs
}

/// Every value (`width` per sample) must be finite.
fn check_finite<T: Float>(what: &str, values: &[T], width: usize) -> Result<(), Error> {
    match values.iter().position(|v| !v.as_f64().is_finite()) {
        Some(at) => Err(Error::data(format!(
            "{what} {} of sample {} is {}; expected a finite number",
            at % width,
            at / width,
            values[at]
        ))),
        None => Ok(()),
    }
}

/// Inputs that are token ids (a network that starts with an `Embedding` of `vocabulary`
/// tokens) must be whole numbers in `0..vocabulary`.
fn check_tokens<T: Float>(
    vocabulary: Option<usize>,
    values: &[T],
    width: usize,
) -> Result<(), Error> {
    let Some(vocabulary) = vocabulary else {
        return Ok(());
    };
    let bad = |v: &T| {
        let v = v.as_f64();
        !(v >= 0.0 && v < vocabulary as f64 && v.fract() == 0.0)
    };
    match values.iter().position(bad) {
        Some(at) => Err(Error::data(format!(
            "input {} of sample {} is {}; expected a token id, a whole number from 0 to {} (the \
             network's Embedding has {vocabulary} tokens)",
            at % width,
            at / width,
            values[at],
            vocabulary - 1
        ))),
        None => Ok(()),
    }
}

/// Integer labels (one target per sample, several outputs) must be classes of the network.
fn check_labels<T: Float, const OUT: usize, const I: usize, const K: usize>(
    data: &Dataset<T, I, K>,
) -> Result<(), Error> {
    check_label_values::<T, OUT, K>(data.y().as_slice())
}

/// [`check_labels`] on targets given as values, `K` per sample.
fn check_label_values<T: Float, const OUT: usize, const K: usize>(
    targets: &[T],
) -> Result<(), Error> {
    if K == 1 && OUT > 1 {
        for (i, label) in targets.iter().enumerate() {
            let v = label.as_f64();
            if v < 0.0 || v >= OUT as f64 || v.fract() != 0.0 {
                return Err(Error::data(format!(
                    "label {v} of sample {i} is not a class of a network with {OUT} outputs; expected a whole number from 0 to {}",
                    OUT - 1
                )));
            }
        }
    }
    Ok(())
}

/// A seed for epoch `epoch` of a run seeded with `seed` (SplitMix64's mixing).
fn mix(seed: u64, epoch: u64) -> u64 {
    let mut z = seed ^ epoch.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
