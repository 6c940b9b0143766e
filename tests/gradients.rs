//! Gradient checks in f64: every backward pass against central finite differences of the loss
//! `L = Σ g ⊙ output` for a fixed upstream gradient `g`. Relative errors stay under 1e-6.

use nn::Batch;
use nn::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

const BATCH: usize = 5;
const H: f64 = 1e-5;

fn batch<const N: usize>(seed: u64) -> Batch<f64, N> {
    let mut state = seed;
    Batch::<f64, N>::from_fn_generic(Const::<N>, Dyn(BATCH), |_, _| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    })
}

/// ‖a − n‖ / (‖a‖ + ‖n‖).
fn relative_error(analytic: &[f64], numeric: &[f64]) -> f64 {
    let diff: f64 = analytic
        .iter()
        .zip(numeric)
        .map(|(a, n)| (a - n) * (a - n))
        .sum::<f64>()
        .sqrt();
    let scale: f64 = analytic.iter().map(|a| a * a).sum::<f64>().sqrt()
        + numeric.iter().map(|n| n * n).sum::<f64>().sqrt();
    diff / scale.max(1e-12)
}

/// Adds `delta` to value `k` of parameter tensor `index` of `net`.
fn nudge<N: Network<f64>>(net: &mut N, index: usize, k: usize, delta: f64) {
    let mut at = 0;
    net.visit_params_mut(|_, p| {
        if at == index {
            p.values[k] += delta;
        }
        at += 1;
    });
}

/// Checks a network's parameter and input gradients. Each loss evaluation reseeds the RNG, so
/// dropout draws the same mask every time.
fn check_network<
    N: Network<f64, Input = Const<I>, Output = Const<O>>,
    const I: usize,
    const O: usize,
>(
    net: &N,
) {
    let x = batch::<I>(1);
    let g = batch::<O>(2);
    let loss = |net: &N, x: &Batch<f64, I>| -> f64 {
        let mut tape = N::Tape::default();
        let y = net.forward_train(x, &mut tape, &mut StdRng::seed_from_u64(9));
        // Regularization penalties (weights and activity) are part of the loss.
        y.component_mul(&g).sum() + net.penalty(&tape)
    };

    let mut tape = N::Tape::default();
    net.forward_train(&x, &mut tape, &mut StdRng::seed_from_u64(9));
    let mut grads = N::zeros();
    // ∂(loss + penalties)/∂parameter: the weight penalties' gradients come with the backward
    // pass.
    let dx = net.backward(&mut tape, &g, &mut grads).clone();

    // Input gradient.
    let mut numeric = Vec::new();
    for i in 0..x.len() {
        let (mut plus, mut minus) = (x.clone(), x.clone());
        plus[i] += H;
        minus[i] -= H;
        numeric.push((loss(net, &plus) - loss(net, &minus)) / (2.0 * H));
    }
    let error = relative_error(dx.as_slice(), &numeric);
    assert!(error < 1e-6, "input gradient: relative error {error:e}");

    // Parameter gradients, tensor by tensor.
    let mut analytic: Vec<(String, Vec<f64>)> = Vec::new();
    let mut statistics = Vec::new();
    for (layer, p) in grads.params() {
        analytic.push((format!("{layer}.{}", p.key()), p.values.to_vec()));
        statistics.push(p.rules.moving_average.is_some());
    }
    assert!(!analytic.is_empty());
    for (index, (name, analytic)) in analytic.iter().enumerate() {
        // A moving statistic's "gradient" is the batch's value it moves towards.
        if statistics[index] {
            continue;
        }
        let mut numeric = Vec::new();
        for k in 0..analytic.len() {
            let nudged = |delta: f64| {
                let mut net = net.clone();
                nudge(&mut net, index, k, delta);
                loss(&net, &x)
            };
            numeric.push((nudged(H) - nudged(-H)) / (2.0 * H));
        }
        let error = relative_error(analytic, &numeric);
        assert!(error < 1e-6, "{name}: relative error {error:e}");
    }
}

