//! Training speed of the 784-128(relu)-10(softmax) network with Adam on synthetic MNIST-like data
//! (80% zero pixels, the rest uniform in [0, 1), random labels), at batch 32 and 128:
//!
//! - `fit` over 64 batches, with flush-to-zero (the default) and without;
//! - the floor: the five matrix products one step needs (two forward, three backward: ∂W₂, ∂h,
//!   ∂W₁), through the same GEMM as the layers, in the same run;
//! - the same products through matrixmultiply (nalgebra's GEMM), for comparison.
//!
//! Run with `cargo bench --bench training`; throughput is in samples per second.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nn::data::Dataset;
use nn::prelude::*;
use rand::{RngExt, SeedableRng};

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
            let mut model = Model::new(
                Mnist::seeded(1),
                Adam::default(),
                SparseCategoricalCrossentropy::default(),
            );
            let fit = Fit {
                batch_size: batch,
                verbose: Verbosity::Silent,
                flush_denormals: flush,
                ..Fit::default()
            };
            // Warm up the optimizer state before measuring.
            model
                .fit(
                    &data,
                    &Fit {
                        epochs: 3,
                        ..fit.clone()
                    },
                )
                .expect("valid settings");
            group.bench_function(name, |b| {
                b.iter(|| model.fit(&data, &fit).expect("valid settings"))
            });
        }

        // The floor: the products of one step, BATCHES times, through the layers' GEMM; and the
        // same products through matrixmultiply, for comparison.
        let (w1, w2) = (vec![0.01f32; 128 * 784], vec![0.01f32; 10 * 128]);
        let x = data.x().as_slice()[..784 * batch].to_vec();
        let (mut h, mut z) = (vec![0.0f32; 128 * batch], vec![0.0f32; 10 * batch]);
        let (mut dw1, mut dw2, mut dh) = (
            vec![0.0f32; 128 * 784],
            vec![0.0f32; 10 * 128],
            vec![0.0f32; 128 * batch],
        );
        for (name, product) in [
            (
                "matrix products only (floor)",
                nn::__private::gemm::<f32> as Product,
            ),
            ("matrix products through matrixmultiply", sgemm),
        ] {
            group.bench_function(name, |b| {
                b.iter(|| {
                    for _ in 0..BATCHES {
                        product((128, 784, batch), (&w1, 1, 128), (&x, 1, 784), &mut h);
                        product((10, 128, batch), (&w2, 1, 10), (&h, 1, 128), &mut z);
                        product((10, batch, 128), (&z, 1, 10), (&h, 128, 1), &mut dw2);
                        product((128, 10, batch), (&w2, 10, 1), (&z, 1, 10), &mut dh);
                        product((128, batch, 784), (&dh, 1, 128), (&x, 784, 1), &mut dw1);
                    }
                });
            });
        }
        group.finish();
    }
}

criterion_group!(benches, training);
criterion_main!(benches);
