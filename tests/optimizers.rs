//! Every optimizer, clipping mode and schedule against Keras's formulas computed by hand (an
//! independent implementation of the reference's formulas, in double precision), over several
//! steps.

use nn::optimizers::Regulation;
use nn::prelude::*;
use nn::{
    Adagrad, Adam, AdamW, CosineDecay, ExponentialDecay, InverseTimeDecay, LearningRate, Optimizer,
    OptimizerState, PiecewiseConstantDecay, PolynomialDecay, RmsProp, Sgd,
};

network! {
    /// Three parameters: the kernel `[w₀, w₁]` and the bias `b`.
    struct Tiny = Dense<2, 1>;
    /// The same with a frozen first layer.
    struct Frozen = Dense<2, 1, trainable = false>, Dense<1, 1>;
}

/// The gradients the reference feeds at step `t`.
fn gradients(t: usize) -> [f64; 3] {
    let t = t as f64;
    [0.1 * t - 0.2, 0.3 + 0.05 * t, -0.05 * t + 0.01]
}

fn flat(net: &Tiny<f64>) -> Vec<f64> {
    net.params().flat_map(|(_, p)| p.values.to_vec()).collect()
}

/// Runs four steps from `[0.5, −0.3, 0.1]` and compares with the reference's result.
fn check<O: Optimizer>(optimizer: O, expected: [f64; 3]) {
    let mut net = Tiny::<f64>::zeros();
    net.dense.kernel.copy_from_slice(&[0.5, -0.3]);
    net.dense.bias[0] = 0.1;
    let mut state = OptimizerState::new();
    for t in 0..4 {
        let mut grads = Tiny::<f64>::zeros();
        let g = gradients(t);
        grads.dense.kernel.copy_from_slice(&g[..2]);
        grads.dense.bias[0] = g[2];
        state.step(&optimizer, &mut net, &mut grads);
    }
    assert_eq!(state.iterations, 4);
    let found = flat(&net);
    for (f, e) in found.iter().zip(expected) {
        assert!(
            (f - e).abs() < 1e-12,
            "{}: found {found:?}, expected {expected:?}",
            O::NAME
        );
    }
}

#[test]
fn sgd_plain_momentum_and_nesterov() {
    check(Sgd::default(), [0.502, -0.315, 0.1026]);
    check(
        Sgd::new(0.1).momentum(0.9),
        [0.5858800000000001, -0.6190199999999999, 0.138501],
    );
    check(
        Sgd::new(0.1).momentum(0.9).nesterov(true),
        [0.597292, -0.7371179999999999, 0.1606509],
    );
}

#[test]
fn adam_amsgrad_and_adamw() {
    check(
        Adam::default(),
        [0.502953891591679, -0.3040103663787413, 0.10115489753796197],
    );
    check(
        Adam::new(0.01).amsgrad(true),
        [
            0.5295353122298004,
            -0.34010366378741314,
            0.11154897537961973,
        ],
    );
    check(
        AdamW::new(0.01),
        [0.5294566868384438, -0.3400532646613012, 0.11153342401141837],
    );
}

#[test]
fn rmsprop_and_adagrad() {
    check(
        RmsProp::default(),
        [0.503182025043643, -0.30976510318245165, 0.10546440116186322],
    );
    check(
        RmsProp::new(0.01).momentum(0.5).centered(true),
        [
            0.5760278368015523,
            -0.47245256971623684,
            0.17003647921114445,
        ],
    );
    check(
        Adagrad::new(0.1),
        [0.5542721174729935, -0.5443982783335737, 0.17546186954646853],
    );
}

#[test]
fn clipping_and_weight_decay() {
    check(
        Sgd::new(0.1).clipnorm(0.2),
        [0.512249817326079, -0.37539522604325243, 0.12600000000000003],
    );
    check(
        Sgd::new(0.1).global_clipnorm(0.2),
        [
            0.5123999062015802,
            -0.37394342306936074,
            0.11183230653749388,
        ],
    );
    check(
        Sgd::new(0.1).clipvalue(0.15),
        [0.515, -0.36000000000000004, 0.12600000000000003],
    );
    check(
        Sgd::new(0.1).weight_decay(0.01),
        [0.5179230679804999, -0.4486019237702999, 0.12558660060110002],
    );
}

