//! MLPerf Tiny's five reference models (mlcommons/tiny), each declared with `network!` and loaded
//! from its own Keras file in `tests/fixtures/mlperf_tiny/` (provenance and licences in its
//! README). For each: its `summary()`, its parameter count, the time of one prediction, and how
//! far that prediction is from TensorFlow's on the first input `tools/mlperf_tiny.py` recorded.
//! Then the same declarations in int8 (`#[int8]`), each read from MLPerf Tiny's int8 `.tflite`
//! file: the time of one prediction, and whether it is TensorFlow Lite's, bit for bit, on the
//! input `tools/int8_reference.py` recorded.
//!
//! Run with `cargo run --release --example mlperf_tiny`.

use std::time::{Duration, Instant};

use nn::prelude::*;

include!("../firmware/models/mlperf_tiny.rs");
mlperf_tiny_models!();

const FIXTURES: &str = "tests/fixtures/mlperf_tiny";

/// The first recorded input of a model and TensorFlow's output for it.
fn recorded(name: &str) -> Result<(Vec<f32>, Vec<f64>), Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(format!("{FIXTURES}/{name}.json"))?;
    let json: serde_json::Value = serde_json::from_str(&text)?;
    let first = |key: &str| -> Option<Vec<f64>> {
        json[key]
            .get(0)?
            .as_array()?
            .iter()
            .map(|v| v.as_f64())
            .collect()
    };
    let input = first("inputs").ok_or("no recorded input")?;
    let output = first("outputs").ok_or("no recorded output")?;
    Ok((input.into_iter().map(|v| v as f32).collect(), output))
}

/// Prints what `net` is, times one prediction (the median of runs filling about a second) and
/// compares it with TensorFlow's on the recorded input.
fn show<N: Network<f32>, const I: usize, const O: usize>(
    title: &str,
    name: &str,
    net: &N,
    predict: impl Fn(&SVector<f32, I>) -> SVector<f32, O>,
) -> Result<(), Box<dyn std::error::Error>> {
    let (input, expected) = recorded(name)?;
    let x = SVector::<f32, I>::from_column_slice(&input);
    let y = predict(&x);
    let difference = y
        .iter()
        .zip(&expected)
        .map(|(&got, &want)| (f64::from(got) - want).abs())
        .fold(0.0, f64::max);
    let mut times = Vec::new();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(1) || times.len() < 11 {
        let t = Instant::now();
        std::hint::black_box(predict(std::hint::black_box(&x)));
        times.push(t.elapsed());
    }
    times.sort();
    let median = times[times.len() / 2];
    println!("== {title}: {name}");
    println!("{}", nn::Summary::of(net));
    println!(
        "{} parameters; one prediction in {:.1} µs (median of {}); largest difference from \
         TensorFlow's output: {difference:.1e}\n",
        N::PARAMS,
        median.as_secs_f64() * 1e6,
        times.len()
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let file = |name: &str| format!("{FIXTURES}/{name}.h5");
    let ad01 = Ad01::load_keras(file("ad01"))?;
    show("anomaly detection", "ad01", &ad01, |x| ad01.predict(x))?;
    let resnet = Resnet8::load_keras(file("pretrainedResnet"))?;
    show("image classification", "pretrainedResnet", &resnet, |x| {
        resnet.predict(x)
    })?;
    let vww = Vww96::load_keras(file("vww_96"))?;
    show("visual wake words", "vww_96", &vww, |x| vww.predict(x))?;
    let kws = Kws::load_keras(file("kws_ref_model"))?;
    show("keyword spotting", "kws_ref_model", &kws, |x| {
        kws.predict(x)
    })?;
    let ww = StreamingWakeWord::load_keras(file("str_ww_ref_model"))?;
    show("streaming wake word", "str_ww_ref_model", &ww, |x| {
        ww.predict(x)
    })?;

    println!("== int8, from MLPerf Tiny's .tflite files");
    let tflite = |name: &str| format!("{FIXTURES}/{name}.tflite");
    let ad01 = Int8::<Ad01>::load_tflite(tflite("ad01_int8"))?;
    show_int8("anomaly detection", "ad01_int8", |x| ad01.predict(x))?;
    let resnet = Int8::<Resnet8>::load_tflite(tflite("pretrainedResnet_quant"))?;
    show_int8("image classification", "pretrainedResnet_quant", |x| {
        resnet.predict(x)
    })?;
    let vww = Int8::<Vww96>::load_tflite(tflite("vww_96_int8"))?;
    show_int8("visual wake words", "vww_96_int8", |x| vww.predict(x))?;
    let kws = Int8::<Kws>::load_tflite(tflite("kws_ref_model"))?;
    show_int8("keyword spotting", "kws_ref_model", |x| kws.predict(x))?;
    let ww = Int8::<StreamingWakeWord>::load_tflite(tflite("str_ww_ref_model"))?;
    show_int8("streaming wake word", "str_ww_ref_model", |x| ww.predict(x))?;
    Ok(())
}

/// Times one int8 prediction and compares it with TensorFlow Lite's reference kernels' output
/// on the input recorded in `<name>.tensors.json`.
fn show_int8<const I: usize, const O: usize>(
    title: &str,
    name: &str,
    predict: impl Fn(&[i8; I]) -> [i8; O],
) -> Result<(), Box<dyn std::error::Error>> {
    let blob = std::fs::read(format!("{FIXTURES}/{name}.tensors.bin"))?;
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(format!("{FIXTURES}/{name}.tensors.json"))?)?;
    let tensor = |key: &str| -> Option<Vec<i8>> {
        let id = index[key].get(0)?.to_string();
        let at = index["tensors"].get(&id)?;
        let (start, len) = (at.get(0)?.as_u64()? as usize, at.get(1)?.as_u64()? as usize);
        Some(
            blob.get(start..start + len)?
                .iter()
                .map(|&b| b as i8)
                .collect(),
        )
    };
    let input = tensor("inputs").ok_or("no recorded input")?;
    let expected = tensor("outputs").ok_or("no recorded output")?;
    let x: [i8; I] = input.as_slice().try_into()?;
    let y = predict(&x);
    let mut times = Vec::new();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(1) || times.len() < 11 {
        let t = Instant::now();
        std::hint::black_box(predict(std::hint::black_box(&x)));
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "{title}: one int8 prediction in {:.1} µs; {} TensorFlow Lite's reference output",
        times[times.len() / 2].as_secs_f64() * 1e6,
        if y.as_slice() == expected.as_slice() {
            "bit for bit"
        } else {
            "differs from"
        }
    );
    Ok(())
}
