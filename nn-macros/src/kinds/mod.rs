//! The layer kinds `network!` knows: one file each, and one table, [`KINDS`], which says for
//! each its name in the DSL, its Keras class, the options it accepts with their defaults, and
//! the rule that checks one layer of it and computes its output shape. Adding a kind is
//! writing its file and adding its line here (see "Adding a layer" in `CONTRIBUTING.md`).

mod activation;
mod batch_norm;
mod conv1d;
mod conv2d;
mod dense;
mod depthwise_conv2d;
mod dropout;
mod embedding;
mod flatten;
mod global_avg_pool;
mod global_max_pool;
mod global_pool_1d;
mod input;
mod layer_norm;
mod pool;
mod prelu;
mod recurrent;

use nn_keras::class;

use crate::shared::args::Opt;
use crate::shared::context::{Checked, Ctx, Kind};

/// Every kind, in the order error messages list them.
#[rustfmt::skip]
pub(crate) const KINDS: &[Kind] = &[
    //   DSL name              Keras class                       options                          rule
    kind("Input",              class::INPUT_LAYER,               input::OPTIONS,                  input::rule).not_a_field(),
    kind("Dense",              class::DENSE,                     dense::OPTIONS,                  dense::rule),
    kind("Dropout",            class::DROPOUT,                   dropout::OPTIONS,                dropout::rule),
    kind("Conv2D",             class::CONV_2D,                   conv2d::OPTIONS,                 conv2d::rule),
    kind("DepthwiseConv2D",    class::DEPTHWISE_CONV_2D,         depthwise_conv2d::OPTIONS,       depthwise_conv2d::rule),
    kind("SeparableConv2D",    class::SEPARABLE_CONV_2D,         depthwise_conv2d::SEPARABLE_OPTIONS, depthwise_conv2d::separable),
    kind("MaxPool2D",          class::MAX_POOLING_2D,            pool::OPTIONS,                   pool::max),
    kind("AvgPool2D",          class::AVERAGE_POOLING_2D,        pool::OPTIONS,                   pool::average),
    kind("GlobalAvgPool2D",    class::GLOBAL_AVERAGE_POOLING_2D, global_avg_pool::OPTIONS,        global_avg_pool::rule),
    kind("GlobalMaxPool2D",    class::GLOBAL_MAX_POOLING_2D,     global_max_pool::OPTIONS,        global_max_pool::rule),
    kind("Embedding",          class::EMBEDDING,                 embedding::OPTIONS,              embedding::rule),
    kind("Conv1D",             class::CONV_1D,                   conv1d::OPTIONS,                 conv1d::rule),
    kind("DepthwiseConv1D",    class::DEPTHWISE_CONV_1D,         depthwise_conv2d::OPTIONS_1D,    depthwise_conv2d::rule_1d),
    kind("SeparableConv1D",    class::SEPARABLE_CONV_1D,         depthwise_conv2d::SEPARABLE_OPTIONS_1D, depthwise_conv2d::separable_1d),
    kind("MaxPool1D",          class::MAX_POOLING_1D,            pool::OPTIONS,                   pool::max_1d),
    kind("AvgPool1D",          class::AVERAGE_POOLING_1D,        pool::OPTIONS,                   pool::average_1d),
    kind("GlobalAvgPool1D",    class::GLOBAL_AVERAGE_POOLING_1D, global_pool_1d::OPTIONS,         global_pool_1d::average),
    kind("GlobalMaxPool1D",    class::GLOBAL_MAX_POOLING_1D,     global_pool_1d::OPTIONS,         global_pool_1d::max),
    kind("Flatten",            class::FLATTEN,                   flatten::OPTIONS,                flatten::rule),
    kind("BatchNormalization", class::BATCH_NORMALIZATION,       batch_norm::OPTIONS,             batch_norm::rule),
    kind("LayerNormalization", class::LAYER_NORMALIZATION,       layer_norm::OPTIONS,             layer_norm::rule),
    kind("LSTM",               class::LSTM,                      recurrent::OPTIONS,              recurrent::lstm),
    kind("GRU",                class::GRU,                       recurrent::OPTIONS,              recurrent::gru),
    kind("SimpleRNN",          class::SIMPLE_RNN,                recurrent::OPTIONS,              recurrent::simple_rnn),
    kind("Bidirectional",      class::BIDIRECTIONAL,             recurrent::BIDIRECTIONAL_OPTIONS, recurrent::bidirectional),
    kind("Activation",         class::ACTIVATION,                activation::ACTIVATION_OPTIONS,  activation::activation),
    kind("LeakyReLU",          class::LEAKY_RELU,                activation::LEAKY_RELU_OPTIONS,  activation::leaky_relu),
    kind("ELU",                class::ELU,                       activation::ELU_OPTIONS,         activation::elu),
    kind("PReLU",              class::PRELU,                     prelu::OPTIONS,                  prelu::rule),
];

/// A kind whose layers become fields.
const fn kind(
    name: &'static str,
    class: &'static str,
    options: &'static [Opt],
    rule: fn(&mut Ctx<'_>) -> Option<Checked>,
) -> Kind {
    Kind {
        name,
        class,
        options,
        field: true,
        rule,
    }
}

impl Kind {
    /// The same kind, declaring something other than a field (`Input`).
    const fn not_a_field(self) -> Self {
        Self {
            field: false,
            ..self
        }
    }
}

/// The kind named `name` in the DSL.
pub(crate) fn find(name: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|kind| kind.name == name)
}
