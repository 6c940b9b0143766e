//! Bad Keras files: truncated, damaged, another kind of file, or a model that does not fit. Each
//! is answered by an error that says what is wrong (its variant and a fragment of its message are
//! checked), never a panic and never a quiet `Ok`; a failed save leaves what was there intact.
//!
//! The damaged files are made from the real Keras fixtures in `tests/fixtures/keras/`. Zip
//! archives are taken apart and put together by hand here (their members stored, as Keras stores
//! them), so that a test can say exactly what an archive holds.

use std::path::{Path, PathBuf};

use nn::prelude::*;

mod common;
use common::{mlp_weights_h5, scratch, stored_zip, zip_members};

network! {
    /// The fixtures' model.
    pub struct Mlp = Dense<32, 64, Relu>, Dropout<0.5>, Dense<64, 10, Softmax>;
    /// `Mlp` without its last layer.
    pub struct Head = Dense<32, 64, Relu>, Dropout<0.5>;
    /// `Mlp` with Keras's default activation, `linear`.
    pub struct LinearMlp = Dense<32, 64>, Dropout<0.5>, Dense<64, 10>;
    /// `cnn.keras`'s model.
    pub struct Cnn =
        Input<10, 10, 2>,
        Conv2D<4, (3, 3), Relu, padding = Same>,
        BatchNormalization,
        MaxPool2D<(2, 2)>,
        Conv2D<6, (2, 3), Elu, strides = (1, 2)>,
        AvgPool2D<(2, 1)>,
        Flatten,
        Dense<_, 5, Softmax>;
    /// The compiled model of `adam_trained.keras`.
    pub struct AdamTrained = Dense<4, 8, Tanh>, Dense<8, 3, Softmax>;
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keras")
        .join(name)
}

fn read_fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap()
}

/// The problem of an [`nn::Error::Format`], failing on anything else.
fn format_problem<N>(result: Result<N, nn::Error>) -> String {
    match result {
        Err(nn::Error::Format { problem, .. }) => problem,
        Err(other) => panic!("expected a format error, got {other:?}"),
        Ok(_) => panic!("expected a format error, got Ok"),
    }
}

/// The problems of an [`nn::Error::Mismatch`], failing on anything else.
fn mismatch_problems<N>(result: Result<N, nn::Error>) -> Vec<String> {
    match result {
        Err(nn::Error::Mismatch { problems, .. }) => problems,
        Err(other) => panic!("expected a mismatch, got {other:?}"),
        Ok(_) => panic!("expected a mismatch, got Ok"),
    }
}

/// Writes `bytes` to `dir/name` and loads it as an `Mlp`.
fn load_bytes(dir: &Path, name: &str, bytes: &[u8]) -> Result<Mlp, nn::Error> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    nn::keras::load::<f32, Mlp>(&path)
}

/// `mlp.keras`'s members, with `replace` applied to each (`None` leaves a member out).
fn mlp_archive(replace: impl Fn(&str, &[u8]) -> Option<Vec<u8>>) -> Vec<u8> {
    archive("mlp.keras", replace)
}

/// The members of the fixture `name` (a `.keras` archive), with `replace` applied to each
/// (`None` leaves a member out).
fn archive(name: &str, replace: impl Fn(&str, &[u8]) -> Option<Vec<u8>>) -> Vec<u8> {
    let members: Vec<(String, Vec<u8>)> = zip_members(&read_fixture(name))
        .into_iter()
        .filter_map(|(name, _, data)| replace(&name, &data).map(|data| (name, data)))
        .collect();
    let borrowed: Vec<(&str, &[u8])> = members
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    stored_zip(&borrowed)
}

/// `bytes` with the first occurrence of `from` replaced by `to` (of the same length).
fn patched(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let at = bytes
        .windows(from.len())
        .position(|w| w == from)
        .expect("the pattern is in the file");
    let mut bytes = bytes.to_vec();
    bytes[at..at + to.len()].copy_from_slice(to);
    bytes
}

#[test]
fn the_hand_made_archive_of_the_fixtures_members_loads() {
    // The helpers are right: an archive rebuilt from the fixture's members unchanged loads.
    let dir = scratch("rebuilt");
    let archive = mlp_archive(|_, data| Some(data.to_vec()));
    load_bytes(&dir, "mlp.keras", &archive).unwrap();
}

#[test]
fn an_empty_file_and_random_bytes_are_not_keras_files() {
    let dir = scratch("not-keras");
    let mut noise = vec![0u8; 4096];
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    for byte in &mut noise {
        // xorshift64
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        *byte = state as u8;
    }
    // Not `{`, `PK` or HDF5's signature.
    noise[0] = 0x07;
    for (name, bytes) in [("empty.keras", &[][..]), ("noise.keras", &noise[..])] {
        let problem = format_problem(load_bytes(&dir, name, bytes));
        assert!(
            problem.starts_with("not a Keras file: expected a `.keras` archive (a zip)"),
            "{name}: {problem}"
        );
    }
}