network! {
    struct WithBias = Dense<4, 6, Tanh>, Dense<6, 3, Sigmoid>;
    struct WithoutBias = Dense<4, 6, Gelu, use_bias = false>, Dense<6, 3, use_bias = false>;
    struct Smooth = Dense<4, 5, Mish>, Dense<5, 5, Softplus>, Dense<5, 5, Elu>, Dense<5, 3, Softmax>;
    struct Mixed = Dense<4, 6, Selu>, Dropout<0.3>, Dense<6, 6, GeluApprox>, Dense<6, 6, Silu>,
        Dropout<0.5>, Dense<6, 3, LogSoftmax>;
    struct Rectified = Dense<4, 6, LeakyRelu(0.1)>, Dense<6, 6, Relu>, Dense<6, 3, Softsign>;
    struct Convolutional = Input<6, 6, 2>, Conv2D<3, (3, 3), Tanh, padding = Same>, MaxPool2D<(2, 2)>,
        Conv2D<4, (2, 2), Tanh, strides = (1, 1)>, AvgPool2D<(2, 2), padding = Same>, Flatten, Dense<4, 3, Softmax>;
    struct Normalized = Input<5, 5, 2>, Conv2D<3, (3, 3), Tanh, padding = Same>, BatchNormalization, MaxPool2D<(2, 2)>,
        Flatten, Dense<12, 4, Tanh>, BatchNormalization<momentum = 0.9>, Dense<4, 3, Softmax>;
    struct Regularized = Input<5, 4, 2>, Conv2D<3, (2, 2), Tanh, kernel_regularizer = L2(0.3),
        bias_regularizer = L1L2(0.1, 0.2), activity_regularizer = L2(0.05)>, Flatten,
        Dense<36, 4, Sigmoid, kernel_regularizer = L1(0.02), activity_regularizer = L1L2(0.01, 0.1)>,
        Dense<4, 3, Softmax, activity_regularizer = L2(0.2)>;
    struct LayerNormalized = Input<4, 4, 2>, Conv2D<3, (3, 3), Tanh, padding = Same>, LayerNormalization,
        Flatten, Dense<48, 5, Tanh>, LayerNormalization<epsilon = 0.01, center = false>, Dense<5, 4, Tanh>,
        LayerNormalization<scale = false>, Dense<4, 3, Softmax>;
    struct Recurrent = Input<4, 3>, LayerNormalization, LSTM<5, return_sequences = true>, Dropout<0.2>,
        LSTM<3>, Dense<3, 2, Softmax>;
    struct Gated = Input<4, 3>, GRU<4, return_sequences = true>, LSTM<3, return_sequences = true>,
        GRU<3, return_sequences = true>, SimpleRNN<2>, Dense<2, 2, Softmax>;
    struct GlobalPooled = Input<4, 5, 2>, Conv2D<3, (2, 3), Sigmoid, strides = (2, 1), use_bias = false>, GlobalAvgPool2D, Dense<3, 2>;
}

#[test]
fn dense_with_bias() {
    check_network(&WithBias::<f64>::seeded(1));
}

#[test]
fn dense_without_bias() {
    let net = WithoutBias::<f64>::seeded(2);
    let mut names = Vec::new();
    net.visit_params(|layer, p| names.push(format!("{layer}.{}", p.key())));
    assert_eq!(names, ["dense.kernel", "dense_1.kernel"]);
    check_network(&net);
}

#[test]
fn smooth_activations_and_softmax_output() {
    check_network(&Smooth::<f64>::seeded(3));
}

#[test]
fn whole_network_with_dropout() {
    check_network(&Mixed::<f64>::seeded(4));
}

#[test]
fn rectified_activations_away_from_their_kinks() {
    // Biases pushed away from zero make a kink landing within H of a sample vanishingly unlikely;
    // the seed is fixed, so the check is deterministic.
    check_network(&Rectified::<f64>::seeded(5));
}

#[test]
fn layer_normalization_after_images_and_vectors() {
    let net = LayerNormalized::<f64>::seeded(8);
    let mut names = Vec::new();
    net.visit_params(|layer, p| {
        if layer.starts_with("layer_normalization") {
            names.push(format!("{layer}.{}", p.key()));
        }
    });
    // Keras's weights only: no beta without `center`, no gamma without `scale`.
    assert_eq!(
        names,
        [
            "layer_normalization.gamma",
            "layer_normalization.beta",
            "layer_normalization_1.gamma",
            "layer_normalization_2.beta",
        ]
    );
    check_network(&net);
}

