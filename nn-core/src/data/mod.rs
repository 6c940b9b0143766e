//! Data: the [`Dataset`] that `fit` and `evaluate` take, the preprocessing a Keras user expects
//! (one-hot encoding, standardization, min-max scaling, a seeded and optionally stratified split),
//! and loaders for CSV and IDX files (the format MNIST-style datasets ship in, gzip or not).

mod dataset;
mod load;
mod preprocess;

pub use dataset::Dataset;
pub use load::{Columns, Csv, CsvOptions, Rows, read_csv, read_csv_with, read_idx};
pub use preprocess::{MinMaxScaler, Standardizer, one_hot};