#[test]
fn a_truncated_keras_archive_is_refused() {
    let dir = scratch("truncated-keras");
    let valid = read_fixture("mlp.keras");
    // In the first member, in `config.json`, in the weights, in the central directory, one
    // byte short of the end.
    for cut in [4, 120, 3000, valid.len() - 200, valid.len() - 1] {
        let problem = format_problem(load_bytes(&dir, "cut.keras", &valid[..cut]));
        assert!(
            problem.starts_with("not a readable `.keras` archive (a zip file)"),
            "cut at {cut}: {problem}"
        );
    }
}

#[test]
fn a_truncated_hdf5_file_is_refused() {
    let dir = scratch("truncated-hdf5");
    for file in ["mlp.weights.h5", "mlp.h5"] {
        let valid = read_fixture(file);
        for cut in [8, 100, valid.len() / 2, valid.len() - 1] {
            let result = load_bytes(&dir, file, &valid[..cut]);
            assert!(
                result.is_err(),
                "{file} cut at {cut} of {} loads",
                valid.len()
            );
            let problem = format_problem(result);
            assert!(
                problem.contains("HDF5") || problem.contains("cannot be read"),
                "{file} cut at {cut}: {problem}"
            );
        }
    }
}

#[test]
fn a_keras_archive_with_truncated_weights_is_refused() {
    let dir = scratch("truncated-member");
    let archive = mlp_archive(|name, data| {
        Some(if name == "model.weights.h5" {
            data[..data.len() / 2].to_vec()
        } else {
            data.to_vec()
        })
    });
    let problem = format_problem(load_bytes(&dir, "half.keras", &archive));
    assert!(problem.starts_with("`model.weights.h5`: "), "{problem}");
}

#[test]
fn a_zip_that_is_not_a_keras_archive_is_refused() {
    let dir = scratch("other-zip");
    let zip = stored_zip(&[("notes.txt", b"not a model")]);
    let problem = format_problem(load_bytes(&dir, "notes.keras", &zip));
    assert_eq!(
        problem,
        "the archive has no `config.json` (is it a `.keras` file?)"
    );
    // An archive with the configuration but without the weights.
    let archive = mlp_archive(|name, data| (name != "model.weights.h5").then(|| data.to_vec()));
    let problem = format_problem(load_bytes(&dir, "no-weights.keras", &archive));
    assert_eq!(
        problem,
        "the archive has no `model.weights.h5` (is it a `.keras` file?)"
    );
}

#[test]
fn a_damaged_member_fails_its_checksum() {
    let dir = scratch("crc");
    let mut archive = read_fixture("mlp.keras");
    let (_, start, _) = zip_members(&archive)
        .into_iter()
        .find(|(name, _, _)| name == "config.json")
        .unwrap();
    // `{"module"` becomes `{"modulE"`: still JSON, but not the bytes the checksum was taken of.
    archive[start + 8] = b'E';
    let problem = format_problem(load_bytes(&dir, "crc.keras", &archive));
    assert!(
        problem.starts_with("`config.json` in the archive is damaged: ")
            && problem.contains("checksum"),
        "{problem}"
    );
}

#[test]
fn a_configuration_that_is_not_json_is_refused() {
    let dir = scratch("not-json");
    let archive = mlp_archive(|name, data| {
        Some(if name == "config.json" {
            b"{\"class_name\": \"Sequential\", \"config\": ".to_vec()
        } else {
            data.to_vec()
        })
    });
    let problem = format_problem(load_bytes(&dir, "not-json.keras", &archive));
    assert!(
        problem.starts_with("the model's configuration is not JSON: "),
        "{problem}"
    );
}

#[test]
fn a_configuration_with_another_class_is_a_mismatch() {
    let dir = scratch("class");
    let archive = mlp_archive(|name, data| {
        Some(if name == "config.json" {
            String::from_utf8(data.to_vec())
                .unwrap()
                .replace(
                    "\"class_name\": \"Dropout\"",
                    "\"class_name\": \"GaussianDropout\"",
                )
                .into_bytes()
        } else {
            data.to_vec()
        })
    });
    let problems = mismatch_problems(load_bytes(&dir, "class.keras", &archive));
    assert_eq!(
        problems,
        [
            "layer 2 `dropout`: the file's layer is `GaussianDropout`, `Mlp` declares `Dropout` (`dropout`)"
        ]
    );
}

