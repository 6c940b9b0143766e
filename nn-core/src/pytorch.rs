//! PyTorch state dicts: the weights `safetensors.torch.save_file(model.state_dict(), path)`
//! writes, read into a declared network (`Net::load_pytorch(path)`, `Net::from_pytorch(bytes)`,
//! and during the build `#[pytorch("model.safetensors")]`, which uses this module too).
//!
//! **Which module is which layer.** A state dict names each tensor `<module>.<parameter>`
//! (`0.weight`, `lstm.bias_ih_l0`, `layer1.conv1.weight`). The declaration's layers that have
//! parameters are matched to the file's modules in one of two ways:
//! - **by name**, when a module of the file has the name of one of those layers' fields
//!   (`dense.weight` is the layer `dense`, so name the declared layers after the PyTorch
//!   module's attributes: `lstm: LSTM<8>, head: Dense<8, 3>`). A `_` in a field stands for a
//!   `.` too: `features_0` is the module `features.0`;
//! - **by position** otherwise, when every module is named by numbers, as an `nn.Sequential`'s
//!   are (`0`, `3`, `5`, or `1.0` in a nested one): the declaration's layers with parameters,
//!   in order, are the modules in the order of their numbers. A state dict has no tensors for
//!   modules without parameters (activations, dropouts, pools, flattens), so their numbers are
//!   skipped: in `Sequential(Linear, ReLU, Dropout, Linear)` the two Dense layers are `0` and
//!   `3`, and the declaration's `Dropout` and activations are not matched to anything.
//!
//! **Blocks** (`Add<..>`, `Concatenate<..>`) are modules that hold modules, as ResNet's are: a
//! block is the module of its field's name (`layer1: Add<..>` is `layer1`), or in an
//! `nn.Sequential` the modules of its next number (`2.0`, `2.1` or `2.conv1`, ..). Within it,
//! its layers (the first branch's, then the second's) are matched to the modules it holds in
//! the same two ways, scope by scope (a block in a block is a module in a module): by their
//! names there (`conv1` for `layer1.conv1`), by their whole names with `_` for `.`
//! (`layer2_conv1`, `downsample_0` for `layer2.downsample.0`: field names are unique in a
//! declaration, while modules repeat their names from one block to the next), or by their
//! numbers.
//!
//! **Stacked recurrent layers** (`num_layers > 1`) are declared one after the other: the first
//! is the module's (by name or position) and reads its `_l0` tensors, the recurrent layers
//! right after it (with no other layer with parameters between) its `_l1`, `_l2`, ..
//! **Bidirectional** modules are `Bidirectional<LSTM<..>>` (or `GRU`, `SimpleRNN`): the
//! `_reverse` tensors are the backward layer's. Keras's `Bidirectional` without
//! `return_sequences` gives the forward direction's state after the last step and the
//! backward one's after the first (PyTorch's `h_n[-2]` and `h_n[-1]`), not `out[:, -1]`.
//! **A separable convolution** (`SeparableConv2D`, `SeparableConv1D`) is two modules with
//! nothing between them, a depthwise convolution (`groups` = channels) and a pointwise one
//! (kernel 1): the two modules within the module of its name, in the order of their names
//! (`sep.depthwise`, `sep.pointwise`; or `sep.0`, `sep.1`), or its next two in an
//! `nn.Sequential`.
//!
//! **Layouts.** PyTorch's tensors are converted to ours (Keras's): a `Linear` weight `(out, in)`
//! is transposed; a convolution's `(O, I, KH, KW)` or `(O, I, K)` becomes `(KH, KW, I, O)` or
//! `(K, I, O)`; a depthwise convolution (`groups` = channels) `(C·M, 1, KH, KW)` becomes
//! `DepthwiseConv2D`'s `(KH, KW, C, M)`; a separable convolution's depthwise bias, which ours
//! has not, goes through the pointwise kernel into the bias; batch normalization's `weight`,
//! `bias`, `running_mean`, `running_var` are `gamma`, `beta`, `moving_mean`,
//! `moving_variance` (`num_batches_tracked` is not used); PReLU's `weight`, one slope per
//! channel `(C,)` or one for all `(1,)`, is spread over our `alpha`, one per value (the
//! channel is our last axis); an LSTM's `weight_ih_l0 (4H, I)` and `weight_hh_l0 (4H, H)` are
//! transposed (PyTorch's gates i, f, g, o are Keras's i, f, c, o) and its two biases summed;
//! a GRU's gates r, z, n become Keras's z, r, h, and its two biases the rows of the `(2, 3U)`
//! bias (PyTorch's GRU is Keras's `reset_after = true`). A `Dense` after a `Flatten` of a
//! tensor PyTorch holds channels first (a convolution's or a pool's output, or an image input)
//! gets its rows reordered, so that our channels-last `Flatten` computes what PyTorch's does:
//! the network's input is then PyTorch's input with its channels moved last
//! (`x.permute(0, 2, 3, 1)` for images, `x.permute(0, 2, 1)` for 1-D convolutions; a
//! `batch_first` sequence, a recurrent layer's output and a 2-D input without channels are the
//! same in both, and flattened as they are).
//!
//! **What is checked.** Each tensor's name and shape (a shape carries the units, channels,
//! kernel sizes and gates), every difference at once, at its layer: a layer without a module,
//! a module without a layer, a missing tensor or one of another shape, tensors the layer does
//! not read (a stacked layer or a backward direction the declaration leaves out is named as
//! such), values that are not finite.
//!
//! **What a state dict cannot show.** It holds tensors, not the computation: the activations,
//! the order of operations (what feeds what: which branch of a block a module is on, how the
//! branches join, whether a separable convolution's two modules follow each other with
//! nothing between), pooling windows, strides, padding, dropout rates and batch
//! normalization's epsilon (PyTorch's default is 1e-5, Keras's 1e-3: declare
//! `BatchNormalization<epsilon = 1e-5>`) are the declaration's, unchecked. An ONNX file
//! (`Net::load_onnx`) holds the graph, and checks them.
//!
//! ```
//! use nn::prelude::*;
//!
//! network! {
//!     /// `nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 8),
//!     /// nn.Tanh(), nn.Linear(8, 3), nn.Softmax(dim=1))`: the modules `0`, `3` and `5`.
//!     struct Mlp = Dense<6, 16, Relu>, Dropout<0.1>, Dense<16, 8, Tanh>, Dense<8, 3, Softmax>;
//!
//!     /// The same with a layer too narrow.
//!     struct Narrow = Dense<6, 12, Relu>, Dropout<0.1>, Dense<12, 8, Tanh>, Dense<8, 3, Softmax>;
//! }
//!
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/pytorch/mlp.safetensors");
//! let net = Mlp::load_pytorch(path)?;
//! let (layer, kernel) = net.params().next().unwrap();
//! assert_eq!((layer, kernel.shape), ("dense", &[6, 16][..])); // PyTorch's `0.weight` is (16, 6)
//! let error = Narrow::load_pytorch(path).unwrap_err().to_string();
//! assert!(error.contains(
//!     "layer 1 `dense` (Dense): tensor `0.weight` has shape (16, 6); the declaration needs \
//!      (12, 6) (PyTorch's (out, in))"
//! ), "{error}");
//! assert!(error.contains("layer 3 `dense_1` (Dense): tensor `3.weight` has shape (8, 16)"));
//! # Ok::<(), nn::Error>(())
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use safetensors::SafeTensors;

