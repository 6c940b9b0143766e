//! The weights of a Keras file, read from HDF5 in any of Keras's layouts and written in Keras 3's.
//!
//! - Keras 3 (`.weights.h5`, the `model.weights.h5` of a `.keras` archive, and each shard of a
//!   sharded save): `layers/<group>/vars/<i>`, where `<group>` is the layer's snake-cased class
//!   and a counter (`dense`, `dense_1`), so layers are matched by class and order, and
//!   `optimizer/vars/<i>` for a compiled optimizer's state.
//! - Legacy `.h5` (`model.save("x.h5")`): `model_weights/<layer>/<weight name>`, the layers listed
//!   in order by the `layer_names` attribute and each layer's weights by `weight_names`, in Keras
//!   3's naming (`sequential/dense/kernel`) and tf.keras 2's (`dense/kernel:0`).

use std::collections::BTreeMap;
use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

use super::Error;
use hdf5_pure::{
    AttrValue, DType, Datatype, DatatypeByteOrder, File, FileBuilder, Group, Layout as Storage,
};

/// One tensor of a file: where its values are and how they are encoded. They are decoded only
/// when asked for ([`Weights::decode_into`]), straight from the file's bytes when the dataset is
/// stored in one run (as Keras stores weights), so loading copies each value once; a chunked
/// (compressed) or compact dataset is read out of the file then, so a tensor nobody asks for (a
/// shape the network does not declare, every tensor at build time) is never inflated.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    /// Where it is in the file, for messages (`layers/dense/vars/0`).
    pub path: String,
    /// Its shape.
    pub shape: Vec<usize>,
    /// Its stored type (`float32`, `float64`, `int`).
    pub dtype: &'static str,
    encoding: Encoding,
    data: Data,
}

/// How a tensor's values are stored.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Encoding {
    /// Bytes per value: 4 or 8.
    width: usize,
    float: bool,
    big_endian: bool,
}

/// Where a tensor's bytes are.
#[derive(Clone, Debug, PartialEq)]
enum Data {
    /// A range of bytes of file number `file` of [`Weights::files`].
    InFile {
        file: usize,
        start: usize,
        len: usize,
    },
    /// `len` bytes to read out of file number `file` (a compact or chunked dataset, at the
    /// tensor's path) when they are decoded.
    Stored { file: usize, len: usize },
}

/// The weights of a file, grouped as its layout groups them.
#[derive(Clone, Debug, Default)]
pub struct Weights {
    /// The HDF5 files the tensors are in (one, or one per shard).
    files: Vec<File>,
    /// How the layers are found.
    pub layout: Layout,
    /// Each layer's tensors, in order: by group name (`dense_1`) for Keras 3's layout, by the
    /// layer's own name in the file's order for the legacy one.
    pub layers: Vec<(String, Vec<Tensor>)>,
    /// The optimizer's variables (`iterations`, the learning rate, then its slots), if the file
    /// holds them.
    pub optimizer: Vec<Tensor>,
    /// The model's `config.json` text, for legacy files that carry it in an attribute.
    pub config: Option<String>,
}

/// How a file's layers are matched with the declared ones.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Layout {
    /// Keras 3: groups named by class and order.
    #[default]
    Keras3,
    /// `model.save("x.h5")`: the layers with weights, in order.
    Legacy,
}

