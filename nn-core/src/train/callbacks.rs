//! Callbacks: code that runs at points of `fit`, as Keras's callbacks do.

use crate::{Error, Metric};

/// The logs of an epoch (or a batch): `("loss", 0.29)`, `("val_accuracy", 0.91)`, ... sorted by
/// name, as Keras prints them.
pub type Logs = Vec<(String, f64)>;

/// Looks a value up in [`Logs`].
pub fn log_value(logs: &Logs, name: &str) -> Option<f64> {
    logs.iter().find(|(k, _)| k == name).map(|(_, v)| *v)
}

/// What a callback may see and change while `fit` runs.
#[derive(Debug)]
pub struct Context<'a, N> {
    /// The network being trained.
    pub network: &'a mut N,
    learning_rate: f64,
    new_learning_rate: Option<f64>,
    stop: bool,
}

impl<'a, N> Context<'a, N> {
    pub(crate) fn new(network: &'a mut N, learning_rate: f64) -> Self {
        Self {
            network,
            learning_rate,
            new_learning_rate: None,
            stop: false,
        }
    }

    /// The learning rate the next step will use.
    pub fn learning_rate(&self) -> f64 {
        self.new_learning_rate.unwrap_or(self.learning_rate)
    }

    /// Sets a constant learning rate (an error at the end of the callback if the optimizer
    /// follows a schedule).
    pub fn set_learning_rate(&mut self, learning_rate: f64) {
        self.new_learning_rate = Some(learning_rate);
    }

    /// Stops training after this epoch (or batch).
    pub fn stop_training(&mut self) {
        self.stop = true;
    }

    /// A context outside `fit`, for testing callbacks on their own.
    pub fn new_for_tests(network: &'a mut N, learning_rate: f64) -> Self {
        Self::new(network, learning_rate)
    }

    /// Whether a callback asked to stop.
    pub fn stop_requested(&self) -> bool {
        self.stop
    }

    pub(crate) fn take(self) -> (Option<f64>, bool) {
        (self.new_learning_rate, self.stop)
    }
}

/// A callback. Every method has an empty default; implement those you need.
///
/// ```
/// use nn::prelude::*;
/// use nn::{Callback, Context, Logs};
///
/// /// Halves the learning rate after every epoch.
/// struct Halve;
///
/// impl<N> Callback<N> for Halve {
///     fn on_epoch_end(
///         &mut self,
///         _epoch: usize,
///         _logs: &Logs,
///         context: &mut Context<'_, N>,
///     ) -> Result<(), nn::Error> {
///         context.set_learning_rate(context.learning_rate() / 2.0);
///         Ok(())
///     }
/// }
///
/// network! {
///     struct Xor = Dense<2, 8, Tanh>, Dense<8, 1, Sigmoid>;
/// }
///
/// let data = Dataset::<f32, 2, 1>::from_rows(&[[0.0, 1.0], [1.0, 1.0]], &[[1.0], [0.0]])?;
/// let mut model = Model::new(Xor::seeded(1), Sgd::new(0.1), BinaryCrossentropy::default());
/// let fit = Fit { epochs: 3, verbose: Verbosity::Silent, ..Fit::default() };
/// let history = model.fit_with_callbacks(&data, &fit, &mut [&mut Halve])?;
/// // Each epoch's logs hold the learning rate it trained with.
/// assert_eq!(history.get("learning_rate"), Some(&[0.1, 0.05, 0.025][..]));
/// # Ok::<(), nn::Error>(())
/// ```
pub trait Callback<N> {
    /// Before the first epoch.
    fn on_train_begin(&mut self, context: &mut Context<'_, N>) -> Result<(), Error> {
        let _ = context;
        Ok(())
    }

    /// After each batch, with its running logs (`loss` and metrics so far this epoch).
    fn on_batch_end(
        &mut self,
        batch: usize,
        logs: &Logs,
        context: &mut Context<'_, N>,
    ) -> Result<(), Error> {
        let _ = (batch, logs, context);
        Ok(())
    }

    /// After each epoch (counting from 0), with its logs, validation included.
    fn on_epoch_end(
        &mut self,
        epoch: usize,
        logs: &Logs,
        context: &mut Context<'_, N>,
    ) -> Result<(), Error> {
        let _ = (epoch, logs, context);
        Ok(())
    }

    /// After the last epoch.
    fn on_train_end(&mut self, context: &mut Context<'_, N>) -> Result<(), Error> {
        let _ = context;
        Ok(())
    }
}

/// Whether a monitored value should go down or up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Down for losses and errors, up for accuracies, AUC, precision and recall.
    #[default]
    Auto,
    /// Lower is better.
    Min,
    /// Higher is better.
    Max,
}

