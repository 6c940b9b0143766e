//! Where a layer keeps its weights: inline (a fixed-size array) or on the heap.
//!
//! Both kinds give the same typed interface: a [`Weights<T, R, C, S>`] is an nalgebra
//! [`Matrix`] with compile-time dimensions `R × C`, whatever `S` is. Small layers use [`Inline`]
//! (an [`ArrayStorage`], no allocation, no indirection); large ones use [`Heap`], a boxed slice that
//! is allocated directly on the heap so that even a debug build never puts a large matrix on the
//! stack. The `network!` macro picks the kind from the layer's size
//! ([`INLINE_LIMIT`] elements), so users rarely name it.

use core::fmt::Debug;

use nalgebra::{ArrayStorage, Const, IsContiguous, Matrix, RawStorageMut, SVector};
#[cfg(feature = "std")]
use nalgebra::{RawStorage, U1};

use crate::Float;

/// The largest matrix, in elements, that `network!` stores inline. 4096 elements are 16 KiB of
/// `f32`: big enough for every layer of a small network, small enough for any stack. Defined in
/// `nn-keras`, where the macro reads it too.
pub use nn_keras::INLINE_LIMIT;

/// A vector whose `i`-th value is `value(i)`, written in place. nalgebra's constructors
/// (`SVector::zeros()`, `from_column_slice`) pass the array through five calls, each with its
/// own copy in a debug build: about 13 times the vector on the stack, which overflowed a test
/// thread's 2 MiB on long sequences. Here the vector is written once and moved out.
#[inline(always)]
pub(crate) fn vector_from_fn<T: Float, const N: usize>(
    mut value: impl FnMut(usize) -> T,
) -> SVector<T, N> {
    let mut y = core::mem::MaybeUninit::<SVector<T, N>>::uninit();
    let first = y.as_mut_ptr().cast::<T>();
    for i in 0..N {
        // SAFETY: an `SVector<T, N>` is a `Matrix` (`repr(C)`: its storage first, then
        // zero-sized markers) of an `ArrayStorage` (`repr(transparent)` over `[[T; N]; 1]`),
        // so `N` values of `T` in a row from its address; `i < N`.
        unsafe { first.add(i).write(value(i)) };
    }
    // SAFETY: every value was written above.
    unsafe { y.assume_init() }
}

/// A vector of zeros, written in place ([`vector_from_fn`]).
#[inline(always)]
pub(crate) fn zeros<T: Float, const N: usize>() -> SVector<T, N> {
    vector_from_fn(|_| T::zero())
}

/// An `R × C` weight matrix kept in storage `S` ([`Inline`] or [`Heap`]).
pub type Weights<T, const R: usize, const C: usize, S> =
    Matrix<T, Const<R>, Const<C>, <S as Storage>::Buf<T, R, C>>;

/// A kind of storage for weight matrices with compile-time dimensions.
pub trait Storage: Copy + Debug + Default + Send + Sync + 'static {
    /// The nalgebra storage buffer of an `R × C` matrix of `T`.
    type Buf<T: Float, const R: usize, const C: usize>: RawStorageMut<T, Const<R>, Const<C>>
        + nalgebra::Storage<T, Const<R>, Const<C>>
        + IsContiguous
        + Clone
        + Debug
        + Send
        + Sync;

    /// An `R × C` matrix of zeros in this storage.
    fn zeros<T: Float, const R: usize, const C: usize>() -> Weights<T, R, C, Self>;
}

/// Weights kept inline in the layer, in an nalgebra [`ArrayStorage`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Inline;

/// Weights kept in one heap allocation, behind the same nalgebra matrix type as [`Inline`].
#[cfg(feature = "std")]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Heap;

impl Storage for Inline {
    type Buf<T: Float, const R: usize, const C: usize> = ArrayStorage<T, R, C>;

    #[inline]
    fn zeros<T: Float, const R: usize, const C: usize>() -> Weights<T, R, C, Self> {
        Matrix::from_data(ArrayStorage([[T::zero(); R]; C]))
    }
}

#[cfg(feature = "std")]
impl Storage for Heap {
    type Buf<T: Float, const R: usize, const C: usize> = HeapBuf<T, R, C>;

    fn zeros<T: Float, const R: usize, const C: usize>() -> Weights<T, R, C, Self> {
        Matrix::from_data(HeapBuf::filled(T::zero()))
    }
}

/// A column-major `R × C` buffer in one heap allocation: the storage behind [`Heap`].
///
/// It is built directly on the heap (never on the stack first) and implements nalgebra's
/// storage traits, so a `Matrix<T, Const<R>, Const<C>, HeapBuf<T, R, C>>` is indexed, iterated and
/// multiplied like any other nalgebra matrix.
#[cfg(feature = "std")]
#[derive(Clone, Debug, PartialEq)]
pub struct HeapBuf<T, const R: usize, const C: usize>(Box<[T]>);

