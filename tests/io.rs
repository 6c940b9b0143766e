//! Save and load: safetensors with Keras's names and layout, checked on the way in; atomic
//! saves; checkpoints that resume training exactly; Keras's summary table.

use nn::ModelCheckpoint;
use nn::data::Dataset;
use nn::io::{load_weights, save_weights};
use nn::prelude::*;

mod common;
use common::scratch;

network! {
    struct Small = Dense<3, 4, Tanh>, Dropout<0.2>, Dense<4, 2, Softmax>;
    struct Other = Dense<3, 5, Tanh>, Dense<5, 2, Softmax>;
    struct Mnist = Dense<784, 64, Relu>, Dense<64, 10, Softmax>;
    struct Sequences = Input<6>, Embedding<9, 3>, Conv1D<4, 2, Relu, padding = Causal>,
        Bidirectional<GRU<2>>, Dense<4, 1>;
    /// Blocks: batch normalization in a residual branch, a concatenation of two branches.
    struct Blocks = Input<3>, Dense<_, 4, Tanh>, Add<[], [Dense<_, 4, use_bias = false>, BatchNormalization]>,
        Concatenate<[Dense<_, 2, Relu>], [Dense<_, 3, Tanh>, Dense<_, 2>]>, Dense<_, 2, Softmax>;
}

#[test]
fn sequence_layers_round_trip_under_their_own_names() {
    let dir = scratch("sequences");
    let path = dir.join("sequences.safetensors");
    let net = Sequences::seeded(5);
    save_weights(&net, &path).unwrap();
    let loaded: Sequences = load_weights(&path).unwrap();
    let x = SVector::<f32, 6>::new(1.0, 8.0, 0.0, 3.0, 3.0, 5.0);
    assert_eq!(loaded.predict(&x), net.predict(&x));
    assert_eq!(
        loaded.bidirectional.backward.bias,
        net.bidirectional.backward.bias
    );
    assert!(
        loaded.bidirectional.backward.go_backwards()
            && !loaded.bidirectional.forward.go_backwards()
    );
    let bytes = std::fs::read(&path).unwrap();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header = std::str::from_utf8(&bytes[8..8 + n]).unwrap();
    for name in [
        "embedding.embeddings",
        "conv1d.kernel",
        "bidirectional.forward_kernel",
        "bidirectional.backward_recurrent_kernel",
        "bidirectional.backward_bias",
    ] {
        assert!(header.contains(&format!("\"{name}\"")), "{name}: {header}");
    }
    assert!(
        header.contains("\"shape\":[9,3]"),
        "embeddings are (vocabulary, dimensions)"
    );
}

#[test]
fn weights_round_trip_bit_for_bit() {
    let dir = scratch("round-trip");
    let path = dir.join("small.safetensors");
    let net = Small::seeded(3);
    save_weights(&net, &path).unwrap();
    let loaded: Small = load_weights(&path).unwrap();
    assert_eq!(loaded.dense.kernel, net.dense.kernel);
    assert_eq!(loaded.dense_1.bias, net.dense_1.bias);
    let x = SVector::<f32, 3>::new(0.1, -0.2, 0.3);
    assert_eq!(loaded.predict(&x), net.predict(&x));

    let double = Small::<f64>::seeded(3);
    save_weights(&double, dir.join("double.safetensors")).unwrap();
    let back: Small<f64> = load_weights(dir.join("double.safetensors")).unwrap();
    assert_eq!(back.dense.kernel, double.dense.kernel);
}

