//! Support for the code `network!` generates. Not a public API: it may change at any time.

pub use ::core;
/// `std`, for the code `network!` wraps in `if_std!`: named through `nn`, it resolves whenever
/// `nn`'s `std` feature is on, even in a `#![no_std]` crate whose dependency graph turns it on.
#[cfg(feature = "std")]
pub extern crate std;

pub use crate::__if_no_std as if_no_std;
pub use crate::__if_std as if_std;
/// The recurrent layers' cells and `Bidirectional`'s merge modes, which `network!` writes in the
/// layers' types (`Bidirectional<.., LstmCell, Concat, ..>`); users reach them only through
/// `network!` and the aliases `Lstm`, `Gru` and `SimpleRnn`.
pub use crate::layers::bidirectional::{Ave, Concat, Mul, Sum};
pub use crate::layers::{gru::GruCell, lstm::LstmCell, simple_rnn::SimpleRnnCell};
/// The training loop's side of a network (the tape, the training passes), which `network!`
/// implements alongside [`Network`](crate::Network).
#[cfg(feature = "std")]
pub use crate::network::Trainable;
/// How `network!` sets a layer's training settings (`trainable`, regularizers, constraints):
/// stored with `std`, dropped without.
pub use crate::setting::set;
/// The storage `network!` names for a matrix too large to keep inline: the heap with `std`,
/// inline without (there is no heap).
#[cfg(feature = "std")]
pub use crate::storage::Heap;
#[cfg(not(feature = "std"))]
pub type Heap = crate::storage::Inline;

/// The items given with `std`, nothing without: `network!` wraps what needs `std` (batches,
/// training, files) in it, so its expansion never names `std` in a `no_std` build.
#[cfg(feature = "std")]
#[doc(hidden)]
#[macro_export]
macro_rules! __if_std {
    ($($item:item)*) => { $($item)* };
}

/// See the `std` version.
#[cfg(not(feature = "std"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __if_std {
    ($($item:item)*) => {};
}

/// The items given without `std`, nothing with it (the counterpart of `if_std!`).
#[cfg(feature = "std")]
#[doc(hidden)]
#[macro_export]
macro_rules! __if_no_std {
    ($($item:item)*) => {};
}

/// See the `std` version.
#[cfg(not(feature = "std"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __if_no_std {
    ($($item:item)*) => { $($item)* };
}

/// An `R × C` column-major array of little-endian `f32` values read from `bytes` at `offset`:
/// a weight tensor of a file built into the program, read during compilation (`network!`
/// checked the range and the values when it generated the call).
///
/// # Panics
/// If the range lies outside `bytes` (at compile time in a constant).
#[allow(
    unsafe_code,
    reason = "an unaligned read of the tensor, fast in constant evaluation"
)]
pub const fn tensor<const R: usize, const C: usize>(bytes: &[u8], offset: usize) -> [[f32; R]; C] {
    let len = 4 * R * C;
    assert!(
        offset <= bytes.len() && len <= bytes.len() - offset,
        "tensor outside the file"
    );
    if cfg!(target_endian = "little") {
        // SAFETY: the `len` bytes from `offset` lie inside `bytes` (asserted above); every bit
        // pattern is a valid `f32`, and the read does not require alignment. The file's
        // little-endian order is the target's.
        unsafe { core::ptr::read_unaligned(bytes.as_ptr().add(offset).cast::<[[f32; R]; C]>()) }
    } else {
        let mut out = [[0.0; R]; C];
        let mut at = offset;
        let mut c = 0;
        while c < C {
            let mut r = 0;
            while r < R {
                let value = [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]];
                out[c][r] = f32::from_le_bytes(value);
                at += 4;
                r += 1;
            }
            c += 1;
        }
        out
    }
}

/// The int8 values of `bytes`: an int8 tensor of a TensorFlow Lite file built into the program
/// (`#[tflite(.., embed)]`), in the layout the file has and the int8 layer keeps.
pub const fn int8_array<const N: usize>(bytes: &[u8; N]) -> [i8; N] {
    let mut out = [0; N];
    let mut k = 0;
    while k < N {
        out[k] = bytes[k] as i8;
        k += 1;
    }
    out
}

/// An `R × C` array of zeros (the bias of a layer without one).
pub const fn zeros<const R: usize, const C: usize>() -> [[f32; R]; C] {
    [[0.0; R]; C]
}
#[cfg(feature = "std")]
pub use crate::onnx;
#[cfg(feature = "std")]
pub use crate::onnx_out;
#[cfg(feature = "std")]
pub use crate::tflite_float;
pub use ::nalgebra;
pub use ::rand;

