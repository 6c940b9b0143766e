//! The sine model on the microcontroller: `sin(x)` for seven inputs, printed as bit patterns.
//! Its flash and RAM beyond `empty` are what a network costs (`tests/firmware.rs` holds them to
//! 8 KiB and 1 KiB).

#![no_std]
#![no_main]

use core::hint::black_box;

use cortex_m_rt::entry;
use nn::nalgebra::SVector;
use nn_firmware::models::{SINE, SINE_INPUTS};

#[entry]
fn main() -> ! {
    // black_box: the inputs come from outside, as a sensor's would.
    for (index, &x) in black_box(&SINE_INPUTS).iter().enumerate() {
        let y = SINE.predict(&SVector::<f32, 1>::new(x));
        nn_firmware::prediction("sine", index, y.as_slice());
    }
    nn_firmware::done()
}
