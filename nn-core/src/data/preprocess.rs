//! Preprocessing: one-hot encoding and scalers fitted on training data, which can be kept
//! (their statistics read, rebuilt, saved and loaded) to scale new samples the same way.

use std::collections::HashMap;
use std::path::Path;

use nalgebra::{Const, Dyn, SVector};
use safetensors::SafeTensors;
use safetensors::tensor::{Dtype, TensorView};

use super::Dataset;
use crate::{Batch, Error, Float};

/// One column per label, 1 at the label's row: `C` classes.
///
/// ```
/// let y = nn_core::data::one_hot::<f32, 3>(&[2, 0])?;
/// assert_eq!(y.column(0).as_slice(), [0.0, 0.0, 1.0]);
/// assert!(nn_core::data::one_hot::<f32, 3>(&[3]).is_err());
/// # Ok::<(), nn_core::Error>(())
/// ```
pub fn one_hot<T: Float, const C: usize>(labels: &[usize]) -> Result<Batch<T, C>, Error> {
    if let Some(&label) = labels.iter().find(|&&l| l >= C) {
        return Err(Error::data(format!(
            "label {label} with {C} classes; expected labels 0 to {}",
            C - 1
        )));
    }
    Ok(Batch::from_fn_generic(
        Const::<C>,
        Dyn(labels.len()),
        |r, c| if labels[c] == r { T::one() } else { T::zero() },
    ))
}

/// Standardization: each feature shifted by its mean and divided by its (population) standard
/// deviation, both measured on the data it was fitted on. A constant feature is only shifted.
#[derive(Clone, Debug, PartialEq)]
pub struct Standardizer<T: Float, const I: usize> {
    mean: [T; I],
    scale: [T; I],
}

impl<T: Float, const I: usize> Standardizer<T, I> {
    /// Measures each feature of `x` (one sample per column).
    pub fn fit(x: &Batch<T, I>) -> Result<Self, Error> {
        let n = x.ncols();
        if n == 0 {
            return Err(Error::data("fitting a standardizer on no samples"));
        }
        let count = T::of(n as f64);
        let mut mean = [T::zero(); I];
        let mut scale = [T::one(); I];
        for r in 0..I {
            let row = x.row(r);
            let m = row.sum() / count;
            let var = row
                .iter()
                .fold(T::zero(), |acc, &v| acc + (v - m) * (v - m))
                / count;
            mean[r] = m;
            if var > T::zero() {
                scale[r] = var.sqrt();
            }
        }
        Ok(Self { mean, scale })
    }

    /// A standardizer from saved statistics: each mean finite, each scale finite and positive.
    pub fn new(mean: [T; I], scale: [T; I]) -> Result<Self, Error> {
        check("standardizer", ("mean", &mean), ("scale", &scale))?;
        Ok(Self { mean, scale })
    }

    /// The mean of each feature.
    pub fn mean(&self) -> &[T; I] {
        &self.mean
    }

    /// The standard deviation of each feature (1 for a constant feature).
    pub fn scale(&self) -> &[T; I] {
        &self.scale
    }

    /// Applies the fitted transformation in place.
    pub fn transform(&self, x: &mut Batch<T, I>) {
        shift_and_divide(x, &self.mean, &self.scale);
    }

    /// The same samples with their inputs transformed (targets and sample weights kept).
    pub fn transform_dataset<const K: usize>(
        &self,
        data: &Dataset<T, I, K>,
    ) -> Result<Dataset<T, I, K>, Error> {
        transform_dataset(data, &self.mean, &self.scale)
    }

    /// One sample transformed.
    pub fn transform_sample(&self, x: &SVector<T, I>) -> SVector<T, I> {
        SVector::from_fn(|r, _| (x[r] - self.mean[r]) / self.scale[r])
    }

