//! Loading a `.keras` file next to reading its bytes, for the 784-512-512-10 network
//! (669,706 parameters, a 2.7 MB file). The goal: `load_keras` takes at most twice the time of
//! `std::fs::read` on the same file.
//!
//! The file is written at the start by `nn::keras::save(&Wide::seeded(1), ...)` into the
//! temporary directory (no Python), and read back once to check it predicts what `Wide::seeded(1)`
//! predicts. Both are measured in the same run, from the page cache:
//!
//! - `std::fs::read(path)`, the floor;
//! - `Wide::load_keras(path)`: the read, the zip, the HDF5 file, the check of `config.json`
//!   against the declaration, and the weights put into the network;
//! - then, outside criterion, the two alternated for five seconds, so both see the same phase of
//!   a shared host whose speed drifts: the median of the ratio of each pair's times is the figure
//!   to compare with the goal. Alone in criterion's loop, `std::fs::read` reuses the memory it
//!   freed the iteration before; alternated with `load_keras`, whose freed buffers the allocator
//!   gives back to the kernel, it writes into fresh pages, as in a program that loads a model
//!   once, and takes several times longer.
//!
//! Run with `cargo bench --bench keras_load`; throughput is in bytes of the file per second.

use criterion::{Criterion, Throughput};
use nn::prelude::*;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

network! {
    /// The network.
    pub struct Wide = Dense<784, 512, Relu>, Dense<512, 512, Relu>, Dense<512, 10, Softmax>;
}

/// Writes `Wide::seeded(1)` as a `.keras` file in the temporary directory and checks that it loads
/// back into the same network.
fn make_file() -> PathBuf {
    let path = std::env::temp_dir().join(format!("nn_keras_load_{}.keras", std::process::id()));
    let net = Wide::seeded(1);
    nn::keras::save(&net, &path).expect("the temporary directory is writable");
    let loaded = Wide::load_keras(&path).expect("a file we wrote loads");
    let x = SVector::<f32, 784>::from_fn(|i, _| (i as f32 * 0.37).sin());
    assert_eq!(
        loaded.predict(&x),
        net.predict(&x),
        "the loaded network predicts the same"
    );
    path
}

fn loading(c: &mut Criterion, path: &Path) {
    let bytes = std::fs::metadata(path).expect("the file exists").len();
    let mut group = c.benchmark_group(format!("784-512-512-10 .keras file, {bytes} bytes"));
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function("std::fs::read", |b| {
        b.iter(|| std::fs::read(black_box(path)).expect("readable"))
    });
    group.bench_function("Wide::load_keras", |b| {
        b.iter(|| Wide::load_keras(black_box(path)).expect("loadable"))
    });
    group.finish();
}

/// The median of `values`.
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// `std::fs::read` and `load_keras` alternated for `duration`; prints the medians of both times
/// and of the ratio of each pair's times.
fn paired(path: &Path, duration: Duration) {
    let (mut reads, mut loads, mut ratios) = (vec![], vec![], vec![]);
    let start = Instant::now();
    while ratios.is_empty() || start.elapsed() < duration {
        let t = Instant::now();
        black_box(std::fs::read(black_box(path)).expect("readable"));
        let read = t.elapsed().as_secs_f64();
        let t = Instant::now();
        black_box(Wide::load_keras(black_box(path)).expect("loadable"));
        let load = t.elapsed().as_secs_f64();
        reads.push(read);
        loads.push(load);
        ratios.push(load / read);
    }
    let ratio = median(&mut ratios);
    println!(
        "784-512-512-10 .keras, read and load alternated ({} pairs): std::fs::read {:.0} µs, load_keras {:.0} µs, load time / read time {ratio:.2} (medians); goal at most 2: {}",
        ratios.len(),
        median(&mut reads) * 1e6,
        median(&mut loads) * 1e6,
        if ratio <= 2.0 { "met" } else { "missed" },
    );
}

fn main() {
    let path = make_file();
    let mut criterion = Criterion::default().configure_from_args();
    loading(&mut criterion, &path);
    criterion.final_summary();
    // `cargo test --benches` runs each benchmark once, without `--bench`; the paired run is for
    // `cargo bench` alone.
    if std::env::args().any(|a| a == "--bench") {
        paired(&path, Duration::from_secs(5));
    }
    let _ = std::fs::remove_file(&path);
}
