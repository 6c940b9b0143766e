//! Bad settings, bad data and diverging training get a clear error, never `Ok` with meaningless
//! numbers (issue 10's rows on training; each of these returned `Ok` or trained before).

use nn::prelude::*;
use nn::{Callback, Context, ExponentialDecay, Logs, Optimizer};

network! {
    struct Three = Dense<2, 4, Relu>, Dense<4, 3, Softmax>;
}

/// 40 samples of 2 features, 3 classes.
fn data() -> Dataset<f32, 2, 1> {
    let x: Vec<f32> = (0..80).map(|i| ((i * 7) % 11) as f32 / 11.0).collect();
    let y: Vec<f32> = (0..40).map(|i| (i % 3) as f32).collect();
    Dataset::from_slices(&x, &y).unwrap()
}

fn silent() -> Fit<'static, f32, 2, 1> {
    Fit {
        epochs: 1,
        batch_size: 8,
        verbose: Verbosity::Silent,
        ..Fit::default()
    }
}

/// `fit` with `optimizer` fails, naming `setting`.
fn rejects<O: Optimizer>(optimizer: O, setting: &str) {
    let mut model = Model::new(
        Three::seeded(0),
        optimizer,
        SparseCategoricalCrossentropy::default(),
    );
    let error = model.fit(&data(), &silent()).unwrap_err().to_string();
    assert!(error.contains(setting), "{setting}: {error}");
    assert!(error.contains("expected"), "{setting}: {error}");
    // `train_on_batch` checks the same.
    let x = Batch::<f32, 2>::repeat_generic(Const::<2>, Dyn(2), 0.5);
    let y = Batch::<f32, 1>::repeat_generic(Const::<1>, Dyn(2), 1.0);
    let mut rng = <nn::rand::rngs::StdRng as nn::rand::SeedableRng>::seed_from_u64(0);
    assert!(model.train_on_batch(&x, &y, &mut rng).is_err());
}

#[test]
fn learning_rates_that_train_to_nonsense_are_rejected() {
    rejects(Sgd::new(f64::NAN), "learning_rate");
    rejects(Adam::new(f64::INFINITY), "learning_rate");
    rejects(RmsProp::new(-0.01), "learning_rate");
    let schedule = ExponentialDecay {
        initial_learning_rate: 0.1,
        decay_steps: 0,
        decay_rate: 0.9,
        staircase: false,
    };
    rejects(Sgd::new(schedule), "decay_steps");
}

#[test]
fn optimizer_settings_outside_their_ranges_are_rejected() {
    rejects(
        Adam {
            beta_1: 1.0,
            ..Adam::default()
        },
        "beta_1",
    );
    rejects(
        Adam {
            beta_2: 1.0,
            ..Adam::default()
        },
        "beta_2",
    );
    rejects(
        Adam {
            epsilon: 0.0,
            ..Adam::default()
        },
        "epsilon",
    );
    rejects(Sgd::new(0.1).momentum(1.5), "momentum");
    rejects(Sgd::new(0.1).momentum(f64::NAN), "momentum");
    rejects(RmsProp::new(0.01).momentum(-0.5), "momentum");
    rejects(
        Adagrad {
            initial_accumulator_value: -1.0,
            ..Adagrad::default()
        },
        "initial_accumulator_value",
    );
    rejects(AdamW::new(0.01).weight_decay(f64::NAN), "weight_decay");
}

#[test]
fn class_weights_must_be_finite_and_not_negative() {
    for bad in [f64::NAN, -1.0, f64::INFINITY] {
        let mut model = Model::new(
            Three::seeded(0),
            Adam::default(),
            SparseCategoricalCrossentropy::default(),
        );
        let fit = Fit {
            class_weight: Some(vec![1.0, bad, 1.0]),
            ..silent()
        };
        let error = model.fit(&data(), &fit).unwrap_err().to_string();
        assert!(
            error.contains("class_weight") && error.contains("class 1"),
            "{error}"
        );
    }
}

