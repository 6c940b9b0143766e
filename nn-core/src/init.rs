//! Weight initializers, with Keras's formulas and defaults.
//!
//! An initializer fills a tensor given its Keras shape: a `Dense` kernel is `(inputs, units)`, its
//! bias `(units,)`. Values are drawn in `f64` and then rounded to the network's scalar type, so an
//! `f32` and an `f64` network built from the same seed hold the same weights up to rounding.
//!
//! | initializer | values |
//! |---|---|
//! | [`GlorotUniform`] (Dense's default kernel) | `U(−l, l)`, `l = √(6 / (fan_in + fan_out))` |
//! | [`GlorotNormal`] | truncated normal, `σ = √(2 / (fan_in + fan_out)) / 0.8796…` |
//! | [`HeNormal`] / [`HeUniform`] | `σ = √(2 / fan_in) / 0.8796…` truncated / `l = √(6 / fan_in)` |
//! | [`LecunNormal`] / [`LecunUniform`] | `σ = √(1 / fan_in) / 0.8796…` truncated / `l = √(3 / fan_in)` |
//! | [`VarianceScaling`] | the general form of the six above |
//! | [`RandomNormal`], [`RandomUniform`], [`TruncatedNormal`] | fixed `N(0, 0.05²)`, `U(−0.05, 0.05)`, truncated at ±2σ |
//! | [`Orthogonal`] | an orthogonal matrix from the QR decomposition of a normal one, times `gain` |
//! | [`Zeros`] (Dense's default bias), [`Ones`], [`Constant`], [`Identity`] | fixed values |
//!
//! Truncated normals redraw every value outside two standard deviations, as Keras does; the
//! variance-scaling ones divide σ by 0.879 625 661 034 239 78 (the standard deviation of a unit
//! normal truncated to ±2) so that the kept values have the intended variance.

use core::fmt::{self, Debug};

use rand::{Rng, RngExt};

use crate::Float;

/// A way to fill a tensor with initial values.
pub trait Initializer: Clone + Debug {
    /// The Keras name (`"glorot_uniform"`, ...).
    const NAME: &'static str;

    /// Fills `out`, the row-major elements of a tensor of Keras shape `shape`, drawing from `rng`.
    ///
    /// # Panics
    /// If `out.len()` is not the product of `shape`, or if the initializer does not apply to a
    /// tensor of that shape ([`check_shape`](Initializer::check_shape) says which do not;
    /// `network!` rejects those uses of the built-in initializers at compile time).
    fn fill<T: Float, R: Rng + ?Sized>(&self, shape: &[usize], out: &mut [T], rng: &mut R);

    /// Whether this initializer can fill a tensor of Keras shape `shape`, and if not, why. The
    /// layers ask before they call [`fill`](Initializer::fill), so that an initializer of your own
    /// that does not apply to a layer fails with its reason and the tensor's shape. Every shape
    /// by default.
    fn check_shape(&self, shape: &[usize]) -> Result<(), ShapeError> {
        let _ = shape;
        Ok(())
    }
}

/// Why an initializer cannot fill a tensor of some shape (what
/// [`Initializer::check_shape`] returns): its reason, in words (`"it fills 2-D matrices only"`).
/// It is made from the reason's text: `Err("it fills vectors only".into())`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShapeError {
    /// Why the shape does not suit the initializer.
    pub reason: String,
}

impl ShapeError {
    /// The error saying `reason`.
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for ShapeError {}

impl From<&str> for ShapeError {
    fn from(reason: &str) -> Self {
        Self::new(reason)
    }
}

impl From<String> for ShapeError {
    fn from(reason: String) -> Self {
        Self::new(reason)
    }
}

/// Fills `out` (the tensor `what`, of Keras shape `shape`) from `initializer`.
///
/// # Panics
/// If the initializer does not apply to the shape, with its reason, the tensor and the shape.
pub(crate) fn fill_checked<T: Float, R: Rng + ?Sized, I: Initializer>(
    initializer: &I,
    what: &str,
    shape: &[usize],
    out: &mut [T],
    rng: &mut R,
) {
    if let Err(reason) = initializer.check_shape(shape) {
        panic!(
            "initializer `{}` cannot fill the {what} of shape {shape:?}: {reason}",
            I::NAME
        );
    }
    initializer.fill(shape, out, rng);
}

/// Keras's `compute_fans`: the fan-in and fan-out of a tensor of the given shape.
pub(crate) fn fans(shape: &[usize]) -> (usize, usize) {
    match shape {
        [] => (1, 1),
        [n] => (*n, *n),
        [fan_in, fan_out] => (*fan_in, *fan_out),
        [kernel @ .., fan_in, fan_out] => {
            let field: usize = kernel.iter().product();
            (fan_in * field, fan_out * field)
        }
    }
}

/// `1 / √(2π)`-free standard normal draw (Box–Muller on two uniforms).
fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    // `1 - u` lies in (0, 1], so the logarithm is finite.
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (core::f64::consts::TAU * u2).cos()
}