impl Weights {
    /// The tensors of the layer named `name` (a group name or a layer name).
    pub fn layer(&self, name: &str) -> Option<&[Tensor]> {
        self.layers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.as_slice())
    }

    /// Writes the values of `tensor`, in order, into `out` (as many as both have), each
    /// widened to `f64` (exact for `float32`, and for integers up to 2^53) and passed through `convert`;
    /// returns whether every value was finite. One tight loop per encoding, without an early
    /// exit: with a `convert` that narrows back to `f32`, a `float32` tensor is copied and
    /// checked at memory speed.
    ///
    /// # Errors
    ///
    /// [`Error::Weights`] (its source the [`hdf5_pure::Error`]) when a chunked or compact
    /// dataset cannot be read out of the file (a damaged compressed chunk); a tensor stored in
    /// one run always decodes.
    pub fn decode_into<S>(
        &self,
        tensor: &Tensor,
        out: &mut [S],
        convert: impl Fn(f64) -> S,
    ) -> Result<bool, Error> {
        let read;
        let bytes = match &tensor.data {
            Data::InFile { file, start, len } => &self.files[*file].as_bytes()[*start..start + len],
            Data::Stored { file, len } => {
                let path = &tensor.path;
                read = self.files[*file]
                    .dataset(path)
                    .and_then(|d| d.read_raw())
                    .map_err(|e| {
                        Error::weights(format!("`{path}` cannot be read: {e}")).because(e)
                    })?;
                if read.len() != *len {
                    return Err(Error::weights(format!(
                        "`{path}` has {} bytes for its shape {:?} ({len})",
                        read.len(),
                        tensor.shape
                    )));
                }
                read.as_slice()
            }
        };
        let Encoding {
            width,
            float,
            big_endian,
        } = tensor.encoding;
        let mut finite = true;
        macro_rules! each {
            ($ty:ty, $from:ident) => {
                for (w, chunk) in out.iter_mut().zip(bytes.chunks_exact(width)) {
                    let mut raw = [0u8; core::mem::size_of::<$ty>()];
                    raw.copy_from_slice(chunk);
                    let value = <$ty>::$from(raw) as f64;
                    finite &= value.is_finite();
                    *w = convert(value);
                }
            };
        }
        match (width, float, big_endian) {
            (4, true, false) => each!(f32, from_le_bytes),
            (4, true, true) => each!(f32, from_be_bytes),
            (8, true, false) => each!(f64, from_le_bytes),
            (8, true, true) => each!(f64, from_be_bytes),
            (4, false, false) => each!(i32, from_le_bytes),
            (4, false, true) => each!(i32, from_be_bytes),
            (8, false, false) => each!(i64, from_le_bytes),
            _ => each!(i64, from_be_bytes),
        }
        Ok(finite)
    }

    /// Where `tensor`'s values are in its file's bytes when they are stored there in one run of
    /// little-endian `float32` (as Keras stores weights): the byte range.
    pub fn f32_range(&self, tensor: &Tensor) -> Option<core::ops::Range<usize>> {
        let little_f32 = Encoding {
            width: 4,
            float: true,
            big_endian: false,
        };
        match tensor.data {
            Data::InFile { start, len, .. } if tensor.encoding == little_f32 => {
                Some(start..start + len)
            }
            _ => None,
        }
    }

    /// The values of `tensor`, as `f64` (see [`Weights::decode_into`]).
    ///
    /// # Errors
    ///
    /// As [`Weights::decode_into`].
    pub fn values(&self, tensor: &Tensor) -> Result<Vec<f64>, Error> {
        let count = tensor.shape.iter().product();
        let mut values = std::vec![0.0; count];
        self.decode_into(tensor, &mut values, |v| v)?;
        Ok(values)
    }

    /// Adds another shard's layers: a layer split across shards gets its tensors from each, in
    /// the order of their indices.
    pub fn merge(&mut self, mut other: Weights) {
        let offset = self.files.len();
        self.files.append(&mut other.files);
        let renumber = |t: &mut Tensor| {
            let (Data::InFile { file, .. } | Data::Stored { file, .. }) = &mut t.data;
            *file += offset;
        };
        other
            .layers
            .iter_mut()
            .flat_map(|(_, t)| t.iter_mut())
            .for_each(renumber);
        other.optimizer.iter_mut().for_each(renumber);
        for (name, tensors) in other.layers {
            match self.layers.iter_mut().find(|(n, _)| *n == name) {
                Some((_, mine)) => mine.extend(tensors),
                None => self.layers.push((name, tensors)),
            }
        }
        self.optimizer.extend(other.optimizer);
        for (_, tensors) in &mut self.layers {
            tensors.sort_by_key(|t| index_of(&t.path));
        }
        self.optimizer.sort_by_key(|t| index_of(&t.path));
    }
}

fn index_of(path: &str) -> usize {
    path.rsplit('/')
        .next()
        .and_then(|i| i.parse().ok())
        .unwrap_or(usize::MAX)
}

