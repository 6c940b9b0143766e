//! MLPerf Tiny's reference models on the microcontroller: the anomaly-detection autoencoder
//! (1.08 MB of weights in flash, from its own Keras file), ResNet-8 (315 kB, residual blocks)
//! and the keyword-spotting DS-CNN (depthwise-separable, from its Keras file), on three samples
//! each, printed as bit patterns for the host to compare.

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use nn::nalgebra::SVector;
use nn_firmware::models::{Ad01, Kws, Resnet8, sample};

static AD01: Ad01 = Ad01::EMBEDDED;
static RESNET8: Resnet8 = Resnet8::EMBEDDED;
static KWS: Kws = Kws::EMBEDDED;

/// A frame of log-mel energies in dB, as the benchmark feeds the model: a sample in [-1, 1]
/// spread over [-80, 10].
fn log_mel(seed: u32) -> SVector<f32, 640> {
    SVector::from(sample::<640>(seed).map(|v| 45.0 * v - 35.0))
}

#[entry]
fn main() -> ! {
    for seed in 0..3 {
        let y = AD01.predict(&log_mel(seed));
        nn_firmware::prediction("ad01", seed as usize, y.as_slice());
        // Pixels in [0, 255], as the benchmark feeds them.
        let image = SVector::from(sample::<3072>(seed).map(|v| 127.5 * v + 127.5));
        let y = RESNET8.predict(&image);
        nn_firmware::prediction("resnet8", seed as usize, y.as_slice());
        // 49 frames of 10 MFCCs, in [-100, 20].
        let mfcc = SVector::from(sample::<490>(seed).map(|v| 60.0 * v - 40.0));
        let y = KWS.predict(&mfcc);
        nn_firmware::prediction("kws", seed as usize, y.as_slice());
    }
    nn_firmware::done()
}
