use nn::prelude::*;

network! {
    // Int8 networks with blocks are not built yet: the block is named.
    #[int8]
    struct Residual = Input<8>, Add<[], [Dense<_, 8, Relu>]>, Dense<8, 2>;
}

network! {
    // `#[int8]` takes no arguments.
    #[int8(fast)]
    struct Small = Input<8>, Dense<_, 2>;
}

fn main() {}
