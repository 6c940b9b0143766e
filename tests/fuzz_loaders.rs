//! Every loader fed damaged files: truncated, bit-flipped, with a random header, random bytes,
//! with a stretch repeated or a size field set to its largest value. Each case must return `Ok`
//! or `Err`, never panic, abort, ask for more than [`LIMIT`] bytes at once (the files are tiny,
//! so a larger request means a loader trusted a size in the file), hold more than [`LIVE_LIMIT`]
//! bytes at any moment, or take more than [`CASE_TIME`].
//!
//! The Keras formats are fuzzed from the real fixtures (`tests/fixtures/keras/mlp.*`): the whole
//! `.keras` archive, `.weights.h5` and legacy `.h5` files, and the archive's `config.json` and
//! `model.weights.h5` damaged inside an otherwise sound archive (their checksums right, so that
//! the damage reaches the JSON and HDF5 readers rather than stopping at the zip's CRC check);
//! and the `model.weights.h5` of `blocks_trained.keras`, a compiled functional model with blocks,
//! whose weights and optimizer state `Model::load_keras` restores.
//!
//! A PyTorch state dict (`tests/fixtures/pytorch/cnn.safetensors`, read by `load_pytorch`) and
//! an ONNX file of an embedding and a GRU (`tests/fixtures/onnx/embedding_gru.onnx`, read by
//! `load_onnx`) are fuzzed with the other formats.
//!
//! Then hostile files, built here (issue 22): decompression bombs in HDF5 chunks and in archive
//! members, thousands of empty layer groups, configurations of tens of megabytes, and paths to a
//! device, a FIFO, a directory or a sparse file larger than any model.
//!
//! The cases are drawn from fixed seeds, so a failure names a case that repeats. CI runs
//! [`CASES`] per format and [`KERAS_CASES`] per Keras format;
//! `cargo test --release --test fuzz_loaders -- --ignored` runs a hundred times more.

use std::alloc::{GlobalAlloc, Layout, System};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use nn::data::{read_csv, read_idx};
use nn::io::{load_weights, save_weights};
use nn::prelude::*;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

mod common;
use common::{crc32, gzip, idx, mlp_weights_h5, scratch, stored_zip, zip_members};

/// The largest single allocation a loader may ask for on these tiny files.
const LIMIT: usize = 256 << 20;

/// The most bytes the test process may hold at once, all tests together: a few hundred
/// megabytes (the hostile files' test holds 180 MiB at most, most of it the 60 MB
/// configuration it writes), which a loader that inflates a bomb or parses a huge configuration
/// into a tree passes.
const LIVE_LIMIT: usize = 512 << 20;

/// The longest one case may take: far more than any takes (milliseconds), far less than a
/// loader that is quadratic in a hostile file's groups, or waits on a FIFO, takes.
const CASE_TIME: Duration = Duration::from_secs(if cfg!(debug_assertions) { 10 } else { 5 });

/// The cases per format in CI.
const CASES: usize = 1500;

/// The cases per Keras format in CI: the five formats take about 7 s in a debug build (their
/// files are tens of kilobytes, each damaged archive member is re-zipped).
const KERAS_CASES: usize = 1500;

/// The system allocator, refusing (so aborting the test) any single request above [`LIMIT`] and
/// any that would take the bytes held above [`LIVE_LIMIT`], and remembering the largest request
/// and the most bytes held.
struct Bounded;

static LARGEST: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// Counts `size` more bytes held, unless that passes [`LIVE_LIMIT`].
fn take(size: usize) -> bool {
    let live = LIVE.fetch_add(size, Ordering::Relaxed) + size;
    if live > LIVE_LIMIT {
        LIVE.fetch_sub(size, Ordering::Relaxed);
        return false;
    }
    PEAK.fetch_max(live, Ordering::Relaxed);
    true
}

// SAFETY: every call is forwarded unchanged to the system allocator, or refused with a null
// pointer, which the standard library turns into an allocation-failure abort.
unsafe impl GlobalAlloc for Bounded {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        if layout.size() > LIMIT || !take(layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: forwarded.
        let ptr = unsafe { System.alloc(layout) };
        if ptr.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        let old = layout.size();
        if new_size > LIMIT || (new_size > old && !take(new_size - old)) {
            return std::ptr::null_mut();
        }
        // SAFETY: forwarded.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        match (new.is_null(), new_size > old) {
            (true, true) => {
                LIVE.fetch_sub(new_size - old, Ordering::Relaxed);
            }
            (false, false) => {
                LIVE.fetch_sub(old - new_size, Ordering::Relaxed);
            }
            _ => {}
        }
        new
    }
}