use crate::{Error, Float, Network};

mod matching;

#[doc(hidden)]
pub use matching::{Claim, Matched, Naming, level_of, levels, match_layers};

// The items below `#[doc(hidden)]` are shared with `network!`'s `#[pytorch]` (the build-time
// check runs this reading); users call `load` and `from_bytes`, or the generated
// `Net::load_pytorch` and `Net::from_pytorch`.

/// A size of a PyTorch tensor, from the shapes of the layer's own tensors.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dim {
    /// Axis `.1` of the layer's tensor `.0` (indices into the layer's tensors and that
    /// tensor's axes).
    Of(usize, usize),
    /// The product of axes `.1` and `.2` of the layer's tensor `.0`.
    Times(usize, usize, usize),
    /// One.
    One,
}

/// A tensor of a PyTorch module: its name within the module and its shape.
#[doc(hidden)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// Which of the layer's modules holds it: 0, or 1 for a separable convolution's pointwise
    /// one.
    pub module: usize,
    /// `weight`, `bias_ih_l0` (a recurrent layer's `_l0` is the stacked layer's `_l1`, `_l2`..;
    /// the backward direction's has `_reverse` after it).
    pub name: &'static str,
    /// Its shape, from the declared tensors.
    pub shape: Vec<Dim>,
    /// Its shape as PyTorch documents it, for messages: `(out, in)`.
    pub meaning: &'static str,
    /// Whether the file may leave it out (a separable convolution's depthwise bias).
    pub optional: bool,
    /// Whether it is the backward direction's (`_reverse`) of a bidirectional module.
    pub reverse: bool,
}

