//! Training speed of the Fashion-MNIST LSTM of `examples/fashion_mnist_lstm.rs` (28 steps of 28
//! values, `LSTM<64>`, Dense 10, Adam, batch 64) on synthetic images, one thread and two
//! alternated for ten seconds; `benches/keras_lstm.py` trains the same network with Keras on
//! JAX on the same workload, for comparison on the same machine.
//!
//! Run with `cargo bench --bench lstm`; throughput is in samples per second.

use nn::data::Dataset;
use nn::prelude::*;
use rand::{RngExt, SeedableRng};
use std::time::{Duration, Instant};

network! {
    /// The example's network.
    pub struct FashionLstm = Input<28, 28>, LSTM<64>, Dropout<0.2>, Dense<64, 10, Softmax>;
}

const BATCH: usize = 64;
const BATCHES: usize = 16;

fn main() {
    // `cargo test --benches` runs each benchmark binary without `--bench`: only check it runs.
    let measuring = std::env::args().any(|a| a == "--bench");
    let samples = BATCH * if measuring { BATCHES } else { 2 };
    let mut rng = rand::rngs::StdRng::seed_from_u64(0);
    let x: Vec<f32> = (0..samples * 784).map(|_| rng.random::<f32>()).collect();
    let y: Vec<f32> = (0..samples)
        .map(|_| rng.random_range(0..10) as f32)
        .collect();
    let data = Dataset::<f32, 784, 1>::from_slices(&x, &y).expect("valid data");
    let fit = Fit {
        batch_size: BATCH,
        verbose: Verbosity::Silent,
        ..Fit::default()
    };
    let model = |threads| {
        let mut model = Model::new(
            FashionLstm::seeded(1),
            Adam::default(),
            SparseCategoricalCrossentropy::default(),
        )
        .with_threads(threads);
        model.fit(&data, &fit).expect("valid settings");
        model
    };
    let (mut one, mut two) = (model(1), model(2));
    if !measuring {
        return;
    }
    let (mut ones, mut twos, mut ratios) = (vec![], vec![], vec![]);
    let start = Instant::now();
    while ratios.is_empty() || start.elapsed() < Duration::from_secs(10) {
        let t = Instant::now();
        one.fit(&data, &fit).expect("valid settings");
        let one_time = t.elapsed().as_secs_f64();
        let t = Instant::now();
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
        "Fashion-MNIST LSTM<64>, batch {BATCH}, one thread and two alternated ({} pairs): {:.2} k and {:.2} k samples/s, speed-up {:.2} (medians)",
        ratios.len(),
        median(&mut ones) / 1e3,
        median(&mut twos) / 1e3,
        median(&mut ratios),
    );
}
