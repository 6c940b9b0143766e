//! MLPerf Tiny's five int8 reference files read into the typed int8 forms of their
//! declarations (`#[int8]`, `nn::Int8<Net>`): each file's graph matches its declaration, and
//! `predict` gives TensorFlow Lite's reference kernels' outputs bit for bit on the five inputs
//! `tools/int8_reference.py` recorded for it.

use nn::prelude::*;

mod common;

include!("../firmware/models/mlperf_tiny.rs");

// The five, each with its int8 form.
mlperf_tiny_models!();

// The five again, each file checked against its declaration during the build and built into
// the program (`EMBEDDED`).
ad01!(
    /// Its file built in.
    #[int8]
    #[tflite("tests/fixtures/mlperf_tiny/ad01_int8.tflite", embed)]
    Ad01BuiltIn
);
pretrained_resnet!(
    /// Its file built in.
    #[int8]
    #[tflite("tests/fixtures/mlperf_tiny/pretrainedResnet_quant.tflite", embed)]
    Resnet8BuiltIn
);
vww_96!(
    /// Its file built in.
    #[int8]
    #[tflite("tests/fixtures/mlperf_tiny/vww_96_int8.tflite", embed)]
    Vww96BuiltIn
);
kws_ref_model!(
    /// Its file built in.
    #[int8]
    #[tflite("tests/fixtures/mlperf_tiny/kws_ref_model.tflite", embed)]
    KwsBuiltIn
);
str_ww_ref_model!(
    /// Its file built in.
    #[int8]
    #[tflite("tests/fixtures/mlperf_tiny/str_ww_ref_model.tflite", embed)]
    StreamingWakeWordBuiltIn
);

