//! Training speed of the Fashion-MNIST CNN of `examples/fashion_mnist_cnn.rs` at batch 32, on
//! synthetic 28×28 images, next to the matrix products one step needs through the same GEMM as
//! the layers, with the same operand layouts (the floor), in the same run.
//!
//! Then, outside criterion, one thread and two alternated for ten seconds each, for that CNN and
//! for the peer CNN (one convolution, then a 2.8 M-weight Dense layer), the workload that
//! `benches/keras_cnn.py` trains with Keras on JAX.
//!
//! Run with `cargo bench --bench cnn`; throughput is in samples per second.

use criterion::{Criterion, Throughput, criterion_group};
use nn::data::Dataset;
use nn::prelude::*;
use rand::{RngExt, SeedableRng};

#[path = "../examples/fashion/cnn.rs"]
mod cnn;

use cnn::FashionCnn;

network! {
    /// The CNN of a peer benchmark, also trained by Keras in `benches/keras_cnn.py`: one
    /// convolution whose flattened output (26 × 26 × 32 values) feeds a Dense layer of 2.8 M
    /// weights.
    pub struct PeerCnn =
        Input<28, 28, 1>, Conv2D<32, (3, 3), Relu>, Flatten, Dense<_, 128, Relu>, Dense<128, 10, Softmax>;
}

const BATCH: usize = 32;
const BATCHES: usize = 8;

/// `c = a · b` through the layers' GEMM, for an `m × k` matrix `a` given as (values, row stride,
/// column stride) and a column-major `k × n` matrix `b` (transposed when `bt`).
fn sgemm(
    m: usize,
    k: usize,
    n: usize,
    a: (&[f32], usize, usize),
    b: &[f32],
    bt: bool,
    c: &mut [f32],
) {
    let b = if bt { (b, n, 1) } else { (b, 1, k) };
    nn::__private::gemm((m, k, n), a, b, c);
}

/// A column-major `rows × cols` matrix as a GEMM operand.
fn plain(values: &[f32], rows: usize) -> (&[f32], usize, usize) {
    (values, 1, rows)
}

/// The transpose of a column-major `rows × cols` matrix as a GEMM operand (no copy).
fn transposed(values: &[f32], rows: usize) -> (&[f32], usize, usize) {
    (values, rows, 1)
}

fn cnn(c: &mut Criterion) {
    let samples = BATCH * BATCHES;
    let data = images(samples);
    let mut group = c.benchmark_group("Fashion-MNIST CNN, batch 32");
    group.throughput(Throughput::Elements(samples as u64));
    group.sample_size(10);
    let mut model = Model::new(
        FashionCnn::seeded(1),
        Adam::default(),
        SparseCategoricalCrossentropy::default(),
    );
    let fit = Fit {
        batch_size: BATCH,
        verbose: Verbosity::Silent,
        ..Fit::default()
    };
    group.bench_function("fit", |b| {
        b.iter(|| model.fit(&data, &fit).expect("valid settings"))
    });

    // The products of one step: per convolution, forward (filters × patches), ∂kernel, and (for
    // the second) ∂patches; per dense layer, forward, ∂kernel and ∂input.
    let (p1, p2) = (26 * 26 * BATCH, 11 * 11 * BATCH);
    let buffers = |n: usize| vec![0.01f32; n];
    let (w1, cols1, mut z1, mut dw1) = (
        buffers(32 * 9),
        buffers(9 * p1),
        buffers(32 * p1),
        buffers(32 * 9),
    );
    let (w2, cols2, mut z2, mut dw2, mut dcols2) = (
        buffers(64 * 288),
        buffers(288 * p2),
        buffers(64 * p2),
        buffers(64 * 288),
        buffers(288 * p2),
    );
    let (w3, h3, mut z3, mut dw3, mut dh3) = (
        buffers(128 * 1600),
        buffers(1600 * BATCH),
        buffers(128 * BATCH),
        buffers(128 * 1600),
        buffers(1600 * BATCH),
    );
    let (w4, h4, mut z4, mut dw4, mut dh4) = (
        buffers(10 * 128),
        buffers(128 * BATCH),
        buffers(10 * BATCH),
        buffers(10 * 128),
        buffers(128 * BATCH),
    );
    group.bench_function("matrix products only (floor)", |b| {
        b.iter(|| {
            for _ in 0..BATCHES {
                sgemm(32, 9, p1, plain(&w1, 32), &cols1, false, &mut z1);
                sgemm(32, p1, 9, plain(&z1, 32), &cols1, true, &mut dw1);
                sgemm(64, 288, p2, plain(&w2, 64), &cols2, false, &mut z2);
                sgemm(64, p2, 288, plain(&z2, 64), &cols2, true, &mut dw2);
                sgemm(288, 64, p2, transposed(&w2, 64), &z2, false, &mut dcols2);
                sgemm(128, 1600, BATCH, plain(&w3, 128), &h3, false, &mut z3);
                sgemm(128, BATCH, 1600, plain(&z3, 128), &h3, true, &mut dw3);
                sgemm(1600, 128, BATCH, transposed(&w3, 128), &z3, false, &mut dh3);
                sgemm(10, 128, BATCH, plain(&w4, 10), &h4, false, &mut z4);
                sgemm(10, BATCH, 128, plain(&z4, 10), &h4, true, &mut dw4);
                sgemm(128, 10, BATCH, transposed(&w4, 10), &z4, false, &mut dh4);
            }
        });
    });
    group.finish();
}

