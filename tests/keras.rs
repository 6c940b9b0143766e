//! Keras files made by real Keras (`tools/keras_fixtures.py`, Keras 3.15.1 on JAX; tf.keras 2 for
//! the legacy layout): each is loaded into the matching declaration and must predict what Keras
//! predicted, to 1e-6. Files written by us are read back here; that Keras loads them is checked
//! by `tools/keras_roundtrip.py`.

mod common;

use std::path::{Path, PathBuf};

use nn::prelude::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keras").join(name)
}

/// Keras's inputs and outputs for a fixture: one flattened sample per row.
fn io(name: &str) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let text = std::fs::read_to_string(fixture(&format!("{name}.json"))).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let rows = |key: &str| -> Vec<Vec<f64>> {
        json[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect())
            .collect()
    };
    (rows("inputs"), rows("outputs"))
}

/// `net`'s predictions on the fixture's inputs equal Keras's to `1e-6` (relative to the larger
/// of 1 and the value).
fn assert_matches_keras<N: Network<f32>>(net: &N, name: &str) {
    let (inputs, outputs) = io(name);
    assert!(!inputs.is_empty());
    let flat: Vec<f32> = inputs.iter().flatten().map(|&v| v as f32).collect();
    let x = OMatrix::<f32, N::Input, Dyn>::from_column_slice_generic(
        <N::Input as nalgebra::DimName>::name(),
        Dyn(inputs.len()),
        &flat,
    );
    let y = net.predict_batch(&x);
    for (sample, expected) in outputs.iter().enumerate() {
        for (unit, &e) in expected.iter().enumerate() {
            let got = f64::from(y[(unit, sample)]);
            assert!(
                (got - e).abs() <= 1e-6 * e.abs().max(1.0),
                "{name}: sample {sample}, output {unit}: nn {got}, Keras {e}"
            );
        }
    }
}

network! {
    /// The card's MLP.
    pub struct Mlp = Dense<32, 64, Relu>, Dropout<0.5>, Dense<64, 10, Softmax>;
}

#[test]
fn the_mlp_loads_from_every_format_keras_3_writes() {
    for file in ["mlp.keras", "mlp.weights.h5", "mlp.h5", "mlp_sharded.weights.json"] {
        let net = Mlp::load_keras(fixture(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_matches_keras(&net, "mlp");
    }
}
