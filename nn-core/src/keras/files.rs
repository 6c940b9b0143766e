//! Reading and writing Keras files (with `std`).

use std::path::Path;

use nn_keras::config::{ModelConfig, Value};
use nn_keras::files::{archive, model, weights};

use crate::layer::Params;
use crate::network::VisitorMut;
use crate::{Error, Float, Network, Optimizer, OptimizerState};

/// What a Keras file holds, read but not yet fitted to a network.
struct Contents {
    /// The model's configuration, where the file has one, parsed once.
    config: Option<model::Config>,
    weights: weights::Weights,
}

fn format_error(path: &Path, problem: impl Into<String>) -> Error {
    Error::format(path, problem)
}

/// An [`Error::Format`] saying what `error` says, with `error` as its source.
fn keras_error(path: &Path, error: nn_keras::files::Error) -> Error {
    Error::format_because(path, error.to_string(), error)
}

fn read_bytes(path: &Path) -> Result<Vec<u8>, Error> {
    crate::io::read_model_file(path)
}

/// Reads any of Keras's formats, telling them apart by their first bytes.
fn read(path: &Path) -> Result<Contents, Error> {
    let bytes = read_bytes(path)?;
    let fail = |error: nn_keras::files::Error| keras_error(path, error);
    if bytes.starts_with(b"PK") {
        let archive = archive::read(bytes).map_err(fail)?;
        let weights = weights::read(archive.weights)
            .map_err(|p| Error::format_because(path, format!("`model.weights.h5`: {p}"), p))?;
        let config = model::Config::parse(&archive.config).map_err(fail)?;
        Ok(Contents {
            config: Some(config),
            weights,
        })
    } else if bytes.starts_with(b"\x89HDF") {
        let weights = weights::read(bytes).map_err(fail)?;
        let config = weights.config.as_deref().map(model::Config::parse);
        Ok(Contents {
            config: config.transpose().map_err(fail)?,
            weights,
        })
    } else if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        let index = String::from_utf8(bytes)
            .map_err(|e| Error::format_because(path, "the shard index is not UTF-8 text", e))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut all = weights::Weights::default();
        for shard in weights::shards(&index).map_err(fail)? {
            let shard_path = dir.join(&shard);
            let bytes = read_bytes(&shard_path)?;
            let part = weights::read(bytes).map_err(|p| keras_error(&shard_path, p))?;
            all.merge(part);
        }
        Ok(Contents {
            config: None,
            weights: all,
        })
    } else {
        Err(format_error(
            path,
            "not a Keras file: expected a `.keras` archive (a zip), an HDF5 file (`.weights.h5`, \
             `.h5`) or a shard index (`.weights.json`)",
        ))
    }
}

/// Compares the file's configuration with the declaration; the file's model, in the declared
/// order, when the file has one.
fn check<T: Float, N: Network<T>>(
    path: &Path,
    config: Option<&model::Config>,
) -> Result<Option<model::FileModel>, Error> {
    let Some(config) = config else {
        return Ok(None);
    };
    let file = model::model(config).map_err(|p| keras_error(path, p))?;
    let problems: Vec<String> = model::mismatches(&N::KERAS, &file)
        .into_iter()
        .map(|(_, problem)| problem)
        .collect();
    if problems.is_empty() {
        Ok(Some(file))
    } else {
        Err(Error::Mismatch {
            path: path.to_path_buf(),
            network: N::NAME,
            problems,
        })
    }
}

/// Fills each declared layer's parameters from the file's tensors, collecting every problem.
struct Fill<'a> {
    net: &'static str,
    file: &'a weights::Weights,
    /// Keras 3's group name of each declared layer.
    groups: Vec<String>,
    /// For a model with blocks, the file's name of each declared layer (its weights are looked
    /// up by it in a legacy file, as their order differs).
    names: Option<Vec<String>>,
    /// The declared layers, to find a block's layers by name.
    declared: &'static [nn_keras::config::LayerConfig],
    /// The next file layer with weights (legacy layout).
    next: usize,
    /// The file layers used.
    used: Vec<String>,
    position: usize,
    problems: Vec<String>,
    /// The first tensor that could not be read out of the file (a damaged compressed chunk).
    damaged: Option<nn_keras::files::Error>,
}

