//! Keras's `config.json` (and the `model_config` attribute of a legacy `.h5` file): read into a
//! chain of layers, compared with a declared [`ModelConfig`], and written from one.

use std::collections::BTreeMap;
use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

use serde_json::{Map, Value as Json, json};

use super::Error;
use crate::config::{LayerConfig, ModelConfig, Value};
use crate::defaults::{self, Missing};

/// A model's architecture as a Keras file describes it: a chain of layers.
#[derive(Clone, Debug, PartialEq)]
pub struct FileModel {
    /// The model's name (`sequential`).
    pub name: String,
    /// The shape of one input sample, where the file gives it (`None` for an unknown size).
    pub input: Option<Vec<Option<usize>>>,
    /// Its layers in order, without the input layer.
    pub layers: Vec<FileLayer>,
}

/// One layer of a [`FileModel`].
#[derive(Clone, Debug, PartialEq)]
pub struct FileLayer {
    /// Its Keras class (`Dense`).
    pub class: String,
    /// Its name (`dense_1`, or the user's).
    pub name: String,
    /// Its configuration.
    pub config: Map<String, Json>,
    /// The layers that feed it, by name, in a functional model (`""` for the model's input);
    /// empty in a Sequential model.
    pub inbound: Vec<String>,
    /// Its place among the file's layers (the input layer not counted), which Keras 3's weight
    /// groups are named by: a functional model's layers are put in the declared order.
    pub position: usize,
}

/// The largest model configuration read (4 MiB of text). The largest of the Keras fixtures
/// (`tests/fixtures/keras/`) is 15 kB, and a functional model of hundreds of layers (a ResNet-152)
/// takes about a megabyte; a JSON tree takes tens of times its text's size in memory, so a
/// configuration of tens of megabytes would take gigabytes.
pub const CONFIG_LIMIT: usize = 4 << 20;

/// The most values (objects, arrays, strings, numbers, ... each counted once) a model
/// configuration may hold: one per 16 bytes of [`CONFIG_LIMIT`], where real configurations hold
/// one per 20 bytes or more.
pub const CONFIG_VALUES: usize = CONFIG_LIMIT / 16;

/// The deepest a model configuration may nest objects and arrays (Keras's go about ten deep).
pub const CONFIG_DEPTH: usize = 64;

