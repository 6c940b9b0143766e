//! Metrics, accumulated over an epoch as Keras accumulates them.

use crate::Float;

/// A metric reported by `fit` and `evaluate`.
///
/// `Accuracy` picks the variant Keras picks from the shapes: binary accuracy (threshold 0.5) for a
/// single output, sparse categorical accuracy for integer labels, categorical accuracy otherwise.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Metric {
    /// Keras's `"accuracy"`.
    Accuracy,
    /// The fraction of outputs on the right side of 0.5.
    BinaryAccuracy,
    /// Whether the argmax of the prediction is the argmax of the one-hot target.
    CategoricalAccuracy,
    /// Whether the argmax of the prediction is the integer label.
    SparseCategoricalAccuracy,
    /// Whether the true class is among the `k` highest predictions (Keras's default k is 5).
    TopKCategoricalAccuracy(usize),
    /// True positives over predicted positives (threshold 0.5).
    Precision,
    /// True positives over actual positives (threshold 0.5).
    Recall,
    /// The area under the ROC curve, from 200 thresholds (Keras's `AUC()`).
    Auc,
    /// The mean squared error.
    MeanSquaredError,
    /// The mean absolute error.
    MeanAbsoluteError,
}

impl Metric {
    /// The name Keras logs it under.
    pub fn name(&self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::BinaryAccuracy => "binary_accuracy",
            Metric::CategoricalAccuracy => "categorical_accuracy",
            Metric::SparseCategoricalAccuracy => "sparse_categorical_accuracy",
            Metric::TopKCategoricalAccuracy(_) => "top_k_categorical_accuracy",
            Metric::Precision => "precision",
            Metric::Recall => "recall",
            Metric::Auc => "auc",
            Metric::MeanSquaredError => "mse",
            Metric::MeanAbsoluteError => "mae",
        }
    }

    /// Whether a larger value is better (for callbacks in `"auto"` mode).
    pub fn higher_is_better(name: &str) -> bool {
        let name = name.strip_prefix("val_").unwrap_or(name);
        name.contains("accuracy") || name.contains("auc") || name == "precision" || name == "recall"
    }
}

/// The number of thresholds of [`Metric::Auc`].
const AUC_THRESHOLDS: usize = 200;

/// A metric's running state over an epoch.
#[derive(Clone, Debug)]
pub(crate) struct Tracker {
    metric: Metric,
    sum: f64,
    count: f64,
    /// Precision and recall: true positives, false positives, false negatives.
    confusion: [f64; 3],
    /// AUC: per threshold, true positives, false positives, true negatives, false negatives.
    curve: Vec<[f64; 4]>,
}

