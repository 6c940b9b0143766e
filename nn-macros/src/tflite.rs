//! `#[tflite("model.tflite")]` on an `#[int8]` declaration: the TensorFlow Lite file is read
//! during the build by the runtime's own reader, with the declaration's layers in the form the
//! runtime reads them at run time ([`nn_core::int8::Built`]), so that every difference is a
//! compile error at its layer, exactly those `load_tflite` would report. With `embed`, the
//! constants read become `EMBEDDED`, the int8 network as a constant.

use nn_core::int8::built::Failure;
use nn_core::int8::{Bounds, Built, Form, Geometry, Padding, Parts, Step, Then};

use crate::embed;
use crate::errors::Errors;
use crate::ir::{Int8Embedded, KerasValue, Layer, Network, Root, Size};

/// Takes `#[tflite(..)]` off `network` and checks the file against the declaration;
/// `asked_int8`: the declaration had `#[int8]` (refused if `network.int8` is not set, with its
/// own error).
pub(crate) fn apply(network: &mut Network, asked_int8: bool, errors: &mut Errors) {
    let example = "#[tflite(\"model.tflite\")]` or `#[tflite(\"model.tflite\", embed)]";
    let Some(args) = embed::Args::take(network, "tflite", example, errors) else {
        return;
    };
    let span = args.path.span();
    if !network.int8 {
        if !asked_int8 {
            errors.push(syn::Error::new(
                span,
                "`#[tflite]` reads an int8 network: add `#[int8]` to the declaration",
            ));
        }
        return;
    }
    let path = args.full_path();
    let name = args.path.value();
    let bytes = match embed::read_file(&path) {
        Ok(bytes) => bytes,
        Err(problem) => {
            errors.push(syn::Error::new(span, format!("`{name}` {problem}")));
            return;
        }
    };
    let mut unsupported = Vec::new();
    let mut steps = steps(&network.layers, &mut unsupported);
    if !unsupported.is_empty() {
        // The compiler names each layer without an int8 form (its `Quantize` bound). A layer of
        // a kind that has one, whose activation the build does not know (a type of the
        // user's), is named here: the file cannot be checked during the build.
        for position in unsupported {
            if let Some(layer) = find(&network.layers, position)
                && ACTIVATED.contains(&layer.class)
            {
                errors.push(syn::Error::new(
                    layer.span,
                    format!(
                        "`#[tflite]` checks the file during the build for layers whose \
                         activation is one of nn's (`Relu`, `Relu6`, `Softmax`, `LogSoftmax`, \
                         `Sigmoid`, `Tanh`, `LeakyRelu`, `Elu`, `HardSilu`, `Gelu`, \
                         `GeluApprox`, or none); `{}` has another: read the file at run time \
                         (`Int8::<{}>::load_tflite`)",
                        layer.text, network.ident
                    ),
                ));
            }
        }
        return;
    }
    let (input, output) = match nn_core::int8::built::read(&bytes, &mut steps) {
        Ok(found) => found,
        Err(Failure::Format(problem)) => {
            errors.push(syn::Error::new(
                span,
                format!("`{name}` cannot be read as an int8 network: {problem}"),
            ));
            return;
        }
        Err(Failure::Mismatch(problems)) => {
            for (position, problem) in problems {
                let at = position
                    .and_then(|p| find(&network.layers, p))
                    .map_or(span, |l| l.span);
                errors.push(syn::Error::new(
                    at,
                    format!("`{name}` differs from the declaration: {problem}"),
                ));
            }
            return;
        }
    };
    network.files.push(path.to_string_lossy().into_owned());
    if args.embed {
        network.tflite = Some(Int8Embedded {
            steps,
            input,
            output,
        });
    }
}

/// The layer at `position`, blocks' layers included.
fn find(layers: &[Layer], position: usize) -> Option<&Layer> {
    layers.iter().find_map(|l| {
        if l.position == position {
            return Some(l);
        }
        l.block
            .iter()
            .flat_map(|b| &b.branches)
            .find_map(|b| find(&b.layers, position))
    })
}

/// The classes of the layers with an int8 form that end in an activation.
const ACTIVATED: [&str; 9] = [
    "Dense",
    "Conv2D",
    "DepthwiseConv2D",
    "SeparableConv2D",
    "Conv1D",
    "DepthwiseConv1D",
    "SeparableConv1D",
    "Activation",
    "LeakyReLU",
];