/// Checks the size of a JSON text (`what`: the model's configuration, a shard index) before it
/// is parsed: at most [`CONFIG_LIMIT`] bytes, about [`CONFIG_VALUES`] values and
/// [`CONFIG_DEPTH`] levels, counted in one pass over the text without building anything.
pub(crate) fn check_size(text: &str, what: &str) -> Result<(), Error> {
    if text.len() > CONFIG_LIMIT {
        return Err(Error::config(format!(
            "{what} has {} bytes, more than the {CONFIG_LIMIT} bytes allowed",
            text.len()
        )));
    }
    let (mut values, mut depth, mut in_string, mut escaped) = (1usize, 0usize, false, false);
    for &byte in text.as_bytes() {
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            // Each comma and each opening bracket starts a value (an empty container's count
            // is one too many, which only makes the bound stricter).
            b',' | b'[' | b'{' => {
                values += 1;
                if byte != b',' {
                    depth += 1;
                    if depth > CONFIG_DEPTH {
                        return Err(Error::config(format!(
                            "{what} nests deeper than {CONFIG_DEPTH} levels"
                        )));
                    }
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if values > CONFIG_VALUES {
            return Err(Error::config(format!(
                "{what} holds more than {CONFIG_VALUES} values"
            )));
        }
    }
    Ok(())
}

/// A model's `config.json` parsed into a JSON tree once, within the bounds [`CONFIG_LIMIT`],
/// [`CONFIG_VALUES`] and [`CONFIG_DEPTH`], for [`model`], [`optimizer_class`] and
/// [`optimizer_slots`] to read.
#[derive(Clone, Debug, PartialEq)]
pub struct Config(Json);

impl Config {
    /// Parses a configuration's text.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the text is too large or too deep, or not JSON (its source then
    /// the [`serde_json::Error`]).
    pub fn parse(text: &str) -> Result<Self, Error> {
        check_size(text, "the model's configuration")?;
        serde_json::from_str(text).map(Config).map_err(|e| {
            Error::config(format!("the model's configuration is not JSON: {e}")).because(e)
        })
    }
}

/// Reads a model's `config.json` (see [`model`]).
pub fn parse(text: &str) -> Result<FileModel, Error> {
    model(&Config::parse(text)?)
}

/// The model a parsed configuration describes. Sequential models and functional models that are
/// a plain chain (one input, each layer fed by the one before, the last one the output) are
/// accepted; anything else is an error that says what is not supported.
pub fn model(config: &Config) -> Result<FileModel, Error> {
    let root = &config.0;
    let class = root["class_name"].as_str().unwrap_or_default();
    let config = &root["config"];
    let name = config["name"].as_str().unwrap_or(class).to_string();
    let layers = config["layers"].as_array().ok_or_else(|| {
        Error::config(format!(
            "the model's configuration lists no layers (class `{class}`)"
        ))
    })?;
    match class {
        "Sequential" => sequential(name, layers),
        "Functional" | "Model" => functional(name, config, layers),
        other => Err(Error::config(format!(
            "a `{other}` model is not supported: only Sequential models and functional models \
             that are a plain chain of layers"
        ))),
    }
}

fn sequential(name: String, entries: &[Json]) -> Result<FileModel, Error> {
    let mut model = FileModel {
        name,
        input: None,
        layers: Vec::new(),
    };
    for entry in entries {
        let layer = layer(entry)?;
        if layer.class == "InputLayer" {
            model.input = batch_shape(&layer)?;
        } else {
            if model.input.is_none() && model.layers.is_empty() {
                // tf.keras 2 writes the input shape into the first layer.
                model.input = batch_shape(&layer)?;
            }
            let mut layer = layer;
            layer.position = model.layers.len();
            model.layers.push(layer);
        }
    }
    Ok(model)
}

fn functional(name: String, config: &Json, entries: &[Json]) -> Result<FileModel, Error> {
    let mut model = FileModel {
        name,
        input: None,
        layers: Vec::new(),
    };
    let mut input: Option<String> = None;
    for entry in entries {
        let mut layer = layer(entry)?;
        if layer.class == "InputLayer" {
            if input.is_some() {
                return Err(Error::config(format!(
                    "the model has more than one input (`{}`): only models of one input are \
                     supported",
                    layer.name
                )));
            }
            model.input = batch_shape(&layer)?;
            input = Some(layer.name);
        } else {
            if entry
                .get("inbound_nodes")
                .and_then(Json::as_array)
                .is_some_and(|nodes| nodes.len() > 1)
            {
                return Err(Error::config(format!(
                    "layer `{}` ({}) is applied more than once: shared layers are not supported",
                    layer.name, layer.class
                )));
            }
            layer.inbound = inbound(entry);
            layer.position = model.layers.len();
            model.layers.push(layer);
        }
    }
    let output = config["output_layers"].as_array().map(|o| o.as_slice());
    let output = match output {
        Some([Json::String(name), ..]) => Some(name.as_str()),
        Some([Json::Array(first)]) => first.first().and_then(Json::as_str),
        Some([_, _, ..]) => {
            return Err(Error::config(String::from(
                "the model has more than one output: only models of one output are supported",
            )));
        }
        _ => None,
    };
    let output = output
        .or_else(|| model.layers.last().map(|l| l.name.as_str()))
        .unwrap_or_default()
        .to_string();
    // Inputs named as the model's input layer are the model's input.
    let input = input.unwrap_or_default();
    for layer in &mut model.layers {
        for source in &mut layer.inbound {
            if *source == input {
                source.clear();
            }
        }
    }
    for layer in &model.layers {
        if let Some(missing) = layer
            .inbound
            .iter()
            .find(|n| !n.is_empty() && !model.layers.iter().any(|l| &l.name == *n))
        {
            return Err(Error::config(format!(
                "layer `{}` ({}) is fed by `{missing}`, which the model does not have",
                layer.name, layer.class
            )));
        }
    }
    let order = canonical(&model.layers, &output)?;
    let mut layers: Vec<Option<FileLayer>> = model.layers.into_iter().map(Some).collect();
    model.layers = order.iter().filter_map(|&i| layers[i].take()).collect();
    if let Some(unused) = layers.into_iter().flatten().next() {
        return Err(Error::config(format!(
            "layer `{}` ({}) does not lead to the model's output: only models whose every layer \
             does are supported",
            unused.name, unused.class
        )));
    }
    Ok(model)
}

/// The order in which a network declares the layers of a functional model: a chain in order, a
/// block's (a merge layer's, such as `Add`) as its first input's branch, its second's, then the
/// merge layer. `layers` name what feeds them in `inbound` (empty: the model's input); `output`
/// is the last layer. A graph that is not layers in a row and blocks of two branches (a merge of
/// three, a layer fed twice, a branch that leaves) is an error that says so.
pub fn canonical(layers: &[FileLayer], output: &str) -> Result<Vec<usize>, Error> {
    let index: BTreeMap<&str, usize> = layers
        .iter()
        .enumerate()
        .map(|(i, l)| (l.name.as_str(), i))
        .collect();
    let mut order = Vec::new();
    walk_back(layers, &index, output, "", &mut order, 0)?;
    Ok(order)
}

/// Appends to `order`, in the declared order, the layers from just after `fork` (`""`: the
/// model's input) up to `end`, walking back from `end`.
fn walk_back(
    layers: &[FileLayer],
    index: &BTreeMap<&str, usize>,
    end: &str,
    fork: &str,
    order: &mut Vec<usize>,
    depth: usize,
) -> Result<(), Error> {
    if depth > 64 {
        return Err(Error::config(String::from(
            "the model nests blocks more than 64 deep",
        )));
    }
    let unsupported = |layer: &FileLayer, why: &str| {
        Error::config(format!(
            "layer `{}` ({}) {why}: only layers in a row and blocks of two branches joined by a \
             merge layer are supported",
            layer.name, layer.class
        ))
    };
    // Layers (`Ok`) and blocks (`Err`: the merge layer and its fork), last first.
    let mut items: Vec<Result<usize, (usize, String)>> = Vec::new();
    let mut current = end.to_string();
    while current != fork {
        if current.is_empty() {
            return Err(Error::config(format!(
                "the model's branches do not meet again before its input (at `{end}`)"
            )));
        }
        let &i = index.get(current.as_str()).ok_or_else(|| {
            Error::config(format!(
                "a layer is fed by `{current}`, which the model does not have"
            ))
        })?;
        let layer = &layers[i];
        if items.len() > layers.len() {
            return Err(unsupported(layer, "is part of a cycle"));
        }
        match layer.inbound.as_slice() {
            [] => {
                items.push(Ok(i));
                current = String::new();
            }
            [source] => {
                items.push(Ok(i));
                current = source.clone();
            }
            [a, b] if crate::class::MERGES.contains(&layer.class.as_str()) => {
                let meet = meeting(layers, index, a, b)
                    .ok_or_else(|| unsupported(layer, "joins branches that never meet"))?;
                items.push(Err((i, meet.clone())));
                current = meet;
            }
            _ => return Err(unsupported(layer, "is fed by more than its one input")),
        }
    }
    for item in items.into_iter().rev() {
        match item {
            Ok(i) => order.push(i),
            Err((merge, meet)) => {
                for source in &layers[merge].inbound {
                    walk_back(layers, index, source, &meet, order, depth + 1)?;
                }
                order.push(merge);
            }
        }
    }
    Ok(())
}

/// Where the branches ending at `a` and `b` start: the nearest layer (or `""`, the model's
/// input) that both come from.
fn meeting(
    layers: &[FileLayer],
    index: &BTreeMap<&str, usize>,
    a: &str,
    b: &str,
) -> Option<String> {
    let ancestors = |start: &str| {
        let mut seen = std::vec![start.to_string()];
        let mut next = 0;
        while next < seen.len() && seen.len() <= layers.len() + 1 {
            let name = seen[next].clone();
            next += 1;
            if let Some(&i) = index.get(name.as_str()) {
                for source in &layers[i].inbound {
                    if !seen.contains(source) {
                        seen.push(source.clone());
                    }
                }
            }
        }
        seen
    };
    let of_a = ancestors(a);
    ancestors(b).into_iter().find(|name| of_a.contains(name))
}

fn describe_sources(sources: &[String]) -> String {
    match sources {
        [] => String::from("no layer"),
        [one] => format!("`{one}`"),
        many => format!(
            "{} layers ({})",
            many.len(),
            many.iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The names of the layers that feed a functional layer, in Keras 3's form
/// (`{"args": [{"config": {"keras_history": [name, 0, 0]}}]}`) or tf.keras 2's
/// (`[[[name, 0, 0, {}]]]`).
fn inbound(entry: &Json) -> Vec<String> {
    let mut names = Vec::new();
    fn walk(value: &Json, names: &mut Vec<String>) {
        match value {
            Json::Object(map) => {
                if let Some(Json::Array(history)) = map.get("keras_history") {
                    if let Some(name) = history.first().and_then(Json::as_str) {
                        names.push(name.to_string());
                    }
                    return;
                }
                map.values().for_each(|v| walk(v, names));
            }
            Json::Array(items) => {
                // tf.keras 2: a node is `[name, node_index, tensor_index, kwargs]`.
                if let [Json::String(name), Json::Number(_), Json::Number(_), ..] = items.as_slice()
                {
                    names.push(name.clone());
                } else {
                    items.iter().for_each(|v| walk(v, names));
                }
            }
            _ => {}
        }
    }
    if let Some(nodes) = entry.get("inbound_nodes") {
        walk(nodes, &mut names);
    }
    names
}

fn layer(entry: &Json) -> Result<FileLayer, Error> {
    let class = entry["class_name"].as_str().ok_or_else(|| {
        Error::config(String::from(
            "a layer of the model's configuration has no `class_name`",
        ))
    })?;
    let config = entry["config"].as_object().cloned().unwrap_or_default();
    let name = config
        .get("name")
        .or_else(|| entry.get("name"))
        .and_then(Json::as_str)
        .unwrap_or(class)
        .to_string();
    if config.contains_key("layers") {
        return Err(Error::config(format!(
            "layer `{name}` is a model of its own ({class}): nested models are not supported"
        )));
    }
    Ok(FileLayer {
        class: class.to_string(),
        name,
        config,
        inbound: Vec::new(),
        position: 0,
    })
}

/// The shape of one sample from a layer's `batch_shape` (or tf.keras 2's `batch_input_shape`),
/// without the batch dimension: `null` is an unknown size; anything else but a whole number
/// (`-3`, `2.5`, `"x"`) is an error naming the layer.
fn batch_shape(layer: &FileLayer) -> Result<Option<Vec<Option<usize>>>, Error> {
    let config = &layer.config;
    let Some(shape) = config
        .get("batch_shape")
        .or_else(|| config.get("batch_input_shape"))
        .and_then(Json::as_array)
    else {
        return Ok(None);
    };
    shape
        .iter()
        .skip(1)
        .map(|d| match d {
            Json::Null => Ok(None),
            d => d
                .as_u64()
                .and_then(|d| usize::try_from(d).ok())
                .map(Some)
                .ok_or_else(|| {
                    Error::config(format!(
                        "layer `{}` has the input shape {}: a size must be a whole number ≥ 0, \
                         or null for one not known",
                        layer.name,
                        Json::Array(shape.clone())
                    ))
                }),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// Keras's names that mean the same activation.
fn same_activation(a: &str, b: &str) -> bool {
    crate::config::canonical(a) == crate::config::canonical(b)
}

/// The name a file gives as a setting's value: a string, or an activation or initializer written
/// as an object (its `config.name`, else its `class_name`).
pub fn name_of(found: &Json) -> Option<&str> {
    match found {
        Json::String(name) => Some(name.as_str()),
        Json::Object(map) => map
            .get("config")
            .and_then(|c| c["name"].as_str())
            .or_else(|| map.get("class_name").and_then(Json::as_str)),
        _ => None,
    }
}

/// Whether the file's value `found` for `key` is the declared `value`.
fn matches(key: &str, value: Value, found: &Json) -> bool {
    match value {
        Value::Size(n) => found.as_u64() == Some(n as u64),
        Value::Float(x) => found
            .as_f64()
            .is_some_and(|y| (x - y).abs() <= 1e-6 * x.abs().max(1e-6)),
        Value::Bool(b) => found.as_bool() == Some(b),
        Value::Str(s) => {
            name_of(found).is_some_and(|name| {
                // As `Value::same` compares them (the build-time check): exactly, but for
                // Keras's aliases of activations.
                if key == "activation" {
                    same_activation(name, s)
                } else {
                    name == s
                }
            })
        }
        // Initializers are written, not compared.
        Value::Call(..) => true,
        Value::LastAxis => is_last_axis(found),
        Value::Sizes(sizes) => match found {
            Json::Array(items) => {
                items.len() == sizes.len()
                    && items
                        .iter()
                        .zip(sizes)
                        .all(|(i, &n)| i.as_u64() == Some(n as u64))
            }
            // Keras accepts one number for a square window.
            Json::Number(n) => sizes.iter().all(|&s| n.as_u64() == Some(s as u64)),
            _ => false,
        },
    }
}

/// Whether a file's `axis` is the last one: `-1` or `[-1]` (the only axis `nn` normalizes over).
pub fn is_last_axis(found: &Json) -> bool {
    match found {
        Json::Array(items) => items.len() == 1 && items[0].as_i64() == Some(-1),
        other => other.as_i64() == Some(-1),
    }
}

/// The class of the optimizer a compiled model was saved with (`Adam`), from its `config.json`.
pub fn optimizer_class(config: &Config) -> Option<String> {
    let optimizer = &config.0["compile_config"]["optimizer"];
    optimizer["class_name"]
        .as_str()
        .or_else(|| optimizer.as_str())
        .map(ToString::to_string)
}

/// The file's value of setting `key` of a layer: under its name, or under the name older Keras
/// versions gave it (tf.keras 2's `LeakyReLU` calls `negative_slope` `alpha`). A key with a dot
/// names a setting of a layer inside this one (a wrapper's): `layer.units` is the `units` of
/// the layer under `layer`, `layer.class_name` its class.
pub fn setting<'a>(config: &'a Map<String, Json>, key: &str) -> Option<&'a Json> {
    if let Some((inner, key)) = key.split_once('.') {
        let inner = config.get(inner)?;
        return match key {
            "class_name" => inner.get("class_name"),
            _ => setting(inner.get("config")?.as_object()?, key),
        };
    }
    config.get(key).or_else(|| match key {
        "negative_slope" => config.get("alpha"),
        _ => None,
    })
}

/// A setting of a file's layer as Keras builds the layer: what [`found`] answers.
#[derive(Clone, Debug, PartialEq)]
pub enum Found<'a> {
    /// The file's value.
    Given(&'a Json),
    /// The file leaves the setting out, and Keras takes this default.
    Default(Json),
    /// The file leaves out a setting that Keras cannot build the layer without (or one whose
    /// default is not known here).
    Required,
}

impl Found<'_> {
    /// The value Keras builds the layer with, if any.
    pub fn value(&self) -> Option<&Json> {
        match self {
            Found::Given(value) => Some(value),
            Found::Default(value) => Some(value),
            Found::Required => None,
        }
    }

    /// How a message names the file's value of setting `key` (`has units = 64`, `has no
    /// activation, which Keras takes as "linear"`, `has no units, which Keras requires`).
    pub fn describe(&self, key: &str) -> String {
        match self {
            Found::Given(value) => format!("has {key} = {}", show(value)),
            Found::Default(value) => {
                format!("has no {key}, which Keras takes as {}", show(value))
            }
            Found::Required => format!("has no {key}, which Keras requires"),
        }
    }
}

/// The value Keras builds a file's layer with for setting `key` (a key of [`setting`]): the
/// file's, or where the file leaves it out, Keras's default for the layer's class
/// ([`defaults::missing`]). `None` when there is nothing to compare: a `Bidirectional` that
/// leaves out its `backward_layer`, which Keras then makes from the forward one (whose settings
/// are compared).
pub fn found<'a>(class: &str, config: &'a Map<String, Json>, key: &str) -> Option<Found<'a>> {
    if let Some(value) = setting(config, key) {
        return Some(Found::Given(value));
    }
    if let Some((inner, key)) = key.split_once('.') {
        let Some(layer) = config.get(inner) else {
            return (inner != "backward_layer").then_some(Found::Required);
        };
        let class = layer.get("class_name").and_then(Json::as_str);
        let config = layer.get("config").and_then(Json::as_object);
        return match (class, config) {
            (Some(class), Some(config)) if key != "class_name" => found(class, config, key),
            _ => Some(Found::Required),
        };
    }
    Some(match defaults::missing(class, key) {
        Some(Missing::Value(value)) => Found::Default(json_value(value)),
        Some(Missing::Each(n)) => Found::Default(json!(n)),
        Some(Missing::Same(other)) => match found(class, config, other)? {
            Found::Given(value) => Found::Default(value.clone()),
            other => other,
        },
        Some(Missing::Required) | None => Found::Required,
    })
}

/// The slot variables, by Keras's names, that the optimizer of a compiled model's `config.json`
/// keeps for each weight, from its class and settings; `None` when the file does not say or the
/// optimizer is not one whose slots are known here. An error for settings that add variables no
/// optimizer here has (`use_ema`, gradient accumulation).
pub fn optimizer_slots(config: &Config) -> Result<Option<Vec<&'static str>>, Error> {
    let optimizer = &config.0["compile_config"]["optimizer"];
    let config = &optimizer["config"];
    if config["use_ema"].as_bool() == Some(true) {
        return Err(Error::config(String::from(
            "the file's optimizer keeps exponential moving averages (`use_ema`), which no \
             optimizer here has",
        )));
    }
    if config["gradient_accumulation_steps"]
        .as_u64()
        .is_some_and(|n| n > 1)
    {
        return Err(Error::config(String::from(
            "the file's optimizer accumulates gradients over steps \
             (`gradient_accumulation_steps`), which no optimizer here does",
        )));
    }
    let flag = |key: &str| config[key].as_bool() == Some(true);
    let positive = |key: &str| config[key].as_f64().is_some_and(|m| m > 0.0);
    let slots = match optimizer["class_name"].as_str() {
        Some("Adam" | "AdamW") if flag("amsgrad") => {
            std::vec!["momentum", "velocity", "velocity_hat"]
        }
        Some("Adam" | "AdamW") => std::vec!["momentum", "velocity"],
        Some("SGD") if positive("momentum") => std::vec!["momentum"],
        Some("SGD") => Vec::new(),
        Some("RMSprop") => {
            let mut slots = std::vec!["velocity"];
            if positive("momentum") {
                slots.push("momentum");
            }
            if flag("centered") {
                slots.push("average_gradient");
            }
            slots
        }
        Some("Adagrad") => std::vec!["accumulator"],
        _ => return Ok(None),
    };
    Ok(Some(slots))
}

/// A value of the file, as a message shows it.
pub fn show(found: &Json) -> String {
    match found {
        Json::Array(items) => format!(
            "({})",
            items.iter().map(show).collect::<Vec<_>>().join(", ")
        ),
        Json::Object(map) => map
            .get("class_name")
            .map_or_else(|| found.to_string(), |c| c.to_string()),
        other => other.to_string(),
    }
}

/// Settings that older Keras versions write and Keras 3 refuses, each with the one value read
/// (as the neutral value it is, which changes nothing the layer computes): tf.keras 2's
/// `DepthwiseConv2D` and `SeparableConv2D` (and their 1-D forms) inherit `groups` from its
/// `Conv` and write `groups: 1`.
const LEGACY: &[(&str, &str, u64)] = &[
    (crate::class::DEPTHWISE_CONV_2D, "groups", 1),
    (crate::class::SEPARABLE_CONV_2D, "groups", 1),
    (crate::class::DEPTHWISE_CONV_1D, "groups", 1),
    (crate::class::SEPARABLE_CONV_1D, "groups", 1),
];

/// What is wrong with a file's layer of class `class` in a setting that older Keras versions
/// write and Keras 3 refuses (tf.keras 2's `groups` of a `DepthwiseConv2D` or a
/// `SeparableConv2D`): `None` when it is
/// absent or has its neutral value,
/// which is then ignored; else how a message says it (`has groups = 2, ...`). Loading checks
/// it at run time and `#[keras]` during the build.
///
/// ```
/// use nn_keras::files::model::legacy_problem;
///
/// let config = |groups: u64| serde_json::json!({ "groups": groups }).as_object().unwrap().clone();
/// assert_eq!(legacy_problem("DepthwiseConv2D", &config(1)), None);
/// assert!(legacy_problem("DepthwiseConv2D", &config(2)).unwrap().contains("groups = 2"));
/// assert!(legacy_problem("SeparableConv2D", &config(3)).unwrap().contains("groups = 3"));
/// // Conv2D's `groups` is one of its settings, compared as the others are.
/// assert_eq!(legacy_problem("Conv2D", &config(2)), None);
/// ```
pub fn legacy_problem(class: &str, config: &Map<String, Json>) -> Option<String> {
    LEGACY.iter().find_map(|&(legacy_class, key, neutral)| {
        let found = config.get(key).filter(|_| class == legacy_class)?;
        (found.as_u64() != Some(neutral)).then(|| {
            format!(
                "has {key} = {}, a setting that tf.keras 2 wrote for `{class}` and Keras 3 \
                 refuses; only {key} = {neutral}, which changes nothing, is read",
                show(found)
            )
        })
    })
}

/// Every difference between the file's model and the declared one, each as a sentence that
/// names the layer's position and Keras name and both values, with the index of the declared
/// layer it is about (`None` for the input and the number of layers); empty when they agree.
pub fn mismatches(declared: &ModelConfig, file: &FileModel) -> Vec<(Option<usize>, String)> {
    let mut problems = Vec::new();
    let net = declared.name;
    if let Some(input) = &file.input {
        let fits = input.len() == declared.input.len()
            && input
                .iter()
                .zip(declared.input)
                .all(|(a, &b)| a.is_none_or(|a| a == b));
        if !fits {
            problems.push((
                None,
                format!(
                    "the input: the file's model takes samples of shape {}, `{net}` declares {}",
                    show_shape(input),
                    show_sizes(declared.input)
                ),
            ));
        }
    }
    if file.layers.len() != declared.layers.len() {
        problems.push((
            None,
            format!(
                "the file's model has {} layers ({}), `{net}` declares {} ({})",
                file.layers.len(),
                file.layers
                    .iter()
                    .map(|l| l.class.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                declared.layers.len(),
                declared
                    .layers
                    .iter()
                    .map(|l| l.class)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    // Blocks: each layer fed by the layers at the same places on both sides (both in the
    // declared order, so layers in a row are fed by the one before them).
    let functional = file.layers.iter().any(|l| !l.inbound.is_empty());
    if functional && file.layers.len() == declared.layers.len() {
        let place = |names: &[&str], of: &str| names.iter().position(|n| *n == of);
        let file_names: Vec<&str> = file.layers.iter().map(|l| l.name.as_str()).collect();
        let declared_names: Vec<&str> = declared.layers.iter().map(|l| l.name).collect();
        for (i, (mine, theirs)) in declared.layers.iter().zip(&file.layers).enumerate() {
            let theirs_at: Vec<Option<usize>> = theirs
                .inbound
                .iter()
                .map(|n| place(&file_names, n))
                .collect();
            let mine_at: Vec<Option<usize>> = mine
                .inputs
                .iter()
                .map(|n| place(&declared_names, n))
                .collect();
            let chain_start = theirs_at == [None] && mine_at.is_empty();
            if theirs_at != mine_at && !chain_start {
                let sources = |names: Vec<String>| describe_sources(&names);
                let named = |n: &str| {
                    if n.is_empty() {
                        String::from("the input")
                    } else {
                        n.to_string()
                    }
                };
                problems.push((
                    Some(i),
                    format!(
                        "layer {} `{}`: the file feeds it from {}, `{net}` from {}",
                        i + 1,
                        theirs.name,
                        sources(theirs.inbound.iter().map(|n| named(n)).collect()),
                        sources(mine.inputs.iter().map(|n| named(n)).collect()),
                    ),
                ));
            }
        }
    }
    for (i, (mine, theirs)) in declared.layers.iter().zip(&file.layers).enumerate() {
        let at = format!("layer {} `{}`", i + 1, theirs.name);
        if mine.class != theirs.class {
            problems.push((
                Some(i),
                format!(
                    "{at}: the file's layer is `{}`, `{net}` declares `{}` (`{}`)",
                    theirs.class, mine.class, mine.name
                ),
            ));
            continue;
        }
        for setting in mine.settings.iter().filter(|s| s.checked) {
            // A key the file leaves out is Keras's default, as Keras builds the layer.
            let Some(found) = found(&theirs.class, &theirs.config, setting.key) else {
                continue;
            };
            let fits = found
                .value()
                .is_some_and(|value| matches(setting.key, setting.value, value));
            if !fits {
                problems.push((
                    Some(i),
                    format!(
                        "{at}: the file {}, `{net}` declares {}",
                        found.describe(setting.key),
                        setting.value
                    ),
                ));
            }
        }
        if let Some(problem) = legacy_problem(&theirs.class, &theirs.config) {
            problems.push((Some(i), format!("{at}: the file {problem}")));
        }
        if theirs.config.get("data_format").and_then(Json::as_str) == Some("channels_first") {
            problems.push((Some(i), format!(
                "{at}: the file's layer is channels-first; `{net}` is channels-last, as Keras's \
                 default"
            )));
        }
    }
    problems
}

fn show_shape(shape: &[Option<usize>]) -> String {
    let items: Vec<String> = shape
        .iter()
        .map(|d| d.map_or_else(|| String::from("None"), |d| d.to_string()))
        .collect();
    format!("[{}]", items.join(", "))
}

fn show_sizes(sizes: &[usize]) -> String {
    let items: Vec<String> = sizes.iter().map(ToString::to_string).collect();
    format!("[{}]", items.join(", "))
}

fn json_value(value: Value) -> Json {
    match value {
        Value::Size(n) => json!(n),
        Value::Float(x) => json!(x),
        Value::Bool(b) => json!(b),
        Value::Str(s) => json!(s),
        Value::Sizes(sizes) => json!(sizes),
        Value::LastAxis => json!([-1]),
        // An initializer, as Keras 3 writes one.
        Value::Call(name, args) => {
            let config: Map<String, Json> = args
                .iter()
                .map(|&(key, value)| (key.to_string(), json_value(value)))
                .collect();
            json!({
                "module": "keras.initializers",
                "class_name": initializer_class(name),
                "config": config,
                "registered_name": null,
            })
        }
    }
}

fn batch(shape: &[usize]) -> Json {
    let mut dims = std::vec![Json::Null];
    dims.extend(shape.iter().map(|&d| json!(d)));
    Json::Array(dims)
}

fn layer_json(layer: &LayerConfig, dtype: &str) -> Json {
    let mut config = Map::new();
    config.insert("name".into(), json!(layer.name));
    config.insert("trainable".into(), json!(true));
    config.insert("dtype".into(), json!(dtype));
    for setting in layer.settings {
        let value = json_value(setting.value);
        // A wrapped layer's settings (`layer.units`) go into its own object, named after its
        // place (`forward_lstm` under `layer`, as Keras names a Bidirectional's).
        let Some((inner, key)) = setting.key.split_once('.') else {
            config.insert(setting.key.into(), value);
            continue;
        };
        let object = config.entry(inner).or_insert_with(|| {
            json!({ "module": "keras.layers", "config": { "dtype": dtype }, "registered_name": null })
        });
        match key {
            "class_name" => {
                let class = value.as_str().unwrap_or_default();
                let side = if inner == "backward_layer" {
                    "backward"
                } else {
                    "forward"
                };
                object["config"]["name"] = json!(format!("{side}_{}", snake_case(class)));
                object["class_name"] = value;
            }
            _ => object["config"][key] = value,
        }
    }
    json!({
        "module": "keras.layers",
        "class_name": layer.class,
        "config": config,
        "registered_name": null,
        "build_config": { "input_shape": batch(layer.input) },
    })
}

/// Keras's class for an initializer's name (`glorot_uniform` → `GlorotUniform`).
fn initializer_class(name: &str) -> String {
    name.split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// The `config.json` of a declared network, as Keras 3 writes a Sequential model's: an input
/// layer, then each layer with its settings and input shape. `dtype` is `float32` or `float64`.
pub fn write(declared: &ModelConfig, dtype: &str) -> String {
    if declared
        .layers
        .iter()
        .any(|l| crate::class::MERGES.contains(&l.class))
    {
        return write_functional(declared, dtype);
    }
    let mut layers = std::vec![input_layer(declared, dtype)];
    layers.extend(declared.layers.iter().map(|l| layer_json(l, dtype)));
    let model = json!({
        "module": "keras",
        "class_name": "Sequential",
        "config": {
            "name": declared.name,
            "trainable": true,
            "dtype": dtype,
            "layers": layers,
            "build_input_shape": batch(declared.input),
        },
        "registered_name": null,
        "build_config": { "input_shape": batch(declared.input) },
    });
    model.to_string()
}

/// The input layer of a written model, named `input_layer`.
fn input_layer(declared: &ModelConfig, dtype: &str) -> Json {
    json!({
        "module": "keras.layers",
        "class_name": "InputLayer",
        "config": {
            "batch_shape": batch(declared.input),
            "dtype": dtype,
            "sparse": false,
            "name": "input_layer",
        },
        "registered_name": null,
    })
}

/// The order in which Keras 3 lists a functional model's layers (`model.layers`, which names
/// the groups of its weights file): by depth, the longest way to the output, deepest first; at
/// the same depth, in the order a depth-first walk from the output, each layer's inputs in
/// order, first meets them. Indices into `declared.layers`, whose order is a topological one
/// (every layer after what feeds it).
pub fn keras_order(declared: &ModelConfig) -> Vec<usize> {
    let names: Vec<&str> = declared.layers.iter().map(|l| l.name).collect();
    let inputs: Vec<&[&str]> = declared.layers.iter().map(|l| l.inputs).collect();
    keras_order_of(&names, &inputs)
}

/// [`keras_order`] of layers named `names`, each fed by the layers named in `inputs`.
pub fn keras_order_of(names: &[&str], inputs: &[&[&str]]) -> Vec<usize> {
    let count = names.len();
    let place = |name: &str| names.iter().position(|n| *n == name);
    let mut depth = std::vec![0usize; count];
    for k in (0..count).rev() {
        for source in inputs[k] {
            if let Some(i) = place(source) {
                depth[i] = depth[i].max(depth[k] + 1);
            }
        }
    }
    let mut met = std::vec![usize::MAX; count];
    let mut seen = 0;
    let mut stack = std::vec![count.saturating_sub(1)];
    while let Some(k) = stack.pop() {
        if k >= count || met[k] != usize::MAX {
            continue;
        }
        met[k] = seen;
        seen += 1;
        // Inputs in order: pushed last first.
        for source in inputs[k].iter().rev() {
            if let Some(i) = place(source) {
                stack.push(i);
            }
        }
    }
    let mut order: Vec<usize> = (0..count).collect();
    order.sort_by_key(|&k| (core::cmp::Reverse(depth[k]), met[k]));
    order
}

/// Keras 3's weight group of each of `declared`'s layers, in the declared order: by class and
/// place in Keras's order of the layers ([`keras_order`]), as Keras writes and reads them.
pub fn keras_groups(declared: &ModelConfig) -> Vec<String> {
    let order = keras_order(declared);
    let mut place = std::vec![0; order.len()];
    for (p, &k) in order.iter().enumerate() {
        place[k] = p;
    }
    groups_by_place(declared.layers.iter().map(|l| l.class).zip(place))
}

/// Keras 3's weight group of each of a file's layers, in the model's order (the declared one,
/// for a model with blocks): by class and place in the file ([`FileLayer::position`]).
pub fn file_groups(model: &FileModel) -> Vec<String> {
    groups_by_place(model.layers.iter().map(|l| (l.class.as_str(), l.position)))
}

/// The group of each of some layers, given as its class and its place in the order Keras names
/// them in ([`group_names`]), listed in another order: the groups in that other order.
fn groups_by_place<'a>(layers: impl Iterator<Item = (&'a str, usize)>) -> Vec<String> {
    let layers: Vec<(&str, usize)> = layers.collect();
    let mut by_place = std::vec![""; layers.len()];
    for &(class, place) in &layers {
        if let Some(slot) = by_place.get_mut(place) {
            *slot = class;
        }
    }
    let names = group_names(by_place);
    layers
        .iter()
        .map(|&(_, place)| names.get(place).cloned().unwrap_or_default())
        .collect()
}

/// A network with blocks as a Keras 3 functional model: its layers in the declared order, each
/// naming what feeds it (`inbound_nodes`), the first fed by the input layer.
fn write_functional(declared: &ModelConfig, dtype: &str) -> String {
    const INPUT: &str = "input_layer";
    let output_of = |name: &str| -> &[usize] {
        declared
            .layers
            .iter()
            .find(|l| l.name == name)
            .map_or(declared.input, |l| l.output)
    };
    let tensor = |name: &str| {
        let source = if name.is_empty() { INPUT } else { name };
        json!({
            "class_name": "__keras_tensor__",
            "config": {
                "shape": batch(output_of(name)),
                "dtype": dtype,
                "keras_history": [source, 0, 0],
            },
        })
    };
    let mut input = input_layer(declared, dtype);
    input["name"] = json!(INPUT);
    input["inbound_nodes"] = json!([]);
    let mut layers = std::vec![input];
    // In Keras's order, by which Keras and the reader both name the weights' groups.
    for layer in keras_order(declared)
        .into_iter()
        .map(|k| &declared.layers[k])
    {
        let mut entry = layer_json(layer, dtype);
        let sources: Vec<&str> = if layer.inputs.is_empty() {
            std::vec![""]
        } else {
            layer.inputs.to_vec()
        };
        let args = match sources.as_slice() {
            [one] => json!([tensor(one)]),
            many => {
                let shapes: Vec<Json> = many.iter().map(|n| batch(output_of(n))).collect();
                entry["build_config"] = json!({ "input_shape": shapes });
                json!([many.iter().map(|n| tensor(n)).collect::<Vec<_>>()])
            }
        };
        entry["name"] = json!(layer.name);
        entry["inbound_nodes"] = json!([{ "args": args, "kwargs": {} }]);
        layers.push(entry);
    }
    let last = declared.layers.last().map_or(INPUT, |l| l.name);
    json!({
        "module": "keras.src.models.functional",
        "class_name": "Functional",
        "config": {
            "name": declared.name,
            "trainable": true,
            "layers": layers,
            "input_layers": [INPUT, 0, 0],
            "output_layers": [last, 0, 0],
        },
        "registered_name": "Functional",
        "build_config": { "input_shape": null },
        "compile_config": null,
    })
    .to_string()
}

/// How many layers of each class come before each layer, which is how Keras 3 names the
/// weights' groups: `dense`, `dense_1`, ... by class and order, whatever the layers' own names.
pub fn group_names<'a>(classes: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    classes
        .into_iter()
        .map(|class| {
            let base = snake_case(class);
            let count = seen.entry(base.clone()).or_insert(0);
            let name = if *count == 0 {
                base
            } else {
                format!("{base}_{count}")
            };
            *count += 1;
            name
        })
        .collect()
}

/// Keras's `to_snake_case`: `BatchNormalization` → `batch_normalization`, `Conv2D` → `conv2d`,
/// `PReLU` → `p_re_lu`.
pub fn snake_case(class: &str) -> String {
    // Keras applies two rules: an underscore before each capital that starts a lower-case run
    // (`(.)([A-Z][a-z]+)`), then between a lower-case letter and a capital (`([a-z])([A-Z])`).
    let chars: Vec<char> = class.chars().collect();
    let mut first = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if i > 0 && c.is_ascii_uppercase() && chars.get(i + 1).is_some_and(char::is_ascii_lowercase)
        {
            first.push('_');
        }
        first.push(c);
    }
    let chars: Vec<char> = first.chars().collect();
    let mut second = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if i > 0 && c.is_ascii_uppercase() && chars[i - 1].is_ascii_lowercase() {
            second.push('_');
        }
        second.push(c);
    }
    second.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_is_keras_s() {
        for (class, snake) in [
            ("Dense", "dense"),
            ("Conv2D", "conv2d"),
            ("BatchNormalization", "batch_normalization"),
            ("MaxPooling2D", "max_pooling2d"),
            ("GlobalAveragePooling2D", "global_average_pooling2d"),
            ("PReLU", "p_re_lu"),
            ("LeakyReLU", "leaky_re_lu"),
            ("ELU", "elu"),
        ] {
            assert_eq!(snake_case(class), snake, "{class}");
        }
        assert_eq!(
            group_names(["Dense", "Dropout", "Dense", "Dense"]),
            ["dense", "dropout", "dense_1", "dense_2"]
        );
    }

    #[test]
    fn a_setting_left_out_is_keras_s_default() {
        let config = |text: &str| match serde_json::from_str(text).unwrap() {
            Json::Object(map) => map,
            _ => unreachable!(),
        };
        let pool = config(r#"{"pool_size": [2, 1]}"#);
        // A pool's strides are its size, and its size Keras's default where it has none.
        assert_eq!(
            found("MaxPooling2D", &pool, "strides"),
            Some(Found::Default(json!([2, 1])))
        );
        assert_eq!(
            found("MaxPooling2D", &Map::new(), "strides"),
            Some(Found::Default(json!(2)))
        );
        assert_eq!(found("Dense", &Map::new(), "units"), Some(Found::Required));
        // Keras 3's average pools have no default size: a file without one is refused, strides
        // and all.
        for key in ["pool_size", "strides"] {
            assert_eq!(
                found("AveragePooling2D", &Map::new(), key),
                Some(Found::Required)
            );
        }
        // A wrapped layer's settings are its class's; a backward layer left out is the
        // forward one's copy, which Keras makes.
        let wrapper = config(r#"{"layer": {"class_name": "GRU", "config": {"units": 3}}}"#);
        assert_eq!(
            found("Bidirectional", &wrapper, "layer.units"),
            Some(Found::Given(&json!(3)))
        );
        assert_eq!(
            found("Bidirectional", &wrapper, "layer.reset_after"),
            Some(Found::Default(json!(true)))
        );
        assert_eq!(
            found("Bidirectional", &wrapper, "backward_layer.units"),
            None
        );
        assert_eq!(
            found("Bidirectional", &Map::new(), "layer.units"),
            Some(Found::Required)
        );
    }

    #[test]
    fn brackets_and_commas_inside_strings_are_not_counted() {
        let text = std::format!(
            r#"{{"name": "a\"{}{}", "x": [1, 2]}}"#,
            "[".repeat(100),
            ",".repeat(300_000)
        );
        check_size(&text, "it").unwrap();
        let deep = std::format!("{}{}", "[".repeat(65), "]".repeat(65));
        assert_eq!(
            check_size(&deep, "it").unwrap_err().to_string(),
            "it nests deeper than 64 levels"
        );
        assert!(check_size(&"[".repeat(64), "it").is_ok());
    }

    #[test]
    fn initializer_classes() {
        assert_eq!(initializer_class("glorot_uniform"), "GlorotUniform");
        assert_eq!(initializer_class("zeros"), "Zeros");
    }

    /// A functional model's configuration: `(class, name, inbound)` per layer after an input
    /// layer `in`, the last the output.
    fn graph(layers: &[(&str, &str, &[&str])]) -> String {
        let mut entries = std::vec![json!({"class_name": "InputLayer", "name": "in",
            "config": {"name": "in", "batch_shape": [null, 4]}, "inbound_nodes": []})];
        for (class, name, inbound) in layers {
            let args: Vec<Json> = inbound
                .iter()
                .map(|n| json!({"class_name": "__keras_tensor__", "config": {"keras_history": [n, 0, 0]}}))
                .collect();
            let args = if args.len() == 1 {
                json!(args)
            } else {
                json!([args])
            };
            entries.push(
                json!({"class_name": class, "name": name, "config": {"name": name},
                "inbound_nodes": [{"args": args, "kwargs": {}}]}),
            );
        }
        let last = layers.last().map_or("in", |l| l.1);
        json!({"class_name": "Functional", "config": {"name": "m", "layers": entries,
            "input_layers": [["in", 0, 0]], "output_layers": [[last, 0, 0]]}})
        .to_string()
    }

    #[test]
    fn a_functional_model_with_blocks_is_put_in_the_declared_order() {
        // ResNet's second block as Keras orders it: the branch, then the shortcut, then `Add`
        // with the shortcut first; inside the branch, a block of its own.
        let text = graph(&[
            ("Dense", "stem", &["in"]),
            ("Dense", "branch", &["stem"]),
            ("Dense", "inner", &["branch"]),
            ("Add", "inner_add", &["branch", "inner"]),
            ("Dense", "shortcut", &["stem"]),
            ("Add", "add", &["shortcut", "inner_add"]),
            ("Dense", "head", &["add"]),
        ]);
        let model = parse(&text).unwrap();
        let names: Vec<&str> = model.layers.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "stem",
                "shortcut",
                "branch",
                "inner",
                "inner_add",
                "add",
                "head"
            ]
        );
        // Each keeps its place in the file, by which Keras 3 names its weights' group.
        let places: Vec<usize> = model.layers.iter().map(|l| l.position).collect();
        assert_eq!(places, [0, 4, 1, 2, 3, 5, 6]);
        assert_eq!(model.layers[0].inbound, [""]);
    }

    #[test]
    fn graphs_that_are_not_rows_and_blocks_of_two_are_refused() {
        let refused = |layers: &[(&str, &str, &[&str])], why: &str| {
            let error = parse(&graph(layers)).unwrap_err().to_string();
            assert!(error.contains(why), "{error}");
        };
        refused(
            &[
                ("Dense", "a", &["in"]),
                ("Dense", "b", &["in"]),
                ("Dense", "c", &["in"]),
                ("Add", "add", &["a", "b", "c"]),
            ],
            "layer `add` (Add) is fed by more than its one input",
        );
        refused(
            &[
                ("Dense", "a", &["in"]),
                ("Dense", "b", &["in"]),
                ("Dense", "c", &["a", "b"]),
            ],
            "layer `c` (Dense) is fed by more than its one input",
        );
        refused(
            &[
                ("Dense", "a", &["in"]),
                ("Dense", "lost", &["a"]),
                ("Dense", "b", &["a"]),
            ],
            "layer `lost` (Dense) does not lead to the model's output",
        );
        refused(
            &[("Dense", "a", &["in"]), ("Add", "add", &["a", "ghost"])],
            "which the model does not have",
        );
    }

    /// Keras's order of a functional model's layers, as Keras 3.15.1 printed `model.layers` for
    /// this graph: by depth from the output, ties in the order a walk from the output meets them.
    #[test]
    fn keras_orders_layers_by_depth_then_walk() {
        let names = [
            "conv2d",
            "conv2d_1",
            "max_pooling2d",
            "conv2d_2",
            "conv2d_3",
            "multiply",
            "subtract",
            "concatenate",
            "flatten",
            "dense",
        ];
        let inputs: [&[&str]; 10] = [
            &[""],
            &["conv2d"],
            &["conv2d"],
            &["max_pooling2d"],
            &["max_pooling2d"],
            &["conv2d_3", "max_pooling2d"],
            &["conv2d_2", "multiply"],
            &["conv2d_1", "subtract"],
            &["concatenate"],
            &["flatten"],
        ];
        let order: Vec<&str> = keras_order_of(&names, &inputs)
            .into_iter()
            .map(|k| names[k])
            .collect();
        assert_eq!(
            order,
            [
                "conv2d",
                "max_pooling2d",
                "conv2d_3",
                "conv2d_2",
                "multiply",
                "conv2d_1",
                "subtract",
                "concatenate",
                "flatten",
                "dense"
            ]
        );
    }
}
