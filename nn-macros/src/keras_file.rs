//! `#[keras("models/classifier.keras")]` on a declaration: the Keras file's model is checked
//! against the declaration during the build, with each mistake reported at the layer it
//! concerns, and the crate is rebuilt when the file changes. `#[keras("...", embed)]` also
//! builds the file's weights into the program (the constant `Classifier::EMBEDDED`).
//!
//! The file is read with `nn-keras` (the runtime's own reader). What the macro can decide alone
//! (the number of layers, their classes, the input shape, weights the declaration has no layer
//! for) is an error here; every setting (units, activation, kernel size, ...) becomes a constant
//! assertion that the compiler evaluates with the same comparison as loading at run time
//! (`nn_keras::config::Value::same`), so named constants and activation types of the user's are
//! checked too, and so does the number of weights the file has for each layer (the layer type's
//! `Params::PARAMS`).

use std::path::PathBuf;

use nn_keras::files::{archive, model, weights};
use serde_json::Value as Json;
use syn::LitStr;

use crate::embed;
use crate::errors::Errors;
use crate::ir::{Expr, KerasCheck, KerasFile, KerasValue, Network, ParamsCheck, Size};

/// What a Keras file holds, as the macro needs it.
struct Source {
    /// The model's configuration, where the file has one.
    model: Option<model::FileModel>,
    weights: weights::Weights,
    /// Where the HDF5 weights start in the file's bytes (a `.keras` archive's member).
    base: usize,
}

/// Takes the `#[keras("...")]` attribute off `network` and checks the declaration against the
/// file it names.
pub(crate) fn apply(network: &mut Network, errors: &mut Errors) {
    let example = "#[keras(\"models/classifier.keras\")]";
    let Some(embed::Args { path: lit, embed }) =
        embed::Args::take(network, "keras", example, errors)
    else {
        return;
    };
    let dir = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(PathBuf::new, PathBuf::from);
    let path = dir.join(lit.value());
    let fail = |problem: String| syn::Error::new(lit.span(), problem);
    let source = match read(&path, embed) {
        Ok(source) => source,
        Err(problem) => {
            errors.push(fail(format!("`{}`: {problem}", lit.value())));
            return;
        }
    };
    let name = lit.value();
    let checks = match &source.model {
        Some(model) => compare(network, model, &name, errors),
        None => Vec::new(),
    };
    let tensors = tensors(network, &source, &name, errors);
    let params = params_checks(network, &tensors, &name);
    if embed && source.model.is_none() {
        errors.push(fail(format!(
            "`{name}` has no model configuration, so only each layer's number of weights can be \
             checked, not their shapes: `embed` needs the `.keras` file (or load this one at run \
             time with `load_keras`, which checks every shape)"
        )));
        return;
    }
    let path = path.to_string_lossy().into_owned();
    if embed {
        let shapes: Vec<Vec<(String, Vec<usize>)>> = tensors
            .iter()
            .map(|layer| {
                layer
                    .iter()
                    .map(|t| (t.path.clone(), t.shape.clone()))
                    .collect()
            })
            .collect();
        embed::check_shapes(network, &shapes, &name, errors);
        // Built in only when every layer has the tensors it declares (a different count is
        // reported by the weight-count check) and every tensor can be read in place.
        let counts_agree = network
            .layers
            .iter()
            .zip(&tensors)
            .all(|(layer, found)| layer.build.tensors.len() == found.len());
        if let Some(offsets) = embedded(&source, &tensors, &name, &lit, errors)
            && counts_agree
        {
            embed::apply(network, path.clone(), offsets);
        }
    }
    network.files.push(path);
    network.keras_file = Some(KerasFile { checks, params });
}

/// Each declared layer's tensors in the file (none where the file has none), as loading at run
/// time finds them: by class and order in Keras 3's layout, by the configuration's layer names in
/// a legacy file. Weights the declaration has no layer for are an error.
fn tensors<'a>(
    network: &Network,
    source: &'a Source,
    name: &str,
    errors: &mut Errors,
) -> Vec<&'a [weights::Tensor]> {
    let keys: Vec<String> = match (source.weights.layout, &source.model) {
        (weights::Layout::Legacy, Some(model)) => {
            model.layers.iter().map(|l| l.name.clone()).collect()
        }
        _ => model::group_names(network.layers.iter().map(|l| l.class)),
    };
    let found: Vec<&[weights::Tensor]> = network
        .layers
        .iter()
        .enumerate()
        .map(|(i, _)| {
            keys.get(i)
                .and_then(|k| source.weights.layer(k))
                .unwrap_or(&[])
        })
        .collect();
    for (key, tensors) in &source.weights.layers {
        let used = keys.iter().take(network.layers.len()).any(|k| k == key);
        if !tensors.is_empty() && !used {
            errors.push(syn::Error::new(
                network.ident.span(),
                format!(
                    "`{name}` has weights for a layer `{key}` that `{}` does not declare",
                    network.ident
                ),
            ));
        }
    }
    found
}