/// Keras's improvement test: `current < best − |min_delta|` in min mode,
/// `current − |min_delta| > best` in max mode.
#[derive(Clone, Copy, Debug)]
struct Monitor {
    higher: bool,
    min_delta: f64,
}

impl Monitor {
    fn new(monitor: &str, mode: Mode, min_delta: f64) -> Self {
        let higher = match mode {
            Mode::Auto => Metric::higher_is_better(monitor),
            Mode::Min => false,
            Mode::Max => true,
        };
        Self {
            higher,
            min_delta: min_delta.abs(),
        }
    }

    fn improved(&self, current: f64, best: f64) -> bool {
        if self.higher {
            current - self.min_delta > best
        } else {
            current < best - self.min_delta
        }
    }

    fn worst(&self) -> f64 {
        if self.higher {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        }
    }
}

fn monitored(logs: &Logs, monitor: &str) -> Result<f64, Error> {
    log_value(logs, monitor).ok_or_else(|| Error::Setting {
        what: "monitor",
        problem: format!(
            "`{monitor}` is not in the logs; they hold {}",
            logs.iter()
                .map(|(k, _)| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })
}

/// Keras's `EarlyStopping`: stops when the monitored value has not improved for `patience`
/// epochs; optionally restores the best weights at the end (even without an early stop).
///
/// ```
/// use nn::prelude::*;
/// use nn::{Callback, Context};
///
/// network! {
///     struct Xor = Dense<2, 8, Tanh>, Dense<8, 1, Sigmoid>;
/// }
///
/// // In `fit`: stop once the loss has not improved for 5 epochs; keep the best weights.
/// let data = Dataset::<f32, 2, 1>::from_rows(
///     &[[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]],
///     &[[0.0], [1.0], [1.0], [0.0]],
/// )?;
/// let mut model = Model::new(Xor::seeded(1), Adam::new(0.05), BinaryCrossentropy::default());
/// let mut early = EarlyStopping::new("loss").patience(5).restore_best_weights(true);
/// let fit = Fit { epochs: 500, batch_size: 4, verbose: Verbosity::Silent, ..Fit::default() };
/// let history = model.fit_with_callbacks(&data, &fit, &mut [&mut early])?;
/// let epochs = history.get("loss").unwrap().len();
/// assert_eq!(early.stopped_epoch.map_or(500, |last| last + 1), epochs);
///
/// // On its own, fed the logs of four epochs: the best is epoch 1, and two epochs without
/// // improvement (patience 2) stop training after epoch 3.
/// let mut net = Xor::seeded(0);
/// let mut early = EarlyStopping::new("val_loss").patience(2);
/// let mut context = Context::new_for_tests(&mut net, 1e-3);
/// early.on_train_begin(&mut context)?;
/// for (epoch, val_loss) in [0.9, 0.5, 0.6, 0.7].into_iter().enumerate() {
///     early.on_epoch_end(epoch, &vec![("val_loss".to_string(), val_loss)], &mut context)?;
/// }
/// assert!(context.stop_requested());
/// assert_eq!(early.stopped_epoch, Some(3));
/// # Ok::<(), nn::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct EarlyStopping<N> {
    /// The log to watch (`"val_loss"` by default).
    pub monitor: String,
    /// The smallest change that counts as an improvement.
    pub min_delta: f64,
    /// Epochs without improvement before stopping.
    pub patience: usize,
    /// Which direction is better.
    pub mode: Mode,
    /// A value the monitored one must beat.
    pub baseline: Option<f64>,
    /// Whether to restore the weights of the best epoch at the end.
    pub restore_best_weights: bool,
    /// Epochs to wait before watching.
    pub start_from_epoch: usize,
    /// The epoch training stopped at, if it stopped early.
    pub stopped_epoch: Option<usize>,
    best: f64,
    best_weights: Option<N>,
    wait: usize,
}

impl<N> EarlyStopping<N> {
    /// Watches `monitor` with Keras's defaults (patience 0, min_delta 0, auto mode).
    pub fn new(monitor: &str) -> Self {
        Self {
            monitor: monitor.into(),
            min_delta: 0.0,
            patience: 0,
            mode: Mode::Auto,
            baseline: None,
            restore_best_weights: false,
            start_from_epoch: 0,
            stopped_epoch: None,
            best: f64::NAN,
            best_weights: None,
            wait: 0,
        }
    }

    /// With this patience.
    pub fn patience(mut self, patience: usize) -> Self {
        self.patience = patience;
        self
    }

    /// Restoring the best weights at the end.
    pub fn restore_best_weights(mut self, restore: bool) -> Self {
        self.restore_best_weights = restore;
        self
    }
}

impl<N: Clone> Callback<N> for EarlyStopping<N> {
    fn on_train_begin(&mut self, _context: &mut Context<'_, N>) -> Result<(), Error> {
        // Keras 3 starts from the worst value; the baseline only decides when waiting restarts.
        self.best = Monitor::new(&self.monitor, self.mode, self.min_delta).worst();
        self.best_weights = None;
        self.wait = 0;
        self.stopped_epoch = None;
        Ok(())
    }

    fn on_epoch_end(
        &mut self,
        epoch: usize,
        logs: &Logs,
        context: &mut Context<'_, N>,
    ) -> Result<(), Error> {
        let current = monitored(logs, &self.monitor)?;
        if epoch < self.start_from_epoch {
            return Ok(());
        }
        let monitor = Monitor::new(&self.monitor, self.mode, self.min_delta);
        if self.restore_best_weights && self.best_weights.is_none() {
            self.best_weights = Some(context.network.clone());
        }
        self.wait += 1;
        if monitor.improved(current, self.best) {
            self.best = current;
            if self.restore_best_weights {
                self.best_weights = Some(context.network.clone());
            }
            // Keras resets the wait only when the baseline is beaten too.
            if self.baseline.is_none_or(|b| monitor.improved(current, b)) {
                self.wait = 0;
            }
            return Ok(());
        }
        if self.wait >= self.patience && epoch > 0 {
            self.stopped_epoch = Some(epoch);
            context.stop_training();
        }
        Ok(())
    }

    fn on_train_end(&mut self, context: &mut Context<'_, N>) -> Result<(), Error> {
        if self.restore_best_weights
            && let Some(best) = self.best_weights.take()
        {
            *context.network = best;
        }
        Ok(())
    }
}

/// Keras's `ReduceLROnPlateau`: multiplies the learning rate by `factor` after `patience` epochs
/// without improvement, waits `cooldown` epochs, never goes below `min_lr`.
#[derive(Clone, Debug)]
pub struct ReduceLrOnPlateau {
    /// The log to watch (`"val_loss"` by default).
    pub monitor: String,
    /// The factor in `(0, 1)`.
    pub factor: f64,
    /// Epochs without improvement before reducing.
    pub patience: usize,
    /// Which direction is better.
    pub mode: Mode,
    /// The smallest change that counts as an improvement (Keras's default 1e-4).
    pub min_delta: f64,
    /// Epochs to wait after a reduction.
    pub cooldown: usize,
    /// The floor.
    pub min_lr: f64,
    best: f64,
    wait: usize,
    cooldown_left: usize,
}

impl ReduceLrOnPlateau {
    /// Watches `monitor` with Keras's defaults (factor 0.1, patience 10, min_delta 1e-4).
    pub fn new(monitor: &str) -> Self {
        Self {
            monitor: monitor.into(),
            factor: 0.1,
            patience: 10,
            mode: Mode::Auto,
            min_delta: 1e-4,
            cooldown: 0,
            min_lr: 0.0,
            best: f64::NAN,
            wait: 0,
            cooldown_left: 0,
        }
    }

    /// With this factor and patience.
    pub fn factor_patience(mut self, factor: f64, patience: usize) -> Self {
        self.factor = factor;
        self.patience = patience;
        self
    }
}

impl<N> Callback<N> for ReduceLrOnPlateau {
    fn on_train_begin(&mut self, _context: &mut Context<'_, N>) -> Result<(), Error> {
        if !(self.factor > 0.0 && self.factor < 1.0) {
            return Err(Error::Setting {
                what: "ReduceLrOnPlateau factor",
                problem: format!("{}; expected a number in (0, 1)", self.factor),
            });
        }
        self.best = Monitor::new(&self.monitor, self.mode, self.min_delta).worst();
        self.wait = 0;
        self.cooldown_left = 0;
        Ok(())
    }

    fn on_epoch_end(
        &mut self,
        _epoch: usize,
        logs: &Logs,
        context: &mut Context<'_, N>,
    ) -> Result<(), Error> {
        let current = monitored(logs, &self.monitor)?;
        let monitor = Monitor::new(&self.monitor, self.mode, self.min_delta);
        if self.cooldown_left > 0 {
            self.cooldown_left -= 1;
            self.wait = 0;
        }
        if monitor.improved(current, self.best) {
            self.best = current;
            self.wait = 0;
        } else if self.cooldown_left == 0 {
            self.wait += 1;
            if self.wait >= self.patience {
                let old = context.learning_rate();
                if old > self.min_lr {
                    context.set_learning_rate((old * self.factor).max(self.min_lr));
                    self.cooldown_left = self.cooldown;
                    self.wait = 0;
                }
            }
        }
        Ok(())
    }
}

/// Keras's `TerminateOnNaN`: stops as soon as a batch's loss is NaN or infinite.
#[derive(Clone, Copy, Debug, Default)]
pub struct TerminateOnNan {
    /// The batch the loss went bad at, if it did.
    pub stopped_at: Option<usize>,
}

impl<N> Callback<N> for TerminateOnNan {
    fn on_batch_end(
        &mut self,
        batch: usize,
        logs: &Logs,
        context: &mut Context<'_, N>,
    ) -> Result<(), Error> {
        if log_value(logs, "loss").is_some_and(|l| !l.is_finite()) {
            self.stopped_at = Some(batch);
            context.stop_training();
        }
        Ok(())
    }
}

/// Keras's `ModelCheckpoint` with `save_weights_only=True`: saves the network's weights after
/// each epoch (or only when the monitored value improves, with `save_best_only`) to a path in
/// which `{epoch}` (from 1, or `{epoch:02d}` zero-padded) and `{name}` / `{name:.4f}` for any log
/// are filled in. (For weights *and* optimizer state, use `Model::save`.)
#[derive(Clone, Debug)]
pub struct ModelCheckpoint<T> {
    /// The path template.
    pub filepath: String,
    /// The log to watch for `save_best_only` (`"val_loss"` by default).
    pub monitor: String,
    /// Whether to save only when the monitored value improves.
    pub save_best_only: bool,
    /// Which direction is better.
    pub mode: Mode,
    /// The files written, in order.
    pub saved: Vec<std::path::PathBuf>,
    best: f64,
    _scalar: core::marker::PhantomData<T>,
}

impl<T> ModelCheckpoint<T> {
    /// Saves to `filepath` after every epoch.
    pub fn new(filepath: &str) -> Self {
        Self {
            filepath: filepath.into(),
            monitor: "val_loss".into(),
            save_best_only: false,
            mode: Mode::Auto,
            saved: Vec::new(),
            best: f64::NAN,
            _scalar: core::marker::PhantomData,
        }
    }

    /// Saves only when `monitor` improves.
    pub fn save_best_only(mut self, monitor: &str) -> Self {
        self.save_best_only = true;
        self.monitor = monitor.into();
        self
    }

    /// Fills in the template for an epoch (from 0) and its logs.
    pub fn path_for(&self, epoch: usize, logs: &Logs) -> Result<std::path::PathBuf, Error> {
        let mut out = String::new();
        let mut rest = self.filepath.as_str();
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let close = rest[open..]
                .find('}')
                .map(|c| open + c)
                .ok_or_else(|| Error::Setting {
                    what: "ModelCheckpoint filepath",
                    problem: format!("`{}` has an unclosed `{{`", self.filepath),
                })?;
            let field = &rest[open + 1..close];
            let (name, spec) = field.split_once(':').unwrap_or((field, ""));
            let value = if name == "epoch" {
                (epoch + 1) as f64
            } else {
                monitored(logs, name)?
            };
            out.push_str(&format_python(value, spec, name == "epoch"));
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        Ok(out.into())
    }
}

/// A value under a Python format spec: `02d`, `.4f`, or none.
fn format_python(value: f64, spec: &str, integer: bool) -> String {
    if let Some(width) = spec.strip_suffix('d') {
        let width: usize = width.trim_start_matches('0').parse().unwrap_or(0);
        return format!("{:0width$}", value as i64);
    }
    if let Some(precision) = spec.strip_prefix('.').and_then(|p| p.strip_suffix('f')) {
        let precision: usize = precision.parse().unwrap_or(6);
        return format!("{value:.precision$}");
    }
    if integer {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

impl<T: crate::Float, N: crate::Network<T>> Callback<N> for ModelCheckpoint<T> {
    fn on_train_begin(&mut self, _context: &mut Context<'_, N>) -> Result<(), Error> {
        self.best = Monitor::new(&self.monitor, self.mode, 0.0).worst();
        Ok(())
    }

    fn on_epoch_end(
        &mut self,
        epoch: usize,
        logs: &Logs,
        context: &mut Context<'_, N>,
    ) -> Result<(), Error> {
        if self.save_best_only {
            let current = monitored(logs, &self.monitor)?;
            if !Monitor::new(&self.monitor, self.mode, 0.0).improved(current, self.best) {
                return Ok(());
            }
            self.best = current;
        }
        let path = self.path_for(epoch, logs)?;
        crate::io::save_weights(&*context.network, &path)?;
        self.saved.push(path);
        Ok(())
    }
}