#[test]
fn missing_and_extra_weights_are_mismatches() {
    let dir = scratch("weights");
    // Weights of `Head` (no last layer) for `Mlp`.
    let head = dir.join("head.weights.h5");
    nn::keras::save_weights(&Head::seeded(1), &head).unwrap();
    let problems = mismatch_problems(nn::keras::load::<f32, Mlp>(&head));
    assert_eq!(
        problems,
        [
            "layer 3 `dense_1` (Dense): the file has no weights for it (`Mlp` expects kernel \
             (64, 10), bias (10,))"
        ]
    );
    // Weights of `Mlp` for `Head`: the last layer's are left over.
    let mlp = fixture("mlp.weights.h5");
    let problems = mismatch_problems(nn::keras::load::<f32, Head>(&mlp));
    assert_eq!(
        problems,
        [
            "the file has weights for a layer `dense_1` ((64, 10), (10,)) that `Head` does not \
             declare"
        ]
    );
}

/// The first float32 datatype message of a little-endian HDF5 file: class 1 (floating point)
/// version 1, little-endian with an implied leading mantissa bit, sign at bit 31; 4 bytes; bit
/// offset 0, precision 32, exponent at bit 23 of 8 bits, mantissa at bit 0 of 23 bits, bias 127.
const F32_TYPE: [u8; 20] = [
    0x11, 0x20, 0x1f, 0x00, 4, 0, 0, 0, 0, 0, 32, 0, 23, 8, 0, 23, 127, 0, 0, 0,
];

#[test]
fn weights_that_are_not_float32_or_float64_are_refused() {
    let dir = scratch("dtype");
    let valid = read_fixture("mlp.weights.h5");
    // The same bytes declared as signed 32-bit integers: class 0 (fixed point), signed, 4 bytes,
    // bit offset 0, precision 32 (the rest of the message is padding to it).
    let mut int = F32_TYPE;
    int[..4].copy_from_slice(&[0x10, 0x08, 0x00, 0x00]);
    let problems = mismatch_problems(load_bytes(
        &dir,
        "int.weights.h5",
        &patched(&valid, &F32_TYPE, &int),
    ));
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].contains("holds integers in the file")
            && problems[0].contains("weights must be float32 or float64"),
        "{problems:#?}"
    );
    // Declared as IEEE half precision: 2 bytes, sign at bit 15, exponent at bit 10 of 5 bits,
    // mantissa at bit 0 of 10 bits, bias 15.
    let half: [u8; 20] = [
        0x11, 0x20, 0x0f, 0x00, 2, 0, 0, 0, 0, 0, 16, 0, 10, 5, 0, 10, 15, 0, 0, 0,
    ];
    let problem = format_problem(load_bytes(
        &dir,
        "half.weights.h5",
        &patched(&valid, &F32_TYPE, &half),
    ));
    assert!(
        problem.starts_with(
            "`layers/dense/vars/0` holds other(f16) values; weights must be float32 or float64"
        ),
        "{problem}"
    );
}

#[test]
fn a_shard_index_naming_a_missing_shard_is_an_io_error() {
    let dir = scratch("missing-shard");
    let index = dir.join("m.weights.json");
    std::fs::write(
        &index,
        r#"{"weight_map": {"/layers/dense/vars": "m_00000.weights.h5"}}"#,
    )
    .unwrap();
    match nn::keras::load::<f32, Mlp>(&index) {
        Err(error @ nn::Error::Io { .. }) => {
            let nn::Error::Io { path, message, .. } = &error else {
                unreachable!()
            };
            assert_eq!(*path, dir.join("m_00000.weights.h5"));
            assert!(message.contains("No such file"), "{message}");
            // The operating system's error is its source, with its kind.
            let io = std::error::Error::source(&error)
                .and_then(|e| e.downcast_ref::<std::io::Error>())
                .expect("the source is the std::io::Error");
            assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
            assert_eq!(io.to_string(), *message);
        }
        other => panic!("expected an I/O error, got {other:?}"),
    }
}