#[test]
fn train_on_batch_checks_its_labels_and_values_as_fit_does() {
    let mut model = Model::new(
        Three::seeded(0),
        Adam::default(),
        SparseCategoricalCrossentropy::default(),
    );
    let mut rng = <nn::rand::rngs::StdRng as nn::rand::SeedableRng>::seed_from_u64(0);
    let x = Batch::<f32, 2>::repeat_generic(Const::<2>, Dyn(2), 0.5);
    let before = model.network.clone();
    for label in [7.0, 1e9, -1.0, 2.5, 3.0, f32::NAN] {
        let y = Batch::<f32, 1>::from_column_slice_generic(Const::<1>, Dyn(2), &[0.0, label]);
        let error = model
            .train_on_batch(&x, &y, &mut rng)
            .unwrap_err()
            .to_string();
        assert!(error.contains("sample 1"), "{label}: {error}");
    }
    let mut nan = x.clone();
    nan[(1, 1)] = f32::NAN;
    let y = Batch::<f32, 1>::from_column_slice_generic(Const::<1>, Dyn(2), &[0.0, 1.0]);
    let error = model
        .train_on_batch(&nan, &y, &mut rng)
        .unwrap_err()
        .to_string();
    assert!(error.contains("input 1 of sample 1"), "{error}");
    // Nothing was trained on the rejected batches.
    assert_eq!(model.network.dense.kernel, before.dense.kernel);
    assert_eq!(model.state.iterations, 0);
    // A good batch trains.
    assert!(model.train_on_batch(&x, &y, &mut rng).unwrap().is_finite());
}

#[test]
fn divergence_hidden_by_relu_stops_training_with_the_parameter_named() {
    // A learning rate this large overflows the weights to infinity and NaN; ReLU then maps the
    // NaN pre-activations to 0, so the loss alone would go on looking finite.
    let mut model = Model::new(
        Three::seeded(0),
        Sgd::new(1e38),
        SparseCategoricalCrossentropy::default(),
    );
    let fit = Fit {
        epochs: 3,
        ..silent()
    };
    let x: Vec<f32> = (0..80).map(|i| ((i * 7) % 11) as f32 * 1e3).collect();
    let y: Vec<f32> = (0..40).map(|i| (i % 3) as f32).collect();
    let large = Dataset::<f32, 2, 1>::from_slices(&x, &y).unwrap();
    let error = model.fit(&large, &fit).unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, nn::Error::NonFinite { .. }), "{text}");
    // The first step already overflows the first layer's kernel; its loss was finite.
    assert!(text.contains("epoch 1, batch 1"), "{text}");
    assert!(text.contains("parameter `dense.kernel`"), "{text}");
    // Where the loss goes first, the loss is named.
    let mut model = Model::new(
        Three::seeded(0),
        Sgd::new(1e38),
        SparseCategoricalCrossentropy::default(),
    );
    let text = model.fit(&data(), &fit).unwrap_err().to_string();
    assert!(text.contains("the loss (NaN)"), "{text}");
}

/// Counts the batches of each epoch.
#[derive(Default)]
struct Batches(usize);

impl<N> Callback<N> for Batches {
    fn on_batch_end(
        &mut self,
        _batch: usize,
        _logs: &Logs,
        _context: &mut Context<'_, N>,
    ) -> Result<(), nn::Error> {
        self.0 += 1;
        Ok(())
    }
}

#[test]
fn validation_split_keeps_floor_of_the_training_share_as_keras() {
    // Keras 3 trains on the first floor(n · (1 − split)) samples: 175 of 200 at 0.1234.
    let x: Vec<f32> = (0..400).map(|i| (i % 5) as f32).collect();
    let y: Vec<f32> = (0..200).map(|i| (i % 3) as f32).collect();
    let data = Dataset::<f32, 2, 1>::from_slices(&x, &y).unwrap();
    let mut model = Model::new(
        Three::seeded(0),
        Adam::default(),
        SparseCategoricalCrossentropy::default(),
    );
    let fit = Fit {
        batch_size: 1,
        validation_split: Some(0.1234),
        ..silent()
    };
    let mut batches = Batches::default();
    model
        .fit_with_callbacks(&data, &fit, &mut [&mut batches])
        .unwrap();
    assert_eq!(batches.0, 175);
}

#[test]
fn a_batch_size_beyond_the_data_is_one_batch() {
    for batch_size in [1 << 40, usize::MAX] {
        let mut model = Model::new(
            Three::seeded(0),
            Adam::default(),
            SparseCategoricalCrossentropy::default(),
        );
        let fit = Fit {
            batch_size,
            ..silent()
        };
        let mut batches = Batches::default();
        let history = model
            .fit_with_callbacks(&data(), &fit, &mut [&mut batches])
            .unwrap();
        assert_eq!(batches.0, 1);
        assert!(history.get("loss").unwrap()[0].is_finite());
    }
}

