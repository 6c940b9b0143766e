//! The Fashion-MNIST CNN, shared by `examples/fashion_mnist_cnn.rs` and `benches/cnn.rs` so the
//! benchmark measures exactly the example's network.

use nn::prelude::*;

network! {
    /// 28×28 greyscale images → 10 classes.
    #[int8]
    pub struct FashionCnn =
        Input<28, 28, 1>,
        Conv2D<32, (3, 3), Relu>, BatchNormalization, MaxPool2D<(2, 2)>,
        Conv2D<64, (3, 3), Relu>, BatchNormalization, MaxPool2D<(2, 2)>,
        Flatten, Dropout<0.3>,
        Dense<_, 128, Relu>, Dropout<0.3>,
        Dense<128, 10, Softmax>;
}
