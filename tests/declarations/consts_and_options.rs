#![deny(missing_docs)]
//! Named consts, options and several networks, under `deny(missing_docs)`.

use nn::prelude::*;

/// Inputs.
pub const INPUT: usize = 16;
/// Hidden units.
pub const HIDDEN: usize = 8;
/// Dropout rate.
pub const RATE: f64 = 0.25;

network! {
    /// An encoder.
    pub struct Encoder = Dense<INPUT, HIDDEN, Selu, kernel_initializer = LecunNormal>, Dropout<RATE>;
    /// A decoder.
    pub struct Decoder = Dense<HIDDEN, INPUT, Sigmoid, use_bias = false, trainable = false>;
}

#[test]
fn runs() {
    let encoder = Encoder::<f64>::seeded(1);
    let decoder = Decoder::<f64>::seeded(2);
    let code = encoder.predict(&SVector::<f64, INPUT>::repeat(0.5));
    let back = decoder.predict(&code);
    assert_eq!(back.len(), INPUT);
    assert_eq!(Encoder::OUTPUT, Decoder::INPUT);
}