fn h5(e: hdf5_pure::Error) -> Error {
    match e {
        // A symbol-table entry whose object address is undefined: HDF5 writes one for a soft or
        // external link (the link's target is a name, kept elsewhere), which has no object of
        // its own to read.
        hdf5_pure::Error::Format(hdf5_pure::FormatError::UnexpectedEof { expected, .. })
            if expected == usize::MAX =>
        {
            Error::weights(
                "the HDF5 file has a link to no object here (soft and external links are not \
                 supported: Keras writes neither)",
            )
            .because(e)
        }
        e => Error::weights(format!("not a readable HDF5 file ({e})")).because(e),
    }
}

/// The most layers a file may have (groups under `layers/`, or names in a legacy file's
/// `layer_names`): the largest Keras models have about a thousand; a file with far more is
/// damaged or hostile, and refused before its layers are read one by one.
pub const MAX_LAYERS: usize = 10_000;

/// The most tensors one layer of a legacy file may list in its `weight_names` (a real layer has a
/// few dozen).
pub const MAX_LAYER_TENSORS: usize = 1_000;

/// The subgroups of `group`, each with its name, enumerated in one walk of the group.
fn subgroups(group: &Group) -> Result<Vec<(String, Group)>, Error> {
    Ok(group.iter_groups().map_err(h5)?.collect())
}

/// The subgroup `path` (names separated by `/`) of `group`, each level looked up in one walk of
/// that level; `None` where a name is missing or not a group.
fn descend(group: &Group, path: &str) -> Result<Option<Group>, Error> {
    let mut here = group.clone();
    for name in path.split('/') {
        match subgroups(&here)?.into_iter().find(|(n, _)| n == name) {
            Some((_, next)) => here = next,
            None => return Ok(None),
        }
    }
    Ok(Some(here))
}

/// Reads the weights of an HDF5 file held in memory.
pub fn read(bytes: Vec<u8>) -> Result<Weights, Error> {
    if !hdf5_pure::is_hdf5_bytes(&bytes) {
        return Err(Error::weights(String::from(
            "not an HDF5 file (it does not start with HDF5's signature)",
        )));
    }
    let length = bytes.len() as u64;
    let file = File::from_bytes(bytes).map_err(h5)?;
    // A file cut short still parses when the cut falls in bytes nothing reads (the padding at
    // the end of an object header): the superblock says where the file ends, and like the HDF5
    // library ("truncated file", the same comparison) a file shorter than that is refused.
    let end = file.superblock().eof_address;
    if end > length {
        return Err(Error::weights(format!(
            "the HDF5 file is truncated: it has {length} bytes, its superblock says {end}"
        )));
    }
    let root = file.root();
    let groups = subgroups(&root)?;
    let top = |name: &str| groups.iter().find(|(n, _)| n == name).map(|(_, g)| g);
    let file_len = file.as_bytes().len();
    let mut budget = file_len.saturating_mul(EXPANSION);
    if let Some(model_weights) = top("model_weights") {
        let mut weights = legacy(&file, model_weights, &mut budget)?;
        weights.files.push(file);
        return Ok(weights);
    }
    let mut weights = Weights::default();
    // tf.keras 2.13–2.15 wrote Keras 3's layout under another name, which Keras 3 also reads.
    let found = ["layers", "_layer_checkpoint_dependencies"]
        .into_iter()
        .find_map(|name| top(name).map(|g| (name, g)));
    if let Some((top, layers)) = found {
        // Each layer's group is walked once (not looked up by path from the root, which walks
        // every level again for every layer), so loading takes time in proportion to the file.
        let layers = subgroups(layers)?;
        if layers.len() > MAX_LAYERS {
            return Err(Error::weights(format!(
                "`{top}/` has {} groups, more than the {MAX_LAYERS} layers a model may have",
                layers.len()
            )));
        }
        for (name, group) in layers {
            let inner = subgroups(&group)?;
            let child = |name: &str| inner.iter().find(|(n, _)| n == name).map(|(_, g)| g);
            let path = format!("{top}/{name}/vars");
            let mut tensors = match child("vars") {
                Some(vars) => numbered(vars, &path, file_len, &mut budget)?,
                // A layer without variables may have no `vars` group at all.
                None => Vec::new(),
            };
            // A recurrent layer keeps its weights in its cell's group; a Bidirectional keeps
            // its two layers' in theirs, forward first: the groups `tensor_group` gives for a
            // cell, alone and in each held layer, in the order our layers list them.
            let held = HELD.iter().map(|&(field, _)| tensor_group(&[field], true));
            for group in std::iter::once(tensor_group(&[], true)).chain(held) {
                let (first, rest) = group.split_once('/').unwrap_or((&group, ""));
                let Some(outer) = child(first) else {
                    continue;
                };
                let rest = if rest.is_empty() {
                    String::from("vars")
                } else {
                    format!("{rest}/vars")
                };
                if let Some(vars) = descend(outer, &rest)? {
                    let path = format!("{top}/{name}/{first}/{rest}");
                    tensors.extend(numbered(&vars, &path, file_len, &mut budget)?);
                }
            }
            weights.layers.push((name, tensors));
        }
    } else if !groups.iter().any(|(g, _)| g == "vars" || g == "optimizer") {
        return Err(Error::weights(String::from(
            "no Keras weights in this HDF5 file: it has neither `layers/` (Keras 3) nor \
             `model_weights/` (a legacy `.h5`)",
        )));
    }
    if let Some(optimizer) = top("optimizer")
        && let Some(vars) = descend(optimizer, "vars")?
    {
        weights.optimizer = numbered(&vars, "optimizer/vars", file_len, &mut budget)?;
    }
    weights.files.push(file);
    Ok(weights)
}

