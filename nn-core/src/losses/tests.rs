//! Loss values against Keras's formulas computed independently (in double precision, by hand),
//! gradients against central differences, and the fused softmax/sigmoid path against the chain
//! rule through the activation.

use super::*;
use crate::{Activation, Sigmoid, Softmax};
use nalgebra::{Const, Dyn};

fn batch<const N: usize>(columns: &[[f64; N]]) -> Batch<f64, N> {
    Batch::from_iterator_generic(
        Const::<N>,
        Dyn(columns.len()),
        columns.iter().flatten().copied(),
    )
}

fn per_sample_values<L: Loss<f64, Const<O>, Const<K>>, const O: usize, const K: usize>(
    loss: &L,
    p: &Batch<f64, O>,
    y: &Batch<f64, K>,
    logits: bool,
) -> Vec<f64> {
    (0..p.ncols())
        .map(|i| {
            let p = p.columns(i, 1).into_owned();
            let y = y.columns(i, 1).into_owned();
            loss.evaluate(&p, logits, &y, None, 1.0, None)
        })
        .collect()
}

fn assert_close(found: &[f64], expected: &[f64], tolerance: f64) {
    assert_eq!(found.len(), expected.len());
    for (f, e) in found.iter().zip(expected) {
        assert!(
            (f - e).abs() <= tolerance * e.abs().max(1.0),
            "found {found:?}, expected {expected:?}"
        );
    }
}

#[test]
fn categorical_crossentropy_matches_keras() {
    let p = batch(&[[0.7, 0.2, 0.1], [0.05, 0.05, 0.9]]);
    let y = batch(&[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]);
    let plain = CategoricalCrossentropy::default();
    assert_close(
        &per_sample_values(&plain, &p, &y, false),
        &[0.3566749439387323, 2.995732273553991],
        1e-12,
    );
    let smooth = CategoricalCrossentropy {
        label_smoothing: 0.1,
        ..plain
    };
    assert_close(
        &per_sample_values(&smooth, &p, &y, false),
        &[0.4632973811904217, 2.8993865482907855],
        1e-12,
    );
    // Renormalization and clipping.
    let value =
        |p: [f64; 3], y: [f64; 3]| per_sample_values(&plain, &batch(&[p]), &batch(&[y]), false)[0];
    assert!((value([2.0, 1.0, 1.0], [0.0, 0.0, 1.0]) - 1.3862943611198906).abs() < 1e-12);
    assert!((value([1.0, 0.0, 0.0], [0.0, 1.0, 0.0]) - 16.11809565095832).abs() < 1e-9);
    // Logits.
    let x = batch(&[[2.0, -1.0, 0.5], [-3.0, 4.0, 1.0]]);
    let logits = CategoricalCrossentropy {
        from_logits: true,
        ..plain
    };
    assert_close(
        &per_sample_values(&logits, &x, &y, false),
        &[0.24131129665715703, 0.04945560969564572],
        1e-12,
    );
    // Sparse labels give the same values.
    let labels = batch(&[[0.0], [1.0]]);
    let sparse = SparseCategoricalCrossentropy::default();
    assert_close(
        &per_sample_values(&sparse, &p, &labels, false),
        &[0.3566749439387323, 2.995732273553991],
        1e-12,
    );
    let sparse_logits = SparseCategoricalCrossentropy { from_logits: true };
    assert_close(
        &per_sample_values(&sparse_logits, &x, &labels, false),
        &[0.24131129665715703, 0.04945560969564572],
        1e-12,
    );
}

#[test]
fn binary_crossentropy_matches_keras() {
    let p = batch(&[[0.9, 0.2], [0.0, 1.0]]);
    let y = batch(&[[1.0, 0.0], [1.0, 1.0]]);
    let plain = BinaryCrossentropy::default();
    assert_close(
        &per_sample_values(&plain, &p, &y, false),
        &[0.164252033486018, 8.059047875479163],
        1e-9,
    );
    let smooth = BinaryCrossentropy {
        label_smoothing: 0.2,
        ..plain
    };
    assert_close(
        &per_sample_values(&smooth, &p, &y, false),
        &[0.3434279804088235, 8.059047875505481],
        1e-9,
    );
    let x = batch(&[[3.0, -2.0], [-40.0, 50.0]]);
    let logits = BinaryCrossentropy {
        from_logits: true,
        ..plain
    };
    assert_close(
        &per_sample_values(&logits, &x, &y, false),
        &[0.08775768130835727, 20.0],
        1e-12,
    );
}

#[test]
fn regression_losses_match_keras() {
    let p = batch(&[[1.0, 2.0], [0.5, -3.0]]);
    let y = batch(&[[1.5, 0.0], [2.0, -1.0]]);
    assert_close(
        &per_sample_values(&MeanSquaredError, &p, &y, false),
        &[2.125, 3.125],
        1e-15,
    );
    assert_close(
        &per_sample_values(&MeanAbsoluteError, &p, &y, false),
        &[1.25, 1.75],
        1e-15,
    );
    assert_close(
        &per_sample_values(&Huber::default(), &p, &y, false),
        &[0.8125, 1.25],
        1e-15,
    );
}

#[test]
fn sample_weights_multiply_and_are_not_normalized() {
    let p = batch(&[[1.0, 2.0], [0.5, -3.0]]);
    let y = batch(&[[1.5, 0.0], [2.0, -1.0]]);
    let total = MeanSquaredError.evaluate(&p, false, &y, Some(&[2.0, 0.5]), 1.0, None);
    assert!((total - (2.0 * 2.125 + 0.5 * 3.125)).abs() < 1e-12);
}