    /// Saves the statistics to a small safetensors file (tensors `mean` and `scale` in f64,
    /// metadata `nn.scaler` = `standardizer`), atomically: through a temporary file beside it
    /// and a rename, so the file is the old one or the new one, never a part.
    ///
    /// ```
    /// use nn::data::Standardizer;
    /// use nn::prelude::SVector;
    /// # let dir = std::env::temp_dir().join(format!("nn-standardizer-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// let scaler = Standardizer::<f32, 2>::new([10.0, 0.5], [2.0, 0.25])?;
    /// let path = dir.join("scaler.safetensors");
    /// scaler.save(&path)?;
    /// let kept = Standardizer::<f32, 2>::load(&path)?;
    /// assert_eq!(kept.mean(), &[10.0, 0.5]);
    /// let sample = kept.transform_sample(&SVector::from([12.0, 0.5]));
    /// assert_eq!(sample, SVector::from([1.0, 0.0]));
    /// assert!(Standardizer::<f32, 2>::new([10.0, 0.5], [2.0, 0.0]).is_err());
    /// # Ok::<(), nn::Error>(())
    /// ```
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        save(
            path.as_ref(),
            STANDARDIZER,
            ("mean", &self.mean),
            ("scale", &self.scale),
        )
    }

    /// Loads statistics saved by [`save`](Standardizer::save), checking the kind of scaler,
    /// the tensors' names, dtypes and shapes (`[I]`) and the values as [`new`](Standardizer::new)
    /// does.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let (mean, scale) = load(path, STANDARDIZER, ["mean", "scale"])?;
        Self::new(mean, scale).map_err(|e| Error::format(path, e.to_string()))
    }
}

/// Min-max scaling: each feature mapped linearly so that the range measured on the fitted data
/// becomes `[0, 1]`. A constant feature is only shifted.
#[derive(Clone, Debug, PartialEq)]
pub struct MinMaxScaler<T: Float, const I: usize> {
    min: [T; I],
    range: [T; I],
}

impl<T: Float, const I: usize> MinMaxScaler<T, I> {
    /// Measures each feature of `x` (one sample per column).
    pub fn fit(x: &Batch<T, I>) -> Result<Self, Error> {
        if x.ncols() == 0 {
            return Err(Error::data("fitting a min-max scaler on no samples"));
        }
        let mut min = [T::zero(); I];
        let mut range = [T::one(); I];
        for r in 0..I {
            let row = x.row(r);
            let (lo, hi) = (row.min(), row.max());
            min[r] = lo;
            if hi > lo {
                range[r] = hi - lo;
            }
        }
        Ok(Self { min, range })
    }

    /// A scaler from saved statistics: each minimum finite, each range finite and positive.
    pub fn new(min: [T; I], range: [T; I]) -> Result<Self, Error> {
        check("min-max scaler", ("min", &min), ("range", &range))?;
        Ok(Self { min, range })
    }

    /// The minimum of each feature.
    pub fn min(&self) -> &[T; I] {
        &self.min
    }

    /// The range (maximum − minimum) of each feature (1 for a constant feature).
    pub fn range(&self) -> &[T; I] {
        &self.range
    }

    /// Applies the fitted transformation in place.
    pub fn transform(&self, x: &mut Batch<T, I>) {
        shift_and_divide(x, &self.min, &self.range);
    }

    /// The same samples with their inputs transformed (targets and sample weights kept).
    pub fn transform_dataset<const K: usize>(
        &self,
        data: &Dataset<T, I, K>,
    ) -> Result<Dataset<T, I, K>, Error> {
        transform_dataset(data, &self.min, &self.range)
    }

    /// One sample transformed.
    pub fn transform_sample(&self, x: &SVector<T, I>) -> SVector<T, I> {
        SVector::from_fn(|r, _| (x[r] - self.min[r]) / self.range[r])
    }

    /// Saves the statistics to a small safetensors file (tensors `min` and `range` in f64,
    /// metadata `nn.scaler` = `min_max`), atomically, as [`Standardizer::save`] does.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        save(
            path.as_ref(),
            MIN_MAX,
            ("min", &self.min),
            ("range", &self.range),
        )
    }

    /// Loads statistics saved by [`save`](MinMaxScaler::save), checked as
    /// [`Standardizer::load`] checks them.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let (min, range) = load(path, MIN_MAX, ["min", "range"])?;
        Self::new(min, range).map_err(|e| Error::format(path, e.to_string()))
    }
}

/// The metadata key that names the kind of scaler in a saved file, and the kinds.
const KIND: &str = "nn.scaler";
const STANDARDIZER: &str = "standardizer";
const MIN_MAX: &str = "min_max";

