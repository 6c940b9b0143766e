//! The dataset type.

use nalgebra::{Const, Dyn};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::{Batch, Error, Float};

/// Samples with `I` input values and `K` target values each (one sample per column), and
/// optional per-sample weights. Every input and target is finite and there is at least one
/// sample; the constructors check it.
///
/// Targets are one-hot rows for categorical losses (`K` = classes), a class index for sparse
/// categorical cross-entropy (`K` = 1), and the values themselves for regression.
///
/// ```
/// use nn_core::data::Dataset;
///
/// let data = Dataset::<f32, 2, 1>::from_rows(&[[0.0, 1.0], [1.0, 0.0]], &[[1.0], [0.0]])?;
/// assert_eq!(data.len(), 2);
/// assert!(Dataset::<f32, 2, 1>::from_rows(&[[f32::NAN, 1.0]], &[[0.0]]).is_err());
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Dataset<T: Float, const I: usize, const K: usize> {
    x: Batch<T, I>,
    y: Batch<T, K>,
    weights: Option<Vec<T>>,
}

impl<T: Float, const I: usize, const K: usize> Dataset<T, I, K> {
    /// A dataset from inputs and targets, one sample per column.
    pub fn new(x: Batch<T, I>, y: Batch<T, K>) -> Result<Self, Error> {
        if x.ncols() != y.ncols() {
            return Err(Error::data(format!(
                "{} input samples but {} target samples; expected the same number",
                x.ncols(),
                y.ncols()
            )));
        }
        if x.ncols() == 0 {
            return Err(Error::data(
                "the dataset is empty; expected at least one sample",
            ));
        }
        if let Some(i) = x.iter().position(|v| !v.is_finite()) {
            return Err(Error::data(format!(
                "input {} of sample {} is {}; expected finite numbers",
                i % I,
                i / I,
                x[i]
            )));
        }
        if let Some(i) = y.iter().position(|v| !v.is_finite()) {
            return Err(Error::data(format!(
                "target {} of sample {} is {}; expected finite numbers",
                i % K,
                i / K,
                y[i]
            )));
        }
        Ok(Self {
            x,
            y,
            weights: None,
        })
    }

    /// A dataset from rows of inputs and rows of targets.
    pub fn from_rows(x: &[[T; I]], y: &[[T; K]]) -> Result<Self, Error> {
        let xs =
            Batch::from_iterator_generic(Const::<I>, Dyn(x.len()), x.iter().flatten().copied());
        let ys =
            Batch::from_iterator_generic(Const::<K>, Dyn(y.len()), y.iter().flatten().copied());
        Self::new(xs, ys)
    }

    /// A dataset from row-major buffers: `x` holds `n · I` values, `y` holds `n · K`.
    pub fn from_slices(x: &[T], y: &[T]) -> Result<Self, Error> {
        if !x.len().is_multiple_of(I) || !y.len().is_multiple_of(K) {
            return Err(Error::data(format!(
                "{} input values and {} target values; expected multiples of {I} and {K}",
                x.len(),
                y.len()
            )));
        }
        Self::new(
            Batch::from_column_slice_generic(Const::<I>, Dyn(x.len() / I), x),
            Batch::from_column_slice_generic(Const::<K>, Dyn(y.len() / K), y),
        )
    }

    /// The same samples with a weight each (Keras's `sample_weight`): finite and non-negative.
    pub fn with_sample_weights(mut self, weights: Vec<T>) -> Result<Self, Error> {
        if weights.len() != self.len() {
            return Err(Error::data(format!(
                "{} sample weights for {} samples; expected one per sample",
                weights.len(),
                self.len()
            )));
        }
        if let Some(i) = weights
            .iter()
            .position(|w| !(w.is_finite() && *w >= T::zero()))
        {
            return Err(Error::data(format!(
                "sample weight {i} is {}; expected a finite, non-negative number",
                weights[i]
            )));
        }
        self.weights = Some(weights);
        Ok(self)
    }

    /// The number of samples.
    pub fn len(&self) -> usize {
        self.x.ncols()
    }

    /// Always false: a dataset has at least one sample.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The inputs, one sample per column.
    pub fn x(&self) -> &Batch<T, I> {
        &self.x
    }

    /// The targets, one sample per column.
    pub fn y(&self) -> &Batch<T, K> {
        &self.y
    }

    /// The sample weights, if any.
    pub fn sample_weights(&self) -> Option<&[T]> {
        self.weights.as_deref()
    }

    /// The samples at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Result<Self, Error> {
        if indices.is_empty() {
            return Err(Error::data("selecting no samples; expected at least one"));
        }
        if let Some(&i) = indices.iter().find(|&&i| i >= self.len()) {
            return Err(Error::data(format!(
                "sample {i} selected from {} samples",
                self.len()
            )));
        }
        let x = Batch::from_fn_generic(Const::<I>, Dyn(indices.len()), |r, c| {
            self.x[(r, indices[c])]
        });
        let y = Batch::from_fn_generic(Const::<K>, Dyn(indices.len()), |r, c| {
            self.y[(r, indices[c])]
        });
        let weights = self
            .weights
            .as_ref()
            .map(|w| indices.iter().map(|&i| w[i]).collect());
        Ok(Self { x, y, weights })
    }

    /// The first `at` samples and the rest (both non-empty).
    pub fn split_at(&self, at: usize) -> Result<(Self, Self), Error> {
        if at == 0 || at >= self.len() {
            return Err(Error::data(format!(
                "splitting {} samples at {at} leaves one part empty",
                self.len()
            )));
        }
        let first: Vec<usize> = (0..at).collect();
        let rest: Vec<usize> = (at..self.len()).collect();
        Ok((self.select(&first)?, self.select(&rest)?))
    }

    /// A seeded random split into training and test sets, `test_fraction` of the samples (rounded
    /// up) going to the test set. When `stratify`, each class (the target's argmax, or the label
    /// itself when `K` = 1) is split in the same proportion.
    pub fn train_test_split(
        &self,
        test_fraction: f64,
        seed: u64,
        stratify: bool,
    ) -> Result<(Self, Self), Error> {
        if !(test_fraction > 0.0 && test_fraction < 1.0) {
            return Err(Error::data(format!(
                "test fraction {test_fraction}; expected a number in (0, 1)"
            )));
        }
        let mut rng = StdRng::seed_from_u64(seed);
        let mut groups: Vec<Vec<usize>> = if stratify {
            let mut by_class: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
            for i in 0..self.len() {
                by_class.entry(self.class_of(i)).or_default().push(i);
            }
            by_class.into_values().collect()
        } else {
            vec![(0..self.len()).collect()]
        };
        let (mut train, mut test) = (Vec::new(), Vec::new());
        for group in &mut groups {
            group.shuffle(&mut rng);
            let n_test = ((group.len() as f64) * test_fraction).ceil() as usize;
            test.extend_from_slice(&group[..n_test.min(group.len())]);
            train.extend_from_slice(&group[n_test.min(group.len())..]);
        }
        if train.is_empty() || test.is_empty() {
            return Err(Error::data(format!(
                "a test fraction of {test_fraction} of {} samples leaves one part empty",
                self.len()
            )));
        }
        train.shuffle(&mut rng);
        test.shuffle(&mut rng);
        Ok((self.select(&train)?, self.select(&test)?))
    }

    /// The class of sample `i`: its label when `K` = 1 (rounded), else the argmax of its target.
    pub fn class_of(&self, i: usize) -> usize {
        let column = self.y.column(i);
        if K == 1 {
            column[0].as_f64().round().max(0.0) as usize
        } else {
            column.argmax().0
        }
    }
}
