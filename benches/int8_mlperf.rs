//! Inference speed of MLPerf Tiny's five int8 reference files (`tests/fixtures/mlperf_tiny/`)
//! read into the typed int8 forms of their declarations (`#[int8]`, `nn::Int8<Net>`): the
//! median time of one `predict` on the input TensorFlow Lite's reference kernels were recorded
//! on. `benches/tflite_int8_mlperf.py` times TensorFlow Lite's int8 interpreter on the same
//! files (its optimized kernels and its reference ones, one thread); run both in the same
//! minutes and compare.
//!
//! Run with `NN_THREADS=1 cargo bench --bench int8_mlperf`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use nn::prelude::*;

include!("../firmware/models/mlperf_tiny.rs");

// The five, each with its int8 form.
mlperf_tiny_models!();

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn read(name: &str) -> Vec<u8> {
    let path = format!("{ROOT}/tests/fixtures/mlperf_tiny/{name}");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The input `name`.tflite's every tensor was recorded on.
fn recorded_input(name: &str) -> Vec<i8> {
    let blob = read(&format!("{name}.tensors.bin"));
    let index: serde_json::Value =
        serde_json::from_slice(&read(&format!("{name}.tensors.json"))).expect("an index");
    let input = index["inputs"][0].to_string();
    let [offset, length]: [usize; 2] =
        serde_json::from_value(index["tensors"][input].clone()).expect("an input tensor");
    blob[offset..offset + length]
        .iter()
        .map(|&b| b as i8)
        .collect()
}

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

/// Reads `$file`.tflite into `$net`'s int8 form and prints the median time of its `predict`.
macro_rules! time {
    ($net:ty, $name:literal, $file:literal) => {{
        let net = Int8::<$net>::from_tflite(&read(concat!($file, ".tflite")))
            .unwrap_or_else(|e| panic!("{}: {e}", $file));
        let x = recorded_input($file);
        let x = x.as_slice().try_into().expect("the declared input size");
        let t = median(Duration::from_secs(3), || {
            black_box(net.predict(black_box(x)));
        });
        println!("{}: predict {:.1} µs", $name, t.as_secs_f64() * 1e6);
    }};
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |name: &str| only.is_empty() || only.iter().any(|o| name.contains(o.as_str()));
    if wanted("ad01") {
        time!(Ad01, "ad01", "ad01_int8");
    }
    if wanted("pretrainedResnet") {
        time!(Resnet8, "pretrainedResnet", "pretrainedResnet_quant");
    }
    if wanted("vww_96") {
        time!(Vww96, "vww_96", "vww_96_int8");
    }
    if wanted("kws_ref_model") {
        time!(Kws, "kws_ref_model", "kws_ref_model");
    }
    if wanted("str_ww_ref_model") {
        time!(StreamingWakeWord, "str_ww_ref_model", "str_ww_ref_model");
    }
}