network! {
    struct Temporal = Input<8, 3>, Conv1D<4, 3, Tanh, padding = Causal, dilation_rate = 2>,
        MaxPool1D<2>, Bidirectional<GRU<3, return_sequences = true>>, AvgPool1D<2, padding = Same>,
        Bidirectional<LSTM<2>, merge_mode = Mul>, Dense<2, 2, Softmax>;
    struct Reversed = Input<6, 2>, Conv1D<3, 2, Sigmoid, strides = 2, padding = Same>,
        LSTM<3, go_backwards = true, return_sequences = true>, GlobalMaxPool1D, Dense<3, 1>;
    struct Averaged = Input<5, 2>, Bidirectional<SimpleRNN<2, return_sequences = true>, merge_mode = Ave>,
        GlobalAvgPool1D, Dense<2, 2>;
}

#[test]
fn recurrent_networks_through_time() {
    check_network(&Recurrent::<f64>::seeded(9));
    check_network(&Gated::<f64>::seeded(10));
    check_network(&Temporal::<f64>::seeded(11));
    check_network(&Reversed::<f64>::seeded(12));
    check_network(&Averaged::<f64>::seeded(13));
}

#[test]
fn whole_convolutional_networks() {
    check_network(&Convolutional::<f64>::seeded(7));
    check_network(&GlobalPooled::<f64>::seeded(8));
    check_network(&Normalized::<f64>::seeded(9));
}

network! {
    struct Parametric = Dense<4, 6>, PReLU<alpha_initializer = RandomUniform(-0.5, 0.5)>,
        Dense<6, 3, Softmax>;
    struct ParametricImage = Input<5, 5, 2>, Conv2D<3, (3, 3), padding = Same>,
        PReLU<alpha_initializer = Constant(0.2)>, GlobalMaxPool2D, Dense<3, 2>;
}

#[test]
fn prelu_and_global_max_pooling_in_whole_networks() {
    check_network(&Parametric::<f64>::seeded(12));
    check_network(&ParametricImage::<f64>::seeded(13));
    let net = ParametricImage::<f64>::seeded(13);
    // α has the shape of the layer's input, as Keras gives it.
    assert_eq!(net.p_re_lu.params().next().unwrap().shape, [5, 5, 3]);
    assert!(net.p_re_lu.alpha.iter().all(|&a| a == 0.2));
    assert_eq!(<ParametricImage as Network<f32>>::LAYERS[2].output, [3]);
}

#[test]
fn regularization_penalties_and_their_gradients() {
    check_network(&Regularized::<f64>::seeded(10));
}

#[test]
fn training_forward_matches_inference_without_dropout() {
    let net = WithBias::<f64>::seeded(6);
    let x = batch::<4>(5);
    let mut tape = net.tape();
    let trained = net
        .forward_train(&x, &mut tape, &mut StdRng::seed_from_u64(0))
        .clone();
    let inferred = net.predict_batch(&x);
    assert!((trained - &inferred).amax() < 1e-15);
    for (j, column) in x.column_iter().enumerate() {
        let single = net.predict(&column.into_owned());
        assert!((single - inferred.column(j)).amax() < 1e-14);
    }
}

network! {
    struct FusedActivity = Dense<3, 4, Tanh>, Dense<4, 2, Sigmoid, activity_regularizer = L1L2(0.05, 0.2)>;
}

/// The fused path (loss from the logits, gradient `p − y`) with an activity penalty on the
/// output: the penalty's gradient goes through the sigmoid on its own.
#[test]
fn fused_loss_with_an_output_activity_penalty() {
    check_fused_binary_crossentropy(&FusedActivity::<f64>::seeded(11));
}

/// The parameter gradients of a network whose sigmoid output is trained with binary
/// cross-entropy, fused (from the logits), against central differences of the loss.
fn check_fused_binary_crossentropy<
    N: Network<f64, Input = Const<I>, Output = Const<O>> + nn::__private::Trainable<f64>,
    const I: usize,
    const O: usize,
