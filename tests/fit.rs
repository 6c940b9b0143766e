//! `fit`, `evaluate` and callbacks: Keras's epoch averaging, reproducibility, validation,
//! weights, resuming, and clear errors for bad data and settings.

use nn::data::Dataset;
use nn::prelude::*;
use nn::{Callback, Context, Logs};

network! {
    struct Line = Dense<1, 1>;
    struct Classifier = Dense<4, 8, Tanh>, Dropout<0.3>, Dense<8, 3, Softmax>;
    struct Plain = Dense<4, 8, Tanh>, Dense<8, 3, Softmax>;
}

fn silent<'a, const I: usize, const K: usize>(
    epochs: usize,
    batch_size: usize,
) -> Fit<'a, f64, I, K> {
    Fit {
        epochs,
        batch_size,
        verbose: Verbosity::Silent,
        ..Fit::default()
    }
}

/// 60 samples of three separable classes.
fn classes() -> Dataset<f64, 4, 1> {
    let mut x = Vec::new();
    let mut y = Vec::new();
    for i in 0..60 {
        let class = i % 3;
        let t = i as f64 * 0.37;
        x.extend([
            class as f64 + 0.3 * t.sin(),
            1.0 - class as f64 + 0.2 * t.cos(),
            (t * 1.3).sin(),
            0.5 * class as f64,
        ]);
        y.push(class as f64);
    }
    Dataset::from_slices(&x, &y).unwrap()
}

fn weights<N: Network<f64>>(net: &N) -> Vec<u64> {
    net.params()
        .flat_map(|(_, p)| p.values.iter().map(|v| v.to_bits()).collect::<Vec<_>>())
        .collect()
}

#[test]
fn epoch_loss_is_keras_weighted_average_of_batches() {
    let mut net = Line::<f64>::zeros();
    net.dense.kernel[0] = 0.5;
    net.dense.bias[0] = 0.1;
    let data =
        Dataset::<f64, 1, 1>::from_rows(&[[1.0], [2.0], [3.0]], &[[2.0], [3.0], [5.0]]).unwrap();
    let mut model = Model::new(net, Sgd::new(0.1), MeanSquaredError);
    let fit = Fit {
        shuffle: false,
        ..silent(2, 2)
    };
    let history = model.fit(&data, &fit).unwrap();
    let losses = history.get("loss").unwrap();
    assert!((losses[0] - 2.6167).abs() < 1e-12, "{losses:?}");
    assert!((losses[1] - 0.9870213333333329).abs() < 1e-12, "{losses:?}");
    assert!((model.network.dense.kernel[0] - 1.4606000000000001).abs() < 1e-12);
    assert!((model.network.dense.bias[0] - 0.48020000000000007).abs() < 1e-12);
    assert_eq!(history.get("learning_rate").unwrap(), [0.1, 0.1]);
    assert_eq!(history.epochs, [0, 1]);
}

#[test]
fn training_is_reproducible_bit_for_bit_and_learns() {
    let data = classes();
    let train = |seed: u64| {
        let mut model = Model::new(
            Classifier::<f64>::seeded(1),
            Adam::new(0.01),
            SparseCategoricalCrossentropy::default(),
        )
        .with_metrics(&[Metric::Accuracy]);
        let history = model
            .fit(
                &data,
                &Fit {
                    seed,
                    ..silent(40, 8)
                },
            )
            .unwrap();
        (weights(&model.network), history)
    };
    let (a, history) = train(3);
    let (b, _) = train(3);
    let (c, _) = train(4);
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert!(
        history.get("accuracy").unwrap().last().unwrap() > &0.9,
        "{history:?}"
    );
}

#[test]
fn validation_split_takes_the_last_samples_before_shuffling() {
    let data = classes();
    let mut model = Model::new(
        Classifier::<f64>::seeded(2),
        Adam::default(),
        SparseCategoricalCrossentropy::default(),
    )
    .with_metrics(&[Metric::Accuracy]);
    let history = model
        .fit(
            &data,
            &Fit {
                validation_split: Some(0.25),
                ..silent(1, 16)
            },
        )
        .unwrap();
    let (_, last) = data.split_at(45).unwrap();
    let scores = model.evaluate(&last).unwrap();
    let value = |logs: &Logs, k: &str| logs.iter().find(|(name, _)| name == k).unwrap().1;
    assert!((history.get("val_loss").unwrap()[0] - value(&scores, "loss")).abs() < 1e-12);
    assert!((history.get("val_accuracy").unwrap()[0] - value(&scores, "accuracy")).abs() < 1e-12);
}

