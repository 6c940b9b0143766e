//! Blocks: two branches fed the same input and joined (`Add<[..], [..]>` and the other merge
//! layers of Keras), declared in `network!`, predicted, trained, saved and streamed. Their
//! gradients are checked against finite differences in `tests/gradients.rs`.

mod common;

use nn::data::Dataset;
use nn::prelude::*;
use nn::{Layer, Verbosity};

network! {
    /// A residual block around two dense layers, then a classifier.
    pub struct Residual = Input<4>, Dense<_, 6, Relu>, Add<[Dense<_, 6, Tanh>, Dense<_, 6>], []>,
        Dense<_, 3, Softmax>;

    /// Channels side by side: a 3×3 and a 1×1 convolution of the same image.
    pub struct Inception = Input<5, 5, 2>,
        Concatenate<[Conv2D<3, (3, 3), Relu, padding = Same>], [Conv2D<2, (1, 1), Relu>]>,
        GlobalAvgPool2D, Dense<_, 2>;

    /// A residual block over a sequence, fed one step at a time.
    pub struct Streamed = Input<6, 3>, Add<[LSTM<3, return_sequences = true>], []>, LSTM<4>,
        Dense<_, 2>;
}

#[test]
fn predict_s_stack_counts_a_block_s_branches() {
    // The block's first branch keeps its two buffers (6 values each) and writes its output (6),
    // then the second (the input itself) its output (6); around the block, `predict`'s two
    // buffers (6 and 6: the block's output and the dense layers') and its output (3); and the
    // allowance for a block's frame, larger than a dense layer's.
    let branch = (6 + 6) * 4;
    let block = 6 * 4 + branch.max(6 * 4);
    let frame = nn::frame::WINDOWED;
    assert!(frame > nn::frame::SIMPLE);
    let total = (6 + 6) * 4 + block + 3 * 4 + frame;
    assert_eq!(Residual::<f32>::PREDICT_STACK, total);
    // The summary shows the block as one row, its memory its output (6) and `block`, and
    // `predict`'s in total.
    let summary = Residual::seeded(0).summary().to_string();
    assert_eq!(6 * 4 + block, 96);
    assert!(summary.contains("│ add (Add)                            │ (None, 6)                   │              84 │   336.00 B │    96.00 B │"), "{summary}");
    let last = summary.lines().last().unwrap_or_default();
    assert!(last.starts_with(" Predict memory: "), "{summary}");
    let shown = last.split(' ').nth(3).map(|n| n.replace(',', ""));
    assert_eq!(shown, Some(total.to_string()), "{summary}");
}

#[test]
fn a_residual_block_adds_its_branch_to_its_input() {
    let net = Residual::<f64>::seeded(1);
    let x = SVector::<f64, 4>::from_fn(|i, _| i as f64 * 0.3 - 0.5);
    let h: SVector<f64, 6> = net.dense.forward(&x);
    let branch: SVector<f64, 6> = net
        .add
        .first
        .dense_2
        .forward(&net.add.first.dense_1.forward(&h));
    let y: SVector<f64, 3> = net.dense_3.forward(&(h + branch));
    assert!((net.predict(&x) - y).amax() < 1e-12);
    // The batch path computes the same.
    let batch =
        Batch::<f64, 4>::from_fn_generic(Const::<4>, Dyn(3), |i, j| (i as f64 - j as f64) * 0.2);
    let all = net.predict_batch(&batch);
    for j in 0..3 {
        let one = net.predict(&batch.column(j).into_owned());
        assert!((all.column(j) - one).amax() < 1e-12);
    }
    // The block is a layer of the network, its branch's layers named in its parameters.
    let names: Vec<String> = net
        .params()
        .map(|(layer, p)| format!("{layer}.{}", p.key()))
        .collect();
    assert_eq!(
        names,
        [
            "dense.kernel",
            "dense.bias",
            "add.dense_1_kernel",
            "add.dense_1_bias",
            "add.dense_2_kernel",
            "add.dense_2_bias",
            "dense_3.kernel",
            "dense_3.bias"
        ]
    );
    assert_eq!(<Residual as Network<f32>>::PARAMS, 30 + 42 + 42 + 21);
    let summary = net.summary().to_string();
    assert!(summary.contains("add (Add)"), "{summary}");
}

#[test]
fn a_concatenation_puts_each_pixel_s_channels_side_by_side() {
    let net = Inception::<f64>::seeded(2);
    let x = SVector::<f64, 50>::from_fn(|i, _| (i as f64 * 0.37).sin());
    let a: SVector<f64, 75> = net.concatenate.first.conv2d.forward(&x);
    let b: SVector<f64, 50> = net.concatenate.second.conv2d_1.forward(&x);
    let joined: SVector<f64, 125> = net.concatenate.forward(&x);
    for pixel in 0..25 {
        let row = &joined.as_slice()[pixel * 5..pixel * 5 + 5];
        assert_eq!(&row[..3], &a.as_slice()[pixel * 3..pixel * 3 + 3]);
        assert_eq!(&row[3..], &b.as_slice()[pixel * 2..pixel * 2 + 2]);
    }
}

#[test]
fn a_network_with_blocks_trains_saves_and_loads() {
    // Class = whether the first input is positive.
    let x: Vec<f64> = (0..128)
        .flat_map(|i| {
            let t = i as f64 * 0.61;
            [t.sin(), t.cos(), (t * 0.3).sin(), 0.5]
        })
        .collect();
    let y: Vec<f64> = x
        .chunks(4)
        .map(|r| f64::from(u8::from(r[0] > 0.0)))
        .collect();
    let data = Dataset::<f64, 4, 1>::from_slices(&x, &y).unwrap();
    let mut model = Model::new(
        Residual::<f64>::seeded(3),
        Adam::new(0.02),
        SparseCategoricalCrossentropy::default(),
    );
    let fit = Fit {
        batch_size: 16,
        epochs: 30,
        verbose: Verbosity::Silent,
        ..Fit::default()
    };
    let history = model.fit(&data, &fit).unwrap();
    let losses = history.get("loss").unwrap();
    assert!(
        losses[losses.len() - 1] < 0.5 * losses[0],
        "the loss falls: {losses:?}"
    );

    let dir = common::scratch("blocks");
    let path = dir.join("residual.safetensors");
    nn::io::save_weights(&model.network, &path).unwrap();
    let loaded: Residual<f64> = nn::io::load_weights(&path).unwrap();
    let sample = SVector::<f64, 4>::new(0.3, -0.2, 0.1, 0.5);
    assert_eq!(loaded.predict(&sample), model.network.predict(&sample));

    // And as a Keras functional model, read back the same.
    nn::keras::save(&model.network, dir.join("residual.keras")).unwrap();
    let again: Residual<f64> = nn::keras::load(dir.join("residual.keras")).unwrap();
    let (a, b) = (again.predict(&sample), model.network.predict(&sample));
    assert!((a - b).amax() < 1e-6, "float32 in the file");
}

#[test]
fn a_block_streams_when_its_branches_do() {
    let net = Streamed::<f64>::seeded(4);
    let x = SVector::<f64, 18>::from_fn(|i, _| (i as f64 * 0.41).cos());
    let mut state = net.state();
    let mut last = SVector::<f64, 2>::zeros();
    for step in x.as_slice().chunks(3) {
        last = net.step(&mut state, &SVector::from_column_slice(step));
    }
    assert!((last - net.predict(&x)).amax() < 1e-12);
}
