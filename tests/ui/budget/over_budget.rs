use nn::prelude::*;

/// Flash for the weights, a named constant.
const FLASH: usize = 8 * 1024;

network! {
    /// 2,762 parameters (11,048 bytes in `f32`): over a flash budget of 8 KiB, and `predict`'s
    /// stack over 300 bytes.
    #[budget(flash = FLASH, ram = 300)]
    pub struct Classifier = Dense<32, 64, Relu>, Dropout<0.5>, Dense<64, 10, Softmax>;

    /// Within both.
    #[budget(flash = 12_000, ram = 4096)]
    pub struct Fits = Dense<32, 64, Relu>, Dense<64, 10, Softmax>;

    /// Its int8 form: 2,688 weights of a byte, 74 biases of 4 and 74 multipliers of 8 (3,576
    /// bytes), over 3,000; within the stack.
    #[int8]
    #[budget(int8, flash = 3_000, ram = 4096)]
    pub struct Small = Dense<32, 64, Relu>, Dense<64, 10, Softmax>;
}

fn main() {}