/// The network's last layer as the loss sees it (see `fusion.rs`).
#[cfg(feature = "std")]
pub use crate::fusion::{Last, OutputLayer};
#[cfg(feature = "std")]
pub use crate::layer::add_penalty_gradients;

/// A vector of `values` (zeros past their end), written in place: `predict` of a network too
/// large for the stack returns the batch path's output in it, since nalgebra's
/// `from_column_slice` would put many copies of it on the stack in a debug build.
pub fn vector_from_slice<T: crate::Float, const N: usize>(values: &[T]) -> nalgebra::SVector<T, N> {
    crate::storage::vector_from_fn(|i| values.get(i).copied().unwrap_or_else(T::zero))
}
/// A zeroed batch of `n` samples in the allocation of `values` (the buffer of a layer two
/// steps back in `predict_batch`): a fresh allocation for every layer's output was mapped
/// anew and faulted in page by page, 40% of a batch of ResNet-8's time.
#[cfg(feature = "std")]
pub fn batch_in<T: crate::Float, const N: usize>(
    mut values: std::vec::Vec<T>,
    n: usize,
) -> crate::Batch<T, N> {
    values.clear();
    values.resize(N * n, T::zero());
    crate::Batch::<T, N>::from_vec_generic(nalgebra::Const::<N>, nalgebra::Dyn(n), values)
}

/// The allocation of a batch no longer needed, for [`batch_in`].
#[cfg(feature = "std")]
pub fn recycle<T: crate::Float, const N: usize>(batch: crate::Batch<T, N>) -> std::vec::Vec<T> {
    batch.data.into()
}

pub use crate::storage::{INLINE_LIMIT, SelectStorage, StorageFor};

/// The storage `network!` picks for a matrix whose inline-ness is `INLINE`.
pub type StorageOf<const INLINE: bool> = <StorageFor<INLINE> as SelectStorage>::Storage;

/// Whether an `R × C` matrix is stored inline.
pub const fn inline(rows: usize, cols: usize) -> bool {
    rows.saturating_mul(cols) <= INLINE_LIMIT
}

/// A fixed-capacity string built in `const` context, for compile-time error messages that
/// include numbers computed from named constants.
#[derive(Clone, Copy)]
pub struct Msg {
    buf: [u8; 512],
    len: usize,
}

impl Msg {
    /// An empty message.
    pub const fn new() -> Self {
        Self {
            buf: [0; 512],
            len: 0,
        }
    }

    /// Appends `s` (silently cut at the capacity, at a character boundary).
    pub const fn str(mut self, s: &str) -> Self {
        let bytes = s.as_bytes();
        let mut end = bytes.len();
        if self.len + end > self.buf.len() {
            end = self.buf.len() - self.len;
            // Back to the start of a character (a byte `10xxxxxx` continues one).
            while end > 0 && bytes[end] & 0xC0 == 0x80 {
                end -= 1;
            }
        }
        let mut i = 0;
        while i < end {
            self.buf[self.len] = bytes[i];
            self.len += 1;
            i += 1;
        }
        self
    }

