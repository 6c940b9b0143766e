//! Bad and hostile files (issue 10, "Nothing silent, nothing panics"): every loader answers a
//! malformed, crafted or mismatched file with an error that names what is wrong, never a panic
//! and never a quiet `Ok`; saves from several threads at once all succeed and leave no debris.

use std::path::Path;

use nn::data::{read_csv, read_idx};
use nn::io::{load_weights, load_weights_allowing_non_finite, save_weights};
use nn::prelude::*;

mod common;
use common::{idx, scratch};

network! {
    struct Tiny = Dense<2, 1>;
    struct Small = Dense<3, 4, Tanh>, Dense<4, 2, Softmax>;
}

/// The names in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// One tensor of a hand-made safetensors file.
struct Tensor {
    name: &'static str,
    shape: Vec<usize>,
    dtype: &'static str,
    bytes: Vec<u8>,
}

fn f32s(name: &'static str, shape: &[usize], values: &[f32]) -> Tensor {
    Tensor {
        name,
        shape: shape.to_vec(),
        dtype: "F32",
        bytes: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
    }
}

fn scalar(name: &'static str, value: f64) -> Tensor {
    Tensor {
        name,
        shape: vec![],
        dtype: "F64",
        bytes: value.to_le_bytes().to_vec(),
    }
}

/// A safetensors file written by hand (an 8-byte header length, a JSON header, the data), so
/// that the tests can say exactly what a crafted file holds.
fn safetensors(tensors: &[Tensor], metadata: &[(&str, &str)]) -> Vec<u8> {
    let mut fields = Vec::new();
    if !metadata.is_empty() {
        let pairs: Vec<String> = metadata
            .iter()
            .map(|(k, v)| format!("\"{k}\":\"{v}\""))
            .collect();
        fields.push(format!("\"__metadata__\":{{{}}}", pairs.join(",")));
    }
    let mut data = Vec::new();
    for t in tensors {
        let start = data.len();
        data.extend_from_slice(&t.bytes);
        let shape: Vec<String> = t.shape.iter().map(usize::to_string).collect();
        fields.push(format!(
            "\"{}\":{{\"dtype\":\"{}\",\"shape\":[{}],\"data_offsets\":[{start},{}]}}",
            t.name,
            t.dtype,
            shape.join(","),
            data.len()
        ));
    }
    let mut header = format!("{{{}}}", fields.join(",")).into_bytes();
    while header.len() % 8 != 0 {
        header.push(b' ');
    }
    let mut file = (header.len() as u64).to_le_bytes().to_vec();
    file.extend_from_slice(&header);
    file.extend_from_slice(&data);
    file
}

// ---------------------------------------------------------------------------------------------
// Item 1: IDX dimensions.

#[test]
fn idx_dimensions_whose_product_overflows_are_an_error() {
    let dir = scratch("idx-overflow");
    let path = dir.join("huge.idx");
    std::fs::write(&path, idx(&[65536, 65536, 65536, 65536], &[])).unwrap();
    let error = read_idx(&path).unwrap_err().to_string();
    assert!(error.contains("[65536, 65536, 65536, 65536]"), "{error}");
    assert!(error.contains("too many values"), "{error}");

    // The largest dimensions a header can hold, with a few data bytes.
    std::fs::write(&path, idx(&[u32::MAX; 3], &[1, 2, 3])).unwrap();
    let error = read_idx(&path).unwrap_err().to_string();
    assert!(error.contains("4294967295"), "{error}");
}

#[test]
fn idx_data_must_match_its_dimensions() {
    let dir = scratch("idx-length");
    let path = dir.join("short.idx");
    std::fs::write(&path, idx(&[2, 3], &[0; 5])).unwrap();
    let error = read_idx(&path).unwrap_err().to_string();
    assert!(
        error.contains("5 data bytes; the header [2, 3] says 6"),
        "{error}"
    );
    std::fs::write(&path, idx(&[2, 3], &[0; 7])).unwrap();
    let error = read_idx(&path).unwrap_err().to_string();
    assert!(
        error.contains("7 data bytes; the header [2, 3] says 6"),
        "{error}"
    );
    // A dimension of zero: no values, and no data is right.
    std::fs::write(&path, idx(&[65536, 65536, 65536, 65536, 0], &[])).unwrap();
    assert_eq!(read_idx(&path).unwrap().1, Vec::<u8>::new());
}