/// How one of our tensors is made from its sources.
#[doc(hidden)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// As it is.
    Same,
    /// A `Linear` weight, transposed (its rows reordered after a `Flatten`).
    Linear,
    /// Axes reordered: our axis `a` is axis `perm[a]` of the source seen with the sizes ours
    /// gives it.
    Permute(Vec<usize>),
    /// A recurrent layer's `(G·U, X)` weights transposed, with the gate blocks taken in this
    /// order (ours `g` is PyTorch's `order[g]`).
    Gates(&'static [usize]),
    /// A recurrent bias: the sum of two `(G·U,)` biases, gates reordered.
    SumGates(&'static [usize]),
    /// A GRU's `(2, G·U)` bias: the input bias, then the recurrent one, gates reordered.
    Rows(&'static [usize]),
    /// PReLU's slopes: one per value of ours, from PyTorch's one per channel (our last axis)
    /// or one for all.
    Broadcast,
    /// A separable convolution's bias: the pointwise bias `(F,)` plus the pointwise weight
    /// `(F, C·M, 1..)` times the depthwise bias `(C·M,)`, when the file has one (the depthwise
    /// convolution's bias goes through the pointwise one).
    SeparableBias,
}

/// One of a layer's tensors and the PyTorch tensors it is made of.
#[doc(hidden)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// The index of our tensor among the layer's.
    pub ours: usize,
    /// Its sources, in the module.
    pub sources: Vec<Source>,
    /// How it is made from them.
    pub rule: Rule,
}

/// PyTorch's gates i, f, g, o are Keras's i, f, c, o.
const LSTM_GATES: &[usize] = &[0, 1, 2, 3];
/// Keras's z, r, h are PyTorch's gates 1 (z), 0 (r) and 2 (n).
const GRU_GATES: &[usize] = &[1, 0, 2];
const RNN_GATES: &[usize] = &[0];

/// Tensors of a module that loading does not use (batch normalization's step count).
#[doc(hidden)]
pub const IGNORED: &[&str] = &["num_batches_tracked"];

/// The PyTorch tensors a layer of Keras class `class` reads, given its own tensors (`key`,
/// rank) in order; an error says which class or tensor a state dict cannot give.
///
/// # Errors
/// When the class is not read from state dicts, or has a tensor this module does not know.
#[doc(hidden)]
pub fn layout(class: &str, tensors: &[(&str, usize)]) -> Result<Vec<Part>, String> {
    let source = |name, shape, meaning| Source {
        module: 0,
        name,
        shape,
        meaning,
        optional: false,
        reverse: false,
    };
    let mut parts = Vec::new();
    for (k, &(key, rank)) in tensors.iter().enumerate() {
        let one = |name, rule, meaning| Part {
            ours: k,
            sources: vec![source(
                name,
                (0..rank).map(|a| Dim::Of(k, a)).collect(),
                meaning,
            )],
            rule,
        };
        // A convolution's `weight`, PyTorch's (`first`, spatial..) to ours (spatial.., ..),
        // whose last two axes are the source's `last`; `meanings` for one spatial axis and two.
        let spatial = |first: [Dim; 2], last: [usize; 2], meanings: [&'static str; 2]| {
            let mut perm: Vec<usize> = (2..rank).collect();
            perm.extend(last);
            let mut shape = first.to_vec();
            shape.extend((0..rank - 2).map(|a| Dim::Of(k, a)));
            Part {
                ours: k,
                sources: vec![source("weight", shape, meanings[usize::from(rank != 3)])],
                rule: Rule::Permute(perm),
            }
        };
        // The same from the layer's second module (a separable convolution's pointwise one).
        let second = |mut part: Part| {
            for s in &mut part.sources {
                s.module = 1;
            }
            part
        };
        let part = match (class, key) {
            ("Dense", "kernel") if rank == 2 => Part {
                ours: k,
                sources: vec![source(
                    "weight",
                    vec![Dim::Of(k, 1), Dim::Of(k, 0)],
                    "(out, in)",
                )],
                rule: Rule::Linear,
            },
            // Ours (spatial.., I, O), PyTorch's (O, I, spatial..).
            ("Conv1D" | "Conv2D" | "Conv3D", "kernel") if rank >= 3 => spatial(
                [Dim::Of(k, rank - 1), Dim::Of(k, rank - 2)],
                [1, 0],
                ["(out, in, k)", "(out, in, kh, kw)"],
            ),
            // Ours (spatial.., C, M); PyTorch's (C·M, 1, spatial..), read as (C, M, spatial..).
            (
                "DepthwiseConv1D" | "DepthwiseConv2D" | "SeparableConv1D" | "SeparableConv2D",
                "depthwise_kernel",
            ) if rank >= 3 => spatial(
                [Dim::Times(k, rank - 2, rank - 1), Dim::One],
                [0, 1],
                [
                    "(channels · multiplier, 1, k)",
                    "(channels · multiplier, 1, kh, kw)",
                ],
            ),
            // Ours (1.., C·M, F); PyTorch's (F, C·M, 1..), in the second module.
            ("SeparableConv1D" | "SeparableConv2D", "pointwise_kernel") if rank >= 3 => {
                second(spatial(
                    [Dim::Of(k, rank - 1), Dim::Of(k, rank - 2)],
                    [1, 0],
                    ["(out, in, 1)", "(out, in, 1, 1)"],
                ))
            }
            ("SeparableConv1D" | "SeparableConv2D", "bias") if rank == 1 => {
                // The pointwise kernel's place among the layer's tensors, for its sizes.
                let Some(p) = tensors
                    .iter()
                    .position(|(key, _)| *key == "pointwise_kernel")
                else {
                    return Err(String::from("its bias comes without a pointwise kernel"));
                };
                let prank = tensors[p].1;
                let mut weight = vec![Dim::Of(p, prank - 1), Dim::Of(p, prank - 2)];
                weight.extend((0..prank - 2).map(|_| Dim::One));
                Part {
                    ours: k,
                    sources: vec![
                        Source {
                            module: 1,
                            ..source("bias", vec![Dim::Of(k, 0)], "(out,)")
                        },
                        Source {
                            module: 1,
                            ..source("weight", weight, "(out, in, 1, 1)")
                        },
                        Source {
                            optional: true,
                            ..source(
                                "bias",
                                vec![Dim::Of(p, prank - 2)],
                                "(channels · multiplier,)",
                            )
                        },
                    ],
                    rule: Rule::SeparableBias,
                }
            }
            ("PReLU", "alpha") if rank >= 1 => Part {
                ours: k,
                sources: vec![source(
                    "weight",
                    vec![Dim::Of(k, rank - 1)],
                    "(channels,) or (1,)",
                )],
                rule: Rule::Broadcast,
            },
            (
                "Dense" | "Conv1D" | "Conv2D" | "Conv3D" | "DepthwiseConv1D" | "DepthwiseConv2D",
                "bias",
            ) => one("bias", Rule::Same, "(out,)"),
            ("BatchNormalization" | "LayerNormalization", "gamma") => {
                one("weight", Rule::Same, "(features,)")
            }
            ("BatchNormalization" | "LayerNormalization", "beta") => {
                one("bias", Rule::Same, "(features,)")
            }
            ("BatchNormalization", "moving_mean") => one("running_mean", Rule::Same, "(features,)"),
            ("BatchNormalization", "moving_variance") => {
                one("running_var", Rule::Same, "(features,)")
            }
            ("Embedding", "embeddings") => one("weight", Rule::Same, "(tokens, features)"),
            ("LSTM" | "GRU" | "SimpleRNN", "kernel" | "recurrent_kernel") if rank == 2 => {
                let gates = gates(class);
                let (name, meaning) = if key == "kernel" {
                    ("weight_ih_l0", "(gates · hidden, in)")
                } else {
                    ("weight_hh_l0", "(gates · hidden, hidden)")
                };
                Part {
                    ours: k,
                    sources: vec![source(name, vec![Dim::Of(k, 1), Dim::Of(k, 0)], meaning)],
                    rule: Rule::Gates(gates),
                }
            }
            ("LSTM" | "SimpleRNN", "bias") if rank == 1 => Part {
                ours: k,
                sources: ["bias_ih_l0", "bias_hh_l0"]
                    .map(|name| source(name, vec![Dim::Of(k, 0)], "(gates · hidden,)"))
                    .to_vec(),
                rule: Rule::SumGates(gates(class)),
            },
            ("GRU", "bias") if rank == 2 => Part {
                ours: k,
                sources: ["bias_ih_l0", "bias_hh_l0"]
                    .map(|name| source(name, vec![Dim::Of(k, 1)], "(3 · hidden,)"))
                    .to_vec(),
                rule: Rule::Rows(GRU_GATES),
            },
            (
                "Dense" | "Conv1D" | "Conv2D" | "Conv3D" | "DepthwiseConv1D" | "DepthwiseConv2D"
                | "BatchNormalization" | "LayerNormalization" | "Embedding" | "LSTM" | "GRU"
                | "SimpleRNN" | "SeparableConv1D" | "SeparableConv2D" | "PReLU",
                _,
            ) => {
                return Err(format!(
                    "its tensor `{key}` has no PyTorch counterpart this reading knows"
                ));
            }
            _ => {
                return Err(format!(
                    "`{class}` layers are not read from PyTorch state dicts (the layers read: \
                     Dense, Conv1D, Conv2D, DepthwiseConv1D, DepthwiseConv2D, \
                     SeparableConv1D, SeparableConv2D, BatchNormalization, \
                     LayerNormalization, PReLU, Embedding, LSTM, GRU, SimpleRNN, and \
                     Bidirectional around the last three)"
                ));
            }
        };
        parts.push(part);
    }
    Ok(parts)
}

fn gates(class: &str) -> &'static [usize] {
    match class {
        "LSTM" => LSTM_GATES,
        "GRU" => GRU_GATES,
        _ => RNN_GATES,
    }
}