#[test]
fn class_weights_act_as_sample_weights() {
    let data = classes();
    let class_weighted = {
        let mut model = Model::new(
            Classifier::<f64>::seeded(5),
            Sgd::new(0.05),
            SparseCategoricalCrossentropy::default(),
        );
        model
            .fit(
                &data,
                &Fit {
                    class_weight: Some(vec![2.0, 0.5]),
                    ..silent(2, 10)
                },
            )
            .unwrap();
        weights(&model.network)
    };
    let sample_weighted = {
        let w: Vec<f64> = (0..data.len())
            .map(|i| [2.0, 0.5, 1.0][data.class_of(i)])
            .collect();
        let data = data.clone().with_sample_weights(w).unwrap();
        let mut model = Model::new(
            Classifier::<f64>::seeded(5),
            Sgd::new(0.05),
            SparseCategoricalCrossentropy::default(),
        );
        model.fit(&data, &silent(2, 10)).unwrap();
        weights(&model.network)
    };
    assert_eq!(class_weighted, sample_weighted);
}

#[test]
fn resuming_at_an_epoch_continues_as_an_uninterrupted_run() {
    let data = classes();
    let fresh = || {
        Model::new(
            Classifier::<f64>::seeded(6),
            Adam::new(0.01),
            SparseCategoricalCrossentropy::default(),
        )
    };
    let mut straight = fresh();
    straight.fit(&data, &silent(4, 8)).unwrap();
    let mut resumed = fresh();
    resumed.fit(&data, &silent(2, 8)).unwrap();
    resumed
        .fit(
            &data,
            &Fit {
                initial_epoch: 2,
                ..silent(4, 8)
            },
        )
        .unwrap();
    assert_eq!(weights(&straight.network), weights(&resumed.network));
}

#[test]
fn bad_data_and_settings_are_clear_errors() {
    let data = classes();
    let mut model = Model::new(
        Classifier::<f64>::seeded(1),
        Adam::default(),
        SparseCategoricalCrossentropy::default(),
    );
    let error = model.fit(&data, &silent(1, 0)).unwrap_err().to_string();
    assert!(error.contains("batch size"), "{error}");
    for split in [0.0, 1.0, 1.5] {
        let error = model
            .fit(
                &data,
                &Fit {
                    validation_split: Some(split),
                    ..silent(1, 8)
                },
            )
            .unwrap_err()
            .to_string();
        assert!(error.contains("validation split"), "{error}");
    }
    let bad_labels =
        Dataset::<f64, 4, 1>::from_rows(&[[0.0; 4], [1.0; 4]], &[[1.0], [3.0]]).unwrap();
    let error = model
        .fit(&bad_labels, &silent(1, 8))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("label 3") && error.contains("3 outputs"),
        "{error}"
    );
    assert!(
        Dataset::<f64, 4, 1>::from_rows(&[[0.0, f64::NAN, 0.0, 0.0]], &[[1.0]])
            .unwrap_err()
            .to_string()
            .contains("NaN")
    );
    assert!(
        Dataset::<f64, 4, 1>::from_rows(&[[0.0; 4]], &[[1.0], [2.0]])
            .unwrap_err()
            .to_string()
            .contains("1 input samples but 2 target samples")
    );
    assert!(
        Dataset::<f64, 4, 1>::from_rows(&[], &[])
            .unwrap_err()
            .to_string()
            .contains("empty")
    );
    let bad_optimizer = Adam::default().clipnorm(1.0).global_clipnorm(1.0);
    let mut model = Model::new(
        Classifier::<f64>::seeded(1),
        bad_optimizer,
        SparseCategoricalCrossentropy::default(),
    );
    assert!(model.fit(&data, &silent(1, 8)).is_err());
}