impl<'a> Fill<'a> {
    /// The file's tensors for the declared layer at `self.position`, and the file's name for
    /// them.
    fn tensors(&mut self, has_params: bool) -> Option<(String, &'a [weights::Tensor])> {
        match (self.file.layout, &self.names) {
            (weights::Layout::Keras3, _) => {
                let group = self.groups.get(self.position)?.clone();
                let tensors = self.file.layer(&group).unwrap_or(&[]);
                Some((group, tensors))
            }
            (weights::Layout::Legacy, Some(names)) => {
                let name = names.get(self.position)?.clone();
                let tensors = self.file.layer(&name)?;
                Some((name, tensors))
            }
            (weights::Layout::Legacy, None) => {
                if !has_params {
                    return None;
                }
                let with_weights = self.file.layers[self.next..]
                    .iter()
                    .position(|(_, t)| !t.is_empty())?;
                self.next += with_weights + 1;
                let (name, tensors) = &self.file.layers[self.next - 1];
                Some((name.clone(), tensors))
            }
        }
    }

    /// The declared place of the layer `name`.
    fn place(&self, name: &str) -> Option<usize> {
        self.declared.iter().position(|l| l.name == name)
    }
}

/// Whether the declared layer `name` is a block's merge layer (`Add`, ...).
pub(crate) fn is_block(declared: &[nn_keras::config::LayerConfig], name: &str) -> bool {
    declared
        .iter()
        .any(|l| l.name == name && nn_keras::class::MERGES.contains(&l.class))
}