#[test]
fn a_shard_index_naming_a_file_elsewhere_is_refused() {
    let dir = scratch("escape");
    // The shard exists, one directory up: it is refused all the same.
    std::fs::copy(fixture("mlp.weights.h5"), dir.join("x.weights.h5")).unwrap();
    std::fs::create_dir(dir.join("sub")).unwrap();
    for shard in [
        "../x.weights.h5",
        "/etc/passwd",
        "sub/x.weights.h5",
        "C:x.weights.h5",
        "..",
    ] {
        let index = format!(r#"{{"weight_map": {{"/layers/dense/vars": ["{shard}"]}}}}"#);
        let problem = format_problem(load_bytes(
            &dir.join("sub"),
            "m.weights.json",
            index.as_bytes(),
        ));
        assert_eq!(
            problem,
            format!("the shard index names `{shard}`, which is not a file beside it")
        );
    }
}

#[test]
fn a_failed_save_leaves_what_was_there() {
    let dir = scratch("failed-save");
    let net = Mlp::seeded(1);
    // A directory that does not exist.
    let nowhere = dir.join("missing").join("m.keras");
    assert!(
        matches!(nn::keras::save(&net, &nowhere), Err(nn::Error::Io { path, .. }) if path == nowhere)
    );
    assert!(!dir.join("missing").exists());
    // A directory where the file would go: it stays, with what it holds, and nothing is left
    // beside it.
    let taken = dir.join("taken.keras");
    std::fs::create_dir(&taken).unwrap();
    std::fs::write(taken.join("keep"), b"kept").unwrap();
    assert!(
        matches!(nn::keras::save(&net, &taken), Err(nn::Error::Io { path, .. }) if path == taken)
    );
    assert_eq!(std::fs::read(taken.join("keep")).unwrap(), b"kept");
    // An existing model is untouched by a save refused for its name.
    let model = dir.join("model.keras");
    nn::keras::save(&net, &model).unwrap();
    let before = std::fs::read(&model).unwrap();
    let wrong = dir.join("model.h5");
    std::fs::copy(&model, &wrong).unwrap();
    assert!(matches!(
        nn::keras::save(&Mlp::seeded(2), &wrong),
        Err(nn::Error::Setting { problem, .. }) if problem.contains("does not end in `.keras`")
    ));
    assert_eq!(std::fs::read(&wrong).unwrap(), before);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["model.h5", "model.keras", "taken.keras"]);
    // The saved model still loads.
    nn::keras::load::<f32, Mlp>(&model).unwrap();
}

/// Chunked storage that was never written (or barely) has a logical size far beyond the file:
/// reading it must be refused, not allocated (the first file claims 64 GiB in 10 kB).
#[test]
fn chunked_weights_beyond_the_file_s_size_are_refused() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keras/bad");
    let problem = format_problem(nn::keras::load::<f32, Mlp>(
        dir.join("unwritten_chunked.weights.h5"),
    ));
    assert!(
        problem.contains("has no data in the file (it was never written)"),
        "{problem}"
    );
    let problem = format_problem(nn::keras::load::<f32, Mlp>(
        dir.join("sparse_chunked.weights.h5"),
    ));
    assert!(
        problem.contains("would expand to 1073741824 bytes"),
        "{problem}"
    );
}

/// The fixture `name` (a `.keras` archive) with the settings `keys` taken out of the
/// configuration of each layer for which `which(class, key, value)` holds.
fn without_settings(
    name: &str,
    keys: &[&str],
    which: impl Fn(&str, &str, &str) -> bool,
) -> Vec<u8> {
    archive(name, |member, data| {
        if member != "config.json" {
            return Some(data.to_vec());
        }
        let mut config: serde_json::Value = serde_json::from_slice(data).unwrap();
        for layer in config["config"]["layers"].as_array_mut().unwrap() {
            let class = layer["class_name"].as_str().unwrap().to_string();
            let settings = layer["config"].as_object_mut().unwrap();
            settings.retain(|key, value| {
                !(keys.contains(&key.as_str()) && which(&class, key, &value.to_string()))
            });
        }
        Some(serde_json::to_vec(&config).unwrap())
    })
}

/// `cnn.keras` without `activation`, `padding` and `strides`, which a file may leave out (Keras
/// then takes its defaults): the fixture `cnn_missing_settings.keras`, which the build-time check
/// reads too (`tests/ui/keras/missing_settings.rs`).
fn cnn_missing_settings() -> Vec<u8> {
    without_settings(
        "cnn.keras",
        &["activation", "padding", "strides"],
        |_, _, _| true,
    )
}

#[test]
fn the_fixture_without_settings_is_cnn_keras_without_them() {
    // `NN_FIXTURES=overwrite` writes it, as `TRYBUILD=overwrite` writes the ui snapshots.
    let bytes = cnn_missing_settings();
    let path = fixture("cnn_missing_settings.keras");
    if std::env::var_os("NN_FIXTURES").is_some_and(|v| v == "overwrite") {
        std::fs::write(&path, &bytes).unwrap();
    }
    assert!(
        std::fs::read(&path).is_ok_and(|committed| committed == bytes),
        "{} is not `cnn.keras` without its activations, paddings and strides: run this test \
         with NN_FIXTURES=overwrite",
        path.display()
    );
}