#[test]
fn early_stopping_stops_and_restores_the_best_weights() {
    let data = classes();
    // A learning rate of zero never improves: patience 2 stops after epoch 2.
    let mut model = Model::new(
        Plain::<f64>::seeded(1),
        Sgd::new(0.0),
        SparseCategoricalCrossentropy::default(),
    );
    let mut stopping = EarlyStopping::new("loss").patience(2);
    let history = model
        .fit_with_callbacks(&data, &silent(10, 8), &mut [&mut stopping])
        .unwrap();
    assert_eq!(history.epochs, [0, 1, 2]);
    assert_eq!(stopping.stopped_epoch, Some(2));

    // Training that gets worse (a callback wrecks the weights after each epoch): the best
    // (first) epoch's weights come back.
    let mut model = Model::new(
        Plain::<f64>::seeded(1),
        Sgd::new(0.05),
        SparseCategoricalCrossentropy::default(),
    );
    struct Wreck;
    impl Callback<Plain<f64>> for Wreck {
        fn on_epoch_end(
            &mut self,
            _: usize,
            _: &Logs,
            context: &mut Context<'_, Plain<f64>>,
        ) -> Result<(), nn::Error> {
            context
                .network
                .visit_params_mut(|_, p| p.values.iter_mut().for_each(|v| *v *= -5.0));
            Ok(())
        }
    }
    struct Snapshot(Vec<Vec<u64>>);
    impl Callback<Plain<f64>> for Snapshot {
        fn on_epoch_end(
            &mut self,
            _: usize,
            _: &Logs,
            context: &mut Context<'_, Plain<f64>>,
        ) -> Result<(), nn::Error> {
            self.0.push(weights(&*context.network));
            Ok(())
        }
    }
    let mut snapshots = Snapshot(Vec::new());
    let mut stopping = EarlyStopping::new("loss")
        .patience(2)
        .restore_best_weights(true);
    let history = model
        .fit_with_callbacks(
            &data,
            &silent(10, 8),
            &mut [&mut snapshots, &mut stopping, &mut Wreck],
        )
        .unwrap();
    assert_eq!(history.epochs, [0, 1, 2], "{:?}", history.get("loss"));
    assert_eq!(weights(&model.network), snapshots.0[0]);

    let error = model
        .fit_with_callbacks(
            &data,
            &silent(1, 8),
            &mut [&mut EarlyStopping::new("val_loss")],
        )
        .unwrap_err();
    assert!(
        error.to_string().contains("`val_loss` is not in the logs"),
        "{error}"
    );
}

#[test]
fn reduce_lr_on_plateau_and_terminate_on_nan() {
    let data = classes();
    let mut model = Model::new(
        Plain::<f64>::seeded(1),
        Sgd::new(0.01),
        SparseCategoricalCrossentropy::default(),
    );
    let mut reduce = ReduceLrOnPlateau::new("loss").factor_patience(0.5, 1);
    let history = model
        .fit_with_callbacks(&data, &silent(3, 8), &mut [&mut reduce])
        .unwrap();
    // Slow, steady progress keeps improving: nothing is reduced.
    assert_eq!(history.get("learning_rate").unwrap(), [0.01, 0.01, 0.01]);
    // A rate too small to move the loss by min_delta: after the first epoch (which always
    // improves on nothing), patience 0 halves it after every epoch; the log shows the rate each
    // epoch ran with.
    let mut model = Model::new(
        Plain::<f64>::seeded(1),
        Sgd::new(1e-12),
        SparseCategoricalCrossentropy::default(),
    );
    let mut reduce = ReduceLrOnPlateau::new("loss").factor_patience(0.5, 0);
    let history = model
        .fit_with_callbacks(&data, &silent(4, 8), &mut [&mut reduce])
        .unwrap();
    assert_eq!(
        history.get("learning_rate").unwrap(),
        [1e-12, 1e-12, 5e-13, 2.5e-13]
    );

    // A schedule cannot be reduced: the callback's change is an error.
    let schedule = nn::ExponentialDecay {
        initial_learning_rate: 1e-12,
        decay_steps: 100,
        decay_rate: 0.9,
        staircase: false,
    };
    let mut model = Model::new(
        Plain::<f64>::seeded(1),
        Sgd::new(schedule),
        SparseCategoricalCrossentropy::default(),
    );
    let mut reduce = ReduceLrOnPlateau::new("loss").factor_patience(0.5, 0);
    assert!(
        model
            .fit_with_callbacks(&data, &silent(4, 8), &mut [&mut reduce])
            .is_err()
    );

    let mut model = Model::new(Line::<f64>::seeded(1), Sgd::new(1e6), MeanSquaredError);
    let big = Dataset::<f64, 1, 1>::from_rows(
        &[[100.0], [200.0], [300.0], [400.0]],
        &[[1.0], [2.0], [3.0], [4.0]],
    )
    .unwrap();
    // By default `fit` stops with an error at the first non-finite loss or parameter; Keras's
    // way (go on, or stop through `TerminateOnNan`) is one setting away.
    let error = model.fit(&big, &silent(50, 1)).unwrap_err();
    assert!(matches!(error, nn::Error::NonFinite { .. }), "{error}");
    assert!(error.to_string().contains("epoch "), "{error}");
    let mut model = Model::new(Line::<f64>::seeded(1), Sgd::new(1e6), MeanSquaredError);
    let mut terminate = nn::TerminateOnNan::default();
    let keras = Fit {
        stop_on_non_finite: false,
        ..silent(50, 1)
    };
    let history = model
        .fit_with_callbacks(&big, &keras, &mut [&mut terminate])
        .unwrap();
    assert!(terminate.stopped_at.is_some());
    assert!(history.epochs.len() < 50);
    assert!(!history.get("loss").unwrap().last().unwrap().is_finite());
}

