//! Gradient checks (f64, central differences) and hand-computed forward values for the image
//! layers, through the `Layer` interface.

use nalgebra::{Const, Dyn, SVector};
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::*;
use crate::{
    Batch, GlorotUniform, Gru, Inline, Layer, Linear, Lstm, LstmState, Params, RandomNormal,
    SimpleRnn, Tanh, Train,
};

fn batch<const N: usize>(n: usize, seed: u64) -> Batch<f64, N> {
    let mut state = seed;
    Batch::<f64, N>::from_fn_generic(Const::<N>, Dyn(n), |_, _| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    })
}

fn relative_error(a: &[f64], n: &[f64]) -> f64 {
    let diff: f64 = a
        .iter()
        .zip(n)
        .map(|(a, n)| (a - n) * (a - n))
        .sum::<f64>()
        .sqrt();
    let scale: f64 =
        a.iter().map(|a| a * a).sum::<f64>().sqrt() + n.iter().map(|n| n * n).sum::<f64>().sqrt();
    diff / scale.max(1e-12)
}

/// [`check`] of each `layer, batch size;` (one line a case, which `rustfmt` leaves as it is).
macro_rules! check_all {
    ($($layer:expr, $n:expr;)*) => {
        $(check(&$layer, $n);)*
    };
}

/// Checks ∂L/∂x and ∂L/∂parameters of `L = Σ g ⊙ layer(x)` against central differences, and that
/// the batch, training and single-sample forward passes agree.
fn check<L: Params<f64> + Layer<f64, I, O> + Train<f64, I, O>, const I: usize, const O: usize>(
    layer: &L,
    n: usize,
) {
    check_at(layer, &batch::<I>(n, 1));
}

/// [`check`] at the inputs `x`. A layer that reads token ids has no input gradient: it must
/// give zeros there.
fn check_at<
    L: Params<f64> + Layer<f64, I, O> + Train<f64, I, O>,
    const I: usize,
    const O: usize,
>(
    layer: &L,
    x: &Batch<f64, I>,
) {
    let (x, n) = (x.clone(), x.ncols());
    let g = batch::<O>(n, 2);
    let mut rng = StdRng::seed_from_u64(0);
    let loss = |layer: &L, x: &Batch<f64, I>| {
        let (mut y, mut cache) = (
            Batch::<f64, O>::zeros_generic(Const::<O>, Dyn(0)),
            L::Cache::default(),
        );
        layer.forward_train(x, &mut y, &mut cache, true, &mut StdRng::seed_from_u64(0));
        y.component_mul(&g).sum()
    };
    let (mut y, mut cache) = (
        Batch::<f64, O>::zeros_generic(Const::<O>, Dyn(0)),
        L::Cache::default(),
    );
    layer.forward_train(&x, &mut y, &mut cache, true, &mut rng);
    let mut inferred = Batch::<f64, O>::zeros_generic(Const::<O>, Dyn(0));
    layer.forward_batch(&x, &mut inferred);
    let single: SVector<f64, O> = layer.forward(&x.column(0).into_owned());
    assert!(
        (single - inferred.column(0)).amax() < 1e-12,
        "single-sample and batch passes agree"
    );
    // Batch normalization trains on batch statistics and infers with moving ones.
    if L::KIND != "BatchNormalization" {
        assert!(
            (&inferred - &y).amax() < 1e-12,
            "batch and training passes agree"
        );
    }

    let mut dy = g.clone();
    let mut grad = layer.zeroed();
    let mut dx = Batch::<f64, I>::zeros_generic(Const::<I>, Dyn(0));
    layer.backward(&x, &y, &cache, &mut dy, &mut grad, Some(&mut dx));
    let h = 1e-5;
    if <L as Params<f64>>::TOKENS.is_some() {
        assert!(dx.iter().all(|&d| d == 0.0), "ids have no gradient");
    } else {
        let numeric: Vec<f64> = (0..x.len())
            .map(|i| {
                let (mut plus, mut minus) = (x.clone(), x.clone());
                plus[i] += h;
                minus[i] -= h;
                (loss(layer, &plus) - loss(layer, &minus)) / (2.0 * h)
            })
            .collect();
        let error = relative_error(dx.as_slice(), &numeric);
        assert!(error < 1e-6, "{}: input gradient error {error:e}", L::KIND);
    }
    let analytic: Vec<Vec<f64>> = grad.params().map(|p| p.values.to_vec()).collect();
    let trainable: Vec<bool> = layer.params().map(|p| p.trainable).collect();
    let statistics: Vec<bool> = layer
        .params()
        .map(|p| p.rules.moving_average.is_some())
        .collect();
    for (index, analytic) in analytic.iter().enumerate() {
        // A moving statistic's "gradient" is the batch's value it moves towards (checked in the
        // batch normalization tests).
        if statistics[index] {
            continue;
        }
        // Frozen tensors get no gradient by design.
        if !trainable[index] {
            assert!(analytic.iter().all(|&g| g == 0.0));
            continue;
        }
        let numeric: Vec<f64> = (0..analytic.len())
            .map(|k| {
                let nudged = |delta: f64| {
                    let mut layer = layer.clone();
                    layer.params_mut().nth(index).expect("same tensors").values[k] += delta;
                    loss(&layer, &x)
                };
                (nudged(h) - nudged(-h)) / (2.0 * h)
            })
            .collect();
        let error = relative_error(analytic, &numeric);
        assert!(
            error < 1e-6,
            "{}: parameter {index} gradient error {error:e}",
            L::KIND
        );
    }
}

fn conv<const IN: usize, const OUT: usize, const F: usize, const K: usize, const BIAS: bool>(
    image: (usize, usize, usize),
    kernel: (usize, usize),
    strides: (usize, usize),
    padding: Padding,
) -> Conv2D<f64, IN, OUT, F, K, Tanh, crate::Inline, BIAS> {
    let window = Window::new(image, kernel, strides, padding).expect("a valid geometry");
    let bias = RandomNormal::new(0.0, 0.3);
    Conv2D::init(
        window,
        Tanh,
        &GlorotUniform,
        &bias,
        &mut StdRng::seed_from_u64(3),
    )
    .expect("sizes agree")
}

#[test]
fn conv2d_gradients_with_strides_paddings_and_bias() {
    // 5×5×2 images, 3×3 kernels, 3 filters.
    check(
        &conv::<50, { 3 * 3 * 3 }, 3, 18, true>((5, 5, 2), (3, 3), (1, 1), Padding::Valid),
        2,
    );
    check(
        &conv::<50, { 5 * 5 * 3 }, 3, 18, true>((5, 5, 2), (3, 3), (1, 1), Padding::Same),
        2,
    );
    check(
        &conv::<50, { 2 * 2 * 3 }, 3, 18, false>((5, 5, 2), (3, 3), (2, 2), Padding::Valid),
        2,
    );
    check(
        &conv::<50, { 3 * 3 * 3 }, 3, 18, true>((5, 5, 2), (3, 3), (2, 2), Padding::Same),
        3,
    );
    // A 6×4 image, a 2×3 kernel, strides (2, 1), same padding (uneven padding).
    check(
        &conv::<24, { 3 * 4 * 2 }, 2, 6, true>((6, 4, 1), (2, 3), (2, 1), Padding::Same),
        2,
    );
}

