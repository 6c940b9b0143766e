// A declaration that does not fit its Keras file's convolutions along steps: another stride and
// depth multiplier in its first layer, other filters and dilation in its first separable one;
// each difference is one error.
use nn::prelude::*;

network! {
    #[keras("tests/fixtures/keras/depthwise_1d_model.keras")]
    pub struct Depthwise1D =
        Input<20, 3>,
        DepthwiseConv1D<3, Relu, strides = 1, padding = Same, depth_multiplier = 1>,
        DepthwiseConv1D<4, padding = Same>,
        DepthwiseConv1D<2, Tanh, strides = 2, dilation_rate = 2, use_bias = false>,
        SeparableConv1D<6, 3, Relu, padding = Same, depth_multiplier = 2, dilation_rate = 2>,
        SeparableConv1D<3, 2, strides = 2, dilation_rate = 2, padding = Same, use_bias = false>,
        Flatten,
        Dense<_, 2>;
}

fn main() {}
