//! Checking: runs each layer's rule (from the table in `kinds`) in order, tells it what the
//! layers before produce, names the fields, and collects every mistake, substituting something
//! consistent for each so that all of them are reported in one build. The result is the
//! kind-agnostic [`ir::Network`].

use std::collections::HashMap;

use syn::Ident;

use crate::ast::{Arg, LayerDecl, NetworkDecl, SpanRange, Value};
use crate::blocks;
use crate::errors::Errors;
use crate::ir;
use crate::kinds;
use crate::names;
use crate::shared::context::{Before, Checked, Ctx, Incoming, Streams};

/// Checks a whole declaration: each layer, the chain of widths, and the field names.
pub(crate) fn network(decl: NetworkDecl, errors: &mut Errors) -> ir::Network {
    let mut state = State {
        names: FieldNames::default(),
        assertions: Vec::new(),
        position: 0,
        network: decl.ident.to_string(),
    };
    let (layers, _, _) = chain(
        &decl.layers,
        Chain::default(),
        Vec::new(),
        &mut state,
        errors,
    );
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
        assertions: state.assertions,
        keras_file: None,
        embedded: None,
        int8: false,
        budget: Vec::new(),
        tflite: None,
        files: Vec::new(),
    }
}

/// What checking a declaration keeps from chain to chain (a block's branches are chains too).
struct State {
    names: FieldNames,
    assertions: Vec<ir::Assertion>,
    /// The layers declared so far, counting every branch's: a layer's position in messages.
    position: usize,
    /// The network's name, the stem of its branches' structs.
    network: String,
}

/// Checks layers in a row, fed what `chain` says and shaped `fed`: each layer, or block, in
/// turn. Returns the checked layers, the chain after the last, and the shape it produces.
fn chain(
    decls: &[LayerDecl],
    mut chain: Chain,
    mut fed: Vec<ir::Size>,
    state: &mut State,
    errors: &mut Errors,
) -> (Vec<ir::Layer>, Chain, Vec<ir::Size>) {
    let mut layers = Vec::new();
    for layer in decls {
        state.position += 1;
        let position = state.position;
        if let Some(join) = blocks::find(&layer.kind.to_string()) {
            match block(layer, join, &chain, &fed, state, errors) {
                Some((checked, incoming)) => {
                    fed = checked.shape.clone();
                    layers.push(checked);
                    chain.last = Some(incoming);
                }
                None => chain.broken = true,
            }
            continue;
        }
        let Some(kind) = kinds::find(&layer.kind.to_string()) else {
            // Named all the same, so that a duplicate name is reported too.
            state.names.field(layer, &layer.kind.to_string(), errors);
            unknown_layer(layer, errors);
            chain.broken = true;
            continue;
        };
        let field = kind
            .field
            .then(|| state.names.field(layer, kind.class, errors));
        let text = layer.text();
        let mut ctx = Ctx {
            decl: layer,
            kind,
            text: &text,
            position,
            before: chain.before(),
            errors,
            assertions: &mut state.assertions,
        };
        let Some(checked) = (kind.rule)(&mut ctx) else {
            chain.broken = true;
            continue;
        };
        let incoming = chain.next(&checked, &text, position);
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
                position,
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
                block: None,
            });
        }
        chain.last = Some(incoming);
    }
    (layers, chain, fed)
}

/// The tensors of a branch's layers, in the order the block lists them, each named as the
/// runtime names it from the block: the layer's field, `_`, its name (`conv2d_1_kernel`).
fn block_tensors(layers: &[ir::Layer]) -> impl Iterator<Item = ir::Param> + '_ {
    layers.iter().flat_map(|layer| {
        layer.build.tensors.iter().map(move |param| ir::Param {
            name: format!("{}_{}", layer.field, param.name).into(),
            shape: param.shape.clone(),
        })
    })
}