#[cfg(feature = "std")]
impl<T: Copy, const R: usize, const C: usize> HeapBuf<T, R, C> {
    /// A buffer with every element set to `value`.
    pub fn filled(value: T) -> Self {
        Self(vec![value; R * C].into_boxed_slice())
    }
}

// SAFETY: the box always holds exactly `R * C` elements (both constructors ensure it and the box
// is never resized), laid out column-major with row stride 1 and column stride `R`, which is what
// `shape`, `strides` and `as_slice_unchecked` report.
#[cfg(feature = "std")]
unsafe impl<T, const R: usize, const C: usize> RawStorage<T, Const<R>, Const<C>>
    for HeapBuf<T, R, C>
{
    type RStride = U1;
    type CStride = Const<R>;

    #[inline]
    fn ptr(&self) -> *const T {
        self.0.as_ptr()
    }

    #[inline]
    fn shape(&self) -> (Const<R>, Const<C>) {
        (Const, Const)
    }

    #[inline]
    fn strides(&self) -> (U1, Const<R>) {
        (Const, Const)
    }

    #[inline]
    fn is_contiguous(&self) -> bool {
        true
    }

    #[inline]
    unsafe fn as_slice_unchecked(&self) -> &[T] {
        &self.0
    }
}

// SAFETY: as for `RawStorage`; the mutable pointer and slice cover the same `R * C` elements.
#[cfg(feature = "std")]
unsafe impl<T, const R: usize, const C: usize> RawStorageMut<T, Const<R>, Const<C>>
    for HeapBuf<T, R, C>
{
    #[inline]
    fn ptr_mut(&mut self) -> *mut T {
        self.0.as_mut_ptr()
    }

    #[inline]
    unsafe fn as_mut_slice_unchecked(&mut self) -> &mut [T] {
        &mut self.0
    }
}

// SAFETY: the elements are contiguous and column-major (see `RawStorage`).
#[cfg(feature = "std")]
unsafe impl<T, const R: usize, const C: usize> IsContiguous for HeapBuf<T, R, C> {}

// SAFETY: `into_owned` and `clone_owned` copy the `R * C` elements into nalgebra's owned buffer
// of the same shape; `forget_elements` frees the allocation without dropping the elements.
#[cfg(feature = "std")]
unsafe impl<T: nalgebra::Scalar, const R: usize, const C: usize>
    nalgebra::Storage<T, Const<R>, Const<C>> for HeapBuf<T, R, C>
{
    fn into_owned(self) -> nalgebra::Owned<T, Const<R>, Const<C>>
    where
        nalgebra::DefaultAllocator: nalgebra::allocator::Allocator<Const<R>, Const<C>>,
    {
        self.clone_owned()
    }

    fn clone_owned(&self) -> nalgebra::Owned<T, Const<R>, Const<C>>
    where
        nalgebra::DefaultAllocator: nalgebra::allocator::Allocator<Const<R>, Const<C>>,
    {
        nalgebra::OMatrix::<T, Const<R>, Const<C>>::from_column_slice(&self.0).data
    }

    fn forget_elements(self) {
        let len = self.0.len();
        let ptr = Box::into_raw(self.0).cast::<core::mem::ManuallyDrop<T>>();
        // SAFETY: `ptr` comes from `Box::into_raw` of a `[T]` of `len` elements, and
        // `ManuallyDrop<T>` has the layout of `T`; dropping this box frees the allocation only.
        drop(unsafe { Box::from_raw(core::ptr::slice_from_raw_parts_mut(ptr, len)) });
    }
}

/// Picks [`Inline`] or [`Heap`] from a compile-time flag; `network!` writes
/// `StorageFor<{ R * C <= INLINE_LIMIT }>`.
#[doc(hidden)]
pub struct StorageFor<const INLINE: bool>;

/// The storage [`StorageFor`] selects.
#[doc(hidden)]
pub trait SelectStorage {
    /// The chosen storage.
    type Storage: Storage;
}

impl SelectStorage for StorageFor<true> {
    type Storage = Inline;
}

#[cfg(feature = "std")]
impl SelectStorage for StorageFor<false> {
    type Storage = Heap;
}

/// Without `std` there is no heap: every matrix is inline.
#[cfg(not(feature = "std"))]
impl SelectStorage for StorageFor<false> {
    type Storage = Inline;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heap_matrix_behaves_like_an_inline_one() {
        let mut heap = Heap::zeros::<f64, 3, 2>();
        let mut inline = Inline::zeros::<f64, 3, 2>();
        for (k, (h, i)) in heap.iter_mut().zip(inline.iter_mut()).enumerate() {
            *h = k as f64;
            *i = k as f64;
        }
        assert_eq!(heap[(2, 1)], 5.0);
        assert_eq!(heap.as_slice(), inline.as_slice());
        assert_eq!(heap.transpose(), inline.transpose());
        let v = nalgebra::Vector2::new(1.0, -1.0);
        assert_eq!(&heap * v, inline * v);
        assert_eq!(heap.clone_owned(), inline.clone_owned());
    }
}
