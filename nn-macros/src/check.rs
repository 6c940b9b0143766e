//! Checking: runs each layer's rule (from the table in `kinds`) in order, tells it what the
//! layers before produce, names the fields, and collects every mistake, substituting something
//! consistent for each so that all of them are reported in one build. The result is the
//! kind-agnostic [`ir::Network`].

use std::collections::HashMap;

use syn::Ident;

use crate::ast::{LayerDecl, NetworkDecl, SpanRange};
use crate::errors::Errors;
use crate::ir;
use crate::kinds;
use crate::names;
use crate::shared::context::{Before, Checked, Ctx, Incoming, Streams};

/// Checks a whole declaration: each layer, the chain of widths, and the field names.
pub(crate) fn network(decl: NetworkDecl, errors: &mut Errors) -> ir::Network {
    let mut chain = Chain::default();
    let mut layers = Vec::new();
    let mut assertions = Vec::new();
    let mut names = FieldNames::default();
    // The shape each layer is fed: the declared input's, then each layer's output.
    let mut fed: Vec<ir::Size> = Vec::new();
    for (index, layer) in decl.layers.iter().enumerate() {
        let Some(kind) = kinds::find(&layer.kind.to_string()) else {
            // Named all the same, so that a duplicate name is reported too.
            names.field(layer, &layer.kind.to_string(), errors);
            unknown_layer(layer, errors);
            chain.broken = true;
            continue;
        };
        let field = kind.field.then(|| names.field(layer, kind.class, errors));
        let text = layer.text();
        let mut ctx = Ctx {
            decl: layer,
            kind,
            text: &text,
            position: index + 1,
            before: chain.before(),
            errors,
            assertions: &mut assertions,
        };
        let Some(checked) = (kind.rule)(&mut ctx) else {
            chain.broken = true;
            continue;
        };
        let incoming = chain.next(&checked, &text, index + 1);
        let shape = match (checked.image, checked.sequence) {
            (Some(image), _) => image.map(ir::Size::Known).to_vec(),
            (None, Some(sequence)) => sequence.map(ir::Size::Known).to_vec(),
            (None, None) => vec![checked.output.clone()],
        };
        if checked.layer.is_none() {
            // `Input`: what the first layer is fed.
            fed = shape.clone();
        }
        if let (Some(def), Some(field)) = (checked.layer, field) {
            if fed.is_empty() {
                fed = vec![checked.input.clone()];
            }
            let input_shape = std::mem::replace(&mut fed, shape.clone());
            let stream = step_widths(def.streams, &input_shape, &shape);
            layers.push(ir::Layer {
                field,
                position: index + 1,
                span: def.span.unwrap_or_else(|| layer.kind.span()),
                text,
                class: kind.class,
                input: checked.input,
                output: checked.output,
                input_shape,
                shape,
                keras: def.keras,
                ty: def.ty,
                build: def.build,
                identity_at_inference: def.identity_at_inference,
                stream,
                activated: def.activated,
            });
        }
        chain.last = Some(incoming);
    }
    // A network streams when every layer does and its input is a sequence (of features, or of
    // token ids into an `Embedding`).
    let input_is_sequence = layers
        .first()
        .is_some_and(|l| l.input_shape.len() == 2 || l.stream.as_ref().is_some_and(|s| s.tokens));
    // After a mistake the widths were substituted, not checked: no `step` to add errors of its
    // own.
    let streams =
        errors.is_empty() && input_is_sequence && layers.iter().all(|l| l.stream.is_some());
    ir::Network {
        attrs: decl.attrs,
        vis: decl.vis,
        ident: decl.ident,
        streams,
        input_shape: layers
            .first()
            .map(|l| l.input_shape.clone())
            .unwrap_or_default(),
        layers,
        assertions,
        keras_file: None,
        embedded: None,
        files: Vec::new(),
    }
}

/// The widths of one step in and out of a layer that streams: a sequence's features, a
/// vector's values, one token id; `None` for a layer that does not stream, or an image.
fn step_widths(
    streams: Streams,
    input: &[ir::Size],
    output: &[ir::Size],
) -> Option<ir::StepWidths> {
    let last = |shape: &[ir::Size]| match shape {
        [width] | [_, width] => Some(width.clone()),
        _ => None,
    };
    let (input, tokens) = match streams {
        Streams::No => return None,
        Streams::Yes => (last(input)?, false),
        Streams::Tokens => (ir::Size::Known(1), true),
    };
    Some(ir::StepWidths {
        input,
        output: last(output)?,
        tokens,
    })
}

/// What flows from layer to layer while checking.
#[derive(Default)]
struct Chain {
    /// The output of the last layer that was checked.
    last: Option<Incoming>,
    /// Whether a layer since the start could not be checked, so that what the next layer is
    /// fed is unknown.
    broken: bool,
}

impl Chain {
    /// What the next layer is fed.
    fn before(&self) -> Before<'_> {
        match (&self.last, self.broken) {
            (_, true) => Before::Unknown(self.last.as_ref()),
            (Some(last), false) => Before::Known(last),
            (None, false) => Before::Start,
        }
    }

    /// The output of a layer that checked, as the next one sees it. It stays unknown if the
    /// layer's input was and its output follows from it.
    fn next(&mut self, checked: &Checked, text: &str, position: usize) -> Incoming {
        let origin = match &self.last {
            Some(last) if checked.keeps_origin => last.origin.clone(),
            _ => (text.to_string(), position),
        };
        self.broken &= checked.follows_input;
        Incoming {
            width: checked.output.clone(),
            image: checked.image,
            sequence: checked.sequence,
            last_step: checked.last_step,
            flattened: checked.flattened,
            declared_input: checked.layer.is_none(),
            origin,
        }
    }
}

/// Rule: a layer kind is one `network!` knows. Why: anything else has no shape rule to check.
fn unknown_layer(decl: &LayerDecl, errors: &mut Errors) {
    let name = decl.kind.to_string();
    let known = kinds::KINDS.iter().map(|kind| kind.name);
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
    counts: HashMap<String, usize>,
}

impl FieldNames {
    /// Rule: field names are unique. Why: they become the struct's fields. `class` is the
    /// layer's Keras class, whose snake case is the stem of its default name.
    fn field(&mut self, decl: &LayerDecl, class: &str, errors: &mut Errors) -> Ident {
        let ident = match &decl.name {
            Some(name) => name.clone(),
            None => {
                let stem = names::snake_case(class);
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