    /// Appends `n` in decimal.
    pub const fn num(mut self, mut n: usize) -> Self {
        let mut digits = [0u8; 20];
        let mut count = 0;
        loop {
            digits[count] = b'0' + (n % 10) as u8;
            count += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        if self.len + count > self.buf.len() {
            return self;
        }
        while count > 0 {
            count -= 1;
            self.buf[self.len] = digits[count];
            self.len += 1;
        }
        self
    }

    /// Appends `x` in decimal with up to nine digits after the point, trailing zeros dropped
    /// (`0.25`, `128`, `-0.001`): enough to tell a setting's value from another.
    pub const fn float(self, x: f64) -> Self {
        let mut msg = if x < 0.0 { self.str("-") } else { self };
        let x = if x < 0.0 { -x } else { x };
        if x >= 1e18 || x.is_nan() {
            return msg.str("a number out of range");
        }
        let whole = x as u64;
        // The fraction in billionths, rounded; a carry goes into the whole part.
        let mut fraction = ((x - whole as f64) * 1e9 + 0.5) as u64;
        let whole = if fraction >= 1_000_000_000 {
            fraction -= 1_000_000_000;
            whole + 1
        } else {
            whole
        };
        msg = msg.num(whole as usize);
        if fraction == 0 {
            return msg;
        }
        let mut digits = 9;
        while fraction.is_multiple_of(10) {
            fraction /= 10;
            digits -= 1;
        }
        msg = msg.str(".");
        let mut zeros = digits;
        let mut rest = fraction;
        while rest > 0 {
            rest /= 10;
            zeros -= 1;
        }
        while zeros > 0 {
            msg = msg.str("0");
            zeros -= 1;
        }
        msg.num(fraction as usize)
    }

    /// Appends a Keras setting's value as loading's messages show it (`128`, `"relu"`,
    /// `(3, 3)`).
    pub const fn value(self, value: &nn_keras::config::Value) -> Self {
        use nn_keras::config::Value;
        match *value {
            Value::Size(n) => self.num(n),
            Value::Float(x) => self.float(x),
            Value::Bool(true) => self.str("true"),
            Value::Bool(false) => self.str("false"),
            Value::Str(s) => self.str("\"").str(s).str("\""),
            Value::LastAxis => self.str("[-1]"),
            Value::Call(name, _) => self.str(name).str("(..)"),
            Value::Sizes(sizes) => {
                let mut msg = self.str("(");
                let mut i = 0;
                while i < sizes.len() {
                    if i > 0 {
                        msg = msg.str(", ");
                    }
                    msg = msg.num(sizes[i]);
                    i += 1;
                }
                msg.str(")")
            }
        }
    }

    /// The message.
    pub const fn as_str(&self) -> &str {
        let (bytes, _) = self.buf.split_at(self.len);
        match core::str::from_utf8(bytes) {
            Ok(s) => s,
            Err(_) => "",
        }
    }
}

impl Default for Msg {
    fn default() -> Self {
        Self::new()
    }
}

/// Runs `f` with at most `threads` threads (for benchmarks that time one core).
#[cfg(feature = "std")]
pub fn with_threads<R>(threads: usize, f: impl FnOnce() -> R) -> R {
    crate::parallel::with_threads(Some(threads), f)
}

#[cfg(feature = "std")]
pub use crate::simd::{Isa, with_isa};

/// `c = a · b` through the matrix product the layers use, for benchmarks: `a` is `m × k` and
/// `b` is `k × n`, each given as (values, row stride, column stride); `c` is column-major
/// `m × n`.
///
/// # Panics
/// If a slice is too short for its shape.
#[cfg(feature = "std")]
pub fn gemm<T: crate::Float>(
    (m, k, n): (usize, usize, usize),
    a: (&[T], usize, usize),
    b: (&[T], usize, usize),
    c: &mut [T],
) {
    use crate::linalg::Strided;
    fn matrix<T>((data, rs, cs): (&[T], usize, usize), rows: usize, cols: usize) -> Strided<'_, T> {
        Strided {
            data,
            rows,
            cols,
            rs,
            cs,
        }
    }
    crate::linalg::gemm(T::one(), matrix(a, m, k), matrix(b, k, n), T::zero(), c);
}

/// One layer of an int8 network's `predict`, between its two buffers of `W` values: the
/// current sample is in `a` when `in_a`, else in `b`. A layer that passes its input through
/// is skipped; any other writes the other buffer, which becomes the current one.
#[inline(always)]
pub fn int8_step<L: crate::int8::Layer<I, O>, const I: usize, const O: usize, const W: usize>(
    layer: &L,
    a: &mut [i8; W],
    b: &mut [i8; W],
    in_a: &mut bool,
) {
    if layer.passes() {
        return;
    }
    let (from, to) = if *in_a { (&*a, b) } else { (&*b, a) };
    // `network!` makes `W` the widest of the layers' inputs and outputs.
    let (Some(x), Some(y)) = (from.first_chunk::<I>(), to.first_chunk_mut::<O>()) else {
        unreachable!("int8 buffers narrower than a layer")
    };
    layer.forward(x, y);
    *in_a = !*in_a;
}

/// A sample of `N` values, in the first `N` of a buffer, as a vector (the same memory: an
/// `SVector<T, N>` is laid out as `[T; N]`).
#[inline(always)]
#[allow(
    unsafe_code,
    reason = "views a buffer's prefix as the vector it is laid out as"
)]
fn as_vector<T: crate::Float, const N: usize>(x: &[T; N]) -> &nalgebra::SVector<T, N> {
    // SAFETY: `Matrix` is `repr(C)` with its storage as its one sized field, and
    // `ArrayStorage<T, N, 1>` is `repr(transparent)` over `[[T; N]; 1]`: the layout of `[T; N]`.
    unsafe { &*(x as *const [T; N]).cast::<nalgebra::SVector<T, N>>() }
}

