//! Checking: one function per rule. Each turns a piece of the parsed declaration into the
//! checked model, or reports what is wrong (and substitutes something consistent, so that every
//! mistake in the invocation is reported in one build).

use proc_macro2::{Literal, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::Ident;

use crate::ast::{Arg, Dim, Layer, LayerDecl, LayerKind, Network, NetworkDecl, SpanRange, Value};
use crate::{image, names};

/// The errors found so far.
#[derive(Default)]
pub(crate) struct Errors(Vec<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        self.0.push(error);
    }

    pub(crate) fn into_compile_errors(self) -> TokenStream {
        self.0.into_iter().map(|e| e.to_compile_error()).collect()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Checks a whole declaration: each layer, the chain of widths, and the field names.
pub(crate) fn network(decl: NetworkDecl, errors: &mut Errors) -> Network {
    let mut layers: Vec<Layer> = Vec::new();
    let mut assertions = Vec::new();
    let mut names = FieldNames::default();
    for (index, decl) in decl.layers.iter().enumerate() {
        let text = layer_text(decl);
        let previous = layers.last();
        let kind_name = decl.kind.to_string();
        if kind_name == "Input" {
            if let Some(layer) = image::input(decl, &text, index, previous.is_some(), errors) {
                layers.push(layer);
            }
            continue;
        }
        let field = names.field(decl, errors);
        let built = match kind_name.as_str() {
            "Dense" => dense(decl, &text, previous, &mut assertions, errors),
            "Dropout" => dropout(decl, &text, previous, &mut assertions, errors),
            "Conv2D" => image::conv2d(decl, &text, previous, errors),
            "MaxPool2D" | "AvgPool2D" => {
                image::pool(decl, &text, previous, kind_name == "MaxPool2D", errors)
            }
            "GlobalAvgPool2D" => image::global_average(decl, &text, previous, errors),
            "Flatten" => image::flatten(decl, &text, previous, errors),
            "BatchNormalization" => image::batch_norm(decl, &text, previous, errors),
            "Activation" | "LeakyReLU" | "ELU" => {
                image::activation_layer(decl, &text, previous, errors)
            }
            _ => {
                unknown_layer(decl, errors);
                continue;
            }
        };
        let Some((input, output, kind)) = built else {
            continue;
        };
        // A shape-preserving layer passes on the shape of the layer that produced it.
        let preserving = matches!(
            kind,
            LayerKind::Dropout { .. } | LayerKind::BatchNorm { .. }
        );
        let origin = match previous {
            Some(previous) if preserving => previous.origin.clone(),
            _ => (text.clone(), index + 1),
        };
        let image = match (&kind, previous) {
            (
                LayerKind::Dropout { .. }
                | LayerKind::BatchNorm { .. }
                | LayerKind::Activation { .. },
                Some(previous),
            ) => previous.image,
            (
                LayerKind::Conv2D {
                    filters, window, ..
                },
                _,
            ) => Some([window.output[0], window.output[1], *filters]),
            (LayerKind::Pool { window, .. }, _) => {
                Some([window.output[0], window.output[1], window.input[2]])
            }
            _ => None,
        };
        let span = user_activation_span(decl).unwrap_or_else(|| decl.kind.span());
        layers.push(Layer {
            field,
            position: index + 1,
            span,
            text,
            origin,
            image,
            input,
            output,
            kind,
        });
    }
    // `Input` only declared the image; the first real layer carries its width.
    layers.retain(|layer| !matches!(layer.kind, LayerKind::Input));
    Network {
        attrs: decl.attrs,
        vis: decl.vis,
        ident: decl.ident,
        layers,
        assertions,
    }
}

/// Rule: a layer kind is one `network!` knows. Why: anything else has no shape rule to check.
fn unknown_layer(decl: &LayerDecl, errors: &mut Errors) {
    let name = decl.kind.to_string();
    let known = names::LAYERS.iter().copied();
    let hint = match names::closest(&name, known.clone()) {
        Some(best) => format!("did you mean `{best}`? The"),
        None => "the".to_string(),
    };
    errors.push(SpanRange::single(decl.kind.span()).error(format!(
        "unknown layer `{name}`: {hint} layers are {}",
        names::list(known)
    )));
}

/// Field names: the user's, or Keras's default (`dense`, `dense_1`, ...); never twice the same.
#[derive(Default)]
struct FieldNames {
    taken: Vec<String>,
    counts: std::collections::HashMap<String, usize>,
}

impl FieldNames {
    /// Rule: field names are unique. Why: they become the struct's fields.
    fn field(&mut self, decl: &LayerDecl, errors: &mut Errors) -> Ident {
        let ident = match &decl.name {
            Some(name) => name.clone(),
            None => {
                let stem = names::snake_case(names::keras_class(&decl.kind.to_string()));
                let count = self.counts.entry(stem.clone()).or_insert(0);
                let name = if *count == 0 {
                    stem
                } else {
                    format!("{stem}_{count}")
                };
                *count += 1;
                Ident::new(&name, decl.kind.span())
            }
        };
        let name = ident.to_string();
        let name = name.strip_prefix("r#").unwrap_or(&name).to_string();
        if self.taken.contains(&name) {
            let span = decl
                .name
                .as_ref()
                .map_or(decl.span, |n| SpanRange::single(n.span()));
            errors.push(span.error(format!(
                "duplicate layer name `{name}`: another layer of this network already has it \
                 (named layers must differ from each other and from the default names \
                 `dense`, `dense_1`, ...)"
            )));
            return Ident::new(&format!("{name}_{}", self.taken.len()), ident.span());
        }
        self.taken.push(name);
        ident
    }
}

/// The span of a layer's activation when it is not a built-in one (type errors about the layer
/// are most likely about it).
fn user_activation_span(decl: &LayerDecl) -> Option<proc_macro2::Span> {
    decl.args.iter().enumerate().find_map(|(i, arg)| match arg {
        Arg::Positional(Value::Path { path, span, .. }) if i == 2 => {
            let builtin = path
                .get_ident()
                .is_some_and(|ident| names::ACTIVATIONS.iter().any(|(name, _)| ident == name));
            (!builtin).then_some(span.start)
        }
        Arg::Named {
            key,
            value: Value::Path { path, span, .. },
        } if key == "activation" => {
            let builtin = path
                .get_ident()
                .is_some_and(|ident| names::ACTIVATIONS.iter().any(|(name, _)| ident == name));
            (!builtin).then_some(span.start)
        }
        _ => None,
    })
}

/// `Dense<32, 64, Relu>` as written, for messages.
pub(crate) fn layer_text(decl: &LayerDecl) -> String {
    let args: Vec<String> = decl.args.iter().map(arg_text).collect();
    if args.is_empty() {
        decl.kind.to_string()
    } else {
        format!("{}<{}>", decl.kind, args.join(", "))
    }
}

fn arg_text(arg: &Arg) -> String {
    match arg {
        Arg::Positional(value) => value_text(value),
        Arg::Named { key, value } => format!("{key} = {}", value_text(value)),
    }
}

pub(crate) fn value_text(value: &Value) -> String {
    match value {
        Value::Int(lit) => lit.to_string(),
        Value::Float { minus, lit } => format!("{}{lit}", if minus.is_some() { "-" } else { "" }),
        Value::NegInt { lit, .. } => format!("-{lit}"),
        Value::Bool(lit) => lit.value.to_string(),
        Value::Infer(_) => "_".into(),
        Value::Tuple { values, .. } => {
            let values: Vec<String> = values.iter().map(value_text).collect();
            format!("({})", values.join(", "))
        }
        Value::Path { path, args, .. } => {
            let path = path.to_token_stream().to_string().replace(' ', "");
            match args {
                Some(args) => {
                    let args: Vec<String> = args.iter().map(value_text).collect();
                    format!("{path}({})", args.join(", "))
                }
                None => path,
            }
        }
    }
}

/// Splits a layer's arguments into positional values and `key = value` options, reporting
/// unknown and repeated options.
pub(crate) fn split_args<'a>(
    decl: &'a LayerDecl,
    known_options: &[&str],
    errors: &mut Errors,
) -> (Vec<&'a Value>, Vec<(&'a Ident, &'a Value)>) {
    let mut positional = Vec::new();
    let mut options: Vec<(&Ident, &Value)> = Vec::new();
    for arg in &decl.args {
        match arg {
            Arg::Positional(value) if options.is_empty() => positional.push(value),
            Arg::Positional(value) => errors.push(value.span().error(
                "positional arguments come before options: write sizes and the activation \
                 first, then `option = value`",
            )),
            Arg::Named { key, value } => {
                let name = key.to_string();
                if !known_options.contains(&name.as_str()) {
                    unknown_option(decl, key, known_options, errors);
                } else if options.iter().any(|(k, _)| **k == name) {
                    errors.push(arg.span().error(format!("option `{name}` is given twice")));
                } else {
                    options.push((key, value));
                }
            }
        }
    }
    (positional, options)
}

/// Rule: options are ones the layer has. Why: Keras rejects unknown keyword arguments too.
fn unknown_option(decl: &LayerDecl, key: &Ident, known: &[&str], errors: &mut Errors) {
    let name = key.to_string();
    let message = if known.is_empty() {
        format!("unknown option `{name}`: `{}` takes no options", decl.kind)
    } else {
        let hint = match names::closest(&name, known.iter().copied()) {
            Some(best) => format!("did you mean `{best}`? Its"),
            None => "its".to_string(),
        };
        format!(
            "unknown option `{name}` for `{}`: {hint} options are {}",
            decl.kind,
            names::list(known.iter().copied())
        )
    };
    errors.push(SpanRange::single(key.span()).error(message));
}

/// `Dense<inputs, units[, activation][, option = value]...>`.
fn dense(
    decl: &LayerDecl,
    text: &str,
    previous: Option<&Layer>,
    assertions: &mut Vec<TokenStream>,
    errors: &mut Errors,
) -> Option<(Dim, Dim, LayerKind)> {
    let (positional, options) = split_args(decl, names::DENSE_OPTIONS, errors);
    // Rule: Dense takes two sizes and an optional activation. Why: those are its only
    // positional parameters; everything else is named, as in Keras.
    if !(2..=3).contains(&positional.len()) {
        errors.push(decl.span.error(format!(
            "`Dense` takes 2 or 3 arguments, its inputs, its units and optionally an activation \
             (`Dense<32, 64, Relu>`), but `{text}` has {}",
            positional.len()
        )));
        return None;
    }
    let declared_input = dim(positional[0], "input size", errors);
    let units = dim(positional[1], "number of units", errors).unwrap_or_else(|| literal_dim(1));
    nonzero(&units, "units", decl, text, assertions, errors);

    if let Some(previous) = previous
        && let Some([h, w, c]) = previous.image
    {
        let (origin_text, origin_position) = &previous.origin;
        errors.push(decl.span.error(format!(
            "`{text}` is fed an image ({h} × {w} × {c}) by `{origin_text}` (layer {origin_position}); \
             put `Flatten` (or `GlobalAvgPool2D`) before it"
        )));
    }
    let input = connect(decl, text, declared_input, previous, assertions, errors);

    let mut shared = WeightOptions::new(positional.get(2).copied());
    for (key, value) in options {
        let taken = shared.take(key, value, errors);
        assert!(taken, "split_args keeps known options only");
    }
    let (activation_ty, activation) = shared.activation(errors);
    let WeightOptions {
        use_bias,
        kernel_initializer,
        bias_initializer,
        settings,
        ..
    } = shared;
    let kind = LayerKind::Dense {
        activation_ty,
        activation,
        use_bias,
        kernel_initializer,
        bias_initializer,
        settings,
    };
    Some((input, units, kind))
}

/// The options `Dense` and `Conv2D` share, with Keras's defaults until given.
pub(crate) struct WeightOptions<'a> {
    /// The activation, as the third argument or `activation = ...`.
    pub(crate) activation: Option<&'a Value>,
    pub(crate) use_bias: bool,
    pub(crate) kernel_initializer: TokenStream,
    pub(crate) bias_initializer: TokenStream,
    /// Options that become field values as given: `trainable`, the regularizers, the constraints.
    pub(crate) settings: Vec<(Ident, TokenStream)>,
}

