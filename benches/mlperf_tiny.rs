//! Inference speed of MLPerf Tiny's five reference models (from `tests/fixtures/mlperf_tiny/`):
//! one sample through `predict`,
//! and a batch of 32 through `predict_batch`, per sample. `benches/tflite_mlperf.py` times
//! TensorFlow Lite's interpreter on the same models' float `.tflite` files (XNNPACK, one thread);
//! run both in the same minutes and compare.
//!
//! Run with `NN_THREADS=1 cargo bench --bench mlperf_tiny` (one thread, as the comparison is).

use std::hint::black_box;
use std::time::{Duration, Instant};

use nn::nalgebra::{Const, Dyn};
use nn::prelude::*;

include!("../firmware/models/mlperf_tiny.rs");
mlperf_tiny_models!();

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The median time of `f` over runs filling about `budget`, after a warm-up.
fn median(budget: Duration, mut f: impl FnMut()) -> Duration {
    let start = Instant::now();
    while start.elapsed() < budget / 5 {
        f();
    }
    let mut times = Vec::new();
    let start = Instant::now();
    while start.elapsed() < budget || times.len() < 11 {
        let t = Instant::now();
        f();
        times.push(t.elapsed());
    }
    times.sort();
    times[times.len() / 2]
}

/// One model's single-sample and per-sample batch times, printed.
fn time<const I: usize, const O: usize>(
    name: &str,
    predict: impl Fn(&SVector<f32, I>) -> SVector<f32, O>,
    predict_batch: impl Fn(&Batch<f32, I>) -> Batch<f32, O>,
) {
    let x = SVector::<f32, I>::from_fn(|i, _| ((i * 37 % 101) as f32 / 101.0) * 2.0 - 1.0);
    let batch = Batch::<f32, I>::from_fn_generic(Const::<I>, Dyn(32), |i, j| {
        (((i + 7 * j) * 37 % 101) as f32 / 101.0) * 2.0 - 1.0
    });
    let budget = Duration::from_secs(3);
    let one = median(budget, || {
        black_box(predict(black_box(&x)));
    });
    let all = median(budget, || {
        black_box(predict_batch(black_box(&batch)));
    });
    println!(
        "{name}: predict {:.1} µs; predict_batch of 32 {:.1} µs per sample",
        one.as_secs_f64() * 1e6,
        all.as_secs_f64() * 1e6 / 32.0
    );
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let fixtures = format!("{ROOT}/tests/fixtures/mlperf_tiny");
    let ad01 = Ad01::load_keras(format!("{fixtures}/ad01.h5")).expect("ad01 loads");
    time("ad01", |x| ad01.predict(x), |x| ad01.predict_batch(x));
    let resnet: Resnet8 = nn::io::load_weights(format!("{fixtures}/pretrainedResnet.safetensors"))
        .expect("ResNet-8 loads");
    time(
        "pretrainedResnet",
        |x| resnet.predict(x),
        |x| resnet.predict_batch(x),
    );
    let vww = Vww96::load_keras(format!("{fixtures}/vww_96.h5")).expect("VWW loads");
    time("vww_96", |x| vww.predict(x), |x| vww.predict_batch(x));
    let kws = Kws::load_keras(format!("{fixtures}/kws_ref_model.h5")).expect("KWS loads");
    time(
        "kws_ref_model",
        |x| kws.predict(x),
        |x| kws.predict_batch(x),
    );
    let ww = StreamingWakeWord::load_keras(format!("{fixtures}/str_ww_ref_model.h5"))
        .expect("the streaming wake word model loads");
    time(
        "str_ww_ref_model",
        |x| ww.predict(x),
        |x| ww.predict_batch(x),
    );
}