#[test]
fn settings_a_file_leaves_out_are_keras_s_defaults() {
    let dir = scratch("missing-settings");
    // Keras builds `cnn_missing_settings.keras` with linear activations, valid padding and
    // strides of 1 (a pool's: its size), which are not `Cnn`'s.
    let problems = mismatch_problems(nn::keras::load::<f32, Cnn>(fixture(
        "cnn_missing_settings.keras",
    )));
    assert_eq!(
        problems,
        [
            "layer 1 `conv2d`: the file has no padding, which Keras takes as \"valid\", `Cnn` \
             declares \"same\"",
            "layer 1 `conv2d`: the file has no activation, which Keras takes as \"linear\", \
             `Cnn` declares \"relu\"",
            "layer 4 `conv2d_1`: the file has no strides, which Keras takes as 1, `Cnn` declares \
             (1, 2)",
            "layer 4 `conv2d_1`: the file has no activation, which Keras takes as \"linear\", \
             `Cnn` declares \"elu\"",
            "layer 7 `dense_8`: the file has no activation, which Keras takes as \"linear\", \
             `Cnn` declares \"softmax\"",
        ],
        "{problems:#?}"
    );
    // Left out where the file's value is Keras's default, they load: valid padding, strides of
    // 1 for a convolution and the pool's size for a pool.
    let defaults =
        without_settings(
            "cnn.keras",
            &["padding", "strides"],
            |class, key, value| match key {
                "padding" => value == "\"valid\"",
                _ if class.contains("Pooling") => true,
                _ => value == "[1,1]",
            },
        );
    let path = dir.join("defaults.keras");
    std::fs::write(&path, defaults).unwrap();
    nn::keras::load::<f32, Cnn>(&path).unwrap();

    // Without activations, `mlp.keras` is linear: `Mlp`'s are not, `LinearMlp`'s are.
    let linear = without_settings("mlp.keras", &["activation"], |_, _, _| true);
    let problems = mismatch_problems(load_bytes(&dir, "linear.keras", &linear));
    assert_eq!(
        problems,
        [
            "layer 1 `dense`: the file has no activation, which Keras takes as \"linear\", `Mlp` \
             declares \"relu\"",
            "layer 3 `dense_1`: the file has no activation, which Keras takes as \"linear\", \
             `Mlp` declares \"softmax\"",
        ],
        "{problems:#?}"
    );
    std::fs::write(dir.join("linear.keras"), &linear).unwrap();
    nn::keras::load::<f32, LinearMlp>(dir.join("linear.keras")).unwrap();
}

/// `mlp.keras` with its `config.json` passed through `edit`.
fn mlp_with_config(edit: impl Fn(String) -> String) -> Vec<u8> {
    mlp_archive(|name, data| {
        Some(if name == "config.json" {
            edit(String::from_utf8(data.to_vec()).unwrap()).into_bytes()
        } else {
            data.to_vec()
        })
    })
}

/// Issue 22, defect 2: a `(64,)` bias stored as one deflated chunk whose chunk shape claims
/// 16 M values, its stream (about 400 kB) inflating to all of them: 64 MiB read out of a file
/// of 400 kB, for 256 bytes kept. It is refused before anything is inflated (it loaded before,
/// after inflating the chunk).
#[test]
fn a_chunk_that_inflates_past_its_dataset_is_refused() {
    let dir = scratch("chunk-bomb");
    // The same file without the bomb loads: the damage, not the builder, makes the error.
    load_bytes(&dir, "plain.weights.h5", &mlp_weights_h5(0, None)).unwrap();
    let problem = format_problem(load_bytes(
        &dir,
        "bomb.weights.h5",
        &mlp_weights_h5(0, Some(64 << 20)),
    ));
    assert_eq!(
        problem,
        "`layers/dense/vars/1` has 1 chunks of shape [16777216], which decode to more than its \
         shape [64] can need (damaged?)"
    );
}

/// Issue 22, defect 3: each group under `layers/` is walked once, so thousands of empty groups
/// load (4,000 took 16 s in a debug build when each layer's four paths were looked up from the
/// root); far more groups than any model has layers are refused, saying so.
#[test]
fn thousands_of_empty_layer_groups_load_and_far_more_are_refused() {
    let dir = scratch("empty-groups");
    load_bytes(&dir, "some.weights.h5", &mlp_weights_h5(4_000, None)).unwrap();
    let problem = format_problem(load_bytes(
        &dir,
        "many.weights.h5",
        &mlp_weights_h5(10_000, None),
    ));
    assert_eq!(
        problem,
        "`layers/` has 10003 groups, more than the 10000 layers a model may have"
    );
}

/// Issue 22: a soft link (which h5py writes as a symbol-table entry with no object address)
/// is refused in words, not as "need 18446744073709551615 bytes".
#[test]
fn a_soft_link_is_refused_in_words() {
    let dir = scratch("soft-link");
    let mut bytes = read_fixture("mlp.weights.h5");
    // The first entry of the first symbol-table node (a child of the root group): its object
    // header address becomes HDF5's undefined address, and its cache type 2 (a soft link).
    let node = bytes.windows(4).position(|w| w == b"SNOD").unwrap();
    let entry = node + 8;
    bytes[entry + 8..entry + 16].fill(0xFF);
    bytes[entry + 16..entry + 20].copy_from_slice(&2u32.to_le_bytes());
    let problem = format_problem(load_bytes(&dir, "soft.weights.h5", &bytes));
    assert_eq!(
        problem,
        "the HDF5 file has a link to no object here (soft and external links are not \
         supported: Keras writes neither)"
    );
}

