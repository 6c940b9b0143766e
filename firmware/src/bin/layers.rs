//! Every kind of layer on the microcontroller: the networks of `models.rs` with every layer kind,
//! blocks and every activation (weights from `nn::io` and from Keras files), each on three samples,
//! printed as bit patterns for the host to compare.

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use nn::nalgebra::SVector;
use nn_firmware::models::{Activations, Blocks, Cnn, Gap, Mixed, Zoo, sample};

static MIXED: Mixed = Mixed::EMBEDDED;
static BLOCKS: Blocks = Blocks::EMBEDDED;
static CNN: Cnn = Cnn::EMBEDDED;
static ZOO: Zoo = Zoo::EMBEDDED;
static GAP: Gap = Gap::EMBEDDED;
static ACTIVATIONS: Activations = Activations::EMBEDDED;

#[entry]
fn main() -> ! {
    for seed in 0..3 {
        let y = MIXED.predict(&SVector::from(sample::<72>(seed)));
        nn_firmware::prediction("mixed", seed as usize, y.as_slice());
        let y = BLOCKS.predict(&SVector::from(sample::<72>(seed)));
        nn_firmware::prediction("blocks", seed as usize, y.as_slice());
        let y = CNN.predict(&SVector::from(sample::<200>(seed)));
        nn_firmware::prediction("cnn", seed as usize, y.as_slice());
        let y = ZOO.predict(&SVector::from(sample::<108>(seed)));
        nn_firmware::prediction("zoo", seed as usize, y.as_slice());
        let y = GAP.predict(&SVector::from(sample::<50>(seed)));
        nn_firmware::prediction("gap", seed as usize, y.as_slice());
        let y = ACTIVATIONS.predict(&SVector::from(sample::<5>(seed)));
        nn_firmware::prediction("activations", seed as usize, y.as_slice());
    }
    nn_firmware::done()
}