#[test]
fn bad_settings_are_errors() {
    let both = Regulation {
        clipnorm: Some(1.0),
        global_clipnorm: Some(1.0),
        ..Default::default()
    };
    assert!(
        both.check()
            .unwrap_err()
            .to_string()
            .contains("only one of clipnorm and global_clipnorm")
    );
    let negative = Regulation {
        clipvalue: Some(-1.0),
        ..Default::default()
    };
    assert!(
        negative
            .check()
            .unwrap_err()
            .to_string()
            .contains("clipvalue")
    );
    assert!(Regulation::default().check().is_ok());
    let mut scheduled = Sgd::new(ExponentialDecay {
        initial_learning_rate: 0.1,
        decay_steps: 10,
        decay_rate: 0.5,
        staircase: false,
    });
    assert!(scheduled.set_learning_rate(0.01).is_err());
    let mut constant = Sgd::new(0.1);
    constant.set_learning_rate(0.01).unwrap();
    assert_eq!(constant.learning_rate(0), 0.01);
    assert!(PiecewiseConstantDecay::new(vec![10, 20], vec![1.0]).is_err());
    assert!(PiecewiseConstantDecay::new(vec![20, 10], vec![1.0, 0.5, 0.1]).is_err());
}

#[test]
fn frozen_layers_are_not_updated() {
    let mut net = Frozen::<f64>::seeded(1);
    let before = net.clone();
    let mut grads = Frozen::<f64>::zeros();
    grads.visit_params_mut(|_, p| p.values.fill(1.0));
    let optimizer = Sgd::new(0.1).global_clipnorm(0.5);
    let mut state = OptimizerState::new();
    state.step(&optimizer, &mut net, &mut grads);
    assert_eq!(net.dense.kernel, before.dense.kernel);
    assert_eq!(net.dense.bias, before.dense.bias);
    // Only the two trainable gradients (each 1) enter the global norm √2.
    let step = 0.1 * 0.5 / 2f64.sqrt();
    assert!((net.dense_1.bias[0] - (before.dense_1.bias[0] - step)).abs() < 1e-15);
}

#[test]
fn schedules_follow_keras() {
    let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-15, "{a} vs {b}");
    let exp = ExponentialDecay {
        initial_learning_rate: 0.1,
        decay_steps: 10,
        decay_rate: 0.5,
        staircase: false,
    };
    close(exp.at(0), 0.1);
    close(exp.at(5), 0.1 * 0.5f64.powf(0.5));
    close(
        ExponentialDecay {
            staircase: true,
            ..exp
        }
        .at(15),
        0.05,
    );
    let inv = InverseTimeDecay {
        initial_learning_rate: 0.1,
        decay_steps: 10,
        decay_rate: 0.5,
        staircase: false,
    };
    close(inv.at(5), 0.1 / 1.25);
    close(
        InverseTimeDecay {
            staircase: true,
            ..inv
        }
        .at(15),
        0.1 / 1.5,
    );
    let piecewise = PiecewiseConstantDecay::new(vec![10, 20], vec![1.0, 0.5, 0.1]).unwrap();
    assert_eq!(
        [0, 10, 11, 20, 21].map(|s| piecewise.at(s)),
        [1.0, 1.0, 0.5, 0.5, 0.1]
    );
    let poly = PolynomialDecay::new(0.1, 10);
    close(poly.at(5), (0.1 - 1e-4) * 0.5 + 1e-4);
    close(poly.at(50), 1e-4);
    let squared = PolynomialDecay {
        power: 2.0,
        cycle: true,
        ..poly
    };
    close(
        squared.at(15),
        (0.1 - 1e-4) * (1.0 - 15.0 / 20.0f64).powi(2) + 1e-4,
    );
    let cosine = CosineDecay::new(0.1, 100);
    close(cosine.at(0), 0.1);
    close(cosine.at(50), 0.05);
    close(cosine.at(200), 0.0);
    let floor = CosineDecay {
        alpha: 0.1,
        ..cosine
    };
    close(floor.at(100), 0.01);
    let warm = CosineDecay {
        warmup_target: Some(0.2),
        warmup_steps: 10,
        ..cosine
    };
    close(warm.at(5), 0.15);
    close(warm.at(10), 0.2);
    close(warm.at(60), 0.1);
}