#[test]
fn adamw_decays_its_weights_and_has_keras_name() {
    assert_eq!(AdamW::<f64>::NAME, "adamw");
    assert_eq!(AdamW::new(1e-3).adam.regulation.weight_decay, Some(0.004));
    // With zero gradients, Adam leaves the weights alone and AdamW shrinks them.
    let (mut plain, mut decayed) = (Three::<f64>::seeded(1), Three::<f64>::seeded(1));
    let mut grads = Three::<f64>::zeros();
    nn::OptimizerState::new().step(&Adam::new(0.1), &mut plain, &mut grads);
    nn::OptimizerState::new().step(&AdamW::new(0.1), &mut decayed, &mut grads);
    let original = Three::<f64>::seeded(1);
    assert_eq!(plain.dense.kernel, original.dense.kernel);
    let expected = original.dense.kernel[(0, 0)] * (1.0 - 0.004 * 0.1);
    assert!((decayed.dense.kernel[(0, 0)] - expected).abs() < 1e-15);
}

#[test]
fn model_predict_checks_its_inputs() {
    let model = Model::new(
        Three::seeded(0),
        Adam::default(),
        SparseCategoricalCrossentropy::default(),
    );
    let mut x = Batch::<f32, 2>::repeat_generic(Const::<2>, Dyn(3), 0.5);
    assert_eq!(model.predict(&x).unwrap().ncols(), 3);
    x[(0, 2)] = f32::INFINITY;
    let error = model.predict(&x).unwrap_err().to_string();
    assert!(error.contains("input 0 of sample 2 is inf"), "{error}");
}

/// An initializer of a user's own that fills vectors only.
#[derive(Clone, Debug)]
struct VectorsOnly;

impl nn::Initializer for VectorsOnly {
    const NAME: &'static str = "vectors_only";

    fn fill<T: nn::Float, R: nn::rand::Rng + ?Sized>(&self, _: &[usize], out: &mut [T], _: &mut R) {
        out.fill(T::of(0.5));
    }

    fn check_shape(&self, shape: &[usize]) -> Result<(), nn::ShapeError> {
        if shape.len() == 1 {
            Ok(())
        } else {
            Err("it fills vectors only".into())
        }
    }
}

#[test]
fn an_initializer_that_does_not_apply_fails_with_its_reason() {
    let mut rng = <nn::rand::rngs::StdRng as nn::rand::SeedableRng>::seed_from_u64(0);
    // On the bias, a vector, it applies.
    let layer: Dense<f32, 2, 3> = Dense::init(Linear, &GlorotUniform, &VectorsOnly, &mut rng);
    assert_eq!(layer.bias.as_slice(), [0.5; 3]);
    // On the kernel, a matrix, it does not: the message names it, the tensor and the reason.
    let outcome = std::panic::catch_unwind(|| {
        let mut rng = <nn::rand::rngs::StdRng as nn::rand::SeedableRng>::seed_from_u64(0);
        let _: Dense<f32, 2, 3> = Dense::init(Linear, &VectorsOnly, &Zeros, &mut rng);
    });
    let message = outcome.unwrap_err();
    let message = message.downcast_ref::<String>().unwrap();
    assert_eq!(
        message,
        "initializer `vectors_only` cannot fill the kernel of shape [2, 3]: it fills vectors only"
    );
    // Identity on a 4-D kernel (which `network!` refuses to compile) says why, too.
    let window = nn::Window::new((4, 4, 1), (3, 3), (1, 1), nn::Padding::Valid).unwrap();
    let outcome = std::panic::catch_unwind(|| {
        let mut rng = <nn::rand::rngs::StdRng as nn::rand::SeedableRng>::seed_from_u64(0);
        nn::Conv2D::<f32, 16, 8, 2, 9>::init(window, Linear, &Identity::default(), &Zeros, &mut rng)
    });
    let message = outcome.unwrap_err();
    let message = message.downcast_ref::<String>().unwrap();
    assert!(message.contains("2-D matrices only"), "{message}");
}
