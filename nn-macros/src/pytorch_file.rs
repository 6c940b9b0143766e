//! `#[pytorch("model.safetensors")]` on a declaration: a PyTorch state dict (as
//! `safetensors.torch.save_file(model.state_dict(), path)` writes it) checked against the
//! declaration during the build by the runtime's own reading (`nn_core::pytorch`, what
//! `Net::load_pytorch` runs), so the build reports exactly the differences loading would, each
//! at its layer; the crate is rebuilt when the file changes. `#[pytorch("..", embed)]` also
//! builds the weights in (`Net::EMBEDDED`, no `std` needed): converted to our layout during the
//! build and written into the program as bytes, read by the compiler as `#[safetensors]`'s are.
//! A network with blocks is given to the reading as Keras lists its layers (each block's
//! layers, first branch then second, before the block), each block's layers built in as the
//! block's tensors, in that order, as `#[keras(.., embed)]` builds them.

use nn_core::pytorch::{Declared, Tensors};

use crate::embed::{self, field_name};
use crate::errors::Errors;
use crate::ir::{Layer, Network, Size};

/// Takes the `#[pytorch("...")]` attribute off `network` and checks the declaration against the
/// state dict it names (building its weights in with `embed`).
pub(crate) fn apply(network: &mut Network, errors: &mut Errors) {
    let example = "#[pytorch(\"model.safetensors\", embed)]";
    let Some((path, name, embed, fail)) = embed::take_file(network, "pytorch", example, errors)
    else {
        return;
    };
    let (bytes, entries) = match crate::safetensors_file::read(&path) {
        Ok(file) => file,
        Err(problem) => {
            errors.push(fail(problem));
            return;
        }
    };
    network.files.push(path.to_string_lossy().into_owned());
    let known = |sizes: &[Size]| -> Option<Vec<usize>> { sizes.iter().map(Size::value).collect() };
    // The layers as Keras lists them (each block's layers, then the block), as the runtime's
    // reading sees them: every size must be a number here.
    let mut flat = Vec::new();
    for (index, layer) in network.layers.iter().enumerate() {
        walk(layer, index, &[], &mut flat);
    }
    let inputs: Vec<(&str, Vec<usize>)> = flat
        .iter()
        .map(|f| {
            (
                f.layer.class,
                known(&f.layer.input_shape).unwrap_or_default(),
            )
        })
        .collect();
    let inputs: Vec<(&str, &[usize])> = inputs.iter().map(|(c, s)| (*c, s.as_slice())).collect();
    let fields: Vec<String> = network.layers.iter().map(field_name).collect();
    let names: Vec<(String, Vec<String>)> = flat
        .iter()
        .map(|f| {
            (
                field_name(f.layer),
                f.blocks.iter().map(|b| field_name(b)).collect(),
            )
        })
        .collect();
    let mut declared = Vec::new();
    // The top-level layer of each declared one.
    let mut tops = Vec::new();
    let mut refused = false;
    for (k, entry) in flat.iter().enumerate() {
        let (layer, index) = (entry.layer, entry.top);
        if layer.block.is_some() {
            continue;
        }
        let half = layer.build.tensors.len() / 2;
        let tensors: Option<Vec<(String, Vec<usize>)>> = layer
            .build
            .tensors
            .iter()
            .enumerate()
            .map(|(t, p)| {
                let key = match (layer.class, t < half) {
                    ("Bidirectional", true) => format!("forward.{}", p.name),
                    ("Bidirectional", false) => format!("backward.{}", p.name),
                    _ => p.name.to_string(),
                };
                Some((key, known(&p.shape)?))
            })
            .collect();
        let flattened = nn_core::pytorch::flattened(&inputs, k);
        let top = &network.layers[index];
        let at = format!(
            "`{name}`: layer {} `{}` ({})",
            index + 1,
            fields[index],
            top.class
        );
        let named = known(&layer.input_shape).is_none() && flattened.is_none();
        let Some(tensors) = tensors.filter(|_| !(named && layer.class == "Dense")) else {
            errors.push(syn::Error::new(
                top.span,
                format!(
                    "{at}: `{}` has a size given by a named constant, but a state dict is \
                     checked during the build only against layers whose sizes are numbers \
                     (write the number, or read the file at run time with `load_pytorch`)",
                    layer.text
                ),
            ));
            refused = true;
            continue;
        };
        let (field, blocks) = &names[k];
        declared.push(Declared {
            field,
            position: index + 1,
            class: layer.class,
            tensors,
            flattened: flattened.map(<[usize]>::to_vec),
            blocks: blocks.iter().map(String::as_str).collect(),
        });
        tops.push(index);
    }
    if refused {
        return;
    }
    let tensors: Tensors<'_> = entries
        .iter()
        .map(|(key, e)| {
            let data = &bytes[e.range.clone()];
            (key.clone(), (e.dtype.clone(), e.shape.clone(), data))
        })
        .collect();
    match nn_core::pytorch::read(&declared, &tensors) {
        Ok(values) => {
            if embed {
                // Read from float tensors: a float32's is exact, a float64's rounded as loading
                // rounds it.
                // A block's tensors are its layers', in order.
                let mut built: Vec<Vec<Vec<f32>>> = vec![Vec::new(); network.layers.len()];
                for (layer, &top) in values.iter().zip(&tops) {
                    #[allow(clippy::cast_possible_truncation)]
                    built[top].extend(
                        layer
                            .iter()
                            .map(|t| t.iter().map(|&v| v as f32).collect::<Vec<f32>>()),
                    );
                }
                embed::build_in(network, path.to_string_lossy().into_owned(), built);
            }
        }
        Err(problems) => embed::at_layers(network, &name, problems, errors, |i, problem| {
            let head = format!("layer {} `{}`", i + 1, fields[i]);
            problem.starts_with(&format!("{head} (")) || problem.starts_with(&format!("{head}, "))
        }),
    }
}

/// A layer as Keras lists a network's: `layer`, of the network's layer `top` (counting from
/// 0), in the blocks `blocks` (outermost first).
struct Flat<'n> {
    layer: &'n Layer,
    top: usize,
    blocks: Vec<&'n Layer>,
}

/// Appends `layer` to `out` as Keras lists it: a block's first branch's layers, its second's,
/// then the block itself.
fn walk<'n>(layer: &'n Layer, top: usize, blocks: &[&'n Layer], out: &mut Vec<Flat<'n>>) {
    if let Some(block) = &layer.block {
        let mut within = blocks.to_vec();
        within.push(layer);
        for inner in block.branches.iter().flat_map(|b| &b.layers) {
            walk(inner, top, &within, out);
        }
    }
    out.push(Flat {
        layer,
        top,
        blocks: blocks.to_vec(),
    });
}