#[global_allocator]
static GLOBAL: Bounded = Bounded;

/// The cases running now, each with when it must be done by and what it is.
static RUNNING: Mutex<Vec<(u64, Instant, String)>> = Mutex::new(Vec::new());

/// Runs one case, `what`: a failure if it takes more than [`CASE_TIME`]. A case that hangs
/// (a loader waiting on a FIFO, say) never returns to be measured, so a watchdog thread aborts
/// the test, naming the case, once one has run for twice as long.
fn timed<R>(what: impl FnOnce() -> String, case: impl FnOnce() -> R) -> R {
    static WATCHDOG: OnceLock<()> = OnceLock::new();
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    WATCHDOG.get_or_init(|| {
        std::thread::spawn(|| {
            loop {
                std::thread::sleep(Duration::from_millis(200));
                let running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
                if let Some((_, _, what)) = running
                    .iter()
                    .find(|(_, deadline, _)| Instant::now() > *deadline + CASE_TIME)
                {
                    eprintln!("{what} has run for more than {:?}: it hangs", CASE_TIME * 2);
                    std::process::abort();
                }
            }
        });
    });
    let id = NEXT.fetch_add(1, Ordering::Relaxed) as u64;
    let start = Instant::now();
    let what = what();
    RUNNING
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((id, start + CASE_TIME, what.clone()));
    let result = case();
    RUNNING
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|(i, _, _)| *i != id);
    let took = start.elapsed();
    assert!(
        took <= CASE_TIME,
        "{what} took {took:?}, more than {CASE_TIME:?}"
    );
    result
}

network! {
    struct Small = Dense<3, 4, Tanh>, Dense<4, 2, Softmax>;
    /// The Keras fixtures' model.
    struct Mlp = Dense<32, 64, Relu>, Dropout<0.5>, Dense<64, 10, Softmax>;
    /// The compiled functional model with blocks of `blocks_trained.keras`.
    struct BlocksTrained = Input<5>, Dense<_, 6, Tanh>,
        Add<[], [Dense<_, 6, use_bias = false>, BatchNormalization]>,
        Concatenate<[Dense<_, 4, Relu>], [Dense<_, 5, Tanh>, Dense<_, 3>]>, Dense<_, 3, Softmax>;
    /// The PyTorch state dict `tests/fixtures/pytorch/cnn.safetensors`'s model.
    struct TorchCnn =
        Input<10, 10, 2>, Conv2D<4, (3, 3), padding = Same>, BatchNormalization<epsilon = 1e-5>,
        Activation<Relu>, MaxPool2D<(2, 2)>, Conv2D<6, (3, 3), Relu>, Flatten, Dense<_, 5>;
    /// The ONNX file `tests/fixtures/onnx/embedding_gru.onnx`'s model.
    struct OnnxEmbeddingGru = Input<8>, Embedding<12, 4>, GRU<6>, Dense<_, 3, Softmax>;
}

fn keras_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keras")
        .join(name)
}

fn load_keras(path: &Path) {
    let _ = nn::keras::load::<f32, Mlp>(path);
}

/// The members of a `.keras` fixture, read once.
type Members = OnceLock<Vec<(String, usize, Vec<u8>)>>;

/// The `.keras` fixture `fixture` (its members read once into `members`) with its member `name`
/// replaced by the (damaged) file at `path`, the archive rebuilt around it with the right
/// checksums: the archive's path.
fn with_member(path: &Path, fixture: &str, members: &'static Members, name: &str) -> PathBuf {
    let damaged = std::fs::read(path).unwrap();
    let members: Vec<(&str, &[u8])> = members
        .get_or_init(|| zip_members(&std::fs::read(keras_fixture(fixture)).unwrap()))
        .iter()
        .map(|(n, _, data)| {
            let data = if n == name { &damaged } else { data };
            (n.as_str(), data.as_slice())
        })
        .collect();
    let archive = path.with_extension("keras");
    std::fs::write(&archive, stored_zip(&members)).unwrap();
    archive
}

/// Loads `mlp.keras` with its member `name` replaced by the (damaged) file at `path`.
fn load_keras_with_member(path: &Path, name: &str) {
    static MEMBERS: Members = OnceLock::new();
    load_keras(&with_member(path, "mlp.keras", &MEMBERS, name));
}