/// [`as_vector`], mutably.
#[inline(always)]
#[allow(
    unsafe_code,
    reason = "views a buffer's prefix as the vector it is laid out as"
)]
fn as_vector_mut<T: crate::Float, const N: usize>(x: &mut [T; N]) -> &mut nalgebra::SVector<T, N> {
    // SAFETY: as `as_vector`'s; every `[T; N]` is a valid vector and the reverse.
    unsafe { &mut *(x as *mut [T; N]).cast::<nalgebra::SVector<T, N>>() }
}

/// The largest of `sizes`, in constant evaluation: the width of `predict`'s buffers.
pub const fn widest(sizes: &[usize]) -> usize {
    let (mut k, mut max) = (0, 0);
    while k < sizes.len() {
        if sizes[k] > max {
            max = sizes[k];
        }
        k += 1;
    }
    max
}

/// The first layer of a float network's `predict`: from the sample `x` into the first `O`
/// values of `a`, a buffer of `W`.
#[inline(always)]
pub fn float_first<T: crate::Float, L, const I: usize, const O: usize, const W: usize>(
    layer: &L,
    x: &nalgebra::SVector<T, I>,
    a: &mut [T; W],
) where
    L: crate::Layer<T, I, O>,
{
    let Some(y) = a.first_chunk_mut::<O>() else {
        unreachable!("a buffer narrower than a layer")
    };
    layer.forward_into(x, as_vector_mut(y));
}

/// A layer of a float network's `predict` after the first: from the first `I` values of
/// `from`, a buffer of `WF`, into the first `O` of `to`, one of `WT`. `predict` keeps two
/// buffers and goes back and forth between them: the first as wide as the widest output of
/// the layers in odd places (first, third, ...), the second of the others.
#[inline(always)]
pub fn float_step<
    T: crate::Float,
    L,
    const I: usize,
    const O: usize,
    const WF: usize,
    const WT: usize,
>(
    layer: &L,
    from: &[T; WF],
    to: &mut [T; WT],
) where
    L: crate::Layer<T, I, O>,
{
    // `network!` makes each buffer as wide as the widest layer that writes it.
    let (Some(x), Some(y)) = (from.first_chunk::<I>(), to.first_chunk_mut::<O>()) else {
        unreachable!("a buffer narrower than a layer")
    };
    layer.forward_into(as_vector(x), as_vector_mut(y));
}

/// The output of a float network's `predict`: the first `O` values of the buffer the last
/// layer wrote.
#[inline(always)]
pub fn float_last<T: crate::Float, const O: usize, const W: usize>(
    last: &[T; W],
) -> nalgebra::SVector<T, O> {
    let Some(y) = last.first_chunk::<O>() else {
        unreachable!("a buffer narrower than a layer")
    };
    *as_vector(y)
}

#[cfg(test)]
mod tests {
    use super::Msg;

    #[test]
    fn messages_format_numbers() {
        const M: Msg = Msg::new().str("expects ").num(65).str(", got ").num(0);
        assert_eq!(M.as_str(), "expects 65, got 0");
    }

    #[test]
    fn messages_format_settings() {
        use nn_keras::config::Value;
        let show = |value: Value| Msg::new().value(&value).as_str().to_owned();
        assert_eq!(show(Value::Size(128)), "128");
        assert_eq!(show(Value::Float(0.25)), "0.25");
        assert_eq!(show(Value::Float(-0.001)), "-0.001");
        assert_eq!(show(Value::Float(1e-7)), "0.0000001");
        assert_eq!(show(Value::Float(2.0)), "2");
        assert_eq!(show(Value::Float(0.9999999999)), "1");
        assert_eq!(show(Value::Str("relu")), "\"relu\"");
        assert_eq!(show(Value::Sizes(&[3, 1])), "(3, 1)");
        assert_eq!(show(Value::Bool(false)), "false");
    }

    #[test]
    fn a_long_message_is_cut_at_a_character() {
        // 511 bytes, then a two-byte character that does not fit, then more.
        let long = "a".repeat(511) + "é" + "bcd";
        let msg = Msg::new().str(&long);
        assert_eq!(msg.as_str(), &long[..511]);
        assert_eq!(Msg::new().str(&"x".repeat(600)).as_str().len(), 512);
    }
}