/// The Keras layer a tensor of the network's layer `name` belongs to, and the tensor's path
/// within it: the layer itself, or for a block, the first field of the path that is a declared
/// layer other than a block (`add.conv2d_1_kernel` is `conv2d_1`'s).
pub(crate) fn keras_layer<'p>(
    declared: &[nn_keras::config::LayerConfig],
    name: &'static str,
    path: &'p [&'static str],
) -> (&'static str, &'p [&'static str]) {
    if !is_block(declared, name) {
        return (name, path);
    }
    path.iter()
        .position(|s| !is_block(declared, s) && declared.iter().any(|l| l.name == *s))
        .map_or((name, path), |k| (path[k], &path[k + 1..]))
}

/// A tensor's name within its layer, from the fields `within` it leading to the layer that
/// holds it and its parameter `name`: `forward_kernel`.
pub(crate) fn tensor_key(within: &[&str], name: &str) -> String {
    within
        .iter()
        .map(|s| format!("{s}_"))
        .chain(std::iter::once(name.to_string()))
        .collect()
}

/// The tensors read from a file for one layer, by their parameter names, in Keras's layouts.
pub(crate) type Found = Vec<(&'static str, Vec<f32>)>;

/// The network `N` with every parameter set from the tensors `found` for its Keras layer, or
/// the parameters the file has no tensor for or one of another size (`prefix` comes before the
/// layer's name in these messages).
pub(crate) fn set_found<N: Network<f32>>(
    found: &std::collections::HashMap<&'static str, Found>,
    prefix: &str,
) -> Result<N, Vec<String>> {
    let mut net = N::zeros();
    let mut problems = Vec::new();
    net.visit_params_mut(|field, param| {
        // A block's tensors are its layers' (`add.conv2d_1_kernel` is `conv2d_1`'s); a
        // tensor within the layer is named by its path there (a `Bidirectional`'s
        // `forward_kernel`).
        let (owner, within) = keras_layer(N::KERAS.layers, field, param.path.segments());
        let key = tensor_key(within, param.name);
        let tensor = found
            .get(owner)
            .and_then(|tensors| tensors.iter().find(|(name, _)| *name == key));
        match tensor {
            Some((_, values)) if values.len() == param.values.len() => {
                param.values.copy_from_slice(values);
            }
            Some((_, values)) => problems.push(format!(
                "{prefix}`{owner}`: the file's `{key}` holds {} values, the declaration's {}",
                values.len(),
                param.values.len()
            )),
            None => problems.push(format!("{prefix}`{owner}`: the file has no `{key}` for it")),
        }
    });
    if problems.is_empty() {
        Ok(net)
    } else {
        Err(problems)
    }
}

/// `values` of `shape` with its axes permuted (`axes[k]` is the source axis of axis `k`),
/// row-major.
pub(crate) fn transpose(values: &[f32], shape: &[usize], axes: &[usize]) -> Vec<f32> {
    let rank = shape.len();
    let out_shape: Vec<usize> = axes.iter().map(|&a| shape[a]).collect();
    let mut strides = vec![1; rank];
    for k in (0..rank.saturating_sub(1)).rev() {
        strides[k] = strides[k + 1] * shape[k + 1];
    }
    let mut out = Vec::with_capacity(values.len());
    let mut index = vec![0; rank];
    for _ in 0..values.len() {
        let at: usize = (0..rank).map(|k| index[k] * strides[axes[k]]).sum();
        out.push(values[at]);
        for k in (0..rank).rev() {
            index[k] += 1;
            if index[k] < out_shape[k] {
                break;
            }
            index[k] = 0;
        }
    }
    out
}

fn shape_text(shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(ToString::to_string).collect();
    match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    }
}

/// A layer's parameters as messages list them: `kernel (32, 64), bias (64,)`.
fn describe<T>(params: &[crate::ParamMut<'_, T>]) -> String {
    params
        .iter()
        .map(|p| format!("{} {}", p.key(), shape_text(p.shape)))
        .collect::<Vec<_>>()
        .join(", ")
}

impl<T: Float> VisitorMut<T, 1> for Fill<'_> {
    fn layer<L: Params<T>>(&mut self, name: &'static str, [layer]: [&mut L; 1]) {
        let params: Vec<_> = layer.params_mut().collect();
        if !is_block(self.declared, name) {
            self.fill_layer(name, L::KIND, params);
            return;
        }
        // A block: its layers' tensors, each under the Keras layer it belongs to.
        let mut groups: Vec<(&'static str, Vec<crate::ParamMut<'_, T>>)> = Vec::new();
        for param in params {
            let (owner, _) = keras_layer(self.declared, name, param.path.segments());
            match groups.last_mut() {
                Some((last, group)) if *last == owner => group.push(param),
                _ => groups.push((owner, vec![param])),
            }
        }
        for (owner, params) in groups {
            self.position = self.place(owner).unwrap_or(self.position);
            let kind = self.declared[self.position].class;
            self.fill_layer(owner, kind, params);
        }
        self.position = self.place(name).map_or(self.position, |p| p + 1);
    }
}

impl Fill<'_> {
    /// Fills one declared layer's tensors, `params`, from the file's tensors for the declared
    /// layer at `self.position`, and moves on to the next.
    fn fill_layer<T: Float>(
        &mut self,
        name: &str,
        kind: &str,
        mut params: Vec<crate::ParamMut<'_, T>>,
    ) {
        let at = format!("layer {} `{name}` ({kind})", self.position + 1);
        let found = self.tensors(!params.is_empty());
        self.position += 1;
        let (file_name, tensors) = match found {
            // A layer whose group the file lacks, or holds no tensors, is missing its weights
            // (said so, rather than as "0 tensors").
            Some((file_name, tensors)) if !tensors.is_empty() || params.is_empty() => {
                self.used.push(file_name.clone());
                (file_name, tensors)
            }
            None if params.is_empty() => return,
            _ => {
                self.problems.push(format!(
                    "{at}: the file has no weights for it (`{}` expects {})",
                    self.net,
                    describe(&params)
                ));
                return;
            }
        };
        if tensors.len() != params.len() {
            self.problems.push(format!(
                "{at}: the file has {} tensors for it ({}: {}), `{}` expects {} ({})",
                tensors.len(),
                file_name,
                tensors
                    .iter()
                    .map(|t| shape_text(&t.shape))
                    .collect::<Vec<_>>()
                    .join(", "),
                self.net,
                params.len(),
                describe(&params)
            ));
            return;
        }
        for (param, tensor) in params.iter_mut().zip(tensors) {
            if tensor.shape != param.shape {
                self.problems.push(format!(
                    "{at}: `{}` has shape {} in the file (`{}`), `{}` declares {}",
                    param.key(),
                    shape_text(&tensor.shape),
                    tensor.path,
                    self.net,
                    shape_text(param.shape)
                ));
            } else if tensor.dtype == "int" {
                self.problems.push(format!(
                    "{at}: `{}` holds integers in the file (`{}`); weights must be float32 or \
                     float64",
                    param.key(),
                    tensor.path
                ));
            } else {
                // Decoded straight into the parameter, then checked: a NaN fails the whole
                // load, so the network written so far is dropped.
                match self.file.decode_into(tensor, param.values, T::of) {
                    Ok(true) => {}
                    Ok(false) => self.problems.push(format!(
                        "{at}: `{}` holds NaN or infinite values in the file (`{}`)",
                        param.key(),
                        tensor.path
                    )),
                    Err(problem) => {
                        self.damaged.get_or_insert(problem);
                    }
                }
            }
        }
    }
}

