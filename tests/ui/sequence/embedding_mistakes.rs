use nn::prelude::*;

network! {
    struct NoInput = Embedding<100, 8>, Flatten, Dense<_, 2>;
    struct AfterDense = Input<4>, Dense<4, 4>, Embedding<100, 8>, Flatten, Dense<_, 2>;
    struct SequenceIn = Input<4, 2>, Embedding<100, 8>, Flatten, Dense<_, 2>;
    struct OneArgument = Input<4>, Embedding<100>, Flatten, Dense<_, 2>;
    struct DenseAfter = Input<4>, Embedding<100, 8>, Dense<32, 2>;
}

fn main() {}
