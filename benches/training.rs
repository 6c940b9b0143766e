//! Training speed of the 784-128(relu)-10(softmax) network with Adam on synthetic MNIST-like data
//! (80% zero pixels, the rest uniform in [0, 1), random labels), at batch 32 and 128:
//!
//! - `fit` over 64 batches, with flush-to-zero (the default) and without;
//! - the floor: the five matrix products one step needs (two forward, three backward: ∂W₂, ∂h,
//!   ∂W₁), through the same GEMM as the layers, in the same run;
//! - the same products through matrixmultiply (nalgebra's GEMM), for comparison;
//! - then, outside criterion, `fit` epochs and the floor alternated for ten seconds, so both see
//!   the same phase of a shared host whose speed drifts: the median ratio of their times is the
//!   figure to trust when the criterion groups above ran at different speeds;
//! - `fit` epochs and the same epochs of a hand-written nalgebra step (`handwritten/mlp.rs`,
//!   flush-to-zero, one core) alternated the same way, after checking that both end with the
//!   same weights;
//! - one thread against two, alternated.
//!
//! Run with `cargo bench --bench training`; throughput is in samples per second.

use criterion::{Criterion, Throughput, criterion_group};
use nn::data::Dataset;
use nn::prelude::*;
use rand::{RngExt, SeedableRng};
use std::time::{Duration, Instant};

#[path = "handwritten/mlp.rs"]
mod handwritten;

use handwritten::HandWritten;

network! {
    /// The network.
    pub struct Mnist = Dense<784, 128, Relu>, Dense<128, 10, Softmax>;
}

const BATCHES: usize = 64;

fn synthetic(samples: usize) -> Dataset<f32, 784, 1> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(0);
    let x: Vec<f32> = (0..samples * 784)
        .map(|_| {
            if rng.random::<f32>() < 0.8 {
                0.0
            } else {
                rng.random::<f32>()
            }
        })
        .collect();
    let y: Vec<f32> = (0..samples)
        .map(|_| rng.random_range(0..10) as f32)
        .collect();
    Dataset::from_slices(&x, &y).expect("synthetic data is valid")
}

/// `c = a · b` for an `m × k` matrix `a` and a `k × n` matrix `b`, each given as (values, row
/// stride, column stride), into the column-major `m × n` matrix `c`.
type Product =
    fn((usize, usize, usize), (&[f32], usize, usize), (&[f32], usize, usize), &mut [f32]);

/// A [`Product`] through matrixmultiply.
fn sgemm(
    (m, k, n): (usize, usize, usize),
    (a, rsa, csa): (&[f32], usize, usize),
    (b, rsb, csb): (&[f32], usize, usize),
    c: &mut [f32],
) {
    assert!((m - 1) * rsa + (k - 1) * csa < a.len() && (k - 1) * rsb + (n - 1) * csb < b.len());
    assert_eq!(c.len(), m * n);
    // SAFETY: every element the strides reach lies in its slice (checked just above).
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            rsa as isize,
            csa as isize,
            b.as_ptr(),
            rsb as isize,
            csb as isize,
            0.0,
            c.as_mut_ptr(),
            1,
            m as isize,
        );
    }
}

/// The operands of the floor's products at one batch size.
struct Floor {
    batch: usize,
    w1: Vec<f32>,
    w2: Vec<f32>,
    x: Vec<f32>,
    h: Vec<f32>,
    z: Vec<f32>,
    dw1: Vec<f32>,
    dw2: Vec<f32>,
    dh: Vec<f32>,
}

impl Floor {
    fn new(data: &Dataset<f32, 784, 1>, batch: usize) -> Self {
        Self {
            batch,
            w1: vec![0.01; 128 * 784],
            w2: vec![0.01; 10 * 128],
            x: data.x().as_slice()[..784 * batch].to_vec(),
            h: vec![0.0; 128 * batch],
            z: vec![0.0; 10 * batch],
            dw1: vec![0.0; 128 * 784],
            dw2: vec![0.0; 10 * 128],
            dh: vec![0.0; 128 * batch],
        }
    }