/// Puts the file's weights into a network of type `N`: every layer's tensors found, every shape
/// right, nothing left over.
fn fill<T: Float, N: Network<T>>(
    path: &Path,
    file: &weights::Weights,
    model: Option<&model::FileModel>,
) -> Result<N, Error> {
    let mut net = N::zeros();
    // A model with blocks lists its layers in another order than the declaration: its weights
    // are found by each layer's place in the file (Keras 3's groups) or name (legacy files).
    let blocks = model.filter(|m| {
        m.layers
            .iter()
            .any(|l| nn_keras::class::MERGES.contains(&l.class.as_str()))
    });
    let (groups, names) = match blocks {
        Some(m) => (
            model::file_groups(m),
            Some(m.layers.iter().map(|l| l.name.clone()).collect()),
        ),
        // Without the file's model (a `.weights.h5`), its groups are Keras's for this one.
        None => (model::keras_groups(&N::KERAS), None),
    };
    let mut visitor = Fill {
        net: N::NAME,
        file,
        groups,
        names,
        declared: N::KERAS.layers,
        next: 0,
        used: Vec::new(),
        position: 0,
        problems: Vec::new(),
        damaged: None,
    };
    N::visit_mut([&mut net], &mut visitor);
    let Fill {
        used,
        mut problems,
        damaged,
        ..
    } = visitor;
    if let Some(problem) = damaged {
        return Err(keras_error(path, problem));
    }
    for (name, tensors) in &file.layers {
        if !tensors.is_empty() && !used.contains(name) {
            problems.push(format!(
                "the file has weights for a layer `{name}` ({}) that `{}` does not declare",
                tensors
                    .iter()
                    .map(|t| shape_text(&t.shape))
                    .collect::<Vec<_>>()
                    .join(", "),
                N::NAME
            ));
        }
    }
    if problems.is_empty() {
        Ok(net)
    } else {
        Err(Error::Mismatch {
            path: path.to_path_buf(),
            network: N::NAME,
            problems,
        })
    }
}

