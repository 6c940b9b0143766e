//! Keras's class name of each layer kind, as its `summary()` and its saved files name it.
//!
//! ```
//! assert_eq!(nn_keras::class::GLOBAL_AVERAGE_POOLING_2D, "GlobalAveragePooling2D");
//! ```

/// `keras.layers.InputLayer`, which `keras.Input(shape)` creates.
pub const INPUT_LAYER: &str = "InputLayer";
/// `keras.layers.Dense`.
pub const DENSE: &str = "Dense";
/// `keras.layers.Dropout`.
pub const DROPOUT: &str = "Dropout";
/// `keras.layers.Conv2D`.
pub const CONV_2D: &str = "Conv2D";
/// `keras.layers.Conv1D`.
pub const CONV_1D: &str = "Conv1D";
/// `keras.layers.DepthwiseConv2D`.
pub const DEPTHWISE_CONV_2D: &str = "DepthwiseConv2D";
/// `keras.layers.SeparableConv2D`: a depthwise convolution, then a pointwise one.
pub const SEPARABLE_CONV_2D: &str = "SeparableConv2D";
/// `keras.layers.DepthwiseConv1D`.
pub const DEPTHWISE_CONV_1D: &str = "DepthwiseConv1D";
/// `keras.layers.SeparableConv1D`: a depthwise convolution, then a pointwise one, over steps.
pub const SEPARABLE_CONV_1D: &str = "SeparableConv1D";
/// `keras.layers.MaxPooling1D` (alias `MaxPool1D`).
pub const MAX_POOLING_1D: &str = "MaxPooling1D";
/// `keras.layers.AveragePooling1D` (alias `AvgPool1D`).
pub const AVERAGE_POOLING_1D: &str = "AveragePooling1D";
/// `keras.layers.GlobalAveragePooling1D` (alias `GlobalAvgPool1D`).
pub const GLOBAL_AVERAGE_POOLING_1D: &str = "GlobalAveragePooling1D";
/// `keras.layers.GlobalMaxPooling1D` (alias `GlobalMaxPool1D`).
pub const GLOBAL_MAX_POOLING_1D: &str = "GlobalMaxPooling1D";
/// `keras.layers.Embedding`.
pub const EMBEDDING: &str = "Embedding";
/// `keras.layers.Bidirectional`: a recurrent layer run forwards and backwards.
pub const BIDIRECTIONAL: &str = "Bidirectional";
/// `keras.layers.MaxPooling2D` (alias `MaxPool2D`).
pub const MAX_POOLING_2D: &str = "MaxPooling2D";
/// `keras.layers.AveragePooling2D` (alias `AvgPool2D`).
pub const AVERAGE_POOLING_2D: &str = "AveragePooling2D";
/// `keras.layers.GlobalAveragePooling2D` (alias `GlobalAvgPool2D`).
pub const GLOBAL_AVERAGE_POOLING_2D: &str = "GlobalAveragePooling2D";
/// `keras.layers.Flatten`.
pub const FLATTEN: &str = "Flatten";
/// `keras.layers.SimpleRNN`.
pub const SIMPLE_RNN: &str = "SimpleRNN";
/// `keras.layers.GRU`.
pub const GRU: &str = "GRU";
/// `keras.layers.LSTM`.
pub const LSTM: &str = "LSTM";
/// `keras.layers.LayerNormalization`.
pub const LAYER_NORMALIZATION: &str = "LayerNormalization";
/// `keras.layers.BatchNormalization`.
pub const BATCH_NORMALIZATION: &str = "BatchNormalization";
/// `keras.layers.Activation`: any activation as a layer of its own.
pub const ACTIVATION: &str = "Activation";
/// `keras.layers.LeakyReLU`.
pub const LEAKY_RELU: &str = "LeakyReLU";
/// `keras.layers.ELU`.
pub const ELU: &str = "ELU";
/// `keras.layers.GlobalMaxPooling2D`.
pub const GLOBAL_MAX_POOLING_2D: &str = "GlobalMaxPooling2D";
/// `keras.layers.PReLU`.
pub const PRELU: &str = "PReLU";
/// Keras's merge layers, which join the outputs of several layers (`keras.layers.Add`, ...):
/// what `network!` declares as blocks.
pub const MERGES: [&str; 7] = [
    "Add",
    "Subtract",
    "Multiply",
    "Average",
    "Maximum",
    "Minimum",
    "Concatenate",
];