impl<'a> WeightOptions<'a> {
    /// Keras's defaults, with the activation given as an argument, if any.
    pub(crate) fn new(activation: Option<&'a Value>) -> Self {
        Self {
            activation,
            use_bias: true,
            kernel_initializer: quote!(::nn::GlorotUniform),
            bias_initializer: quote!(::nn::Zeros),
            settings: Vec::new(),
        }
    }

    /// Takes `key = value` if it is one of the shared options (reporting a bad value to
    /// `errors`); returns whether it was.
    pub(crate) fn take(&mut self, key: &Ident, value: &'a Value, errors: &mut Errors) -> bool {
        match key.to_string().as_str() {
            "activation" if self.activation.is_some() => errors.push(value.span().error(
                "the activation is given twice: as the third argument and as `activation = ...`",
            )),
            "activation" => self.activation = Some(value),
            "use_bias" => self.use_bias = boolean(value, "use_bias", errors),
            "kernel_initializer" => self.kernel_initializer = initializer(value, true, errors),
            "bias_initializer" => self.bias_initializer = initializer(value, false, errors),
            "trainable" => {
                let value = boolean(value, "trainable", errors);
                self.settings.push((key.clone(), quote!(#value)));
            }
            "kernel_regularizer" | "bias_regularizer" | "activity_regularizer" => {
                let regularizer = setting(
                    value,
                    "Regularizer",
                    "regularizer",
                    names::REGULARIZERS,
                    errors,
                );
                self.settings.push((key.clone(), regularizer));
            }
            "kernel_constraint" | "bias_constraint" => {
                let constraint = setting(
                    value,
                    "Constraint",
                    "constraint",
                    names::CONSTRAINTS,
                    errors,
                );
                self.settings.push((key.clone(), constraint));
            }
            _ => return false,
        }
        true
    }

    /// The activation's type and value: the one given, or `Linear`.
    pub(crate) fn activation(&self, errors: &mut Errors) -> (TokenStream, TokenStream) {
        match self.activation {
            Some(value) => activation(value, errors),
            None => (quote!(::nn::Linear), quote!(::nn::Linear)),
        }
    }
}

/// `Dropout<rate>`.
fn dropout(
    decl: &LayerDecl,
    text: &str,
    previous: Option<&Layer>,
    assertions: &mut Vec<TokenStream>,
    errors: &mut Errors,
) -> Option<(Dim, Dim, LayerKind)> {
    let (positional, _) = split_args(decl, &[], errors);
    // Rule: Dropout takes exactly its rate. Why: its width is the previous layer's.
    let [rate] = positional[..] else {
        errors.push(decl.span.error(format!(
            "`Dropout` takes 1 argument, its rate (`Dropout<0.5>`), but `{text}` has {}",
            positional.len()
        )));
        return None;
    };
    // Rule: a network does not start with Dropout. Why: its width would be unknown.
    let Some(previous) = previous else {
        errors.push(decl.span.error(
            "a network cannot start with `Dropout`: its width comes from the layer before it; \
             start with a layer that has an input size, such as `Dense<32, 64, Relu>`",
        ));
        return None;
    };
    let rate = dropout_rate(rate, text, decl, assertions, errors);
    let width = previous.output.clone();
    Some((width.clone(), width, LayerKind::Dropout { rate }))
}

/// Rule: a dropout rate lies in [0, 1). Why: at 1 every value is dropped and the rescaling
/// divides by zero; below 0 it is not a probability.
fn dropout_rate(
    value: &Value,
    text: &str,
    decl: &LayerDecl,
    assertions: &mut Vec<TokenStream>,
    errors: &mut Errors,
) -> TokenStream {
    let fallback = quote!(0.0);
    match value {
        Value::Path {
            path, args: None, ..
        } => {
            let span = decl.span.start;
            let message = format!(
                "`{text}`: the dropout rate must lie in [0, 1) (0 keeps everything; 1 would drop \
                 everything)"
            );
            assertions.push(quote_spanned! {span=>
                const _: () = {
                    const __NN_RATE: f64 = #path as f64;
                    if !(__NN_RATE >= 0.0 && __NN_RATE < 1.0) {
                        ::core::panic!(#message);
                    }
                };
            });
            quote!((#path as f64))
        }
        _ => match number(value) {
            Some(rate) if (0.0..1.0).contains(&rate) => {
                Literal::f64_unsuffixed(rate).into_token_stream()
            }
            Some(_) => {
                errors.push(value.span().error(format!(
                    "dropout rate {} is outside [0, 1): it is the probability of dropping each \
                     value (0 keeps everything; 1 would drop everything)",
                    value_text(value)
                )));
                fallback
            }
            None => {
                errors.push(value.span().error(
                    "expected a dropout rate: a number in [0, 1) such as `0.5`, or a named \
                     constant",
                ));
                fallback
            }
        },
    }
}

/// A numeric literal's value.
fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Int(lit) => lit.base10_parse::<f64>().ok(),
        Value::NegInt { lit, .. } => lit.base10_parse::<f64>().ok().map(|v| -v),
        Value::Float { minus, lit } => lit
            .base10_parse::<f64>()
            .ok()
            .map(|v| if minus.is_some() { -v } else { v }),
        _ => None,
    }
}

/// A size argument: a literal, a named constant, or `_` (`None`, to be inferred).
fn dim(value: &Value, what: &str, errors: &mut Errors) -> Option<Dim> {
    match value {
        Value::Int(lit) => match lit.base10_parse::<u64>() {
            Ok(v) => Some(literal_dim(v)),
            Err(e) => {
                errors.push(SpanRange::single(lit.span()).error(e));
                None
            }
        },
        Value::Infer(_) => None,
        Value::Path {
            path, args: None, ..
        } => Some(Dim {
            tokens: quote!({ #path }),
            value: None,
            text: value_text(value),
        }),
        _ => {
            errors.push(value.span().error(format!(
                "expected the {what}: a whole number such as `64`, a named constant such as \
                 `HIDDEN`, or `_` to take it from the previous layer"
            )));
            None
        }
    }
}

pub(crate) fn literal_dim(value: u64) -> Dim {
    Dim {
        tokens: Literal::usize_unsuffixed(value as usize).into_token_stream(),
        value: Some(value),
        text: value.to_string(),
    }
}

/// Rule: a layer has at least one unit. Why: a zero-width layer passes nothing on (Keras
/// rejects `units=0` too).
fn nonzero(
    units: &Dim,
    what: &str,
    decl: &LayerDecl,
    text: &str,
    assertions: &mut Vec<TokenStream>,
    errors: &mut Errors,
) {
    let message = format!("`{text}` has zero {what}: a layer needs at least one");
    match units.value {
        Some(0) => errors.push(decl.span.error(message)),
        Some(_) => {}
        None => {
            let span = decl.span.start;
            let tokens = &units.tokens;
            assertions.push(quote_spanned! {span=>
                const _: () = if #tokens == 0 { ::core::panic!(#message) };
            });
        }
    }
}

/// Rule: a layer's input size equals the previous layer's output size. Why: that is the shape
/// the data has. Returns the width the layer is built with (always the previous output, so the
/// struct stays consistent even when the declaration is wrong).
fn connect(
    decl: &LayerDecl,
    text: &str,
    declared: Option<Dim>,
    previous: Option<&Layer>,
    assertions: &mut Vec<TokenStream>,
    errors: &mut Errors,
) -> Dim {
    let Some(previous) = previous else {
        return match declared {
            Some(dim) => {
                if dim.value == Some(0) {
                    errors.push(decl.span.error(format!(
                        "`{text}` has zero inputs: a network needs at least one input value"
                    )));
                }
                dim
            }
            None => {
                errors.push(decl.span.error(format!(
                    "`{text}`: the first layer's input size cannot be inferred with `_`; write \
                     the number of input values"
                )));
                literal_dim(1)
            }
        };
    };
    let found = previous.output.clone();
    let Some(declared) = declared else {
        return found;
    };
    let (origin_text, origin_position) = &previous.origin;
    let position = format!("layer {origin_position}");
    match (declared.value, found.value) {
        (Some(expected), Some(produced))
            if expected != produced
                && let LayerKind::Flatten { from: [h, w, c] } = previous.kind =>
        {
            errors.push(decl.span.error(format!(
                "Flatten produces {produced} values ({h} × {w} × {c}), but `{text}` expects {expected}"
            )));
        }
        (Some(expected), Some(produced)) if expected != produced => {
            errors.push(decl.span.error(format!(
                "`{text}` expects {expected} inputs, but `{origin_text}` ({position}) produces \
                 {produced}"
            )));
        }
        (Some(_), Some(_)) => {}
        _ if declared.tokens.to_string() == found.tokens.to_string() => {}
        _ => {
            let span = decl.span.start;
            let (expected, produced) = (&declared.tokens, &found.tokens);
            let describe = |dim: &Dim| match dim.value {
                Some(_) => String::new(),
                None => format!(" (`{}`)", dim.text),
            };
            let head = format!("`{text}` expects ");
            let middle = format!(
                " inputs{}, but `{origin_text}` ({position}) produces ",
                describe(&declared)
            );
            let tail = describe(&found);
            assertions.push(quote_spanned! {span=>
                const _: () = {
                    const __NN_EXPECTED: usize = #expected;
                    const __NN_PRODUCED: usize = #produced;
                    const __NN_MESSAGE: ::nn::__private::Msg = ::nn::__private::Msg::new()
                        .str(#head)
                        .num(__NN_EXPECTED)
                        .str(#middle)
                        .num(__NN_PRODUCED)
                        .str(#tail);
                    if __NN_EXPECTED != __NN_PRODUCED {
                        ::core::panic!("{}", __NN_MESSAGE.as_str());
                    }
                };
            });
        }
    }
    found
}

/// `true` or `false`.
pub(crate) fn boolean(value: &Value, option: &str, errors: &mut Errors) -> bool {
    match value {
        Value::Bool(lit) => lit.value,
        _ => {
            errors.push(
                value
                    .span()
                    .error(format!("`{option}` takes `true` or `false`")),
            );
            true
        }
    }
}

/// A numeric argument, as an `f64` expression.
pub(crate) fn float_arg(value: &Value, errors: &mut Errors) -> TokenStream {
    match value {
        Value::Path {
            path, args: None, ..
        } => quote!((#path as f64)),
        _ => match number(value) {
            Some(v) if v < 0.0 => {
                let v = Literal::f64_unsuffixed(-v);
                quote!((-#v))
            }
            Some(v) => Literal::f64_unsuffixed(v).into_token_stream(),
            None => {
                errors.push(value.span().error("expected a number"));
                quote!(0.0)
            }
        },
    }
}

/// Rule: an activation is a built-in one, or a type of the user's; a name close to a built-in
/// one is taken for a typo. Why: a misspelled activation should not turn into "cannot find
/// type". Returns the type and the expression that builds it.
pub(crate) fn activation(value: &Value, errors: &mut Errors) -> (TokenStream, TokenStream) {
    let linear = (quote!(::nn::Linear), quote!(::nn::Linear));
    let Value::Path { path, args, span } = value else {
        errors.push(value.span().error(format!(
            "expected an activation, such as `Relu`; the activations are {}",
            names::list(names::ACTIVATIONS.iter().map(|a| a.0))
        )));
        return linear;
    };
    let name = path.get_ident().map(|i| i.to_string());
    let builtin = name
        .as_deref()
        .and_then(|n| names::ACTIVATIONS.iter().find(|a| a.0 == n));
    let (ty, max_args) = match (builtin, name.as_deref()) {
        (Some((builtin, max_args)), _) => {
            let ident = Ident::new(builtin, span.start);
            (quote!(::nn::#ident), Some(*max_args))
        }
        (None, Some(name)) => {
            if let Some(best) = names::closest(name, names::ACTIVATIONS.iter().map(|a| a.0)) {
                errors.push(span.error(format!(
                    "unknown activation `{name}`: did you mean `{best}`? The activations are {} \
                     (a type of your own that implements `nn::Activation` works too; name it by \
                     a path such as `self::{name}` if its name is this close to a built-in one)",
                    names::list(names::ACTIVATIONS.iter().map(|a| a.0))
                )));
                return linear;
            }
            (path.to_token_stream(), None)
        }
        (None, None) => (path.to_token_stream(), None),
    };
    let expr = match args {
        None => quote!(<#ty as ::core::default::Default>::default()),
        Some(args) => {
            if let Some(max) = max_args
                && args.len() > max
            {
                errors.push(span.error(format!(
                    "`{}` takes {}",
                    name.unwrap_or_default(),
                    match max {
                        0 => "no arguments".to_string(),
                        _ => format!("at most {max} argument"),
                    }
                )));
                return linear;
            }
            let args: Vec<TokenStream> = if max_args.is_some() {
                args.iter().map(|a| float_arg(a, errors)).collect()
            } else {
                args.iter().map(value_expr).collect()
            };
            quote!(#ty::new(#(#args),*))
        }
    };
    (ty, expr)
}

/// A user activation's argument, as written.
fn value_expr(value: &Value) -> TokenStream {
    match value {
        Value::Int(lit) => lit.to_token_stream(),
        Value::Float { minus, lit } => quote!(#minus #lit),
        Value::NegInt { minus, lit } => quote!(#minus #lit),
        Value::Bool(lit) => lit.to_token_stream(),
        Value::Infer(token) => token.to_token_stream(),
        Value::Path {
            path, args: None, ..
        } => path.to_token_stream(),
        Value::Path {
            path,
            args: Some(args),
            ..
        } => {
            let args = args.iter().map(value_expr);
            quote!(#path(#(#args),*))
        }
        Value::Tuple { values, .. } => {
            let values = values.iter().map(value_expr);
            quote!((#(#values),*))
        }
    }
}

/// Rule: an initializer is one of Keras's, with the arguments it takes; `Identity` and
/// `Orthogonal` only for kernels. Why: those two need a 2-D tensor. Returns its expression.
pub(crate) fn initializer(value: &Value, kernel: bool, errors: &mut Errors) -> TokenStream {
    let fallback = if kernel {
        quote!(::nn::GlorotUniform)
    } else {
        quote!(::nn::Zeros)
    };
    let known = || names::INITIALIZERS.iter().map(|i| i.0);
    let (name, args, span) = match value {
        Value::Path { path, args, span } if path.get_ident().is_some() => (
            path.get_ident().map(|i| i.to_string()).unwrap_or_default(),
            args,
            *span,
        ),
        _ => {
            errors.push(value.span().error(format!(
                "expected an initializer, such as `HeNormal`; the initializers are {}",
                names::list(known())
            )));
            return fallback;
        }
    };
    let Some((name, counts)) = names::INITIALIZERS.iter().find(|i| i.0 == name) else {
        let hint = match names::closest(&name, known()) {
            Some(best) => format!("did you mean `{best}`? The"),
            None => "the".to_string(),
        };
        errors.push(span.error(format!(
            "unknown initializer `{name}`: {hint} initializers are {}",
            names::list(known())
        )));
        return fallback;
    };
    if !kernel && matches!(*name, "Identity" | "Orthogonal") {
        errors.push(span.error(format!(
            "`{name}` initializes 2-D kernels only; a bias is 1-D (use it as `kernel_initializer`)"
        )));
        return fallback;
    }
    let args: &[Value] = args.as_deref().unwrap_or(&[]);
    if !counts.contains(&args.len()) {
        let usage = match *name {
            "Constant" => "`Constant(value)`",
            "RandomNormal" | "TruncatedNormal" => "no arguments or `(mean, stddev)`",
            "RandomUniform" => "no arguments or `(minval, maxval)`",
            "VarianceScaling" => {
                "no arguments or `(scale, FanIn|FanOut|FanAvg, TruncatedNormal|UntruncatedNormal|Uniform)`"
            }
            "Orthogonal" | "Identity" => "no arguments or `(gain)`",
            _ => "no arguments",
        };
        errors.push(span.error(format!(
            "`{name}` takes {usage}, but {} were given",
            args.len()
        )));
        return fallback;
    }
    let ident = Ident::new(name, span.start);
    if args.is_empty() {
        return quote!(<::nn::#ident as ::core::default::Default>::default());
    }
    let exprs: Vec<TokenStream> = if *name == "VarianceScaling" {
        vec![
            float_arg(&args[0], errors),
            enum_arg(&args[1], "FanMode", names::FAN_MODES, errors),
            enum_arg(&args[2], "Distribution", names::DISTRIBUTIONS, errors),
        ]
    } else {
        args.iter().map(|a| float_arg(a, errors)).collect()
    };
    quote!(::nn::#ident::new(#(#exprs),*))
}

/// Rule: a regularizer or constraint is one of Keras's, with the arguments it takes. Why: each
/// is a variant of an `nn` enum with fixed fields. Returns `::nn::Enum::Variant(args...)`, Keras's
/// defaults filling in omitted arguments.
pub(crate) fn setting(
    value: &Value,
    enum_name: &str,
    what: &str,
    known: &[(&str, &[usize], &[f64])],
    errors: &mut Errors,
) -> TokenStream {
    let ty = Ident::new(enum_name, value.span().start);
    let names = || known.iter().map(|k| k.0);
    let found = match value {
        Value::Path { path, args, span } => path.get_ident().map(|i| (i.to_string(), args, *span)),
        _ => None,
    };
    let Some((name, args, span)) = found else {
        errors.push(value.span().error(format!(
            "expected a {what}, one of {}",
            names::list(names())
        )));
        return quote!(::nn::#ty::None);
    };
    let Some((name, counts, defaults)) = known.iter().find(|k| k.0 == name) else {
        let hint = match names::closest(&name, names()) {
            Some(best) => format!("did you mean `{best}`? The"),
            None => "the".to_string(),
        };
        errors.push(span.error(format!(
            "unknown {what} `{name}`: {hint} {what}s are {}",
            names::list(names())
        )));
        return quote!(::nn::#ty::None);
    };
    let args: &[Value] = args.as_deref().unwrap_or(&[]);
    if !counts.contains(&args.len()) {
        let counts: Vec<String> = counts.iter().map(ToString::to_string).collect();
        errors.push(span.error(format!(
            "`{name}` takes {} arguments, but {} were given",
            counts.join(" or "),
            args.len()
        )));
        return quote!(::nn::#ty::None);
    }
    let variant = Ident::new(name, span.start);
    if defaults.is_empty() {
        return quote!(::nn::#ty::#variant);
    }
    let values: Vec<TokenStream> = (0..defaults.len())
        .map(|i| match args.get(i) {
            Some(arg) => float_arg(arg, errors),
            None => Literal::f64_unsuffixed(defaults[i]).into_token_stream(),
        })
        .collect();
    quote!(::nn::#ty::#variant(#(#values),*))
}

/// One of a fixed set of names, as `::nn::init::Enum::Name`.
fn enum_arg(value: &Value, enum_name: &str, known: &[&str], errors: &mut Errors) -> TokenStream {
    let ty = Ident::new(enum_name, value.span().start);
    if let Value::Path {
        path, args: None, ..
    } = value
        && let Some(ident) = path.get_ident()
        && known.contains(&ident.to_string().as_str())
    {
        return quote!(::nn::init::#ty::#ident);
    }
    errors.push(value.span().error(format!(
        "expected a {enum_name}: one of {}",
        names::list(known.iter().copied())
    )));
    let first = Ident::new(known[0], value.span().start);
    quote!(::nn::init::#ty::#first)
}
