// The inputs the firmware's sine program evaluates (and the host test, to compare).

/// Seven points of [0, 2π].
pub const SINE_INPUTS: [f32; 7] = [0.0, 0.5, 1.0, 1.570_796_4, 3.0, 4.5, 6.0];
