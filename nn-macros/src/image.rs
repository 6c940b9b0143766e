//! Checking the image layers: `Input`, `Conv2D`, the pools, `GlobalAvgPool2D` and `Flatten`.
//! Every image size is a literal, so the macro computes each output shape (Keras's rules for
//! valid and same padding and strides) and writes it out: everything works on stable Rust.

use quote::quote;
use syn::Ident;

use crate::ast::{Dim, Layer, LayerDecl, LayerKind, Value, Window};
use crate::check::{
    Errors, WeightOptions, activation, boolean, float_arg, literal_dim, split_args,
};
use crate::names;

/// A whole number written as a literal, greater than zero.
fn count(value: &Value, what: &str, errors: &mut Errors) -> Option<u64> {
    match value {
        Value::Int(lit) => match lit.base10_parse::<u64>() {
            Ok(0) => {
                errors.push(
                    value
                        .span()
                        .error(format!("the {what} is zero; expected at least 1")),
                );
                None
            }
            Ok(v) => Some(v),
            Err(e) => {
                errors.push(value.span().error(e));
                None
            }
        },
        _ => {
            errors.push(value.span().error(format!(
                "expected the {what} as a whole-number literal such as `3` (image sizes are computed \
                 by the macro, so they cannot be named constants)"
            )));
            None
        }
    }
}

/// `(a, b)`, or a single number for both.
fn pair(value: &Value, what: &str, errors: &mut Errors) -> Option<[u64; 2]> {
    match value {
        Value::Tuple { values, .. } if values.len() == 2 => Some([
            count(&values[0], what, errors)?,
            count(&values[1], what, errors)?,
        ]),
        Value::Int(_) => count(value, what, errors).map(|v| [v, v]),
        _ => {
            errors.push(value.span().error(format!(
                "expected the {what} as `(height, width)`, such as `(3, 3)`"
            )));
            None
        }
    }
}

/// `Same` or `Valid`.
fn padding(value: &Value, errors: &mut Errors) -> bool {
    match value {
        Value::Path {
            path, args: None, ..
        } if path.is_ident("Same") => true,
        Value::Path {
            path, args: None, ..
        } if path.is_ident("Valid") => false,
        _ => {
            errors.push(
                value
                    .span()
                    .error("`padding` takes `Valid` (the default) or `Same`"),
            );
            false
        }
    }
}

/// Keras's output size: `floor((in − k) / s) + 1` with valid padding, `ceil(in / s)` with same.
fn window(input: [u64; 3], kernel: [u64; 2], strides: [u64; 2], same: bool) -> Option<Window> {
    let size = |i: usize| {
        let (n, k, s) = (input[i], kernel[i], strides[i]);
        if same {
            Some(n.div_ceil(s))
        } else {
            (k <= n).then(|| (n - k) / s + 1)
        }
    };
    Some(Window {
        input,
        kernel,
        strides,
        same,
        output: [size(0)?, size(1)?],
    })
}

/// Rule: an image layer follows an image. Why: it slides a window over rows and columns.
fn incoming_image(
    decl: &LayerDecl,
    text: &str,
    previous: Option<&Layer>,
    errors: &mut Errors,
) -> Option<[u64; 3]> {
    match previous {
        Some(Layer {
            image: Some(image), ..
        }) => Some(*image),
        Some(previous) => {
            let (origin, position) = &previous.origin;
            errors.push(decl.span.error(format!(
                "`{text}` needs an image, but `{origin}` (layer {position}) produces a vector of {} values",
                previous.output.text
            )));
            None
        }
        None => {
            errors.push(decl.span.error(format!(
                "`{text}` needs an image: declare it first, such as `Input<28, 28, 1>` (height, width, channels)"
            )));
            None
        }
    }
}

/// `Input<H, W, C>`: the network's image, channels last.
pub(crate) fn input(
    decl: &LayerDecl,
    text: &str,
    index: usize,
    after_layers: bool,
    errors: &mut Errors,
) -> Option<Layer> {
    let (positional, _) = split_args(decl, &[], errors);
    if after_layers || index > 0 {
        errors.push(decl.span.error(format!(
            "`{text}` declares the network's input: it must come first"
        )));
        return None;
    }
    let [h, w, c] = positional[..] else {
        errors.push(decl.span.error(format!(
            "`Input` takes 3 arguments, the image's height, width and channels (`Input<28, 28, 1>`), but `{text}` has {}",
            positional.len()
        )));
        return None;
    };
    let image = [
        count(h, "height", errors)?,
        count(w, "width", errors)?,
        count(c, "number of channels", errors)?,
    ];
    let dim = literal_dim(image.iter().product());
    Some(Layer {
        field: Ident::new("input", decl.kind.span()),
        position: index + 1,
        span: decl.kind.span(),
        text: text.to_string(),
        origin: (text.to_string(), index + 1),
        image: Some(image),
        input: dim.clone(),
        output: dim,
        kind: LayerKind::Input,
    })
}

