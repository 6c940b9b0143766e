//! End to end on real data: the quickstart's network trained on the handwritten digits
//! (`data/digits.csv.gz`) reaches at least 0.95 test accuracy.

use nn::data::{Standardizer, read_csv};
use nn::prelude::*;

network! {
    struct Digits = Dense<64, 64, Relu>, Dropout<0.2>, Dense<64, 10, Softmax>;
}

#[test]
fn digits_reach_095_test_accuracy() {
    let csv = read_csv(
        concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv.gz"),
        0,
    )
    .unwrap();
    let pixels: Vec<f32> = csv
        .rows
        .iter()
        .flat_map(|r| r[..64].iter().map(|&v| v as f32))
        .collect();
    let labels: Vec<f32> = csv.rows.iter().map(|r| r[64] as f32).collect();
    let data = Dataset::<f32, 64, 1>::from_slices(&pixels, &labels).unwrap();
    let (train, test) = data.train_test_split(0.2, 42, true).unwrap();
    let scaler = Standardizer::fit(train.x()).unwrap();
    let scale = |set: &Dataset<f32, 64, 1>| {
        let mut x = set.x().clone();
        scaler.transform(&mut x);
        Dataset::new(x, set.y().clone()).unwrap()
    };
    let (train, test) = (scale(&train), scale(&test));
    let mut model = Model::new(
        Digits::seeded(42),
        Adam::default(),
        SparseCategoricalCrossentropy::default(),
    )
    .with_metrics(&[Metric::Accuracy]);
    let fit = Fit {
        epochs: 15,
        seed: 42,
        verbose: Verbosity::Silent,
        ..Fit::default()
    };
    model.fit(&train, &fit).unwrap();
    let scores = model.evaluate(&test).unwrap();
    let accuracy = nn::train::log_value(&scores, "accuracy").unwrap();
    assert!(accuracy >= 0.95, "test accuracy {accuracy}");
}