/// Restores the weights and optimizer state of `blocks_trained.keras` (a functional model with
/// blocks) with its `model.weights.h5` replaced by the (damaged) file at `path`.
fn load_blocks_state(path: &Path) {
    static MEMBERS: Members = OnceLock::new();
    let archive = with_member(path, "blocks_trained.keras", &MEMBERS, "model.weights.h5");
    let loss = CategoricalCrossentropy::default();
    let mut model = Model::new(BlocksTrained::zeros(), Adam::new(0.01), loss);
    let _ = model.load_keras(&archive);
}

/// The member `name` of the `.keras` fixture `fixture`.
fn keras_member(fixture: &str, name: &str) -> Vec<u8> {
    zip_members(&std::fs::read(keras_fixture(fixture)).unwrap())
        .into_iter()
        .find(|(n, _, _)| n == name)
        .unwrap()
        .2
}

/// A valid IDX file of unsigned bytes: 4 images of 3 × 3.
fn valid_idx() -> Vec<u8> {
    let pixels: Vec<u8> = (0..36u8).map(|v| v * 7).collect();
    idx(&[4, 3, 3], &pixels)
}

/// A damaged copy of `valid`: one of the mutations, drawn from `rng`.
fn damage(valid: &[u8], rng: &mut StdRng) -> Vec<u8> {
    let mut bytes = valid.to_vec();
    match rng.random_range(0..6) {
        // Truncated.
        0 => bytes.truncate(rng.random_range(0..bytes.len())),
        // A few bits flipped.
        1 => {
            for _ in 0..rng.random_range(1..9) {
                let at = rng.random_range(0..bytes.len());
                bytes[at] ^= 1 << rng.random_range(0..8);
            }
        }
        // A random header.
        2 => {
            let end = rng.random_range(1..=bytes.len().min(64));
            rng.fill(&mut bytes[..end]);
        }
        // Random bytes.
        3 => {
            let mut noise = vec![0u8; rng.random_range(0..512)];
            rng.fill(&mut noise[..]);
            bytes = noise;
        }
        // A stretch repeated.
        4 => {
            let from = rng.random_range(0..bytes.len());
            let to = rng.random_range(from..=bytes.len());
            let stretch = bytes[from..to].to_vec();
            let at = rng.random_range(0..=bytes.len());
            bytes.splice(at..at, stretch);
        }
        // A byte near the start (where sizes live) at its largest.
        _ => {
            let at = rng.random_range(0..bytes.len().min(24));
            bytes[at] = 0xFF;
        }
    }
    bytes
}

/// Runs `load` on `cases` damaged copies of `valid`, each written to a file; fails on a panic,
/// naming the case.
fn fuzz(name: &str, valid: &[u8], cases: usize, seed: u64, load: impl Fn(&Path)) {
    let dir = scratch(name);
    let path = dir.join(name);
    let mut rng = StdRng::seed_from_u64(seed);
    for case in 0..cases {
        let bytes = damage(valid, &mut rng);
        std::fs::write(&path, &bytes).unwrap();
        let outcome = timed(
            || format!("{name}: case {case} (seed {seed})"),
            || catch_unwind(AssertUnwindSafe(|| load(&path))),
        );
        assert!(
            outcome.is_ok(),
            "{name}: case {case} (seed {seed}) panicked on {} bytes: {:02x?}",
            bytes.len(),
            &bytes[..bytes.len().min(64)]
        );
    }
    assert!(LARGEST.load(Ordering::Relaxed) <= LIMIT);
    assert!(PEAK.load(Ordering::Relaxed) <= LIVE_LIMIT);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A format: its name, a valid file and its loader.
type Format = (&'static str, Vec<u8>, fn(&Path));

/// The Keras formats: valid files, with their loaders.
fn keras_formats() -> Vec<Format> {
    let read = |name: &str| std::fs::read(keras_fixture(name)).unwrap();
    vec![
        ("keras", read("mlp.keras"), load_keras),
        ("weights-h5", read("mlp.weights.h5"), load_keras),
        ("legacy-h5", read("mlp.h5"), load_keras),
        (
            "keras-config",
            keras_member("mlp.keras", "config.json"),
            |path| {
                load_keras_with_member(path, "config.json");
            },
        ),
        (
            "keras-weights",
            keras_member("mlp.keras", "model.weights.h5"),
            |path| {
                load_keras_with_member(path, "model.weights.h5");
            },
        ),
        (
            "keras-blocks-state",
            keras_member("blocks_trained.keras", "model.weights.h5"),
            load_blocks_state,
        ),
    ]
}

/// The PyTorch state dict of `TorchCnn`, which loads.
fn pytorch_cnn() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pytorch/cnn.safetensors");
    TorchCnn::load_pytorch(&path).unwrap();
    std::fs::read(path).unwrap()
}

/// The ONNX file of `OnnxEmbeddingGru`, which loads.
fn onnx_embedding_gru() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/onnx/embedding_gru.onnx");
    OnnxEmbeddingGru::load_onnx(&path).unwrap();
    std::fs::read(path).unwrap()
}