/// The datasets `0`, `1`, ... of a `vars` group, in numeric order.
fn numbered(
    group: &Group,
    path: &str,
    file_len: usize,
    budget: &mut usize,
) -> Result<Vec<Tensor>, Error> {
    let mut datasets: Vec<(String, hdf5_pure::Dataset)> =
        group.iter_datasets().map_err(h5)?.collect();
    datasets.sort_by_key(|(n, _)| n.parse::<usize>().unwrap_or(usize::MAX));
    datasets
        .iter()
        .map(|(name, dataset)| tensor(dataset, &format!("{path}/{name}"), file_len, budget))
        .collect()
}

/// How much a file's data may expand when read out of compressed or unwritten storage: deflate's
/// largest ratio. Bounding what is read by it (for all tensors together) keeps a small damaged or
/// hostile file from making us allocate gigabytes.
const EXPANSION: usize = 1032;

/// How many bytes the chunks of a chunked dataset may decode to beyond its own size: chunks
/// larger than the dataset are legitimate for a resizable one (h5py gives a `(3,)` dataset
/// that may grow chunks of 1024 values), within reason.
const CHUNK_SLACK: usize = 1 << 20;

/// What reading a chunked dataset decodes: every allocated chunk at its full size (its chunk
/// shape × the element size, which is what each chunk inflates to, edge chunks included). Chunks
/// no larger than the dataset in any dimension cover it in less than twice its extent in each
/// dimension, so `2^rank ×` its size, plus [`CHUNK_SLACK`], bounds a legitimate dataset; a
/// `(3,)` bias whose one chunk claims a gigabyte is refused before anything is inflated.
fn chunked_size(
    dataset: &hdf5_pure::Dataset,
    path: &str,
    shape: &[usize],
    width: usize,
    len: usize,
) -> Result<usize, Error> {
    let at = |e: hdf5_pure::Error| Error::weights(format!("`{path}`: {e}")).because(e);
    let chunk_shape = dataset.chunk_shape().map_err(at)?.ok_or_else(|| {
        Error::weights(format!(
            "`{path}` is chunked, but its chunk shape does not match its shape {shape:?}"
        ))
    })?;
    let chunk = chunk_shape
        .iter()
        .try_fold(width, |n, &d| n.checked_mul(usize::try_from(d).ok()?));
    let chunks = dataset.chunks().map_err(at)?.len();
    let decoded = chunk.and_then(|c| c.checked_mul(chunks));
    let allowed = len
        .saturating_mul(1 << shape.len().min(16))
        .saturating_add(CHUNK_SLACK);
    match decoded {
        Some(decoded) if decoded <= allowed => Ok(decoded),
        _ => Err(Error::weights(format!(
            "`{path}` has {chunks} chunks of shape {chunk_shape:?}, which decode to more than \
             its shape {shape:?} can need (damaged?)"
        ))),
    }
}

