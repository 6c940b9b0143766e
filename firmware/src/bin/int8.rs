//! MLPerf Tiny's five int8 reference files on the microcontroller, each checked against its
//! declaration and built into the program during the build (`#[tflite(.., embed)]`, weights
//! in flash): three int8 samples each, the outputs printed for the host to compare bit for bit
//! with the same files read at run time (`tests/firmware.rs`).

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use nn::prelude::Int8;
use nn_firmware::models::{
    Ad01Int8, KwsInt8, Resnet8Int8, StreamingWakeWordInt8, Vww96Int8, int8_sample,
};

static AD01: Int8<Ad01Int8> = Int8::<Ad01Int8>::EMBEDDED;
static RESNET8: Int8<Resnet8Int8> = Int8::<Resnet8Int8>::EMBEDDED;
static VWW96: Int8<Vww96Int8> = Int8::<Vww96Int8>::EMBEDDED;
static KWS: Int8<KwsInt8> = Int8::<KwsInt8>::EMBEDDED;
static STR_WW: Int8<StreamingWakeWordInt8> = Int8::<StreamingWakeWordInt8>::EMBEDDED;

/// Prints an int8 output (each value exactly as an `f32`).
fn print(model: &str, seed: u32, y: &[i8]) {
    let mut values = [0.0f32; 640];
    for (v, &q) in values.iter_mut().zip(y) {
        *v = f32::from(q);
    }
    nn_firmware::prediction(model, seed as usize, &values[..y.len()]);
}

#[entry]
fn main() -> ! {
    for seed in 0..3 {
        print("ad01", seed, &AD01.predict(&int8_sample(seed)));
        print("resnet8", seed, &RESNET8.predict(&int8_sample(seed)));
        print("vww96", seed, &VWW96.predict(&int8_sample(seed)));
        print("kws", seed, &KWS.predict(&int8_sample(seed)));
        print("str_ww", seed, &STR_WW.predict(&int8_sample(seed)));
    }
    nn_firmware::done()
}