/// One check per layer: the number of weights the file has for it is its type's.
fn params_checks(
    network: &Network,
    tensors: &[&[weights::Tensor]],
    name: &str,
) -> Vec<ParamsCheck> {
    network
        .layers
        .iter()
        .zip(tensors)
        .enumerate()
        .map(|(index, (layer, tensors))| {
            let count = tensors
                .iter()
                .map(|t| t.shape.iter().product::<usize>())
                .sum();
            let shapes: Vec<String> = tensors.iter().map(|t| format!("{:?}", t.shape)).collect();
            ParamsCheck {
                layer: index,
                count,
                message: format!(
                    "layer {} `{}`: `{name}` has {count} weights for it ({}), not as many as `{}` \
                     has",
                    index + 1,
                    layer.field,
                    if shapes.is_empty() {
                        String::from("none")
                    } else {
                        shapes.join(", ")
                    },
                    layer.text
                ),
                span: layer.span,
            }
        })
        .collect()
}

/// Where each layer's values start in the file's bytes, for `EMBEDDED`: only finite,
/// little-endian `float32` values stored in one run each (as Keras stores them).
fn embedded(
    source: &Source,
    tensors: &[&[weights::Tensor]],
    name: &str,
    lit: &LitStr,
    errors: &mut Errors,
) -> Option<Vec<Vec<usize>>> {
    let mut layers = Vec::new();
    let mut complete = true;
    for tensors in tensors {
        let mut ranges = Vec::new();
        for tensor in *tensors {
            let Some(range) = source.weights.f32_range(tensor) else {
                errors.push(syn::Error::new(
                    lit.span(),
                    format!(
                        "`{name}`: `{}` is not stored as one run of little-endian float32 values, \
                         which `embed` reads in place; load the file at run time instead",
                        tensor.path
                    ),
                ));
                complete = false;
                continue;
            };
            let count = range.len() / 4;
            let mut values = vec![0.0f64; count];
            // In one run in the file (`f32_range`): it always decodes.
            if source.weights.decode_into(tensor, &mut values, |v| v) != Ok(true) {
                errors.push(syn::Error::new(
                    lit.span(),
                    format!("`{name}`: `{}` holds NaN or infinite values", tensor.path),
                ));
                complete = false;
            }
            ranges.push(source.base + range.start);
        }
        layers.push(ranges);
    }
    complete.then_some(layers)
}

/// What a file holds: its model (a `.keras` archive's, a legacy `.h5`'s) and its weights.
/// `embed` needs the weights stored in the archive (as Keras stores them), to read them in place.
fn read(path: &std::path::Path, embed: bool) -> Result<Source, String> {
    let bytes = embed::read_file(path)?;
    let (config, weights, base) = if bytes.starts_with(b"PK") {
        let config = archive::read_config(&bytes)?;
        match archive::weights_range(&bytes) {
            Ok(range) => {
                let base = range.start;
                (Some(config), weights::read(bytes[range].to_vec())?, base)
            }
            Err(problem) if embed => return Err(problem),
            // A compressed member, inflated: only its shapes are needed.
            Err(_) => (
                Some(config),
                weights::read(archive::read(bytes)?.weights)?,
                0,
            ),
        }
    } else if bytes.starts_with(b"\x89HDF") {
        let weights = weights::read(bytes)?;
        (weights.config.clone(), weights, 0)
    } else {
        return Err(String::from(
            "is not a Keras file: a `.keras` archive, a `.weights.h5` or a legacy `.h5` file",
        ));
    };
    let model = config.as_deref().map(model::parse).transpose()?;
    Ok(Source {
        model,
        weights,
        base,
    })
}

