//! End to end on real data: the quickstart's network trained on the handwritten digits
//! (`data/digits.csv.gz`) reaches at least 0.95 test accuracy.

mod common;

use nn::prelude::*;

network! {
    struct Digits = Dense<64, 64, Relu>, Dropout<0.2>, Dense<64, 10, Softmax>;
}

#[test]
fn digits_reach_095_test_accuracy() {
    let (train, test) = common::digits();
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
