// ONNX files that do not fit the declaration: each difference at its layer (other units and
// another activation; another kernel, no padding, a pool of other strides and no ReLU), a
// network of blocks built in that stops before the file's end, a block that differs (its
// problems at the block), and a file that is not there.
use nn::prelude::*;

network! {
    #[onnx("tests/fixtures/onnx/mlp.onnx", embed)]
    struct Mlp = Input<6>, Dense<_, 12, Relu>, Dense<_, 4, Sigmoid>;

    #[onnx("tests/fixtures/onnx/cnn.onnx")]
    struct Cnn =
        Input<6, 8, 3>, Conv2D<4, (5, 5)>, BatchNormalization<epsilon = 1e-5>,
        MaxPool2D<(2, 2), strides = (1, 1)>, Flatten, Dense<_, 5>;

    #[onnx("tests/fixtures/onnx/blocks.onnx", embed)]
    struct Blocks =
        Input<9, 9, 3>, Conv2D<4, (3, 3), Relu, padding = Same>,
        Add<[Conv2D<4, (3, 3), padding = Same>], []>, GlobalAvgPool2D, Dense<_, 3>;

    #[onnx("tests/fixtures/onnx/blocks.onnx")]
    struct BlocksDiffer =
        Input<9, 9, 3>, Conv2D<4, (3, 3), Relu, padding = Same>,
        Add<[Conv2D<4, (3, 3), padding = Same>, BatchNormalization<epsilon = 1e-5>,
             Activation<Relu>, Conv2D<4, (5, 5), padding = Same>,
             BatchNormalization<epsilon = 1e-5>], []>,
        Activation<Relu>,
        Add<[Conv2D<8, (3, 3), strides = (2, 2), padding = Same>,
             BatchNormalization<epsilon = 1e-5>],
            [Conv2D<8, (1, 1), strides = (2, 2)>]>,
        Activation<Relu>,
        Concatenate<[Conv2D<3, (3, 3), Relu, padding = Same>], [Conv2D<2, (1, 1), Relu>]>,
        GlobalAvgPool2D, Dense<_, 3>;

    #[onnx("tests/fixtures/onnx/missing.onnx")]
    struct Missing = Input<6>, Dense<_, 3>;
}

fn main() {}
