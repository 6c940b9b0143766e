//! `predict_batch` on 1024 samples, timed as `benches/keras_inference.py` and
//! `benches/pytorch_inference.py` time Keras and PyTorch: the best and the median of many calls,
//! for the card's network (32-64-10) and the training benchmark's (784-128-10). Run the three
//! one after the other, on one thread:
//!
//! ```text
//! NN_THREADS=1 taskset -c 0 cargo bench --bench batch_inference
//! python3 benches/keras_inference.py 1
//! python3 benches/pytorch_inference.py 1
//! ```
//!
//! and on two (`NN_THREADS=2` and no `taskset`, the scripts with `2`).

use std::hint::black_box;
use std::time::Instant;

use nn::prelude::*;

network! {
    /// The design card's network.
    pub struct Classifier = Dense<32, 64, Relu>, Dropout<0.5>, Dense<64, 10, Softmax>;

    /// The training benchmark's network.
    pub struct Mlp = Dense<784, 128, Relu>, Dense<128, 10, Softmax>;
}

const N: usize = 1024;

/// The best and the median time of `calls` calls of `f`, in microseconds.
fn best_and_median(calls: usize, mut f: impl FnMut()) -> (f64, f64) {
    let mut times: Vec<f64> = (0..calls)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    times.sort_by(f64::total_cmp);
    (times[0], times[calls / 2])
}

fn report<Net, const I: usize>(name: &str, net: &Net, calls: usize)
where
    Net: Network<f32, Input = Const<I>>,
{
    let x = Batch::<f32, I>::from_fn_generic(Const::<I>, Dyn(N), |i, j| {
        ((i * 31 + j * 7) % 17) as f32 / 17.0 - 0.5
    });
    let (best, median) = best_and_median(calls, || {
        black_box(net.predict_batch(black_box(&x)));
    });
    let rate = |us: f64| N as f64 / us;
    println!(
        "nn predict_batch, {name}, {N} samples: best {best:.1} us ({:.2} M samples/s), \
         median {median:.1} us ({:.2} M samples/s)",
        rate(best),
        rate(median)
    );
}

fn main() {
    report("32-64-10", &Classifier::<f32>::seeded(1), 2000);
    report("784-128-10", &Mlp::<f32>::seeded(1), 200);
}
