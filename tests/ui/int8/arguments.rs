use nn::prelude::*;

network! {
    // `#[int8]` takes no arguments.
    #[int8(fast)]
    struct Small = Input<8>, Dense<_, 2>;
}

fn main() {}
