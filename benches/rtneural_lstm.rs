//! One LSTM step of `nn` (`Lstm::step`, the weights built in as `from_arrays` builds them),
//! timed the way `benches/rtneural/lstm_step.cpp` times RTNeural's compile-time-sized LSTM: the
//! same weights and inputs (the formulas below, in Keras's layouts), a warm-up, then the median
//! over rounds of the time per step. `benches/rtneural/run.sh` runs both in the same minutes,
//! in generic and native builds.
//!
//! Prints one line per size: `nn <features> <units> <ns per step> <checksum>`, the checksum the
//! sum of the outputs after 64 steps from a fresh state, which must be RTNeural's.

use std::hint::black_box;
use std::time::Instant;

use nn::nalgebra::SVector;
use nn::{Lstm, LstmState};

/// The weight of Keras's `(rows, 4 * units)` kernels at (`row`, `col`): the C++ program's.
fn weight(salt: usize, row: usize, col: usize) -> f32 {
    let k = (row * 31 + col * 17 + salt * 7) % 97;
    k as f32 / 97.0 * 0.4 - 0.2
}

/// The input at step `t`, feature `f`: the C++ program's.
fn input(t: usize, f: usize) -> f32 {
    (0.37 * (t * 13 + f) as f32).sin()
}

/// Times `Lstm::<f32, F, U, F, U, G, false>::step` (`G` = 4 `U`).
fn run<const F: usize, const U: usize, const G: usize>(steps: usize, rounds: usize) {
    let mut kernel = Box::new([[0.0f32; G]; F]);
    let mut recurrent = Box::new([[0.0f32; G]; U]);
    let mut bias = [[0.0f32; G]; 1];
    for (i, row) in kernel.iter_mut().enumerate() {
        for (k, w) in row.iter_mut().enumerate() {
            *w = weight(0, i, k);
        }
    }
    for (i, row) in recurrent.iter_mut().enumerate() {
        for (k, w) in row.iter_mut().enumerate() {
            *w = weight(1, i, k);
        }
    }
    for (k, b) in bias[0].iter_mut().enumerate() {
        *b = weight(2, 0, k);
    }
    let lstm = Box::new(Lstm::<f32, F, U, F, U, G, false>::from_arrays(
        *kernel, *recurrent, bias,
    ));
    let xs: Vec<SVector<f32, F>> = (0..64)
        .map(|t| SVector::from_fn(|f, _| input(t, f)))
        .collect();

    let mut state = LstmState::<f32, U>::default();
    for t in 0..1000 {
        black_box(lstm.step(&mut state, &xs[t % 64]));
    }
    let mut per_step: Vec<f64> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            for t in 0..steps {
                black_box(lstm.step(black_box(&mut state), &xs[t % 64]));
            }
            start.elapsed().as_nanos() as f64 / steps as f64
        })
        .collect();
    per_step.sort_by(f64::total_cmp);

    let mut state = LstmState::<f32, U>::default();
    let mut y = SVector::<f32, U>::zeros();
    for x in &xs {
        y = lstm.step(&mut state, x);
    }
    let sum: f64 = y.iter().map(|&v| f64::from(v)).sum();
    println!("nn {F} {U} {:.1} {sum:.6}", per_step[per_step.len() / 2]);
}

fn main() {
    // `cargo bench` passes `--bench`; a filter would be ignored.
    run::<8, 16, 64>(200_000, 15);
    run::<64, 64, 256>(20_000, 15);
}
