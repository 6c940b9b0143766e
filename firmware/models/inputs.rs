// The inputs the firmware's programs evaluate, included by them and by the host test
// (`tests/firmware.rs`), so that both run the same.

/// Seven points of [0, 2π], for the sine model.
pub const SINE_INPUTS: [f32; 7] = [0.0, 0.5, 1.0, 1.570_796_4, 3.0, 4.5, 6.0];

/// A sample of `N` values in [-1, 1], the same for the same `seed` on every machine: a hash of
/// the seed and the position, computed in integers, then scaled exactly.
pub fn sample<const N: usize>(seed: u32) -> [f32; N] {
    let mut values = [0.0; N];
    for (i, value) in values.iter_mut().enumerate() {
        let mut h = (i as u32).wrapping_mul(0x9e37_79b9) ^ seed.wrapping_mul(0x85eb_ca6b);
        h ^= h >> 15;
        h = h.wrapping_mul(0x2c1b_3c6d);
        h ^= h >> 12;
        // 16 bits of the hash, as a multiple of 2⁻¹⁵ in [-1, 1).
        *value = ((h >> 8) & 0xffff) as f32 / 32768.0 - 1.0;
    }
    values
}

/// An int8 sample of `N` values over the whole int8 range, the same for the same `seed` on every
/// machine ([`sample`] times 128, rounded toward zero).
pub fn int8_sample<const N: usize>(seed: u32) -> [i8; N] {
    sample::<N>(seed).map(|v| (v * 128.0) as i8)
}