// ---------------------------------------------------------------------------------------------
// Item 2: CSV columns.

#[test]
fn a_csv_column_out_of_range_is_an_error_naming_it() {
    let dir = scratch("csv-column");
    let path = dir.join("five.csv");
    std::fs::write(&path, "1,2,3,4,5\n6,7,8,9,10\n").unwrap();
    let csv = read_csv(&path, 0).unwrap();
    assert_eq!(csv.column(4).unwrap(), [5.0, 10.0]);
    let error = csv.column(7).unwrap_err().to_string();
    assert!(
        error.contains("column 7") && error.contains("5 columns"),
        "{error}"
    );
    let error = csv.column(5).unwrap_err().to_string();
    assert!(error.contains("columns 0 to 4"), "{error}");
}

// ---------------------------------------------------------------------------------------------
// Item 3: saves.

#[test]
fn concurrent_saves_to_one_path_all_succeed_and_leave_no_temporary_file() {
    let dir = scratch("concurrent");
    let path = dir.join("shared.safetensors");
    std::thread::scope(|scope| {
        for thread in 0..8_u64 {
            let path = &path;
            scope.spawn(move || {
                let net = Small::seeded(thread);
                for round in 0..25 {
                    if let Err(error) = save_weights(&net, path) {
                        panic!("thread {thread}, round {round}: {error}");
                    }
                }
            });
        }
    });
    let loaded: Small = load_weights(&path).unwrap();
    assert!(
        (0..8).any(|seed| loaded.dense.kernel == Small::seeded(seed).dense.kernel),
        "the file holds one thread's weights, whole"
    );
    assert_eq!(listing(&dir), ["shared.safetensors"]);
}

#[test]
fn a_target_name_near_the_limit_saves() {
    let dir = scratch("long-name");
    // 250 bytes: the target fits the usual 255-byte limit, a temporary name that added to it
    // would not.
    let path = dir.join(format!("{}.safetensors", "w".repeat(238)));
    save_weights(&Small::seeded(1), &path).unwrap();
    save_weights(&Small::seeded(2), &path).unwrap();
    let loaded: Small = load_weights(&path).unwrap();
    assert_eq!(loaded.dense.kernel, Small::seeded(2).dense.kernel);
    assert_eq!(listing(&dir).len(), 1);
}

