use nn::prelude::*;

network! {
    #[budget(rom = 1000)]
    pub struct Unknown = Dense<4, 2>;

    #[budget(flash = 1000, flash = 2000)]
    pub struct Twice = Dense<4, 2>;

    #[budget]
    pub struct Empty = Dense<4, 2>;

    #[budget(flash = 1000)]
    #[budget(ram = 1000)]
    pub struct TwoAttributes = Dense<4, 2>;

    #[budget(flash = "a lot")]
    pub struct NotANumber = Dense<4, 2>;

    #[budget(int8, flash = 1000)]
    pub struct NoInt8Form = Dense<4, 2>;
}

fn main() {}
