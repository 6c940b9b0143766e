//! `#[keras("models/classifier.keras")]` on a declaration: the Keras file's model is checked
//! against the declaration during the build, with each mistake reported at the layer it
//! concerns, and the crate is rebuilt when the file changes. `#[keras("...", embed)]` also
//! builds the file's weights into the program (the constant `Classifier::EMBEDDED`).
//!
//! The file is read with `nn-keras` (the runtime's own reader). Each mistake is one error, at
//! the layer it concerns, with both values. What the macro can decide alone is an error here:
//! the input shape, each layer the file has and the declaration does not (or the other way
//! round, found by pairing the two lists of layers), the classes, weights the declaration has no
//! layer for, and every setting whose declared value it knows, compared with
//! `nn_keras::config::Value::same` as loading at run time compares it. A setting only the
//! compiler knows (a named constant, an activation type) becomes a constant assertion named after
//! the layer and the setting (`Classifier_dense_units`), whose message shows the declared value
//! (`HIDDEN = 128`). The number of weights the file has for each layer (the layer type's
//! `Params::PARAMS`) and, with `embed`, each tensor's shape are checked too, but only up to the
//! first difference that decides shapes (a class, a size, a window), and only while the named
//! sizes up to the layer are the file's: past one, they would repeat it. A setting the file leaves
//! out is compared as the default Keras builds the layer with (`nn_keras::files::model::found`),
//! as loading at run time compares it.

use nn_keras::files::{archive, model, weights};
use serde_json::Value as Json;
use syn::LitStr;

use crate::embed;
use crate::errors::Errors;
use crate::ir::{
    Expr, Guard, KerasCheck, KerasFile, KerasValue, Layer, Network, ParamsCheck, Setting, Size,
};

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
    let Some(args) = embed::Args::take(network, "keras", example, errors) else {
        return;
    };
    let path = args.full_path();
    let embed::Args { path: lit, embed } = args;
    let source = match read(&path, embed) {
        Ok(source) => source,
        Err(problem) => {
            errors.push(syn::Error::new(
                lit.span(),
                format!("`{}`: {problem}", lit.value()),
            ));
            return;
        }
    };
    if !network.layers.iter().any(|l| l.block.is_some()) {
        check(network, &source, &path, &lit, embed, errors);
        return;
    }
    // A network with blocks is checked as Keras lists its layers: flattened, each block's
    // merge layer after its branches'. What is found is carried back to the network.
    if source.model.is_none() {
        errors.push(syn::Error::new(
            lit.span(),
            format!(
                "`{}` has no model configuration: a network with blocks is checked against a \
                 `.keras` or legacy `.h5` file, whose model says what feeds each layer (load a \
                 `.weights.h5` at run time with `load_keras`)",
                lit.value()
            ),
        ));
        return;
    }
    let (mut flat, inputs) = flatten(network);
    if let Some(model) = &source.model {
        fed_alike(&flat, &inputs, model, &lit.value(), errors);
    }
    check(&mut flat, &source, &path, &lit, embed, errors);
    let Some(mut file) = flat.keras_file.take() else {
        return;
    };
    network.files.append(&mut flat.files);
    if let Some(embedded) = flat.embedded.take() {
        // Each network layer's offsets: a block's are its layers', in order.
        let mut offsets = embedded.offsets.into_iter();
        let folded = network
            .layers
            .iter()
            .map(|layer| {
                (0..flat_count(layer))
                    .flat_map(|_| offsets.next().unwrap_or_default())
                    .collect()
            })
            .collect();
        embed::apply(network, embedded.path, folded);
    }
    file.flat = Some(Box::new(flat));
    network.keras_file = Some(file);
}

/// How many of Keras's layers `layer` is: one, or a block's layers and its merge layer.
fn flat_count(layer: &Layer) -> usize {
    match &layer.block {
        Some(block) => {
            1 + block
                .branches
                .iter()
                .flat_map(|b| &b.layers)
                .map(flat_count)
                .sum::<usize>()
        }
        None => 1,
    }
}