/// A shape as the user reads it: `(8, 8, 16)`, `(10, 4)` or `16`.
fn shape_text(shape: &[ir::Size]) -> String {
    match shape {
        [one] => one.text(),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(ir::Size::text)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Rule: a block (`Add<[..], [..]>`) takes two branches, each layers in a row or `[]` (its
/// input itself), follows a layer or `Input`, and its branches' outputs fit its join: the same
/// shape, or for `Concatenate` the same but in the last axis. Why: both branches are fed the
/// block's input, and the join reads their outputs value by value (or position by position).
fn block(
    decl: &LayerDecl,
    join: &'static blocks::Join,
    before: &Chain,
    fed: &[ir::Size],
    state: &mut State,
    errors: &mut Errors,
) -> Option<(ir::Layer, Incoming)> {
    let field = state.names.field(decl, join.name, errors);
    let position = state.position;
    let text = decl.text();
    let usage = format!(
        "`{}` joins two branches, each layers in a row or `[]` for its input itself: \
         `{}<[Conv2D<16, (3, 3), padding = Same>, BatchNormalization], []>`",
        join.name, join.name
    );
    let branches: Vec<&Vec<LayerDecl>> = decl
        .args
        .iter()
        .filter_map(|arg| match arg {
            Arg::Positional(Value::Branch { layers, .. }) => Some(layers),
            _ => None,
        })
        .collect();
    if branches.len() != 2 || decl.args.len() != 2 {
        errors.push(
            decl.span
                .error(format!("{usage}, but `{text}` is not that")),
        );
        return None;
    }
    let incoming = match before.before() {
        Before::Known(incoming) => incoming.clone(),
        Before::Start => {
            errors.push(decl.span.error(format!(
                "a network cannot start with a block (`{}`): its branches are fed the layer \
                 before it; start with `Input<..>` or a layer",
                join.name
            )));
            return None;
        }
        // Reported where the chain broke.
        Before::Unknown(_) => return None,
    };
    let fed = if fed.is_empty() {
        vec![incoming.width.clone()]
    } else {
        fed.to_vec()
    };
    let which = ["first", "second"];
    let reported = errors.len();
    let mut checked = Vec::new();
    for (side, layers) in which.iter().zip(&branches) {
        let start = Chain {
            last: Some(incoming.clone()),
            broken: false,
        };
        let (inner, after, shape) = chain(layers, start, fed.clone(), state, errors);
        if after.broken {
            return None;
        }
        let out = after.last.clone().unwrap_or_else(|| incoming.clone());
        let streams = inner.iter().all(|l| l.stream.is_some());
        let ident = (!layers.is_empty()).then(|| {
            syn::Ident::new(
                &format!("__{}_{field}_{side}", state.network),
                decl.kind.span(),
            )
        });
        checked.push((ident, inner, out, shape, streams));
    }
    // A mistake inside a branch was reported there; its shapes were substituted.
    if errors.len() > reported {
        return None;
    }
    let [(ia, la, oa, sa, ta), (ib, lb, ob, sb, tb)]: [_; 2] = checked.try_into().ok()?;
    // The join's shape.
    let shape = if join.concatenates {
        let (lead_a, lead_b) = (&sa[..sa.len() - 1], &sb[..sb.len() - 1]);
        let same_lead = sa.len() == sb.len()
            && lead_a
                .iter()
                .zip(lead_b)
                .all(|(a, b)| a.value().is_some() && a.value() == b.value());
        let (ca, cb) = (sa[sa.len() - 1].value(), sb[sb.len() - 1].value());
        match (same_lead, ca, cb) {
            (true, Some(ca), Some(cb)) => {
                let mut shape = lead_a.to_vec();
                shape.push(ir::Size::Known(ca + cb));
                shape
            }
            _ => {
                errors.push(decl.span.error(format!(
                    "`Concatenate` puts its branches' last axes side by side, so the rest of \
                     their shapes must agree: its first branch gives {} and its second {}",
                    shape_text(&sa),
                    shape_text(&sb)
                )));
                return None;
            }
        }
    } else {
        let same = sa.len() == sb.len()
            && sa
                .iter()
                .zip(&sb)
                .all(|(a, b)| a.value().is_some() && a.value() == b.value());
        if !same {
            errors.push(decl.span.error(format!(
                "`{}` joins its branches value by value, so their shapes must agree: its first \
                 branch gives {} and its second {}",
                join.name,
                shape_text(&sa),
                shape_text(&sb)
            )));
            return None;
        }
        sa.clone()
    };
    let width: usize = shape.iter().filter_map(ir::Size::value).product();
    let positions: usize = shape[..shape.len() - 1]
        .iter()
        .filter_map(ir::Size::value)
        .product();
    let output = ir::Size::Known(width);
    let join_ty = if join.concatenates {
        ir::TypeArg::Nested(ir::Type {
            name: "Concatenate",
            args: vec![ir::TypeArg::Size(ir::Size::Known(positions))],
        })
    } else {
        ir::TypeArg::Type(ir::Path::core(&[join.name], decl.kind.span()))
    };
    let branch_ty = |ident: &Option<syn::Ident>| match ident {
        Some(ident) => ir::TypeArg::Local(ident.clone()),
        None => ir::TypeArg::Type(ir::Path::core(&["Shortcut"], decl.kind.span())),
    };
    let ty = ir::Type {
        name: "Fork",
        args: vec![
            join_ty,
            branch_ty(&ia),
            branch_ty(&ib),
            ir::TypeArg::Size(oa.width.clone()),
            ir::TypeArg::Size(ob.width.clone()),
            ir::TypeArg::Size(output.clone()),
        ],
    };
    let streams = ta && tb && !join.concatenates;
    let input_shape = fed;
    let stream = step_widths(
        if streams { Streams::Yes } else { Streams::No },
        &input_shape,
        &shape,
    );
    let branch = |ident, layers, out: Incoming| ir::Branch {
        ident,
        layers,
        input: incoming.width.clone(),
        output: out.width,
        streams,
    };
    let image = match shape.as_slice() {
        [h, w, c] => Some([h.value()?, w.value()?, c.value()?]),
        _ => None,
    };
    let sequence = match shape.as_slice() {
        [s, f] => Some([s.value()?, f.value()?]),
        _ => None,
    };
    let layer = ir::Layer {
        field,
        position,
        span: decl.kind.span(),
        text: text.clone(),
        class: join.name,
        input: incoming.width.clone(),
        output: output.clone(),
        input_shape,
        shape,
        keras: Vec::new(),
        ty,
        build: ir::Build {
            zeros: ir::Expr::Block(ir::Built::Zeros),
            init: ir::Expr::Block(ir::Built::Init),
            constant: ir::Expr::Block(ir::Built::Constant),
            fields: Vec::new(),
            fields_in: &[],
            tensors: block_tensors(&la).chain(block_tensors(&lb)).collect(),
        },
        identity_at_inference: false,
        stream,
        activated: false,
        block: Some(ir::Block {
            branches: [branch(ia, la, oa), branch(ib, lb, ob)],
        }),
    };
    let incoming = Incoming {
        width: output,
        image,
        sequence,
        last_step: None,
        flattened: None,
        declared_input: false,
        origin: (text, position),
    };
    Some((layer, incoming))
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
    let joins = blocks::JOINS.iter().map(|join| join.name);
    let hint = match names::closest(&name, known.clone().chain(joins.clone())) {
        Some(best) => format!("did you mean `{best}`? The"),
        None => "the".to_string(),
    };
    errors.push(SpanRange::single(decl.kind.span()).error(format!(
        "unknown layer `{name}`: {hint} layers are {}, and the blocks {}",
        names::list(known),
        names::list(joins)
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