/// Each layer's int8 form, as the runtime's `Quantize::int8` gives it; the layers that have
/// none are collected in `unsupported`.
fn steps(layers: &[Layer], unsupported: &mut Vec<usize>) -> Vec<Step> {
    layers
        .iter()
        .filter_map(|layer| {
            let Some(built) = built(layer, unsupported) else {
                unsupported.push(layer.position);
                return None;
            };
            Some(Step {
                position: layer.position,
                field: layer.field.to_string(),
                // As the run-time reading names it: the layer as written.
                class: layer.text.clone(),
                layer: built,
            })
        })
        .collect()
}

/// A known size (`#[int8]` refuses named ones).
fn known(size: &Size) -> usize {
    size.value().unwrap_or(0)
}

/// A layer's Keras setting `key`.
fn setting<'a>(layer: &'a Layer, key: &str) -> Option<&'a KerasValue> {
    layer.keras.iter().find(|s| s.key == key).map(|s| &s.value)
}

/// A setting of two numbers (`kernel_size`, `strides`), `default` without it. A 1-D layer's
/// one number is the second: its window runs along a row ([`image`]).
fn pair(layer: &Layer, key: &str, default: (usize, usize)) -> (usize, usize) {
    match setting(layer, key) {
        Some(KerasValue::Sizes(s)) if s.len() == 2 => (s[0], s[1]),
        Some(KerasValue::Sizes(s)) if s.len() == 1 => (1, s[0]),
        _ => default,
    }
}

/// The int8 forms of nn's activations, by their names: the runtime's own constants (its
/// `Ending::FORM`), so that the build reads a file with the forms the program would.
static FORMS: [(&str, Form); 13] = {
    use nn_core::int8::Ending;
    [
        ("Linear", <nn_core::Linear as Ending>::FORM),
        ("Relu", <nn_core::Relu as Ending>::FORM),
        ("Relu6", <nn_core::Relu6 as Ending>::FORM),
        ("Softmax", <nn_core::Softmax as Ending>::FORM),
        ("Sigmoid", <nn_core::Sigmoid as Ending>::FORM),
        ("Tanh", <nn_core::Tanh as Ending>::FORM),
        ("LeakyRelu", <nn_core::LeakyRelu as Ending>::FORM),
        ("Elu", <nn_core::Elu as Ending>::FORM),
        ("HardSilu", <nn_core::HardSilu as Ending>::FORM),
        ("HardSwish", <nn_core::HardSwish as Ending>::FORM),
        ("Gelu", <nn_core::Gelu as Ending>::FORM),
        ("LogSoftmax", <nn_core::LogSoftmax as Ending>::FORM),
        ("GeluApprox", <nn_core::GeluApprox as Ending>::FORM),
    ]
};

/// The name of a built-in activation the path names: nn's own, written bare (`Relu`) or
/// through the crate (`nn::Relu`, with or without a leading `::`); `None` for a type of the
/// user's.
fn builtin(path: &crate::ir::Path) -> Option<String> {
    match &path.root {
        Root::Core => path.segments.last().map(ToString::to_string),
        Root::User(tokens) => {
            let text: String = tokens.to_string().split_whitespace().collect();
            let name = text
                .strip_prefix("::")
                .unwrap_or(&text)
                .strip_prefix("nn::")?;
            FORMS
                .iter()
                .any(|(n, _)| *n == name)
                .then(|| name.to_string())
        }
    }
}

/// The form of the layer's activation (its `activation` setting), as the runtime's `Ending`
/// gives it; `None` for one without an int8 form.
fn form(layer: &Layer) -> Option<&'static Form> {
    if layer.class == "LeakyReLU" {
        return Some(&FORMS[6].1);
    }
    let name = match setting(layer, "activation") {
        None => "Linear".to_string(),
        Some(KerasValue::Activation(path)) => builtin(path)?,
        // A built-in activation with its argument: `LeakyRelu(0.3)`.
        Some(KerasValue::Text(text)) if text.starts_with("LeakyRelu(") => "LeakyRelu".to_string(),
        Some(KerasValue::Text(text)) if text.starts_with("Elu(") => "Elu".to_string(),
        // GELU's tanh approximation, which has no Keras name.
        Some(KerasValue::Text(text)) if text == "GeluApprox" => text.clone(),
        Some(_) => return None,
    };
    FORMS.iter().find(|(n, _)| *n == name).map(|(_, form)| form)
}