/// `network` with its layers as Keras lists them: each block's first branch's layers, its
/// second's, then its merge layer (a layer without weights, named as the block); and the names
/// of the layers that feed each (`""`: the network's input).
fn flatten(network: &Network) -> (Network, Vec<Vec<String>>) {
    fn walk(
        layers: &[Layer],
        fed: &str,
        out: &mut Vec<Layer>,
        inputs: &mut Vec<Vec<String>>,
    ) -> String {
        let mut fed = fed.to_string();
        for layer in layers {
            let name = layer.field.to_string();
            match &layer.block {
                Some(block) => {
                    let ends: Vec<String> = block
                        .branches
                        .iter()
                        .map(|branch| walk(&branch.layers, &fed, out, inputs))
                        .collect();
                    let mut merge = layer.clone();
                    merge.block = None;
                    merge.ty = crate::ir::Type {
                        name: "Shortcut",
                        args: Vec::new(),
                    };
                    merge.build.tensors = Vec::new();
                    out.push(merge);
                    inputs.push(ends);
                }
                None => {
                    out.push(layer.clone());
                    inputs.push(vec![fed.clone()]);
                }
            }
            fed = name;
        }
        fed
    }
    let (mut layers, mut inputs) = (Vec::new(), Vec::new());
    walk(&network.layers, "", &mut layers, &mut inputs);
    let flat = Network {
        attrs: Vec::new(),
        vis: network.vis.clone(),
        ident: network.ident.clone(),
        streams: false,
        layers,
        input_shape: network.input_shape.clone(),
        assertions: Vec::new(),
        keras_file: None,
        embedded: None,
        int8: false,
        budget: Vec::new(),
        tflite: None,
        files: Vec::new(),
    };
    (flat, inputs)
}