    /// The products of `BATCHES` steps: two forward, then ∂W₂, ∂h and ∂W₁.
    fn run(&mut self, product: Product) {
        let n = self.batch;
        for _ in 0..BATCHES {
            product(
                (128, 784, n),
                (&self.w1, 1, 128),
                (&self.x, 1, 784),
                &mut self.h,
            );
            product(
                (10, 128, n),
                (&self.w2, 1, 10),
                (&self.h, 1, 128),
                &mut self.z,
            );
            product(
                (10, n, 128),
                (&self.z, 1, 10),
                (&self.h, 128, 1),
                &mut self.dw2,
            );
            product(
                (128, 10, n),
                (&self.w2, 10, 1),
                (&self.z, 1, 10),
                &mut self.dh,
            );
            product(
                (128, n, 784),
                (&self.dh, 1, 128),
                (&self.x, 784, 1),
                &mut self.dw1,
            );
        }
    }
}

type Trainer = Model<f32, Mnist, Adam, SparseCategoricalCrossentropy>;

/// A model warmed up for `batch`, and its `fit` settings (one silent epoch of `BATCHES` steps).
fn trainer(
    data: &Dataset<f32, 784, 1>,
    batch: usize,
    flush: bool,
) -> (Trainer, Fit<'static, f32, 784, 1>) {
    trainer_on(data, batch, flush, 1)
}

/// [`trainer`] on `threads` threads.
fn trainer_on(
    data: &Dataset<f32, 784, 1>,
    batch: usize,
    flush: bool,
    threads: usize,
) -> (Trainer, Fit<'static, f32, 784, 1>) {
    let mut model = Model::new(
        Mnist::seeded(1),
        Adam::default(),
        SparseCategoricalCrossentropy::default(),
    )
    .with_threads(threads);
    let fit = Fit {
        batch_size: batch,
        verbose: Verbosity::Silent,
        flush_denormals: flush,
        ..Fit::default()
    };
    // Warm up the optimizer state before measuring.
    model
        .fit(
            data,
            &Fit {
                epochs: 3,
                ..fit.clone()
            },
        )
        .expect("valid settings");
    (model, fit)
}

fn training(c: &mut Criterion) {
    for batch in [32, 128] {
        let data = synthetic(batch * BATCHES);
        let mut group = c.benchmark_group(format!("784-128-10 Adam, batch {batch}"));
        group.throughput(Throughput::Elements((batch * BATCHES) as u64));
        group.sample_size(20);
        for flush in [true, false] {
            let name = if flush {
                "fit, flush-to-zero"
            } else {
                "fit, denormals kept"
            };
            let (mut model, fit) = trainer(&data, batch, flush);
            group.bench_function(name, |b| {
                b.iter(|| model.fit(&data, &fit).expect("valid settings"))
            });
        }

        // The floor: the products of one step, BATCHES times, through the layers' GEMM; and the
        // same products through matrixmultiply, for comparison.
        let mut floor = Floor::new(&data, batch);
        for (name, product) in [
            (
                "matrix products only (floor)",
                nn::__private::gemm::<f32> as Product,
            ),
            ("matrix products through matrixmultiply", sgemm),
        ] {
            group.bench_function(name, |b| {
                b.iter(|| nn::__private::with_threads(1, || floor.run(product)))
            });
        }
        group.finish();
    }
}

/// The median of `values`.
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// One `fit` epoch, then the floor's products, alternated for `duration`; prints the medians of
/// both throughputs and of the ratio of each pair's times.
fn paired(batch: usize, duration: Duration) {
    let data = synthetic(batch * BATCHES);
    let (mut model, fit) = trainer(&data, batch, true);
    let mut floor = Floor::new(&data, batch);
    let (mut fits, mut floors, mut ratios) = (vec![], vec![], vec![]);
    let samples = (batch * BATCHES) as f64;
    let start = Instant::now();
    while ratios.is_empty() || start.elapsed() < duration {
        let t = Instant::now();
        model.fit(&data, &fit).expect("valid settings");
        let fit_time = t.elapsed().as_secs_f64();
        let t = Instant::now();
        nn::__private::with_threads(1, || floor.run(nn::__private::gemm::<f32>));
        let floor_time = t.elapsed().as_secs_f64();
        fits.push(samples / fit_time);
        floors.push(samples / floor_time);
        ratios.push(fit_time / floor_time);
    }
    println!(
        "784-128-10 Adam, batch {batch}, fit and floor alternated ({} pairs): fit {:.1} k samples/s, floor {:.1} k samples/s, fit time / floor time {:.2} (medians)",
        ratios.len(),
        median(&mut fits) / 1e3,
        median(&mut floors) / 1e3,
        median(&mut ratios),
    );
}

/// The weights of `net`, in the order and layout [`HandWritten::new`] takes them.
fn keras_weights(net: &Mnist) -> [Vec<f32>; 4] {
    let all: Vec<Vec<f32>> = net.params().map(|(_, p)| p.values.to_vec()).collect();
    all.try_into().expect("two kernels and two biases")
}