/// The size `dim` stands for, from the layer's tensors' shapes.
#[doc(hidden)]
pub fn size(dim: Dim, shapes: &[&[usize]]) -> Option<usize> {
    let at = |t: usize, a: usize| shapes.get(t).and_then(|s| s.get(a)).copied();
    match dim {
        Dim::Of(t, a) => at(t, a),
        Dim::Times(t, a, b) => at(t, a)?.checked_mul(at(t, b)?),
        Dim::One => Some(1),
    }
}

/// When the layer at `index` of a network's layers (`(class, input shape)` each) is a `Dense`
/// fed by a `Flatten` (with only dropouts or activations between them) of a tensor PyTorch
/// holds channels first, that tensor's shape: PyTorch flattened it channel by channel. That is
/// a tensor made by a convolution or a pool (the nearest layer before the `Flatten` that makes
/// a new tensor is one, normalizations and activations passed over), or the network's input
/// when it is an image (`(H, W, C)`, given to us with its channels moved last). A recurrent
/// layer's or an embedding's output is `(steps, features)` in both, and so is a 2-D input.
#[doc(hidden)]
pub fn flattened<'a>(layers: &[(&str, &'a [usize])], index: usize) -> Option<&'a [usize]> {
    let (class, _) = layers.get(index)?;
    if *class != "Dense" {
        return None;
    }
    let mut j = index;
    let shape = loop {
        j = j.checked_sub(1)?;
        match layers[j] {
            ("Dropout" | "Activation" | "GaussianNoise" | "GaussianDropout", _) => {}
            ("Flatten", shape) if shape.len() > 1 => break shape,
            _ => return None,
        }
    };
    let channels_first = |class: &str| {
        ["Conv", "Pooling", "UpSampling", "ZeroPadding", "Cropping"]
            .iter()
            .any(|kind| class.contains(kind))
    };
    let made_anew = |class: &str| {
        channels_first(class)
            || matches!(
                class,
                "Dense" | "LSTM" | "GRU" | "SimpleRNN" | "Bidirectional" | "Embedding" | "Reshape"
            )
            || nn_keras::class::MERGES.contains(&class)
    };
    match layers[..j].iter().rev().find(|(c, _)| made_anew(c)) {
        Some((class, _)) => channels_first(class).then_some(shape),
        None => (shape.len() > 2).then_some(shape),
    }
}

/// Makes our tensor of shape `shape` (row-major, into `out`) from its sources' values, as
/// `rule` says; `flattened` is [`flattened`]'s shape for a Dense kernel.
///
/// # Panics
/// If the sources do not have the sizes the shape gives them (checked before).
#[doc(hidden)]
pub fn convert(
    rule: &Rule,
    shape: &[usize],
    sources: &[&[f64]],
    flattened: Option<&[usize]>,
    out: &mut [f64],
) {
    match rule {
        Rule::Same => out.copy_from_slice(sources[0]),
        Rule::Linear => {
            let (rows, cols) = (shape[0], shape[1]);
            // Our row r of a flattened (spatial.., C) input is PyTorch's column c·S + s.
            let column = |r: usize| match flattened {
                Some(f) if f.iter().product::<usize>() == rows => {
                    let channels = f[f.len() - 1];
                    let spatial = rows / channels.max(1);
                    (r % channels) * spatial + r / channels
                }
                _ => r,
            };
            for r in 0..rows {
                let c = column(r);
                for u in 0..cols {
                    out[r * cols + u] = sources[0][u * rows + c];
                }
            }
        }
        Rule::Permute(perm) => {
            let rank = shape.len();
            let mut theirs = vec![0; rank];
            for (a, &p) in perm.iter().enumerate() {
                theirs[p] = shape[a];
            }
            let mut strides = vec![1; rank];
            for a in (0..rank.saturating_sub(1)).rev() {
                strides[a] = strides[a + 1] * theirs[a + 1];
            }
            let mut index = vec![0; rank];
            for value in out.iter_mut() {
                let at: usize = (0..rank).map(|a| index[a] * strides[perm[a]]).sum();
                *value = sources[0][at];
                for a in (0..rank).rev() {
                    index[a] += 1;
                    if index[a] < shape[a] {
                        break;
                    }
                    index[a] = 0;
                }
            }
        }
        Rule::Gates(order) => {
            let (rows, cols) = (shape[0], shape[1]);
            let units = cols / order.len();
            for r in 0..rows {
                for (g, &p) in order.iter().enumerate() {
                    for u in 0..units {
                        out[r * cols + g * units + u] = sources[0][(p * units + u) * rows + r];
                    }
                }
            }
        }
        Rule::SumGates(order) => {
            let units = shape[0] / order.len();
            for (g, &p) in order.iter().enumerate() {
                for u in 0..units {
                    let at = p * units + u;
                    out[g * units + u] = sources[0][at] + sources[1][at];
                }
            }
        }
        Rule::Broadcast => {
            let theirs = sources[0];
            for (i, o) in out.iter_mut().enumerate() {
                *o = theirs[i % theirs.len().max(1)];
            }
        }
        Rule::SeparableBias => {
            let (bias, weight) = (sources[0], sources[1]);
            let depthwise = sources.get(2).copied().unwrap_or_default();
            let inputs = weight.len() / bias.len().max(1);
            for (f, o) in out.iter_mut().enumerate() {
                *o = bias[f]
                    + depthwise
                        .iter()
                        .zip(&weight[f * inputs..(f + 1) * inputs])
                        .map(|(b, w)| b * w)
                        .sum::<f64>();
            }
        }
        Rule::Rows(order) => {
            let cols = shape[1];
            let units = cols / order.len();
            for (row, source) in sources.iter().enumerate().take(2) {
                for (g, &p) in order.iter().enumerate() {
                    for u in 0..units {
                        out[row * cols + g * units + u] = source[p * units + u];
                    }
                }
            }
        }
    }
}