/// The declared slope of a leaky ReLU (the layer's `negative_slope`, or its activation's
/// argument, `LeakyRelu`'s default without one) or alpha of an ELU (its argument, 1 without
/// one); `None` for another activation, or a slope given by a named constant, which the build
/// does not know.
fn slope(layer: &Layer) -> Option<f32> {
    if layer.class == "LeakyReLU" {
        return match setting(layer, "negative_slope")? {
            KerasValue::Float(crate::ir::Expr::Float(x)) => Some(*x as f32),
            _ => None,
        };
    }
    match setting(layer, "activation")? {
        KerasValue::Activation(path) if builtin(path).is_some_and(|s| s == "LeakyRelu") => {
            Some(nn_core::LeakyRelu::DEFAULT.negative_slope as f32)
        }
        KerasValue::Activation(path) if builtin(path).is_some_and(|s| s == "Elu") => {
            Some(nn_core::Elu::default().alpha as f32)
        }
        KerasValue::Text(text) => text
            .strip_prefix("LeakyRelu(")
            .or_else(|| text.strip_prefix("Elu("))?
            .strip_suffix(')')?
            .trim()
            .parse::<f64>()
            .ok()
            .map(|x| x as f32),
        _ => None,
    }
}

/// The clamp a convolution's activation fuses.
fn clamp(layer: &Layer) -> Option<Bounds> {
    match *form(layer)? {
        Form::Clamp(bounds) => Some(bounds),
        _ => None,
    }
}

/// The image a layer reads: height, width, channels.
fn image(layer: &Layer) -> Option<(usize, usize, usize)> {
    match layer.input_shape.as_slice() {
        [h, w, c] => Some((known(h), known(w), known(c))),
        // A sequence, as TensorFlow Lite's 2-D operators read it: a row of steps.
        [steps, c] => Some((1, known(steps), known(c))),
        _ => None,
    }
}

/// The geometry of a layer's window (`size_key`: `kernel_size`, `pool_size`) into `channels`.
fn geometry(layer: &Layer, size_key: &str, channels: usize) -> Option<Geometry> {
    let input = image(layer)?;
    let kernel = pair(layer, size_key, (1, 1));
    let strides = pair(layer, "strides", kernel);
    let dilations = pair(layer, "dilation_rate", (1, 1));
    let padding = match setting(layer, "padding") {
        Some(KerasValue::Str("same")) => Padding::Same,
        Some(KerasValue::Str("causal")) => {
            // Every step's window ends at it: all the padding before, as a `PAD` gives it.
            let before = (kernel.1.max(1) - 1) * dilations.1;
            let (h, w, c) = input;
            let mut g = Geometry::new(
                (h, w + before, c),
                kernel,
                channels,
                strides,
                dilations,
                Padding::Valid,
            );
            (g.input, g.padding) = (input, (0, before));
            return Some(g);
        }
        _ => Padding::Valid,
    };
    Some(Geometry::new(
        input, kernel, channels, strides, dilations, padding,
    ))
}

/// `built`, a layer whose declared activation is an operator of its own after it (`len`
/// values).
fn activated(layer: &Layer, built: Built, len: usize) -> Built {
    let form = *form(layer).expect("the caller checked the form");
    Built::Activated {
        layer: Box::new(built),
        form,
        then: Then::declare(form, slope(layer)),
        len,
    }
}

