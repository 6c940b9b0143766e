//! The stack each network's `predict` takes on the microcontroller, measured by painting the
//! free stack ([`nn_firmware::stack_used`]): one `stack <model> <bytes>` line each, which
//! `tests/firmware.rs` compares with the network's own constant.

#![no_std]
#![no_main]

use core::hint::black_box;

use cortex_m_rt::entry;
use nn::nalgebra::SVector;
use nn::prelude::Int8;
use nn_firmware::models::{
    Activations, Ad01, Ad01Int8, Blocks, Cnn, DIGITS, Digits, Gap, Gated, Kws, KwsInt8, Mixed,
    Recurrent, Resnet8, Resnet8Int8, SINE, Sine, StreamingWakeWordInt8, Vww96Int8, Zoo,
    int8_sample, sample,
};

static MIXED: Mixed = Mixed::EMBEDDED;
static BLOCKS: Blocks = Blocks::EMBEDDED;
static CNN: Cnn = Cnn::EMBEDDED;
static ZOO: Zoo = Zoo::EMBEDDED;
static GAP: Gap = Gap::EMBEDDED;
static ACTIVATIONS: Activations = Activations::EMBEDDED;
static AD01: Ad01 = Ad01::EMBEDDED;
static RESNET8: Resnet8 = Resnet8::EMBEDDED;
static KWS: Kws = Kws::EMBEDDED;
static AD01_INT8: Int8<Ad01Int8> = Int8::<Ad01Int8>::EMBEDDED;
static RESNET8_INT8: Int8<Resnet8Int8> = Int8::<Resnet8Int8>::EMBEDDED;
static VWW96_INT8: Int8<Vww96Int8> = Int8::<Vww96Int8>::EMBEDDED;
static KWS_INT8: Int8<KwsInt8> = Int8::<KwsInt8>::EMBEDDED;
static STR_WW_INT8: Int8<StreamingWakeWordInt8> = Int8::<StreamingWakeWordInt8>::EMBEDDED;
static RECURRENT: Recurrent = Recurrent::EMBEDDED;
static GATED: Gated = Gated::EMBEDDED;

/// Measures `predict` of `net` (of type `ty`) on `x` (given from outside, as a sensor's would
/// be), and prints it with the type's `PREDICT_STACK`.
macro_rules! measure {
    ($name:literal, $net:expr, $ty:ty, $x:expr) => {{
        let x = $x;
        let bytes = nn_firmware::stack_used(&mut || {
            black_box($net.predict(black_box(&x)));
        });
        nn_firmware::stack($name, bytes, <$ty>::PREDICT_STACK);
    }};
}

/// Measures `step` of `net` (of type `ty`) on `x`, from the state after one step, and prints it
/// with the type's `STEP_STACK`.
macro_rules! measure_step {
    ($name:literal, $net:expr, $ty:ty, $x:expr) => {{
        let x = $x;
        let mut state = $net.state();
        black_box($net.step(&mut state, black_box(&x)));
        let bytes = nn_firmware::stack_used(&mut || {
            black_box(&$net.step(black_box(&mut state), black_box(&x)));
        });
        nn_firmware::stack($name, bytes, <$ty>::STEP_STACK);
    }};
}

#[entry]
fn main() -> ! {
    measure!("sine", SINE, Sine, SVector::<f32, 1>::new(0.5));
    measure!("digits", DIGITS, Digits, SVector::from(sample::<64>(0)));
    measure!("mixed", MIXED, Mixed, SVector::from(sample::<72>(0)));
    measure!("blocks", BLOCKS, Blocks, SVector::from(sample::<72>(0)));
    measure!("cnn", CNN, Cnn, SVector::from(sample::<200>(0)));
    measure!("zoo", ZOO, Zoo, SVector::from(sample::<108>(0)));
    measure!("gap", GAP, Gap, SVector::from(sample::<50>(0)));
    measure!(
        "activations",
        ACTIVATIONS,
        Activations,
        SVector::from(sample::<5>(0))
    );
    measure!("ad01", AD01, Ad01, SVector::from(sample::<640>(0)));
    measure!(
        "resnet8",
        RESNET8,
        Resnet8,
        SVector::from(sample::<3072>(0))
    );
    measure!("kws", KWS, Kws, SVector::from(sample::<490>(0)));
    measure!("ad01_int8", AD01_INT8, Int8<Ad01Int8>, int8_sample(0));
    measure!(
        "resnet8_int8",
        RESNET8_INT8,
        Int8<Resnet8Int8>,
        int8_sample(0)
    );
    measure!("vww96_int8", VWW96_INT8, Int8<Vww96Int8>, int8_sample(0));
    measure!("kws_int8", KWS_INT8, Int8<KwsInt8>, int8_sample(0));
    measure!(
        "str_ww_int8",
        STR_WW_INT8,
        Int8<StreamingWakeWordInt8>,
        int8_sample(0)
    );
    measure_step!(
        "recurrent_step",
        RECURRENT,
        Recurrent,
        SVector::from(sample::<3>(0))
    );
    measure_step!("gated_step", GATED, Gated, SVector::from(sample::<3>(0)));
    nn_firmware::done()
}
