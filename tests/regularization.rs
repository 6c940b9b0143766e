//! Regularizers and constraints declared in `network!`: penalties enter the logged loss as Keras
//! adds them (no 0.5 factor, not divided by the batch size; activity penalties divided by it),
//! their gradients enter the update, constraints apply after each step, frozen layers take no part.

use nn::data::Dataset;
use nn::prelude::*;
use nn::{Constraint, Regularizer};

network! {
    struct Penalized = Dense<2, 1,
        kernel_regularizer = L2(0.1),
        bias_regularizer = L1(0.5),
        activity_regularizer = L1(0.01)>;
    struct Constrained = Dense<3, 4, Relu, kernel_constraint = MaxNorm(0.5), bias_constraint = NonNeg>, Dense<4, 1>;
    struct Frozen = Dense<2, 2, trainable = false, kernel_regularizer = L2>, Dense<2, 1, kernel_regularizer = L1L2(0.1, 0.2)>;
    struct Defaults = Dense<2, 2, kernel_regularizer = L1, bias_regularizer = L2, activity_regularizer = L1L2,
        kernel_constraint = MinMaxNorm, bias_constraint = UnitNorm>;
}

fn silent<'a, const I: usize, const K: usize>() -> Fit<'a, f64, I, K> {
    Fit {
        epochs: 1,
        batch_size: 2,
        shuffle: false,
        verbose: Verbosity::Silent,
        ..Fit::default()
    }
}

#[test]
fn penalties_enter_the_loss_and_the_update_as_keras_adds_them() {
    let mut net = Penalized::<f64>::zeros();
    net.dense.kernel.copy_from_slice(&[0.5, -0.3]);
    net.dense.bias[0] = 0.1;
    let data =
        Dataset::<f64, 2, 1>::from_rows(&[[1.0, 2.0], [3.0, -1.0]], &[[1.0], [0.0]]).unwrap();
    let mut model = Model::new(net, Sgd::new(0.1), MeanSquaredError);
    let history = model.fit(&data, &silent()).unwrap();
    assert!((history.get("loss").unwrap()[0] - 2.3985).abs() < 1e-12);
    let w = model.network.dense.kernel.as_slice();
    assert!(
        (w[0] - 0.018000000000000016).abs() < 1e-12 && (w[1] - 0.09550000000000008).abs() < 1e-12,
        "{w:?}"
    );
    assert!((model.network.dense.bias[0] + 0.04100000000000001).abs() < 1e-12);
}

#[test]
fn evaluate_includes_the_penalties() {
    let mut net = Penalized::<f64>::zeros();
    net.dense.kernel.copy_from_slice(&[0.5, -0.3]);
    net.dense.bias[0] = 0.1;
    let data =
        Dataset::<f64, 2, 1>::from_rows(&[[1.0, 2.0], [3.0, -1.0]], &[[1.0], [0.0]]).unwrap();
    let mut model = Model::new(net, Sgd::new(0.1), MeanSquaredError);
    let loss = model.evaluate(&data).unwrap()[0].1;
    assert!((loss - 2.3985).abs() < 1e-12, "{loss}");
}

#[test]
fn constraints_apply_after_each_step() {
    let x: Vec<f64> = (0..60).map(|i| (i as f64 * 0.7).sin() * 3.0).collect();
    let y: Vec<f64> = (0..20).map(|i| i as f64).collect();
    let data = Dataset::<f64, 3, 1>::from_slices(&x, &y).unwrap();
    let mut model = Model::new(
        Constrained::<f64>::seeded(1),
        Sgd::new(0.05),
        MeanSquaredError,
    );
    model
        .fit(
            &data,
            &Fit {
                epochs: 3,
                ..silent()
            },
        )
        .unwrap();
    let kernel = &model.network.dense.kernel;
    for unit in 0..4 {
        let norm = kernel.row(unit).norm();
        assert!(norm <= 0.5 + 1e-9, "unit {unit}: norm {norm}");
    }
    assert!(model.network.dense.bias.iter().all(|&b| b >= 0.0));
}

#[test]
fn frozen_layers_are_neither_penalized_nor_updated() {
    let net = Frozen::<f64>::seeded(2);
    let before = net.dense.kernel;
    let data =
        Dataset::<f64, 2, 1>::from_rows(&[[1.0, 2.0], [3.0, -1.0]], &[[1.0], [0.0]]).unwrap();
    let mut plain = Model::new(net.clone(), Sgd::new(0.0), MeanSquaredError);
    let loss = plain.evaluate(&data).unwrap()[0].1;
    let expected_penalty = Regularizer::L1L2(0.1, 0.2).penalty(net.dense_1.kernel.as_slice());
    let mse = {
        let y = net.predict_batch(data.x());
        (y - data.y()).map(|e| e * e).sum() / 2.0
    };
    assert!((loss - (mse + expected_penalty)).abs() < 1e-12);
    let mut model = Model::new(net, Sgd::new(0.1), MeanSquaredError);
    model.fit(&data, &silent()).unwrap();
    assert_eq!(model.network.dense.kernel, before);
}

#[test]
fn omitted_arguments_take_keras_defaults() {
    let net = Defaults::<f64>::zeros();
    assert_eq!(net.dense.kernel_regularizer, Regularizer::L1(0.01));
    assert_eq!(net.dense.bias_regularizer, Regularizer::L2(0.01));
    assert_eq!(net.dense.activity_regularizer, Regularizer::L1L2(0.0, 0.0));
    assert_eq!(
        net.dense.kernel_constraint,
        Constraint::MinMaxNorm(0.0, 1.0, 1.0)
    );
    assert_eq!(net.dense.bias_constraint, Constraint::UnitNorm);
}

network! {
    struct ConvPenalized = Input<4, 4, 1>, Conv2D<2, (2, 2), kernel_regularizer = L2(0.1), bias_regularizer = L1(0.2),
        kernel_constraint = MaxNorm(0.3), bias_constraint = NonNeg>, Flatten, Dense<18, 1>;
}

#[test]
fn conv2d_takes_regularizers_and_constraints_as_dense_does() {
    let net = ConvPenalized::<f64>::seeded(3);
    let data = Dataset::<f64, 16, 1>::from_slices(&[0.5; 32], &[1.0, -1.0]).unwrap();
    let mut model = Model::new(net.clone(), Sgd::new(0.0), MeanSquaredError);
    let loss = model.evaluate(&data).unwrap()[0].1;
    let mse = (net.predict_batch(data.x()) - data.y())
        .map(|e| e * e)
        .sum()
        / 2.0;
    let penalty = Regularizer::L2(0.1).penalty(net.conv2d.kernel.as_slice())
        + Regularizer::L1(0.2).penalty(net.conv2d.bias.as_slice());
    assert!((loss - (mse + penalty)).abs() < 1e-12);
    let mut model = Model::new(net, Sgd::new(0.5), MeanSquaredError);
    model
        .fit(
            &data,
            &Fit {
                epochs: 2,
                ..silent()
            },
        )
        .unwrap();
    // Norms along Keras's axis 0 (the kernel rows): the kernel is (2, 2, 1, 2) row-major.
    let k = model.network.conv2d.kernel.as_slice();
    for column in 0..4 {
        let norm = (k[column] * k[column] + k[column + 4] * k[column + 4]).sqrt();
        assert!(norm <= 0.3 + 1e-9, "{norm}");
    }
    assert!(model.network.conv2d.bias.iter().all(|&b| b >= 0.0));
}