/// A unit normal draw redrawn until it lies within ±2.
fn truncated_standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    loop {
        let x = standard_normal(rng);
        if x.abs() <= 2.0 {
            return x;
        }
    }
}

fn check_len(shape: &[usize], out: &[impl Sized]) {
    let n: usize = shape.iter().product();
    assert_eq!(
        out.len(),
        n,
        "initializer: {} values for a tensor of shape {shape:?}",
        out.len()
    );
}

/// Which fan a [`VarianceScaling`] initializer divides by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FanMode {
    /// `fan_in`.
    FanIn,
    /// `fan_out`.
    FanOut,
    /// `(fan_in + fan_out) / 2`.
    FanAvg,
}

/// The distribution a [`VarianceScaling`] initializer draws from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Distribution {
    /// A normal truncated to ±2σ, σ corrected for the truncation.
    TruncatedNormal,
    /// A plain normal.
    UntruncatedNormal,
    /// A uniform over `[−√(3s), √(3s)]`.
    Uniform,
}

/// Keras's `VarianceScaling(scale, mode, distribution)`: variance `s = scale / max(1, n)` with `n`
/// the chosen fan.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VarianceScaling {
    /// The numerator of the variance.
    pub scale: f64,
    /// The fan to divide by.
    pub mode: FanMode,
    /// The distribution to draw from.
    pub distribution: Distribution,
}

impl VarianceScaling {
    /// A variance-scaling initializer.
    pub const fn new(scale: f64, mode: FanMode, distribution: Distribution) -> Self {
        Self {
            scale,
            mode,
            distribution,
        }
    }
}

impl Default for VarianceScaling {
    /// Keras's defaults: scale 1, fan_in, truncated normal.
    fn default() -> Self {
        Self::new(1.0, FanMode::FanIn, Distribution::TruncatedNormal)
    }
}

impl Initializer for VarianceScaling {
    const NAME: &'static str = "variance_scaling";

    fn fill<T: Float, R: Rng + ?Sized>(&self, shape: &[usize], out: &mut [T], rng: &mut R) {
        check_len(shape, out);
        let (fan_in, fan_out) = fans(shape);
        let n = match self.mode {
            FanMode::FanIn => fan_in as f64,
            FanMode::FanOut => fan_out as f64,
            FanMode::FanAvg => (fan_in + fan_out) as f64 / 2.0,
        };
        let s = self.scale / n.max(1.0);
        match self.distribution {
            Distribution::TruncatedNormal => {
                let sigma = s.sqrt() / 0.879_625_661_034_239_8;
                out.iter_mut()
                    .for_each(|v| *v = T::of(sigma * truncated_standard_normal(rng)));
            }
            Distribution::UntruncatedNormal => {
                let sigma = s.sqrt();
                out.iter_mut()
                    .for_each(|v| *v = T::of(sigma * standard_normal(rng)));
            }
            Distribution::Uniform => {
                let limit = (3.0 * s).sqrt();
                out.iter_mut()
                    .for_each(|v| *v = T::of(rng.random_range(-limit..limit)));
            }
        }
    }
}