/// Loads a network of type `N` from a Keras file (see the [module](super) for the formats and
/// what is checked): `let net: Classifier<f64> = nn::keras::load(path)?`, or
/// `Classifier::load_keras(path)?` for `f32`.
///
/// # Errors
///
/// [`Error::Io`] when the file cannot be read, [`Error::Format`] when it is not a Keras file or
/// is damaged, and [`Error::Mismatch`] listing every difference between the file's model and
/// `N`.
pub fn load<T: Float, N: Network<T>>(path: impl AsRef<Path>) -> Result<N, Error> {
    let path = path.as_ref();
    let contents = read(path)?;
    let model = check::<T, N>(path, contents.config.as_ref())?;
    fill::<T, N>(path, &contents.weights, model.as_ref())
}

/// Saves a network as a `.keras` archive that `keras.saving.load_model` loads: a `config.json`
/// written from the declaration (a Sequential model with an input layer, each layer under its
/// field name with its settings, and its activation and initializers with their arguments under
/// Keras's names), `metadata.json`, and the weights as `model.weights.h5` in `float32`.
/// Regularizers and constraints are not written (Keras's defaults, none, stand in): they decide
/// how training is penalized, not what the saved model computes. An activation type of your own
/// is written under its `Activation::NAME`; Keras loads such a file only with that function
/// registered (`custom_objects`). The file is replaced atomically: a failed save leaves
/// the previous file intact.
///
/// # Errors
///
/// [`Error::Setting`] when the path does not end in `.keras` (Keras refuses other names),
/// [`Error::Io`] when it cannot be written.
pub fn save<T: Float, N: Network<T>>(net: &N, path: impl AsRef<Path>) -> Result<(), Error> {
    let path = path.as_ref();
    expect_suffix(path, ".keras")?;
    keras_expressible(&N::KERAS)?;
    let weights = weights_file(net).map_err(|p| keras_error(path, p))?;
    let metadata = format!(
        "{{\"keras_version\": \"{}\", \"producer\": \"nn {}\"}}",
        KERAS_VERSION,
        env!("CARGO_PKG_VERSION")
    );
    let bytes = archive::write(&archive::Archive {
        config: model::write(&N::KERAS, "float32"),
        metadata,
        weights,
    })
    .map_err(|p| keras_error(path, p))?;
    crate::io::write_atomically(path, &bytes)
}

/// Refuses a network Keras cannot rebuild from its configuration: an activation given arguments
/// (`LeakyRelu(0.1)`) or GELU's tanh approximation, which `network!` describes by what was
/// written, since Keras's activation functions take their defaults in a model file.
fn keras_expressible(config: &ModelConfig) -> Result<(), Error> {
    for layer in config.layers {
        for setting in layer.settings {
            if let (true, Value::Str(name)) = (setting.key == "activation", setting.value)
                && (name.contains('(') || name.chars().any(|c| c.is_ascii_uppercase()))
            {
                return Err(Error::Setting {
                    what: "Keras file",
                    problem: format!(
                        "layer `{}`'s activation {name} has no Keras name: in a model file Keras's \
                         activation functions take their default arguments (use the default, or a \
                         `LeakyReLU` or `ELU` layer, which keeps its setting)",
                        layer.name
                    ),
                });
            }
        }
    }
    Ok(())
}

/// The Keras version whose format [`save`] writes.
const KERAS_VERSION: &str = "3.15.1";

/// Saves a network's weights as a `.weights.h5` file that Keras's `model.load_weights` accepts
/// for the same architecture (in `float32`), replaced atomically.
///
/// # Errors
///
/// [`Error::Setting`] when the path does not end in `.weights.h5` (Keras refuses other names),
/// [`Error::Io`] when it cannot be written.
pub fn save_weights<T: Float, N: Network<T>>(net: &N, path: impl AsRef<Path>) -> Result<(), Error> {
    let path = path.as_ref();
    expect_suffix(path, ".weights.h5")?;
    let bytes = weights_file(net).map_err(|p| keras_error(path, p))?;
    crate::io::write_atomically(path, &bytes)
}

fn expect_suffix(path: &Path, suffix: &str) -> Result<(), Error> {
    if path.to_string_lossy().ends_with(suffix) {
        Ok(())
    } else {
        Err(Error::Setting {
            what: "Keras file name",
            problem: format!(
                "`{}` does not end in `{suffix}`, which Keras requires of this format",
                path.display()
            ),
        })
    }
}