impl Tracker {
    pub(crate) fn new(metric: Metric) -> Self {
        let curve = if metric == Metric::Auc {
            vec![[0.0; 4]; AUC_THRESHOLDS]
        } else {
            Vec::new()
        };
        Self {
            metric,
            sum: 0.0,
            count: 0.0,
            confusion: [0.0; 3],
            curve,
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        self.metric.name()
    }

    pub(crate) fn reset(&mut self) {
        *self = Self::new(self.metric);
    }

    /// Adds a batch: `outputs` has `o` values per sample, `targets` `k`.
    pub(crate) fn update<T: Float>(&mut self, outputs: &[T], o: usize, targets: &[T], k: usize) {
        let samples = outputs.chunks_exact(o).zip(targets.chunks_exact(k));
        let metric = match self.metric {
            Metric::Accuracy if o == 1 => Metric::BinaryAccuracy,
            Metric::Accuracy if k == 1 => Metric::SparseCategoricalAccuracy,
            Metric::Accuracy => Metric::CategoricalAccuracy,
            other => other,
        };
        let argmax = |v: &[T]| {
            v.iter()
                .enumerate()
                .fold(0, |best, (i, x)| if *x > v[best] { i } else { best })
        };
        let class = |y: &[T]| {
            if k == 1 {
                y[0].as_f64().round() as usize
            } else {
                argmax(y)
            }
        };
        for (p, y) in samples {
            let value = match metric {
                Metric::BinaryAccuracy => {
                    let right = p.iter().zip(y).filter(|(p, y)| {
                        let predicted = if p.as_f64() > 0.5 { 1.0 } else { 0.0 };
                        predicted == y.as_f64()
                    });
                    right.count() as f64 / o as f64
                }
                Metric::CategoricalAccuracy | Metric::SparseCategoricalAccuracy => {
                    f64::from(u8::from(argmax(p) == class(y)))
                }
                Metric::TopKCategoricalAccuracy(top) => {
                    let truth = class(y);
                    let above = p.iter().filter(|&&v| v > p[truth.min(o - 1)]).count();
                    f64::from(u8::from(truth < o && above < top))
                }
                Metric::MeanSquaredError => {
                    p.iter()
                        .zip(y)
                        .map(|(p, y)| (p.as_f64() - y.as_f64()).powi(2))
                        .sum::<f64>()
                        / o as f64
                }
                Metric::MeanAbsoluteError => {
                    p.iter()
                        .zip(y)
                        .map(|(p, y)| (p.as_f64() - y.as_f64()).abs())
                        .sum::<f64>()
                        / o as f64
                }
                Metric::Precision | Metric::Recall => {
                    for (p, y) in p.iter().zip(y) {
                        let (predicted, actual) = (p.as_f64() > 0.5, y.as_f64() != 0.0);
                        match (predicted, actual) {
                            (true, true) => self.confusion[0] += 1.0,
                            (true, false) => self.confusion[1] += 1.0,
                            (false, true) => self.confusion[2] += 1.0,
                            (false, false) => {}
                        }
                    }
                    continue;
                }
                Metric::Auc => {
                    for (p, y) in p.iter().zip(y) {
                        let (p, actual) = (p.as_f64(), y.as_f64() != 0.0);
                        for (i, counts) in self.curve.iter_mut().enumerate() {
                            let predicted = p > auc_threshold(i);
                            let slot = match (predicted, actual) {
                                (true, true) => 0,
                                (true, false) => 1,
                                (false, false) => 2,
                                (false, true) => 3,
                            };
                            counts[slot] += 1.0;
                        }
                    }
                    continue;
                }
                Metric::Accuracy => unreachable!("resolved above"),
            };
            self.sum += value;
            self.count += 1.0;
        }
    }

    /// The metric over everything added since the last reset.
    pub(crate) fn result(&self) -> f64 {
        let ratio = |a: f64, b: f64| if b == 0.0 { 0.0 } else { a / b };
        match self.metric {
            Metric::Precision => ratio(self.confusion[0], self.confusion[0] + self.confusion[1]),
            Metric::Recall => ratio(self.confusion[0], self.confusion[0] + self.confusion[2]),
            Metric::Auc => {
                let points: Vec<(f64, f64)> = self
                    .curve
                    .iter()
                    .map(|[tp, fp, tn, fn_]| (ratio(*fp, fp + tn), ratio(*tp, tp + fn_)))
                    .collect();
                points
                    .windows(2)
                    .map(|w| (w[0].0 - w[1].0) * (w[0].1 + w[1].1) / 2.0)
                    .sum()
            }
            _ => ratio(self.sum, self.count),
        }
    }
}

/// Keras's AUC thresholds: just below 0, `i / 199` for `i` in 1..199, just above 1.
fn auc_threshold(i: usize) -> f64 {
    const EPSILON: f64 = 1e-7;
    match i {
        0 => -EPSILON,
        i if i == AUC_THRESHOLDS - 1 => 1.0 + EPSILON,
        i => i as f64 / (AUC_THRESHOLDS - 1) as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(metric: Metric, outputs: &[f64], o: usize, targets: &[f64], k: usize) -> f64 {
        let mut tracker = Tracker::new(metric);
        tracker.update(outputs, o, targets, k);
        tracker.result()
    }

    #[test]
    fn accuracy_follows_the_shapes() {
        // Binary: one output.
        assert_eq!(
            run(Metric::Accuracy, &[0.7, 0.2, 0.6], 1, &[1.0, 0.0, 0.0], 1),
            2.0 / 3.0
        );
        // Sparse: integer labels.
        assert_eq!(
            run(Metric::Accuracy, &[0.1, 0.9, 0.8, 0.2], 2, &[1.0, 1.0], 1),
            0.5
        );
        // Categorical: one-hot targets.
        assert_eq!(
            run(
                Metric::Accuracy,
                &[0.1, 0.9, 0.8, 0.2],
                2,
                &[0.0, 1.0, 1.0, 0.0],
                2
            ),
            1.0
        );
        assert_eq!(
            run(
                Metric::TopKCategoricalAccuracy(2),
                &[0.5, 0.3, 0.2, 0.1, 0.2, 0.7],
                3,
                &[1.0, 0.0],
                1
            ),
            0.5
        );
    }

    #[test]
    fn precision_recall_and_errors() {
        let p = [0.9, 0.8, 0.2, 0.6, 0.1];
        let y = [1.0, 0.0, 1.0, 1.0, 0.0];
        assert_eq!(run(Metric::Precision, &p, 1, &y, 1), 2.0 / 3.0);
        assert_eq!(run(Metric::Recall, &p, 1, &y, 1), 2.0 / 3.0);
        assert_eq!(
            run(Metric::MeanSquaredError, &[1.0, 3.0], 2, &[0.0, 1.0], 2),
            2.5
        );
        assert_eq!(
            run(Metric::MeanAbsoluteError, &[1.0, 3.0], 2, &[0.0, 1.0], 2),
            1.5
        );
    }

    #[test]
    fn auc_of_perfect_random_and_inverted_rankings() {
        let y = [0.0, 0.0, 1.0, 1.0];
        assert!((run(Metric::Auc, &[0.1, 0.2, 0.8, 0.9], 1, &y, 1) - 1.0).abs() < 1e-12);
        assert!(run(Metric::Auc, &[0.9, 0.8, 0.2, 0.1], 1, &y, 1).abs() < 1e-12);
        // A tie at one score: half the area.
        assert!((run(Metric::Auc, &[0.5, 0.5, 0.5, 0.5], 1, &y, 1) - 0.5).abs() < 1e-12);
        // Scores 0.1 0.4 0.35 0.8 for labels 0 0 1 1: sklearn's roc_auc_score gives 0.75.
        assert!((run(Metric::Auc, &[0.1, 0.4, 0.35, 0.8], 1, &y, 1) - 0.75).abs() < 1e-12);
    }
}
