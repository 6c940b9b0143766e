//! MLPerf Tiny's reference models (mlcommons/tiny; `tests/fixtures/mlperf_tiny/README.md`),
//! declared with `network!`, loaded from their own files, checked against them at build time, and
//! matched with TensorFlow's predictions (recorded by `tools/mlperf_tiny.py`).

mod common;

use std::path::Path;

use nn::prelude::*;

fn fixture(name: &str) -> String {
    format!(
        "{}/tests/fixtures/mlperf_tiny/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// The recorded inputs and TensorFlow's outputs, one flat channels-last row per sample.
fn io(name: &str) -> (Vec<Vec<f32>>, Vec<Vec<f64>>) {
    let (inputs, outputs) = common::recorded_io(Path::new(&fixture(&format!("{name}.json"))));
    let inputs = inputs
        .into_iter()
        .map(|row| row.into_iter().map(|v| v as f32).collect())
        .collect();
    (inputs, outputs)
}

/// `net`'s predictions as a batch, and one sample at a time through `predict_one` (the
/// generated `predict`), equal TensorFlow's to `tolerance` (relative, or absolute below 1).
fn assert_matches_tensorflow<N: Network<f32>>(
    net: &N,
    name: &str,
    tolerance: f64,
    predict_one: impl Fn(&[f32]) -> Vec<f32>,
) {
    let (inputs, outputs) = io(name);
    assert!(!inputs.is_empty());
    let flat: Vec<f32> = inputs.iter().flatten().copied().collect();
    let x = OMatrix::<f32, N::Input, Dyn>::from_column_slice_generic(
        <N::Input as nalgebra::DimName>::name(),
        Dyn(inputs.len()),
        &flat,
    );
    let batch = net.predict_batch(&x);
    for (sample, expected) in outputs.iter().enumerate() {
        let one = predict_one(&inputs[sample]);
        assert_eq!(one.len(), expected.len());
        for (unit, &e) in expected.iter().enumerate() {
            for (how, got) in [("batch", batch[(unit, sample)]), ("one", one[unit])] {
                let got = f64::from(got);
                assert!(
                    (got - e).abs() <= tolerance * e.abs().max(1.0),
                    "{name} ({how}): sample {sample}, output {unit}: nn {got}, TensorFlow {e}"
                );
            }
        }
    }
}

include!("../firmware/models/mlperf_tiny.rs");

// Each model twice: loaded at run time (its large matrices on the heap), and built in (every
// matrix inline: a constant of the weights' size, 1 MB for ad01, kept in a `static` rather than
// moved onto a test thread's 2 MB stack).
ad01!(
    /// `ad01.h5`, loaded at run time.
    #[keras("tests/fixtures/mlperf_tiny/ad01.h5")]
    Ad01
);
ad01!(
    /// `ad01.h5`, built in.
    #[keras("tests/fixtures/mlperf_tiny/ad01.h5", embed)]
    Ad01Embedded
);

static AD01: Ad01Embedded = Ad01Embedded::EMBEDDED;

#[test]
fn anomaly_detection_matches_tensorflow() {
    let net = Ad01::load_keras(fixture("ad01.h5")).unwrap();
    assert_eq!(<Ad01 as Network<f32>>::PARAMS, 269_992);
    assert_matches_tensorflow(&net, "ad01", 1e-5, |x| {
        net.predict(&SVector::from_column_slice(x))
            .as_slice()
            .to_vec()
    });
    assert_matches_tensorflow(&AD01, "ad01", 1e-5, |x| {
        AD01.predict(&SVector::from_column_slice(x))
            .as_slice()
            .to_vec()
    });
}

pretrained_resnet!(
    /// `pretrainedResnet.h5`'s ResNet-8, loaded at run time (from its file, and from its weights
    /// converted to `nn::io`'s safetensors by `tools/mlperf_tiny.py`).
    #[safetensors("tests/fixtures/mlperf_tiny/pretrainedResnet.safetensors")]
    Resnet8
);
pretrained_resnet!(
    /// The same, built in from its converted weights.
    #[safetensors("tests/fixtures/mlperf_tiny/pretrainedResnet.safetensors", embed)]
    Resnet8Embedded
);
pretrained_resnet!(
    /// The same, checked against its own file during the build and built in from it.
    #[keras("tests/fixtures/mlperf_tiny/pretrainedResnet.h5", embed)]
    Resnet8FromKeras
);

static RESNET8_KERAS: Resnet8FromKeras = Resnet8FromKeras::EMBEDDED;

static RESNET8: Resnet8Embedded = Resnet8Embedded::EMBEDDED;

/// ResNet-8's residual blocks compute what TensorFlow computes, loaded at run time and built
/// in, one image at a time and as a batch.
#[test]
fn image_classification_matches_tensorflow() {
    assert_eq!(<Resnet8 as Network<f32>>::PARAMS, 78_666);
    // From its own file, a Keras functional model with three blocks.
    let net = Resnet8::load_keras(fixture("pretrainedResnet.h5")).unwrap();
    assert_matches_tensorflow(&net, "pretrainedResnet", 1e-5, |x| {
        net.predict(&SVector::from_column_slice(x))
            .as_slice()
            .to_vec()
    });
    let net: Resnet8 = nn::io::load_weights(fixture("pretrainedResnet.safetensors")).unwrap();
    assert_matches_tensorflow(&net, "pretrainedResnet", 1e-5, |x| {
        net.predict(&SVector::from_column_slice(x))
            .as_slice()
            .to_vec()
    });
    assert_matches_tensorflow(&RESNET8_KERAS, "pretrainedResnet", 1e-5, |x| {
        RESNET8_KERAS
            .predict(&SVector::from_column_slice(x))
            .as_slice()
            .to_vec()
    });
    assert_matches_tensorflow(&RESNET8, "pretrainedResnet", 1e-5, |x| {
        RESNET8
            .predict(&SVector::from_column_slice(x))
            .as_slice()
            .to_vec()
    });
}

vww_96!(
    /// `vww_96.h5`, a tf.keras 2 file Keras 3 cannot read (its `DepthwiseConv2D` configs carry
    /// `groups`), loaded at run time.
    #[keras("tests/fixtures/mlperf_tiny/vww_96.h5")]
    Vww96
);
vww_96!(
    /// The same, built in.
    #[keras("tests/fixtures/mlperf_tiny/vww_96.h5", embed)]
    Vww96Embedded
);
kws_ref_model!(
    /// KWS's SavedModel as tf_keras saved it (`tools/mlperf_tiny.py`), loaded at run time.
    #[keras("tests/fixtures/mlperf_tiny/kws_ref_model.h5")]
    Kws
);
kws_ref_model!(
    /// The same, built in.
    #[keras("tests/fixtures/mlperf_tiny/kws_ref_model.h5", embed)]
    KwsEmbedded
);
str_ww_ref_model!(
    /// `str_ww_ref_model.h5` (tf.keras 2.14), loaded at run time.
    #[keras("tests/fixtures/mlperf_tiny/str_ww_ref_model.h5")]
    StreamingWakeWord
);
str_ww_ref_model!(
    /// The same, built in.
    #[keras("tests/fixtures/mlperf_tiny/str_ww_ref_model.h5", embed)]
    StreamingWakeWordEmbedded
);

static VWW: Vww96Embedded = Vww96Embedded::EMBEDDED;
static KWS: KwsEmbedded = KwsEmbedded::EMBEDDED;
static STR_WW: StreamingWakeWordEmbedded = StreamingWakeWordEmbedded::EMBEDDED;

/// The three depthwise-separable models, each from its own file, match TensorFlow.
#[test]
fn depthwise_separable_models_match_tensorflow() {
    let vww = Vww96::load_keras(fixture("vww_96.h5")).unwrap();
    assert_matches_tensorflow(&vww, "vww_96", 1e-5, |x| {
        vww.predict(&SVector::from_column_slice(x))
            .as_slice()
            .to_vec()
    });
    assert_matches_tensorflow(&VWW, "vww_96", 1e-5, |x| {
        VWW.predict(&SVector::from_column_slice(x))
            .as_slice()
            .to_vec()
    });
    let kws = Kws::load_keras(fixture("kws_ref_model.h5")).unwrap();
    assert_matches_tensorflow(&kws, "kws_ref_model", 1e-5, |x| {
        kws.predict(&SVector::from_column_slice(x))
            .as_slice()
            .to_vec()
    });
    assert_matches_tensorflow(&KWS, "kws_ref_model", 1e-5, |x| {
        KWS.predict(&SVector::from_column_slice(x))
            .as_slice()
            .to_vec()
    });
    let ww = StreamingWakeWord::load_keras(fixture("str_ww_ref_model.h5")).unwrap();
    assert_matches_tensorflow(&ww, "str_ww_ref_model", 1e-5, |x| {
        ww.predict(&SVector::from_column_slice(x))
            .as_slice()
            .to_vec()
    });
    assert_matches_tensorflow(&STR_WW, "str_ww_ref_model", 1e-5, |x| {
        STR_WW
            .predict(&SVector::from_column_slice(x))
            .as_slice()
            .to_vec()
    });
}