/// The name Keras gives the cell of a recurrent layer of class `class`.
fn cell_name(class: &str) -> Option<&'static str> {
    match class {
        nn_keras::class::LSTM => Some("lstm_cell"),
        nn_keras::class::GRU => Some("gru_cell"),
        nn_keras::class::SIMPLE_RNN => Some("simple_rnn_cell"),
        _ => None,
    }
}

/// The HDF5 bytes of a network's weights in Keras 3's layout.
fn weights_file<T: Float, N: Network<T>>(net: &N) -> Result<Vec<u8>, nn_keras::files::Error> {
    // Keras names the groups by class in its own order of the layers, which for a model with
    // blocks is not the declared one.
    let groups = model::keras_groups(&N::KERAS);
    let mut layers: Vec<weights::LayerWeights<'static>> = N::KERAS
        .layers
        .iter()
        .zip(groups)
        .map(|(layer, group)| weights::LayerWeights {
            group,
            name: layer.name,
            tensors: Vec::new(),
            cell: cell_name(match layer.setting("layer.class_name") {
                Some(nn_keras::config::Value::Str(inner)) => inner,
                _ => layer.class,
            }),
        })
        .collect();
    for (name, param) in net.params() {
        // A block's tensors are its layers'.
        let (owner, within) = keras_layer(N::KERAS.layers, name, param.path.segments());
        if let Some(layer) = layers.iter_mut().find(|l| l.name == owner) {
            layer.tensors.push(weights::TensorOut {
                group: weights::tensor_group(within, layer.cell.is_some()),
                shape: param.shape.to_vec(),
                values: param.values.iter().map(|v| v.as_f64() as f32).collect(),
            });
        }
    }
    weights::write(N::NAME, &layers)
}

/// The order in which Keras creates an optimizer's slot variables, after `iterations` and the
/// learning rate: names created together are interleaved weight by weight (Adam's `momentum`
/// and `velocity`: the kernel's two, then the bias's two), and each group follows the one before
/// for every weight (RMSprop's `velocity` of every weight, then its `momentum`s, then its
/// `average_gradient`s; Adam's `velocity_hat`s after its pairs).
/// Each group lists indices into `names`.
fn keras_slot_groups(names: &[&str]) -> Vec<Vec<usize>> {
    // Keras's creation order of the single slots, by optimizer: RMSprop's velocity, momentum,
    // average_gradient; Adam's velocity_hat; SGD's momentum; Adagrad's accumulator.
    const ORDER: [&str; 5] = [
        "velocity",
        "momentum",
        "average_gradient",
        "velocity_hat",
        "accumulator",
    ];
    let paired = matches!(names, ["momentum", "velocity", ..]);
    let mut groups = Vec::new();
    if paired {
        groups.push(vec![0, 1]);
    }
    let mut single: Vec<usize> = (if paired { 2 } else { 0 }..names.len()).collect();
    single.sort_by_key(|&i| ORDER.iter().position(|o| *o == names[i]));
    groups.extend(single.into_iter().map(|i| vec![i]));
    groups
}

/// A network's parameters in the order of Keras's `model.trainable_variables`, which its
/// optimizer's variables follow (with the non-trainable ones among them, for the caller to
/// skip): layer by layer in Keras's order of the layers ([`model::keras_order`]: the declared
/// one for a chain, another for a model with blocks), a block's tensors under the layers they
/// belong to, each layer's in its own order. Each with its layer's name and its place among all
/// the parameters' values, in the declared order (where [`OptimizerState`] keeps it).
fn keras_params<T: Float, N: Network<T>>(
    net: &N,
) -> Vec<(
    &'static str,
    crate::ParamRef<'_, T>,
    core::ops::Range<usize>,
)> {
    let declared = N::KERAS.layers;
    let mut place = vec![usize::MAX; declared.len()];
    for (p, k) in model::keras_order(&N::KERAS).into_iter().enumerate() {
        place[k] = p;
    }
    let mut offset = 0;
    let mut params: Vec<_> = net
        .params()
        .map(|(layer, param)| {
            let (owner, _) = keras_layer(declared, layer, param.path.segments());
            let at = declared
                .iter()
                .position(|l| l.name == owner)
                .map_or(usize::MAX, |k| place[k]);
            let values = offset..offset + param.values.len();
            offset = values.end;
            (at, layer, param, values)
        })
        .collect();
    // Stable: a layer's tensors keep their order.
    params.sort_by_key(|&(at, ..)| at);
    params
        .into_iter()
        .map(|(_, layer, param, values)| (layer, param, values))
        .collect()
}

