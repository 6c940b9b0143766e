//! Networks fed one step at a time (`step`): the whole sequence fed step by step gives what
//! `predict` gives for it, for every layer that streams, from features or from token ids.

use nn::Streaming;
use nn::prelude::*;

network! {
    /// Layer normalization per step, stacked recurrent layers, a classifier on the last step.
    struct Sensor =
        Input<12, 4>,
        LayerNormalization,
        BatchNormalization,
        LSTM<8, return_sequences = true>,
        Dropout<0.2>,
        Activation<Tanh>,
        GRU<6, return_sequences = true>,
        SimpleRNN<5>,
        Dense<5, 4, Relu>,
        PReLU,
        Dense<4, 3, Softmax>;

    /// Token ids.
    struct Words = Input<7>, Embedding<11, 4>, LSTM<5>, Dense<5, 2, Softmax>;

    /// A sequence out: a softmax over each step's values (Keras's last axis).
    struct Tagger = Input<6, 3>, GRU<4, return_sequences = true>, Activation<Softmax>;

    /// `Flatten` after the last step's vector, as Keras models often have it: nothing to do.
    struct Flattened = Input<5, 3>, LSTM<6>, Flatten, Dense<6, 2>;
}

#[test]
fn a_network_that_returns_a_sequence_streams_its_latest_step() {
    let net = Tagger::seeded(5);
    let x: Vec<f32> = (0..18).map(|i| (i as f32 * 0.7).cos()).collect();
    let whole = net.predict(&SVector::from_column_slice(&x));
    // Each step of `predict`'s sequence is a distribution over its 4 values.
    for step in whole.as_slice().chunks_exact(4) {
        assert!((step.iter().sum::<f32>() - 1.0).abs() < 1e-5, "{step:?}");
    }
    let mut state = net.state();
    for (t, step) in x.chunks_exact(3).enumerate() {
        let y = net.step(&mut state, &SVector::<f32, 3>::from_column_slice(step));
        assert!(
            (y.as_slice()
                .iter()
                .zip(&whole.as_slice()[t * 4..])
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f32::max))
                < 1e-6
        );
    }
}

/// Feeds `x`, `width` values a step, through `step`; the last output.
fn streamed<N: Streaming<f32>, const S: usize, const O: usize>(
    step: impl Fn(&mut N::State, &SVector<f32, S>) -> SVector<f32, O>,
    x: &[f32],
) -> SVector<f32, O> {
    let mut state = N::State::default();
    let mut y = SVector::zeros();
    for chunk in x.chunks_exact(S) {
        y = step(&mut state, &SVector::from_column_slice(chunk));
    }
    y
}

#[test]
fn a_sequence_fed_step_by_step_ends_where_predict_does() {
    let mut net = Sensor::seeded(3);
    // Moving statistics away from their initial values, so that batch normalization shows.
    net.batch_normalization.moving_mean.fill(0.3);
    net.batch_normalization.moving_variance.fill(2.0);
    net.p_re_lu.alpha.fill(0.25);
    let x: Vec<f32> = (0..48).map(|i| (i as f32 * 0.37).sin() * 2.0).collect();
    let whole = net.predict(&SVector::from_column_slice(&x));
    let stepped = streamed::<Sensor, 4, 3>(|s, x| net.step(s, x), &x);
    assert!((whole - stepped).amax() < 1e-6, "{whole} against {stepped}");
    assert_eq!(<Sensor as Streaming<f32>>::STEP, 4);

    let words = Words::seeded(4);
    let ids = [3.0, 10.0, 0.0, 7.0, 7.0, 1.0, 5.0];
    let whole = words.predict(&SVector::from_column_slice(&ids));
    let stepped = streamed::<Words, 1, 2>(|s, x| words.step(s, x), &ids);
    assert!((whole - stepped).amax() < 1e-6);
    assert_eq!(<Words as Streaming<f32>>::STEP, 1);

    let flattened = Flattened::seeded(6);
    let x: Vec<f32> = (0..15).map(|i| (i as f32 * 0.5).cos()).collect();
    let whole = flattened.predict(&SVector::from_column_slice(&x));
    let stepped = streamed::<Flattened, 3, 2>(|s, x| flattened.step(s, x), &x);
    assert!((whole - stepped).amax() < 1e-6);
}

#[test]
fn each_step_is_the_output_for_the_sequence_so_far() {
    // A network over 3 steps and the same weights over 5: after 3 steps of the longer one's
    // stream, its output is the shorter one's prediction.
    network! {
        struct Three = Input<3, 2>, LSTM<4>, Dense<4, 1>;
        struct Five = Input<5, 2>, LSTM<4>, Dense<4, 1>;
    }
    let five = Five::seeded(9);
    let mut three = Three::seeded(0);
    three.lstm.kernel.copy_from(&five.lstm.kernel);
    three
        .lstm
        .recurrent_kernel
        .copy_from(&five.lstm.recurrent_kernel);
    three.lstm.bias.copy_from(&five.lstm.bias);
    three.dense.kernel.copy_from(&five.dense.kernel);
    three.dense.bias.copy_from(&five.dense.bias);
    let x = [0.5, -1.0, 0.25, 2.0, -0.75, 0.1];
    let mut state = Default::default();
    let mut y = SVector::zeros();
    for step in x.chunks_exact(2) {
        y = five.step(&mut state, &SVector::from_column_slice(step));
    }
    assert!((y - three.predict(&SVector::from_column_slice(&x))).amax() < 1e-6);
}
