//! Preprocessing: one-hot encoding and scalers fitted on training data.

use nalgebra::{Const, Dyn};

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

    /// Applies the fitted transformation in place.
    pub fn transform(&self, x: &mut Batch<T, I>) {
        shift_and_divide(x, &self.mean, &self.scale);
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

    /// Applies the fitted transformation in place.
    pub fn transform(&self, x: &mut Batch<T, I>) {
        shift_and_divide(x, &self.min, &self.range);
    }
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
