// ONNX files of recurrent layers that do not fit the declaration, checked during the build:
// each difference at its layer (other units and a sum of the two directions; a table of
// other sizes before a GRU; a GRU where the file has an LSTM).
use nn::prelude::*;

network! {
    #[onnx("tests/fixtures/onnx/bigru.onnx", embed)]
    struct BiGru = Input<5, 3>, Bidirectional<GRU<5>, merge_mode = Sum>, Dense<_, 2>;

    #[onnx("tests/fixtures/onnx/embedding_gru.onnx")]
    struct Tokens = Input<8>, Embedding<10, 4>, GRU<6>, Dense<_, 3, Softmax>;

    #[onnx("tests/fixtures/onnx/lstm.onnx")]
    struct Lstm = Input<7, 4>, GRU<8>, Dense<_, 3>;
}

fn main() {}
