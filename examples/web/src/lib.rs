//! The quickstart's digits classifier as a WebAssembly module for `index.html`.
//!
//! The network is declared as in `examples/quickstart.rs`, with the weights of a trained run
//! built in (`firmware/models/digits.safetensors`, written by
//! `cargo run --release --example embedded_models`, the same file the Cortex-M firmware embeds),
//! and so is the standardization of its training set. The module needs no allocator and no std:
//! it is the same inference code the firmware runs.
//!
//! # Why plain exported functions, not wasm-bindgen
//!
//! The page passes 64 numbers in and reads 10 out. Plain `extern "C"` functions over buffers in
//! the module's memory do that with a dozen lines of JavaScript (`main.js`) and no build
//! tool beyond cargo; wasm-bindgen would add its CLI (matched to the crate's exact version) and a
//! generated JavaScript file, for conversions this page does not need.
//!
//! # The interface
//!
//! - [`input_buffer`] and [`input_capacity`]: where the page writes the pixels (`f32`), and how
//!   many fit.
//! - [`classify_digit`]`(len)`: classifies the `len` values written there; returns the digit, or
//!   `-1` after a mistake (wrong length, a value that is not a pixel), never a trap.
//! - [`probabilities`]: the ten class probabilities of the last classification.
//! - [`error_message`] and [`error_length`]: the UTF-8 message of the last mistake.

#![no_std]

use core::cell::UnsafeCell;

use nn::prelude::*;

network! {
    /// 64 pixels → 64 relu units → dropout → 10 class probabilities (the quickstart's).
    #[safetensors("../../firmware/models/digits.safetensors", embed)]
    pub struct Digits = Dense<64, 64, Relu>, Dropout<0.2>, Dense<64, 10, Softmax>;
}

/// The training set's statistics (and five test images, which the page does not use).
#[allow(dead_code)]
mod data {
    include!("../../../firmware/models/digits.rs");
}

/// The network, its weights in the module's data.
static NET: Digits = Digits::EMBEDDED;

/// Pixels per image: 8 × 8.
const PIXELS: usize = 64;
/// Values the page may write: more than an image, so that a wrong length is an error the page
/// can show rather than a write outside the buffer.
const CAPACITY: usize = 1024;
/// The longest error message kept.
const MESSAGE: usize = 256;

/// The buffers the page and the module share. WebAssembly here runs on one thread (the page's),
/// so there is never a second access at the same time. (A build with threads, the `atomics`
/// target feature, is refused below: there the buffers would need locks.)
struct Shared {
    input: UnsafeCell<[f32; CAPACITY]>,
    output: UnsafeCell<[f32; 10]>,
    message: UnsafeCell<([u8; MESSAGE], usize)>,
}

// SAFETY: the module has one thread; nothing here is reached from two at once.
unsafe impl Sync for Shared {}

#[cfg(target_feature = "atomics")]
compile_error!("the module's shared buffers assume one thread; a threaded build needs locks");

static SHARED: Shared = Shared {
    input: UnsafeCell::new([0.0; CAPACITY]),
    output: UnsafeCell::new([0.0; 10]),
    message: UnsafeCell::new(([0; MESSAGE], 0)),
};

/// Where the page writes the pixels of an image, row by row, each 0 to 16 (the digits data's
/// scale: the dark cells of a 4 × 4 block of a 32 × 32 drawing).
#[unsafe(no_mangle)]
pub extern "C" fn input_buffer() -> *mut f32 {
    SHARED.input.get().cast()
}

/// How many values [`input_buffer`] holds.
#[unsafe(no_mangle)]
pub extern "C" fn input_capacity() -> usize {
    CAPACITY
}

/// The ten class probabilities of the last successful [`classify_digit`].
#[unsafe(no_mangle)]
pub extern "C" fn probabilities() -> *const f32 {
    SHARED.output.get().cast()
}

/// The message of the last mistake, UTF-8, [`error_length`] bytes.
#[unsafe(no_mangle)]
pub extern "C" fn error_message() -> *const u8 {
    // SAFETY: one thread; the pointer is to the message's bytes, which live as long as the
    // module.
    unsafe { (*SHARED.message.get()).0.as_ptr() }
}

/// The length in bytes of [`error_message`].
#[unsafe(no_mangle)]
pub extern "C" fn error_length() -> usize {
    // SAFETY: one thread.
    unsafe { (*SHARED.message.get()).1 }
}

/// Classifies the first `len` values of [`input_buffer`]: the digit (0 to 9), with the
/// probabilities in [`probabilities`]; or `-1` when `len` is not 64 or a value is not a pixel
/// (0 to 16), with the reason in [`error_message`].
#[unsafe(no_mangle)]
pub extern "C" fn classify_digit(len: usize) -> i32 {
    // SAFETY: one thread; the page wrote the input before this call and does not touch the
    // module's memory during it.
    let input = unsafe { &*SHARED.input.get() };
    let result = match input.get(..len) {
        Some(pixels) => classify(pixels),
        None => Err(Mistake::Length(len)),
    };
    match result {
        Ok((digit, probabilities)) => {
            // SAFETY: as above.
            unsafe { *SHARED.output.get() = probabilities };
            digit as i32
        }
        Err(mistake) => {
            // SAFETY: as above.
            let message = unsafe { &mut *SHARED.message.get() };
            let mut writer = Writer {
                bytes: &mut message.0,
                len: 0,
            };
            let _ = core::fmt::Write::write_fmt(&mut writer, format_args!("{mistake}"));
            message.1 = writer.len;
            -1
        }
    }
}

/// What can be wrong with an input.
enum Mistake {
    /// The number of values.
    Length(usize),
    /// A value, by index, that is not a pixel.
    Value(usize, f32),
}

impl core::fmt::Display for Mistake {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Mistake::Length(len) => write!(
                f,
                "expected {PIXELS} pixel values (an 8 × 8 image, row by row), got {len}"
            ),
            Mistake::Value(at, value) => write!(
                f,
                "pixel {at} (row {}, column {}) is {value}; expected a value from 0 to 16",
                at / 8,
                at % 8
            ),
        }
    }
}

/// The digit and the class probabilities of an image of 64 pixels from 0 to 16, standardized
/// as the training set was.
fn classify(pixels: &[f32]) -> Result<(usize, [f32; 10]), Mistake> {
    if pixels.len() != PIXELS {
        return Err(Mistake::Length(pixels.len()));
    }
    if let Some(at) = pixels.iter().position(|v| !(0.0..=16.0).contains(v)) {
        return Err(Mistake::Value(at, pixels[at]));
    }
    let x = SVector::<f32, PIXELS>::from_fn(|i, _| (pixels[i] - data::MEAN[i]) / data::SCALE[i]);
    let y = NET.predict(&x);
    let digit = y.iamax();
    let mut probabilities = [0.0; 10];
    probabilities.copy_from_slice(y.as_slice());
    Ok((digit, probabilities))
}

/// Writes formatted text into a fixed buffer, cutting what does not fit.
struct Writer<'a> {
    bytes: &'a mut [u8],
    len: usize,
}

impl core::fmt::Write for Writer<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        for (i, c) in s.char_indices() {
            let end = i + c.len_utf8();
            if self.len + c.len_utf8() > self.bytes.len() {
                break;
            }
            self.bytes[self.len..self.len + c.len_utf8()].copy_from_slice(&s.as_bytes()[i..end]);
            self.len += c.len_utf8();
        }
        Ok(())
    }
}

/// A panic cannot happen on the paths above (every index is checked first); were one to, the
/// module traps, which the page reports.
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}
