//! What every firmware program shares: output to the host in the line protocol that
//! `tests/firmware.rs` reads, the exit code, and the panic and hard-fault handlers.
//!
//! Output goes over semihosting, which QEMU (`-semihosting-config enable=on`) answers; on a board
//! without a debugger attached the first write would fault. Numbers are written by hand rather
//! than through `core::fmt`, whose float formatting alone costs several kB of flash: a program's
//! size should be its network's.
//!
//! The protocol, one line each:
//!
//! ```text
//! <model> <index> <hex> <hex> ...     one prediction: the network's outputs as f32 bit patterns,
//!                                     8 lowercase hex digits each (f32::to_bits)
//! done                                the last line; the program then exits with success
//! ```
//!
//! A panic prints `panic at <file>:<line>` and a hard fault `hard fault at pc <hex>`; both exit
//! with failure.

#![no_std]

pub mod models;

use core::cell::Cell;
use core::panic::PanicInfo;

use cortex_m::interrupt::{self, Mutex};
use cortex_m_rt::{ExceptionFrame, exception};
use cortex_m_semihosting::debug;
use cortex_m_semihosting::hio::{self, HostStream};

/// The host's stdout, opened by the first write (each open takes a new handle on the host).
static STDOUT: Mutex<Cell<Option<HostStream>>> = Mutex::new(Cell::new(None));

/// Writes raw bytes to the host's stdout. A failed write cannot be reported anywhere: the host
/// sees a short or missing line, which its parser rejects.
fn write_bytes(bytes: &[u8]) {
    interrupt::free(|cs| {
        let cell = STDOUT.borrow(cs);
        let stream = cell.get().or_else(|| hio::hstdout().ok());
        cell.set(stream);
        if let Some(mut stream) = stream {
            let _ = stream.write_all(bytes);
        }
    });
}

/// Writes `text` to the host's stdout.
pub fn write(text: &str) {
    write_bytes(text.as_bytes());
}

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// `bits` as 8 lowercase hex digits, most significant first.
fn hex8(bits: u32) -> [u8; 8] {
    let mut digits = [0; 8];
    for (i, digit) in digits.iter_mut().enumerate() {
        *digit = HEX_DIGITS[(bits >> (28 - 4 * i)) as usize & 0xf];
    }
    digits
}

/// Writes each value as a space and its bit pattern in 8 hex digits (` 3f800000` for 1.0), so the
/// host reads back exactly the bits the microcontroller computed.
pub fn write_f32_bits(values: &[f32]) {
    const PER_WRITE: usize = 16;
    let mut buffer = [0; PER_WRITE * 9];
    for chunk in values.chunks(PER_WRITE) {
        for (value, field) in chunk.iter().zip(buffer.chunks_exact_mut(9)) {
            field[0] = b' ';
            field[1..].copy_from_slice(&hex8(value.to_bits()));
        }
        write_bytes(&buffer[..chunk.len() * 9]);
    }
}

/// Writes `n` in decimal.
pub fn write_usize(mut n: usize) {
    let mut digits = [0; 20];
    let mut start = 0;
    for (i, digit) in digits.iter_mut().enumerate().rev() {
        *digit = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            start = i;
            break;
        }
    }
    // `get`, not an index: a bounds check the optimizer keeps (it did at opt-level "z") links the
    // panic's `core::fmt` integer formatting, about 1 kB.
    write_bytes(digits.get(start..).unwrap_or_default());
}

/// Writes one protocol line: `<model> <index>` and the network's `outputs`.
pub fn prediction(model: &str, index: usize, outputs: &[f32]) {
    write(model);
    write(" ");
    write_usize(index);
    write_f32_bits(outputs);
    write("\n");
}

/// The word the free stack is painted with before a measurement.
const PAINT: u32 = 0xa5a5_5a5a;

/// How many bytes of stack `f` takes below where the caller stands, frames included: the
/// free stack (down to the end of the statics) is painted first, and after `f` the lowest word
/// that no longer holds the paint marks how deep it went. A word `f` happened to write with the
/// paint's own value would be missed; with a pattern this unlikely, at most a word or two.
/// `f` is called through a `dyn` reference, so that its frame is its own, below this one's,
/// rather than inlined into this one (whose frame is set up before the stack pointer is read).
#[inline(never)]
pub fn stack_used(f: &mut dyn FnMut()) -> usize {
    unsafe extern "C" {
        /// The end of the statics (`.bss`), where cortex-m-rt's `link.x` starts the heap.
        static __sheap: u32;
    }
    let bottom = (&raw const __sheap) as usize;
    let top = cortex_m::register::msp::read() as usize;
    paint(bottom);
    f();
    let mut lowest = bottom;
    while lowest < top {
        // SAFETY: between the statics' end and the stack pointer of this frame: RAM that
        // `paint` wrote, read back as it was written, one aligned word at a time.
        if unsafe { core::ptr::read_volatile(lowest as *const u32) } != PAINT {
            break;
        }
        lowest += 4;
    }
    top - lowest
}

/// Paints the stack below this function's own frame, down to `bottom`, with [`PAINT`].
#[inline(never)]
fn paint(bottom: usize) {
    // Well below this frame's stack pointer: nothing here is in use.
    let below = cortex_m::register::msp::read() as usize - 64;
    let mut at = (bottom + 3) & !3;
    while at < below {
        // SAFETY: free stack between the statics and this frame, which no one else uses (no
        // interrupt is enabled).
        unsafe { core::ptr::write_volatile(at as *mut u32, PAINT) };
        at += 4;
    }
}

/// Writes one stack line: `stack <model> <bytes> <constant>`, the stack `model`'s `predict`
/// took ([`stack_used`]) and its `PREDICT_STACK` as this target computes it.
pub fn stack(model: &str, bytes: usize, constant: usize) {
    write("stack ");
    write(model);
    write(" ");
    write_usize(bytes);
    write(" ");
    write_usize(constant);
    write("\n");
}

/// Writes the closing `done` line and exits with success.
pub fn done() -> ! {
    write("done\n");
    exit(true)
}

/// Ends the program: QEMU exits with status 0 if `success`, 1 otherwise.
pub fn exit(success: bool) -> ! {
    debug::exit(if success {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    // Only reached when no host answers semihosting.
    loop {
        core::hint::spin_loop();
    }
}

/// Reports where the panic happened (its message would need `core::fmt`) and fails.
#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    write("panic");
    if let Some(location) = info.location() {
        write(" at ");
        write(location.file());
        write(":");
        write_usize(location.line() as usize);
    }
    write("\n");
    exit(false)
}

/// Fails at once instead of cortex-m-rt's default endless loop, which would leave the host test
/// waiting for its timeout; the program counter finds the faulting code with `addr2line`.
#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    write("hard fault at pc ");
    write_bytes(&hex8(frame.pc()));
    write("\n");
    exit(false)
}