/// The valid files, with their loaders.
fn formats() -> Vec<Format> {
    let dir = scratch("seeds");
    let weights = dir.join("weights.safetensors");
    save_weights(&Small::seeded(1), &weights).unwrap();
    let checkpoint = dir.join("checkpoint.safetensors");
    let mut model = Model::new(
        Small::seeded(2),
        Adam::default(),
        SparseCategoricalCrossentropy::default(),
    );
    let data = Dataset::<f32, 3, 1>::from_slices(&[0.1; 12], &[0.0, 1.0, 1.0, 0.0]).unwrap();
    let fit = Fit {
        verbose: Verbosity::Silent,
        ..Fit::default()
    };
    model.fit(&data, &fit).unwrap();
    model.save(&checkpoint).unwrap();
    let csv = b"a,b,c\n1,2.5,-3\n4e2,5,6\n7,8,9\n".to_vec();
    vec![
        ("weights", std::fs::read(&weights).unwrap(), |path| {
            let _ = load_weights::<f32, Small>(path);
        }),
        ("checkpoint", std::fs::read(&checkpoint).unwrap(), |path| {
            let mut model = Model::new(
                Small::zeros(),
                Adam::default(),
                SparseCategoricalCrossentropy::default(),
            );
            let _ = model.load(path);
        }),
        ("idx", valid_idx(), |path| {
            let _ = read_idx(path);
        }),
        ("idx-gz", gzip(&valid_idx()), |path| {
            let _ = read_idx(path);
        }),
        ("csv", csv.clone(), |path| {
            let _ = read_csv(path, 1);
        }),
        ("csv-gz", gzip(&csv), |path| {
            let _ = read_csv(path, 1);
        }),
        ("pytorch", pytorch_cnn(), |path| {
            let _ = TorchCnn::load_pytorch(path);
        }),
        ("onnx-recurrent", onnx_embedding_gru(), |path| {
            let _ = OnnxEmbeddingGru::load_onnx(path);
        }),
    ]
}

#[test]
fn damaged_files_give_ok_or_err_never_a_panic() {
    for (k, (name, valid, load)) in formats().into_iter().enumerate() {
        fuzz(name, &valid, CASES, 1000 + k as u64, load);
    }
}

#[test]
fn damaged_keras_files_give_ok_or_err_never_a_panic() {
    // The fixture loads: the damage, not the harness, makes the errors.
    nn::keras::load::<f32, Mlp>(keras_fixture("mlp.keras")).unwrap();
    for (k, (name, valid, load)) in keras_formats().into_iter().enumerate() {
        fuzz(name, &valid, KERAS_CASES, 3000 + k as u64, load);
    }
}

#[test]
#[ignore = "a long run: cargo test --release --test fuzz_loaders -- --ignored"]
fn damaged_files_long_run() {
    for (k, (name, valid, load)) in formats().into_iter().enumerate() {
        fuzz(name, &valid, CASES * 100, 2000 + k as u64, load);
    }
}

#[test]
#[ignore = "a long run: cargo test --release --test fuzz_loaders -- --ignored"]
fn damaged_keras_files_long_run() {
    for (k, (name, valid, load)) in keras_formats().into_iter().enumerate() {
        fuzz(name, &valid, KERAS_CASES * 100, 4000 + k as u64, load);
    }
}

/// What a hostile case must come to.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    /// Loads (the file is odd but sound).
    Loads,
    /// An error whose message has this fragment.
    Refused(&'static str),
}

/// A loader of model files, its result without the network.
type Loader = fn(&Path) -> Result<(), nn::Error>;

