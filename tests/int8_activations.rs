//! `nn::int8::kernels::{Softmax, Logistic, Tanh}` against TensorFlow Lite's reference kernels: every
//! case `tools/int8_activations.py` recorded with TensorFlow 2.21.0's `BUILTIN_REF`
//! interpreter (one-operator int8 models from its converter, at several input scales and zero
//! points, softmax also at several betas) gives the interpreter's outputs bit for bit, built
//! from the same float32 scales the converter wrote. `nn::int8::kernels::Lookup`'s ELU,
//! HARD_SWISH and GELU tables likewise, against `int8_activations_more.json`
//! (`tools/int8_activations.py --more`; ELU through the builtin kernel, as TensorFlow 2.21's
//! reference resolver has none).

use nn::int8::kernels::{LogSoftmax, Logistic, Lookup, Softmax, Tanh};
use serde_json::Value;

fn cases(file: &str) -> Vec<Value> {
    let path = format!(
        "{}/tests/fixtures/tflite/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let fixture: Value = serde_json::from_slice(&bytes).unwrap();
    fixture["cases"].as_array().expect("cases").clone()
}

/// A recorded float32 (written exactly, as the float64 of the float32).
fn f32_of(case: &Value, key: &str) -> f32 {
    let x = case[key].as_f64().unwrap_or_else(|| panic!("{key}"));
    let f = x as f32;
    // serde_json's parsing may miss the nearest float64 by its last bit.
    assert!(
        (f64::from(f) - x).abs() <= x.abs() * 1e-15,
        "{key} is not a float32"
    );
    f
}

fn i32_of(case: &Value, key: &str) -> i32 {
    i32::try_from(case[key].as_i64().unwrap_or_else(|| panic!("{key}"))).unwrap()
}

/// Rows of int8 values, each recorded as two hex digits per value (two's complement).
fn rows(case: &Value, key: &str) -> Vec<Vec<i8>> {
    let rows = case[key].as_array().unwrap_or_else(|| panic!("{key}"));
    rows.iter()
        .map(|row| {
            let hex = row.as_str().expect("a row of hex digits").as_bytes();
            assert_eq!(hex.len() % 2, 0, "{key}: odd number of hex digits");
            hex.chunks_exact(2)
                .map(|pair| {
                    let pair = std::str::from_utf8(pair).unwrap();
                    u8::from_str_radix(pair, 16).expect("hex digits") as i8
                })
                .collect()
        })
        .collect()
}

/// A name for the case in failure messages.
fn name(i: usize, case: &Value) -> String {
    format!(
        "case {i} ({} over {}, input scale {:e}, zero point {}{})",
        case["op"].as_str().unwrap(),
        case["range"],
        f32_of(case, "input_scale"),
        i32_of(case, "input_zero"),
        case.get("beta")
            .map(|b| format!(", beta {b}"))
            .unwrap_or_default()
    )
}

/// One of the three kernels, built for a case.
enum Kernel {
    Softmax(Softmax),
    Logistic(Logistic),
    Tanh(Tanh),
}

impl Kernel {
    fn run(&self, x: &[i8], y: &mut [i8]) {
        match self {
            Kernel::Softmax(k) => k.run(x, y),
            Kernel::Logistic(k) => k.run(x, y),
            Kernel::Tanh(k) => k.run(x, y),
        }
    }
}

#[test]
fn int8_activations_are_tflite_s_bit_for_bit() {
    let cases = cases("int8_activations.json");
    let mut counts = [0usize; 3];
    let mut values = 0;
    for (i, case) in cases.iter().enumerate() {
        let name = name(i, case);
        let scale = f32_of(case, "input_scale");
        let zero = i32_of(case, "input_zero");
        let (out_scale, out_zero) = (f32_of(case, "output_scale"), i32_of(case, "output_zero"));
        let op = case["op"].as_str().unwrap();
        // The output quantization TensorFlow Lite fixes, which the kernels assume.
        let expected_out = if op == "tanh" {
            (1.0 / 128.0, 0)
        } else {
            (1.0 / 256.0, -128)
        };
        assert_eq!(
            (out_scale, out_zero),
            expected_out,
            "{name}: output quantization"
        );
        let kernel = match op {
            "softmax" => {
                counts[0] += 1;
                Kernel::Softmax(Softmax::new(scale, f32_of(case, "beta")))
            }
            "logistic" => {
                counts[1] += 1;
                Kernel::Logistic(Logistic::new(scale, zero))
            }
            "tanh" => {
                counts[2] += 1;
                Kernel::Tanh(Tanh::new(scale, zero))
            }
            other => panic!("{name}: unknown operator {other}"),
        };
        let (xs, ys) = (rows(case, "x"), rows(case, "y"));
        assert_eq!(xs.len(), ys.len(), "{name}");
        for (r, (x, want)) in xs.iter().zip(&ys).enumerate() {
            let mut got = vec![0i8; x.len()];
            kernel.run(x, &mut got);
            if let Some(at) = got.iter().zip(want).position(|(a, b)| a != b) {
                panic!(
                    "{name}, row {r}: first difference at index {at} (input {}): ours {}, \
                     TensorFlow Lite's {}\n  x    {x:?}\n  ours {got:?}\n  tfl  {want:?}",
                    x[at], got[at], want[at]
                );
            }
            assert_eq!(got.len(), want.len(), "{name}, row {r}");
            values += x.len();
        }
    }
    // Every operator at several scales: a fixture that lost its cases must not pass.
    assert!(counts[0] >= 8, "softmax cases: {counts:?}");
    assert!(
        counts[1] >= 4 && counts[2] >= 4,
        "logistic, tanh cases: {counts:?}"
    );
    assert!(values > 30_000, "{values} values");
}

#[test]
fn elu_hard_swish_and_gelu_are_tflite_s_bit_for_bit() {
    let cases = cases("int8_activations_more.json");
    let mut counts = std::collections::BTreeMap::new();
    for (i, case) in cases.iter().enumerate() {
        let name = name(i, case);
        if case["op"] == "log_softmax" {
            continue;
        }
        let input = (f32_of(case, "input_scale"), i32_of(case, "input_zero"));
        let output = (f32_of(case, "output_scale"), i32_of(case, "output_zero"));
        let op = case["op"].as_str().unwrap();
        let lookup = match op {
            "elu" => Lookup::elu(input, output),
            "hard_swish" => Lookup::hard_swish(input, output)
                .unwrap_or_else(|| panic!("{name}: TensorFlow Lite took it")),
            "gelu" => Lookup::gelu(input, output, false),
            "gelu_approximate" => Lookup::gelu(input, output, true),
            other => panic!("{name}: unknown operator {other}"),
        };
        *counts.entry(op).or_insert(0) += 1;
        let (xs, ys) = (rows(case, "x"), rows(case, "y"));
        assert_eq!(
            (xs.len(), xs[0].len()),
            (1, 256),
            "{name}: every int8 value"
        );
        let mut got = vec![0i8; 256];
        lookup.run(&xs[0], &mut got);
        let differ: Vec<_> = (0..256)
            .filter(|&k| got[k] != ys[0][k])
            .map(|k| (xs[0][k], got[k], ys[0][k]))
            .collect();
        assert!(
            differ.is_empty(),
            "{name}: (input, ours, TensorFlow Lite's) {differ:?}"
        );
    }
    // Each operator at several scales: a fixture that lost its cases must not pass.
    assert_eq!(counts.len(), 4, "{counts:?}");
    assert!(counts.values().all(|&n| n >= 7), "{counts:?}");
    assert!(
        counts["hard_swish"] >= 20 && counts["elu"] >= 20,
        "{counts:?}"
    );
}

#[test]
fn log_softmax_is_tflite_s_bit_for_bit() {
    let cases = cases("int8_activations_more.json");
    let (mut count, mut values) = (0, 0);
    for (i, case) in cases.iter().enumerate() {
        if case["op"] != "log_softmax" {
            continue;
        }
        let name = name(i, case);
        // The output quantization TensorFlow Lite fixes, which the kernel assumes.
        let output = (f32_of(case, "output_scale"), i32_of(case, "output_zero"));
        assert_eq!(output, (16.0 / 256.0, 127), "{name}: output quantization");
        let kernel = LogSoftmax::new(f32_of(case, "input_scale"));
        let (xs, ys) = (rows(case, "x"), rows(case, "y"));
        assert_eq!(xs.len(), ys.len(), "{name}");
        for (r, (x, want)) in xs.iter().zip(&ys).enumerate() {
            let mut got = vec![0i8; x.len()];
            kernel.run(x, &mut got);
            assert_eq!(&got, want, "{name}, row {r}: x {x:?}");
            values += x.len();
        }
        count += 1;
    }
    // Several scales, from one where the multiplier is capped to one of 1/400.
    assert!(count >= 7, "{count} cases");
    assert!(values > 10_000, "{values} values");
}
