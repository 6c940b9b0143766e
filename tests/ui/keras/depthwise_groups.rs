// A tf.keras 2 `DepthwiseConv2D` configuration with `groups: 2` (the file is
// `depthwise_model.keras` with that key added; `groups: 1`, what tf.keras writes, is read).
use nn::prelude::*;

network! {
    #[keras("tests/fixtures/keras/depthwise_groups.keras")]
    pub struct Depthwise =
        Input<9, 8, 3>,
        DepthwiseConv2D<(3, 3), Relu, strides = (2, 2), padding = Same, depth_multiplier = 2>,
        DepthwiseConv2D<(2, 3), Tanh, strides = (2, 1), dilation_rate = (2, 1), use_bias = false>,
        DepthwiseConv2D<(2, 2), padding = Same>,
        GlobalAvgPool2D,
        Dense<_, 3, Softmax>;
}

fn main() {}
