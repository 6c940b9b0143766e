use nn::prelude::*;

network! {}

fn main() {}
