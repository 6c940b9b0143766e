use nn::prelude::*;

network! {
    /// A block first, a block of one branch, and a layer where a branch goes.
    pub struct First = Add<[Dense<4, 4>], []>, Dense<4, 2>;
    pub struct OneBranch = Input<4>, Add<[Dense<_, 4>]>, Dense<4, 2>;
    pub struct NotABranch = Input<4>, Maximum<Dense<_, 4>, []>, Dense<4, 2>;
}

fn main() {}
