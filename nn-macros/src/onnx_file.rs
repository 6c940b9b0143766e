//! `#[onnx("model.onnx")]` on a declaration: an ONNX file checked against the declaration
//! during the build by the runtime's own reading (`nn_core::onnx`, what `Net::load_onnx` runs),
//! so the build reports exactly the differences loading would, each at its layer; the crate is
//! rebuilt when the file changes. `#[onnx("..", embed)]` also builds the weights in
//! (`Net::EMBEDDED`, no `std` needed): converted to our layout during the build and written into
//! the program as bytes, as `#[pytorch(.., embed)]` writes them; a block's tensors are its
//! layers', in order (first branch, then second), as `#[keras(.., embed)]` builds them.
//!
//! The reading walks the graph against the network's Keras description (`Network::KERAS`),
//! which the compiler makes from the declaration; here it is made by the macro from the same
//! layers, every size and setting a value the macro knows.

use nn_keras::config::{LayerConfig, ModelConfig, Setting as KerasSetting, Value};

use crate::embed::{self, field_name};
use crate::errors::Errors;
use crate::ir::{Expr, KerasValue, Layer, Network, Root, Size};

/// Takes the `#[onnx("...")]` attribute off `network` and checks the declaration against the
/// file it names (building its weights in with `embed`).
pub(crate) fn apply(network: &mut Network, errors: &mut Errors) {
    let example = "#[onnx(\"model.onnx\", embed)]";
    let Some((path, name, embed, fail)) = embed::take_file(network, "onnx", example, errors) else {
        return;
    };
    let bytes = match embed::read_file(&path) {
        Ok(bytes) => bytes,
        Err(problem) => {
            errors.push(fail(problem));
            return;
        }
    };
    network.files.push(path.to_string_lossy().into_owned());
    let config = match model_config(network) {
        Ok(config) => config,
        Err(refusals) => {
            for (span, problem) in refusals {
                errors.push(syn::Error::new(span, format!("`{name}`: {problem}")));
            }
            return;
        }
    };
    // The network's name, as the runtime names it in messages (which are placed here, not
    // shown whole).
    let found = match nn_core::onnx::weights(&bytes, &path, &config, config.name) {
        Ok(found) => found,
        Err(nn_core::Error::Mismatch { problems, .. }) => {
            // A block's problems name its layers: each at the block.
            let names: Vec<Vec<String>> = network.layers.iter().map(names).collect();
            embed::at_layers(network, &name, problems, errors, |i, problem| {
                names[i]
                    .iter()
                    .any(|n| problem.starts_with(&format!("layer `{n}` (")))
            });
            return;
        }
        Err(other) => {
            errors.push(fail(format!("cannot be read: {other}")));
            return;
        }
    };
    // Each declared tensor from the file, as `Network::from_onnx` sets them; a block's are its
    // layers', in order (as `#[keras(.., embed)]` builds a block in).
    let mut values = Vec::new();
    let mut missing = Vec::new();
    for layer in &network.layers {
        let mut layer_values = Vec::new();
        for inner in leaves(layer) {
            let field = field_name(inner);
            let tensors = found.get(field.as_str());
            let count = inner.build.tensors.len();
            for (k, param) in inner.build.tensors.iter().enumerate() {
                // A `Bidirectional`'s tensors are its forward layer's, then its backward
                // one's, found as `forward_kernel`, `backward_kernel`.
                let name = if inner.class == nn_keras::class::BIDIRECTIONAL {
                    let direction = if k < count / 2 { "forward" } else { "backward" };
                    format!("{direction}_{}", param.name)
                } else {
                    param.name.to_string()
                };
                let size: Option<usize> = param.shape.iter().map(Size::value).product();
                match tensors.and_then(|t| t.iter().find(|(n, _)| *n == name)) {
                    Some((_, v)) if size.is_none_or(|s| s == v.len()) => {
                        layer_values.push(v.clone());
                    }
                    Some((_, v)) => missing.push((
                        layer.span,
                        format!(
                            "layer `{field}`: the file's `{name}` holds {} values, the \
                             declaration's {}",
                            v.len(),
                            size.unwrap_or_default()
                        ),
                    )),
                    None => missing.push((
                        layer.span,
                        format!("layer `{field}`: the file has no `{name}` for it"),
                    )),
                }
            }
        }
        values.push(layer_values);
    }
    if !missing.is_empty() {
        for (span, problem) in missing {
            errors.push(syn::Error::new(span, format!("`{name}`: {problem}")));
        }
        return;
    }
    if embed {
        embed::build_in(network, path.to_string_lossy().into_owned(), values);
    }
}

/// The layers that hold a block's tensors, in the order of its tensors (its first branch's, then
/// its second's, a block within it by its own): the layer itself when it is not a block.
fn leaves(layer: &Layer) -> Vec<&Layer> {
    match &layer.block {
        None => vec![layer],
        Some(block) => block
            .branches
            .iter()
            .flat_map(|b| &b.layers)
            .flat_map(leaves)
            .collect(),
    }
}

