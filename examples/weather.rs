//! Tomorrow's maximum temperature in Seattle from the last 14 days of weather, with a GRU.
//!
//! `data/seattle-weather.csv` (NOAA, public domain; see `data/README.md`) holds one row a day
//! from 2012 to 2015. Each sample is 14 days of four readings (precipitation, maximum and
//! minimum temperature, wind), standardized with the training years' statistics; the target is
//! the next day's `temp_max`. The model trains on the days of 2012–2014 and is tested on 2015,
//! next to persistence (tomorrow = today) on the same days.
//!
//! Run with `cargo run --release --example weather`.

use nn::prelude::*;

/// Days of history a forecast reads.
const DAYS: usize = 14;
/// Readings a day.
const READINGS: usize = 4;

network! {
    /// 14 days of 4 readings → tomorrow's maximum temperature (standardized).
    pub struct Forecast = Input<14, 4>, GRU<32>, Dense<32, 1>;
}

/// A day: its year and its four readings.
struct Day {
    year: u32,
    readings: [f32; READINGS],
}

fn read_days(path: &str) -> Result<Vec<Day>, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path)?;
    let mut days = Vec::new();
    for (number, line) in text.lines().enumerate().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let bad = || {
            format!(
                "{path}, line {}: expected date,precipitation,temp_max,temp_min,wind,weather",
                number + 1
            )
        };
        if fields.len() != 6 {
            return Err(bad().into());
        }
        let year = fields[0]
            .get(..4)
            .and_then(|y| y.parse().ok())
            .ok_or_else(bad)?;
        let mut readings = [0.0; READINGS];
        for (reading, field) in readings.iter_mut().zip(&fields[1..5]) {
            *reading = field.parse().map_err(|_| bad())?;
        }
        days.push(Day { year, readings });
    }
    Ok(days)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let days = read_days(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/seattle-weather.csv"
    ))?;
    // Standardize each reading with the training years' mean and deviation.
    let training_days: Vec<&Day> = days.iter().filter(|d| d.year <= 2014).collect();
    let mut mean = [0.0f32; READINGS];
    let mut std = [0.0f32; READINGS];
    for r in 0..READINGS {
        let values: Vec<f32> = training_days.iter().map(|d| d.readings[r]).collect();
        mean[r] = values.iter().sum::<f32>() / values.len() as f32;
        let variance =
            values.iter().map(|v| (v - mean[r]).powi(2)).sum::<f32>() / values.len() as f32;
        std[r] = variance.sqrt();
    }
    let scaled = |d: &Day, r: usize| (d.readings[r] - mean[r]) / std[r];
    const TEMP_MAX: usize = 1;

    // One sample per day that has 14 days before it and a tomorrow; by the tomorrow's year.
    let (mut train_x, mut train_y, mut test_x, mut test_y) = (vec![], vec![], vec![], vec![]);
    let mut persistence = Vec::new();
    for today in DAYS - 1..days.len() - 1 {
        let window = &days[today + 1 - DAYS..=today];
        let tomorrow = &days[today + 1];
        let x = window
            .iter()
            .flat_map(|d| (0..READINGS).map(move |r| scaled(d, r)));
        let y = scaled(tomorrow, TEMP_MAX);
        if tomorrow.year <= 2014 {
            train_x.extend(x);
            train_y.push(y);
        } else {
            test_x.extend(x);
            test_y.push(y);
            persistence.push((tomorrow.readings[TEMP_MAX], days[today].readings[TEMP_MAX]));
        }
    }
    let train = Dataset::<f32, { DAYS * READINGS }, 1>::from_slices(&train_x, &train_y)?;
    let test = Dataset::<f32, { DAYS * READINGS }, 1>::from_slices(&test_x, &test_y)?;
    println!(
        "{} training days (2012–2014), {} test days (2015)",
        train.len(),
        test.len()
    );

    let mut model = Model::new(Forecast::seeded(7), Adam::new(3e-3), MeanSquaredError);
    let fit = Fit {
        epochs: 40,
        batch_size: 32,
        seed: 7,
        verbose: Verbosity::Silent,
        ..Fit::default()
    };
    let started = std::time::Instant::now();
    model.fit(&train, &fit)?;
    println!(
        "trained {} epochs in {:.1} s",
        fit.epochs,
        started.elapsed().as_secs_f64()
    );

    // Root mean squared errors in °C on the 2015 days.
    let predictions = model.predict(test.x())?;
    let rmse = |errors: &mut dyn Iterator<Item = f32>| {
        let (sum, count) = errors.fold((0.0f64, 0usize), |(s, c), e| (s + f64::from(e * e), c + 1));
        (sum / count as f64).sqrt()
    };
    let model_rmse = rmse(
        &mut predictions
            .iter()
            .zip(test.y().iter())
            .map(|(p, y)| (p - y) * std[TEMP_MAX]),
    );
    let persistence_rmse = rmse(&mut persistence.iter().map(|(tomorrow, today)| tomorrow - today));
    println!(
        "2015, next-day temp_max RMSE: GRU {model_rmse:.2} °C, persistence {persistence_rmse:.2} °C"
    );
    if model_rmse >= persistence_rmse {
        return Err("the GRU did not beat persistence".into());
    }
    Ok(())
}
