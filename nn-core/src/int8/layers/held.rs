//! Constants a layer holds out of line, so that a layer whose file leaves them out does not carry
//! their room: a batch normalization folded into the weights before it (most are) holds no
//! convolution, a dense layer without a sigmoid no 256-value table.

use core::fmt;
use core::ops::Deref;

/// A layer's constants held out of line: built into the program (read-only data, in flash on a
/// microcontroller), or read from a file at run time (a variant only with `std`: match with a
/// wildcard arm, or deref).
#[non_exhaustive]
pub enum Held<T: ?Sized + 'static> {
    /// Built into the program (`#[tflite(.., embed)]`).
    Static(&'static T),
    /// Read from a file at run time.
    #[cfg(feature = "std")]
    Owned(std::boxed::Box<T>),
}

impl<T> Held<T> {
    /// Constants read at run time.
    #[cfg(feature = "std")]
    pub fn owned(value: T) -> Self {
        Self::Owned(std::boxed::Box::new(value))
    }
}

impl<T> Held<[T]> {
    /// Values read at run time.
    #[cfg(feature = "std")]
    pub fn from_vec(values: std::vec::Vec<T>) -> Self {
        Self::Owned(values.into_boxed_slice())
    }

    /// `len` zeros (`T::default()`), to be read into; none without `std`, where nothing is
    /// read at run time.
    #[allow(unused_variables, reason = "without std there is nothing to allocate")]
    pub fn zeros(len: usize) -> Self
    where
        T: Clone + Default,
    {
        #[cfg(feature = "std")]
        return Self::from_vec(std::vec![T::default(); len]);
        #[cfg(not(feature = "std"))]
        Self::Static(&[])
    }
}

impl<T: ?Sized> Deref for Held<T> {
    type Target = T;

    #[inline(always)]
    fn deref(&self) -> &T {
        match self {
            Self::Static(value) => value,
            #[cfg(feature = "std")]
            Self::Owned(value) => value,
        }
    }
}

impl<T: Clone> Clone for Held<T> {
    fn clone(&self) -> Self {
        match self {
            Self::Static(value) => Self::Static(value),
            #[cfg(feature = "std")]
            Self::Owned(value) => Self::Owned(value.clone()),
        }
    }
}

/// As the constants themselves: where they are held does not show.
impl<T: ?Sized + fmt::Debug> fmt::Debug for Held<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        T::fmt(self, f)
    }
}

impl<T: ?Sized + PartialEq> PartialEq for Held<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: ?Sized + Eq> Eq for Held<T> {}

impl<T: Clone> Clone for Held<[T]> {
    fn clone(&self) -> Self {
        match self {
            Self::Static(values) => Self::Static(values),
            #[cfg(feature = "std")]
            Self::Owned(values) => Self::Owned(values.clone()),
        }
    }
}