/// A tensor of file number 0 (shards are renumbered by [`Weights::merge`]). `budget` is what may
/// still be read out of non-contiguous storage.
fn tensor(
    dataset: &hdf5_pure::Dataset,
    path: &str,
    file_len: usize,
    budget: &mut usize,
) -> Result<Tensor, Error> {
    let at = |e: hdf5_pure::Error| Error::weights(format!("`{path}`: {e}")).because(e);
    let unsupported = |dataset: &hdf5_pure::Dataset| -> Error {
        let dtype = dataset
            .dtype()
            .map_or_else(|_| String::from("unknown"), |d| d.to_string());
        Error::weights(format!(
            "`{path}` holds {dtype} values; weights must be float32 or float64 (convert the \
             model with `model.set_dtype_policy(\"float32\")` before saving)"
        ))
    };
    let (width, float, byte_order) = match dataset.datatype().map_err(at)? {
        Datatype::FloatingPoint {
            size: size @ (4 | 8),
            byte_order,
            ..
        } if matches!(dataset.dtype(), Ok(DType::F32 | DType::F64)) => (size, true, byte_order),
        Datatype::FixedPoint {
            size: size @ (4 | 8),
            byte_order,
            ..
        } => (size, false, byte_order),
        _ => return Err(unsupported(dataset)),
    };
    let width = width as usize;
    let big_endian = match byte_order {
        DatatypeByteOrder::LittleEndian => false,
        DatatypeByteOrder::BigEndian => true,
        DatatypeByteOrder::Vax => return Err(unsupported(dataset)),
    };
    let dtype = match (float, width) {
        (true, 4) => "float32",
        (true, _) => "float64",
        (false, _) => "int",
    };
    let shape: Vec<usize> = dataset
        .shape()
        .map_err(at)?
        .iter()
        .map(|&d| usize::try_from(d).unwrap_or(usize::MAX))
        .collect();
    let len = shape
        .iter()
        .try_fold(width, |n, &d| n.checked_mul(d))
        .ok_or_else(|| Error::weights(format!("`{path}` has an impossible shape {shape:?}")))?;
    let data = match dataset.layout().map_err(at)? {
        Storage::Contiguous {
            address: Some(address),
            size,
        } => {
            let start = usize::try_from(address).unwrap_or(usize::MAX);
            if size != len as u64 || start.checked_add(len).is_none_or(|end| end > file_len) {
                return Err(Error::weights(format!(
                    "`{path}` claims {size} bytes at offset {address}: its shape {shape:?} needs \
                     {len}, and the file has {file_len}"
                )));
            }
            Data::InFile {
                file: 0,
                start,
                len,
            }
        }
        Storage::Contiguous { address: None, .. } => {
            return Err(Error::weights(format!(
                "`{path}` has no data in the file (it was never written)"
            )));
        }
        Storage::Chunked { .. } if dataset.chunks().map_err(at)?.is_empty() => {
            return Err(Error::weights(format!(
                "`{path}` has no data in the file (it was never written)"
            )));
        }
        layout => {
            if len > *budget {
                return Err(Error::weights(format!(
                    "`{path}` would expand to {len} bytes, more than a file of {file_len} bytes \
                     can hold (damaged?)"
                )));
            }
            // What is inflated, not only what is kept: every chunk at its full size.
            let decoded = match layout {
                Storage::Chunked { .. } => chunked_size(dataset, path, &shape, width, len)?,
                _ => len,
            }
            .max(len);
            if decoded > *budget {
                return Err(Error::weights(format!(
                    "`{path}`'s chunks would decode to {decoded} bytes, more than a file of \
                     {file_len} bytes can hold (damaged?)"
                )));
            }
            *budget -= decoded;
            Data::Stored { file: 0, len }
        }
    };
    Ok(Tensor {
        path: path.to_string(),
        shape,
        dtype,
        encoding: Encoding {
            width,
            float,
            big_endian,
        },
        data,
    })
}

/// A string attribute's strings, whichever of HDF5's string types holds them (Keras 3 writes
/// variable-length strings, tf.keras 2 fixed-length ones).
fn strings(value: Option<&AttrValue>) -> Vec<String> {
    match value {
        Some(
            AttrValue::String(one)
            | AttrValue::StringSized { value: one, .. }
            | AttrValue::AsciiString(one)
            | AttrValue::AsciiStringSized { value: one, .. }
            | AttrValue::VarLenString(one)
            | AttrValue::VarLenAsciiString(one),
        ) => std::vec![one.clone()],
        Some(
            AttrValue::StringArray(many)
            | AttrValue::StringArraySized { values: many, .. }
            | AttrValue::AsciiStringArray(many)
            | AttrValue::AsciiStringArraySized { values: many, .. }
            | AttrValue::VarLenAsciiCharArray(many)
            | AttrValue::VarLenStringArray(many)
            | AttrValue::VarLenAsciiStringArray(many),
        ) => many.clone(),
        _ => Vec::new(),
    }
}