/// Every loader of model files, on `path`: `nn::keras::load`, `Model::load_keras` (with its
/// optimizer state), `io::load_weights` and `Model::load` (a checkpoint). Each within
/// [`CASE_TIME`] and the memory bounds; the Keras loaders must come to `keras`, the safetensors
/// ones (when `safetensors` is given) to it.
fn load_everywhere(name: &str, path: &Path, keras: Expect, safetensors: Option<Expect>) {
    let check = |loader: &str, expect: Expect, result: Result<(), nn::Error>| match (expect, result)
    {
        (Expect::Loads, Ok(())) => {}
        (Expect::Refused(fragment), Err(e)) if e.to_string().contains(fragment) => {}
        (expect, result) => panic!("{name}, {loader}: expected {expect:?}, got {result:?}"),
    };
    let model = || Model::new(Mlp::zeros(), Adam::new(0.01), MeanSquaredError);
    let keras_loaders: [(&str, Loader); 2] = [
        ("keras::load", |path| {
            nn::keras::load::<f32, Mlp>(path).map(drop)
        }),
        ("Model::load_keras", |path| {
            let mut model = Model::new(Mlp::zeros(), Adam::new(0.01), MeanSquaredError);
            match model.load_keras(path) {
                // A file of weights alone has no optimizer state: it got that far.
                Err(nn::Error::Format { problem, .. })
                    if problem.contains("no optimizer state") =>
                {
                    Ok(())
                }
                other => other,
            }
        }),
    ];
    for (loader, load) in keras_loaders {
        let result = timed(
            || format!("{name}, {loader}"),
            || catch_unwind(AssertUnwindSafe(|| load(path))),
        );
        check(
            loader,
            keras,
            result.unwrap_or_else(|_| panic!("{name}, {loader}: panicked")),
        );
    }
    if let Some(expect) = safetensors {
        let weights = timed(
            || format!("{name}, io::load_weights"),
            || load_weights::<f32, Mlp>(path).map(drop),
        );
        check("io::load_weights", expect, weights);
        let checkpoint = timed(|| format!("{name}, Model::load"), || model().load(path));
        check("Model::load", expect, checkpoint);
    }
}

/// The fixture's `config.json`, `metadata.json` and weights in an archive, `config.json`
/// deflated from `config`, its headers claiming `claimed` bytes.
fn archive_with_deflated_config(config: &[u8], stream: &[u8], claimed: u32) -> Vec<u8> {
    let members = zip_members(&std::fs::read(keras_fixture("mlp.keras")).unwrap());
    let member = |name: &str| {
        members
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, _, data)| data.as_slice())
            .unwrap()
    };
    let stored = |name, data: &'static [u8]| common::ZipMember {
        name,
        deflated: false,
        data,
        crc: crc32(data),
        size: data.len() as u32,
    };
    let metadata: &'static [u8] = member("metadata.json").to_vec().leak();
    let weights: &'static [u8] = member("model.weights.h5").to_vec().leak();
    common::zip(&[
        stored("metadata.json", metadata),
        common::ZipMember {
            name: "config.json",
            deflated: true,
            data: stream,
            crc: crc32(config),
            size: claimed,
        },
        stored("model.weights.h5", weights),
    ])
}

