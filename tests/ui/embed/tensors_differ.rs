// A file with a tensor the declaration has no parameter for, and one without a tensor the
// declaration needs.
use nn::prelude::*;

network! {
    #[safetensors("firmware/models/sine.safetensors", embed)]
    pub struct Shorter = Dense<1, 16, Relu>, Dense<16, 16, Relu>;

    #[safetensors("firmware/models/sine.safetensors", embed)]
    pub struct Renamed = Dense<1, 16, Relu>, Dense<16, 16, Relu>, output: Dense<16, 1>;
}

fn main() {}