macro_rules! variance_scaling {
    ($(#[$doc:meta])* $name:ident, $keras:literal, $scale:literal, $mode:ident, $dist:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq)]
        pub struct $name;

        impl Initializer for $name {
            const NAME: &'static str = $keras;

            fn fill<T: Float, R: Rng + ?Sized>(&self, shape: &[usize], out: &mut [T], rng: &mut R) {
                VarianceScaling::new($scale, FanMode::$mode, Distribution::$dist).fill(shape, out, rng)
            }
        }
    };
}

variance_scaling!(
    /// `U(−l, l)` with `l = √(6 / (fan_in + fan_out))`: Keras's default kernel initializer.
    GlorotUniform, "glorot_uniform", 1.0, FanAvg, Uniform
);
variance_scaling!(
    /// A truncated normal with `σ = √(2 / (fan_in + fan_out)) / 0.8796…`.
    GlorotNormal, "glorot_normal", 1.0, FanAvg, TruncatedNormal
);
variance_scaling!(
    /// A truncated normal with `σ = √(2 / fan_in) / 0.8796…`, suited to relu layers.
    HeNormal, "he_normal", 2.0, FanIn, TruncatedNormal
);
variance_scaling!(
    /// `U(−l, l)` with `l = √(6 / fan_in)`.
    HeUniform, "he_uniform", 2.0, FanIn, Uniform
);
variance_scaling!(
    /// A truncated normal with `σ = √(1 / fan_in) / 0.8796…`, suited to selu layers.
    LecunNormal, "lecun_normal", 1.0, FanIn, TruncatedNormal
);
variance_scaling!(
    /// `U(−l, l)` with `l = √(3 / fan_in)`.
    LecunUniform, "lecun_uniform", 1.0, FanIn, Uniform
);

/// `N(mean, stddev²)`, not truncated; Keras's defaults are mean 0 and stddev 0.05.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RandomNormal {
    /// The mean.
    pub mean: f64,
    /// The standard deviation.
    pub stddev: f64,
}

impl RandomNormal {
    /// A normal initializer with the given mean and standard deviation.
    pub const fn new(mean: f64, stddev: f64) -> Self {
        Self { mean, stddev }
    }
}

impl Default for RandomNormal {
    fn default() -> Self {
        Self::new(0.0, 0.05)
    }
}

impl Initializer for RandomNormal {
    const NAME: &'static str = "random_normal";

    fn fill<T: Float, R: Rng + ?Sized>(&self, shape: &[usize], out: &mut [T], rng: &mut R) {
        check_len(shape, out);
        for v in out {
            *v = T::of(self.mean + self.stddev * standard_normal(rng));
        }
    }
}

/// `N(mean, stddev²)` with every value beyond ±2σ redrawn (no variance correction); Keras's
/// defaults are mean 0 and stddev 0.05.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TruncatedNormal {
    /// The mean.
    pub mean: f64,
    /// The standard deviation before truncation.
    pub stddev: f64,
}

impl TruncatedNormal {
    /// A truncated normal initializer with the given mean and standard deviation.
    pub const fn new(mean: f64, stddev: f64) -> Self {
        Self { mean, stddev }
    }
}

impl Default for TruncatedNormal {
    fn default() -> Self {
        Self::new(0.0, 0.05)
    }
}

impl Initializer for TruncatedNormal {
    const NAME: &'static str = "truncated_normal";

    fn fill<T: Float, R: Rng + ?Sized>(&self, shape: &[usize], out: &mut [T], rng: &mut R) {
        check_len(shape, out);
        for v in out {
            *v = T::of(self.mean + self.stddev * truncated_standard_normal(rng));
        }
    }
}

/// `U(minval, maxval)`; Keras's defaults are −0.05 and 0.05.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RandomUniform {
    /// The lower bound.
    pub minval: f64,
    /// The upper bound.
    pub maxval: f64,
}

impl RandomUniform {
    /// A uniform initializer over `[minval, maxval)`.
    pub const fn new(minval: f64, maxval: f64) -> Self {
        Self { minval, maxval }
    }
}

impl Default for RandomUniform {
    fn default() -> Self {
        Self::new(-0.05, 0.05)
    }
}

impl Initializer for RandomUniform {
    const NAME: &'static str = "random_uniform";

    fn fill<T: Float, R: Rng + ?Sized>(&self, shape: &[usize], out: &mut [T], rng: &mut R) {
        check_len(shape, out);
        for v in out {
            *v = T::of(self.minval + (self.maxval - self.minval) * rng.random::<f64>());
        }
    }
}

