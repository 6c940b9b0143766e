//! Keras's progress bar: `3/3 ━━━━━━━━━━━━━━━━━━━━ 2s 536ms/step - accuracy: 0.9062 - loss: 0.2913`.

use std::io::{IsTerminal, Write};
use std::time::Instant;

/// How much `fit` and `evaluate` print.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Verbosity {
    /// Nothing.
    Silent,
    /// A progress bar updated in place on a terminal; one line per epoch otherwise.
    #[default]
    ProgressBar,
    /// One line per epoch.
    OneLinePerEpoch,
}

/// The width of the bar, as Keras draws it.
const BAR: usize = 20;

/// A progress display for one epoch (or one evaluation).
pub(crate) struct Progress {
    dynamic: bool,
    enabled: bool,
    steps: usize,
    start: Instant,
    last_draw: Option<Instant>,
}

impl Progress {
    pub(crate) fn new(verbosity: Verbosity, steps: usize) -> Self {
        let dynamic = verbosity == Verbosity::ProgressBar && std::io::stdout().is_terminal();
        Self {
            dynamic,
            enabled: verbosity != Verbosity::Silent,
            steps,
            start: Instant::now(),
            last_draw: None,
        }
    }

    /// Prints `Epoch i/E` when there is more than one epoch.
    pub(crate) fn epoch_header(verbosity: Verbosity, epoch: usize, epochs: usize) {
        if verbosity != Verbosity::Silent && epochs > 1 {
            print_line(&format!("Epoch {}/{epochs}", epoch + 1));
        }
    }

    /// Whether the bar redraws during the epoch (and so shows the running logs).
    pub(crate) fn is_dynamic(&self) -> bool {
        self.dynamic
    }

    /// After step `step` (from 1), with the running logs; redraws at most every 50 ms.
    pub(crate) fn update(&mut self, step: usize, logs: &[(String, f64)]) {
        if !self.dynamic || step == self.steps {
            return;
        }
        let now = Instant::now();
        if self
            .last_draw
            .is_some_and(|t| now.duration_since(t).as_millis() < 50)
        {
            return;
        }
        self.last_draw = Some(now);
        let elapsed = now.duration_since(self.start).as_secs_f64();
        let eta = elapsed / step as f64 * (self.steps - step) as f64;
        let line = format!("{}{}{}", self.bar(step), format_eta(eta), format_logs(logs));
        let mut out = std::io::stdout().lock();
        // Keras redraws the line in place with a carriage return.
        let _ = write!(out, "\r{line}\x1b[K");
        let _ = out.flush();
    }

    /// The final line of the epoch, with every log (validation included).
    pub(crate) fn finish(&mut self, logs: &[(String, f64)]) {
        if !self.enabled {
            return;
        }
        let elapsed = self.start.elapsed().as_secs_f64();
        let per_step = elapsed / self.steps.max(1) as f64;
        let line = format!(
            "{} {elapsed:.0}s{}{}",
            self.bar(self.steps),
            format_per_step(per_step),
            format_logs(logs)
        );
        if self.dynamic {
            print_line(&format!("\r{line}\x1b[K"));
        } else {
            print_line(&line);
        }
    }

    fn bar(&self, step: usize) -> String {
        let done = (BAR * step / self.steps.max(1)).min(BAR);
        let width = self.steps.to_string().len();
        if self.dynamic && done < BAR {
            format!(
                "{step:>width$}/{} \x1b[1m{}\x1b[0m\x1b[2m{}\x1b[0m",
                self.steps,
                "━".repeat(done),
                "━".repeat(BAR - done)
            )
        } else {
            format!("{step:>width$}/{} {}", self.steps, "━".repeat(BAR))
        }
    }
}

/// Writes `line` and a newline to standard output, ignoring errors: a progress line that cannot
/// be written (a closed pipe, as in `cargo run --example x | head`) must never end training.
fn print_line(line: &str) {
    write_line(&mut std::io::stdout().lock(), line);
}

/// Writes `line` and a newline to `out`, ignoring errors.
fn write_line(out: &mut impl Write, line: &str) {
    let _ = writeln!(out, "{line}");
}

/// ` - name: value` for each log, values as Keras prints them.
pub(crate) fn format_logs(logs: &[(String, f64)]) -> String {
    logs.iter()
        .map(|(k, v)| format!(" - {k}: {}", format_value(*v)))
        .collect()
}

/// `0.2913`, or `1.2346e-04` for magnitudes up to 1e-3 (Python's `.4f` and `.4e`).
pub(crate) fn format_value(v: f64) -> String {
    if v.abs() > 1e-3 || !v.is_finite() {
        return format!("{v:.4}");
    }
    let formatted = format!("{v:.4e}");
    let (mantissa, exponent) = formatted.split_once('e').unwrap_or((&formatted, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let sign = if exponent < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exponent.abs())
}

/// Keras's per-step time: `2s/step`, `536ms/step`, `12us/step`.
fn format_per_step(seconds: f64) -> String {
    if seconds >= 1.0 || seconds == 0.0 {
        format!(" {seconds:.0}s/step")
    } else if seconds >= 1e-3 {
        format!(" {:.0}ms/step", seconds * 1e3)
    } else {
        format!(" {:.0}us/step", seconds * 1e6)
    }
}

/// Keras's ETA: `1:02:03`, `2:03` or `3s`.
fn format_eta(seconds: f64) -> String {
    let s = seconds as u64;
    if s > 3600 {
        format!(" {}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
    } else if s > 60 {
        format!(" {}:{:02}", s / 60, s % 60)
    } else {
        format!(" {s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_output_is_ignored() {
        /// Standard output after `| head` has exited.
        struct ClosedPipe;
        impl std::io::Write for ClosedPipe {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Err(std::io::ErrorKind::BrokenPipe.into())
            }
        }
        // `println!` panics here; the progress output carries on.
        write_line(&mut ClosedPipe, "1/1 ━━━━ 0s 1ms/step - loss: 0.5");
    }

    #[test]
    fn values_print_as_keras_prints_them() {
        assert_eq!(format_value(0.29131), "0.2913");
        assert_eq!(format_value(0.0), "0.0000e+00");
        assert_eq!(format_value(0.000123456), "1.2346e-04");
        assert_eq!(format_value(2.5), "2.5000");
        assert_eq!(format_per_step(0.536), " 536ms/step");
        assert_eq!(format_per_step(2.0), " 2s/step");
        assert_eq!(format_per_step(0.000012), " 12us/step");
        assert_eq!(format_eta(125.0), " 2:05");
        assert_eq!(
            format_logs(&[("accuracy".into(), 0.90625), ("loss".into(), 0.29131)]),
            " - accuracy: 0.9062 - loss: 0.2913"
        );
    }

    #[test]
    fn the_final_bar_is_full() {
        let progress = Progress::new(Verbosity::OneLinePerEpoch, 3);
        assert_eq!(progress.bar(3), format!("3/3 {}", "━".repeat(20)));
    }
}
