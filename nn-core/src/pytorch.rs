//! PyTorch state dicts: the weights `safetensors.torch.save_file(model.state_dict(), path)`
//! writes, read into a declared network (`Net::load_pytorch(path)`, `Net::from_pytorch(bytes)`,
//! and during the build `#[pytorch("model.safetensors")]`, which uses this module too).
//!
//! **Which module is which layer.** A state dict names each tensor `<module>.<parameter>`
//! (`0.weight`, `lstm.bias_ih_l0`). The declaration's layers that have parameters are matched
//! to the file's modules in one of two ways:
//! - **by name**, when a module of the file has the name of one of those layers' fields
//!   (`dense.weight` is the layer `dense`, so name the declared layers after the PyTorch
//!   module's attributes: `lstm: LSTM<8>, head: Dense<8, 3>`);
//! - **by position** otherwise, when every module is named by numbers, as an `nn.Sequential`'s
//!   are (`0`, `3`, `5`, or `1.0` in a nested one): the declaration's layers with parameters,
//!   in order, are the modules in the order of their numbers. A state dict has no tensors for
//!   modules without parameters (activations, dropouts, pools, flattens), so their numbers are
//!   skipped: in `Sequential(Linear, ReLU, Dropout, Linear)` the two Dense layers are `0` and
//!   `3`, and the declaration's `Dropout` and activations are not matched to anything.
//!
//! **Layouts.** PyTorch's tensors are converted to ours (Keras's): a `Linear` weight `(out, in)`
//! is transposed; a convolution's `(O, I, KH, KW)` or `(O, I, K)` becomes `(KH, KW, I, O)` or
//! `(K, I, O)`; a depthwise convolution (`groups` = channels) `(C·M, 1, KH, KW)` becomes
//! `DepthwiseConv2D`'s `(KH, KW, C, M)`; batch normalization's `weight`, `bias`,
//! `running_mean`, `running_var` are `gamma`, `beta`, `moving_mean`, `moving_variance`
//! (`num_batches_tracked` is not used); an LSTM's `weight_ih_l0 (4H, I)` and `weight_hh_l0
//! (4H, H)` are transposed (PyTorch's gates i, f, g, o are Keras's i, f, c, o) and its two
//! biases summed; a GRU's gates r, z, n become Keras's z, r, h, and its two biases the rows of
//! the `(2, 3U)` bias (PyTorch's GRU is Keras's `reset_after = true`). A `Dense` after a
//! `Flatten` of a tensor PyTorch holds channels first (a convolution's or a pool's output, or
//! an image input) gets its rows reordered, so that our channels-last `Flatten` computes what
//! PyTorch's does: the network's input is then PyTorch's input with its channels moved last
//! (`x.permute(0, 2, 3, 1)` for images, `x.permute(0, 2, 1)` for 1-D convolutions; a
//! `batch_first` sequence, a recurrent layer's output and a 2-D input without channels are the
//! same in both, and flattened as they are).
//!
//! **What a state dict cannot show.** It holds tensors, not the computation: the activations,
//! the order of operations, pooling windows, strides, padding, dropout rates and batch
//! normalization's epsilon (PyTorch's default is 1e-5, Keras's 1e-3: declare
//! `BatchNormalization<epsilon = 1e-5>`) are the declaration's, unchecked. Only each tensor's
//! name and shape are compared (a shape carries the units, channels and kernel sizes).
//!
//! **Not read yet:** blocks (`Add<..>`, `Concatenate<..>`), `Bidirectional`, recurrent modules
//! of more than one layer (`num_layers > 1`: their `_l1` tensors are reported as extra),
//! `PReLU`, and `SeparableConv1D`/`SeparableConv2D`, which PyTorch writes as two modules:
//! declare a depthwise convolution and a convolution with a kernel of 1 instead.
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
    /// `weight`, `bias_ih_l0`.
    pub name: &'static str,
    /// Its shape, from the declared tensors.
    pub shape: Vec<Dim>,
    /// Its shape as PyTorch documents it, for messages: `(out, in)`.
    pub meaning: &'static str,
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
        name,
        shape,
        meaning,
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
            ("DepthwiseConv1D" | "DepthwiseConv2D", "depthwise_kernel") if rank >= 3 => spatial(
                [Dim::Times(k, rank - 2, rank - 1), Dim::One],
                [0, 1],
                [
                    "(channels · multiplier, 1, k)",
                    "(channels · multiplier, 1, kh, kw)",
                ],
            ),
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
                | "SimpleRNN",
                _,
            ) => {
                return Err(format!(
                    "its tensor `{key}` has no PyTorch counterpart this reading knows"
                ));
            }
            _ => {
                // PyTorch has no separable convolution: it is two modules.
                let hint = if class.starts_with("Separable") {
                    "; PyTorch's depthwise-separable block is two modules, a `Conv` with \
                     `groups` = channels and a 1 × 1 `Conv`: declare them as a depthwise \
                     convolution and a convolution with a kernel of 1"
                } else {
                    ""
                };
                return Err(format!(
                    "`{class}` layers are not read from PyTorch state dicts (the layers read: \
                     Dense, Conv1D, Conv2D, DepthwiseConv1D, DepthwiseConv2D, \
                     BatchNormalization, LayerNormalization, Embedding, LSTM, GRU, \
                     SimpleRNN){hint}"
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

/// How the declaration's layers were matched to the file's modules.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Naming {
    /// By field name.
    Fields,
    /// By the order of the modules' numbers.
    Positions,
    /// Neither: no module has a declared layer's name, and not every module is named by
    /// numbers.
    Neither,
}

/// The declaration's layers with parameters (their field names) matched to the file's modules.
#[doc(hidden)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matched {
    /// How.
    pub naming: Naming,
    /// For each layer, its module.
    pub modules: Vec<Option<String>>,
    /// The modules no layer was matched to, in order.
    pub extra: Vec<String>,
}

/// Matches the layers `fields` (those with parameters, in order) to `modules` (the file's, each
/// once), by name or by position (see the module's documentation).
#[doc(hidden)]
pub fn match_modules(fields: &[&str], modules: &[&str]) -> Matched {
    let numbers =
        |m: &str| -> Option<Vec<usize>> { m.split('.').map(|p| p.parse().ok()).collect() };
    if modules.iter().any(|m| fields.contains(m)) || modules.is_empty() {
        let found: Vec<Option<String>> = fields
            .iter()
            .map(|f| modules.contains(f).then(|| (*f).to_string()))
            .collect();
        let extra = modules
            .iter()
            .filter(|m| !fields.contains(m))
            .map(|m| (*m).to_string())
            .collect();
        return Matched {
            naming: Naming::Fields,
            modules: found,
            extra,
        };
    }
    let Some(mut ordered) = modules
        .iter()
        .map(|m| numbers(m).map(|n| (n, *m)))
        .collect::<Option<Vec<_>>>()
    else {
        return Matched {
            naming: Naming::Neither,
            modules: vec![None; fields.len()],
            extra: modules.iter().map(|m| (*m).to_string()).collect(),
        };
    };
    ordered.sort();
    let mut ordered = ordered.into_iter().map(|(_, m)| m.to_string());
    let modules = fields.iter().map(|_| ordered.next()).collect();
    Matched {
        naming: Naming::Positions,
        modules,
        extra: ordered.collect(),
    }
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

/// What a layer that got no module is told, after `layer N `field` (Class)`.
#[doc(hidden)]
pub fn unmatched(matched: &Matched, field: &str, layers: usize, modules: &[&str]) -> String {
    let list = |m: &[&str]| {
        m.iter()
            .map(|m| format!("`{m}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match matched.naming {
        Naming::Fields => format!(
            "no module `{field}` in the file (layers are matched to modules by name when a \
             module has a layer's name)"
        ),
        Naming::Positions => format!(
            "no module left for it: the file has {} modules with tensors ({}) and the \
             declaration {layers} layers with parameters, matched in order",
            modules.len(),
            list(modules)
        ),
        Naming::Neither => format!(
            "no module `{field}` in the file, whose modules ({}) are named neither by the \
             declaration's fields nor by numbers (an `nn.Sequential`'s): name the declared \
             layers after the PyTorch modules (`{}: ...`)",
            list(modules),
            modules.first().copied().unwrap_or("name")
        ),
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
    /// Its position in the declaration, counting from 1.
    pub position: usize,
    /// Its Keras class.
    pub class: &'a str,
    /// Its tensors: key and shape (in our layout).
    pub tensors: Vec<(String, Vec<usize>)>,
    /// The shape a `Flatten` before it flattened ([`flattened`]).
    pub flattened: Option<Vec<usize>>,
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
    let mut modules: Vec<&str> = tensors.keys().map(|n| split(n).0).collect();
    modules.sort_unstable();
    modules.dedup();
    let with: Vec<&Declared<'_>> = layers.iter().filter(|l| !l.tensors.is_empty()).collect();
    let fields: Vec<&str> = with.iter().map(|l| l.field).collect();
    let matched = match_modules(&fields, &modules);
    let mut used: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for layer in layers {
        let at = format!(
            "layer {} `{}` ({})",
            layer.position, layer.field, layer.class
        );
        let mut values: Vec<Vec<f64>> = layer
            .tensors
            .iter()
            .map(|(_, s)| vec![0.0; s.iter().product()])
            .collect();
        if layer.tensors.is_empty() {
            out.push(values);
            continue;
        }
        let k = fields
            .iter()
            .position(|f| *f == layer.field)
            .expect("a layer with tensors");
        let Some(module) = &matched.modules[k] else {
            problems.push(format!(
                "{at}: {}",
                unmatched(&matched, layer.field, fields.len(), &modules)
            ));
            out.push(values);
            continue;
        };
        let keys: Vec<(&str, usize)> = layer
            .tensors
            .iter()
            .map(|(k, s)| (k.as_str(), s.len()))
            .collect();
        let parts = match layout(layer.class, &keys) {
            Ok(parts) => parts,
            Err(why) => {
                problems.push(format!("{at}: {why}"));
                used.extend(
                    tensors
                        .keys()
                        .filter(|n| split(n).0 == module)
                        .map(String::as_str),
                );
                out.push(values);
                continue;
            }
        };
        let shapes: Vec<&[usize]> = layer.tensors.iter().map(|(_, s)| s.as_slice()).collect();
        let mut shaped = true;
        for part in &parts {
            let mut found = Vec::new();
            for source in &part.sources {
                let name = format!("{module}.{}", source.name);
                let expected: Option<Vec<usize>> =
                    source.shape.iter().map(|&d| size(d, &shapes)).collect();
                let expected = expected.unwrap_or_default();
                let Some((key, (dtype, shape, bytes))) = tensors.get_key_value(&name) else {
                    problems.push(format!(
                        "{at}: no tensor `{name}`; `{}` needs one of shape {} (PyTorch's {})",
                        layer.tensors[part.ours].0,
                        show(&expected),
                        source.meaning
                    ));
                    continue;
                };
                used.push(key);
                if *shape != expected {
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
        for name in tensors.keys() {
            let (m, tensor) = split(name);
            if m == module && !used.contains(&name.as_str()) && !IGNORED.contains(&tensor) {
                problems.push(format!(
                    "{at}: tensor `{name}` of module `{module}` is not one a {} has",
                    layer.class
                ));
                used.push(name);
            }
        }
        out.push(values);
    }
    for module in &matched.extra {
        let names: Vec<String> = tensors
            .keys()
            .filter(|n| split(n).0 == module && !IGNORED.contains(&split(n).1))
            .map(|n| format!("`{n}`"))
            .collect();
        problems.push(format!(
            "module `{module}` ({}): no layer of the declaration {}",
            names.join(", "),
            match matched.naming {
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
    let mut problems = Vec::new();
    // Each layer's tensors (key and shape), by field name.
    let mut own: BTreeMap<&'static str, Vec<(String, Vec<usize>)>> = BTreeMap::new();
    let mut nested: Vec<&'static str> = Vec::new();
    for (layer, p) in net.params() {
        if p.path.segments().is_empty() && !crate::keras::is_block(declared, layer) {
            own.entry(layer)
                .or_default()
                .push((p.name.to_string(), p.shape.to_vec()));
        } else if !nested.contains(&layer) {
            nested.push(layer);
        }
    }
    for layer in &nested {
        let class = declared
            .iter()
            .find(|l| l.name == *layer)
            .map_or("block", |l| l.class);
        problems.push(format!(
            "layer `{layer}` ({class}): layers that hold layers are not read from PyTorch state \
             dicts yet"
        ));
    }
    let inputs: Vec<(&str, &[usize])> = declared.iter().map(|l| (l.class, l.input)).collect();
    let layers: Vec<Declared<'_>> = declared
        .iter()
        .enumerate()
        .filter(|(_, l)| !nested.contains(&l.name))
        .map(|(index, l)| Declared {
            field: l.name,
            position: index + 1,
            class: l.class,
            tensors: own.remove(l.name).unwrap_or_default(),
            flattened: flattened(&inputs, index).map(<[usize]>::to_vec),
        })
        .collect();
    match read(&layers, &tensors) {
        Ok(values) if problems.is_empty() => {
            let mut ours: BTreeMap<(&str, &str), &[f64]> = BTreeMap::new();
            for (layer, values) in layers.iter().zip(&values) {
                for ((key, _), v) in layer.tensors.iter().zip(values) {
                    ours.insert((layer.field, key.as_str()), v);
                }
            }
            net.visit_params_mut(|layer, p| {
                if let Some(values) = ours.get(&(layer, p.name)) {
                    for (o, &v) in p.values.iter_mut().zip(values.iter()) {
                        *o = T::of(v);
                    }
                }
            });
            Ok(net)
        }
        Ok(_) => Err(mismatch::<N, T>(path, problems)),
        Err(mut found) => {
            problems.append(&mut found);
            Err(mismatch::<N, T>(path, problems))
        }
    }
}

fn mismatch<N: Network<T>, T: Float>(path: &Path, problems: Vec<String>) -> Error {
    Error::Mismatch {
        path: path.to_path_buf(),
        network: N::NAME,
        problems,
    }
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

    #[test]
    fn sequential_modules_are_matched_in_the_order_of_their_numbers() {
        // `10` after `2`, a nested module's numbers after its parent's.
        let matched = match_modules(&["a", "b", "c", "d"], &["10", "2", "0", "2.1"]);
        assert_eq!(matched.naming, Naming::Positions);
        let modules: Vec<&str> = matched
            .modules
            .iter()
            .flatten()
            .map(String::as_str)
            .collect();
        assert_eq!(modules, ["0", "2", "2.1", "10"]);
        assert!(matched.extra.is_empty());
        // By name as soon as one module has a layer's name; the others are extra.
        let matched = match_modules(&["dense", "lstm"], &["lstm", "head"]);
        assert_eq!(matched.naming, Naming::Fields);
        assert_eq!(matched.modules, [None, Some(String::from("lstm"))]);
        assert_eq!(matched.extra, ["head"]);
        let matched = match_modules(&["dense"], &["features.0", "classifier.1"]);
        assert_eq!(matched.naming, Naming::Neither);
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
