//! `#[pytorch("model.safetensors")]` on a declaration: a PyTorch state dict (as
//! `safetensors.torch.save_file(model.state_dict(), path)` writes it) checked against the
//! declaration during the build by the runtime's own reading (`nn_core::pytorch`, what
//! `Net::load_pytorch` runs), so the build reports exactly the differences loading would, each
//! at its layer; the crate is rebuilt when the file changes. `#[pytorch("..", embed)]` also
//! builds the weights in (`Net::EMBEDDED`, no `std` needed): converted to our layout during the
//! build and written into the program as bytes, read by the compiler as `#[safetensors]`'s are.

use nn_core::pytorch::{Declared, Tensors};

use crate::embed;
use crate::errors::Errors;
use crate::ir::{Network, Size};

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
    // The layers as the runtime's reading sees them: every size must be a number here.
    let inputs: Vec<(&str, Vec<usize>)> = network
        .layers
        .iter()
        .map(|l| (l.class, known(&l.input_shape).unwrap_or_default()))
        .collect();
    let inputs: Vec<(&str, &[usize])> = inputs.iter().map(|(c, s)| (*c, s.as_slice())).collect();
    let fields: Vec<String> = network.layers.iter().map(|l| l.field.to_string()).collect();
    let mut declared = Vec::new();
    let mut refused = false;
    for (index, layer) in network.layers.iter().enumerate() {
        let tensors: Option<Vec<(String, Vec<usize>)>> = layer
            .build
            .tensors
            .iter()
            .map(|p| Some((p.name.to_string(), known(&p.shape)?)))
            .collect();
        let flattened = nn_core::pytorch::flattened(&inputs, index);
        let at = format!(
            "`{name}`: layer {} `{}` ({})",
            index + 1,
            layer.field,
            layer.class
        );
        if layer.block.is_some() {
            errors.push(syn::Error::new(
                layer.span,
                format!("{at}: blocks are not read from PyTorch state dicts yet"),
            ));
            refused = true;
            continue;
        }
        let named = known(&layer.input_shape).is_none() && flattened.is_none();
        let Some(tensors) = tensors.filter(|_| !(named && layer.class == "Dense")) else {
            errors.push(syn::Error::new(
                layer.span,
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
        declared.push(Declared {
            field: &fields[index],
            position: index + 1,
            class: layer.class,
            tensors,
            flattened: flattened.map(<[usize]>::to_vec),
        });
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
                #[allow(clippy::cast_possible_truncation)]
                let values = values
                    .iter()
                    .map(|layer| {
                        let tensors = layer.iter();
                        tensors
                            .map(|t| t.iter().map(|&v| v as f32).collect())
                            .collect()
                    })
                    .collect();
                embed::build_in(network, path.to_string_lossy().into_owned(), values);
            }
        }
        Err(problems) => embed::at_layers(network, &name, problems, errors, |i, problem| {
            problem.starts_with(&format!("layer {} `{}` (", i + 1, fields[i]))
        }),
    }
}