/// What the macro decides itself, as errors; the settings, as checks for the compiler.
fn compare(
    network: &Network,
    file: &model::FileModel,
    name: &str,
    errors: &mut Errors,
) -> Vec<KerasCheck> {
    let net = network.ident.to_string();
    if file.layers.len() != network.layers.len() {
        let classes = |c: Vec<&str>| c.join(", ");
        errors.push(syn::Error::new(
            network.ident.span(),
            format!(
                "`{name}` has {} layers ({}), `{net}` declares {} ({})",
                file.layers.len(),
                classes(file.layers.iter().map(|l| l.class.as_str()).collect()),
                network.layers.len(),
                classes(network.layers.iter().map(|l| l.class).collect()),
            ),
        ));
    }
    if let (Some(input), Some(first)) = (&file.input, network.layers.first()) {
        let declared: Vec<Option<usize>> = network.input_shape.iter().map(Size::value).collect();
        let differs = input.len() != declared.len()
            || input
                .iter()
                .zip(&declared)
                .any(|(a, b)| matches!((a, b), (Some(a), Some(b)) if a != b));
        if differs {
            errors.push(syn::Error::new(
                first.span,
                format!(
                    "`{name}`'s model takes samples of shape {}, `{net}` declares {}",
                    shape(input),
                    shape(&declared)
                ),
            ));
        }
    }
    let mut checks = Vec::new();
    for (index, (layer, theirs)) in network.layers.iter().zip(&file.layers).enumerate() {
        let at = format!("layer {} `{}`", index + 1, theirs.name);
        if layer.class != theirs.class {
            errors.push(syn::Error::new(
                layer.span,
                format!(
                    "{at}: `{name}` has a {}, `{net}` declares a {}",
                    theirs.class, layer.class
                ),
            ));
            continue;
        }
        for setting in layer.keras.iter().filter(|s| s.checked) {
            let Some(found) = model::setting(&theirs.config, &setting.key) else {
                continue;
            };
            let message = format!(
                "{at}: `{name}` has {} = {}, `{net}` declares {}",
                setting.key,
                model::show(found),
                setting.value.text()
            );
            match literal(&setting.value, found) {
                Some(found) => checks.push(KerasCheck {
                    layer: index,
                    declared: setting.value.clone(),
                    found,
                    message,
                    span: layer.span,
                }),
                None => errors.push(syn::Error::new(layer.span, message)),
            }
        }
    }
    checks
}

/// The file's value in the form of the declared one, or `None` when it has another type.
fn literal(declared: &KerasValue, found: &Json) -> Option<KerasValue> {
    Some(match declared {
        KerasValue::Size(_) => {
            KerasValue::Size(Size::Known(usize::try_from(found.as_u64()?).ok()?))
        }
        KerasValue::Float(_) => KerasValue::Float(Expr::Float(found.as_f64()?)),
        KerasValue::Bool(_) => KerasValue::Bool(found.as_bool()?),
        KerasValue::Initializer { .. } => return None,
        KerasValue::Str(_) | KerasValue::Activation(_) | KerasValue::Text(_) => {
            KerasValue::Text(model::name_of(found)?.to_string())
        }
        KerasValue::LastAxis if model::is_last_axis(found) => KerasValue::LastAxis,
        KerasValue::LastAxis => KerasValue::Text(found.to_string()),
        KerasValue::Sizes(mine) => KerasValue::Sizes(match found {
            Json::Array(items) => items
                .iter()
                .map(|i| i.as_u64().and_then(|n| usize::try_from(n).ok()))
                .collect::<Option<Vec<_>>>()?,
            Json::Number(n) => vec![usize::try_from(n.as_u64()?).ok()?; mine.len()],
            _ => return None,
        }),
    })
}

fn shape(dims: &[Option<usize>]) -> String {
    let dims: Vec<String> = dims
        .iter()
        .map(|d| d.map_or_else(|| String::from("?"), |d| d.to_string()))
        .collect();
    format!("[{}]", dims.join(", "))
}

#[cfg(test)]
mod tests {
    /// The files `#[keras]` and `#[safetensors]` name are read as the runtime reads model
    /// files: a device (through a symbolic link), a FIFO or a directory is an error before
    /// anything is read, not a compiler that reads `/dev/zero` without end or waits on a FIFO.
    #[cfg(unix)]
    #[test]
    fn special_files_are_refused_at_build_time() {
        let dir = std::env::temp_dir().join(format!("nn-macros-special-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let zero = dir.join("zero.keras");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        let fifo = dir.join("fifo.keras");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        for (path, what) in [
            (&zero, "a device"),
            (&fifo, "a FIFO"),
            (&dir, "a directory"),
        ] {
            let keras = super::read(path, false).err().unwrap();
            let safetensors = crate::safetensors_file::read(path).err().unwrap();
            for problem in [keras, safetensors] {
                assert!(
                    problem.starts_with(&format!("cannot be read: not a regular file ({what})")),
                    "{problem}"
                );
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