/// `Conv2D<FILTERS, (KH, KW)[, Activation][, option = value]...>`.
pub(crate) fn conv2d(
    decl: &LayerDecl,
    text: &str,
    previous: Option<&Layer>,
    errors: &mut Errors,
) -> Option<(Dim, Dim, LayerKind)> {
    let (positional, options) = split_args(decl, names::CONV_OPTIONS, errors);
    if !(2..=3).contains(&positional.len()) {
        errors.push(decl.span.error(format!(
            "`Conv2D` takes 2 or 3 arguments, its filters, its kernel size and optionally an activation \
             (`Conv2D<32, (3, 3), Relu>`), but `{text}` has {}",
            positional.len()
        )));
        return None;
    }
    let filters = count(positional[0], "number of filters", errors);
    let kernel = pair(positional[1], "kernel size", errors);
    let (mut strides, mut same) = ([1, 1], false);
    let mut shared = WeightOptions::new(positional.get(2).copied());
    for (key, value) in options {
        match key.to_string().as_str() {
            "strides" => strides = pair(value, "strides", errors).unwrap_or([1, 1]),
            "padding" => same = padding(value, errors),
            _ => {
                let taken = shared.take(key, value, errors);
                assert!(taken, "split_args keeps known options only");
            }
        }
    }
    let image = incoming_image(decl, text, previous, errors)?;
    let (filters, kernel) = (filters?, kernel?);
    let Some(window) = window(image, kernel, strides, same) else {
        errors.push(decl.span.error(format!(
            "`{text}`: its {} × {} kernel is larger than its {} × {} input, so valid padding leaves no \
             output; use a smaller kernel or `padding = Same`",
            kernel[0], kernel[1], image[0], image[1]
        )));
        return None;
    };
    let (activation_ty, activation) = shared.activation(errors);
    let WeightOptions {
        use_bias,
        kernel_initializer,
        bias_initializer,
        settings,
        ..
    } = shared;
    let input = previous.map(|p| p.output.clone())?;
    let output = literal_dim(window.output[0] * window.output[1] * filters);
    let kind = LayerKind::Conv2D {
        filters,
        window,
        activation_ty,
        activation,
        use_bias,
        kernel_initializer,
        bias_initializer,
        settings,
    };
    Some((input, output, kind))
}

/// `MaxPool2D<(PH, PW)>` and `AvgPool2D<(PH, PW)>`, strides defaulting to the pool size.
pub(crate) fn pool(
    decl: &LayerDecl,
    text: &str,
    previous: Option<&Layer>,
    max: bool,
    errors: &mut Errors,
) -> Option<(Dim, Dim, LayerKind)> {
    let (positional, options) = split_args(decl, names::POOL_OPTIONS, errors);
    let [size] = positional[..] else {
        errors.push(decl.span.error(format!(
            "`{}` takes 1 argument, its pool size (`{}<(2, 2)>`), but `{text}` has {}",
            decl.kind,
            decl.kind,
            positional.len()
        )));
        return None;
    };
    let size = pair(size, "pool size", errors);
    let (mut strides, mut same) = (None, false);
    for (key, value) in options {
        match key.to_string().as_str() {
            "strides" => strides = pair(value, "strides", errors),
            "padding" => same = padding(value, errors),
            _ => unreachable!("split_args keeps known options only"),
        }
    }
    let image = incoming_image(decl, text, previous, errors)?;
    let size = size?;
    let Some(window) = window(image, size, strides.unwrap_or(size), same) else {
        errors.push(decl.span.error(format!(
            "`{text}` leaves nothing: its {} × {} pool is larger than its {} × {} input; use a smaller \
             pool or `padding = Same`",
            size[0], size[1], image[0], image[1]
        )));
        return None;
    };
    let input = previous.map(|p| p.output.clone())?;
    let output = literal_dim(window.output[0] * window.output[1] * image[2]);
    Some((input, output, LayerKind::Pool { max, window }))
}

/// `GlobalAvgPool2D`: an image's channels averaged over all positions.
pub(crate) fn global_average(
    decl: &LayerDecl,
    text: &str,
    previous: Option<&Layer>,
    errors: &mut Errors,
) -> Option<(Dim, Dim, LayerKind)> {
    no_arguments(decl, text, errors);
    let [_, _, c] = incoming_image(decl, text, previous, errors)?;
    let input = previous.map(|p| p.output.clone())?;
    Some((input, literal_dim(c), LayerKind::GlobalAvgPool))
}