/// Restores the optimizer state that a compiled Keras model saved in its `.keras` archive, so
/// that training continues where Keras stopped: the step count and each slot of each trainable
/// parameter (Adam's `momentum` and `velocity`, SGD's `momentum`, ...). The network's weights
/// are not touched (load them with [`load`]); the optimizer's settings (learning rate, betas)
/// stay the ones `optimizer` has. Keras lists the variables in its order of the layers (for a
/// functional model with blocks, not the declared one), and they are read in that order.
///
/// # Errors
///
/// [`Error::Format`] when the file has no optimizer state or is damaged, [`Error::Mismatch`]
/// when its optimizer is another one than `optimizer` or its state does not fit `N`.
pub fn load_optimizer_state<T: Float, N: Network<T>, O: Optimizer>(
    path: impl AsRef<Path>,
    optimizer: &O,
) -> Result<OptimizerState<T>, Error> {
    let path = path.as_ref();
    optimizer_state::<T, N, O>(path, &read(path)?, optimizer)
}

/// The network and the optimizer state of a compiled model's file, read once (for
/// `Model::load_keras`).
pub(crate) fn load_with_state<T: Float, N: Network<T>, O: Optimizer>(
    path: &Path,
    optimizer: &O,
) -> Result<(N, OptimizerState<T>), Error> {
    let contents = read(path)?;
    let model = check::<T, N>(path, contents.config.as_ref())?;
    let network = fill::<T, N>(path, &contents.weights, model.as_ref())?;
    let state = optimizer_state::<T, N, O>(path, &contents, optimizer)?;
    Ok((network, state))
}