#[test]
fn a_failed_save_leaves_what_was_there_and_no_temporary_file() {
    let dir = scratch("failed-save");
    // A directory (with a file in it) where the weights should go: the rename fails.
    let path = dir.join("taken.safetensors");
    std::fs::create_dir(&path).unwrap();
    std::fs::write(path.join("keep"), "precious").unwrap();
    let error = save_weights(&Small::seeded(1), &path)
        .unwrap_err()
        .to_string();
    assert!(error.contains("taken.safetensors"), "{error}");
    assert_eq!(std::fs::read(path.join("keep")).unwrap(), b"precious");
    assert_eq!(listing(&dir), ["taken.safetensors"]);

    // A target in a directory that does not exist.
    let error = save_weights(&Small::seeded(1), dir.join("no/such/dir/w.safetensors"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("w.safetensors"), "{error}");
}

// ---------------------------------------------------------------------------------------------
// Item 4: non-finite weights.

fn tiny_weights(kernel: [f32; 2], bias: f32) -> Vec<u8> {
    safetensors(
        &[
            f32s("dense.kernel", &[2, 1], &kernel),
            f32s("dense.bias", &[1], &[bias]),
        ],
        &[("format", "nn-weights")],
    )
}

#[test]
fn non_finite_weights_are_refused_unless_asked_for() {
    let dir = scratch("non-finite");
    let path = dir.join("nan.safetensors");
    std::fs::write(&path, tiny_weights([0.5, f32::NAN], 0.0)).unwrap();
    let error = load_weights::<f32, Tiny>(&path).unwrap_err().to_string();
    assert!(
        error.contains("tensor `dense.kernel` holds NaN at index [1, 0]"),
        "{error}"
    );
    let net: Tiny = load_weights_allowing_non_finite(&path).unwrap();
    assert_eq!(net.dense.kernel[0], 0.5);
    assert!(net.dense.kernel[1].is_nan());

    std::fs::write(&path, tiny_weights([0.5, 1.0], f32::NEG_INFINITY)).unwrap();
    let error = load_weights::<f32, Tiny>(&path).unwrap_err().to_string();
    assert!(
        error.contains("tensor `dense.bias` holds -inf at index [0]"),
        "{error}"
    );
    assert!(load_weights_allowing_non_finite::<f32, Tiny>(&path).is_ok());

    // In f64 too, and the first bad value is the one named.
    std::fs::write(
        &path,
        safetensors(
            &[
                Tensor {
                    name: "dense.kernel",
                    shape: vec![2, 1],
                    dtype: "F64",
                    bytes: [f64::INFINITY, f64::NAN]
                        .iter()
                        .flat_map(|v| v.to_le_bytes())
                        .collect(),
                },
                scalar("dense.bias", 0.0).with_shape(&[1]),
            ],
            &[],
        ),
    )
    .unwrap();
    let error = load_weights::<f64, Tiny<f64>>(&path)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("tensor `dense.kernel` holds inf at index [0, 0]"),
        "{error}"
    );
}

impl Tensor {
    fn with_shape(mut self, shape: &[usize]) -> Self {
        self.shape = shape.to_vec();
        self
    }
}

// ---------------------------------------------------------------------------------------------
// Item 5: checkpoints.

fn data() -> Dataset<f32, 2, 1> {
    let x: Vec<f32> = (0..40).map(|i| ((i * 7) % 11) as f32 / 11.0).collect();
    let y: Vec<f32> = (0..20).map(|i| (i % 3) as f32 / 3.0).collect();
    Dataset::from_slices(&x, &y).unwrap()
}

fn quiet() -> Fit<'static, f32, 2, 1> {
    Fit {
        epochs: 2,
        batch_size: 4,
        verbose: Verbosity::Silent,
        ..Fit::default()
    }
}

/// A checkpoint of `Tiny` trained by SGD with momentum, with the given scalars.
fn sgd_checkpoint(iterations: f64, learning_rate: f64, optimizer: Option<&str>) -> Vec<u8> {
    let mut metadata = vec![("format", "nn-checkpoint")];
    if let Some(name) = optimizer {
        metadata.push(("optimizer", name));
    }
    safetensors(
        &[
            f32s("dense.kernel", &[2, 1], &[0.5, -0.5]),
            f32s("dense.bias", &[1], &[0.1]),
            f32s("optimizer.momentum.dense.kernel", &[2, 1], &[0.01, 0.02]),
            f32s("optimizer.momentum.dense.bias", &[1], &[0.03]),
            scalar("optimizer.iterations", iterations),
            scalar("optimizer.learning_rate", learning_rate),
        ],
        &metadata,
    )
}

fn sgd_model() -> Model<f32, Tiny, Sgd, MeanSquaredError> {
    Model::new(
        Tiny::zeros(),
        Sgd::new(0.05).momentum(0.9),
        MeanSquaredError,
    )
}

#[test]
fn a_hand_made_checkpoint_with_sane_scalars_loads() {
    let dir = scratch("checkpoint-ok");
    let path = dir.join("ok.safetensors");
    std::fs::write(&path, sgd_checkpoint(5.0, 0.02, Some("sgd"))).unwrap();
    let mut model = sgd_model();
    model.load(&path).unwrap();
    assert_eq!(model.state.iterations, 5);
    assert_eq!(model.optimizer.learning_rate, 0.02);
    assert_eq!(model.state.slot("momentum").unwrap().values[2], 0.03);
    std::fs::write(&path, sgd_checkpoint(2f64.powi(53), 0.0, Some("sgd"))).unwrap();
    model.load(&path).unwrap();
    assert_eq!(model.state.iterations, 1 << 53);
}