/// A string attribute as one string.
fn string(value: Option<&AttrValue>) -> Option<String> {
    strings(value).into_iter().next()
}

/// A legacy `.h5` file: `model_weights`, its layers in `layer_names` order (possibly split into
/// `layer_names0`, `layer_names1`, ... when long), each layer's tensors in `weight_names` order.
fn legacy(file: &File, group: &Group, budget: &mut usize) -> Result<Weights, Error> {
    let file_len = file.as_bytes().len();
    let attrs = group.attrs().map_err(h5)?;
    let mut names = strings(attrs.get("layer_names"));
    for chunk in 0.. {
        match attrs.get(&format!("layer_names{chunk}")) {
            Some(value) => names.extend(strings(Some(value))),
            None => break,
        }
        if names.len() > MAX_LAYERS {
            break;
        }
    }
    if names.len() > MAX_LAYERS {
        return Err(Error::weights(format!(
            "`model_weights` lists more than the {MAX_LAYERS} layers a model may have"
        )));
    }
    let mut weights = Weights {
        layout: Layout::Legacy,
        ..Weights::default()
    };
    // The layers' groups, found in one walk of `model_weights`.
    let layers: BTreeMap<String, Group> = subgroups(group)?.into_iter().collect();
    for name in names {
        let layer = layers.get(&name).cloned().ok_or_else(|| {
            Error::weights(format!(
                "`model_weights/{name}` is listed but the file has no such group"
            ))
        })?;
        let layer_attrs = layer.attrs().map_err(h5)?;
        let mut weight_names = strings(layer_attrs.get("weight_names"));
        for chunk in 0.. {
            match layer_attrs.get(&format!("weight_names{chunk}")) {
                Some(value) => weight_names.extend(strings(Some(value))),
                None => break,
            }
            if weight_names.len() > MAX_LAYER_TENSORS {
                break;
            }
        }
        if weight_names.len() > MAX_LAYER_TENSORS {
            return Err(Error::weights(format!(
                "`model_weights/{name}` lists more than the {MAX_LAYER_TENSORS} tensors a layer \
                 may have"
            )));
        }
        // The datasets of each group the weight names lead to (tf.keras 2 names them
        // `dense/kernel:0`, in a group of the layer's group), each group walked once.
        let mut found: BTreeMap<String, BTreeMap<String, hdf5_pure::Dataset>> = BTreeMap::new();
        let mut tensors = Vec::with_capacity(weight_names.len());
        for w in &weight_names {
            let path = format!("model_weights/{name}/{w}");
            let (prefix, leaf) = w.rsplit_once('/').unwrap_or(("", w));
            if !found.contains_key(prefix) {
                let holder = if prefix.is_empty() {
                    Some(layer.clone())
                } else {
                    descend(&layer, prefix)?
                };
                let datasets = match holder {
                    Some(holder) => holder.iter_datasets().map_err(h5)?.collect(),
                    None => BTreeMap::new(),
                };
                found.insert(prefix.to_string(), datasets);
            }
            let dataset = found[prefix].get(leaf).ok_or_else(|| {
                Error::weights(format!(
                    "`{path}` is listed in `weight_names` but the file has no such dataset"
                ))
            })?;
            tensors.push(tensor(dataset, &path, file_len, budget)?);
        }
        weights.layers.push((name, tensors));
    }
    let root = file.root().attrs().map_err(h5)?;
    weights.config = string(root.get("model_config"));
    Ok(weights)
}

/// Keras's attribute for a layer held in a field of a layer that holds layers, where it differs
/// from the field's name: a `Bidirectional` keeps its two layers as `forward_layer` and
/// `backward_layer`. A field not listed is its own attribute.
pub const HELD: [(&str, &str); 2] = [("forward", "forward_layer"), ("backward", "backward_layer")];

