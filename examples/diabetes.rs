//! Regression on the diabetes set (442 patients, 10 features, disease progression after a year):
//! a linear output trained with mean squared error, reporting the test MSE and MAE.
//!
//! Run with `cargo run --release --example diabetes`.

use nn::data::{Standardizer, read_csv};
use nn::prelude::*;

network! {
    /// 10 features → 32 relu units → the progression.
    pub struct Progression = Dense<10, 32, Relu>, Dense<32, 1>;
}

fn main() -> Result<(), nn::Error> {
    let dir = env!("CARGO_MANIFEST_DIR");
    let features = read_csv(format!("{dir}/data/diabetes_data_raw.csv.gz"), 0)?;
    let target = read_csv(format!("{dir}/data/diabetes_target.csv.gz"), 0)?;
    let x: Vec<f32> = features.rows.iter().flatten().map(|&v| v as f32).collect();
    let y: Vec<f32> = target.column(0)?.iter().map(|&v| v as f32).collect();
    let data = Dataset::<f32, 10, 1>::from_slices(&x, &y)?;
    let (train, test) = data.train_test_split(0.2, 3, false)?;

    let scaler = Standardizer::fit(train.x())?;
    let (train, test) = (
        scaler.transform_dataset(&train)?,
        scaler.transform_dataset(&test)?,
    );

    let mut model = Model::new(Progression::seeded(3), Adam::new(0.01), MeanSquaredError)
        .with_metrics(&[Metric::MeanAbsoluteError]);
    let fit = Fit {
        epochs: 150,
        batch_size: 16,
        seed: 3,
        verbose: Verbosity::Silent,
        ..Fit::default()
    };
    let history = model.fit(&train, &fit)?;
    let losses = history.get("loss").unwrap_or(&[]);
    println!(
        "training mse: first epoch {:.1}, last epoch {:.1}",
        losses[0],
        losses[losses.len() - 1]
    );

    let scores = model.evaluate(&test)?;
    let value = |name: &str| nn::train::log_value(&scores, name).unwrap_or(f64::NAN);
    println!("test mae: {:.2}", value("mae"));
    println!("test mse: {:.1}", value("loss"));
    Ok(())
}