/// Issue 22, defect 4: a configuration larger, with more values or deeper than any model's is
/// refused before it is parsed into a tree (a 60 MB one took 2.4 GB); each of these loaded
/// before.
#[test]
fn a_configuration_beyond_any_model_s_is_refused() {
    let dir = scratch("huge-config");
    // 5 MiB: spaces after the JSON.
    let padded = mlp_with_config(|text| text + &" ".repeat(5 << 20));
    let problem = format_problem(load_bytes(&dir, "padded.keras", &padded));
    assert!(
        problem.starts_with("`config.json` in the archive claims ")
            && problem.ends_with("bytes, more than the 4194304 bytes allowed"),
        "{problem}"
    );
    // 300,000 values in 600 kB: a list of zeros among the first layer's settings.
    let zeros = vec!["0"; 300_000].join(",");
    let many = mlp_with_config(|text| {
        text.replacen(
            "\"batch_shape\"",
            &format!("\"junk\": [{zeros}], \"batch_shape\""),
            1,
        )
    });
    let problem = format_problem(load_bytes(&dir, "many.keras", &many));
    assert_eq!(
        problem,
        "the model's configuration holds more than 262144 values"
    );
    // 100 levels of lists.
    let deep = mlp_with_config(|text| {
        let list = format!("{}{}", "[".repeat(100), "]".repeat(100));
        text.replacen(
            "\"batch_shape\"",
            &format!("\"junk\": {list}, \"batch_shape\""),
            1,
        )
    });
    let problem = format_problem(load_bytes(&dir, "deep.keras", &deep));
    assert_eq!(
        problem,
        "the model's configuration nests deeper than 64 levels"
    );
}

/// Issue 22: a negative size in the input shape is an error, not an unknown size (`null`).
#[test]
fn a_negative_input_size_is_refused() {
    let dir = scratch("negative-input");
    let archive = mlp_with_config(|text| text.replacen("[null, 32]", "[null, -32]", 1));
    let problem = format_problem(load_bytes(&dir, "negative.keras", &archive));
    assert_eq!(
        problem,
        "layer `input_layer` has the input shape [null,-32]: a size must be a whole number ≥ 0, \
         or null for one not known"
    );
}