/// The group below a layer's own whose `vars` hold a tensor, in Keras 3's layout: for a tensor of
/// the layer at `path` (the fields leading to it from the outermost layer, as `nn::Path` gives
/// them), each field's Keras attribute ([`HELD`]), then `cell` when that layer keeps its tensors
/// in a recurrent cell. Empty for a tensor of the layer itself (`layers/dense/vars`); `cell` for
/// an LSTM's (`layers/lstm/cell/vars`); `forward_layer/cell` for a Bidirectional's forward
/// direction. The one rule by which our walk's paths and Keras's groups meet, both ways.
#[must_use]
pub fn tensor_group(path: &[&str], cell: bool) -> String {
    let attribute = |field: &str| {
        HELD.iter()
            .find(|&&(f, _)| f == field)
            .map_or(field.to_string(), |&(_, attribute)| attribute.to_string())
    };
    let mut segments: Vec<String> = path.iter().map(|field| attribute(field)).collect();
    if cell {
        segments.push(String::from("cell"));
    }
    segments.join("/")
}

/// A tensor to write: its group below its layer's ([`tensor_group`]), shape and values.
pub struct TensorOut {
    /// Its group below the layer's (empty for the layer's own `vars`).
    pub group: String,
    /// Its shape, as Keras lays it out.
    pub shape: Vec<usize>,
    /// Its values, row-major.
    pub values: Vec<f32>,
}

/// A layer to write: its group name, its Keras name and its tensors.
pub struct LayerWeights<'a> {
    /// The group (`dense_1`).
    pub group: String,
    /// The layer's name, written as the `name` attribute of its `vars` group.
    pub name: &'a str,
    /// Its tensors, in the order of each group's `vars` (`0`, `1`, ...).
    pub tensors: Vec<TensorOut>,
    /// The name of the cell that holds the tensors, for a recurrent layer (`lstm_cell`): written
    /// as the `name` of each `cell/vars` group.
    pub cell: Option<&'static str>,
}

/// The groups of one layer below its own, as a tree: each with its tensors and the groups in it,
/// in the order they first appear.
#[derive(Default)]
struct Node<'t> {
    name: String,
    tensors: Vec<&'t TensorOut>,
    children: Vec<Node<'t>>,
}

impl<'t> Node<'t> {
    fn insert(&mut self, path: &[&str], tensor: &'t TensorOut) {
        match path.split_first() {
            None => self.tensors.push(tensor),
            Some((first, rest)) => {
                let index = match self.children.iter().position(|c| c.name == *first) {
                    Some(i) => i,
                    None => {
                        self.children.push(Node {
                            name: (*first).to_string(),
                            ..Node::default()
                        });
                        self.children.len() - 1
                    }
                };
                self.children[index].insert(rest, tensor);
            }
        }
    }

    /// Writes the groups in this one (each held layer's or cell's), then its own `vars` named
    /// `name`, as Keras does.
    fn write(&self, group: &mut hdf5_pure::GroupBuilder, name: &str, cell: Option<&str>) {
        for child in &self.children {
            let mut inner = group.create_group(&child.name);
            let name = match (child.name.as_str(), cell) {
                ("cell", Some(cell)) => cell,
                (held, _) => held,
            };
            child.write(&mut inner, name, cell);
            group.add_group(inner.finish());
        }
        let mut vars = group.create_group("vars");
        vars.set_attr("name", AttrValue::String(name.to_string()));
        for (i, tensor) in self.tensors.iter().enumerate() {
            let shape: Vec<u64> = tensor.shape.iter().map(|&d| d as u64).collect();
            vars.create_dataset(&i.to_string())
                .with_f32_data(&tensor.values)
                .with_shape(&shape);
        }
        group.add_group(vars.finish());
    }
}

