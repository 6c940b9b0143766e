//! Every loader fed damaged files: truncated, bit-flipped, with a random header, random bytes,
//! with a stretch repeated or a size field set to its largest value. Each case must return `Ok`
//! or `Err`, never panic, abort or ask for more than [`LIMIT`] bytes at once (the files are
//! tiny, so a larger request means a loader trusted a size in the file).
//!
//! The Keras formats are fuzzed from the real fixtures (`tests/fixtures/keras/mlp.*`): the whole
//! `.keras` archive, `.weights.h5` and legacy `.h5` files, and the archive's `config.json` and
//! `model.weights.h5` damaged inside an otherwise sound archive (their checksums right, so that
//! the damage reaches the JSON and HDF5 readers rather than stopping at the zip's CRC check).
//!
//! The cases are drawn from fixed seeds, so a failure names a case that repeats. CI runs
//! [`CASES`] per format and [`KERAS_CASES`] per Keras format;
//! `cargo test --release --test fuzz_loaders -- --ignored` runs a hundred times more.

use std::alloc::{GlobalAlloc, Layout, System};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use nn::data::{read_csv, read_idx};
use nn::io::{load_weights, save_weights};
use nn::prelude::*;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

mod common;
use common::{gzip, idx, scratch, stored_zip, zip_members};

/// The largest single allocation a loader may ask for on these tiny files.
const LIMIT: usize = 256 << 20;

/// The cases per format in CI.
const CASES: usize = 1500;

/// The cases per Keras format in CI: the five formats take about 7 s in a debug build (their
/// files are tens of kilobytes, each damaged archive member is re-zipped).
const KERAS_CASES: usize = 1500;

/// The system allocator, refusing (so aborting the test) any single request above [`LIMIT`],
/// and remembering the largest request.
struct Bounded;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator, or refused with a null
// pointer, which the standard library turns into an allocation-failure abort.
unsafe impl GlobalAlloc for Bounded {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        if layout.size() > LIMIT {
            return std::ptr::null_mut();
        }
        // SAFETY: forwarded.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        if new_size > LIMIT {
            return std::ptr::null_mut();
        }
        // SAFETY: forwarded.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Bounded = Bounded;

network! {
    struct Small = Dense<3, 4, Tanh>, Dense<4, 2, Softmax>;
    /// The Keras fixtures' model.
    struct Mlp = Dense<32, 64, Relu>, Dropout<0.5>, Dense<64, 10, Softmax>;
}

fn keras_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keras")
        .join(name)
}

fn load_keras(path: &Path) {
    let _ = nn::keras::load::<f32, Mlp>(path);
}

/// Loads `mlp.keras` with its member `name` replaced by the (damaged) file at `path`, the
/// archive rebuilt around it with the right checksums.
fn load_keras_with_member(path: &Path, name: &str) {
    static MEMBERS: OnceLock<Vec<(String, usize, Vec<u8>)>> = OnceLock::new();
    let damaged = std::fs::read(path).unwrap();
    let members: Vec<(&str, &[u8])> = MEMBERS
        .get_or_init(|| zip_members(&std::fs::read(keras_fixture("mlp.keras")).unwrap()))
        .iter()
        .map(|(n, _, data)| {
            let data = if n == name { &damaged } else { data };
            (n.as_str(), data.as_slice())
        })
        .collect();
    let archive = path.with_extension("keras");
    std::fs::write(&archive, stored_zip(&members)).unwrap();
    load_keras(&archive);
}

/// The member `name` of `mlp.keras`.
fn keras_member(name: &str) -> Vec<u8> {
    zip_members(&std::fs::read(keras_fixture("mlp.keras")).unwrap())
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
        let outcome = catch_unwind(AssertUnwindSafe(|| load(&path)));
        assert!(
            outcome.is_ok(),
            "{name}: case {case} (seed {seed}) panicked on {} bytes: {:02x?}",
            bytes.len(),
            &bytes[..bytes.len().min(64)]
        );
    }
    assert!(LARGEST.load(Ordering::Relaxed) <= LIMIT);
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
        ("keras-config", keras_member("config.json"), |path| {
            load_keras_with_member(path, "config.json");
        }),
        ("keras-weights", keras_member("model.weights.h5"), |path| {
            load_keras_with_member(path, "model.weights.h5");
        }),
    ]
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
