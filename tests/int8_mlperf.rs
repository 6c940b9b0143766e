//! MLPerf Tiny's five int8 reference files read into the typed int8 forms of their
//! declarations (`#[int8]`, `nn::Int8<Net>`): each file's graph matches its declaration, and
//! `predict` gives TensorFlow Lite's reference kernels' outputs bit for bit on the five inputs
//! `tools/int8_reference.py` recorded for it.

use nn::prelude::*;

include!("../firmware/models/mlperf_tiny.rs");

ad01!(
    /// Anomaly detection.
    #[int8]
    Ad01
);
pretrained_resnet!(
    /// ResNet-8.
    #[int8]
    Resnet8
);
vww_96!(
    /// Visual wake words.
    #[int8]
    Vww96
);
kws_ref_model!(
    /// Keyword spotting.
    #[int8]
    Kws
);
str_ww_ref_model!(
    /// The streaming wake word model.
    #[int8]
    StreamingWakeWord
);

fn read(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/mlperf_tiny/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The recorded inputs and outputs of `name`.tflite: the one whose every tensor was recorded,
/// and four more.
fn recorded(name: &str) -> Vec<(Vec<i8>, Vec<i8>)> {
    let blob: Vec<i8> = read(&format!("{name}.tensors.bin"))
        .into_iter()
        .map(|b| b as i8)
        .collect();
    let index: serde_json::Value =
        serde_json::from_slice(&read(&format!("{name}.tensors.json"))).unwrap();
    let slice = |v: &serde_json::Value| -> Vec<i8> {
        let [offset, length]: [usize; 2] = serde_json::from_value(v.clone()).unwrap();
        blob[offset..offset + length].to_vec()
    };
    let tensor = |k: &serde_json::Value| slice(&index["tensors"][k.to_string()]);
    let mut all = vec![(tensor(&index["inputs"][0]), tensor(&index["outputs"][0]))];
    for m in index["more"].as_array().unwrap() {
        all.push((slice(&m["input"]), slice(&m["output"])));
    }
    all
}

/// Reads `name`.tflite into `N`'s int8 form and checks its outputs on the recorded inputs.
macro_rules! check {
    ($net:ty, $name:literal) => {{
        let net = Int8::<$net>::from_tflite(&read(concat!($name, ".tflite")))
            .unwrap_or_else(|e| panic!("{}: {e}", $name));
        let samples = recorded($name);
        assert_eq!(samples.len(), 5);
        for (k, (x, expected)) in samples.iter().enumerate() {
            let y = net.predict(x.as_slice().try_into().unwrap());
            assert_eq!(y.as_slice(), expected.as_slice(), "{} sample {k}", $name);
        }
    }};
}

#[test]
fn anomaly_detection() {
    check!(Ad01, "ad01_int8");
}

#[test]
fn image_classification_resnet8() {
    check!(Resnet8, "pretrainedResnet_quant");
}

#[test]
fn visual_wake_words() {
    check!(Vww96, "vww_96_int8");
}

#[test]
fn keyword_spotting() {
    check!(Kws, "kws_ref_model");
}

#[test]
fn streaming_wake_word() {
    check!(StreamingWakeWord, "str_ww_ref_model");
}