/// The int8 form of one layer, `None` when it has none.
fn built(layer: &Layer, unsupported: &mut Vec<usize>) -> Option<Built> {
    let (inputs, outputs) = (known(&layer.input), known(&layer.output));
    let last = |shape: &[Size]| shape.last().map_or(0, known);
    if let Some(block) = &layer.block {
        let [first, second] = &block.branches;
        if layer.class == "Concatenate" {
            let positions = outputs / last(&layer.shape).max(1);
            let channels = |b: &crate::ir::Branch| known(&b.output) / positions.max(1);
            return Some(Built::Concat {
                first: steps(&first.layers, unsupported),
                second: steps(&second.layers, unsupported),
                channels: (channels(first), channels(second)),
                len: outputs,
            });
        }
        if layer.class != "Add" {
            return None;
        }
        return Some(Built::Fork {
            first: steps(&first.layers, unsupported),
            second: steps(&second.layers, unsupported),
            add: nn_core::int8::kernels::Add {
                a_zero: 0,
                b_zero: 0,
                a: nn_core::int8::Multiplier { value: 0, shift: 0 },
                b: nn_core::int8::Multiplier { value: 0, shift: 0 },
                sum: nn_core::int8::Multiplier { value: 0, shift: 0 },
                output: nn_core::int8::Output::FULL,
            },
            len: outputs,
        });
    }
    Some(match layer.class {
        "Dense" => match Built::dense(inputs, outputs, *form(layer)?) {
            Built::Dense { form, parts, .. } => Built::Dense {
                form,
                parts,
                then: Then::declare(form, slope(layer)),
            },
            other => other,
        },
        "Conv2D" | "Conv1D" => {
            let filters = last(&layer.shape);
            let g = geometry(layer, "kernel_size", filters)?;
            let taps = g.kernel.0 * g.kernel.1 * g.input.2;
            if form(layer)?.observed() {
                let conv = Parts::zeroed(g, Bounds::NONE, taps * filters, filters);
                return Some(activated(layer, Built::Conv(conv), outputs));
            }
            Built::Conv(Parts::zeroed(g, clamp(layer)?, taps * filters, filters))
        }
        "DepthwiseConv2D" | "DepthwiseConv1D" => {
            let channels = last(&layer.shape);
            let g = geometry(layer, "kernel_size", channels)?;
            let taps = g.kernel.0 * g.kernel.1;
            if form(layer)?.observed() {
                let parts = Parts::zeroed(g, Bounds::NONE, taps * channels, channels);
                return Some(activated(layer, Built::Depthwise(parts), outputs));
            }
            Built::Depthwise(Parts::zeroed(g, clamp(layer)?, taps * channels, channels))
        }
        "SeparableConv2D" | "SeparableConv1D" => {
            let (_, _, c) = image(layer)?;
            let multiplier = match setting(layer, "depth_multiplier") {
                Some(KerasValue::Size(m)) => known(m),
                _ => 1,
            };
            let mid = c * multiplier;
            let filters = last(&layer.shape);
            let g = geometry(layer, "kernel_size", mid)?;
            let (oh, ow, _) = g.output;
            let taps = g.kernel.0 * g.kernel.1;
            let pointwise = Geometry::new(
                (oh, ow, mid),
                (1, 1),
                filters,
                (1, 1),
                (1, 1),
                Padding::Valid,
            );
            let observed = form(layer)?.observed();
            let bounds = if observed {
                Bounds::NONE
            } else {
                clamp(layer)?
            };
            let separable = Built::Separable {
                depthwise: Parts::zeroed(g, Bounds::NONE, taps * mid, mid),
                pointwise: Parts::zeroed(pointwise, bounds, mid * filters, filters),
            };
            if observed {
                return Some(activated(layer, separable, outputs));
            }
            separable
        }
        class @ ("MaxPooling2D" | "AveragePooling2D" | "MaxPooling1D" | "AveragePooling1D") => {
            let (_, _, c) = image(layer)?;
            Built::Pool {
                max: class.starts_with("Max"),
                geometry: geometry(layer, "pool_size", c)?,
                clamp: (-128, 127),
            }
        }
        "GlobalAveragePooling2D" | "GlobalAveragePooling1D" => {
            Built::global_average(inputs, outputs)
        }
        "GlobalMaxPooling2D" | "GlobalMaxPooling1D" => Built::global_max(inputs, outputs),
        "BatchNormalization" => Built::Norm {
            len: inputs,
            channels: last(&layer.input_shape),
            read: nn_core::int8::NormRead::Folded,
        },
        "LSTM" => {
            // TensorFlow's converter writes no int8 LSTM that reads backwards.
            if matches!(setting(layer, "go_backwards"), Some(KerasValue::Bool(true))) {
                return None;
            }
            let sequences = matches!(
                setting(layer, "return_sequences"),
                Some(KerasValue::Bool(true))
            );
            let units = match setting(layer, "units") {
                Some(KerasValue::Size(u)) => known(u),
                _ => return None,
            };
            let [steps, features] = layer.input_shape.as_slice() else {
                return None;
            };
            Built::lstm(known(steps), known(features), units, sequences)
        }
        "Dropout" => Built::Pass,
        "PReLU" => Built::prelu(inputs),
        "Flatten" => Built::Reshape(inputs),
        "Activation" | "LeakyReLU" => Built::Activation {
            len: inputs,
            layer: nn_core::int8::Activation {
                min: -128,
                max: 127,
                form: form(layer)?,
                then: Then::declare(*form(layer)?, slope(layer)),
            },
        },
        _ => return None,
    })
}
