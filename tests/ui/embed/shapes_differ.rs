// Weights from `nn::io` checked against the declaration during the build: each tensor whose
// shape differs is an error at its layer naming the tensor and both shapes; a size given by a
// named constant is checked by the compiler with the same message.
use nn::prelude::*;

const HIDDEN: usize = 12;

network! {
    #[safetensors("firmware/models/sine.safetensors", embed)]
    pub struct Narrower = Dense<1, 16, Relu>, Dense<16, 8, Relu>, Dense<8, 1>;

    #[safetensors("firmware/models/sine.safetensors")]
    pub struct Named = Dense<1, HIDDEN, Relu>, Dense<HIDDEN, 16, Relu>, Dense<16, 1>;
}

fn main() {}