/// Every value set to `value`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Constant {
    /// The value.
    pub value: f64,
}

impl Constant {
    /// An initializer that sets every value to `value`.
    pub const fn new(value: f64) -> Self {
        Self { value }
    }
}

impl Initializer for Constant {
    const NAME: &'static str = "constant";

    fn fill<T: Float, R: Rng + ?Sized>(&self, shape: &[usize], out: &mut [T], _rng: &mut R) {
        check_len(shape, out);
        out.fill(T::of(self.value));
    }
}

/// Every value 0: Keras's default bias initializer.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Zeros;

impl Initializer for Zeros {
    const NAME: &'static str = "zeros";

    fn fill<T: Float, R: Rng + ?Sized>(&self, shape: &[usize], out: &mut [T], rng: &mut R) {
        Constant::new(0.0).fill(shape, out, rng);
    }
}

/// Every value 1.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Ones;

impl Initializer for Ones {
    const NAME: &'static str = "ones";

    fn fill<T: Float, R: Rng + ?Sized>(&self, shape: &[usize], out: &mut [T], rng: &mut R) {
        Constant::new(1.0).fill(shape, out, rng);
    }
}

/// `gain` times the identity matrix (ones on the diagonal of a possibly rectangular matrix).
/// Applies to 2-D tensors only.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Identity {
    /// The value on the diagonal.
    pub gain: f64,
}

impl Identity {
    /// `gain` times the identity.
    pub const fn new(gain: f64) -> Self {
        Self { gain }
    }
}

impl Default for Identity {
    fn default() -> Self {
        Self::new(1.0)
    }
}

impl Initializer for Identity {
    const NAME: &'static str = "identity";

    fn check_shape(&self, shape: &[usize]) -> Result<(), ShapeError> {
        match shape {
            [_, _] => Ok(()),
            _ => Err("it fills 2-D matrices only, as in Keras".into()),
        }
    }

    fn fill<T: Float, R: Rng + ?Sized>(&self, shape: &[usize], out: &mut [T], _rng: &mut R) {
        check_len(shape, out);
        let [rows, cols] = shape else {
            panic!("Identity initializes 2-D tensors only, not shape {shape:?}");
        };
        for r in 0..*rows {
            for c in 0..*cols {
                out[r * cols + c] = T::of(if r == c { self.gain } else { 0.0 });
            }
        }
    }
}

/// A random orthogonal matrix times `gain`: the `Q` of the QR decomposition of a normal matrix,
/// with `Q`'s columns signed by `R`'s diagonal so the distribution is uniform. Tensors of higher
/// rank are treated as `(product of all but the last dimension) × last dimension`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Orthogonal {
    /// The scale of the orthogonal matrix.
    pub gain: f64,
}

impl Orthogonal {
    /// An orthogonal initializer with the given gain.
    pub const fn new(gain: f64) -> Self {
        Self { gain }
    }
}

impl Default for Orthogonal {
    fn default() -> Self {
        Self::new(1.0)
    }
}

impl Initializer for Orthogonal {
    const NAME: &'static str = "orthogonal";

    fn check_shape(&self, shape: &[usize]) -> Result<(), ShapeError> {
        if shape.len() >= 2 {
            Ok(())
        } else {
            Err("it fills tensors of 2 or more dimensions, as in Keras".into())
        }
    }

