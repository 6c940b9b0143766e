//! Forward values against Keras's formulas (computed independently in double precision), the
//! behaviour at extreme inputs, and gradients against central finite differences.

use super::*;

/// Keras's spot points.
const XS: [f64; 4] = [-4.0, -1.0, 0.5, 4.0];

fn apply<A: Activation>(activation: &A, xs: &[f64]) -> Vec<f64> {
    let mut v = xs.to_vec();
    activation.forward(&mut v);
    v
}

fn apply_f32<A: Activation>(activation: &A, xs: &[f64]) -> Vec<f32> {
    let mut v: Vec<f32> = xs.iter().map(|&x| x as f32).collect();
    activation.forward(&mut v);
    v
}

fn assert_close(found: &[f64], expected: &[f64], tolerance: f64, what: &str) {
    for (f, e) in found.iter().zip(expected) {
        assert!(
            (f - e).abs() <= tolerance * e.abs().max(1.0),
            "{what}: found {found:?}, expected {expected:?}"
        );
    }
}

macro_rules! check_values {
    ($($activation:expr => $expected:expr),* $(,)?) => {{
        $(
            let activation = $activation;
            let expected: [f64; 4] = $expected;
            assert_close(&apply(&activation, &XS), &expected, 1e-12, stringify!($activation));
            let single: Vec<f64> = apply_f32(&activation, &XS).iter().map(|&v| f64::from(v)).collect();
            assert_close(&single, &expected, 2e-6, concat!(stringify!($activation), " (f32)"));
        )*
    }};
}

#[test]
fn elementwise_values_match_keras_formulas() {
    check_values! {
        Linear => [-4.0, -1.0, 0.5, 4.0],
        Relu => [0.0, 0.0, 0.5, 4.0],
        Relu6 => [0.0, 0.0, 0.5, 4.0],
        LeakyRelu::default() => [-0.8, -0.2, 0.5, 4.0],
        LeakyRelu::new(0.3) => [-1.2, -0.3, 0.5, 4.0],
        Elu::default() => [-0.9816843611112658, -0.6321205588285577, 0.5, 4.0],
        Selu => [-1.7258986281898945, -1.1113307378125625, 0.5253504936777402, 4.202803949421922],
        Gelu => [-0.00012668496733247991, -0.15865525393145707, 0.34573123063700656, 3.9998733150326675],
        GeluApprox => [-7.024594819227126e-05, -0.15880800939172324, 0.34571400982514394, 3.9999297540518075],
        Sigmoid => [0.017986209962091555, 0.2689414213699951, 0.6224593312018546, 0.9820137900379085],
        HardSigmoid => [0.0, 0.33333333333333337, 0.5833333333333334, 1.0],
        Silu => [-0.07194483984836622, -0.2689414213699951, 0.3112296656009273, 3.928055160151634],
        HardSilu => [0.0, -0.33333333333333337, 0.2916666666666667, 4.0],
        Softplus => [0.018149927917809738, 0.31326168751822286, 0.9740769841801067, 4.0181499279178094],
        Softsign => [-0.8, -0.5, 0.3333333333333333, 0.8],
        Mish => [-0.07259174079202535, -0.30340146137410895, 0.3752452113048951, 3.9974128069762385],
        Tanh => [-0.999329299739067, -0.7615941559557649, 0.46211715726000974, 0.999329299739067],
        Exponential => [0.01831563888873418, 0.36787944117144233, 1.6487212707001282, 54.598150033144236],
    }
    // The values the reference quotes from Keras itself.
    assert_close(&apply(&Gelu, &[-1.0]), &[-0.1586553], 1e-7, "gelu(-1)");
    assert_close(&apply(&Selu, &[-1.0]), &[-1.1113307], 1e-7, "selu(-1)");
    assert_close(
        &apply(&HardSigmoid, &XS),
        &[0.0, 0.33333, 0.58333, 1.0],
        1e-5,
        "hard_sigmoid",
    );
}

#[test]
fn softmax_and_log_softmax_match_their_definitions() {
    let z = [1.0, 2.0, 3.0, -1.0];
    let exps: Vec<f64> = z.iter().map(|v: &f64| v.exp()).collect();
    let sum: f64 = exps.iter().sum();
    let expected: Vec<f64> = exps.iter().map(|e| e / sum).collect();
    assert_close(&apply(&Softmax, &z), &expected, 1e-14, "softmax");
    let logs: Vec<f64> = expected.iter().map(|p| p.ln()).collect();
    assert_close(&apply(&LogSoftmax, &z), &logs, 1e-14, "log_softmax");
}