/// Rule: each layer is fed by the layers at the same places in the file (both in Keras's
/// order). Why: a block whose branches are the other way round (or fed from elsewhere) has the
/// same layers in the same order but computes something else.
fn fed_alike(
    flat: &Network,
    inputs: &[Vec<String>],
    model: &model::FileModel,
    name: &str,
    errors: &mut Errors,
) {
    if flat.layers.len() != model.layers.len() {
        return; // reported by the pairing of the layers
    }
    let declared: Vec<String> = flat.layers.iter().map(|l| l.field.to_string()).collect();
    let file: Vec<&str> = model.layers.iter().map(|l| l.name.as_str()).collect();
    for (k, (layer, theirs)) in flat.layers.iter().zip(&model.layers).enumerate() {
        let mine: Vec<Option<usize>> = inputs[k]
            .iter()
            .map(|n| declared.iter().position(|d| d == n))
            .collect();
        let found: Vec<Option<usize>> = theirs
            .inbound
            .iter()
            .map(|n| file.iter().position(|f| f == n))
            .collect();
        if !theirs.inbound.is_empty() && mine != found {
            let show = |names: Vec<String>| {
                names
                    .iter()
                    .map(|n| {
                        if n.is_empty() {
                            String::from("the input")
                        } else {
                            format!("`{n}`")
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            errors.push(syn::Error::new(
                layer.span,
                format!(
                    "layer {} `{}`: `{name}` feeds it from {}, `{}` from {}",
                    k + 1,
                    theirs.name,
                    show(theirs.inbound.clone()),
                    flat.ident,
                    show(inputs[k].clone())
                ),
            ));
        }
    }
}

/// Checks `network` (flattened, for one with blocks) against the file read into `source`.
fn check(
    network: &mut Network,
    source: &Source,
    path: &std::path::Path,
    lit: &LitStr,
    embed: bool,
    errors: &mut Errors,
) {
    let fail = |problem: String| syn::Error::new(lit.span(), problem);
    let name = lit.value();
    let comparison = match &source.model {
        Some(model) => compare(network, model, &name, errors),
        None => Comparison::unchecked(network.layers.len()),
    };
    let tensors = tensors(network, source, &comparison, &name, errors);
    let params = params_checks(network, &tensors, &comparison, &name);
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
        // Past a difference reported already, the shapes would only repeat it.
        let checked = &shapes[..comparison.settled.min(shapes.len())];
        embed::check_shapes(network, checked, &comparison.guards, &name, errors);
        // Built in only when every layer has the tensors it declares (a different count is
        // reported by the weight-count check) and every tensor can be read in place.
        let counts_agree = network
            .layers
            .iter()
            .zip(&tensors)
            .all(|(layer, found)| layer.build.tensors.len() == found.len());
        if let Some(offsets) = embedded(source, &tensors, &name, lit, errors)
            && counts_agree
        {
            embed::apply(network, path.clone(), offsets);
        }
    }
    network.files.push(path);
    network.keras_file = Some(KerasFile {
        checks: comparison.checks,
        params,
        flat: None,
    });
}

/// Each declared layer's tensors in the file (none where the file has none): those of the file's
/// layer it is, by class and order in Keras 3's layout, by the configuration's layer names in a
/// legacy file, as loading at run time finds them. Weights the declaration has no layer for are
/// an error, unless their layer was reported missing.
fn tensors<'a>(
    network: &Network,
    source: &'a Source,
    comparison: &Comparison,
    name: &str,
    errors: &mut Errors,
) -> Vec<&'a [weights::Tensor]> {
    // The key of each of the file's layers (of each declared one without a configuration).
    let keys: Vec<String> = match (source.weights.layout, &source.model) {
        (weights::Layout::Legacy, Some(model)) => {
            model.layers.iter().map(|l| l.name.clone()).collect()
        }
        // Keras 3 names a layer's group by its class and place in the file, which a model
        // with blocks lists in another order than here.
        (_, Some(model)) => model::file_groups(model),
        (_, None) => model::group_names(network.layers.iter().map(|l| l.class)),
    };
    let found: Vec<&[weights::Tensor]> = comparison
        .pairs
        .iter()
        .map(|pair| {
            pair.and_then(|j| keys.get(j))
                .and_then(|k| source.weights.layer(k))
                .unwrap_or(&[])
        })
        .collect();
    let accounted: Vec<&String> = comparison
        .pairs
        .iter()
        .flatten()
        .chain(&comparison.missing)
        .filter_map(|&j| keys.get(j))
        .collect();
    for (key, tensors) in &source.weights.layers {
        if !tensors.is_empty() && !accounted.contains(&key) {
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
    comparison: &Comparison,
    name: &str,
) -> Vec<ParamsCheck> {
    network
        .layers
        .iter()
        .zip(tensors)
        .enumerate()
        // Past a difference reported already, or for a layer the file does not have, a count
        // would only repeat it.
        .take(comparison.settled)
        .filter(|(index, _)| comparison.pairs[*index].is_some())
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
                guard: comparison.guards[index].clone(),
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
    // Reported once for the file: a float64 model's tensors are all so.
    let mut unfit = Vec::new();
    for tensors in tensors {
        let mut ranges = Vec::new();
        for tensor in *tensors {
            let Some(range) = source.weights.f32_range(tensor) else {
                unfit.push(format!("`{}`", tensor.path));
                complete = false;
                continue;
            };
            let count = range.len() / 4;
            let mut values = vec![0.0f64; count];
            // In one run in the file (`f32_range`): it always decodes.
            if !matches!(
                source.weights.decode_into(tensor, &mut values, |v| v),
                Ok(true)
            ) {
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
    if !unfit.is_empty() {
        errors.push(syn::Error::new(
            lit.span(),
            format!(
                "`{name}`: {} {} not stored as one run of little-endian float32 values, which \
                 `embed` reads in place; load the file at run time instead",
                unfit.join(", "),
                if unfit.len() == 1 { "is" } else { "are" }
            ),
        ));
    }
    complete.then_some(layers)
}

/// What a file holds: its model (a `.keras` archive's, a legacy `.h5`'s) and its weights.
/// `embed` needs the weights stored in the archive (as Keras stores them), to read them in place.
/// Its error is the text of a compile error.
fn read(path: &std::path::Path, embed: bool) -> Result<Source, String> {
    // The file's error says what is wrong; the compile error shows it.
    let text = |e: nn_keras::files::Error| e.to_string();
    let bytes = embed::read_file(path)?;
    let (config, weights, base) = if bytes.starts_with(b"PK") {
        let config = archive::read_config(&bytes).map_err(text)?;
        match archive::weights_range(&bytes) {
            Ok(range) => {
                let base = range.start;
                (
                    Some(config),
                    weights::read(bytes[range].to_vec()).map_err(text)?,
                    base,
                )
            }
            Err(problem) if embed => return Err(problem.to_string()),
            // A compressed member, inflated: only its shapes are needed.
            Err(_) => (
                Some(config),
                weights::read(archive::read(bytes).map_err(text)?.weights).map_err(text)?,
                0,
            ),
        }
    } else if bytes.starts_with(b"\x89HDF") {
        let weights = weights::read(bytes).map_err(text)?;
        (weights.config.clone(), weights, 0)
    } else {
        return Err(String::from(
            "is not a Keras file: a `.keras` archive, a `.weights.h5` or a legacy `.h5` file",
        ));
    };
    let model = config
        .as_deref()
        .map(model::parse)
        .transpose()
        .map_err(text)?;
    Ok(Source {
        model,
        weights,
        base,
    })
}

/// What comparing the file's model with the declaration leaves to check.
struct Comparison {
    /// The settings only the compiler can compare.
    checks: Vec<KerasCheck>,
    /// For each declared layer, the index of the file's layer it is (`None`: the file has none).
    pairs: Vec<Option<usize>>,
    /// The file's layers reported missing from the declaration.
    missing: Vec<usize>,
    /// The first declared layer whose weights are not checked: from a difference in the layers,
    /// the input or a setting that decides shapes on (reported already), the weights'
    /// differences would only repeat it.
    settled: usize,
    /// For each declared layer, the named sizes that decide shapes up to it and the file's
    /// values: its weights are checked only when they agree.
    guards: Vec<Guard>,
}

impl Comparison {
    /// Nothing compared (a file without a model): each declared layer is the file's at its
    /// place, and every weight is checked.
    fn unchecked(layers: usize) -> Self {
        Self {
            checks: Vec::new(),
            pairs: (0..layers).map(Some).collect(),
            missing: Vec::new(),
            settled: layers,
            guards: vec![Vec::new(); layers],
        }
    }
}

/// What the macro decides itself, as errors, once per mistake; the settings that only the
/// compiler can compare, as checks for it.
fn compare(
    network: &Network,
    file: &model::FileModel,
    name: &str,
    errors: &mut Errors,
) -> Comparison {
    let net = network.ident.to_string();
    let mut comparison = Comparison::unchecked(network.layers.len());
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
            comparison.settled = 0;
        }
    }
    align(network, file, name, &mut comparison, errors);
    let mut guard: Guard = Vec::new();
    for (index, layer) in network.layers.iter().enumerate() {
        let Some(theirs) = comparison.pairs[index].map(|j| &file.layers[j]) else {
            comparison.guards[index] = guard.clone();
            continue;
        };
        let at = format!("layer {} `{}`", index + 1, theirs.name);
        if layer.class != theirs.class {
            errors.push(syn::Error::new(
                layer.span,
                format!(
                    "{at}: `{name}` has `{}` there, `{net}` declares `{}`",
                    theirs.class, layer.class
                ),
            ));
            comparison.settled = comparison.settled.min(index);
            comparison.guards[index] = guard.clone();
            continue;
        }
        for setting in layer.keras.iter().filter(|s| s.checked) {
            // A key the file leaves out is Keras's default, as Keras builds the layer.
            let Some(found) = model::found(&theirs.class, &theirs.config, &setting.key) else {
                continue;
            };
            let head = format!(
                "{at}: `{name}` {}, `{net}` declares ",
                found.describe(&setting.key)
            );
            let found = found
                .value()
                .and_then(|found| literal(&setting.value, found));
            let same = found.as_ref().and_then(|f| decide(&setting.value, f));
            match (found, same) {
                (Some(_), Some(true)) => {}
                // Another value, or one of another type: reported here.
                (None, _) | (_, Some(false)) => {
                    let shown = setting.value.text();
                    errors.push(syn::Error::new(layer.span, format!("{head}{shown}")));
                    if decides_shapes(setting) {
                        comparison.settled = comparison.settled.min(index);
                    }
                }
                // Only the compiler knows the declared value.
                (Some(found), None) => {
                    if let (true, KerasValue::Size(size), KerasValue::Size(Size::Known(n))) =
                        (decides_shapes(setting), &setting.value, &found)
                    {
                        guard.push((size.clone(), *n));
                    }
                    comparison.checks.push(KerasCheck {
                        layer: index,
                        key: setting.key.to_string(),
                        declared: setting.value.clone(),
                        found,
                        head,
                        shown: setting.value.text(),
                        span: layer.span,
                    });
                }
            }
        }
        if let Some(problem) = model::legacy_problem(&theirs.class, &theirs.config) {
            errors.push(syn::Error::new(
                layer.span,
                format!("{at}: `{name}` {problem}"),
            ));
        }
        comparison.guards[index] = guard.clone();
    }
    comparison
}

/// Pairs the declared layers with the file's: at their places when there are as many, else
/// the pairing with the fewest layers left over, then the fewest settings that differ, and one
/// error for each layer left over, on either side.
fn align(
    network: &Network,
    file: &model::FileModel,
    name: &str,
    comparison: &mut Comparison,
    errors: &mut Errors,
) {
    let (m, n) = (network.layers.len(), file.layers.len());
    if m == n {
        return;
    }
    // cost[i][j]: the best pairing of the first i declared layers with the first j of the
    // file's. A layer left over costs more than any number of differing settings.
    const LEFT_OVER: usize = 1 << 20;
    let pair_cost = |i: usize, j: usize| -> Option<usize> {
        let (layer, theirs) = (&network.layers[i], &file.layers[j]);
        (layer.class == theirs.class).then(|| {
            layer
                .keras
                .iter()
                .filter(|s| s.checked)
                .filter(|s| {
                    let found = model::found(&theirs.class, &theirs.config, &s.key);
                    let found = found.as_ref().and_then(|f| f.value());
                    let found = found.and_then(|f| literal(&s.value, f));
                    found.is_some_and(|f| decide(&s.value, &f) == Some(false))
                })
                .count()
        })
    };
    let mut cost = vec![vec![0usize; n + 1]; m + 1];
    for i in 0..=m {
        for j in 0..=n {
            cost[i][j] = match (i, j) {
                (0, _) => j * LEFT_OVER,
                (_, 0) => i * LEFT_OVER,
                _ => {
                    let skip = (cost[i - 1][j]).min(cost[i][j - 1]) + LEFT_OVER;
                    match pair_cost(i - 1, j - 1) {
                        Some(c) => skip.min(cost[i - 1][j - 1] + c),
                        None => skip,
                    }
                }
            };
        }
    }
    // Back from the end: which layers pair, and which are left over.
    let (mut i, mut j) = (m, n);
    let mut pairs = vec![None; m];
    let mut extra = Vec::new();
    let mut missing = Vec::new();
    while i > 0 || j > 0 {
        let paired = i > 0
            && j > 0
            && pair_cost(i - 1, j - 1).is_some_and(|c| cost[i][j] == cost[i - 1][j - 1] + c);
        if paired {
            pairs[i - 1] = Some(j - 1);
            (i, j) = (i - 1, j - 1);
        } else if j > 0 && (i == 0 || cost[i][j] == cost[i][j - 1] + LEFT_OVER) {
            missing.push((j - 1, i));
            j -= 1;
        } else {
            extra.push(i - 1);
            i -= 1;
        }
    }
    let net = &network.ident;
    let classes = |c: Vec<&str>| c.join(", ");
    let counts = format!(
        "`{name}` has {n} layers ({}), `{net}` declares {m} ({})",
        classes(file.layers.iter().map(|l| l.class.as_str()).collect()),
        classes(network.layers.iter().map(|l| l.class).collect()),
    );
    for &(j, before) in missing.iter().rev() {
        // Reported at the declared layer it should come before (after the last one, at the
        // network's name).
        let theirs = &file.layers[j];
        let (span, place) = match (network.layers.get(before), before.checked_sub(1)) {
            (Some(next), _) => (
                next.span,
                format!(" before `{}` (layer {})", next.text, before + 1),
            ),
            (None, Some(last)) => (
                net.span(),
                format!(
                    " after `{}` (layer {})",
                    network.layers[last].text,
                    last + 1
                ),
            ),
            (None, None) => (net.span(), String::new()),
        };
        errors.push(syn::Error::new(
            span,
            format!(
                "{counts}: the file's layer {} `{}` (a {}) is missing{place}",
                j + 1,
                theirs.name,
                theirs.class
            ),
        ));
        comparison.settled = comparison.settled.min(before);
    }
    for &i in extra.iter().rev() {
        let layer = &network.layers[i];
        errors.push(syn::Error::new(
            layer.span,
            format!(
                "{counts}: `{}` (layer {}) is not in the file",
                layer.text,
                i + 1
            ),
        ));
        comparison.settled = comparison.settled.min(i);
    }
    comparison.pairs = pairs;
    comparison.missing = missing.into_iter().map(|(j, _)| j).collect();
}

/// Whether a setting decides the shapes of weights (its own or the next layers'): all but
/// activations and numbers (rates, epsilons, slopes).
fn decides_shapes(setting: &Setting) -> bool {
    !setting.key.ends_with("activation")
        && !matches!(
            setting.value,
            KerasValue::Float(_) | KerasValue::Activation(_) | KerasValue::Initializer { .. }
        )
}

/// Whether the declared value is the file's (`found`, as [`literal`] gives it), when the macro
/// can tell: with `nn_keras::config::Value::same`, the comparison of loading at run time and of
/// the compiler's checks. `None` for a value only the compiler knows (a named constant, an
/// activation type).
fn decide(declared: &KerasValue, found: &KerasValue) -> Option<bool> {
    use nn_keras::config::same_name;
    Some(match (known(declared)?, known(found)?) {
        (Known::Name(a), Known::Name(b)) => same_name(a, b),
        (Known::Sizes(a), Known::Sizes(b)) => a == b,
        (Known::Value(a), Known::Value(b)) => a.same(&b),
        // Values of different kinds, as `Value::same` finds them.
        _ => false,
    })
}

/// A value the macro knows, in the terms of `nn_keras::config::Value`: names and windows
/// borrowed for as long as the macro runs (a `Value` holds `'static` ones, as the compiler's
/// constants do).
enum Known<'a> {
    Name(&'a str),
    Sizes(&'a [usize]),
    Value(nn_keras::config::Value),
}

fn known(value: &KerasValue) -> Option<Known<'_>> {
    use nn_keras::config::Value;
    Some(match value {
        KerasValue::Str(s) => Known::Name(s),
        KerasValue::Text(s) => Known::Name(s),
        KerasValue::Sizes(sizes) => Known::Sizes(sizes),
        KerasValue::Size(Size::Known(n)) => Known::Value(Value::Size(*n)),
        KerasValue::Float(Expr::Float(x)) => Known::Value(Value::Float(*x)),
        KerasValue::Bool(b) => Known::Value(Value::Bool(*b)),
        KerasValue::LastAxis => Known::Value(Value::LastAxis),
        _ => return None,
    })
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