/// One `fit` epoch (one thread, no shuffling), then the same steps of the hand-written
/// nalgebra network, alternated for `duration`; prints the medians of both throughputs and of
/// the ratio of each pair's times. First checks that one step of each, from the same weights,
/// ends with the same weights.
fn handwritten_paired(batch: usize, duration: Duration) {
    let data = synthetic(batch * BATCHES);
    let (x, y) = (data.x().as_slice(), data.y().as_slice());
    let fit = Fit {
        batch_size: batch,
        verbose: Verbosity::Silent,
        shuffle: false,
        ..Fit::default()
    };
    let model = || {
        Model::new(
            Mnist::seeded(1),
            Adam::default(),
            SparseCategoricalCrossentropy::default(),
        )
        .with_threads(1)
    };
    // One step of each from the same weights must give the same weights. (Over many steps
    // they drift apart: Adam moves a weight by about the learning rate whatever its gradient's
    // size, so products that round differently flip the sign of the tiniest gradients.)
    let first = synthetic(batch);
    let (mut ours, mut theirs) = (
        model(),
        HandWritten::new(batch, keras_weights(&Mnist::seeded(1))),
    );
    ours.fit(&first, &fit).expect("valid settings");
    theirs.epoch(first.x().as_slice(), first.y().as_slice());
    for (a, b) in keras_weights(&ours.network).iter().zip(theirs.weights()) {
        let largest = a
            .iter()
            .zip(b)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(
            largest < 1e-5,
            "the hand-written step trains differently: {largest}"
        );
    }
    let (mut fits, mut hands, mut ratios) = (vec![], vec![], vec![]);
    let samples = (batch * BATCHES) as f64;
    let start = Instant::now();
    while ratios.is_empty() || start.elapsed() < duration {
        let t = Instant::now();
        ours.fit(&data, &fit).expect("valid settings");
        let fit_time = t.elapsed().as_secs_f64();
        let t = Instant::now();
        theirs.epoch(x, y);
        let hand_time = t.elapsed().as_secs_f64();
        fits.push(samples / fit_time);
        hands.push(samples / hand_time);
        ratios.push(hand_time / fit_time);
    }
    println!(
        "784-128-10 Adam, batch {batch}, fit and the hand-written nalgebra step alternated ({} pairs, one core): {:.1} k and {:.1} k samples/s, fit's speed ÷ hand-written's {:.2} (medians)",
        ratios.len(),
        median(&mut fits) / 1e3,
        median(&mut hands) / 1e3,
        median(&mut ratios),
    );
}

/// One `fit` epoch on one thread, then one on two, alternated for `duration`; prints the
/// medians of both throughputs and of the ratio of each pair's times (the two models train the
/// same way, bit for bit).
fn threads_paired(batch: usize, duration: Duration) {
    let data = synthetic(batch * BATCHES);
    let (mut one, fit) = trainer_on(&data, batch, true, 1);
    let (mut two, _) = trainer_on(&data, batch, true, 2);
    let (mut ones, mut twos, mut ratios) = (vec![], vec![], vec![]);
    let samples = (batch * BATCHES) as f64;
    let start = Instant::now();
    while ratios.is_empty() || start.elapsed() < duration {
        let t = Instant::now();
        one.fit(&data, &fit).expect("valid settings");
        let one_time = t.elapsed().as_secs_f64();
        let t = Instant::now();
        two.fit(&data, &fit).expect("valid settings");
        let two_time = t.elapsed().as_secs_f64();
        ones.push(samples / one_time);
        twos.push(samples / two_time);
        ratios.push(one_time / two_time);
    }
    println!(
        "784-128-10 Adam, batch {batch}, one thread and two alternated ({} pairs): {:.1} k and {:.1} k samples/s, speed-up {:.2} (medians)",
        ratios.len(),
        median(&mut ones) / 1e3,
        median(&mut twos) / 1e3,
        median(&mut ratios),
    );
}

criterion_group!(benches, training);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // `cargo test --benches` runs each benchmark once, without `--bench`; the paired run is for
    // `cargo bench` alone.
    if std::env::args().any(|a| a == "--bench") {
        for batch in [32, 128] {
            paired(batch, Duration::from_secs(10));
        }
        for batch in [32, 128] {
            handwritten_paired(batch, Duration::from_secs(10));
        }
        for batch in [32, 128] {
            threads_paired(batch, Duration::from_secs(10));
        }
    }
}