/// Issue 22's hostile files, each through every loader within the time and memory bounds:
/// decompression bombs in an HDF5 chunk (bare, and in an archive), thousands of empty layer
/// groups, configurations of 60 MB (stored, and deflated from 300 kB under a size that lies) or
/// of a million values, and paths to `/dev/zero`, a FIFO, a directory and a sparse file larger
/// than any model (directly, and as a shard a shard index names).
#[test]
fn hostile_files_are_refused_within_bounds() {
    let dir = scratch("hostile");
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let decoded = "which decode to more than its shape [64] can need";
    // The builder's file without damage loads.
    let plain = write("plain.weights.h5", &mlp_weights_h5(0, None));
    load_everywhere("plain", &plain, Expect::Loads, None);

    // A chunk that inflates to 1 GiB (from 7 MB), bare and as an archive's weights.
    let bomb = mlp_weights_h5(0, Some(1 << 30));
    let path = write("bomb.weights.h5", &bomb);
    load_everywhere("chunk bomb", &path, Expect::Refused(decoded), None);
    let members = zip_members(&std::fs::read(keras_fixture("mlp.keras")).unwrap());
    let archive: Vec<(&str, &[u8])> = members
        .iter()
        .map(|(n, _, data)| {
            let data = if n == "model.weights.h5" { &bomb } else { data };
            (n.as_str(), data.as_slice())
        })
        .collect();
    let path = write("bomb.keras", &stored_zip(&archive));
    load_everywhere(
        "chunk bomb in an archive",
        &path,
        Expect::Refused(decoded),
        None,
    );
    drop(bomb);
    // The same, with the dataset's shape saying 1 GiB: no network declares it, so it is never
    // inflated.
    let path = write("honest.weights.h5", &common::honest_bomb_h5(1 << 30));
    let shape = Expect::Refused("has shape (268435456,) in the file");
    load_everywhere("chunk bomb with its shape", &path, shape, None);

    // Empty layer groups: 4,000 load; 20,000 are more layers than a model has.
    let path = write("groups.weights.h5", &mlp_weights_h5(4_000, None));
    load_everywhere("4,000 empty groups", &path, Expect::Loads, None);
    let path = write("more-groups.weights.h5", &mlp_weights_h5(20_000, None));
    let more = Expect::Refused("more than the 10000 layers a model may have");
    load_everywhere("20,000 empty groups", &path, more, None);

    // Configurations: 60 MB stored; 60 MB deflated (to 400 kB), its size said or a smaller one
    // claimed (inflating stops there); a million values in 2 MB.
    let config = keras_member("mlp.keras", "config.json");
    let mut huge = config.clone();
    huge.resize(config.len() + (60 << 20), b' ');
    let archive: Vec<(&str, &[u8])> = members
        .iter()
        .map(|(n, _, data)| {
            let data = if n == "config.json" { &huge } else { data };
            (n.as_str(), data.as_slice())
        })
        .collect();
    let path = write("huge-config.keras", &stored_zip(&archive));
    let claims = Expect::Refused("more than the 4194304 bytes allowed");
    load_everywhere("60 MB configuration", &path, claims, None);
    let stream = common::repeated_deflate(&config, b' ', 60 << 20);
    let path = write(
        "deflated-config.keras",
        &archive_with_deflated_config(&huge, &stream, huge.len() as u32),
    );
    load_everywhere("60 MB deflated configuration", &path, claims, None);
    let path = write(
        "lying-config.keras",
        &archive_with_deflated_config(&huge, &stream, config.len() as u32),
    );
    let lies = Expect::Refused("`config.json` in the archive is damaged");
    load_everywhere("60 MB deflated under a smaller size", &path, lies, None);
    drop((huge, stream));
    let values = format!("[{}0]", "0,".repeat(1_000_000));
    let archive: Vec<(&str, &[u8])> = members
        .iter()
        .map(|(n, _, data)| {
            let data = if n == "config.json" {
                values.as_bytes()
            } else {
                data
            };
            (n.as_str(), data)
        })
        .collect();
    let path = write("many-values.keras", &stored_zip(&archive));
    let many = Expect::Refused("holds more than 262144 values");
    load_everywhere("a million values", &path, many, None);

    // Paths to what is not a regular file, and a file larger than any model.
    #[cfg(unix)]
    {
        let zero = dir.join("zero.weights.h5");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        let fifo = dir.join("fifo.weights.h5");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        let folder = dir.join("folder.weights.h5");
        std::fs::create_dir(&folder).unwrap();
        let sparse = dir.join("sparse.weights.h5");
        std::fs::File::create(&sparse)
            .unwrap()
            .set_len(5 << 30)
            .unwrap();
        for (name, path, fragment) in [
            ("/dev/zero", &zero, "not a regular file (a device)"),
            ("a FIFO", &fifo, "not a regular file (a FIFO)"),
            ("a directory", &folder, "not a regular file (a directory)"),
            (
                "a sparse 5 GiB file",
                &sparse,
                "more than the 4294967296 bytes",
            ),
        ] {
            let expect = Expect::Refused(fragment);
            load_everywhere(name, path, expect, Some(expect));
            let shard = path.file_name().unwrap().to_string_lossy();
            let index = write(
                "index.weights.json",
                format!(r#"{{"weight_map": {{"/layers/dense/vars": "{shard}"}}}}"#).as_bytes(),
            );
            load_everywhere(
                &format!("a shard index naming {name}"),
                &index,
                expect,
                None,
            );
        }
    }
    assert!(LARGEST.load(Ordering::Relaxed) <= LIMIT);
    assert!(PEAK.load(Ordering::Relaxed) <= LIVE_LIMIT);
    let _ = std::fs::remove_dir_all(&dir);
}