/// The optimizer state in a file's contents (see [`load_optimizer_state`]).
fn optimizer_state<T: Float, N: Network<T>, O: Optimizer>(
    path: &Path,
    contents: &Contents,
    optimizer: &O,
) -> Result<OptimizerState<T>, Error> {
    let vars = &contents.weights.optimizer;
    if vars.len() < 2 {
        return Err(format_error(
            path,
            "the file holds no optimizer state (Keras saves it for a compiled model, in `model.save(\"m.keras\")`)",
        ));
    }
    let mismatch = |problem: String| Error::Mismatch {
        path: path.to_path_buf(),
        network: N::NAME,
        problems: vec![problem],
    };
    // Keras's class (`Adam`, `SGD`, `RMSprop`) is our name in another case.
    if let Some(class) = contents.config.as_ref().and_then(model::optimizer_class)
        && !class.eq_ignore_ascii_case(O::NAME)
    {
        return Err(mismatch(format!(
            "the file was saved with the optimizer `{class}`, and this model uses `{}`: give it \
             the file's optimizer",
            O::NAME
        )));
    }
    let weights = &contents.weights;
    // One value (a tensor of another size is no step count, and is not read).
    let iterations = match vars[0].shape.iter().product::<usize>() {
        1 => weights.values(&vars[0]).map_err(|p| keras_error(path, p))?[0],
        _ => -1.0,
    };
    if !(iterations >= 0.0 && iterations.fract() == 0.0 && iterations < 9.0e15) {
        return Err(format_error(
            path,
            format!(
                "the optimizer's step count {} is not a whole number of steps below 9e15",
                number(iterations)
            ),
        ));
    }
    let names = optimizer.slot_names();
    // The file's optimizer settings decide its slots; they must be this optimizer's (RMSprop's
    // `centered` and `momentum`, Adam's `amsgrad`), or the values would go to other slots.
    if let Some(config) = &contents.config {
        let slots = model::optimizer_slots(config).map_err(|p| keras_error(path, p))?;
        if let Some(mut theirs) = slots {
            let mut ours = names.to_vec();
            ours.sort_unstable();
            theirs.sort_unstable();
            if ours != theirs {
                return Err(mismatch(format!(
                    "the file's optimizer keeps the slots {theirs:?} for each weight, the model's \
                     {} keeps {ours:?}: give it the settings Keras had (momentum, centered, \
                     amsgrad)",
                    O::NAME
                )));
            }
        }
    }
    let net = N::zeros();
    let params = keras_params(&net);
    let count = params.iter().map(|(_, p, _)| p.values.len()).sum();
    let mut state = OptimizerState::new();
    state.iterations = iterations as u64;
    state.slots = names
        .iter()
        .map(|&name| crate::optimizers::Slot {
            name,
            values: vec![T::of(optimizer.slot_initial_value(name)); count],
        })
        .collect();
    // The learning rate is a variable unless Keras's optimizer had a schedule.
    let mut next = if vars.get(1).is_some_and(|v| v.shape.is_empty()) {
        2
    } else {
        1
    };
    for group in keras_slot_groups(names) {
        for (layer, param, place) in &params {
            if !param.trainable {
                continue;
            }
            for &index in &group {
                let name = names[index];
                let Some(tensor) = vars.get(next) else {
                    return Err(mismatch(format!(
                        "the file's optimizer state ends before `{layer}.{}`'s {name} (it has \
                         {} variables)",
                        param.key(),
                        vars.len()
                    )));
                };
                next += 1;
                if tensor.shape != param.shape {
                    return Err(mismatch(format!(
                        "the file's optimizer variable `{}` has shape {}, but `{layer}.{}`'s \
                         {name} has shape {}",
                        tensor.path,
                        shape_text(&tensor.shape),
                        param.key(),
                        shape_text(param.shape)
                    )));
                }
                let values = &mut state.slots[index].values[place.clone()];
                let finite = weights
                    .decode_into(tensor, values, T::of)
                    .map_err(|p| keras_error(path, p))?;
                if !finite {
                    return Err(format_error(
                        path,
                        format!(
                            "the optimizer variable `{}` holds NaN or infinite values",
                            tensor.path
                        ),
                    ));
                }
                if optimizer.slot_is_non_negative(name)
                    && let Some(v) = values.iter().find(|v| v.as_f64() < 0.0)
                {
                    return Err(format_error(
                        path,
                        format!(
                            "the optimizer variable `{}` (`{layer}.{}`'s {name}) holds {}; its \
                             values cannot be negative",
                            tensor.path,
                            param.key(),
                            v.as_f64()
                        ),
                    ));
                }
            }
        }
    }
    if next != vars.len() {
        return Err(mismatch(format!(
            "the file's optimizer has {} variables, `{}` with {} needs {next} (is it another \
             optimizer, or amsgrad set differently?)",
            vars.len(),
            N::NAME,
            O::NAME
        )));
    }
    Ok(state)
}

/// `value` as a person reads it: in full below 10¹⁵, in scientific notation above (`1e300`, not
/// a 301-digit integer).
fn number(value: f64) -> String {
    if value.abs() < 1e15 || !value.is_finite() {
        format!("{value}")
    } else {
        format!("{value:e}")
    }
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn numbers_in_messages_are_short() {
        assert_eq!(number(1e300), "1e300");
        assert_eq!(number(-2.5e17), "-2.5e17");
        assert_eq!(number(12.0), "12");
        assert_eq!(number(0.5), "0.5");
        assert_eq!(number(f64::NAN), "NaN");
    }
}
