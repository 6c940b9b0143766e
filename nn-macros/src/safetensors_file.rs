//! `#[safetensors("models/sine.safetensors")]` on a declaration: the weights file that
//! `nn::io::save_weights` wrote is checked against the declaration during the build (every
//! tensor by name and shape, a difference reported at its layer with both shapes), and the crate
//! is rebuilt when the file changes. `#[safetensors("...", embed)]` also builds the weights into
//! the program: the constant `Sine::EMBEDDED`, read during compilation, with no parsing and no
//! error at run time (and no `std`: see "On a microcontroller" in the README).
//!
//! A safetensors file is an 8-byte little-endian header length, a JSON header mapping each
//! tensor's name to its type, shape and byte range, and the data. `nn::io` names a tensor
//! `{layer}.{parameter}` (`dense.kernel`), the layer by its field name.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value as Json;

use crate::embed;
use crate::errors::Errors;
use crate::ir::Network;

/// A tensor of the file.
pub(crate) struct Entry {
    dtype: String,
    shape: Vec<usize>,
    /// Its bytes, from the start of the file.
    range: std::ops::Range<usize>,
}

/// Takes the `#[safetensors("...")]` attribute off `network` and checks the declaration
/// against the file it names (building its weights in with `embed`).
pub(crate) fn apply(network: &mut Network, errors: &mut Errors) {
    let example = "#[safetensors(\"models/sine.safetensors\", embed)]";
    let Some(embed::Args { path: lit, embed }) =
        embed::Args::take(network, "safetensors", example, errors)
    else {
        return;
    };
    if embed && network.embedded.is_some() {
        errors.push(syn::Error::new(
            lit.span(),
            "the weights are built in from one file only: this declaration embeds its Keras file \
             already",
        ));
        return;
    }
    let dir = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(PathBuf::new, PathBuf::from);
    let path = dir.join(lit.value());
    let name = lit.value();
    let fail = |problem: String| syn::Error::new(lit.span(), format!("`{name}` {problem}"));
    let (bytes, entries) = match read(&path) {
        Ok(file) => file,
        Err(problem) => {
            errors.push(fail(problem));
            return;
        }
    };
    // Each tensor of the file belongs to a declared layer's parameter.
    for key in entries.keys() {
        if key.starts_with("optimizer.") {
            continue; // a checkpoint's optimizer state: not the network's
        }
        let known = network.layers.iter().any(|layer| {
            layer
                .build
                .tensors
                .iter()
                .any(|p| *key == format!("{}.{}", layer.field, p.name))
        });
        if !known {
            errors.push(syn::Error::new(
                network.ident.span(),
                format!(
                    "`{name}` has a tensor `{key}` that `{}` has no parameter for",
                    network.ident
                ),
            ));
        }
    }
    let mut offsets = Vec::new();
    let mut complete = true;
    for index in 0..network.layers.len() {
        let layer = &network.layers[index];
        let mut starts = Vec::new();
        for param in layer.build.tensors.clone() {
            let layer = &network.layers[index];
            let key = format!("{}.{}", layer.field, param.name);
            let Some(entry) = entries.get(&key) else {
                complete = false;
                errors.push(syn::Error::new(
                    layer.span,
                    format!(
                        "layer {} `{}`: `{name}` has no tensor `{key}`; `{}` needs one of shape {}",
                        index + 1,
                        layer.field,
                        layer.text,
                        embed::show(&param.shape)
                    ),
                ));
                continue;
            };
            embed::compare_shape(network, index, &param, &key, &entry.shape, &name, errors);
            if embed {
                match float32(&bytes, entry) {
                    Ok(()) => starts.push(entry.range.start),
                    Err(problem) => {
                        complete = false;
                        errors.push(fail(format!("`{key}` {problem}")));
                    }
                }
            }
        }
        offsets.push(starts);
    }
    let path = path.to_string_lossy().into_owned();
    if embed && complete {
        embed::apply(network, path.clone(), offsets);
    }
    network.files.push(path);
}

/// Whether a tensor can be built in as it is stored: little-endian `float32`, finite.
fn float32(bytes: &[u8], entry: &Entry) -> Result<(), String> {
    if entry.dtype != "F32" {
        return Err(format!(
            "is {}: `embed` builds in float32 weights (those of an `f32` network); save them \
             from one",
            entry.dtype
        ));
    }
    let finite = bytes[entry.range.clone()]
        .chunks_exact(4)
        .all(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]).is_finite());
    if finite {
        Ok(())
    } else {
        Err(String::from("holds NaN or infinite values"))
    }
}

/// The file's bytes and its tensors by name.
pub(crate) fn read(path: &std::path::Path) -> Result<(Vec<u8>, BTreeMap<String, Entry>), String> {
    let bytes = embed::read_file(path)?;
    let not = |why: &str| format!("is not a safetensors file: {why}");
    let length = bytes
        .get(..8)
        .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
        .ok_or_else(|| not("it is shorter than its 8-byte header length"))?;
    let end = usize::try_from(length)
        .ok()
        .and_then(|n| n.checked_add(8))
        .filter(|&end| end <= bytes.len())
        .ok_or_else(|| not("its header is longer than the file"))?;
    let header: Json = serde_json::from_slice(&bytes[8..end])
        .map_err(|e| not(&format!("its header is not JSON ({e})")))?;
    let Json::Object(items) = header else {
        return Err(not("its header is not a JSON object"));
    };
    let mut entries = BTreeMap::new();
    for (key, item) in items {
        if key == "__metadata__" {
            continue;
        }
        let bad = || {
            not(&format!(
                "tensor `{key}` has no valid dtype, shape and data_offsets"
            ))
        };
        let dtype = item["dtype"].as_str().ok_or_else(bad)?.to_string();
        let numbers = |field: &str| -> Option<Vec<usize>> {
            item[field]
                .as_array()?
                .iter()
                .map(|n| usize::try_from(n.as_u64()?).ok())
                .collect()
        };
        let shape = numbers("shape").ok_or_else(bad)?;
        let [start, stop] = numbers("data_offsets")
            .and_then(|o| <[usize; 2]>::try_from(o).ok())
            .ok_or_else(bad)?;
        let width = match dtype.as_str() {
            "F64" | "I64" | "U64" => 8,
            "F32" | "I32" | "U32" => 4,
            "F16" | "BF16" | "I16" | "U16" => 2,
            _ => 1,
        };
        let count = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
        let range = end.checked_add(start).zip(end.checked_add(stop));
        let fits = start <= stop
            && range.is_some_and(|(_, last)| last <= bytes.len())
            && count.and_then(|c| c.checked_mul(width)) == Some(stop - start);
        let (Some((first, last)), true) = (range, fits) else {
            return Err(not(&format!(
                "tensor `{key}`'s byte range does not hold its shape {shape:?} of {dtype}"
            )));
        };
        entries.insert(
            key,
            Entry {
                dtype,
                shape,
                range: first..last,
            },
        );
    }
    Ok((bytes, entries))
}