#[test]
fn tensors_use_keras_names_and_layout() {
    let dir = scratch("layout");
    let path = dir.join("small.safetensors");
    let net = Small::seeded(4);
    save_weights(&net, &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    // The header is JSON after an 8-byte length.
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header = std::str::from_utf8(&bytes[8..8 + n]).unwrap();
    for name in [
        "dense.kernel",
        "dense.bias",
        "dense_1.kernel",
        "dense_1.bias",
    ] {
        assert!(header.contains(&format!("\"{name}\"")), "{header}");
    }
    assert!(
        header.contains("\"shape\":[3,4]"),
        "a kernel is (inputs, units): {header}"
    );
    // Row-major (inputs, units): element [i][u] is the weight from input i to unit u.
    let offset = header.find("\"dense.kernel\"").unwrap();
    let offsets = &header[offset..];
    let start: usize = offsets[offsets.find("data_offsets\":[").unwrap() + 15..]
        .split(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let data = &bytes[8 + n + start..];
    for i in 0..3 {
        for u in 0..4 {
            let k = (i * 4 + u) * 4;
            let value = f32::from_le_bytes(data[k..k + 4].try_into().unwrap());
            assert_eq!(value, net.dense.kernel[(u, i)]);
        }
    }
}

#[test]
fn loading_checks_names_shapes_dtypes_and_format() {
    let dir = scratch("checks");
    let path = dir.join("small.safetensors");
    save_weights(&Small::seeded(1), &path).unwrap();

    let error = load_weights::<f32, Other>(&path).unwrap_err().to_string();
    assert!(
        error.contains("tensor `dense.kernel` has shape [3, 4]; expected [3, 5]"),
        "{error}"
    );
    let error = load_weights::<f64, Small<f64>>(&path)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("tensor `dense.kernel` is F32; expected F64"),
        "{error}"
    );

    let bytes = std::fs::read(&path).unwrap();
    let truncated = dir.join("truncated.safetensors");
    std::fs::write(&truncated, &bytes[..bytes.len() - 7]).unwrap();
    let error = load_weights::<f32, Small>(&truncated)
        .unwrap_err()
        .to_string();
    assert!(error.contains("not a valid safetensors file"), "{error}");
    let text = dir.join("text.safetensors");
    std::fs::write(&text, "hello, this is not a tensor file").unwrap();
    assert!(
        load_weights::<f32, Small>(&text)
            .unwrap_err()
            .to_string()
            .contains("not a valid safetensors file")
    );
    let error = load_weights::<f32, Small>(dir.join("missing.safetensors"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("missing.safetensors"), "{error}");

    // A file with a tensor the network lacks.
    let other = dir.join("other.safetensors");
    save_weights(&Mnist::seeded(0), &other).unwrap();
    assert!(load_weights::<f32, Small>(&other).is_err());
}

#[test]
fn a_save_over_a_file_replaces_it_whole_and_leaves_nothing_behind() {
    // The target is only ever replaced by a rename of a complete, synced temporary file, so a
    // save that fails part way leaves the previous file as it was (a failed save is tested in
    // tests/bad_files.rs; as root, no permission can make one fail over a regular file).
    let dir = scratch("atomic");
    let path = dir.join("model.safetensors");
    save_weights(&Small::seeded(1), &path).unwrap();
    save_weights(&Small::seeded(2), &path).unwrap();
    let loaded: Small = load_weights(&path).unwrap();
    assert_eq!(loaded.dense.kernel, Small::seeded(2).dense.kernel);
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["model.safetensors"]);
}

fn data() -> Dataset<f32, 3, 1> {
    let x: Vec<f32> = (0..90)
        .map(|i| ((i * 7) % 11) as f32 / 11.0 - 0.5)
        .collect();
    let y: Vec<f32> = (0..30).map(|i| (i % 2) as f32).collect();
    Dataset::from_slices(&x, &y).unwrap()
}

/// A model of `net` with Adam, for the checkpoints' tests.
fn adam<N: Network<f32>>(net: N) -> Model<f32, N, Adam, SparseCategoricalCrossentropy> {
    Model::new(
        net,
        Adam::new(0.01),
        SparseCategoricalCrossentropy::default(),
    )
}

/// Trains a model from `fresh` for 6 epochs straight, and for 3, saved to a checkpoint in
/// `dir`, restored into a model of zeros and trained 3 more: the two end with the same weights
/// and optimizer state, bit for bit. The checkpoint's path.
fn resumes_exactly<N>(dir: &std::path::Path, fresh: impl Fn() -> N) -> std::path::PathBuf
where
    N: Network<f32, Input = Const<3>, Output = Const<2>>,
{
    let fit = |epochs, initial_epoch| Fit {
        epochs,
        initial_epoch,
        batch_size: 8,
        verbose: Verbosity::Silent,
        ..Fit::default()
    };
    let mut straight = adam(fresh());
    straight.fit(&data(), &fit(6, 0)).unwrap();

    let mut first = adam(fresh());
    first.fit(&data(), &fit(3, 0)).unwrap();
    let path = dir.join("checkpoint.safetensors");
    first.save(&path).unwrap();
    let mut resumed = adam(N::zeros());
    resumed.load(&path).unwrap();
    assert_eq!(resumed.state.iterations, first.state.iterations);
    resumed.fit(&data(), &fit(6, 3)).unwrap();
    let values = |net: &N| -> Vec<(String, Vec<f32>)> {
        net.params()
            .map(|(layer, p)| (format!("{layer}.{}", p.key()), p.values.to_vec()))
            .collect()
    };
    assert_eq!(values(&resumed.network), values(&straight.network));
    assert_eq!(resumed.state, straight.state);
    path
}

#[test]
fn a_restored_checkpoint_continues_as_an_uninterrupted_run() {
    let dir = scratch("checkpoint");
    let path = resumes_exactly(&dir, || Small::seeded(5));
    // A checkpoint holds Adam's slots by name; an optimizer with other slots gets a clear error.
    let mut other = Model::new(
        Small::zeros(),
        Adam::new(0.01).amsgrad(true),
        SparseCategoricalCrossentropy::default(),
    );
    let error = other.load(&path).unwrap_err().to_string();
    assert!(
        error.contains("optimizer.velocity_hat.dense.kernel"),
        "{error}"
    );
    let mut plain = Model::new(
        Small::zeros(),
        Sgd::new(0.1),
        SparseCategoricalCrossentropy::default(),
    );
    let error = plain.load(&path).unwrap_err().to_string();
    assert!(
        error.contains(r#"a checkpoint of optimizer "adam"; this model's optimizer is "sgd""#),
        "{error}"
    );
}

/// A network with blocks resumes as exactly: its slots are named by the block's layers
/// (`optimizer.momentum.add.dense_1_kernel`), batch normalization's moving statistics are among
/// its weights.
#[test]
fn a_checkpoint_of_a_network_with_blocks_continues_as_an_uninterrupted_run() {
    let dir = scratch("checkpoint_blocks");
    let path = resumes_exactly(&dir, || Blocks::seeded(6));
    let header = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
    assert!(header.contains("\"optimizer.momentum.add.dense_1_kernel\""));
    assert!(header.contains("\"concatenate.dense_4_bias\""));
    // Restored into a network without its blocks, it is refused, naming what differs.
    let error = adam(Small::zeros()).load(&path).unwrap_err().to_string();
    assert!(
        error.contains("no tensor `dense_1.kernel`; expected one of shape [4, 2]"),
        "{error}"
    );
}

#[test]
fn model_checkpoint_saves_each_epoch_or_the_best() {
    let dir = scratch("callback");
    let template = dir.join("weights-{epoch:02d}-{loss:.2f}.safetensors");
    let mut model = Model::new(
        Small::seeded(5),
        Adam::new(0.01),
        SparseCategoricalCrossentropy::default(),
    );
    let mut every = ModelCheckpoint::new(template.to_str().unwrap());
    let fit = Fit {
        epochs: 3,
        batch_size: 8,
        verbose: Verbosity::Silent,
        ..Fit::default()
    };
    let history = model
        .fit_with_callbacks(&data(), &fit, &mut [&mut every])
        .unwrap();
    assert_eq!(every.saved.len(), 3);
    let name = every.saved[1]
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(
        name,
        format!(
            "weights-02-{:.2}.safetensors",
            history.get("loss").unwrap()[1]
        )
    );
    let last: Small = load_weights(&every.saved[2]).unwrap();
    assert_eq!(last.dense.kernel, model.network.dense.kernel);

    let mut best =
        ModelCheckpoint::new(dir.join("best.safetensors").to_str().unwrap()).save_best_only("loss");
    let mut model = Model::new(
        Small::seeded(5),
        Sgd::new(0.01),
        SparseCategoricalCrossentropy::default(),
    );
    /// Wrecks the weights after each epoch (after the checkpoint has looked), so that training
    /// only gets worse.
    struct Wreck;
    impl nn::Callback<Small> for Wreck {
        fn on_epoch_end(
            &mut self,
            _: usize,
            _: &nn::Logs,
            context: &mut nn::Context<'_, Small>,
        ) -> Result<(), nn::Error> {
            context
                .network
                .visit_params_mut(|_, p| p.values.iter_mut().for_each(|v| *v *= -5.0));
            Ok(())
        }
    }
    model
        .fit_with_callbacks(&data(), &fit, &mut [&mut best, &mut Wreck])
        .unwrap();
    assert_eq!(
        best.saved.len(),
        1,
        "training that gets worse improves only at the first epoch"
    );
}

#[test]
fn summary_prints_keras_table() {
    // Each layer's memory is its output (64 and 10 values of 4 bytes; a dense layer keeps
    // nothing besides); `predict`'s is its two buffers (64 and 10 values), its output (10) and
    // the allowance for its frames.
    let expected = r#"Model: "Mnist"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━┓
┃ Layer (type)                         ┃ Output Shape                ┃         Param # ┃ Param size ┃     Memory ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━┩
│ dense (Dense)                        │ (None, 64)                  │          50,240 │  196.25 KB │   256.00 B │
├──────────────────────────────────────┼─────────────────────────────┼─────────────────┼────────────┼────────────┤
│ dense_1 (Dense)                      │ (None, 10)                  │             650 │    2.54 KB │    40.00 B │
└──────────────────────────────────────┴─────────────────────────────┴─────────────────┴────────────┴────────────┘
 Total params: 50,890 (198.79 KB)
 Trainable params: 50,890 (198.79 KB)
 Non-trainable params: 0 (0.00 B)"#;
    let frame = nn::frame::LEAN;
    assert_eq!(
        table_and_memory(&Mnist::seeded(0).summary().to_string()),
        (expected, Mnist::<f32>::PREDICT_STACK)
    );
    assert_eq!(Mnist::<f32>::PREDICT_STACK, (64 + 10 + 10) * 4 + frame);
    // In f64 every size doubles.
    let wide = Mnist::<f64>::seeded(0).summary().to_string();
    assert!(
        wide.contains("│          50,240 │  392.50 KB │   512.00 B │"),
        "{wide}"
    );
    assert_eq!(
        table_and_memory(&wide).1,
        (64 + 10 + 10) * 8 + frame,
        "{wide}"
    );
    // `predict` skips the dropout layer: it keeps nothing.
    let expected = r#"Model: "Small"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━┓
┃ Layer (type)                         ┃ Output Shape                ┃         Param # ┃ Param size ┃     Memory ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━┩
│ dense (Dense)                        │ (None, 4)                   │              16 │    64.00 B │    16.00 B │
├──────────────────────────────────────┼─────────────────────────────┼─────────────────┼────────────┼────────────┤
│ dropout (Dropout)                    │ (None, 4)                   │               0 │     0.00 B │     0.00 B │
├──────────────────────────────────────┼─────────────────────────────┼─────────────────┼────────────┼────────────┤
│ dense_1 (Dense)                      │ (None, 2)                   │              10 │    40.00 B │     8.00 B │
└──────────────────────────────────────┴─────────────────────────────┴─────────────────┴────────────┴────────────┘
 Total params: 26 (104.00 B)
 Trainable params: 26 (104.00 B)
 Non-trainable params: 0 (0.00 B)"#;
    assert_eq!(
        table_and_memory(&Small::seeded(0).summary().to_string()),
        (expected, (4 + 2 + 2) * 4 + frame)
    );
}

/// A summary's table (its lines but the last), and the bytes its last line gives `predict`
/// (` Predict memory: 2,692 bytes (2.63 KB)`).
fn table_and_memory(summary: &str) -> (&str, usize) {
    let (table, last) = summary.rsplit_once('\n').expect("more than one line");
    let bytes = last
        .strip_prefix(" Predict memory: ")
        .and_then(|rest| rest.split(' ').next())
        .map(|n| n.replace(',', "").parse().expect("a number of bytes"))
        .expect("the memory line last");
    (table, bytes)
}

#[test]
fn summary_counts_a_block_as_one_layer_with_its_branches_memory() {
    // The adding block writes its output (4 values) and keeps besides its shortcut's output (4)
    // and its other branch's (4), for which that branch keeps two buffers (4 and 4) and the
    // batch normalization its factors (4). The concatenating block writes its output (4) and
    // keeps its first branch's output (2), its second's (2) and that branch's two buffers (3
    // and 2). `predict` keeps two buffers (4 and 4), the adding block's scratch and the output.
    let add = 4 * 4 + (4 * 4 + 4 * 4 + (4 + 4) * 4 + 4 * 4);
    let concatenate = 4 * 4 + (2 * 4 + 2 * 4 + (3 + 2) * 4);
    assert_eq!((add, concatenate), (96, 52));
    let expected = r#"Model: "Blocks"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━┓
┃ Layer (type)                         ┃ Output Shape                ┃         Param # ┃ Param size ┃     Memory ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━┩
│ dense (Dense)                        │ (None, 4)                   │              16 │    64.00 B │    16.00 B │
├──────────────────────────────────────┼─────────────────────────────┼─────────────────┼────────────┼────────────┤
│ add (Add)                            │ (None, 4)                   │              32 │   128.00 B │    96.00 B │
├──────────────────────────────────────┼─────────────────────────────┼─────────────────┼────────────┼────────────┤
│ concatenate (Concatenate)            │ (None, 4)                   │              33 │   132.00 B │    52.00 B │
├──────────────────────────────────────┼─────────────────────────────┼─────────────────┼────────────┼────────────┤
│ dense_5 (Dense)                      │ (None, 2)                   │              10 │    40.00 B │     8.00 B │
└──────────────────────────────────────┴─────────────────────────────┴─────────────────┴────────────┴────────────┘
 Total params: 91 (364.00 B)
 Trainable params: 83 (332.00 B)
 Non-trainable params: 8 (32.00 B)"#;
    assert_eq!(
        table_and_memory(&Blocks::seeded(0).summary().to_string()),
        (expected, Blocks::<f32>::PREDICT_STACK)
    );
    // A block's frame allowance is the larger.
    assert_eq!(
        Blocks::<f32>::PREDICT_STACK,
        (4 + 4) * 4 + (add - 4 * 4) + 2 * 4 + nn::frame::WINDOWED
    );
    assert_eq!(
        <Blocks as Network<f32>>::PREDICT_STACK,
        Blocks::<f32>::PREDICT_STACK
    );
    let memory: Vec<usize> = <Blocks as Network<f32>>::LAYERS
        .iter()
        .map(|l| l.memory)
        .collect();
    assert_eq!(memory, [16, add, concatenate, 8]);
}