/// `Flatten`: an image as a vector of its values.
pub(crate) fn flatten(
    decl: &LayerDecl,
    text: &str,
    previous: Option<&Layer>,
    errors: &mut Errors,
) -> Option<(Dim, Dim, LayerKind)> {
    no_arguments(decl, text, errors);
    let from = incoming_image(decl, text, previous, errors)?;
    let width = previous.map(|p| p.output.clone())?;
    Some((width.clone(), width, LayerKind::Flatten { from }))
}

/// Rule: argument-less layers take no arguments. Why: they have nothing to set.
fn no_arguments(decl: &LayerDecl, text: &str, errors: &mut Errors) {
    let (positional, _) = split_args(decl, &[], errors);
    if !positional.is_empty() {
        errors.push(decl.span.error(format!(
            "`{}` takes no arguments, but `{text}` has {}",
            decl.kind,
            positional.len()
        )));
    }
}

/// `BatchNormalization[<momentum = 0.99, epsilon = 1e-3>]`, over the channels of an image or
/// the units of a vector.
pub(crate) fn batch_norm(
    decl: &LayerDecl,
    text: &str,
    previous: Option<&Layer>,
    errors: &mut Errors,
) -> Option<(Dim, Dim, LayerKind)> {
    let (positional, options) = split_args(decl, names::BATCH_NORM_OPTIONS, errors);
    if !positional.is_empty() {
        errors.push(decl.span.error(format!(
            "`BatchNormalization` takes only options (`momentum = 0.99`, `epsilon = 1e-3`), but `{text}` has {} arguments",
            positional.len()
        )));
    }
    let (mut momentum, mut epsilon, mut trainable) = (quote!(0.99), quote!(0.001), true);
    for (key, value) in options {
        match key.to_string().as_str() {
            "momentum" => momentum = float_arg(value, errors),
            "epsilon" => epsilon = float_arg(value, errors),
            "trainable" => trainable = boolean(value, "trainable", errors),
            _ => unreachable!("split_args keeps known options only"),
        }
    }
    let Some(previous) = previous else {
        errors.push(decl.span.error("a network cannot start with `BatchNormalization`: its width comes from the layer before it"));
        return None;
    };
    let width = previous.output.clone();
    let channels = match previous.image {
        Some([_, _, c]) => literal_dim(c),
        None => width.clone(),
    };
    Some((
        width.clone(),
        width,
        LayerKind::BatchNorm {
            channels,
            momentum,
            epsilon,
            trainable,
        },
    ))
}

/// `Activation<Relu>`, `LeakyReLU[<negative_slope = 0.3>]`, `ELU[<alpha = 1.0>]`: an activation
/// on its own, over an image's channels or a vector's units (Keras's layer defaults).
pub(crate) fn activation_layer(
    decl: &LayerDecl,
    text: &str,
    previous: Option<&Layer>,
    errors: &mut Errors,
) -> Option<(Dim, Dim, LayerKind)> {
    let kind = decl.kind.to_string();
    let options: &[&str] = match kind.as_str() {
        "LeakyReLU" => &["negative_slope"],
        "ELU" => &["alpha"],
        _ => &[],
    };
    let (positional, settings) = split_args(decl, options, errors);
    let (activation_ty, activation) = match kind.as_str() {
        "Activation" => {
            let [value] = positional[..] else {
                errors.push(decl.span.error(format!(
                    "`Activation` takes 1 argument, the activation (`Activation<Relu>`), but `{text}` has {}",
                    positional.len()
                )));
                return None;
            };
            activation(value, errors)
        }
        _ => {
            if !positional.is_empty() {
                errors.push(decl.span.error(format!(
                    "`{kind}` takes only options, but `{text}` has {} arguments",
                    positional.len()
                )));
            }
            let parameter = settings.first().map_or_else(
                || {
                    if kind == "LeakyReLU" {
                        quote!(0.3)
                    } else {
                        quote!(1.0)
                    }
                },
                |(_, value)| float_arg(value, errors),
            );
            if kind == "LeakyReLU" {
                (
                    quote!(::nn::LeakyRelu),
                    quote!(::nn::LeakyRelu::new(#parameter)),
                )
            } else {
                (quote!(::nn::Elu), quote!(::nn::Elu::new(#parameter)))
            }
        }
    };
    let Some(previous) = previous else {
        errors.push(decl.span.error(format!(
            "a network cannot start with `{kind}`: its width comes from the layer before it"
        )));
        return None;
    };
    let width = previous.output.clone();
    let channels = match previous.image {
        Some([_, _, c]) => literal_dim(c),
        None => width.clone(),
    };
    // `LeakyReLU` and `ELU` report their own Keras class; `Activation<..>` reports `Activation`.
    let own_class = kind != "Activation";
    Some((
        width.clone(),
        width,
        LayerKind::Activation {
            activation_ty,
            activation,
            channels,
            own_class,
        },
    ))
}
