// A declaration that does not fit its Keras file's depthwise convolution: another stride,
// depth multiplier and activation in its first layer; each difference is one error.
use nn::prelude::*;

network! {
    #[keras("tests/fixtures/keras/depthwise_model.keras")]
    pub struct Depthwise =
        Input<9, 8, 3>,
        DepthwiseConv2D<(3, 3), Tanh, strides = (1, 1), padding = Same, depth_multiplier = 1>,
        DepthwiseConv2D<(2, 3), Tanh, strides = (2, 1), dilation_rate = (2, 1), use_bias = false>,
        DepthwiseConv2D<(2, 2), padding = Same>,
        GlobalAvgPool2D,
        Dense<_, 3, Softmax>;
}

fn main() {}