fn read(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/mlperf_tiny/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Reads `name`.tflite into `N`'s int8 form and checks its outputs on the recorded inputs;
/// then the same of `B`, the declaration with the file built in, whose every constant is what
/// the file gave `N` at run time.
macro_rules! check {
    ($net:ty, $built_in:ty, $name:literal) => {{
        let net = Int8::<$net>::from_tflite(&read(concat!($name, ".tflite")))
            .unwrap_or_else(|e| panic!("{}: {e}", $name));
        static BUILT_IN: Int8<$built_in> = Int8::<$built_in>::EMBEDDED;
        let samples = common::recorded_int8(concat!("mlperf_tiny/", $name));
        assert_eq!(samples.len(), 5);
        for (k, (x, expected)) in samples.iter().enumerate() {
            let x = x.as_slice().try_into().unwrap();
            let y = net.predict(x);
            assert_eq!(y.as_slice(), expected.as_slice(), "{} sample {k}", $name);
            assert_eq!(BUILT_IN.predict(x), y, "{} built in, sample {k}", $name);
        }
        // Every constant, as `Debug` shows it (the structs' names aside).
        let shown = |s: String| s.replace(stringify!($built_in), stringify!($net));
        assert_eq!(shown(format!("{BUILT_IN:?}")), format!("{net:?}"));
        assert_eq!(BUILT_IN.input_quantization(), net.input_quantization());
        assert_eq!(BUILT_IN.output_quantization(), net.output_quantization());
    }};
}

#[test]
fn anomaly_detection() {
    check!(Ad01, Ad01BuiltIn, "ad01_int8");
}

#[test]
fn image_classification_resnet8() {
    check!(Resnet8, Resnet8BuiltIn, "pretrainedResnet_quant");
}

#[test]
fn visual_wake_words() {
    check!(Vww96, Vww96BuiltIn, "vww_96_int8");
}

#[test]
fn keyword_spotting() {
    check!(Kws, KwsBuiltIn, "kws_ref_model");
}

#[test]
fn streaming_wake_word() {
    check!(
        StreamingWakeWord,
        StreamingWakeWordBuiltIn,
        "str_ww_ref_model"
    );
}

#[test]
fn another_models_file_is_refused_with_its_differences_listed() {
    // The keyword spotter's declaration against the visual wake words file: a clear list,
    // starting where they part, not a panic or a network that computes something else.
    let Err(nn::Error::Mismatch {
        network, problems, ..
    }) = Int8::<Kws>::from_tflite(&read("vww_96_int8.tflite"))
    else {
        panic!("a mismatch expected");
    };
    assert_eq!(network, "Kws");
    assert!(problems[0].contains("layer 2 (`conv2d`"), "{problems:#?}");
    assert!(
        problems.iter().any(|p| p.contains("[64, 10, 4, 1]")),
        "{problems:#?}"
    );
    // Every declaration against every other file: an error each time.
    for file in [
        "ad01_int8.tflite",
        "pretrainedResnet_quant.tflite",
        "vww_96_int8.tflite",
        "kws_ref_model.tflite",
        "str_ww_ref_model.tflite",
    ] {
        let bytes = read(file);
        let results = [
            Int8::<Ad01>::from_tflite(&bytes).is_ok(),
            Int8::<Resnet8>::from_tflite(&bytes).is_ok(),
            Int8::<Vww96>::from_tflite(&bytes).is_ok(),
            Int8::<Kws>::from_tflite(&bytes).is_ok(),
            Int8::<StreamingWakeWord>::from_tflite(&bytes).is_ok(),
        ];
        assert_eq!(
            results.iter().filter(|ok| **ok).count(),
            1,
            "{file}: {results:?}"
        );
    }
}

#[test]
fn damaged_files_are_errors_not_panics() {
    // The residual network (blocks, joins) on cut and altered copies of its file.
    let bytes = read("pretrainedResnet_quant.tflite");
    for cut in (0..bytes.len()).step_by(1499) {
        assert!(Int8::<Resnet8>::from_tflite(&bytes[..cut]).is_err());
    }
    let mut damaged = bytes.clone();
    let mut runs = 0;
    for at in (0..bytes.len()).step_by(389) {
        for flip in [0x01, 0xff] {
            damaged[at] ^= flip;
            // An error, or (a weight changed) a network, which runs: never a panic.
            if let Ok(net) = Int8::<Resnet8>::from_tflite(&damaged)
                && at % 8 == 0
            {
                let _ = net.predict(&[0; 3072]);
                runs += 1;
            }
            damaged[at] = bytes[at];
        }
    }
    assert!(runs > 0);
}

#[test]
fn param_bytes_count_the_weights_biases_and_multipliers() {
    // The anomaly detector by hand: ten dense layers (int8 weights, int32 biases, one multiplier
    // of 8 bytes per output at most) and nine batch normalizations (a scale and a shift per
    // channel, when not folded).
    let dense = |i: usize, o: usize| i * o + 4 * o + 8 * o;
    let layers = [(640, 128), (128, 128), (128, 128), (128, 128), (128, 8)]
        .into_iter()
        .chain([(8, 128), (128, 128), (128, 128), (128, 128), (128, 640)]);
    let norms = 2 * (8 * 128 + 8);
    let expected: usize = layers.map(|(i, o)| dense(i, o)).sum::<usize>() + norms;
    assert_eq!(Int8::<Ad01BuiltIn>::PARAM_BYTES, expected);
    // Each file's constant data (weights, biases, the few shapes of its reshapes) fits in the
    // constant, which also counts a multiplier per channel (the file keeps scales in its
    // quantization parameters) and the batch normalizations it folded: at most 30% more here.
    for (name, constant) in [
        ("ad01_int8.tflite", Int8::<Ad01BuiltIn>::PARAM_BYTES),
        (
            "pretrainedResnet_quant.tflite",
            Int8::<Resnet8BuiltIn>::PARAM_BYTES,
        ),
        ("vww_96_int8.tflite", Int8::<Vww96BuiltIn>::PARAM_BYTES),
        ("kws_ref_model.tflite", Int8::<KwsBuiltIn>::PARAM_BYTES),
        (
            "str_ww_ref_model.tflite",
            Int8::<StreamingWakeWordBuiltIn>::PARAM_BYTES,
        ),
    ] {
        let model = nn::tflite::read(&read(name)).unwrap();
        let file: usize = model.buffers.iter().map(|b| b.len()).sum();
        eprintln!("{name}: {file} bytes of constant data, PARAM_BYTES {constant}");
        assert!(
            file <= constant && constant * 10 <= file * 13,
            "{name}: {file} bytes of data in the file, PARAM_BYTES {constant}"
        );
    }
}