/// `scale · ∂(Σ wᵢ Lᵢ)/∂prediction` against central differences.
fn check_gradient<L: Loss<f64, Const<O>, Const<K>>, const O: usize, const K: usize>(
    loss: &L,
    p: &Batch<f64, O>,
    y: &Batch<f64, K>,
    logits: bool,
) {
    let weights = [0.7, 1.3, 1.0][..p.ncols()].to_vec();
    let scale = 0.25;
    let mut grad = Batch::<f64, O>::zeros_generic(Const::<O>, Dyn(0));
    loss.evaluate(p, logits, y, Some(&weights), scale, Some(&mut grad));
    let h = 1e-6;
    for i in 0..p.len() {
        let (mut plus, mut minus) = (p.clone(), p.clone());
        plus[i] += h;
        minus[i] -= h;
        let numeric = scale
            * (loss.evaluate(&plus, logits, y, Some(&weights), 1.0, None)
                - loss.evaluate(&minus, logits, y, Some(&weights), 1.0, None))
            / (2.0 * h);
        assert!(
            (grad[i] - numeric).abs() < 1e-6 * numeric.abs().max(1.0),
            "{}: element {i}: {} vs {numeric}",
            L::NAME,
            grad[i]
        );
    }
}

#[test]
fn gradients_match_finite_differences() {
    let p3 = batch(&[[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.25, 0.25, 0.5]]);
    let y3 = batch(&[[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.2, 0.3, 0.5]]);
    let x3 = batch(&[[1.0, -2.0, 0.3], [0.0, 3.0, -1.0], [2.0, 2.0, -0.5]]);
    check_gradient(&CategoricalCrossentropy::default(), &p3, &y3, false);
    check_gradient(
        &CategoricalCrossentropy {
            label_smoothing: 0.1,
            ..Default::default()
        },
        &p3,
        &y3,
        false,
    );
    check_gradient(
        &CategoricalCrossentropy {
            from_logits: true,
            ..Default::default()
        },
        &x3,
        &y3,
        false,
    );
    let labels = batch(&[[0.0], [2.0], [1.0]]);
    check_gradient(
        &SparseCategoricalCrossentropy::default(),
        &p3,
        &labels,
        false,
    );
    check_gradient(
        &SparseCategoricalCrossentropy { from_logits: true },
        &x3,
        &labels,
        false,
    );
    let p2 = batch(&[[0.9, 0.2], [0.4, 0.7], [0.5, 0.05]]);
    let y2 = batch(&[[1.0, 0.0], [1.0, 1.0], [0.0, 0.3]]);
    check_gradient(&BinaryCrossentropy::default(), &p2, &y2, false);
    check_gradient(
        &BinaryCrossentropy {
            label_smoothing: 0.2,
            ..Default::default()
        },
        &p2,
        &y2,
        false,
    );
    let x2 = batch(&[[1.0, -2.0], [0.0, 3.0], [2.0, -0.5]]);
    check_gradient(
        &BinaryCrossentropy {
            from_logits: true,
            ..Default::default()
        },
        &x2,
        &y2,
        false,
    );
    check_gradient(&MeanSquaredError, &p2, &y2, false);
    check_gradient(&MeanAbsoluteError, &p2, &y2, false);
    check_gradient(&Huber { delta: 0.3 }, &p2, &y2, false);
}

#[test]
fn fused_paths_equal_the_chain_rule_through_the_activation() {
    let x = batch(&[[1.0, -2.0, 0.3], [0.0, 3.0, -1.0]]);
    let y = batch(&[[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]);
    let mut p = x.clone();
    for column in p.as_mut_slice().chunks_exact_mut(3) {
        Softmax.forward(column);
    }
    let cce = CategoricalCrossentropy::default();
    let mut fused = Batch::<f64, 3>::zeros_generic(Const::<3>, Dyn(0));
    let fused_loss = cce.evaluate(&x, true, &y, None, 1.0, Some(&mut fused));
    let mut through = Batch::<f64, 3>::zeros_generic(Const::<3>, Dyn(0));
    let loss = cce.evaluate(&p, false, &y, None, 1.0, Some(&mut through));
    for ((z, yv), g) in x
        .as_slice()
        .chunks_exact(3)
        .zip(p.as_slice().chunks_exact(3))
        .zip(through.as_mut_slice().chunks_exact_mut(3))
    {
        Softmax.backward(z, yv, g);
    }
    assert!((fused_loss - loss).abs() < 1e-12);
    assert!((fused - through).amax() < 1e-12);

    let xb = batch(&[[1.5, -0.5]]);
    let yb = batch(&[[1.0, 0.0]]);
    let mut pb = xb.clone();
    Sigmoid.forward(pb.as_mut_slice());
    let bce = BinaryCrossentropy::default();
    let mut fused = Batch::<f64, 2>::zeros_generic(Const::<2>, Dyn(0));
    let fused_loss = bce.evaluate(&xb, true, &yb, None, 1.0, Some(&mut fused));
    let mut through = Batch::<f64, 2>::zeros_generic(Const::<2>, Dyn(0));
    let loss = bce.evaluate(&pb, false, &yb, None, 1.0, Some(&mut through));
    Sigmoid.backward(xb.as_slice(), pb.as_slice(), through.as_mut_slice());
    assert!((fused_loss - loss).abs() < 1e-12);
    assert!((fused - through).amax() < 1e-12);
}