>(
    net: &N,
) {
    // The training loop's glue (the tape's loss view, `backprop`, `penalty`), which `Model`
    // drives and users need not name.
    use nn::__private::Trainable;
    use nn::{BinaryCrossentropy, Loss};
    let x = batch::<I>(1);
    let targets =
        Batch::<f64, O>::from_fn_generic(Const::<O>, Dyn(BATCH), |r, c| ((r + c) % 2) as f64);
    let bce = BinaryCrossentropy::default();
    let n = BATCH as f64;
    let loss = |net: &N| {
        let mut tape = <N as Trainable<f64>>::Tape::default();
        let _ = net.forward_train(&x, &mut tape, &mut StdRng::seed_from_u64(0));
        let (logits, _) = <N as Trainable<f64>>::loss_io(&mut tape, true);
        bce.evaluate(logits, true, &targets, None, 1.0, None) / n + net.penalty(&tape)
    };
    let mut tape = <N as Trainable<f64>>::Tape::default();
    net.forward_train(&x, &mut tape, &mut StdRng::seed_from_u64(0));
    // The loss reads the logits from the tape and writes its gradient into it.
    let (logits, dz) = <N as Trainable<f64>>::loss_io(&mut tape, true);
    bce.evaluate(logits, true, &targets, None, 1.0 / n, Some(dz));
    let mut grads = N::zeros();
    net.backprop(&mut tape, &mut grads, true, false);
    for (index, (name, p)) in grads.params().enumerate() {
        let analytic = p.values.to_vec();
        let numeric: Vec<f64> = (0..analytic.len())
            .map(|k| {
                let nudged = |delta: f64| {
                    let mut net = net.clone();
                    nudge(&mut net, index, k, delta);
                    loss(&net)
                };
                (nudged(H) - nudged(-H)) / (2.0 * H)
            })
            .collect();
        let error = relative_error(&analytic, &numeric);
        assert!(error < 1e-6, "{name}.{}: relative error {error:e}", p.key());
    }
}

network! {
    /// ResNet's two blocks: an identity shortcut, and a strided 1×1 convolution as the shortcut,
    /// each with a batch-normalized branch and a penalty inside.
    struct Residual = Input<6, 6, 2>, Conv2D<3, (3, 3), Tanh, padding = Same>,
        Add<[Conv2D<3, (3, 3), Tanh, padding = Same, kernel_regularizer = L2(0.1)>, BatchNormalization], []>,
        Activation<Tanh>,
        Add<[Conv2D<4, (3, 3), Tanh, strides = (2, 2), padding = Same>, Dropout<0.2>, Conv2D<4, (3, 3), padding = Same>],
            [Conv2D<4, (1, 1), strides = (2, 2)>]>,
        GlobalAvgPool2D, Dense<_, 3, Softmax>;
    /// Every other join, vectors and a sequence, blocks within blocks.
    struct Joined = Input<3, 4>, Concatenate<[LSTM<3, return_sequences = true>], [Conv1D<2, 1, Tanh>]>,
        Flatten, Subtract<[Dense<_, 5, Tanh>], [Multiply<[Dense<_, 5, Sigmoid>], [Dense<_, 5>]>]>,
        Maximum<[Dense<_, 4, Tanh>], [Average<[Dense<_, 4>], [Dense<_, 4, Sigmoid>]>]>,
        Minimum<[Dense<_, 4, Tanh>], []>, Dense<_, 2>;
}

#[test]
fn blocks_of_every_join() {
    check_network(&Residual::<f64>::seeded(14));
    check_network(&Joined::<f64>::seeded(15));
}