#[test]
fn a_checkpoint_records_its_optimizer_and_another_optimizer_refuses_it() {
    let dir = scratch("checkpoint-optimizer");
    let path = dir.join("adam.safetensors");
    // Saved before the first step, an Adam checkpoint has no slots, so only its name tells it
    // apart from SGD's.
    let adam = Model::new(Tiny::seeded(1), Adam::new(0.01), MeanSquaredError);
    adam.save(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let header = String::from_utf8_lossy(&bytes[8..]);
    assert!(header.contains("\"optimizer\":\"adam\""), "{header}");
    // Its settings too, for whoever reads the file.
    assert!(
        header.contains("optimizer_settings") && header.contains("beta_1: 0.9"),
        "{header}"
    );

    let mut sgd = Model::new(Tiny::zeros(), Sgd::new(0.5), MeanSquaredError);
    let error = sgd.load(&path).unwrap_err().to_string();
    assert!(
        error.contains("\"adam\"") && error.contains("\"sgd\""),
        "{error}"
    );
    assert_eq!(
        sgd.optimizer.learning_rate, 0.5,
        "a refused load changes nothing"
    );
    assert_eq!(sgd.network.dense.kernel, Tiny::zeros().dense.kernel);

    // Trained, the same refusal (not a complaint about slots).
    let mut trained = Model::new(Tiny::seeded(1), RmsProp::new(0.01), MeanSquaredError);
    trained.fit(&data(), &quiet()).unwrap();
    trained.save(&path).unwrap();
    let mut adagrad = Model::new(Tiny::zeros(), Adagrad::new(0.01), MeanSquaredError);
    let error = adagrad.load(&path).unwrap_err().to_string();
    assert!(
        error.contains("\"rmsprop\"") && error.contains("\"adagrad\""),
        "{error}"
    );

    // A checkpoint that does not say which optimizer wrote it.
    std::fs::write(&path, sgd_checkpoint(5.0, 0.02, None)).unwrap();
    let error = sgd_model().load(&path).unwrap_err().to_string();
    assert!(
        error.contains("optimizer") && error.contains("\"sgd\""),
        "{error}"
    );
}

#[test]
fn checkpoint_iterations_must_be_a_whole_number_in_range() {
    let dir = scratch("checkpoint-iterations");
    let path = dir.join("bad.safetensors");
    for (iterations, shown) in [
        (1e30, "1e30"),
        (-1.0, "-1"),
        (2.5, "2.5"),
        (f64::NAN, "NaN"),
        (f64::INFINITY, "inf"),
        (2f64.powi(53) + 2.0, "9007199254740994"),
    ] {
        std::fs::write(&path, sgd_checkpoint(iterations, 0.01, Some("sgd"))).unwrap();
        let mut model = sgd_model();
        let error = model.load(&path).unwrap_err().to_string();
        assert!(
            error.contains("`optimizer.iterations`")
                && error.contains(shown)
                && error.contains("0 to 2^53"),
            "{iterations}: {error}"
        );
        assert_eq!(model.state.iterations, 0, "a refused load changes nothing");
    }
}

#[test]
fn checkpoint_learning_rate_must_be_finite_and_not_negative() {
    let dir = scratch("checkpoint-learning-rate");
    let path = dir.join("bad.safetensors");
    for (learning_rate, shown) in [
        (f64::NAN, "NaN"),
        (-0.1, "-0.1"),
        (f64::INFINITY, "inf"),
        (f64::NEG_INFINITY, "-inf"),
    ] {
        std::fs::write(&path, sgd_checkpoint(3.0, learning_rate, Some("sgd"))).unwrap();
        let mut model = sgd_model();
        let error = model.load(&path).unwrap_err().to_string();
        assert!(
            error.contains("`optimizer.learning_rate`")
                && error.contains(shown)
                && error.contains("a finite number ≥ 0"),
            "{learning_rate}: {error}"
        );
        assert_eq!(model.optimizer.learning_rate, 0.05);
    }
}

#[test]
fn checkpoints_with_non_finite_values_are_refused() {
    let dir = scratch("checkpoint-non-finite");
    let path = dir.join("nan.safetensors");
    let mut tensors = vec![
        f32s("dense.kernel", &[2, 1], &[0.5, -0.5]),
        f32s("dense.bias", &[1], &[0.1]),
        f32s(
            "optimizer.momentum.dense.kernel",
            &[2, 1],
            &[0.01, f32::NAN],
        ),
        f32s("optimizer.momentum.dense.bias", &[1], &[0.03]),
        scalar("optimizer.iterations", 4.0),
        scalar("optimizer.learning_rate", 0.01),
    ];
    let metadata = [("format", "nn-checkpoint"), ("optimizer", "sgd")];
    std::fs::write(&path, safetensors(&tensors, &metadata)).unwrap();
    let error = sgd_model().load(&path).unwrap_err().to_string();
    assert!(
        error.contains("tensor `optimizer.momentum.dense.kernel` holds NaN at index [1, 0]"),
        "{error}"
    );
    tensors[1] = f32s("dense.bias", &[1], &[f32::INFINITY]);
    std::fs::write(&path, safetensors(&tensors, &metadata)).unwrap();
    let error = sgd_model().load(&path).unwrap_err().to_string();
    assert!(
        error.contains("tensor `dense.bias` holds inf at index [0]"),
        "{error}"
    );
}

#[test]
fn load_restores_a_constant_learning_rate_but_leaves_a_schedule_alone() {
    let dir = scratch("checkpoint-schedule");
    let path = dir.join("sgd.safetensors");
    std::fs::write(&path, sgd_checkpoint(7.0, 0.02, Some("sgd"))).unwrap();
    let schedule = nn::optimizers::ExponentialDecay {
        initial_learning_rate: 0.1,
        decay_steps: 10,
        decay_rate: 0.5,
        staircase: false,
    };
    let mut model = Model::new(
        Tiny::zeros(),
        Sgd::new(schedule).momentum(0.9),
        MeanSquaredError,
    );
    model.load(&path).unwrap();
    assert_eq!(model.state.iterations, 7);
    assert_eq!(model.optimizer.learning_rate, schedule);
}

/// Adam's velocity is an average of squared gradients: a negative one in a checkpoint is refused
/// at load, naming the tensor and the index, rather than accepted (its first step would then
/// take the square root of a negative number).
#[test]
fn a_checkpoint_with_a_negative_adam_velocity_is_refused() {
    let dir = scratch("checkpoint-negative-velocity");
    let path = dir.join("adam.safetensors");
    let tensors = |velocity: f32| {
        vec![
            f32s("dense.kernel", &[2, 1], &[0.5, -0.5]),
            f32s("dense.bias", &[1], &[0.1]),
            f32s("optimizer.momentum.dense.kernel", &[2, 1], &[0.01, -0.02]),
            f32s("optimizer.momentum.dense.bias", &[1], &[0.03]),
            f32s(
                "optimizer.velocity.dense.kernel",
                &[2, 1],
                &[0.01, velocity],
            ),
            f32s("optimizer.velocity.dense.bias", &[1], &[0.03]),
            scalar("optimizer.iterations", 4.0),
            scalar("optimizer.learning_rate", 0.01),
        ]
    };
    let metadata = [("format", "nn-checkpoint"), ("optimizer", "adam")];
    let mut model = Model::new(Tiny::zeros(), Adam::new(0.01), MeanSquaredError);
    // A negative momentum is fine; a zero velocity too.
    std::fs::write(&path, safetensors(&tensors(0.0), &metadata)).unwrap();
    model.load(&path).unwrap();
    std::fs::write(&path, safetensors(&tensors(-0.25), &metadata)).unwrap();
    let error = model.load(&path).unwrap_err().to_string();
    assert!(
        error.contains(
            "tensor `optimizer.velocity.dense.kernel` holds -0.25 at index [1, 0]; expected \
             values ≥ 0"
        ),
        "{error}"
    );
}
