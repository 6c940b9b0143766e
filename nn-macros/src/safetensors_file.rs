//! `#[safetensors("models/sine.safetensors")]` on a declaration: the weights file that
//! `nn::io::save_weights` wrote is checked against the declaration during the build (every
//! tensor by name and shape, a difference reported once per layer at the layer with both shapes,
//! tensors the declaration has no layer for once per layer of theirs), and the crate
//! is rebuilt when the file changes. `#[safetensors("...", embed)]` also builds the weights into
//! the program: the constant `Sine::EMBEDDED`, read during compilation, with no parsing and no
//! error at run time (and no `std`: see the guide `nn::guide::microcontroller`).
//!
//! A safetensors file is an 8-byte little-endian header length, a JSON header mapping each
//! tensor's name to its type, shape and byte range, and the data. `nn::io` names a tensor
//! `{layer}.{parameter}` (`dense.kernel`), the layer by its field name.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::embed;
use crate::errors::Errors;
use crate::ir::Network;

/// A tensor of the file.
pub(crate) struct Entry {
    pub(crate) dtype: String,
    pub(crate) shape: Vec<usize>,
    /// Its bytes, from the start of the file.
    pub(crate) range: std::ops::Range<usize>,
}

/// Takes the `#[safetensors("...")]` attribute off `network` and checks the declaration
/// against the file it names (building its weights in with `embed`).
pub(crate) fn apply(network: &mut Network, errors: &mut Errors) {
    let example = "#[safetensors(\"models/sine.safetensors\", embed)]";
    let Some(args) = embed::Args::take(network, "safetensors", example, errors) else {
        return;
    };
    let path = args.full_path();
    let embed::Args { path: lit, embed } = args;
    if embed && network.embedded.is_some() {
        errors.push(syn::Error::new(
            lit.span(),
            "the weights are built in from one file only: this declaration embeds its Keras file \
             already",
        ));
        return;
    }
    let name = lit.value();
    let fail = |problem: String| syn::Error::new(lit.span(), format!("`{name}` {problem}"));
    let (bytes, entries) = match read(&path) {
        Ok(file) => file,
        Err(problem) => {
            errors.push(fail(problem));
            return;
        }
    };
    // Each tensor of the file belongs to a declared layer's parameter. Those that do not, by
    // the layer their name gives (`dense_2` of `dense_2.kernel`).
    let mut unknown: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
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
            let (layer, tensor) = key.split_once('.').unwrap_or(("", key));
            unknown.entry(layer).or_default().push(tensor);
        }
    }
    let mut offsets = Vec::new();
    let mut complete = true;
    // Tensors that cannot be built in, by what is wrong with them.
    let mut unfit: BTreeMap<Unfit, Vec<String>> = BTreeMap::new();
    for index in 0..network.layers.len() {
        let layer = &network.layers[index];
        let mut starts = Vec::new();
        let missing: Vec<(String, String)> = layer
            .build
            .tensors
            .iter()
            .map(|p| (format!("{}.{}", layer.field, p.name), embed::show(&p.shape)))
            .filter(|(key, _)| !entries.contains_key(key))
            .collect();
        if !missing.is_empty() {
            complete = false;
            // A layer none of whose tensors are there, where the file has a layer of other
            // tensors with the same names: the same layer under another name, reported once.
            let names: Vec<&str> = layer.build.tensors.iter().map(|p| &*p.name).collect();
            let renamed = (missing.len() == names.len())
                .then(|| {
                    unknown.iter().find_map(|(other, tensors)| {
                        let mut sorted = names.clone();
                        sorted.sort_unstable();
                        (*tensors == sorted).then_some(*other)
                    })
                })
                .flatten()
                .filter(|other| !other.is_empty())
                .map(ToString::to_string);
            let keys = |keys: Vec<String>| {
                let keys: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
                keys.join(", ")
            };
            let at = format!("layer {} `{}`: `{name}`", index + 1, layer.field);
            let mut message = match &missing[..] {
                [(key, shape)] => format!(
                    "{at} has no tensor `{key}`; `{}` needs one of shape {shape}",
                    layer.text
                ),
                _ => {
                    let shapes: Vec<&str> = missing.iter().map(|(_, s)| s.as_str()).collect();
                    format!(
                        "{at} has no tensors {}; `{}` needs them, of shapes {}",
                        keys(missing.iter().map(|(k, _)| k.clone()).collect()),
                        layer.text,
                        shapes.join(", ")
                    )
                }
            };
            if let Some(other) = renamed {
                let found = unknown.remove(other.as_str()).unwrap_or_default();
                message += &format!(
                    ", but has {}, which `{}` declares no layer for: is this layer named \
                     `{other}` in the file (`{other}: {}`)?",
                    keys(found.iter().map(|t| format!("{other}.{t}")).collect()),
                    network.ident,
                    layer.text
                );
            }
            errors.push(syn::Error::new(layer.span, message));
        }
        // After one tensor of the layer whose shape differs, the others would repeat it.
        let mut shaped = true;
        for param in layer.build.tensors.clone() {
            let key = format!("{}.{}", network.layers[index].field, param.name);
            let Some(entry) = entries.get(&key) else {
                continue;
            };
            if shaped
                && embed::compare_shape(network, index, &param, &key, &entry.shape, &name, errors)
            {
                shaped = false;
            }
            if embed {
                match float32(&bytes, entry) {
                    Ok(()) => starts.push(entry.range.start),
                    Err(problem) => {
                        complete = false;
                        unfit.entry(problem).or_default().push(key);
                    }
                }
            }
        }
        offsets.push(starts);
    }
    for (layer, tensors) in &unknown {
        let keys: Vec<String> = tensors
            .iter()
            .map(|t| match *layer {
                "" => format!("`{t}`"),
                _ => format!("`{layer}.{t}`"),
            })
            .collect();
        let (what, keys) = match keys.len() {
            1 => ("a tensor", keys.join("")),
            _ => ("tensors", keys.join(", ")),
        };
        errors.push(syn::Error::new(
            network.ident.span(),
            format!(
                "`{name}` has {what} {keys} that `{}` has no parameter for",
                network.ident
            ),
        ));
    }
    for (problem, keys) in unfit {
        let keys: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
        let many = keys.len() > 1;
        let keys = keys.join(", ");
        errors.push(fail(match problem {
            Unfit::Type(dtype) => format!(
                "{keys} {} {dtype}: `embed` builds in float32 weights (those of an `f32` \
                 network); save them from one",
                if many { "are" } else { "is" }
            ),
            Unfit::NotFinite => format!(
                "{keys} {} NaN or infinite values",
                if many { "hold" } else { "holds" }
            ),
        }));
    }
    let path = path.to_string_lossy().into_owned();
    if embed && complete {
        embed::apply(network, path.clone(), offsets);
    }
    network.files.push(path);
}

/// Why a tensor cannot be built in.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Unfit {
    /// It is not `float32`, but this type.
    Type(String),
    /// It holds NaN or an infinity.
    NotFinite,
}

/// Whether a tensor can be built in as it is stored: little-endian `float32`, finite.
fn float32(bytes: &[u8], entry: &Entry) -> Result<(), Unfit> {
    if entry.dtype != "F32" {
        return Err(Unfit::Type(entry.dtype.clone()));
    }
    let finite = bytes[entry.range.clone()]
        .chunks_exact(4)
        .all(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]).is_finite());
    if finite {
        Ok(())
    } else {
        Err(Unfit::NotFinite)
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