/// EarlyStopping driven with scripted logs, against Keras's rules.
#[test]
fn early_stopping_min_delta_baseline_and_start_epoch() {
    // Feed EarlyStopping a scripted sequence of losses through its callback interface.
    let run = |mut stopping: EarlyStopping<Plain<f64>>, losses: &[f64]| -> Option<usize> {
        let mut net = Plain::<f64>::zeros();
        let mut context = nn::Context::new_for_tests(&mut net, 0.1);
        stopping.on_train_begin(&mut context).unwrap();
        for (epoch, &loss) in losses.iter().enumerate() {
            let logs: Logs = vec![("loss".into(), loss)];
            stopping.on_epoch_end(epoch, &logs, &mut context).unwrap();
            if context.stop_requested() {
                return Some(epoch);
            }
        }
        None
    };
    let losses = [1.0, 0.95, 0.93, 0.92, 0.91];
    assert_eq!(run(EarlyStopping::new("loss").patience(1), &losses), None);
    // Improvements smaller than min_delta do not count.
    let mut strict = EarlyStopping::new("loss").patience(1);
    strict.min_delta = 0.03;
    assert_eq!(run(strict, &losses), Some(2));
    // A baseline not beaten keeps the wait running through improvements (Keras checks the
    // patience at the first epoch that does not improve).
    let flat = [1.0, 0.95, 0.93, 0.93, 0.93];
    assert_eq!(run(EarlyStopping::new("loss").patience(2), &flat), Some(4));
    let mut baseline = EarlyStopping::new("loss").patience(2);
    baseline.baseline = Some(0.5);
    assert_eq!(run(baseline, &flat), Some(3));
    // Nothing is watched before start_from_epoch.
    let mut late = EarlyStopping::new("loss").patience(0);
    late.start_from_epoch = 3;
    assert_eq!(run(late, &[1.0, 2.0, 3.0, 4.0, 5.0]), Some(4));
    // Max mode for accuracies.
    let accuracy = |mut stopping: EarlyStopping<Plain<f64>>, values: &[f64]| {
        stopping.monitor = "accuracy".into();
        let mut net = Plain::<f64>::zeros();
        let mut context = nn::Context::new_for_tests(&mut net, 0.1);
        stopping.on_train_begin(&mut context).unwrap();
        for (epoch, &v) in values.iter().enumerate() {
            stopping
                .on_epoch_end(epoch, &vec![("accuracy".into(), v)], &mut context)
                .unwrap();
            if context.stop_requested() {
                return Some(epoch);
            }
        }
        None
    };
    assert_eq!(
        accuracy(
            EarlyStopping::new("accuracy").patience(1),
            &[0.5, 0.6, 0.6, 0.6]
        ),
        Some(2)
    );
}

