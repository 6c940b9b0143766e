use nn::prelude::*;

network! {
    /// The file adds a dense layer of the input to the input itself; this block has its
    /// branches the other way round.
    #[keras("tests/fixtures/keras/residual.keras")]
    pub struct Swapped = Input<3>, Add<[Dense<3, 3>], []>;
}

fn main() {}
