//! `Embedding`: each token id of a sequence replaced by its learned vector.

use nalgebra::{ArrayStorage, Matrix, SVector};

use crate::Float;
use crate::layer::{Layer, Params, Rules, Stream, tensors};
use crate::setting::{self, Setting, read};
use crate::storage::{Inline, Storage, Weights};

#[cfg(feature = "std")]
pub(super) mod train;

/// Keras's `Embedding(VOCAB, DIM)`: a sample is `STEPS` token ids (whole numbers in
/// `0..VOCAB`, stored as the network's scalar type), and its output is the sequence of their
/// vectors, `STEPS × DIM` values (`OUT = STEPS · DIM`, step after step).
///
/// - `embeddings` is `DIM × VOCAB`: token `v`'s vector is column `v`, and its column-major
///   memory is exactly Keras's `embeddings` of shape `(VOCAB, DIM)` in row-major order.
/// - Keras's default initializer is `RandomUniform(-0.05, 0.05)`.
/// - Ids have no gradient; the backward pass adds each step's output gradient to the vector of
///   its token.
/// - An id that is not a whole number in `0..VOCAB` has no vector: its step's outputs are NaN,
///   so that a bad id shows rather than reading another token's vector. (Keras on JAX gives NaN
///   for an id past the end too, but truncates a fraction and counts a negative id from the
///   end, silently.) `Model`'s `fit`, `evaluate` and `predict` refuse such inputs with an error
///   first ([`Network::TOKENS`](crate::Network::TOKENS)).
/// - Keras's `mask_zero` (id 0 as padding that later layers skip) is not offered; a Keras file
///   that sets it is refused.
///
/// ```
/// use nn_core::{Embedding, Layer};
/// use nalgebra::SVector;
///
/// // A vocabulary of 3 tokens, 2 values each: token v is (v, 10·v).
/// let layer = Embedding::<f32, 4, 8, 3, 2>::from_arrays([[0.0, 0.0], [1.0, 10.0], [2.0, 20.0]]);
/// let y = layer.forward(&SVector::<f32, 4>::new(2.0, 0.0, 1.0, 2.0));
/// assert_eq!(y.as_slice(), [2.0, 20.0, 0.0, 0.0, 1.0, 10.0, 2.0, 20.0]);
/// let bad = layer.forward(&SVector::<f32, 4>::new(3.0, 0.0, 1.5, -1.0));
/// assert!(bad[0].is_nan() && bad[4].is_nan() && bad[6].is_nan() && bad[2] == 0.0);
/// ```
#[derive(Clone, Debug)]
pub struct Embedding<
    T: Float,
    const STEPS: usize,
    const OUT: usize,
    const VOCAB: usize,
    const DIM: usize,
    S: Storage = Inline,
> {
    /// One vector per token: column `v` is token `v`'s.
    pub embeddings: Weights<T, DIM, VOCAB, S>,
    /// Whether an optimizer updates the vectors.
    pub trainable: Setting<bool>,
}

/// The Keras shape of the vectors.
const fn shape<const VOCAB: usize, const DIM: usize>() -> [usize; 2] {
    [VOCAB, DIM]
}

impl<T: Float, const STEPS: usize, const OUT: usize, const VOCAB: usize, const DIM: usize>
    Embedding<T, STEPS, OUT, VOCAB, DIM, Inline>
{
    /// A layer with these vectors, in Keras's layout (`embeddings[v]` is token `v`'s); a
    /// `const fn`, for networks with weights built into the program.
    ///
    /// # Panics
    /// If `OUT` is not `STEPS · DIM` (at compile time in a constant).
    pub const fn from_arrays(embeddings: [[T; DIM]; VOCAB]) -> Self {
        assert!(OUT == STEPS * DIM, "Embedding: OUT must be STEPS · DIM");
        Self {
            embeddings: Matrix::from_array_storage(ArrayStorage(embeddings)),
            trainable: setting::default(),
        }
    }
}