    fn fill<T: Float, R: Rng + ?Sized>(&self, shape: &[usize], out: &mut [T], rng: &mut R) {
        check_len(shape, out);
        let Some((&cols, rest)) = shape.split_last().filter(|_| shape.len() >= 2) else {
            panic!("Orthogonal initializes tensors of rank 2 or more, not shape {shape:?}");
        };
        let rows: usize = rest.iter().product();
        let (tall, wide) = (rows.max(cols), rows.min(cols));
        let a = nalgebra::DMatrix::<f64>::from_fn(tall, wide, |_, _| standard_normal(rng));
        let qr = a.qr();
        let mut q = qr.q();
        let r = qr.r();
        for j in 0..wide {
            if r[(j, j)] < 0.0 {
                q.column_mut(j).neg_mut();
            }
        }
        // `q` is tall × wide; the tensor is rows × cols, row-major.
        for i in 0..rows {
            for j in 0..cols {
                let v = if rows >= cols { q[(i, j)] } else { q[(j, i)] };
                out[i * cols + j] = T::of(self.gain * v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn draw<I: Initializer>(init: I, shape: &[usize]) -> Vec<f64> {
        let mut out = vec![0.0; shape.iter().product()];
        init.fill(shape, &mut out, &mut StdRng::seed_from_u64(7));
        out
    }

    fn mean_and_var(v: &[f64]) -> (f64, f64) {
        let n = v.len() as f64;
        let m = v.iter().sum::<f64>() / n;
        (m, v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n)
    }

    #[test]
    fn fans_follow_keras() {
        assert_eq!(fans(&[]), (1, 1));
        assert_eq!(fans(&[7]), (7, 7));
        assert_eq!(fans(&[32, 64]), (32, 64));
        assert_eq!(fans(&[3, 3, 8, 16]), (72, 144));
    }

    #[test]
    fn glorot_uniform_stays_within_its_limit_and_fills_it() {
        let v = draw(GlorotUniform, &[200, 300]);
        let limit = (6.0_f64 / 500.0).sqrt();
        assert!(v.iter().all(|x| x.abs() <= limit));
        let (m, var) = mean_and_var(&v);
        assert!(m.abs() < 0.002, "mean {m}");
        // The variance of U(-l, l) is l²/3 = 2 / (in + out).
        assert!((var / (2.0 / 500.0) - 1.0).abs() < 0.02, "variance {var}");
    }

    #[test]
    fn truncated_normals_have_the_intended_variance_and_bounds() {
        for (init, sigma2) in [
            (draw(HeNormal, &[400, 300]), 2.0_f64 / 400.0),
            (draw(LecunNormal, &[400, 300]), 1.0 / 400.0),
            (draw(GlorotNormal, &[400, 300]), 2.0 / 700.0),
        ] {
            let sigma = sigma2.sqrt() / 0.879_625_661_034_239_8;
            assert!(init.iter().all(|x| x.abs() <= 2.0 * sigma + 1e-12));
            let (_, var) = mean_and_var(&init);
            assert!(
                (var / sigma2 - 1.0).abs() < 0.02,
                "variance {var}, expected {sigma2}"
            );
        }
    }

    #[test]
    fn fixed_distributions_use_keras_defaults() {
        let (m, var) = mean_and_var(&draw(RandomNormal::default(), &[300, 300]));
        assert!(m.abs() < 0.001 && (var / 0.0025 - 1.0).abs() < 0.02);
        let v = draw(RandomUniform::default(), &[300, 300]);
        assert!(v.iter().all(|x| (-0.05..0.05).contains(x)));
        let v = draw(TruncatedNormal::default(), &[300, 300]);
        assert!(v.iter().all(|x| x.abs() <= 0.1));
        assert!(draw(Zeros, &[3]).iter().all(|&x| x == 0.0));
        assert!(draw(Ones, &[3]).iter().all(|&x| x == 1.0));
        assert_eq!(draw(Constant::new(0.25), &[2]), [0.25, 0.25]);
        assert_eq!(
            draw(Identity::new(2.0), &[2, 3]),
            [2.0, 0.0, 0.0, 0.0, 2.0, 0.0]
        );
    }

    #[test]
    fn orthogonal_is_orthogonal_in_both_orientations() {
        for (rows, cols) in [(5, 3), (3, 5), (4, 4)] {
            let v = draw(Orthogonal::new(2.0), &[rows, cols]);
            let m = nalgebra::DMatrix::from_row_slice(rows, cols, &v) / 2.0;
            let gram = if rows >= cols {
                m.transpose() * &m
            } else {
                &m * m.transpose()
            };
            let eye = nalgebra::DMatrix::<f64>::identity(gram.nrows(), gram.ncols());
            assert!((gram - eye).amax() < 1e-12, "{rows}x{cols}");
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_values() {
        assert_eq!(draw(HeUniform, &[10, 10]), draw(HeUniform, &[10, 10]));
        let mut other = vec![0.0; 100];
        HeUniform.fill(&[10, 10], &mut other, &mut StdRng::seed_from_u64(8));
        assert_ne!(draw(HeUniform, &[10, 10]), other);
    }
}