network! {
    /// Token ids, their vectors averaged over the steps, a class.
    struct Bag = Input<6>, Embedding<10, 4>, GlobalAvgPool1D, Dense<4, 2, Softmax>;
}

/// 80 sequences of 6 token ids; the class says whether token 7 occurs.
fn sentences() -> Dataset<f64, 6, 1> {
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for i in 0..80u64 {
        let mut state = i.wrapping_mul(2654435761).wrapping_add(12345);
        let mut ids = [0.0; 6];
        for id in &mut ids {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
            *id = ((state >> 33) % 7) as f64; // 0..7: never 7
        }
        if i % 2 == 0 {
            ids[(i as usize / 2) % 6] = 7.0;
        }
        x.extend(ids);
        y.push((i % 2 == 0) as u8 as f64);
    }
    Dataset::from_slices(&x, &y).unwrap()
}

#[test]
fn embeddings_learn_and_refuse_ids_outside_the_vocabulary() {
    let data = sentences();
    let mut model = Model::new(
        Bag::<f64>::seeded(1),
        Adam::new(0.05),
        SparseCategoricalCrossentropy::default(),
    )
    .with_metrics(&[Metric::Accuracy]);
    model.fit(&data, &silent(60, 16)).unwrap();
    let accuracy = model.evaluate(&data).unwrap();
    let accuracy = accuracy.iter().find(|(k, _)| k == "accuracy").unwrap().1;
    assert!(accuracy > 0.95, "accuracy {accuracy}");

    // An id outside the vocabulary, a fraction, a negative number: each a clear error.
    for (bad, shown) in [(10.0, "10"), (2.5, "2.5"), (-1.0, "-1")] {
        let mut x = data.x().as_slice().to_vec();
        x[6 + 3] = bad;
        let y = data.y().as_slice().to_vec();
        let bad_data = Dataset::from_slices(&x, &y).unwrap();
        let error = model
            .fit(&bad_data, &silent(1, 16))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains(&format!("input 3 of sample 1 is {shown}"))
                && error.contains("a whole number from 0 to 9"),
            "{error}"
        );
        assert!(model.evaluate(&bad_data).is_err());
        let batch = Batch::<f64, 6>::from_column_slice_generic(Const::<6>, Dyn(80), &x);
        assert!(model.predict(&batch).is_err());
        // The network's own `predict` has no error path: the step without a vector is NaN.
        let sample = SVector::<f64, 6>::from_column_slice(&x[6..12]);
        assert!(model.network.predict(&sample).iter().all(|v| v.is_nan()));
    }
}

network! {
    /// One softmax layer, to see whether its loss is computed from the logits.
    struct Saturated = Dense<2, 2, Softmax>;
}

/// A softmax output with categorical cross-entropy is fused (the loss computed from the logits,
/// as Keras does), so a confidently wrong prediction costs its full `−log p`; unfused, the loss
/// would be clipped at `−log 1e−7 ≈ 16.1`. With `from_logits` the loss applies a second softmax
/// to the outputs instead, and is small.
#[test]
fn a_softmax_output_with_cross_entropy_is_trained_from_its_logits() {
    let mut net = Saturated::<f64>::zeros();
    net.dense.kernel[(0, 0)] = 20.0;
    net.dense.kernel[(1, 0)] = -20.0;
    let data = Dataset::from_slices(&[1.0, 0.0], &[1.0]).unwrap();
    let loss = |loss| {
        Model::new(net.clone(), Sgd::new(0.1), loss)
            .evaluate(&data)
            .unwrap()
            .into_iter()
            .find_map(|(name, value)| (name == "loss").then_some(value))
            .unwrap()
    };
    let fused = loss(SparseCategoricalCrossentropy::default());
    assert!((fused - 40.0).abs() < 1e-9, "fused loss {fused}");
    let logits = loss(SparseCategoricalCrossentropy { from_logits: true });
    assert!(logits < 1.32 && logits > 1.31, "loss over logits {logits}");
}