/// Checks saved statistics: every offset finite, every divisor finite and positive.
fn check<T: Float>(
    what: &str,
    (offset_name, offset): (&str, &[T]),
    (divisor_name, divisor): (&str, &[T]),
) -> Result<(), Error> {
    if let Some(i) = offset.iter().position(|v| !v.is_finite()) {
        return Err(Error::data(format!(
            "{what}: {offset_name} {i} is {}; expected a finite number",
            offset[i]
        )));
    }
    if let Some(i) = divisor
        .iter()
        .position(|v| !(v.is_finite() && *v > T::zero()))
    {
        return Err(Error::data(format!(
            "{what}: {divisor_name} {i} is {}; expected a finite number above 0",
            divisor[i]
        )));
    }
    Ok(())
}

/// The dataset with `v = (v − offset) / divisor` applied to its inputs.
fn transform_dataset<T: Float, const I: usize, const K: usize>(
    data: &Dataset<T, I, K>,
    offset: &[T; I],
    divisor: &[T; I],
) -> Result<Dataset<T, I, K>, Error> {
    let mut x = data.x().clone();
    shift_and_divide(&mut x, offset, divisor);
    let scaled = Dataset::new(x, data.y().clone())?;
    match data.sample_weights() {
        Some(weights) => scaled.with_sample_weights(weights.to_vec()),
        None => Ok(scaled),
    }
}

/// Writes two f64 tensors of a scaler to `path` atomically, as `nn::io` writes weights.
fn save<T: Float>(
    path: &Path,
    kind: &str,
    (first_name, first): (&str, &[T]),
    (second_name, second): (&str, &[T]),
) -> Result<(), Error> {
    let bytes = |values: &[T]| -> Vec<u8> {
        values
            .iter()
            .flat_map(|v| v.as_f64().to_le_bytes())
            .collect()
    };
    let (first_bytes, second_bytes) = (bytes(first), bytes(second));
    let views = vec![
        (first_name, view(path, &first_bytes)?),
        (second_name, view(path, &second_bytes)?),
    ];
    let metadata = HashMap::from([(KIND.to_string(), kind.to_string())]);
    let bytes = safetensors::serialize(views, Some(metadata))
        .map_err(|e| Error::format(path, e.to_string()))?;
    crate::io::write_atomically(path, &bytes)
}

/// A one-dimensional f64 tensor over `data`.
fn view<'a>(path: &Path, data: &'a [u8]) -> Result<TensorView<'a>, Error> {
    TensorView::new(Dtype::F64, vec![data.len() / 8], data)
        .map_err(|e| Error::format(path, e.to_string()))
}

/// Reads the two tensors of a scaler of `kind` from `path`, each of shape `[I]` in f64.
fn load<T: Float, const I: usize>(
    path: &Path,
    kind: &str,
    names: [&str; 2],
) -> Result<([T; I], [T; I]), Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let (_, header) = SafeTensors::read_metadata(&bytes)
        .map_err(|e| Error::format_because(path, format!("not a safetensors file: {e}"), e))?;
    let found = header
        .metadata()
        .as_ref()
        .and_then(|m| m.get(KIND))
        .map_or("no scaler", String::as_str);
    if found != kind {
        return Err(Error::format(
            path,
            format!("metadata `{KIND}` says {found}; expected {kind}"),
        ));
    }
    let tensors = SafeTensors::deserialize(&bytes)
        .map_err(|e| Error::format_because(path, format!("not a safetensors file: {e}"), e))?;
    let mut out = [[T::zero(); I]; 2];
    for (name, values) in names.iter().zip(&mut out) {
        let view = tensors
            .tensor(name)
            .map_err(|_| Error::format(path, format!("no tensor `{name}`; expected one")))?;
        if view.dtype() != Dtype::F64 || view.shape() != [I] {
            return Err(Error::format(
                path,
                format!(
                    "tensor `{name}` is {:?} of shape {:?}; expected F64 of shape [{I}]",
                    view.dtype(),
                    view.shape()
                ),
            ));
        }
        for (v, chunk) in values.iter_mut().zip(view.data().chunks_exact(8)) {
            let mut le = [0; 8];
            le.copy_from_slice(chunk);
            *v = T::of(f64::from_le_bytes(le));
        }
    }
    let [first, second] = out;
    Ok((first, second))
}

/// `v = (v − offset) / divisor` for each feature of each sample of `x`: what both scalers apply.
fn shift_and_divide<T: Float, const I: usize>(
    x: &mut Batch<T, I>,
    offset: &[T; I],
    divisor: &[T; I],
) {
    for column in x.as_mut_slice().chunks_exact_mut(I) {
        for ((v, &o), &d) in column.iter_mut().zip(offset).zip(divisor) {
            *v = (*v - o) / d;
        }
    }
}