#[test]
fn the_first_step_uses_the_schedule_at_zero() {
    let schedule = PiecewiseConstantDecay::new(vec![0], vec![1.0, 0.0]).unwrap();
    let optimizer = Sgd::new(schedule);
    let mut net = Tiny::<f64>::zeros();
    let mut state = OptimizerState::new();
    let mut grads = Tiny::<f64>::zeros();
    grads.dense.bias[0] = 1.0;
    state.step(&optimizer, &mut net, &mut grads);
    assert_eq!(net.dense.bias[0], -1.0, "step 0 uses lr 1");
    state.step(&optimizer, &mut net, &mut grads);
    assert_eq!(net.dense.bias[0], -1.0, "step 1 uses lr 0");
}

/// Runs `steps` steps of `optimizer` on `Tiny` from fixed weights with the reference gradients,
/// then `after` more with the optimizer changed by `change`; returns the weights and the state.
fn run_changed<O: Optimizer>(
    mut optimizer: O,
    steps: usize,
    change: impl FnOnce(&mut O),
    after: usize,
) -> (Vec<f64>, OptimizerState<f64>) {
    let mut net = Tiny::<f64>::zeros();
    net.dense.kernel.copy_from_slice(&[0.5, -0.3]);
    net.dense.bias[0] = 0.1;
    let mut state = OptimizerState::new();
    let mut change = Some(change);
    for t in 0..steps + after {
        if t == steps {
            (change.take().unwrap())(&mut optimizer);
        }
        let mut grads = Tiny::<f64>::zeros();
        let g = gradients(t);
        grads.dense.kernel.copy_from_slice(&g[..2]);
        grads.dense.bias[0] = g[2];
        state.step(&optimizer, &mut net, &mut grads);
    }
    (flat(&net), state)
}

#[test]
fn settings_changed_between_steps_take_effect() {
    // Turned on before the first step, a setting behaves exactly as if given at construction.
    let (late, state) = run_changed(Adam::new(0.1), 0, |a| a.amsgrad = true, 4);
    let (built, _) = run_changed(Adam::new(0.1).amsgrad(true), 0, |_| {}, 4);
    assert_eq!(late, built);
    let names: Vec<&str> = state.slots.iter().map(|s| s.name).collect();
    assert_eq!(names, ["momentum", "velocity", "velocity_hat"]);

    // Turned on mid-way, its slot starts at zero (as Keras builds it) and then holds the
    // running maximum of the velocity.
    let (_, state) = run_changed(Adam::new(0.1), 2, |a| a.amsgrad = true, 2);
    let (velocity, maximum) = (
        state.slot("velocity").unwrap(),
        state.slot("velocity_hat").unwrap(),
    );
    assert_eq!(maximum.values.len(), 3);
    for (v, m) in velocity.values.iter().zip(&maximum.values) {
        assert!(*m > 0.0 && m >= v, "velocity {v}, maximum {m}");
    }

    // SGD momentum added later makes its slot; RmsProp made centered later does not panic and
    // matches a run centered from the start.
    let (momentum, state) = run_changed(Sgd::new(0.1), 0, |s| s.momentum = 0.9, 4);
    let (built, _) = run_changed(Sgd::new(0.1).momentum(0.9), 0, |_| {}, 4);
    assert_eq!(momentum, built);
    assert_eq!(state.slots.len(), 1);
    let (centered, _) = run_changed(RmsProp::new(0.01), 0, |r| r.centered = true, 3);
    let (built, _) = run_changed(RmsProp::new(0.01).centered(true), 0, |_| {}, 3);
    assert_eq!(centered, built);
    let (_, state) = run_changed(
        RmsProp::new(0.01).centered(true).momentum(0.5),
        2,
        |r| {
            r.centered = false;
            r.momentum = 0.0;
        },
        2,
    );
    let names: Vec<&str> = state.slots.iter().map(|s| s.name).collect();
    assert_eq!(names, ["velocity"], "slots no longer named are dropped");
}