/// Issue 22, defect 6: a model file must be a regular file (after symbolic links) of at most
/// 4 GiB. A symbolic link to `/dev/zero` (read without end before), a FIFO (which blocked the
/// reader until something wrote to it), a directory, and a sparse file of 4 GiB and one byte
/// are refused before they are read, by every loader, and so is a shard the index names.
#[cfg(unix)]
#[test]
fn special_and_oversized_files_are_refused_before_they_are_read() {
    let dir = scratch("special");
    let zero = dir.join("zero.keras");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let fifo = dir.join("fifo.keras");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    let folder = dir.join("folder.keras");
    std::fs::create_dir(&folder).unwrap();
    let huge = dir.join("huge.keras");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len((4 << 30) + 1)
        .unwrap();
    let index = dir.join("m.weights.json");
    std::fs::write(
        &index,
        r#"{"weight_map": {"/layers/dense/vars": "zero.keras"}}"#,
    )
    .unwrap();
    for (path, expected) in [
        (&zero, "not a regular file (a device)"),
        (&fifo, "not a regular file (a FIFO)"),
        (&folder, "not a regular file (a directory)"),
        (
            &huge,
            "the file has 4294967297 bytes, more than the 4294967296 bytes a model file may have",
        ),
        (&index, "not a regular file (a device)"),
    ] {
        let mut problems = vec![format_problem(nn::keras::load::<f32, Mlp>(path))];
        if path != &index {
            problems.push(format_problem(nn::io::load_weights::<f32, Mlp>(path)));
            let mut model = Model::new(Mlp::zeros(), Adam::new(0.01), MeanSquaredError);
            problems.push(format_problem(model.load(path).map(|()| model)));
        }
        for problem in problems {
            assert!(
                problem.starts_with(expected),
                "{}: {problem}",
                path.display()
            );
        }
    }
    // The sparse file takes no room, but 4 GiB as far as anything that copies it knows.
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 22: a negative Adam velocity (an average of squared gradients) is refused when the
/// state is loaded, naming the variable, rather than at the first step.
#[test]
fn a_negative_adam_velocity_is_refused_at_load() {
    let dir = scratch("negative-velocity");
    let fixture = read_fixture("adam_trained.keras");
    let members = zip_members(&fixture);
    let weights = &members
        .iter()
        .find(|(name, _, _)| name == "model.weights.h5")
        .unwrap()
        .2;
    // `optimizer/vars/3` is the first kernel's velocity (after the step count, the learning
    // rate and the kernel's momentum); its first value becomes -1.
    let file = hdf5_pure::File::from_bytes(weights.clone()).unwrap();
    let hdf5_pure::Layout::Contiguous {
        address: Some(address),
        ..
    } = file.dataset("optimizer/vars/3").unwrap().layout().unwrap()
    else {
        panic!("Keras stores its variables contiguously");
    };
    let mut damaged = weights.clone();
    let at = address as usize;
    damaged[at..at + 4].copy_from_slice(&(-1.0f32).to_le_bytes());
    let borrowed: Vec<(&str, &[u8])> = members
        .iter()
        .map(|(name, _, data)| {
            let data = if name == "model.weights.h5" {
                &damaged
            } else {
                data
            };
            (name.as_str(), data.as_slice())
        })
        .collect();
    let path = dir.join("adam.keras");
    std::fs::write(&path, stored_zip(&borrowed)).unwrap();
    let problem = format_problem(nn::keras::load_optimizer_state::<f32, AdamTrained, _>(
        &path,
        &Adam::new(0.01),
    ));
    assert_eq!(
        problem,
        "the optimizer variable `optimizer/vars/3` (`dense.kernel`'s velocity) holds -1; its \
         values cannot be negative"
    );
}

/// A shard index is bounded as a configuration is (it was parsed whole into a JSON tree): one
/// of 5 MiB, its JSON sound and its shard there, is refused.
#[test]
fn a_shard_index_beyond_any_model_s_is_refused() {
    let dir = scratch("huge-index");
    std::fs::copy(fixture("mlp.weights.h5"), dir.join("m_00000.weights.h5")).unwrap();
    let index = r#"{"weight_map": {"/layers/dense/vars": "m_00000.weights.h5"}}"#;
    load_bytes(&dir, "m.weights.json", index.as_bytes()).unwrap();
    let padded = format!("{index}{}", " ".repeat(5 << 20));
    let problem = format_problem(load_bytes(&dir, "m.weights.json", padded.as_bytes()));
    assert_eq!(
        problem,
        "the shard index has 5242940 bytes, more than the 4194304 bytes allowed"
    );
}

/// Compressed weights load with their values: each tensor deflated in chunks that do not divide
/// its shape, read out of the file when it is put into the network.
#[test]
fn chunked_compressed_weights_load_with_their_values() {
    use hdf5_pure::FileBuilder;
    let dir = scratch("chunked");
    let mut builder = FileBuilder::new();
    let mut layers = builder.create_group("layers");
    let values =
        |n: usize, at: usize| -> Vec<f32> { (0..n).map(|i| (i + at) as f32 / 1000.0).collect() };
    for (name, inputs, units, at) in [
        ("dense", 32, 64, 0),
        ("dropout", 0, 0, 0),
        ("dense_1", 64, 10, 5000),
    ] {
        let mut group = layers.create_group(name);
        let mut vars = group.create_group("vars");
        if units > 0 {
            vars.create_dataset("0")
                .with_f32_data(&values(inputs * units, at))
                .with_shape(&[inputs as u64, units as u64])
                .with_chunks(&[7, 9])
                .with_deflate(6);
            vars.create_dataset("1")
                .with_f32_data(&values(units, at + 1))
                .with_shape(&[units as u64])
                .with_chunks(&[3])
                .with_deflate(6);
        }
        group.add_group(vars.finish());
        layers.add_group(group.finish());
    }
    builder.add_group(layers.finish());
    let net = load_bytes(&dir, "chunked.weights.h5", &builder.finish().unwrap()).unwrap();
    let params: Vec<(String, Vec<f32>)> = net
        .params()
        .map(|(layer, p)| (format!("{layer}.{}", p.key()), p.values.to_vec()))
        .collect();
    assert_eq!(params[0].1, values(32 * 64, 0), "{}", params[0].0);
    assert_eq!(params[1].1, values(64, 1), "{}", params[1].0);
    assert_eq!(params[2].1, values(64 * 10, 5000), "{}", params[2].0);
    assert_eq!(params[3].1, values(10, 5001), "{}", params[3].0);
}

/// The first error in `error`'s chain of sources (itself excluded) that is an `E`.
fn cause<E: std::error::Error + 'static>(error: &nn::Error) -> Option<&E> {
    let mut next = std::error::Error::source(error);
    while let Some(e) = next {
        if let Some(found) = e.downcast_ref::<E>() {
            return Some(found);
        }
        next = e.source();
    }
    None
}