#[test]
fn extreme_inputs_neither_overflow_nor_produce_nan() {
    let extreme = [-1000.0, -100.0, 100.0, 1000.0];
    for (name, values) in [
        ("sigmoid", apply(&Sigmoid, &extreme)),
        ("softplus", apply(&Softplus, &extreme)),
        ("silu", apply(&Silu, &extreme)),
        ("mish", apply(&Mish, &extreme)),
        ("gelu", apply(&Gelu, &extreme)),
        ("gelu approx", apply(&GeluApprox, &extreme)),
        ("elu", apply(&Elu::default(), &extreme)),
        ("selu", apply(&Selu, &extreme)),
        ("tanh", apply(&Tanh, &extreme)),
        ("softsign", apply(&Softsign, &extreme)),
    ] {
        assert!(values.iter().all(|v| v.is_finite()), "{name}: {values:?}");
    }
    assert_eq!(
        apply(&Sigmoid, &extreme),
        [0.0, 3.720075976020836e-44, 1.0, 1.0]
    );
    assert_eq!(apply(&Softplus, &[-1000.0, 1000.0]), [0.0, 1000.0]);
    assert_eq!(apply(&Mish, &[1000.0]), [1000.0]);
    let f32_sigmoid = apply_f32(&Sigmoid, &extreme);
    assert_eq!(
        [f32_sigmoid[0], f32_sigmoid[2], f32_sigmoid[3]],
        [0.0, 1.0, 1.0]
    );
    assert!(f32_sigmoid[1] >= 0.0 && f32_sigmoid[1] < 1e-40);

    let softmax = apply(&Softmax, &[1000.0, 0.0, -1000.0]);
    assert_eq!(softmax, [1.0, 0.0, 0.0]);
    let softmax32 = apply_f32(&Softmax, &[1000.0, 999.0, -1000.0]);
    assert!(softmax32.iter().all(|v| v.is_finite()));
    assert!((softmax32[0] - 0.731_058_6).abs() < 1e-6);
    let log_softmax = apply(&LogSoftmax, &[1000.0, 0.0]);
    assert_eq!(log_softmax, [0.0, -1000.0]);
}

/// Points away from every kink (0, ±3, 6), on both sides of each.
const GRAD_POINTS: [f64; 8] = [-7.1, -3.4, -2.3, -0.7, 0.4, 1.9, 4.6, 7.3];

/// The largest relative error between `backward` and central differences of `g · f(z)`.
fn gradient_error<A: Activation>(activation: &A, z: &[f64]) -> f64 {
    let upstream: Vec<f64> = (0..z.len())
        .map(|i| 0.3 + 0.17 * i as f64 - 0.05 * (i * i) as f64)
        .collect();
    let loss = |z: &[f64]| -> f64 {
        apply(activation, z)
            .iter()
            .zip(&upstream)
            .map(|(y, g)| y * g)
            .sum()
    };
    let y = apply(activation, z);
    let mut analytic = upstream.clone();
    activation.backward(z, &y, &mut analytic);
    let h = 1e-5;
    let mut worst: f64 = 0.0;
    for i in 0..z.len() {
        let (mut plus, mut minus) = (z.to_vec(), z.to_vec());
        plus[i] += h;
        minus[i] -= h;
        let numeric = (loss(&plus) - loss(&minus)) / (2.0 * h);
        let error = (analytic[i] - numeric).abs() / (analytic[i].abs() + numeric.abs()).max(1e-3);
        worst = worst.max(error);
    }
    worst
}

macro_rules! check_gradients {
    ($($activation:expr),* $(,)?) => {{
        $(
            let error = gradient_error(&$activation, &GRAD_POINTS);
            assert!(error < 1e-6, "{}: relative error {error:e}", stringify!($activation));
        )*
    }};
}

#[test]
fn every_activation_gradient_matches_finite_differences() {
    check_gradients![
        Linear,
        Relu,
        Relu6,
        LeakyRelu::default(),
        Elu::default(),
        Elu::new(0.5),
        Selu,
        Gelu,
        GeluApprox,
        Sigmoid,
        HardSigmoid,
        Silu,
        HardSilu,
        Softplus,
        Softsign,
        Mish,
        Tanh,
        Softmax,
        LogSoftmax,
    ];
    // The exponential grows too fast for the wide range; check it on a narrower one.
    let narrow = [-2.0, -0.5, 0.3, 1.7];
    let error = gradient_error(&Exponential, &narrow);
    assert!(error < 1e-6, "exponential: relative error {error:e}");
}
