//! Metrics, accumulated over an epoch as Keras accumulates them.

use crate::{Error, Float};

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
    /// Whether the true class is among the `k` highest predictions (Keras's default k is 5),
    /// from one-hot targets (`top_k_categorical_accuracy`) or integer labels
    /// (`sparse_top_k_categorical_accuracy`); logged with `k` in the name when it is not 5
    /// (`top_3_categorical_accuracy`).
    TopKCategoricalAccuracy(usize),
    /// True positives over predicted positives (threshold 0.5), over every output and its
    /// target (micro-averaged, as Keras does with one-hot targets).
    Precision,
    /// True positives over actual positives (threshold 0.5), micro-averaged like `Precision`.
    Recall,
    /// The area under the ROC curve, from 200 thresholds (Keras's `AUC()`), over every output
    /// and its target.
    Auc,
    /// The mean squared error, over every output and its target.
    MeanSquaredError,
    /// The mean absolute error, over every output and its target.
    MeanAbsoluteError,
}

impl Metric {
    /// The name Keras logs it under, for a network of `outputs` outputs trained on `targets`
    /// values per sample.
    pub fn name(&self, targets: usize) -> String {
        match self {
            Metric::Accuracy => "accuracy".into(),
            Metric::BinaryAccuracy => "binary_accuracy".into(),
            Metric::CategoricalAccuracy => "categorical_accuracy".into(),
            Metric::SparseCategoricalAccuracy => "sparse_categorical_accuracy".into(),
            Metric::TopKCategoricalAccuracy(k) => {
                let sparse = if targets == 1 { "sparse_" } else { "" };
                let top = if *k == 5 {
                    "k".to_string()
                } else {
                    k.to_string()
                };
                format!("{sparse}top_{top}_categorical_accuracy")
            }
            Metric::Precision => "precision".into(),
            Metric::Recall => "recall".into(),
            Metric::Auc => "auc".into(),
            Metric::MeanSquaredError => "mse".into(),
            Metric::MeanAbsoluteError => "mae".into(),
        }
    }

    /// Checks that the metric applies to a network of `outputs` outputs trained on `targets`
    /// values per sample, as Keras would: the metrics that compare each output with its target
    /// need one target per output (one-hot classes, or a single output), and the categorical
    /// ones need classes.
    pub(crate) fn check(&self, outputs: usize, targets: usize) -> Result<(), Error> {
        let name = self.name(targets);
        let needs = match self {
            Metric::Accuracy => (targets == 1 || targets == outputs)
                .then_some(())
                .ok_or("one target per output, or one integer label per sample".to_string()),
            Metric::BinaryAccuracy
            | Metric::Precision
            | Metric::Recall
            | Metric::Auc
            | Metric::MeanSquaredError
            | Metric::MeanAbsoluteError => (targets == outputs).then_some(()).ok_or(format!(
                "one target per output ({outputs}), compared entry by entry; with integer labels \
                 of several classes, one-hot encode them (`nn::data::one_hot`)"
            )),
            Metric::CategoricalAccuracy => {
                (outputs > 1 && targets == outputs)
                    .then_some(())
                    .ok_or(format!(
                        "one-hot targets of the network's {outputs} classes"
                    ))
            }
            Metric::SparseCategoricalAccuracy => (outputs > 1 && targets == 1)
                .then_some(())
                .ok_or("one integer label per sample, for a network of several outputs".into()),
            Metric::TopKCategoricalAccuracy(k) => {
                if *k == 0 {
                    Err("k of at least 1".to_string())
                } else if outputs > 1 && (targets == 1 || targets == outputs) {
                    Ok(())
                } else {
                    Err(format!(
                        "several classes, with one-hot targets or integer labels; the network \
                         has {outputs} output(s)"
                    ))
                }
            }
        };
        needs.map_err(|needs| Error::Setting {
            what: "metric",
            problem: format!(
                "`{name}` needs {needs}, but the network has {outputs} output(s) and the data \
                     {targets} target value(s) per sample"
            ),
        })
    }

    /// Whether a larger value is better (for callbacks in `"auto"` mode).
    pub(crate) fn higher_is_better(name: &str) -> bool {
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
    /// The name it logs under.
    name: String,
    sum: f64,
    count: f64,
    /// Precision and recall: true positives, false positives, false negatives.
    confusion: [f64; 3],
    /// AUC: per threshold, true positives, false positives, true negatives, false negatives.
    curve: Vec<[f64; 4]>,
}

impl Tracker {
    /// A tracker of `metric` for targets of `targets` values per sample.
    pub(crate) fn new(metric: Metric, targets: usize) -> Self {
        let curve = if metric == Metric::Auc {
            vec![[0.0; 4]; AUC_THRESHOLDS]
        } else {
            Vec::new()
        };
        Self {
            metric,
            name: metric.name(targets),
            sum: 0.0,
            count: 0.0,
            confusion: [0.0; 3],
            curve,
        }
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn reset(&mut self) {
        self.sum = 0.0;
        self.count = 0.0;
        self.confusion = [0.0; 3];
        self.curve.iter_mut().for_each(|c| *c = [0.0; 4]);
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
        let mut tracker = Tracker::new(metric, k);
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
    fn names_follow_keras_and_tell_the_top_k_apart() {
        assert_eq!(
            Metric::TopKCategoricalAccuracy(5).name(4),
            "top_k_categorical_accuracy"
        );
        assert_eq!(
            Metric::TopKCategoricalAccuracy(5).name(1),
            "sparse_top_k_categorical_accuracy"
        );
        assert_eq!(
            Metric::TopKCategoricalAccuracy(3).name(4),
            "top_3_categorical_accuracy"
        );
        assert_eq!(Metric::MeanSquaredError.name(3), "mse");
    }

    #[test]
    fn metrics_that_compare_entries_need_a_target_per_output() {
        for metric in [
            Metric::Precision,
            Metric::Recall,
            Metric::Auc,
            Metric::MeanSquaredError,
            Metric::MeanAbsoluteError,
            Metric::BinaryAccuracy,
        ] {
            assert!(metric.check(1, 1).is_ok());
            assert!(metric.check(3, 3).is_ok());
            let error = metric.check(3, 1).unwrap_err().to_string();
            assert!(error.contains(&format!("`{}`", metric.name(1))), "{error}");
            assert!(error.contains("one-hot"), "{error}");
        }
        assert!(Metric::Accuracy.check(3, 1).is_ok());
        assert!(Metric::Accuracy.check(3, 2).is_err());
        assert!(Metric::SparseCategoricalAccuracy.check(3, 3).is_err());
        assert!(Metric::CategoricalAccuracy.check(3, 1).is_err());
        assert!(Metric::TopKCategoricalAccuracy(0).check(3, 1).is_err());
        assert!(Metric::TopKCategoricalAccuracy(2).check(1, 1).is_err());
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