network! {
    /// Depthwise convolutions: strides 2 with same padding and a multiplier of 2, with weight and
    /// activity penalties; dilated, without bias; then a classifier.
    struct Depthwise = Input<6, 6, 2>,
        DepthwiseConv2D<(3, 3), Tanh, strides = (2, 2), padding = Same, depth_multiplier = 2,
            depthwise_regularizer = L2(0.1), bias_regularizer = L1(0.05), activity_regularizer = L2(0.05)>,
        DepthwiseConv2D<(2, 2), Tanh, dilation_rate = (2, 1), use_bias = false>,
        DepthwiseConv2D<(2, 2), Sigmoid, padding = Same, depth_multiplier = 2>,
        Flatten, Dense<16, 3, Softmax>;
    /// Separable convolutions: strides 2 with same padding and a multiplier of 2, every
    /// penalty; dilated, without bias.
    struct Separable = Input<6, 6, 2>,
        SeparableConv2D<3, (3, 3), Tanh, strides = (2, 2), padding = Same, depth_multiplier = 2,
            depthwise_regularizer = L2(0.1), pointwise_regularizer = L1L2(0.05, 0.1),
            bias_regularizer = L1(0.05), activity_regularizer = L2(0.05)>,
        SeparableConv2D<2, (2, 2), Tanh, dilation_rate = (2, 1), use_bias = false>,
        Flatten, Dense<4, 3, Softmax>;
    /// A separable convolution as the output layer, its sigmoid fused with the loss.
    struct SeparableOut = Input<4, 4, 2>,
        SeparableConv2D<3, (2, 2), Sigmoid, strides = (2, 2), padding = Same, depth_multiplier = 2>;
    /// A depthwise convolution as the output layer, its sigmoid fused with the loss.
    struct DepthwiseOut = Input<4, 4, 2>, Conv2D<3, (2, 2), Tanh>,
        DepthwiseConv2D<(2, 2), Sigmoid, strides = (2, 2), padding = Same, depth_multiplier = 2>;
}

#[test]
fn depthwise_convolutions_in_whole_networks_and_fused_with_a_loss() {
    check_network(&Depthwise::<f64>::seeded(14));
    check_network(&DepthwiseOut::<f64>::seeded(15));
    check_fused_binary_crossentropy(&DepthwiseOut::<f64>::seeded(15));
    // Along steps: `DepthwiseConv1D`, and with `SeparableConv1D` after it.
    check_network(&DepthwiseSteps::<f64>::seeded(18));
    check_network(&DepthwiseStepsOut::<f64>::seeded(20));
    check_fused_binary_crossentropy(&DepthwiseStepsOut::<f64>::seeded(20));
}

#[test]
fn separable_convolutions_in_whole_networks_and_fused_with_a_loss() {
    check_network(&Separable::<f64>::seeded(16));
    check_network(&SeparableOut::<f64>::seeded(17));
    check_fused_binary_crossentropy(&SeparableOut::<f64>::seeded(17));
    check_network(&SeparableStepsOut::<f64>::seeded(19));
    check_fused_binary_crossentropy(&SeparableStepsOut::<f64>::seeded(19));
}

network! {
    /// Depthwise and separable convolutions along steps: strides with same padding and a
    /// multiplier of 2 with every penalty, dilated taps with strides and without bias; then a
    /// classifier.
    struct DepthwiseSteps = Input<9, 2>,
        DepthwiseConv1D<3, Tanh, strides = 2, padding = Same, depth_multiplier = 2,
            depthwise_regularizer = L2(0.1), bias_regularizer = L1(0.05), activity_regularizer = L2(0.05)>,
        DepthwiseConv1D<2, Tanh, strides = 2, dilation_rate = 2, use_bias = false>,
        SeparableConv1D<3, 2, Tanh, padding = Same, depth_multiplier = 2,
            depthwise_regularizer = L2(0.1), pointwise_regularizer = L1L2(0.05, 0.1),
            bias_regularizer = L1(0.05), activity_regularizer = L2(0.05)>,
        Flatten, Dense<6, 3, Softmax>;
    /// A separable convolution along steps as the output layer, its sigmoid fused with the loss.
    struct SeparableStepsOut = Input<5, 2>,
        SeparableConv1D<2, 3, Sigmoid, strides = 2, padding = Same, dilation_rate = 2>;
    /// A depthwise convolution along steps as the output layer, its sigmoid fused with the loss.
    struct DepthwiseStepsOut = Input<6, 2>, Conv1D<3, 2, Tanh>,
        DepthwiseConv1D<2, Sigmoid, depth_multiplier = 2>;
}