/// The names of a layer and of the layers its block holds.
fn names(layer: &Layer) -> Vec<String> {
    let mut out = vec![field_name(layer)];
    for branch in layer.block.iter().flat_map(|b| &b.branches) {
        out.extend(branch.layers.iter().flat_map(names));
    }
    out
}

/// What a declaration cannot be checked with, at its place.
type Refusals = Vec<(proc_macro2::Span, String)>;

/// The network as `Network::KERAS` describes it, made from the declaration: what the compiler
/// makes of `expand::network_impl`'s `keras_config`, with every name and slice leaked for the
/// macro's run (a `ModelConfig` holds `'static` ones, as the compiler's constants do).
fn model_config(network: &Network) -> Result<ModelConfig, Refusals> {
    let mut refusals = Refusals::new();
    let input = sizes(&network.input_shape).unwrap_or_else(|| {
        refusals.push((
            network.ident.span(),
            String::from(
                "the input has a size given by a named constant, but an ONNX file is checked \
                 during the build only against sizes that are numbers (write the number, or \
                 read the file at run time with `load_onnx`)",
            ),
        ));
        Vec::new()
    });
    let mut layers = Vec::new();
    keras_layers(&network.layers, None, &mut layers, &mut refusals);
    if !refusals.is_empty() {
        return Err(refusals);
    }
    Ok(ModelConfig {
        name: leak_str(network.ident.to_string()),
        input: leak(input),
        layers: leak(layers),
    })
}

/// The Keras layers of a chain fed by the layer named `fed` (`None`: the network's input),
/// appended to `out`, as `keras_layers` in `expand::network_impl`; the name of the last.
fn keras_layers(
    layers: &[Layer],
    mut fed: Option<&'static str>,
    out: &mut Vec<LayerConfig>,
    refusals: &mut Refusals,
) -> Option<&'static str> {
    for layer in layers {
        let name = leak_str(field_name(layer));
        let inputs: Vec<&'static str> = match &layer.block {
            Some(block) => block
                .branches
                .iter()
                .map(|branch| keras_layers(&branch.layers, fed, out, refusals).unwrap_or(""))
                .collect(),
            None => fed.into_iter().collect(),
        };
        let mut refuse = |what: String| {
            refusals.push((
                layer.span,
                format!(
                    "layer `{name}`: `{}` has {what}, but an ONNX file is checked during the \
                     build only against layers whose sizes and settings are written as values \
                     (write the value, or read the file at run time with `load_onnx`)",
                    layer.text
                ),
            ));
        };
        let (Some(input), Some(output)) = (sizes(&layer.input_shape), sizes(&layer.shape)) else {
            refuse(String::from("a size given by a named constant"));
            fed = Some(name);
            continue;
        };
        let mut settings = Vec::new();
        for setting in layer.keras.iter().filter(|s| s.checked) {
            match value(&setting.value) {
                Some(value) => settings.push(KerasSetting::checked(
                    leak_str(setting.key.to_string()),
                    value,
                )),
                None => refuse(format!("`{}` = {}", setting.key, setting.value.text())),
            }
        }
        out.push(LayerConfig {
            name,
            class: layer.class,
            input: leak(input),
            output: leak(output),
            inputs: leak(inputs),
            settings: leak(settings),
        });
        fed = Some(name);
    }
    fed
}

fn sizes(shape: &[Size]) -> Option<Vec<usize>> {
    shape.iter().map(Size::value).collect()
}

/// A setting's value, when the macro knows it (not a named constant, nor a user's activation).
fn value(value: &KerasValue) -> Option<Value> {
    Some(match value {
        KerasValue::Size(n) => Value::Size(n.value()?),
        KerasValue::Float(Expr::Float(x)) => Value::Float(*x),
        KerasValue::Bool(b) => Value::Bool(*b),
        KerasValue::Str(s) => Value::Str(s),
        KerasValue::Text(s) => Value::Str(leak_str(s.clone())),
        KerasValue::Sizes(sizes) => Value::Sizes(leak(sizes.clone())),
        KerasValue::LastAxis => Value::LastAxis,
        KerasValue::Activation(ty) if matches!(ty.root, Root::Core) => {
            Value::Str(activation_name(&ty.segments.last()?.to_string())?)
        }
        KerasValue::Float(_) | KerasValue::Activation(_) | KerasValue::Initializer { .. } => {
            return None;
        }
    })
}

/// A built-in activation's `Activation::NAME`, by its type's name.
fn activation_name(ty: &str) -> Option<&'static str> {
    macro_rules! names {
        ($($t:ident),*) => {
            match ty {
                $(stringify!($t) => <nn_core::$t as nn_core::Activation>::NAME,)*
                _ => return None,
            }
        };
    }
    Some(names!(
        Linear,
        Relu,
        Relu6,
        LeakyRelu,
        Elu,
        Selu,
        Gelu,
        GeluApprox,
        Softplus,
        Softsign,
        Mish,
        Exponential,
        Softmax,
        LogSoftmax,
        Sigmoid,
        HardSigmoid,
        Silu,
        HardSilu,
        Tanh
    ))
}

fn leak<T>(items: Vec<T>) -> &'static [T] {
    Box::leak(items.into_boxed_slice())
}

fn leak_str(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}