impl<T: Float, const STEPS: usize, const OUT: usize, const VOCAB: usize, const DIM: usize, S>
    Embedding<T, STEPS, OUT, VOCAB, DIM, S>
where
    S: Storage,
{
    /// A layer whose vectors are all zero.
    ///
    /// # Panics
    /// If `OUT` is not `STEPS · DIM` (`network!` writes them so).
    pub fn zeros() -> Self {
        assert_eq!(OUT, STEPS * DIM, "Embedding: OUT must be STEPS · DIM");
        Self {
            embeddings: S::zeros(),
            trainable: setting::default(),
        }
    }

    /// The token that `id` names, if it is a whole number in `0..VOCAB`.
    #[inline]
    pub fn token(id: T) -> Option<usize> {
        let id = id.as_f64();
        // In range first, so that the cast keeps the value; a whole number casts back to itself.
        let token = id as usize;
        (id >= 0.0 && id < VOCAB as f64 && token as f64 == id).then_some(token)
    }

    /// Token `v`'s vector.
    #[inline]
    fn vector(&self, v: usize) -> &[T] {
        &self.embeddings.as_slice()[v * DIM..(v + 1) * DIM]
    }

    /// Looks up one sample's ids into `y` (`STEPS · DIM` values).
    #[inline]
    fn look_up(&self, ids: &[T], y: &mut [T]) {
        for (&id, out) in ids.iter().zip(y.chunks_exact_mut(DIM)) {
            match Self::token(id) {
                Some(v) => out.copy_from_slice(self.vector(v)),
                None => out.fill(T::of(f64::NAN)),
            }
        }
    }
}

impl<T: Float, const STEPS: usize, const OUT: usize, const VOCAB: usize, const DIM: usize, S>
    Params<T> for Embedding<T, STEPS, OUT, VOCAB, DIM, S>
where
    S: Storage,
{
    const KIND: &'static str = nn_keras::class::EMBEDDING;
    const PARAMS: usize = VOCAB * DIM;
    const TOKENS: Option<usize> = Some(VOCAB);

    fn zeroed(&self) -> Self {
        Self {
            embeddings: S::zeros(),
            trainable: self.trainable,
        }
    }

    tensors!(self;
        embeddings: &const { shape::<VOCAB, DIM>() }, read(self.trainable), Rules::NONE;
    );
}

impl<T: Float, const STEPS: usize, const OUT: usize, const VOCAB: usize, const DIM: usize, S>
    Layer<T, STEPS, OUT> for Embedding<T, STEPS, OUT, VOCAB, DIM, S>
where
    S: Storage,
{
    fn forward(&self, x: &SVector<T, STEPS>) -> SVector<T, OUT> {
        let mut y = crate::storage::zeros::<T, OUT>();
        self.look_up(x.as_slice(), y.as_mut_slice());
        y
    }

    #[cfg(feature = "std")]
    fn forward_batch(&self, x: &crate::Batch<T, STEPS>, y: &mut crate::Batch<T, OUT>) {
        crate::resize_batch(y, x.ncols());
        let samples = x.as_slice().chunks_exact(STEPS);
        for (ids, y) in samples.zip(y.as_mut_slice().chunks_exact_mut(OUT)) {
            self.look_up(ids, y);
        }
    }
}

/// One token id a step.
impl<T: Float, const STEPS: usize, const OUT: usize, const VOCAB: usize, const DIM: usize, S>
    Stream<T, 1, DIM> for Embedding<T, STEPS, OUT, VOCAB, DIM, S>
where
    S: Storage,
{
    type State = ();

    fn step(&self, _: &mut (), x: &SVector<T, 1>) -> SVector<T, DIM> {
        let mut y = crate::storage::zeros::<T, DIM>();
        self.look_up(x.as_slice(), y.as_mut_slice());
        y
    }
}
