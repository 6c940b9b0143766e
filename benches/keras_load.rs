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
//! - then, outside criterion, the two alternated for five seconds with a floor between them, so
//!   all see the same phase of a shared host whose speed drifts: the median of the ratio of each
//!   round's times is the figure to compare with the goal. The floor is what any loader must do
//!   beyond the read (check the stored member's CRC-32, make the network, copy each weight into
//!   it once): it bounds how close to the read a load can come. Alone in criterion's loop, `std::fs::read` reuses the memory it
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

/// The least any loader of this file must do beyond reading it, done by hand: check the stored
/// member's CRC-32 (a zip reader that skipped it would load a bit flip as a wrong weight), make
/// the network (`Wide::zeros`, 2.7 MB written), and copy every weight into it once.
fn floor(path: &Path) -> Wide {
    let bytes = std::fs::read(path).expect("readable");
    black_box(crc32fast::hash(&bytes));
    let mut net = Wide::zeros();
    let mut offset = 0;
    net.visit_params_mut(|_, p| {
        let bytes = &bytes[offset..offset + 4 * p.values.len()];
        for (w, c) in p.values.iter_mut().zip(bytes.chunks_exact(4)) {
            *w = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        }
        offset += bytes.len();
    });
    net
}

/// `std::fs::read`, the floor and `load_keras` alternated for `duration`; prints the medians of
/// their times and of the ratios of each round's times.
fn paired(path: &Path, duration: Duration) {
    let (mut reads, mut floors, mut loads) = (vec![], vec![], vec![]);
    let (mut ratios, mut over_floor) = (vec![], vec![]);
    let start = Instant::now();
    while ratios.is_empty() || start.elapsed() < duration {
        let t = Instant::now();
        black_box(std::fs::read(black_box(path)).expect("readable"));
        let read = t.elapsed().as_secs_f64();
        let t = Instant::now();
        black_box(floor(black_box(path)));
        let least = t.elapsed().as_secs_f64();
        let t = Instant::now();
        black_box(Wide::load_keras(black_box(path)).expect("loadable"));
        let load = t.elapsed().as_secs_f64();
        reads.push(read);
        floors.push(least);
        loads.push(load);
        ratios.push(load / read);
        over_floor.push(load / least);
    }
    let ratio = median(&mut ratios);
    println!(
        "784-512-512-10 .keras, alternated ({} rounds): std::fs::read {:.0} µs, floor (read + CRC-32 + \
         zeros + one copy) {:.0} µs, load_keras {:.0} µs; load / read {ratio:.2} (goal at most 2: {}), \
         load / floor {:.2} (medians)",
        ratios.len(),
        median(&mut reads) * 1e6,
        median(&mut floors) * 1e6,
        median(&mut loads) * 1e6,
        if ratio <= 2.0 { "met" } else { "missed" },
        median(&mut over_floor),
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
