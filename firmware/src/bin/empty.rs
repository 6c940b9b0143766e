//! The size baseline: the runtime, output, panic and fault handlers and exit that every program
//! has, and nothing else. A network's cost in flash and RAM is measured against this program.

#![no_std]
#![no_main]

use cortex_m_rt::entry;

#[entry]
fn main() -> ! {
    nn_firmware::done()
}
