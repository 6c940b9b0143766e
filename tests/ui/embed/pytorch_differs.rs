// PyTorch state dicts that do not fit the declaration: each difference at its layer (other
// channel counts, another kernel, a layer more than the `nn.Sequential` has modules with
// weights; a module under another name, an LSTM where the file has a GRU).
use nn::prelude::*;

network! {
    #[pytorch("tests/fixtures/pytorch/cnn.safetensors", embed)]
    struct Cnn =
        Input<10, 10, 2>, Conv2D<5, (3, 3), padding = Same>, BatchNormalization<epsilon = 1e-5>,
        Activation<Relu>, MaxPool2D<(2, 2)>, Conv2D<6, (5, 5), Relu>, Flatten, Dense<_, 5>,
        Dense<5, 2>;

    #[pytorch("tests/fixtures/pytorch/gru.safetensors")]
    struct Gru = Input<5, 4>, gru: LSTM<6>, classifier: Dense<6, 2>;

    #[pytorch("tests/fixtures/pytorch/missing.safetensors")]
    struct Missing = Dense<6, 3>;
}

fn main() {}