/// The module of a tensor's name (`0` of `0.weight`, `features.3` of `features.3.bias`) and
/// the tensor's name in it.
#[doc(hidden)]
pub fn split(name: &str) -> (&str, &str) {
    name.rsplit_once('.').unwrap_or(("", name))
}

/// `(784, 128)`.
#[doc(hidden)]
pub fn show(shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(ToString::to_string).collect();
    match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    }
}

/// The values of a tensor of `dtype` (`F32`, `F64`, `F16`, `BF16`), from its little-endian
/// bytes; `None` for another type.
#[doc(hidden)]
pub fn values(dtype: &str, bytes: &[u8]) -> Option<Vec<f64>> {
    Some(match dtype {
        "F32" => bytes
            .chunks_exact(4)
            .map(|b| f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])))
            .collect(),
        "F64" => bytes
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
            .collect(),
        "BF16" => bytes
            .chunks_exact(2)
            .map(|b| {
                f64::from(f32::from_bits(
                    u32::from(u16::from_le_bytes([b[0], b[1]])) << 16,
                ))
            })
            .collect(),
        "F16" => bytes
            .chunks_exact(2)
            .map(|b| half(u16::from_le_bytes([b[0], b[1]])))
            .collect(),
        _ => return None,
    })
}

/// An IEEE half-precision number's value.
fn half(bits: u16) -> f64 {
    let sign = if bits & 0x8000 == 0 { 1.0 } else { -1.0 };
    let exponent = i32::from((bits >> 10) & 0x1f);
    let fraction = f64::from(bits & 0x3ff);
    sign * match exponent {
        0 => fraction * 2f64.powi(-24),
        0x1f if fraction == 0.0 => f64::INFINITY,
        0x1f => f64::NAN,
        e => (1.0 + fraction / 1024.0) * 2f64.powi(e - 15),
    }
}

/// A state dict's tensors: name → (dtype, shape, bytes).
#[doc(hidden)]
pub type Tensors<'a> = BTreeMap<String, (String, Vec<usize>, &'a [u8])>;

/// One layer of a declaration, as reading a state dict sees it.
#[doc(hidden)]
pub struct Declared<'a> {
    /// Its field name.
    pub field: &'a str,
    /// The position in the declaration, counting from 1, of the layer or of the outermost
    /// block that holds it.
    pub position: usize,
    /// Its Keras class.
    pub class: &'a str,
    /// Its tensors: key and shape (in our layout). A `Bidirectional`'s are `forward.kernel`,
    /// .., then `backward.kernel`, ..
    pub tensors: Vec<(String, Vec<usize>)>,
    /// The shape a `Flatten` before it flattened ([`flattened`]).
    pub flattened: Option<Vec<usize>>,
    /// The fields of the blocks that hold it, outermost first (none for a layer of the
    /// network).
    pub blocks: Vec<&'a str>,
}

impl Declared<'_> {
    /// How messages name it: `layer 2 `dense` (Dense)`, or `layer 3 `layer1`, its layer
    /// `conv1` (Conv2D)` in a block.
    fn at(&self) -> String {
        match self.blocks.first() {
            None => format!("layer {} `{}` ({})", self.position, self.field, self.class),
            Some(block) => format!(
                "layer {} `{block}`, its layer `{}` ({})",
                self.position, self.field, self.class
            ),
        }
    }
}

/// The PyTorch tensors a declared layer reads ([`layout`], with a `Bidirectional`'s two
/// directions: the wrapped layer's, then the same with `_reverse`).
fn parts(class: &str, tensors: &[(String, Vec<usize>)]) -> Result<Vec<Part>, String> {
    if class != "Bidirectional" {
        let keys: Vec<(&str, usize)> = tensors.iter().map(|(k, s)| (k.as_str(), s.len())).collect();
        return layout(class, &keys);
    }
    // The wrapped layer, from its tensors: `recurrent_kernel` (U, G·U) has G gates; a GRU's
    // bias has two rows.
    let half = tensors.len() / 2;
    let shape = |key: &str| {
        tensors[..half]
            .iter()
            .find(|(k, _)| k.strip_prefix("forward.") == Some(key))
            .map(|(_, s)| s.as_slice())
    };
    let cell = match (shape("recurrent_kernel"), shape("bias")) {
        (Some(&[units, gates]), Some(bias)) if units > 0 => match (gates / units, bias.len()) {
            (3, 2) => "GRU",
            (4, 1) => "LSTM",
            (1, 1) => "SimpleRNN",
            _ => "",
        },
        _ => "",
    };
    if cell.is_empty() {
        return Err(String::from(
            "the layer it wraps is not read from PyTorch state dicts (an LSTM, a GRU with \
             `reset_after` or a SimpleRNN, with biases, are)",
        ));
    }
    let keys: Vec<(&str, usize)> = tensors[..half]
        .iter()
        .map(|(k, s)| (k.strip_prefix("forward.").unwrap_or(k), s.len()))
        .collect();
    let forward = layout(cell, &keys)?;
    let backward = forward.iter().cloned().map(|mut part| {
        part.ours += half;
        for source in &mut part.sources {
            source.reverse = true;
        }
        part
    });
    Ok(forward.iter().cloned().chain(backward).collect())
}

/// The name in its module of `source` for the stacked layer `level`.
fn tensor_name(source: &Source, level: usize) -> String {
    let name = match source.name.strip_suffix("_l0") {
        Some(head) => format!("{head}_l{level}"),
        None => source.name.to_string(),
    };
    if source.reverse {
        format!("{name}_reverse")
    } else {
        name
    }
}