fn conv1d<const IN: usize, const OUT: usize, const F: usize, const K: usize>(
    sequence: (usize, usize),
    (k, s, d): (usize, usize, usize),
    padding: Padding,
) -> Conv1D<f64, IN, OUT, F, K, Tanh> {
    let window = Window::sequence(sequence, k, s, d, padding).expect("a valid geometry");
    let bias = RandomNormal::new(0.0, 0.3);
    let mut rng = StdRng::seed_from_u64(4);
    Conv1D::init(window, Tanh, &GlorotUniform, &bias, &mut rng).expect("sizes agree")
}

#[test]
fn conv1d_gradients_with_every_padding_strides_and_dilation() {
    // 9 steps of 2 features, 3 taps, 2 filters.
    check(
        &conv1d::<18, { 7 * 2 }, 2, 6>((9, 2), (3, 1, 1), Padding::Valid),
        2,
    );
    check(
        &conv1d::<18, { 9 * 2 }, 2, 6>((9, 2), (3, 1, 1), Padding::Same),
        2,
    );
    check(
        &conv1d::<18, { 9 * 2 }, 2, 6>((9, 2), (3, 1, 1), Padding::Causal),
        2,
    );
    check(
        &conv1d::<18, { 5 * 2 }, 2, 6>((9, 2), (3, 1, 2), Padding::Valid),
        2,
    );
    check(
        &conv1d::<18, { 9 * 2 }, 2, 6>((9, 2), (3, 1, 3), Padding::Causal),
        2,
    );
    check(
        &conv1d::<18, { 9 * 2 }, 2, 6>((9, 2), (3, 1, 2), Padding::Same),
        2,
    );
    check(
        &conv1d::<18, { 3 * 2 }, 2, 6>((9, 2), (3, 3, 1), Padding::Causal),
        3,
    );
    check(
        &conv1d::<18, { 4 * 2 }, 2, 6>((9, 2), (3, 2, 1), Padding::Valid),
        2,
    );
    // Its Keras class and kernel shape are the 1-D ones.
    let layer = conv1d::<18, { 7 * 2 }, 2, 6>((9, 2), (3, 1, 1), Padding::Valid);
    assert_eq!(
        <Conv1D<f64, 18, 14, 2, 6, Tanh> as Params<f64>>::KIND,
        "Conv1D"
    );
    let shapes: Vec<Vec<usize>> = layer.params().map(|p| p.shape.to_vec()).collect();
    assert_eq!(shapes, [vec![3, 2, 2], vec![2]]);
}

