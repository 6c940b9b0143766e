//! `#[keras("models/classifier.keras")]` on a declaration: the Keras file's model is checked
//! against the declaration during the build, with each mistake reported at the layer it
//! concerns, and the crate is rebuilt when the file changes.
//!
//! The file is read with `nn-keras` (the runtime's own reader). What the macro can decide alone
//! (the number of layers, their classes, the input shape) is an error here; every setting
//! (units, activation, kernel size, ...) becomes a constant assertion that the compiler
//! evaluates with the same comparison as loading at run time (`nn_keras::config::Value::same`),
//! so named constants and activation types of the user's are checked too.

use std::path::PathBuf;

use nn_keras::files::{archive, model, weights};
use serde_json::Value as Json;
use syn::LitStr;

use crate::errors::Errors;
use crate::ir::{Expr, KerasCheck, KerasFile, KerasValue, Network, Size};

/// Takes the `#[keras("...")]` attribute off `network` and checks the declaration against the
/// file it names.
pub(crate) fn apply(network: &mut Network, errors: &mut Errors) {
    let Some(index) = network
        .attrs
        .iter()
        .position(|a| a.path().is_ident("keras"))
    else {
        return;
    };
    let attr = network.attrs.remove(index);
    let lit = match attr.parse_args::<LitStr>() {
        Ok(lit) => lit,
        Err(_) => {
            errors.push(syn::Error::new_spanned(
                &attr,
                "expected the Keras file's path, relative to the crate's manifest: \
                 `#[keras(\"models/classifier.keras\")]`",
            ));
            return;
        }
    };
    let dir = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(PathBuf::new, PathBuf::from);
    let path = dir.join(lit.value());
    let fail = |problem: String| syn::Error::new(lit.span(), problem);
    let file = match read(&path) {
        Ok(file) => file,
        Err(problem) => {
            errors.push(fail(format!("`{}`: {problem}", lit.value())));
            return;
        }
    };
    let checks = compare(network, &file, &lit.value(), errors);
    network.keras_file = Some(KerasFile {
        path: path.to_string_lossy().into_owned(),
        checks,
    });
}

/// The model a file describes.
fn read(path: &std::path::Path) -> Result<model::FileModel, String> {
    let bytes = std::fs::read(path)
        .map_err(|e| format!("cannot be read ({e}); looked for at {}", path.display()))?;
    let config = if bytes.starts_with(b"PK") {
        archive::read_config(&bytes)?
    } else if bytes.starts_with(b"\x89HDF") {
        weights::read(bytes)?.config.ok_or_else(|| {
            String::from(
                "holds weights but no model configuration, so there is nothing to check at \
                 build time: name the `.keras` file, or load this one with `load_keras` at run \
                 time, which checks every weight's shape",
            )
        })?
    } else {
        return Err(String::from(
            "is not a `.keras` archive or a legacy `.h5` model file",
        ));
    };
    model::parse(&config)
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
        for setting in &layer.keras {
            let Some(found) = theirs.config.get(setting.key) else {
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
        KerasValue::Str(_) | KerasValue::Activation(_) | KerasValue::Text(_) => {
            KerasValue::Text(match found {
                Json::String(name) => name.clone(),
                Json::Object(map) => map
                    .get("config")
                    .and_then(|c| c["name"].as_str())
                    .or_else(|| map.get("class_name").and_then(Json::as_str))?
                    .to_string(),
                _ => return None,
            })
        }
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
