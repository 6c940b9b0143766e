//! The Fashion-MNIST residual network of depthwise-separable blocks that
//! `examples/fashion_mnist_resnet.rs` trains.

use nn::prelude::*;

network! {
    /// 28×28 greyscale images → 10 classes: a convolution, then three residual blocks of two
    /// depthwise-separable convolutions each (an identity shortcut, then two whose shortcut is
    /// a 1×1 convolution to the wider channels), max pooling between them, dropout and a
    /// softmax over the 7×7×128 features.
    pub struct FashionResnet =
        Input<28, 28, 1>,
        Conv2D<32, (3, 3), padding = Same>, BatchNormalization, Activation<Relu>,
        Add<[
            SeparableConv2D<32, (3, 3), padding = Same>, BatchNormalization, Activation<Relu>,
            SeparableConv2D<32, (3, 3), padding = Same>, BatchNormalization,
        ], []>,
        Activation<Relu>, MaxPool2D<(2, 2)>,
        Add<[
            SeparableConv2D<64, (3, 3), padding = Same>, BatchNormalization, Activation<Relu>,
            SeparableConv2D<64, (3, 3), padding = Same>, BatchNormalization,
        ], [Conv2D<64, (1, 1)>, BatchNormalization]>,
        Activation<Relu>, MaxPool2D<(2, 2)>,
        Add<[
            SeparableConv2D<128, (3, 3), padding = Same>, BatchNormalization, Activation<Relu>,
            SeparableConv2D<128, (3, 3), padding = Same>, BatchNormalization,
        ], [Conv2D<128, (1, 1)>, BatchNormalization]>,
        Activation<Relu>,
        Flatten, Dropout<0.4>, Dense<_, 10, Softmax>;
}