#[test]
fn conv1d_causal_and_dilated_forward_by_hand() {
    // One feature, x = 1..=6, one filter of 2 taps [1, 10] two steps apart, causal: y[t] =
    // x[t − 2] + 10·x[t], with zeros before the start.
    let window = Window::sequence((6, 1), 2, 1, 2, Padding::Causal).unwrap();
    let mut layer = Conv1D::<f64, 6, 6, 1, 2, Linear>::zeros(window, Linear).unwrap();
    layer.kernel.as_mut_slice().copy_from_slice(&[1.0, 10.0]);
    let x = SVector::<f64, 6>::from_column_slice(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    assert_eq!(
        layer.forward(&x).as_slice(),
        [10.0, 20.0, 31.0, 42.0, 53.0, 64.0]
    );
    let mut y = Batch::<f64, 6>::zeros_generic(Const::<6>, Dyn(0));
    layer.forward_batch(
        &Batch::<f64, 6>::from_column_slice_generic(Const::<6>, Dyn(1), x.as_slice()),
        &mut y,
    );
    assert_eq!(y.as_slice(), [10.0, 20.0, 31.0, 42.0, 53.0, 64.0]);
}

#[test]
fn one_dimensional_pools_gradients() {
    let valid = Window::sequence((7, 2), 2, 2, 1, Padding::Valid).unwrap();
    check(&MaxPool1D::<14, 6>::new(valid).unwrap(), 3);
    check(&AvgPool1D::<14, 6>::new(valid).unwrap(), 3);
    let same = Window::sequence((7, 2), 3, 2, 1, Padding::Same).unwrap();
    check(&MaxPool1D::<14, 8>::new(same).unwrap(), 2);
    check(&AvgPool1D::<14, 8>::new(same).unwrap(), 2);
    check::<GlobalAvgPool1D, 12, 3>(&GlobalAvgPool1D, 3);
    check::<GlobalMaxPool1D, 12, 3>(&GlobalMaxPool1D, 3);
    assert_eq!(<MaxPool1D<14, 6> as Params<f64>>::KIND, "MaxPooling1D");
    // A 2-D window is not a 1-D pool's, nor a Conv1D's.
    let image = Window::new((7, 2, 1), (2, 2), (2, 2), Padding::Valid).unwrap();
    assert!(MaxPool1D::<14, 3>::new(image).is_err());
    assert!(Conv1D::<f64, 14, 3, 1, 4>::zeros(image, Linear).is_err());
    assert_eq!(
        <GlobalAvgPool1D as Params<f64>>::KIND,
        "GlobalAveragePooling1D"
    );
}

#[test]
fn embedding_gradients_add_up_per_token() {
    // 6 ids a sample from a vocabulary of 5, vectors of 3; token 4 never appears, token 1
    // several times.
    let mut layer = Embedding::<f64, 6, 18, 5, 3>::init(
        &RandomNormal::new(0.0, 0.5),
        &mut StdRng::seed_from_u64(5),
    );
    let ids = [1.0, 0.0, 1.0, 3.0, 2.0, 1.0, 2.0, 2.0, 0.0, 1.0, 3.0, 3.0];
    let x = Batch::<f64, 6>::from_column_slice_generic(Const::<6>, Dyn(2), &ids);
    check_at(&layer, &x);
    layer.trainable = false;
    check_at(&layer, &x);
    assert_eq!(
        <Embedding<f64, 6, 18, 5, 3> as Params<f64>>::KIND,
        "Embedding"
    );
    let shapes: Vec<Vec<usize>> = layer.params().map(|p| p.shape.to_vec()).collect();
    assert_eq!(shapes, [vec![5, 3]]);
}

#[test]
fn conv2d_forward_matches_keras_by_hand() {
    // A 3×3 single-channel image and one 2×2 filter, valid padding:
    // x = [[1, 2, 3], [4, 5, 6], [7, 8, 9]], k = [[1, 0], [0, -1]], b = 0.5.
    let window = Window::new((3, 3, 1), (2, 2), (1, 1), Padding::Valid).unwrap();
    let mut layer = Conv2D::<f64, 9, 4, 1, 4, Linear>::zeros(window, Linear).unwrap();
    // Keras's (kh, kw, c, f) kernel, row-major: [k00, k01, k10, k11].
    layer
        .kernel
        .as_mut_slice()
        .copy_from_slice(&[1.0, 0.0, 0.0, -1.0]);
    layer.bias[0] = 0.5;
    let x = SVector::<f64, 9>::from_column_slice(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
    // Each output: x[r][c] − x[r+1][c+1] + 0.5 = −4 + 0.5.
    assert_eq!(layer.forward(&x).as_slice(), [-3.5, -3.5, -3.5, -3.5]);
    // Same padding, stride 2: outputs at (0, 0) and (0, 2), (2, 0), (2, 2); the padding row and
    // column go below and right.
    let window = Window::new((3, 3, 1), (2, 2), (2, 2), Padding::Same).unwrap();
    let mut layer = Conv2D::<f64, 9, 4, 1, 4, Linear>::zeros(window, Linear).unwrap();
    layer
        .kernel
        .as_mut_slice()
        .copy_from_slice(&[1.0, 0.0, 0.0, -1.0]);
    assert_eq!(layer.forward(&x).as_slice(), [1.0 - 5.0, 3.0, 7.0, 9.0]);
    let mut y = Batch::<f64, 4>::zeros_generic(Const::<4>, Dyn(0));
    layer.forward_batch(
        &Batch::<f64, 9>::from_column_slice_generic(Const::<9>, Dyn(1), x.as_slice()),
        &mut y,
    );
    assert_eq!(y.as_slice(), [-4.0, 3.0, 7.0, 9.0]);
}

#[test]
fn conv2d_rejects_sizes_that_disagree_with_its_type() {
    let window = Window::new((3, 3, 1), (2, 2), (1, 1), Padding::Valid).unwrap();
    let error = Conv2D::<f64, 9, 5, 1, 4>::zeros(window, Linear)
        .unwrap_err()
        .to_string();
    assert!(error.contains("4 outputs"), "{error}");
}

#[test]
fn pools_flatten_and_global_average_gradients() {
    let valid = Window::new((4, 4, 2), (2, 2), (2, 2), Padding::Valid).unwrap();
    check(&MaxPool2D::<32, 8>::new(valid).unwrap(), 3);
    check(&AvgPool2D::<32, 8>::new(valid).unwrap(), 3);
    // 5×5 with a 2×2 pool and stride 2: same padding adds a row and a column at the end.
    let same = Window::new((5, 5, 2), (2, 2), (2, 2), Padding::Same).unwrap();
    check(&MaxPool2D::<50, 18>::new(same).unwrap(), 2);
    check(&AvgPool2D::<50, 18>::new(same).unwrap(), 2);
    let overlapping = Window::new((5, 5, 1), (3, 3), (1, 1), Padding::Valid).unwrap();
    check(&AvgPool2D::<25, 9>::new(overlapping).unwrap(), 2);
    check::<GlobalAvgPool2D, 12, 3>(&GlobalAvgPool2D, 3);
    check::<Flatten, 7, 7>(&Flatten, 2);
}

#[test]
fn pools_match_keras_by_hand() {
    // One channel, 3×3: [[1, 2, 3], [4, 5, 6], [7, 8, 9]], pool 2×2 stride 2 with same padding:
    // windows {1,2,4,5}, {3,6}, {7,8}, {9}; the average counts only values inside the image.
    let x = SVector::<f64, 9>::from_column_slice(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
    let same = Window::new((3, 3, 1), (2, 2), (2, 2), Padding::Same).unwrap();
    let max: SVector<f64, 4> = MaxPool2D::<9, 4>::new(same).unwrap().forward(&x);
    assert_eq!(max.as_slice(), [5.0, 6.0, 8.0, 9.0]);
    let average: SVector<f64, 4> = AvgPool2D::<9, 4>::new(same).unwrap().forward(&x);
    assert_eq!(average.as_slice(), [3.0, 4.5, 7.5, 9.0]);
    let global: SVector<f64, 1> = Layer::<f64, 9, 1>::forward(&GlobalAvgPool2D, &x);
    assert_eq!(global[0], 5.0);
    assert!(MaxPool2D::<9, 5>::new(same).is_err());
}

#[test]
fn batch_normalization_in_training_mode() {
    let mut layer = BatchNormalization::<f64, 12, 3>::new(0.99, 1e-3);
    layer.gamma.copy_from_slice(&[1.5, -0.5, 2.0]);
    layer.beta.copy_from_slice(&[0.1, 0.2, -0.3]);
    // A vector of 12 values seen as 4 positions of 3 channels (an image), and as 12 units.
    check(&layer, 3);
    check(&BatchNormalization::<f64, 4, 4>::new(0.9, 1e-3), 5);
    let mut frozen = layer.clone();
    frozen.trainable = false;
    frozen.moving_mean.copy_from_slice(&[0.1, -0.2, 0.3]);
    frozen.moving_variance.copy_from_slice(&[0.5, 2.0, 1.5]);
    check(&frozen, 2);
}

#[test]
fn layer_normalization_gradients() {
    let mut layer = LayerNormalization::<f64, 12, 3>::new(1e-3);
    layer.gamma.copy_from_slice(&[1.5, -0.5, 2.0]);
    layer.beta.copy_from_slice(&[0.1, 0.2, -0.3]);
    // 12 values seen as 4 positions of 3 channels (a sequence or an image), and as 4 units.
    check(&layer, 3);
    check(&LayerNormalization::<f64, 4, 4>::new(1e-3), 5);
    // Without a scale, without a shift, without both.
    let mut unscaled = LayerNormalization::<f64, 12, 3, Inline, true, false>::new(1e-3);
    unscaled.beta.copy_from_slice(&[0.1, 0.2, -0.3]);
    check(&unscaled, 2);
    let mut uncentered = LayerNormalization::<f64, 12, 3, Inline, false, true>::new(1e-3);
    uncentered.gamma.copy_from_slice(&[1.5, -0.5, 2.0]);
    check(&uncentered, 2);
    check(
        &LayerNormalization::<f64, 6, 6, Inline, false, false>::new(1e-3),
        2,
    );
    let mut frozen = layer.clone();
    frozen.trainable = false;
    check(&frozen, 2);
}

#[test]
fn lstm_gradients_through_time() {
    let mut rng = StdRng::seed_from_u64(3);
    // 4 steps of 3 features into 2 units: the last step, then every step.
    let mut last = Lstm::<f64, 12, 2, 3, 2, 8, false>::new(&mut rng);
    for (i, b) in last.bias.iter_mut().enumerate() {
        *b += 0.1 * (i as f64 - 3.5);
    }
    check(&last, 3);
    let every = Lstm::<f64, 12, 8, 3, 2, 8, true>::new(&mut rng);
    check(&every, 2);
    // One step; and a frozen layer.
    check(&Lstm::<f64, 3, 2, 3, 2, 8, false>::new(&mut rng), 2);
    let mut frozen = every.clone();
    frozen.trainable = false;
    check(&frozen, 2);
}

#[test]
fn gru_gradients_through_time() {
    let mut rng = StdRng::seed_from_u64(6);
    let mut last = Gru::<f64, 12, 2, 3, 2, 6, false>::new(&mut rng);
    // Both biases away from zero, so that each path of the gradient shows.
    for (i, b) in last.bias.iter_mut().enumerate() {
        *b = 0.1 * (i as f64 - 5.5);
    }
    check(&last, 3);
    let mut every = Gru::<f64, 12, 8, 3, 2, 6, true>::new(&mut rng);
    every.bias.copy_from(&last.bias);
    check(&every, 2);
    check(&Gru::<f64, 3, 2, 3, 2, 6, false>::new(&mut rng), 2);
    let mut frozen = every.clone();
    frozen.trainable = false;
    check(&frozen, 2);
}

#[test]
fn simple_rnn_gradients_through_time() {
    let mut rng = StdRng::seed_from_u64(8);
    let mut last = SimpleRnn::<f64, 12, 3, 4, 3, 3, false>::new(&mut rng);
    last.bias.copy_from_slice(&[0.2, -0.1, 0.05]);
    check(&last, 3);
    let every = SimpleRnn::<f64, 12, 9, 4, 3, 3, true>::new(&mut rng);
    check(&every, 2);
    let mut frozen = every.clone();
    frozen.trainable = false;
    check(&frozen, 2);
}

#[test]
fn recurrent_layers_going_backwards() {
    let mut rng = StdRng::seed_from_u64(9);
    // Gradients, every step and the last, for each cell.
    check(
        &Lstm::<f64, 12, 8, 3, 2, 8, true>::new(&mut rng).backwards(),
        2,
    );
    check(
        &Lstm::<f64, 12, 2, 3, 2, 8, false>::new(&mut rng).backwards(),
        3,
    );
    check(
        &Gru::<f64, 12, 8, 3, 2, 6, true>::new(&mut rng).backwards(),
        2,
    );
    check(
        &SimpleRnn::<f64, 12, 3, 4, 3, 3, false>::new(&mut rng).backwards(),
        2,
    );
    // Going backwards is going forwards over the reversed sequence, outputs in reading order.
    let forwards = Gru::<f64, 15, 10, 3, 2, 6, true>::new(&mut rng);
    let backwards = forwards.clone().backwards();
    let x = SVector::<f64, 15>::from_fn(|i, _| (i as f64 * 0.9).sin());
    let mut reversed = x;
    for (t, step) in x.as_slice().chunks_exact(3).rev().enumerate() {
        reversed.as_mut_slice()[t * 3..t * 3 + 3].copy_from_slice(step);
    }
    assert_eq!(backwards.forward(&x), forwards.forward(&reversed));
    let batch = |v: &SVector<f64, 15>| {
        Batch::<f64, 15>::from_column_slice_generic(Const::<15>, Dyn(1), v.as_slice())
    };
    let (mut a, mut b) = (
        Batch::<f64, 10>::zeros_generic(Const::<10>, Dyn(0)),
        Batch::<f64, 10>::zeros_generic(Const::<10>, Dyn(0)),
    );
    backwards.forward_batch(&batch(&x), &mut a);
    forwards.forward_batch(&batch(&reversed), &mut b);
    assert!((a - b).amax() < 1e-12);
}

#[test]
fn bidirectional_gradients_for_every_merge_mode() {
    use crate::Bidirectional;
    use crate::private::{Ave, Concat, GruCell, LstmCell, Mul, SimpleRnnCell, Sum};
    let mut rng = StdRng::seed_from_u64(10);
    // 4 steps of 3 features, 2 units a direction: every step, then the last.
    check(
        &Bidirectional::<f64, 12, 16, 8, 3, 2, 8, 1, true, LstmCell, Concat>::new(&mut rng),
        2,
    );
    check(
        &Bidirectional::<f64, 12, 4, 2, 3, 2, 8, 1, false, LstmCell, Concat>::new(&mut rng),
        3,
    );
    check(
        &Bidirectional::<f64, 12, 8, 8, 3, 2, 6, 2, true, GruCell, Sum>::new(&mut rng),
        2,
    );
    check(
        &Bidirectional::<f64, 12, 8, 8, 3, 2, 2, 1, true, SimpleRnnCell, Mul>::new(&mut rng),
        2,
    );
    check(
        &Bidirectional::<f64, 12, 2, 2, 3, 2, 6, 2, false, GruCell, Ave>::new(&mut rng),
        2,
    );
    // Frozen.
    let mut frozen =
        Bidirectional::<f64, 12, 16, 8, 3, 2, 8, 1, true, LstmCell, Concat>::new(&mut rng);
    frozen.forward.trainable = false;
    frozen.backward.trainable = false;
    check(&frozen, 2);
    // Step t merges the forward output at t with the backward layer's output at input step t.
    let layer = Bidirectional::<f64, 12, 16, 8, 3, 2, 8, 1, true, LstmCell, Concat>::new(&mut rng);
    let x = SVector::<f64, 12>::from_fn(|i, _| (i as f64 * 0.4).cos());
    let (y, a, b) = (
        layer.forward(&x),
        layer.forward.forward(&x),
        layer.backward.forward(&x),
    );
    for t in 0..4 {
        assert_eq!(
            &y.as_slice()[t * 4..t * 4 + 2],
            &a.as_slice()[t * 2..t * 2 + 2]
        );
        let back = 3 - t;
        assert_eq!(
            &y.as_slice()[t * 4 + 2..t * 4 + 4],
            &b.as_slice()[back * 2..back * 2 + 2]
        );
    }
    let names: Vec<_> = layer.params().map(|p| p.key().to_string()).collect();
    assert_eq!(
        names,
        [
            "forward_kernel",
            "forward_recurrent_kernel",
            "forward_bias",
            "backward_kernel",
            "backward_recurrent_kernel",
            "backward_bias"
        ]
    );
    assert_eq!(layer.params().next().map(|p| p.name), Some("kernel"));
    assert_eq!(
        layer.params().last().map(|p| p.path.segments().to_vec()),
        Some(vec!["backward"])
    );
}

#[test]
fn lstm_steps_one_at_a_time_as_over_the_sequence() {
    let lstm = Lstm::<f64, 12, 8, 3, 2, 8, true>::new(&mut StdRng::seed_from_u64(4));
    let x = SVector::<f64, 12>::from_fn(|i, _| (i as f64 * 0.7).cos());
    let whole = lstm.forward(&x);
    let mut state = LstmState::default();
    for (t, step) in x.as_slice().chunks_exact(3).enumerate() {
        let h = lstm.step(&mut state, &SVector::<f64, 3>::from_column_slice(step));
        assert_eq!(h.as_slice(), &whole.as_slice()[t * 2..t * 2 + 2]);
    }
    // Keras's initial bias: ones for the forget gate only.
    assert_eq!(
        Lstm::<f64, 12, 2, 3, 2, 8, false>::new(&mut StdRng::seed_from_u64(5))
            .bias
            .as_slice(),
        [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0]
    );
}

#[test]
fn layer_normalization_matches_keras_by_hand() {
    // Two positions of two channels: [1, 3] has mean 2 and biased variance 1; [2, 6] mean 4,
    // variance 4; ε = 1e-3; γ = [2, 0.5], β = [1, -1].
    let mut layer = LayerNormalization::<f64, 4, 2>::new(1e-3);
    layer.gamma.copy_from_slice(&[2.0, 0.5]);
    layer.beta.copy_from_slice(&[1.0, -1.0]);
    let y = layer.forward(&SVector::<f64, 4>::from([1.0, 3.0, 2.0, 6.0]));
    let (a, b) = (1.0 / (1.0f64 + 1e-3).sqrt(), 2.0 / (4.0f64 + 1e-3).sqrt());
    let expected = [-2.0 * a + 1.0, 0.5 * a - 1.0, -2.0 * b + 1.0, 0.5 * b - 1.0];
    for (found, want) in y.iter().zip(expected) {
        assert!((found - want).abs() < 1e-12, "{found} against {want}");
    }
    // Keras's weights are only those its flags ask for.
    let both: Vec<_> = layer.params().map(|p| p.name).collect();
    assert_eq!(both, ["gamma", "beta"]);
    let shift = LayerNormalization::<f64, 4, 2, Inline, true, false>::new(1e-3);
    assert_eq!(shift.params().map(|p| p.name).collect::<Vec<_>>(), ["beta"]);
    assert_eq!(
        <LayerNormalization<f64, 4, 2, Inline, true, false> as Params<f64>>::PARAMS,
        2
    );
}

#[test]
fn batch_normalization_matches_keras_by_hand() {
    // One channel, batch [1, 2, 3, 6]: mean 3, biased variance 3.5, ε = 1e-3.
    let mut layer = BatchNormalization::<f64, 1, 1>::new(0.99, 1e-3);
    layer.gamma[0] = 2.0;
    layer.beta[0] = 1.0;
    let x = Batch::<f64, 1>::from_column_slice_generic(Const::<1>, Dyn(4), &[1.0, 2.0, 3.0, 6.0]);
    let (mut y, mut cache) = (
        Batch::<f64, 1>::zeros_generic(Const::<1>, Dyn(0)),
        Default::default(),
    );
    layer.forward_train(&x, &mut y, &mut cache, true, &mut StdRng::seed_from_u64(0));
    let std = (3.5f64 + 1e-3).sqrt();
    for (found, v) in y.iter().zip([1.0, 2.0, 3.0, 6.0]) {
        assert!((found - (2.0 * (v - 3.0) / std + 1.0)).abs() < 1e-12);
    }
    // The backward pass hands the batch's statistics to the step, which moves the moving
    // statistics towards them (Keras's `moving = moving · momentum + batch · (1 − momentum)`).
    let mut grad = layer.zeroed();
    let mut dy = Batch::<f64, 1>::zeros_generic(Const::<1>, Dyn(4));
    layer.backward(&x, &y, &cache, &mut dy, &mut grad, None);
    assert_eq!((grad.moving_mean[0], grad.moving_variance[0]), (3.0, 3.5));
    let rules: Vec<_> = layer.params().map(|p| p.rules.moving_average).collect();
    assert_eq!(rules, [None, None, Some(0.99), Some(0.99)]);
    let grads: Vec<Vec<f64>> = grad.params().map(|p| p.values.to_vec()).collect();
    for (p, g) in layer.params_mut().zip(grads) {
        if let Some(momentum) = p.rules.moving_average {
            p.values[0] = p.values[0] * momentum + g[0] * (1.0 - momentum);
        }
    }
    assert!((layer.moving_mean[0] - 0.03).abs() < 1e-12);
    assert!((layer.moving_variance[0] - (0.99 + 0.01 * 3.5)).abs() < 1e-12);
    // Inference uses the moving statistics.
    let y: SVector<f64, 1> = layer.forward(&SVector::<f64, 1>::new(1.0));
    let expected = 2.0 * (1.0 - 0.03) / (layer.moving_variance[0] + 1e-3).sqrt() + 1.0;
    assert!((y[0] - expected).abs() < 1e-12);
}

#[test]
fn standalone_activation_layers() {
    check::<ActivationLayer<crate::Elu, 3>, 12, 12>(
        &ActivationLayer::new(crate::Elu::default()),
        2,
    );
    check::<ActivationLayer<crate::Softmax, 3>, 12, 12>(&ActivationLayer::new(crate::Softmax), 2);
    // Softmax over the channels of each position.
    let layer = ActivationLayer::<crate::Softmax, 2>::new(crate::Softmax);
    let y: SVector<f64, 4> =
        Layer::<f64, 4, 4>::forward(&layer, &SVector::<f64, 4>::new(0.0, 0.0, 1.0, 1.0));
    assert_eq!(y.as_slice(), [0.5, 0.5, 0.5, 0.5]);
}

#[test]
fn global_max_pool_gradients_and_values() {
    // 3 × 2 images with 2 channels; random values have no ties.
    check::<_, 12, 2>(&GlobalMaxPool2D, 3);
    let x = Batch::<f64, 4>::from_column_slice_generic(Const::<4>, Dyn(1), &[1.0, -5.0, 3.0, -4.0]);
    let mut y = Batch::<f64, 2>::zeros_generic(Const::<2>, Dyn(0));
    Layer::<f64, 4, 2>::forward_batch(&GlobalMaxPool2D, &x, &mut y);
    assert_eq!(y.as_slice(), [3.0, -4.0]);
}

#[test]
fn prelu_gradients_for_vectors_and_images() {
    let mut layer = PRelu::<f64, 6>::zeros(AlphaShape::Vector).unwrap();
    // Away from zero, where the slope changes.
    layer
        .alpha
        .copy_from_slice(&[0.1, -0.2, 0.3, 0.5, 1.5, 0.0]);
    check(&layer, 3);
    let mut image = PRelu::<f64, 12>::zeros(AlphaShape::Image(2, 3, 2)).unwrap();
    image
        .alpha
        .iter_mut()
        .enumerate()
        .for_each(|(i, a)| *a = 0.05 * i as f64);
    check(&image, 2);
    assert_eq!(image.params().next().unwrap().shape, [2, 3, 2]);
    // Keras's default alpha is zero: a fresh layer is a ReLU.
    let fresh = PRelu::<f64, 2>::zeros(AlphaShape::Vector).unwrap();
    let y = fresh.forward(&SVector::<f64, 2>::new(-1.0, 2.0));
    assert_eq!(y.as_slice(), [0.0, 2.0]);
    assert!(PRelu::<f64, 2>::zeros(AlphaShape::Image(1, 1, 3)).is_err());
    let drawn = PRelu::<f64, 12>::init(
        AlphaShape::Image(2, 3, 2),
        &crate::Constant::new(0.25),
        &mut StdRng::seed_from_u64(0),
    )
    .unwrap();
    assert!(drawn.alpha.iter().all(|&a| a == 0.25));
}

/// An empty batch (a `predict` of no samples) goes through every recurrent layer, forwards and
/// backwards, as it goes through the other layers: no step `t > 0` of no columns is sliced.
#[test]
fn recurrent_layers_take_an_empty_batch() {
    fn empty<
        L: Params<f64> + Layer<f64, I, O> + Train<f64, I, O>,
        const I: usize,
        const O: usize,
    >(
        layer: &L,
    ) {
        let x = batch::<I>(0, 1);
        let mut y = Batch::<f64, O>::zeros_generic(Const::<O>, Dyn(3));
        layer.forward_batch(&x, &mut y);
        assert_eq!(y.ncols(), 0);
        let mut cache = L::Cache::default();
        layer.forward_train(&x, &mut y, &mut cache, true, &mut StdRng::seed_from_u64(0));
        assert_eq!(y.ncols(), 0);
        let (mut dy, mut grad) = (y.clone(), layer.zeroed());
        let mut dx = Batch::<f64, I>::zeros_generic(Const::<I>, Dyn(2));
        layer.backward(&x, &y, &cache, &mut dy, &mut grad, Some(&mut dx));
        assert_eq!(dx.ncols(), 0);
        assert!(grad.params().all(|p| p.values.iter().all(|&g| g == 0.0)));
    }
    let mut rng = StdRng::seed_from_u64(10);
    // Four steps, so that the products of steps 1 to 3 are asked for.
    empty(&Lstm::<f64, 12, 2, 3, 2, 8, false>::new(&mut rng));
    empty(&Lstm::<f64, 12, 8, 3, 2, 8, true>::new(&mut rng).backwards());
    empty(&Gru::<f64, 12, 8, 3, 2, 6, true>::new(&mut rng));
    empty(&Gru::<f64, 12, 2, 3, 2, 6, false>::new(&mut rng).backwards());
    empty(&SimpleRnn::<f64, 12, 3, 4, 3, 3, false>::new(&mut rng));
}

#[test]
fn nested_paths_join_with_one_rule() {
    use crate::layer::{Key, Path};
    let key = |path: Path, name| Key { path, name }.to_string();
    assert_eq!(key(Path::ROOT, "kernel"), "kernel");
    assert_eq!(key(Path::ROOT.within("forward"), "bias"), "forward_bias");
    let deep = Path::ROOT.within("forward").within("block");
    assert_eq!(deep.segments(), ["block", "forward"]);
    assert_eq!(
        key(deep, "recurrent_kernel"),
        "block_forward_recurrent_kernel"
    );
}

/// A depthwise layer of `D` dimensions over `window`, with random kernels and bias.
fn depthwise<
    const IN: usize,
    const OUT: usize,
    const CM: usize,
    const TAPS: usize,
    const BIAS: bool,
    const D: usize,
>(
    window: Option<Window>,
) -> DepthwiseConv<f64, IN, OUT, CM, TAPS, Tanh, crate::Inline, BIAS, D> {
    let window = window.expect("a valid geometry");
    let bias = RandomNormal::new(0.0, 0.3);
    let mut rng = StdRng::seed_from_u64(5);
    DepthwiseConv::init(window, Tanh, &GlorotUniform, &bias, &mut rng).expect("sizes agree")
}

#[test]
fn depthwise_conv1d_gradients_with_strides_paddings_multipliers_and_bias() {
    let w = Window::sequence;
    // 7 steps of 2 channels; multipliers 1, 2 and 3.
    let (valid, same) = (Padding::Valid, Padding::Same);
    check_all! {
        depthwise::<14, 10, 2, 3, true, 1>(w((7, 2), 3, 1, 1, valid)), 2;
        depthwise::<14, 28, 4, 3, true, 1>(w((7, 2), 3, 1, 1, same)), 2;
        // Strides with an even window (Keras's uneven same padding), no bias.
        depthwise::<14, 16, 4, 4, false, 1>(w((7, 2), 4, 2, 1, same)), 2;
        // Dilated taps with strides (Keras 3 allows both here), and dilated with same padding.
        depthwise::<14, 12, 6, 2, true, 1>(w((7, 2), 2, 2, 3, valid)), 3;
        depthwise::<14, 14, 2, 3, true, 1>(w((7, 2), 3, 1, 2, same)), 2;
        // A window longer than the sequence, with same padding.
        depthwise::<6, 6, 2, 5, true, 1>(w((3, 2), 5, 1, 1, same)), 2;
    }
}

#[test]
fn depthwise_conv1d_forward_is_keras_s_formula_on_its_keras_kernel() {
    // 9 steps of 4 channels, 3 taps 2 steps apart, stride 2, same padding, multiplier 2:
    // y[t, c·2 + m] = tanh(bias + Σ_i x[2t + 2i − pad, c] · kernel[i, c, m]), the kernel read in
    // Keras's row-major `(k, C, M)` order from the layer's parameters.
    let layer =
        depthwise::<36, 40, 8, 3, true, 1>(Window::sequence((9, 4), 3, 2, 2, Padding::Same));
    let tensors: Vec<_> = layer.params().collect();
    assert_eq!(
        (tensors[0].shape, tensors[1].shape),
        (&[3, 4, 2][..], &[8][..])
    );
    let (kernel, bias) = (tensors[0].values, tensors[1].values);
    // Keras's same padding: (out − 1)·stride + span − steps = 4·2 + 5 − 9 = 4, half before.
    let pad: usize = 2;
    let x = batch::<36>(1, 9).column(0).into_owned();
    let y = layer.forward(&x);
    for t in 0..5_usize {
        for (c, m) in (0..4).flat_map(|c| (0..2).map(move |m| (c, m))) {
            let mut z = bias[c * 2 + m];
            for i in 0..3 {
                if let Some(step) = (2 * t + 2 * i).checked_sub(pad).filter(|&s| s < 9) {
                    z += x[step * 4 + c] * kernel[(i * 4 + c) * 2 + m];
                }
            }
            assert!(
                (y[t * 8 + c * 2 + m] - z.tanh()).abs() < 1e-12,
                "step {t}, {c}, {m}"
            );
        }
    }
}

#[test]
fn depthwise_conv1d_needs_a_window_over_a_sequence() {
    // The sizes of a 3 × 3 image of two channels and a 2 × 2 window fit either dimension's
    // const parameters; only the 2-D layer takes that window.
    let window = Window::new((3, 3, 2), (2, 2), (1, 1), Padding::Valid).expect("valid");
    assert!(DepthwiseConv2D::<f64, 18, 8, 2, 4>::zeros(window, Linear).is_ok());
    let error = DepthwiseConv1D::<f64, 18, 8, 2, 4>::zeros(window, Linear).unwrap_err();
    assert!(error.to_string().contains("over a sequence"), "{error}");
    let error = SeparableConv1D::<f64, 18, 8, 12, 2, 4, 3>::zeros(window, Linear).unwrap_err();
    assert!(error.to_string().contains("SeparableConv1D"), "{error}");
    let window = Window::sequence((3, 2), 2, 1, 1, Padding::Valid).expect("valid");
    let layer = DepthwiseConv1D::<f64, 6, 4, 2, 2>::zeros(window, Linear).unwrap();
    assert_eq!(layer.window(), window, "the window as given, not as run");
}

#[test]
fn depthwise_conv2d_gradients_with_strides_paddings_multipliers_and_bias() {
    let w = Window::dilated;
    // 5×5×2 images, 3×3 windows; depth multipliers 1 and 2.
    let (one, none, same) = ((1, 1), Padding::Valid, Padding::Same);
    check_all! {
        depthwise::<50, { 3 * 3 * 2 }, 2, 9, true, 2>(w((5, 5, 2), (3, 3), one, one, none)), 2;
        depthwise::<50, { 5 * 5 * 4 }, 4, 9, true, 2>(w((5, 5, 2), (3, 3), one, one, same)), 2;
        depthwise::<50, { 2 * 2 * 4 }, 4, 9, false, 2>(w((5, 5, 2), (3, 3), (2, 2), one, none)), 2;
        depthwise::<50, { 3 * 3 * 4 }, 4, 9, true, 2>(w((5, 5, 2), (3, 3), (2, 2), one, same)), 3;
        // A 6×4 image, a 2×3 window, strides (2, 1), same padding (uneven), multiplier 3.
        depthwise::<24, { 3 * 4 * 3 }, 3, 6, true, 2>(w((6, 4, 1), (2, 3), (2, 1), one, same)), 2;
        // Windows wider than the image with same padding: some taps beside it for every output.
        depthwise::<6, { 3 * 2 * 2 }, 2, 15, true, 2>(w((3, 2, 1), (3, 5), one, one, same)), 2;
        depthwise::<3, 3, 1, 7, true, 2>(w((3, 1, 1), (1, 7), one, one, same)), 2;
        depthwise::<6, 6, 1, 4, false, 2>(w((3, 2, 1), (1, 4), one, (1, 3), same)), 2;
        // Dilated taps, valid and same padding, and with strides (Keras 3 allows both here).
        depthwise::<50, { 2 * 2 * 4 }, 4, 6, true, 2>(w((5, 5, 2), (2, 3), (2, 2), (2, 1), none)), 2;
        depthwise::<50, { 3 * 3 * 2 }, 2, 6, true, 2>(w((5, 5, 2), (2, 3), one, (2, 1), none)), 2;
        depthwise::<50, { 5 * 5 * 2 }, 2, 9, false, 2>(w((5, 5, 2), (3, 3), one, (2, 2), same)), 2;
    }
}

#[test]
fn depthwise_conv2d_forward_matches_a_convolution_per_channel() {
    // Channel c's kernel m is a one-filter Conv2D over channel c alone.
    let (image, kernel, strides) = ((5, 4, 3), (3, 2), (2, 1));
    let window = Window::dilated(image, kernel, strides, (1, 1), Padding::Same);
    let layer = depthwise::<60, { 3 * 4 * 6 }, 6, 6, true, 2>(window);
    let x = batch::<60>(1, 7);
    let y = layer.forward(&x.column(0).into_owned());
    let window = Window::new((5, 4, 1), kernel, strides, Padding::Same).expect("valid");
    for c in 0..3 {
        let channel: Vec<f64> = x.iter().skip(c).step_by(3).copied().collect();
        for m in 0..2 {
            let mut conv = Conv2D::<f64, 20, 12, 1, 6, Tanh>::zeros(window, Tanh).unwrap();
            for tap in 0..6 {
                conv.weights.kernel[(0, tap)] = layer.depthwise_kernel[(c * 2 + m, tap)];
            }
            conv.weights.bias[0] = layer.bias[c * 2 + m];
            let expected = conv.forward(&SVector::from_column_slice(&channel));
            for (p, &e) in expected.iter().enumerate() {
                assert!((y[p * 6 + c * 2 + m] - e).abs() < 1e-12);
            }
        }
    }
}

#[test]
fn depthwise_conv2d_rejects_sizes_that_disagree_with_its_type() {
    let window = Window::new((3, 3, 2), (2, 2), (1, 1), Padding::Valid).expect("valid");
    assert!(DepthwiseConv2D::<f64, 18, 8, 2, 4>::zeros(window, Linear).is_ok());
    // 3 kernels a tap is no multiple of 2 channels; 4 outputs is not 2 × 2 × 2.
    assert!(DepthwiseConv2D::<f64, 18, 12, 3, 4>::zeros(window, Linear).is_err());
    assert!(DepthwiseConv2D::<f64, 18, 4, 2, 4>::zeros(window, Linear).is_err());
}

/// A separable layer of `D` dimensions over `window`, with random kernels and bias.
#[allow(clippy::type_complexity)]
fn separable<
    const IN: usize,
    const MID: usize,
    const OUT: usize,
    const CM: usize,
    const TAPS: usize,
    const F: usize,
    const BIAS: bool,
    const D: usize,
>(
    window: Option<Window>,
) -> SeparableConv<f64, IN, MID, OUT, CM, TAPS, F, Tanh, crate::Inline, BIAS, D> {
    let window = window.expect("a valid geometry");
    let bias = RandomNormal::new(0.0, 0.3);
    let mut rng = StdRng::seed_from_u64(6);
    SeparableConv::init(
        window,
        Tanh,
        &GlorotUniform,
        &GlorotUniform,
        &bias,
        &mut rng,
    )
    .expect("sizes agree")
}

#[test]
fn separable_conv1d_gradients_with_strides_paddings_multipliers_and_bias() {
    let w = Window::sequence;
    let (valid, same) = (Padding::Valid, Padding::Same);
    // 7 steps of 2 channels, 3 filters; multipliers 1 and 2.
    check_all! {
        separable::<14, 10, 15, 2, 3, 3, true, 1>(w((7, 2), 3, 1, 1, valid)), 2;
        separable::<14, 28, 21, 4, 3, 3, false, 1>(w((7, 2), 3, 1, 1, same)), 2;
        // Strides with an even window and same padding; dilated taps with strides.
        separable::<14, 16, 8, 4, 4, 2, true, 1>(w((7, 2), 4, 2, 1, same)), 3;
        separable::<14, 8, 8, 4, 2, 4, true, 1>(w((7, 2), 2, 2, 3, valid)), 2;
    }
}

#[test]
fn separable_conv1d_is_depthwise_conv1d_then_the_pointwise_kernel_at_each_step() {
    let window = Window::sequence((9, 2), 3, 2, 1, Padding::Same).expect("valid");
    let layer = separable::<18, 20, 20, 4, 3, 4, true, 1>(Some(window));
    // Keras's shapes: `(k, C, M)`, `(1, C·M, F)`, `(F,)`.
    let shapes: Vec<&[usize]> = layer.params().map(|p| p.shape).collect();
    assert_eq!(shapes, [&[3, 2, 2][..], &[1, 4, 4], &[4]]);
    let mut depthwise = DepthwiseConv1D::<f64, 18, 20, 4, 3>::zeros(window, Linear).unwrap();
    depthwise.depthwise_kernel = layer.depthwise_kernel;
    let x = batch::<18>(1, 10).column(0).into_owned();
    // The 5 steps of 4 depthwise outputs, mixed by the `F × C·M` pointwise kernel, step by step.
    let d = depthwise.forward(&x);
    let steps = nalgebra::SMatrix::<f64, 4, 5>::from_column_slice(d.as_slice());
    let mut z = layer.pointwise_kernel * steps;
    for mut step in z.column_iter_mut() {
        step += layer.bias;
    }
    let y = layer.forward(&x);
    assert!(
        y.iter()
            .zip(z.iter())
            .all(|(y, z)| (y - z.tanh()).abs() < 1e-12)
    );
}

#[test]
fn separable_conv2d_gradients_with_strides_paddings_multipliers_and_bias() {
    let w = Window::dilated;
    let (one, none, same) = ((1, 1), Padding::Valid, Padding::Same);
    // 5×5×2 images, 3×3 windows, 3 filters; depth multipliers 1 and 2.
    check_all! {
        separable::<50, 18, 27, 2, 9, 3, true, 2>(w((5, 5, 2), (3, 3), one, one, none)), 2;
        separable::<50, 100, 75, 4, 9, 3, false, 2>(w((5, 5, 2), (3, 3), one, one, same)), 2;
        separable::<50, 36, 27, 4, 9, 3, true, 2>(w((5, 5, 2), (3, 3), (2, 2), one, same)), 3;
        // An uneven window, strides and dilation together.
        separable::<50, 16, 8, 4, 6, 2, true, 2>(w((5, 5, 2), (2, 3), (2, 2), (2, 1), none)), 2;
    }
}

#[test]
fn separable_conv2d_is_a_depthwise_then_a_pointwise_convolution() {
    let window = Window::new((5, 4, 3), (3, 2), (2, 1), Padding::Same).expect("valid");
    let layer = separable::<60, 72, 48, 6, 6, 4, true, 2>(Some(window));
    let mut depthwise = DepthwiseConv2D::<f64, 60, 72, 6, 6>::zeros(window, Linear).unwrap();
    depthwise.depthwise_kernel = layer.depthwise_kernel;
    let pointwise_window = Window::new((3, 4, 6), (1, 1), (1, 1), Padding::Valid).expect("valid");
    let mut pointwise = Conv2D::<f64, 72, 48, 4, 6, Tanh>::zeros(pointwise_window, Tanh).unwrap();
    pointwise.weights.kernel = layer.pointwise_kernel;
    pointwise.weights.bias = layer.bias;
    let x = batch::<60>(1, 8).column(0).into_owned();
    let expected = pointwise.forward(&depthwise.forward(&x));
    assert!((layer.forward(&x) - expected).amax() < 1e-12);
}

/// A dense layer of `I` to `O` with activation `A` and random weights.
fn dense<A: crate::Activation, const I: usize, const O: usize>(
    activation: A,
    seed: u64,
) -> crate::Dense<f64, I, O, A> {
    crate::Dense::init(
        activation,
        &GlorotUniform,
        &RandomNormal::new(0.0, 0.3),
        &mut StdRng::seed_from_u64(seed),
    )
}

#[test]
fn forks_train_for_every_join() {
    use crate::{Add, Average, Concatenate, Maximum, Minimum, Multiply, Shortcut, Subtract};
    // A residual connection: the layers and the input itself.
    check(
        &Fork::<Add, _, _, 4, 4, 4>::new(dense::<Tanh, 4, 4>(Tanh, 1), Shortcut),
        3,
    );
    check(
        &Fork::<Add, _, _, 4, 4, 4>::new(Shortcut, dense::<Tanh, 4, 4>(Tanh, 1)),
        3,
    );
    // Two branches of layers, each join.
    let (a, b) = (
        dense::<Tanh, 4, 3>(Tanh, 2),
        dense::<Linear, 4, 3>(Linear, 3),
    );
    check(
        &Fork::<Subtract, _, _, 3, 3, 3>::new(a.clone(), b.clone()),
        3,
    );
    check(
        &Fork::<Multiply, _, _, 3, 3, 3>::new(a.clone(), b.clone()),
        3,
    );
    check(
        &Fork::<Average, _, _, 3, 3, 3>::new(a.clone(), b.clone()),
        3,
    );
    check(
        &Fork::<Maximum, _, _, 3, 3, 3>::new(a.clone(), b.clone()),
        3,
    );
    check(
        &Fork::<Minimum, _, _, 3, 3, 3>::new(a.clone(), b.clone()),
        3,
    );
    // Channels side by side at each of 2 positions: 2 + 3 channels.
    check(
        &Fork::<Concatenate<2>, _, _, 4, 6, 10>::new(
            dense::<Tanh, 4, 4>(Tanh, 4),
            dense::<Linear, 4, 6>(Linear, 5),
        ),
        3,
    );
    // A fork within a fork.
    check(
        &Fork::<Add, _, _, 3, 3, 3>::new(
            Fork::<Maximum, _, _, 3, 3, 3>::new(a, b),
            dense::<Tanh, 4, 3>(Tanh, 6),
        ),
        2,
    );
}

#[test]
fn forks_join_as_keras_s_merge_layers() {
    use crate::{Concatenate, Maximum, Shortcut, Subtract};
    let a = dense::<Linear, 2, 4>(Linear, 7);
    let x = SVector::<f64, 2>::new(0.5, -1.5);
    let ya: SVector<f64, 4> = a.forward(&x);
    // Concatenate over the last axis of 2 positions: [a₀ a₁ x₀] then [a₂ a₃ x₁].
    let joined = Fork::<Concatenate<2>, _, _, 4, 2, 6>::new(a.clone(), Shortcut);
    let y: SVector<f64, 6> = joined.forward(&x);
    assert_eq!(y.as_slice(), [ya[0], ya[1], x[0], ya[2], ya[3], x[1]]);
    let two = dense::<Linear, 2, 2>(Linear, 8);
    let y2: SVector<f64, 2> = two.forward(&x);
    let y: SVector<f64, 2> =
        Fork::<Subtract, _, _, 2, 2, 2>::new(Shortcut, two.clone()).forward(&x);
    assert_eq!(y, x - y2);
    let y: SVector<f64, 2> = Fork::<Maximum, _, _, 2, 2, 2>::new(Shortcut, two.clone()).forward(&x);
    assert_eq!(y, x.zip_map(&y2, f64::max));
    // The first branch's tensors, then the second's, under their own names.
    let fork = Fork::<Subtract, _, _, 2, 2, 2>::new(two, Shortcut);
    assert_eq!(
        <Fork<Subtract, crate::Dense<f64, 2, 2, Linear>, Shortcut, 2, 2, 2> as Params<f64>>::PARAMS,
        6
    );
    let names: Vec<_> = fork.params().map(|p| p.key().to_string()).collect();
    assert_eq!(names, ["kernel", "bias"]);
    // One step at a time, as over the whole sample.
    let stream = Fork::<Subtract, _, _, 2, 2, 2>::new(Shortcut, dense::<Tanh, 2, 2>(Tanh, 9));
    let mut state = Default::default();
    let stepped: SVector<f64, 2> = crate::Stream::step(&stream, &mut state, &x);
    assert_eq!(stepped, stream.forward(&x));
}