/// A Keras 3 `.weights.h5` file: `layers/<group>/vars/<i>` for every layer (weightless ones get
/// an empty `vars` group, as Keras writes them), a tensor of a held layer or a cell in the group
/// [`tensor_group`] names, and the model's own empty `vars` group.
pub fn write(model: &str, layers: &[LayerWeights<'_>]) -> Result<Vec<u8>, Error> {
    let mut builder = FileBuilder::new();
    let mut all = builder.create_group("layers");
    for layer in layers {
        let mut tree = Node::default();
        for tensor in &layer.tensors {
            let path: Vec<&str> = tensor.group.split('/').filter(|s| !s.is_empty()).collect();
            tree.insert(&path, tensor);
        }
        let mut group = all.create_group(&layer.group);
        tree.write(&mut group, layer.name, layer.cell);
        all.add_group(group.finish());
    }
    builder.add_group(all.finish());
    let mut vars = builder.create_group("vars");
    vars.set_attr("name", AttrValue::String(model.to_string()));
    builder.add_group(vars.finish());
    builder
        .finish()
        .map_err(|e| Error::weights(format!("the HDF5 file could not be built: {e}")).because(e))
}

/// The shards a sharded save's `.weights.json` lists, in the order they are first named.
pub fn shards(index: &str) -> Result<Vec<String>, Error> {
    // A real index names each weight once (tens of bytes each): bounded as a configuration is.
    super::model::check_size(index, "the shard index")?;
    let json: serde_json::Value = serde_json::from_str(index)
        .map_err(|e| Error::config(format!("the shard index is not JSON: {e}")).because(e))?;
    let map = json["weight_map"].as_object().ok_or_else(|| {
        Error::weights(String::from(
            "the shard index has no `weight_map` (is it a `.weights.json` file?)",
        ))
    })?;
    let mut files: Vec<String> = Vec::new();
    let mut seen = BTreeMap::new();
    for value in map.values() {
        let names: Vec<&str> = match value {
            serde_json::Value::String(one) => std::vec![one.as_str()],
            serde_json::Value::Array(many) => many.iter().filter_map(|v| v.as_str()).collect(),
            _ => Vec::new(),
        };
        for name in names {
            let mut parts = std::path::Path::new(name).components();
            let plain = matches!(
                (parts.next(), parts.next()),
                (Some(std::path::Component::Normal(_)), None)
            );
            if !plain || name.contains(['/', '\\', ':']) {
                return Err(Error::weights(format!(
                    "the shard index names `{name}`, which is not a file beside it"
                )));
            }
            if seen.insert(name.to_string(), ()).is_none() {
                files.push(name.to_string());
            }
        }
    }
    if files.is_empty() {
        return Err(Error::weights(String::from(
            "the shard index lists no shard files",
        )));
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;

    #[test]
    fn a_tensor_s_group_follows_its_path_and_keras_s_attributes() {
        assert_eq!(tensor_group(&[], false), "");
        assert_eq!(tensor_group(&[], true), "cell");
        assert_eq!(tensor_group(&["forward"], true), "forward_layer/cell");
        assert_eq!(tensor_group(&["backward"], true), "backward_layer/cell");
        // A field Keras does not rename is its own attribute, at any depth.
        assert_eq!(
            tensor_group(&["layer", "forward"], false),
            "layer/forward_layer"
        );
    }

    /// What `write` puts where `read` looks: a layer's own tensors, a cell's, and a held
    /// layer's cell's, read back in the order of the reader's groups.
    #[test]
    fn written_groups_are_read_back_in_order() {
        let tensor = |group: String, value: f32| TensorOut {
            group,
            shape: vec![1],
            values: vec![value],
        };
        let layers = [
            LayerWeights {
                group: String::from("dense"),
                name: "dense",
                tensors: vec![tensor(tensor_group(&[], false), 1.0)],
                cell: None,
            },
            LayerWeights {
                group: String::from("bidirectional"),
                name: "bidirectional",
                tensors: vec![
                    tensor(tensor_group(&["forward"], true), 2.0),
                    tensor(tensor_group(&["forward"], true), 3.0),
                    tensor(tensor_group(&["backward"], true), 4.0),
                ],
                cell: Some("lstm_cell"),
            },
        ];
        let bytes = write("model", &layers).unwrap();
        let read = read(bytes).unwrap();
        let values: Vec<(String, Vec<f64>)> = read
            .layers
            .iter()
            .map(|(name, tensors)| {
                let values = tensors
                    .iter()
                    .flat_map(|t| read.values(t).unwrap())
                    .collect();
                (name.clone(), values)
            })
            .collect();
        assert_eq!(
            values,
            [
                (String::from("dense"), vec![1.0]),
                (String::from("bidirectional"), vec![2.0, 3.0, 4.0]),
            ]
        );
    }
}