/// `samples` synthetic 28×28 images (pixels uniform in [0, 1)) with random labels.
fn images(samples: usize) -> Dataset<f32, 784, 1> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(0);
    let x: Vec<f32> = (0..samples * 784).map(|_| rng.random::<f32>()).collect();
    let y: Vec<f32> = (0..samples)
        .map(|_| rng.random_range(0..10) as f32)
        .collect();
    Dataset::<f32, 784, 1>::from_slices(&x, &y).expect("valid data")
}

/// A network trained with Adam on sparse labels, as both benchmarks here train.
type Trainer<N> = Model<f32, N, Adam, SparseCategoricalCrossentropy>;

/// One `fit` epoch on one thread, then one on two, alternated for ten seconds; prints the
/// medians of both throughputs and of the ratio of each pair's times (the two train the same
/// way, bit for bit).
fn threads_paired<N>(name: &str, network: impl Fn() -> N)
where
    N: Network<f32, Input = Const<784>, Output = Const<10>>,
{
    let samples = BATCH * BATCHES;
    let data = images(samples);
    let fit = Fit {
        batch_size: BATCH,
        verbose: Verbosity::Silent,
        ..Fit::default()
    };
    let model = |threads| -> Trainer<N> {
        let mut model = Model::new(
            network(),
            Adam::default(),
            SparseCategoricalCrossentropy::default(),
        )
        .with_threads(threads);
        // Warm up: buffers sized, the optimizer's state allocated.
        model.fit(&data, &fit).expect("valid settings");
        model
    };
    let (mut one, mut two) = (model(1), model(2));
    let (mut ones, mut twos, mut ratios) = (vec![], vec![], vec![]);
    let start = std::time::Instant::now();
    while ratios.is_empty() || start.elapsed() < std::time::Duration::from_secs(10) {
        let t = std::time::Instant::now();
        one.fit(&data, &fit).expect("valid settings");
        let one_time = t.elapsed().as_secs_f64();
        let t = std::time::Instant::now();
        two.fit(&data, &fit).expect("valid settings");
        let two_time = t.elapsed().as_secs_f64();
        ones.push(samples as f64 / one_time);
        twos.push(samples as f64 / two_time);
        ratios.push(one_time / two_time);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "{name}, batch {BATCH}, one thread and two alternated ({} pairs): {:.2} k and {:.2} k samples/s, speed-up {:.2} (medians)",
        ratios.len(),
        median(&mut ones) / 1e3,
        median(&mut twos) / 1e3,
        median(&mut ratios),
    );
}

criterion_group!(benches, cnn);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // `cargo test --benches` runs each benchmark once, without `--bench`; the paired run is for
    // `cargo bench` alone.
    if std::env::args().any(|a| a == "--bench") {
        threads_paired("Fashion-MNIST CNN", || FashionCnn::seeded(1));
        // The workload of `benches/keras_cnn.py`, to set next to Keras on JAX.
        threads_paired("peer CNN", || PeerCnn::seeded(1));
    }
}
