// Damaged or unfit weights files refused at build time, each with its reason: byte ranges that
// overflow or run backwards, float64 tensors (embed builds in float32), a NaN weight.
use nn::prelude::*;

network! {
    #[safetensors("tests/fixtures/embedded/bad/overflow.safetensors", embed)]
    pub struct Overflow = Dense<2, 1>;

    #[safetensors("tests/fixtures/embedded/bad/backwards.safetensors", embed)]
    pub struct Backwards = Dense<2, 1>;

    #[safetensors("tests/fixtures/embedded/bad/float64.safetensors", embed)]
    pub struct Float64 = Dense<2, 1>;

    #[safetensors("tests/fixtures/embedded/bad/nan.safetensors", embed)]
    pub struct NotANumber = Dense<2, 1>;

    // Checked without being built in: the float64 file's shapes are right.
    #[safetensors("tests/fixtures/embedded/bad/float64.safetensors")]
    pub struct CheckedOnly = Dense<2, 1>;
}

fn main() {
    let _ = CheckedOnly::seeded(0);
}
