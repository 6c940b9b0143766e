//! Binary classification of the Wisconsin breast-cancer set (569 samples, 30 features): a sigmoid
//! output trained with binary cross-entropy, reporting accuracy, precision, recall and AUC.
//!
//! Run with `cargo run --release --example breast_cancer`.

use nn::data::{Columns, Standardizer, read_csv};
use nn::prelude::*;

network! {
    /// 30 features → 16 relu units → the probability of "benign".
    pub struct Diagnosis = Dense<30, 16, Relu>, Dropout<0.1>, Dense<16, 1, Sigmoid>;
}

fn main() -> Result<(), nn::Error> {
    // First line: `569,30,malignant,benign`; then 30 features and the class (0 malignant, 1 benign).
    let data = read_csv(
        concat!(env!("CARGO_MANIFEST_DIR"), "/data/breast_cancer.csv"),
        1,
    )?
    .dataset::<f32, 30, 1>(Columns::Last)?;
    let (train, test) = data.train_test_split(0.2, 7, true)?;

    let scaler = Standardizer::fit(train.x())?;
    let (train, test) = (
        scaler.transform_dataset(&train)?,
        scaler.transform_dataset(&test)?,
    );

    println!("{}", Diagnosis::seeded(7).summary());
    let mut model = Model::new(
        Diagnosis::seeded(7),
        Adam::default(),
        BinaryCrossentropy::default(),
    )
    .with_metrics(&[
        Metric::Accuracy,
        Metric::Precision,
        Metric::Recall,
        Metric::Auc,
    ]);
    let fit = Fit {
        epochs: 40,
        validation_split: Some(0.15),
        seed: 7,
        verbose: Verbosity::OneLinePerEpoch,
        ..Fit::default()
    };
    model.fit(&train, &fit)?;

    let scores = model.evaluate(&test)?;
    for (name, value) in scores.iter().filter(|(k, _)| k != "accuracy") {
        println!("test {name}: {value:.4}");
    }
    let accuracy = nn::train::log_value(&scores, "accuracy").unwrap_or(f64::NAN);
    println!("test accuracy: {accuracy:.4}");
    Ok(())
}