/// Reads `tensors` into `layers`: their values in our layout, per layer and tensor, or every
/// difference found (each naming its layer).
///
/// # Errors
/// Every difference: a layer without a module, a missing tensor, one of another shape or type
/// or with values that are not finite, and tensors no layer reads.
#[doc(hidden)]
pub fn read(
    layers: &[Declared<'_>],
    tensors: &Tensors<'_>,
) -> Result<Vec<Vec<Vec<f64>>>, Vec<String>> {
    let mut problems = Vec::new();
    let with: Vec<&Declared<'_>> = layers.iter().filter(|l| !l.tensors.is_empty()).collect();
    let matched = matching::match_layers(&with, tensors);
    let mut used: Vec<&str> = Vec::new();
    // The layer that reads each module first, and the stacked layers read of each.
    let mut owner: BTreeMap<&str, usize> = BTreeMap::new();
    let mut read_levels: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut out = Vec::new();
    let mut index = 0;
    for layer in layers {
        let mut values: Vec<Vec<f64>> = layer
            .tensors
            .iter()
            .map(|(_, s)| vec![0.0; s.iter().product()])
            .collect();
        if layer.tensors.is_empty() {
            out.push(values);
            continue;
        }
        let k = index;
        index += 1;
        let at = layer.at();
        let Some(claim) = &matched.claims[k] else {
            if let Some(why) = &matched.why[k] {
                problems.push(format!("{at}: {why}"));
            }
            out.push(values);
            continue;
        };
        for module in &claim.modules {
            owner.entry(module.as_str()).or_insert(k);
            read_levels
                .entry(module.as_str())
                .or_default()
                .push(claim.level);
        }
        let in_claim = |name: &str| claim.modules.iter().any(|m| m == split(name).0);
        let parts = match parts(layer.class, &layer.tensors) {
            Ok(parts) => parts,
            Err(why) => {
                problems.push(format!("{at}: {why}"));
                used.extend(tensors.keys().filter(|n| in_claim(n)).map(String::as_str));
                out.push(values);
                continue;
            }
        };
        let shapes: Vec<&[usize]> = layer.tensors.iter().map(|(_, s)| s.as_slice()).collect();
        let mut shaped = true;
        for part in &parts {
            let mut found = Vec::new();
            for source in &part.sources {
                let Some(module) = claim.modules.get(source.module) else {
                    continue;
                };
                let name = format!("{module}.{}", tensor_name(source, claim.level));
                let expected: Option<Vec<usize>> =
                    source.shape.iter().map(|&d| size(d, &shapes)).collect();
                let expected = expected.unwrap_or_default();
                let Some((key, (dtype, shape, bytes))) = tensors.get_key_value(&name) else {
                    if source.optional {
                        found.push(Vec::new());
                    } else {
                        problems.push(format!(
                            "{at}: no tensor `{name}`; `{}` needs one of shape {} (PyTorch's {})",
                            layer.tensors[part.ours].0,
                            show(&expected),
                            source.meaning
                        ));
                    }
                    continue;
                };
                if !used.contains(&key.as_str()) {
                    used.push(key);
                }
                // PReLU's one slope for all.
                let broadcast = part.rule == Rule::Broadcast && shape[..] == [1];
                if *shape != expected && !broadcast {
                    // After one tensor of the layer whose shape differs, the others would
                    // repeat it.
                    if !shaped {
                        found.clear();
                        continue;
                    }
                    shaped = false;
                    problems.push(format!(
                        "{at}: tensor `{name}` has shape {}; the declaration needs {} \
                         (PyTorch's {})",
                        show(shape),
                        show(&expected),
                        source.meaning
                    ));
                    continue;
                }
                match self::values(dtype, bytes) {
                    None => problems.push(format!(
                        "{at}: tensor `{name}` is {dtype}; expected floats (F32, F64, F16 or BF16)"
                    )),
                    Some(v) if v.iter().any(|x| !x.is_finite()) => problems.push(format!(
                        "{at}: tensor `{name}` holds NaN or infinite values"
                    )),
                    Some(v) => found.push(v),
                }
            }
            if found.len() == part.sources.len() {
                let sources: Vec<&[f64]> = found.iter().map(Vec::as_slice).collect();
                convert(
                    &part.rule,
                    shapes[part.ours],
                    &sources,
                    layer.flattened.as_deref(),
                    &mut values[part.ours],
                );
            }
        }
        out.push(values);
    }
    // The tensors of a module some layer reads that no layer used: a stacked layer's or a
    // backward direction's together (by layer, kind and level), the others one by one.
    let mut left: BTreeMap<(usize, u8, usize, &str), Vec<String>> = BTreeMap::new();
    for name in tensors.keys() {
        let (module, tensor) = split(name);
        let Some(&k) = owner.get(module) else {
            continue;
        };
        if used.contains(&name.as_str()) || IGNORED.contains(&tensor) {
            continue;
        }
        let level = matching::level_of(tensor).unwrap_or(0);
        let kind = if !read_levels[module].contains(&level) {
            0
        } else if tensor.ends_with("_reverse") && with[k].class != "Bidirectional" {
            1
        } else {
            2
        };
        let whose = if kind == 2 { name.as_str() } else { module };
        left.entry((k, kind, level, whose))
            .or_default()
            .push(format!("`{name}`"));
    }
    let all_levels = matching::levels(tensors);
    for ((k, kind, level, whose), names) in left {
        let layer = with[k];
        let (tensors_are, names) = if names.len() == 1 {
            ("tensor", names[0].clone())
        } else {
            ("tensors", names.join(", "))
        };
        let are = if names.contains(", ") { "are" } else { "is" };
        let why = match kind {
            0 => format!(
                "{tensors_are} {names} {are} of the module's stacked layer {} (PyTorch's \
                 `num_layers` is {}): declare the stacked layers one after the other, each a \
                 recurrent layer of its own (all but the last with `return_sequences = true`)",
                level + 1,
                all_levels.get(whose).copied().unwrap_or(1)
            ),
            1 => format!(
                "{tensors_are} {names} {are} the backward direction of a bidirectional module: \
                 declare `Bidirectional<{}<..>>`",
                layer.class
            ),
            _ => format!(
                "tensor `{whose}` of module `{}` is not one a {} has",
                split(whose).0,
                layer.class
            ),
        };
        problems.push(format!("{}: {why}", layer.at()));
    }
    for (module, naming) in &matched.extra {
        let names: Vec<String> = tensors
            .keys()
            .filter(|n| split(n).0 == module && !IGNORED.contains(&split(n).1))
            .map(|n| format!("`{n}`"))
            .collect();
        problems.push(format!(
            "module `{module}` ({}): no layer of the declaration {}",
            names.join(", "),
            match naming {
                Naming::Positions => "is left for it (matched in order)",
                _ => "has its name",
            }
        ));
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// A declared layer's blocks (outermost first) and tensors (key and shape).
type Owned = (Vec<&'static str>, Vec<(String, Vec<usize>)>);

/// The key of a tensor of a layer: its name, after its path within the layer
/// (`forward.kernel` in a `Bidirectional`).
fn key(path: &[&str], name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{}.{name}", path.join("."))
    }
}

/// Reads a state dict's bytes (a safetensors file) into a network of type `N`: what
/// `Net::from_pytorch` and `Net::load_pytorch` call. `path` names the file in errors.
///
/// # Errors
/// [`Error::Format`] when the bytes are not a safetensors file; [`Error::Mismatch`] with every
/// difference between the file and the declaration.
pub fn from_bytes<T: Float, N: Network<T>>(bytes: &[u8], path: &Path) -> Result<N, Error> {
    let file = SafeTensors::deserialize(bytes).map_err(|e| {
        Error::format_because(path, format!("not a valid safetensors file ({e})"), e)
    })?;
    let tensors: Tensors<'_> = file
        .tensors()
        .into_iter()
        .map(|(name, view)| {
            let dtype = format!("{:?}", view.dtype());
            (name, (dtype, view.shape().to_vec(), view.data()))
        })
        .collect();
    let mut net = N::zeros();
    let declared = N::KERAS.layers;
    // The Keras layer each tensor is of (a block's are its layers'), with the blocks that hold
    // it, and its key there.
    let owner = |layer: &'static str, path: &[&'static str], name: &str| {
        let (owner, rest) = crate::keras::keras_layer(declared, layer, path);
        let mut blocks = Vec::new();
        if owner != layer {
            blocks.push(layer);
            let within = &path[..path.len() - rest.len() - 1];
            blocks.extend(
                within
                    .iter()
                    .copied()
                    .filter(|s| crate::keras::is_block(declared, s)),
            );
        }
        (owner, blocks, key(rest, name))
    };
    let mut own: BTreeMap<&'static str, Owned> = BTreeMap::new();
    for (layer, p) in net.params() {
        let (owner, blocks, key) = owner(layer, p.path.segments(), p.name);
        own.entry(owner)
            .or_insert_with(|| (blocks, Vec::new()))
            .1
            .push((key, p.shape.to_vec()));
    }
    let position = |name: &str| {
        N::LAYERS
            .iter()
            .position(|l| l.name == name)
            .map_or(0, |p| p + 1)
    };
    let inputs: Vec<(&str, &[usize])> = declared.iter().map(|l| (l.class, l.input)).collect();
    let layers: Vec<Declared<'_>> = declared
        .iter()
        .enumerate()
        .filter(|(_, l)| {
            !crate::keras::is_block(declared, l.name) && l.class != nn_keras::class::INPUT_LAYER
        })
        .map(|(index, l)| {
            let (blocks, tensors) = own.remove(l.name).unwrap_or_default();
            Declared {
                field: l.name,
                position: position(blocks.first().copied().unwrap_or(l.name)),
                class: l.class,
                tensors,
                flattened: flattened(&inputs, index).map(<[usize]>::to_vec),
                blocks,
            }
        })
        .collect();
    let values = read(&layers, &tensors).map_err(|problems| Error::Mismatch {
        path: path.to_path_buf(),
        network: N::NAME,
        problems,
    })?;
    let mut ours: BTreeMap<(&str, &str), &[f64]> = BTreeMap::new();
    for (layer, values) in layers.iter().zip(&values) {
        for ((key, _), v) in layer.tensors.iter().zip(values) {
            ours.insert((layer.field, key.as_str()), v);
        }
    }
    net.visit_params_mut(|layer, p| {
        let (owner, _, key) = owner(layer, p.path.segments(), p.name);
        if let Some(values) = ours.get(&(owner, key.as_str())) {
            for (o, &v) in p.values.iter_mut().zip(values.iter()) {
                *o = T::of(v);
            }
        }
    });
    Ok(net)
}

/// [`from_bytes`] on the file at `path`, read as every model file is (a regular file of at
/// most 4 GiB).
///
/// # Errors
/// [`Error::Io`] when it cannot be read, and those of [`from_bytes`].
pub fn load<T: Float, N: Network<T>>(path: &Path) -> Result<N, Error> {
    from_bytes(&crate::io::read_model_file(path)?, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A layer of class `class` named `field` (in the blocks `blocks`), with one tensor.
    fn layer<'a>(field: &'a str, class: &'a str, blocks: &[&'a str]) -> Declared<'a> {
        Declared {
            field,
            position: 1,
            class,
            tensors: vec![(String::from("kernel"), vec![1, 1])],
            flattened: None,
            blocks: blocks.to_vec(),
        }
    }

    /// Tensors named `names`, without values.
    fn named(names: &[&str]) -> Tensors<'static> {
        names
            .iter()
            .map(|n| ((*n).to_string(), (String::from("F32"), vec![1], &[][..])))
            .collect()
    }

    /// The modules each layer is matched to.
    fn modules(matched: &Matched) -> Vec<Option<(Vec<&str>, usize)>> {
        matched
            .claims
            .iter()
            .map(|c| {
                c.as_ref()
                    .map(|c| (c.modules.iter().map(String::as_str).collect(), c.level))
            })
            .collect()
    }

    #[test]
    fn sequential_modules_are_matched_in_the_order_of_their_numbers() {
        // `10` after `2`, a nested module's numbers after its parent's.
        let layers = ["a", "b", "c", "d"].map(|f| layer(f, "Dense", &[]));
        let refs: Vec<&Declared<'_>> = layers.iter().collect();
        let tensors = named(&["10.weight", "2.weight", "0.weight", "2.1.weight"]);
        let matched = match_layers(&refs, &tensors);
        let found: Vec<&str> = modules(&matched)
            .into_iter()
            .map(|m| m.unwrap().0[0])
            .collect();
        assert_eq!(found, ["0", "2", "2.1", "10"]);
        assert!(matched.extra.is_empty());
        // By name as soon as one module has a layer's name; the others are extra.
        let layers = [layer("dense", "Dense", &[]), layer("lstm", "LSTM", &[])];
        let refs: Vec<&Declared<'_>> = layers.iter().collect();
        let matched = match_layers(&refs, &named(&["lstm.weight_ih_l0", "head.weight"]));
        assert_eq!(modules(&matched), [None, Some((vec!["lstm"], 0))]);
        assert_eq!(matched.extra, [(String::from("head"), Naming::Fields)]);
        let layers = [layer("dense", "Dense", &[])];
        let refs: Vec<&Declared<'_>> = layers.iter().collect();
        let matched = match_layers(&refs, &named(&["features.0.weight", "classifier.1.weight"]));
        assert!(matched.why[0].as_ref().unwrap().contains("named neither"));
    }

    #[test]
    fn blocks_separable_convolutions_and_stacked_layers_take_their_modules() {
        let layers = [
            layer("stem", "Conv2D", &[]),
            layer("conv1", "Conv2D", &["layer1"]),
            layer("layer1_bn1", "BatchNormalization", &["layer1"]),
            layer("downsample_0", "Conv2D", &["layer1"]),
            layer("sep", "SeparableConv2D", &[]),
            layer("lstm", "LSTM", &[]),
            layer("top", "LSTM", &[]),
        ];
        let refs: Vec<&Declared<'_>> = layers.iter().collect();
        let tensors = named(&[
            "stem.weight",
            "layer1.conv1.weight",
            "layer1.bn1.weight",
            "layer1.downsample.0.weight",
            "sep.pointwise.weight",
            "sep.depthwise.weight",
            "lstm.weight_ih_l0",
            "lstm.weight_ih_l1",
        ]);
        let matched = match_layers(&refs, &tensors);
        assert_eq!(
            modules(&matched),
            [
                Some((vec!["stem"], 0)),
                Some((vec!["layer1.conv1"], 0)),
                Some((vec!["layer1.bn1"], 0)),
                Some((vec!["layer1.downsample.0"], 0)),
                Some((vec!["sep.depthwise", "sep.pointwise"], 0)),
                Some((vec!["lstm"], 0)),
                Some((vec!["lstm"], 1)),
            ]
        );
        assert!(matched.extra.is_empty(), "{:?}", matched.extra);
        // By position: a block takes the modules of the next number.
        let layers = [
            layer("conv", "Conv2D", &[]),
            layer("a", "Conv2D", &["add"]),
            layer("b", "Conv2D", &["add"]),
            layer("dense", "Dense", &[]),
        ];
        let refs: Vec<&Declared<'_>> = layers.iter().collect();
        let tensors = named(&["0.weight", "2.0.weight", "2.1.weight", "5.weight"]);
        let found: Vec<String> = modules(&match_layers(&refs, &tensors))
            .into_iter()
            .map(|m| m.unwrap().0[0].to_string())
            .collect();
        assert_eq!(found, ["0", "2.0", "2.1", "5"]);
    }

    #[test]
    fn a_depthwise_kernel_is_read_channel_by_channel() {
        // Ours (kh, kw, C, M) = (1, 2, 2, 2) from PyTorch's (C·M, 1, kh, kw) = (4, 1, 1, 2):
        // PyTorch's output channel c·M + m is ours (c, m).
        let parts = layout("DepthwiseConv2D", &[("depthwise_kernel", 4)]).unwrap();
        let shape = [1, 2, 2, 2];
        let shapes: [&[usize]; 1] = [&shape];
        let theirs: Vec<usize> = parts[0].sources[0]
            .shape
            .iter()
            .map(|&d| size(d, &shapes).unwrap())
            .collect();
        assert_eq!(theirs, [4, 1, 1, 2]);
        let source: Vec<f64> = (0..8).map(f64::from).collect();
        let mut out = [0.0; 8];
        convert(&parts[0].rule, &shape, &[&source], None, &mut out);
        // ours[kw][c][m] = theirs[c·2 + m][kw] = (c·2 + m)·2 + kw.
        assert_eq!(out, [0.0, 2.0, 4.0, 6.0, 1.0, 3.0, 5.0, 7.0]);
    }

    #[test]
    fn a_flatten_of_what_pytorch_holds_channels_first_is_reordered() {
        let conv: &[(&str, &[usize])] = &[
            ("Conv1D", &[12, 3]),
            ("BatchNormalization", &[10, 5]),
            ("Flatten", &[10, 5]),
            ("Dropout", &[50]),
            ("Dense", &[50]),
        ];
        assert_eq!(flattened(conv, 4), Some(&[10, 5][..]));
        let recurrent: &[(&str, &[usize])] =
            &[("LSTM", &[7, 4]), ("Flatten", &[7, 8]), ("Dense", &[56])];
        assert_eq!(flattened(recurrent, 2), None);
        let image: &[(&str, &[usize])] = &[("Flatten", &[4, 4, 3]), ("Dense", &[48])];
        assert_eq!(flattened(image, 1), Some(&[4, 4, 3][..]));
        let rows: &[(&str, &[usize])] = &[("Flatten", &[3, 4]), ("Dense", &[12])];
        assert_eq!(flattened(rows, 1), None);
    }

    #[test]
    fn half_precision_values_are_read() {
        assert_eq!(values("F16", &0x3c00u16.to_le_bytes()), Some(vec![1.0]));
        assert_eq!(values("F16", &0xc000u16.to_le_bytes()), Some(vec![-2.0]));
        assert_eq!(values("BF16", &0x3f80u16.to_le_bytes()), Some(vec![1.0]));
        assert_eq!(values("I64", &[0; 8]), None);
    }
}