#[test]
fn a_damaged_file_s_error_has_the_reading_library_s_error_as_its_cause() {
    let dir = scratch("causes");
    // A truncated archive: zip's error.
    let valid = read_fixture("mlp.keras");
    let error = load_bytes(&dir, "cut.keras", &valid[..120]).err().unwrap();
    assert!(matches!(error, nn::Error::Format { .. }), "{error:?}");
    let file = cause::<nn::keras::FileError>(&error).expect("the reader's error in the chain");
    assert!(
        matches!(file, nn::keras::FileError::Archive { .. }),
        "{file:?}"
    );
    let zip = cause::<zip::result::ZipError>(&error).expect("a zip error in the chain");
    assert!(error.to_string().ends_with(&zip.to_string()), "{error}");
    // A configuration that is not JSON: serde_json's error.
    let archive = mlp_archive(|name, data| {
        Some(if name == "config.json" {
            b"{\"class_name\": ".to_vec()
        } else {
            data.to_vec()
        })
    });
    let error = load_bytes(&dir, "not-json.keras", &archive).err().unwrap();
    let file = cause::<nn::keras::FileError>(&error).expect("the reader's error in the chain");
    assert!(
        matches!(file, nn::keras::FileError::Config { .. }),
        "{file:?}"
    );
    let json = cause::<serde_json::Error>(&error).expect("a JSON error in the chain");
    assert!(json.is_eof(), "{json:?}");
    // An HDF5 file whose root group's object header is overwritten: hdf5-pure's error.
    let mut h5 = read_fixture("mlp.weights.h5");
    h5[96..104].fill(0xEE);
    let error = load_bytes(&dir, "damaged.weights.h5", &h5).err().unwrap();
    let problem = error.to_string();
    let file = cause::<nn::keras::FileError>(&error).expect("the reader's error in the chain");
    assert!(
        matches!(file, nn::keras::FileError::Weights { .. }),
        "{file:?}"
    );
    let hdf5 = cause::<hdf5_pure::Error>(&error).expect("an HDF5 error in the chain");
    assert!(
        problem.ends_with(&format!("not a readable HDF5 file ({hdf5})")),
        "{problem}"
    );
    // A file that is no Keras file at all has no cause underneath.
    let error = load_bytes(&dir, "random.keras", b"random bytes")
        .err()
        .unwrap();
    assert!(std::error::Error::source(&error).is_none(), "{error:?}");
}

network! {
    /// `depthwise_model.keras`'s model.
    pub struct Depthwise =
        Input<9, 8, 3>,
        DepthwiseConv2D<(3, 3), Relu, strides = (2, 2), padding = Same, depth_multiplier = 2>,
        DepthwiseConv2D<(2, 3), Tanh, strides = (2, 1), dilation_rate = (2, 1), use_bias = false>,
        DepthwiseConv2D<(2, 2), padding = Same>,
        GlobalAvgPool2D,
        Dense<_, 3, Softmax>;
}

/// tf.keras 2 wrote `groups: 1` into a `DepthwiseConv2D`'s configuration (inherited from
/// `Conv2D`), which Keras 3 refuses: it is read as the neutral value it is, and any other value
/// is refused in words.
#[test]
fn a_depthwise_convolution_s_legacy_groups_is_read_only_as_1() {
    let dir = scratch("depthwise-groups");
    let with_groups = |groups: u32| {
        archive("depthwise_model.keras", |name, data| {
            Some(if name == "config.json" {
                let text = String::from_utf8(data.to_vec()).unwrap();
                let edited = text.replacen(
                    "\"depth_multiplier\": 2,",
                    &format!("\"depth_multiplier\": 2, \"groups\": {groups},"),
                    1,
                );
                assert_ne!(
                    edited, text,
                    "the fixture's first layer has a depth multiplier"
                );
                edited.into_bytes()
            } else {
                data.to_vec()
            })
        })
    };
    let path = dir.join("groups1.keras");
    std::fs::write(&path, with_groups(1)).unwrap();
    let loaded = Depthwise::load_keras(&path).unwrap();
    let reference = Depthwise::load_keras(fixture("depthwise_model.keras")).unwrap();
    assert_eq!(
        loaded.depthwise_conv2d.depthwise_kernel,
        reference.depthwise_conv2d.depthwise_kernel
    );
    // The committed file of the build-time case (`tests/ui/keras/depthwise_groups.rs`) is this
    // one: the same members.
    let members = |zip: &[u8]| -> Vec<(String, Vec<u8>)> {
        zip_members(zip)
            .into_iter()
            .map(|(name, _, data)| (name, data))
            .collect()
    };
    assert_eq!(
        members(&read_fixture("depthwise_groups.keras")),
        members(&with_groups(2))
    );
    let path = dir.join("groups2.keras");
    std::fs::write(&path, with_groups(2)).unwrap();
    let problems = mismatch_problems(Depthwise::load_keras(&path));
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].starts_with("layer 1 `depthwise_conv2d`: the file has groups = 2")
            && problems[0].contains("only groups = 1"),
        "{problems:#?}"
    );
}
