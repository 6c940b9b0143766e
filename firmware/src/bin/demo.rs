//! Both networks on the microcontroller: the sine model, then the digits classifier on five
//! test images (raw pixels, standardized here as in training), each prediction printed as bit
//! patterns for the host to compare.

#![no_std]
#![no_main]

use core::hint::black_box;

use cortex_m_rt::entry;
use nn::nalgebra::SVector;
use nn_firmware::models::{DIGITS, SINE, SINE_INPUTS, digits, standardize};

#[entry]
fn main() -> ! {
    for (index, &x) in black_box(&SINE_INPUTS).iter().enumerate() {
        let y = SINE.predict(&SVector::<f32, 1>::new(x));
        nn_firmware::prediction("sine", index, y.as_slice());
    }
    for (index, (pixels, _digit)) in black_box(&digits::IMAGES).iter().enumerate() {
        let probabilities = DIGITS.predict(&standardize(pixels));
        nn_firmware::prediction("digits", index, probabilities.as_slice());
    }
    nn_firmware::done()
}
