use nn::prelude::*;

network! {
    // An LSTM has no int8 form (yet): the layer is named in the error.
    #[int8]
    struct Tagger = Input<20, 8>, LSTM<16>, Dense<16, 4, Softmax>;
}

network! {
    // Nor has mish: the activation is named.
    #[int8]
    struct Smooth = Input<8>, Dense<_, 4, Mish>;
}

fn main() {}
