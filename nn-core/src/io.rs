//! Saving and loading weights (and optimizer state) as safetensors.
//!
//! Each parameter is stored under `<field>.<parameter>` (`dense.kernel`, `dense.bias`), in
//! Keras's layout (a Dense kernel is `(inputs, units)`, row-major), so weights move between this
//! crate and Python (`safetensors.numpy.load_file`, then `layer.set_weights`). A checkpoint adds
//! the optimizer's step count (`optimizer.iterations`), learning rate and named slots
//! (`optimizer.momentum.dense.kernel`, `optimizer.velocity.dense.kernel`, ...).
//!
//! Loading checks every name, shape and dtype and names the tensor that is wrong; a truncated
//! file or one that is not safetensors is an error, and so is a NaN or an infinity among the
//! weights or the optimizer's slots (unless asked for, with
//! [`load_weights_allowing_non_finite`]). Saving writes a temporary file beside the
//! target (a name of its own for every save, so saves from several threads or processes to one
//! path do not collide), syncs it to disk, renames it into place and syncs the directory (on
//! Unix). So a crash at any moment leaves the old file or the new one, and a failed save leaves
//! the previous file as it was and removes its temporary file.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use safetensors::SafeTensors;
use safetensors::tensor::{Dtype, TensorView};

use crate::optimizers::Slot;
use crate::{Error, Float, Network, OptimizerState};

/// A tensor about to be written: its name, Keras shape and little-endian bytes.
struct Entry {
    name: String,
    shape: Vec<usize>,
    dtype: Dtype,
    bytes: Vec<u8>,
}

fn dtype_of<T: Float>() -> Dtype {
    if T::DTYPE == "float32" {
        Dtype::F32
    } else {
        Dtype::F64
    }
}

fn to_bytes<T: Float>(values: &[T]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(core::mem::size_of_val(values));
    for &v in values {
        if T::DTYPE == "float32" {
            bytes.extend_from_slice(&(v.as_f64() as f32).to_le_bytes());
        } else {
            bytes.extend_from_slice(&v.as_f64().to_le_bytes());
        }
    }
    bytes
}

fn from_bytes<T: Float>(bytes: &[u8], out: &mut [T]) {
    if T::DTYPE == "float32" {
        for (o, b) in out.iter_mut().zip(bytes.chunks_exact(4)) {
            *o = T::of(f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])));
        }
    } else {
        for (o, b) in out.iter_mut().zip(bytes.chunks_exact(8)) {
            *o = T::of(f64::from_le_bytes([
                b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
            ]));
        }
    }
}

/// The parameters of `net` as entries named `<prefix><field>.<parameter>`.
fn entries<T: Float, N: Network<T>>(net: &N, prefix: &str) -> Vec<Entry> {
    net.params()
        .map(|(layer, p)| Entry {
            name: format!("{prefix}{layer}.{}", p.key()),
            shape: p.shape.to_vec(),
            dtype: dtype_of::<T>(),
            bytes: to_bytes(p.values),
        })
        .collect()
}

/// Writes `entries` to `path` through a temporary file and a rename.
fn write(path: &Path, entries: &[Entry], metadata: HashMap<String, String>) -> Result<(), Error> {
    let views = entries
        .iter()
        .map(|e| {
            TensorView::new(e.dtype, e.shape.clone(), &e.bytes)
                .map(|view| (e.name.clone(), view))
                .map_err(|err| Error::format(path, format!("tensor `{}`: {err}", e.name)))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let bytes = safetensors::serialize(views, Some(metadata))
        .map_err(|e| Error::format(path, e.to_string()))?;
    write_atomically(path, &bytes)
}

/// Writes `bytes` to `path` atomically: into a temporary file beside it (see
/// [`create_temporary`]), synced, renamed over `path`, the directory synced after. A failed save
/// leaves what was at `path` and removes its temporary file.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let (temporary, mut file) = create_temporary(path)?;
    let result = (|| {
        file.write_all(bytes)?;
        // The data reaches the disk before the name does: after a crash the target holds the
        // old file or the new one, never a part of the new one.
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temporary, path)?;
        sync_directory(path)
    })();
    result.map_err(|e| {
        // After a failed rename the temporary file is still there; after a successful one
        // (the directory's sync failed) it is gone and this does nothing.
        let _ = std::fs::remove_file(&temporary);
        Error::io(path, e)
    })
}

/// Creates a temporary file beside `path` (so that the rename stays on one file system) under a
/// name no other save uses: `dir/.name.tmp-<pid>-<n>` (`name` cut to 100 bytes), with `n` counted
/// across the process, and
/// made with `create_new`, so a file left there by a crash is never reused.
fn create_temporary(path: &Path) -> Result<(PathBuf, std::fs::File), Error> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    // At most 100 bytes of the target's name, so that a target whose name is near the file
    // system's limit (255 bytes) can still be saved.
    let mut name = path
        .file_name()
        .map_or_else(|| "weights".into(), |n| n.to_string_lossy().into_owned());
    while name.len() > 100 {
        name.pop();
    }
    let mut attempts = 0;
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let temporary = path.with_file_name(format!(".{name}.tmp-{}-{n}", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)
        {
            Ok(file) => return Ok((temporary, file)),
            // Left by a crashed process that had the same id: take the next number.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempts < 100 => {
                attempts += 1;
            }
            Err(e) => return Err(Error::io(path, e)),
        }
    }
}

/// Makes a rename in `path`'s directory durable (on Unix, where a directory can be synced).
fn sync_directory(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// Reads a model file (weights, a checkpoint, a Keras file) whole: a regular file (after
/// symbolic links) of at most [`RUNTIME_LIMIT`](nn_keras::files::read::RUNTIME_LIMIT) bytes
/// (4 GiB). A device, a FIFO or a directory is an [`Error::Format`] that says so (it would be
/// read without end, or wait for a writer), and so is a larger file, refused before it is read.
pub(crate) fn read_model_file(path: &Path) -> Result<Vec<u8>, Error> {
    use nn_keras::files::read::{RUNTIME_LIMIT, ReadError, read_file};
    read_file(path, RUNTIME_LIMIT).map_err(|e| match e {
        ReadError::Io(e) => Error::io(path, e),
        other => Error::format_because(path, other.to_string(), other),
    })
}

/// Which values a load accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Values {
    /// Finite values only: NaN or an infinity is an error naming the tensor and the index.
    Finite,
    /// Any value, NaN and infinities included.
    Any,
}

/// The index in a tensor of `shape` (row-major) of its `k`-th value.
fn unravel(mut k: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    for (i, &d) in index.iter_mut().zip(shape).rev() {
        if d > 0 {
            *i = k % d;
            k /= d;
        }
    }
    index
}

/// A file's tensors, read and parsed.
struct Loaded {
    path: PathBuf,
    bytes: Vec<u8>,
}

impl Loaded {
    fn read(path: &Path) -> Result<Self, Error> {
        let bytes = read_model_file(path)?;
        SafeTensors::deserialize(&bytes).map_err(|e| {
            Error::format_because(path, format!("not a valid safetensors file ({e})"), e)
        })?;
        Ok(Self {
            path: path.to_path_buf(),
            bytes,
        })
    }

    /// The value of `key` in the file's metadata (`__metadata__`), if it has one.
    fn metadata(&self, key: &str) -> Option<String> {
        let (_, metadata) = SafeTensors::read_metadata(&self.bytes).ok()?;
        metadata.metadata().as_ref()?.get(key).cloned()
    }

    fn tensors(&self) -> SafeTensors<'_> {
        SafeTensors::deserialize(&self.bytes).expect("checked when read")
    }

    /// Copies tensor `name` into `out`, checking its dtype and shape, and that its values are
    /// finite when `values` says so.
    fn fill<T: Float>(
        &self,
        name: &str,
        shape: &[usize],
        out: &mut [T],
        values: Values,
    ) -> Result<(), Error> {
        let tensors = self.tensors();
        let view = tensors.tensor(name).map_err(|_| {
            Error::format(
                &self.path,
                format!("no tensor `{name}`; expected one of shape {shape:?}"),
            )
        })?;
        if view.dtype() != dtype_of::<T>() {
            return Err(Error::format(
                &self.path,
                format!(
                    "tensor `{name}` is {:?}; expected {:?} for a {} network",
                    view.dtype(),
                    dtype_of::<T>(),
                    T::DTYPE
                ),
            ));
        }
        if view.shape() != shape {
            return Err(Error::format(
                &self.path,
                format!(
                    "tensor `{name}` has shape {:?}; expected {shape:?}",
                    view.shape()
                ),
            ));
        }
        from_bytes(view.data(), out);
        if values == Values::Finite
            && let Some(k) = out.iter().position(|v| !v.as_f64().is_finite())
        {
            return Err(Error::format(
                &self.path,
                format!(
                    "tensor `{name}` holds {} at index {:?}; expected finite values (only \
                     `io::load_weights_allowing_non_finite` accepts NaN and infinities)",
                    out[k].as_f64(),
                    unravel(k, shape)
                ),
            ));
        }
        Ok(())
    }

    /// Every tensor name outside `known` is an error (a file for another network).
    fn no_others(&self, known: &[String]) -> Result<(), Error> {
        let tensors = self.tensors();
        let mut extra: Vec<&str> = tensors
            .names()
            .into_iter()
            .filter(|n| !known.iter().any(|k| k == n))
            .collect();
        extra.sort_unstable();
        match extra.first() {
            Some(name) => Err(Error::format(
                &self.path,
                format!("unexpected tensor `{name}`: the network has no such parameter"),
            )),
            None => Ok(()),
        }
    }
}

/// Loads the parameters of `net` from `loaded`, each under `<prefix><field>.<parameter>`.
fn fill_network<T: Float, N: Network<T>>(
    loaded: &Loaded,
    net: &mut N,
    prefix: &str,
    names: &mut Vec<String>,
    values: Values,
) -> Result<(), Error> {
    let mut result = Ok(());
    net.visit_params_mut(|layer, p| {
        if result.is_ok() {
            let name = format!("{prefix}{layer}.{}", p.key());
            result = loaded.fill(&name, p.shape, p.values, values);
            names.push(name);
        }
    });
    result
}

/// Saves the weights of `net` to a safetensors file at `path`.
pub fn save_weights<T: Float, N: Network<T>>(net: &N, path: impl AsRef<Path>) -> Result<(), Error> {
    let metadata = HashMap::from([("format".to_string(), "nn-weights".to_string())]);
    write(path.as_ref(), &entries(net, ""), metadata)
}

/// Loads weights saved by [`save_weights`] (or written to the same names and shapes by other
/// tools) into a network of type `N`.
///
/// Every tensor must be there with the network's shape and dtype, no other tensor may be, and
/// every value must be finite: a NaN or an infinity (a diverged run's weights, a damaged file) is
/// an error naming the tensor and the index of its first such value. To load such weights on
/// purpose (to look at a diverged run), use [`load_weights_allowing_non_finite`].
///
/// ```
/// use nn::prelude::*;
///
/// network! {
///     struct Net = Dense<2, 1>;
/// }
///
/// let path = std::env::temp_dir().join(format!("nn-load-weights-{}.safetensors", std::process::id()));
/// let mut net = Net::seeded(1);
/// nn::io::save_weights(&net, &path)?;
/// let back: Net = nn::io::load_weights(&path)?;
/// assert_eq!(back.dense.kernel, net.dense.kernel);
///
/// net.dense.kernel[1] = f32::NAN;
/// nn::io::save_weights(&net, &path)?;
/// let error = nn::io::load_weights::<f32, Net>(&path).unwrap_err().to_string();
/// assert!(error.contains("tensor `dense.kernel` holds NaN at index [1, 0]"), "{error}");
/// let back: Net = nn::io::load_weights_allowing_non_finite(&path)?;
/// assert!(back.dense.kernel[1].is_nan());
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), nn::Error>(())
/// ```
pub fn load_weights<T: Float, N: Network<T>>(path: impl AsRef<Path>) -> Result<N, Error> {
    load_weights_with(path.as_ref(), Values::Finite)
}

/// Loads weights like [`load_weights`], with every check but one: NaN and infinities are
/// accepted as they are. For looking at the weights of a run that diverged; a network holding
/// them predicts NaN.
pub fn load_weights_allowing_non_finite<T: Float, N: Network<T>>(
    path: impl AsRef<Path>,
) -> Result<N, Error> {
    load_weights_with(path.as_ref(), Values::Any)
}

fn load_weights_with<T: Float, N: Network<T>>(path: &Path, values: Values) -> Result<N, Error> {
    let loaded = Loaded::read(path)?;
    let mut net = N::zeros();
    let mut names = Vec::new();
    fill_network(&loaded, &mut net, "", &mut names, values)?;
    loaded.no_others(&names)?;
    Ok(net)
}

/// Saves weights and optimizer state: each slot's values split by parameter, under
/// `optimizer.<slot>.<field>.<parameter>`, the step count and learning rate as `f64` scalars, and
/// the optimizer's Keras name (`optimizer`, [`Optimizer::NAME`](crate::Optimizer::NAME)) and its
/// settings as written by `Debug` (`optimizer_settings`, for people and tools that read the
/// file) in the metadata.
pub(crate) fn save_checkpoint<T: Float, N: Network<T>>(
    net: &N,
    state: &OptimizerState<T>,
    (optimizer, settings): (&'static str, String),
    learning_rate: f64,
    path: &Path,
) -> Result<(), Error> {
    let mut all = entries(net, "");
    for slot in &state.slots {
        let mut offset = 0;
        for (layer, p) in net.params() {
            let values = &slot.values[offset..offset + p.values.len()];
            offset += p.values.len();
            all.push(Entry {
                name: format!("optimizer.{}.{layer}.{}", slot.name, p.key()),
                shape: p.shape.to_vec(),
                dtype: dtype_of::<T>(),
                bytes: to_bytes(values),
            });
        }
    }
    let scalars = BTreeMap::from([
        ("optimizer.iterations", state.iterations as f64),
        ("optimizer.learning_rate", learning_rate),
    ]);
    for (name, value) in scalars {
        all.push(Entry {
            name: name.into(),
            shape: vec![],
            dtype: Dtype::F64,
            bytes: value.to_le_bytes().to_vec(),
        });
    }
    let metadata = HashMap::from([
        ("format".to_string(), "nn-checkpoint".to_string()),
        ("optimizer".to_string(), optimizer.to_string()),
        ("optimizer_settings".to_string(), settings),
    ]);
    write(path, &all, metadata)
}

/// The largest step count a checkpoint may hold: 2^53, up to which every whole number is an
/// `f64`, the type the count is stored in.
const MAX_ITERATIONS: f64 = 9_007_199_254_740_992.0;

/// Loads weights and optimizer state: `(network, state, learning rate)`.
///
/// The checkpoint must have been written for `optimizer` (its Keras name, in the metadata), its
/// weights and slots must be finite (and the slots that cannot be negative, such as Adam's
/// `velocity`, not negative), its step count a whole number from 0 to 2^53 and its
/// learning rate finite and not negative. The state gets each slot in `slot_names` that the file
/// holds; a slot the file lacks is an error once training has started (its values would be
/// lost), and a slot the file holds beyond them is an error too (a checkpoint of an optimizer
/// with other settings).
pub(crate) fn load_checkpoint<T: Float, N: Network<T>, O: crate::Optimizer>(
    path: &Path,
    rule: &O,
) -> Result<(N, OptimizerState<T>, f64), Error> {
    let (optimizer, slot_names) = (O::NAME, rule.slot_names());
    let loaded = Loaded::read(path)?;
    match loaded.metadata("optimizer") {
        Some(name) if name == optimizer => {}
        Some(name) => {
            return Err(Error::format(
                path,
                format!(
                    "a checkpoint of optimizer {name:?}; this model's optimizer is {optimizer:?} \
                     (its slots and learning rate mean something else)"
                ),
            ));
        }
        None if loaded.metadata("format").as_deref() == Some("nn-weights") => {
            return Err(Error::format(
                path,
                format!(
                    "a weights file (written by `io::save_weights`), not a checkpoint; expected \
                     a checkpoint of optimizer {optimizer:?} (written by `Model::save`)"
                ),
            ));
        }
        None => {
            return Err(Error::format(
                path,
                format!(
                    "the checkpoint does not say which optimizer wrote it (no `optimizer` in its \
                     metadata); expected a checkpoint of optimizer {optimizer:?}"
                ),
            ));
        }
    }
    let mut names = Vec::new();
    let mut net = N::zeros();
    fill_network(&loaded, &mut net, "", &mut names, Values::Finite)?;
    let scalar = |name: &str, names: &mut Vec<String>| -> Result<f64, Error> {
        let mut value = [0.0_f64];
        // Checked below, each with its own range.
        loaded.fill(name, &[], &mut value, Values::Any)?;
        names.push(name.to_string());
        Ok(value[0])
    };
    let iterations = scalar("optimizer.iterations", &mut names)?;
    if !((0.0..=MAX_ITERATIONS).contains(&iterations) && iterations.fract() == 0.0) {
        return Err(Error::format(
            path,
            format!(
                "tensor `optimizer.iterations` is {iterations:?}; expected a whole number of \
                 steps from 0 to 2^53"
            ),
        ));
    }
    // Exact: a whole number no larger than 2^53.
    let iterations = iterations as u64;
    let learning_rate = scalar("optimizer.learning_rate", &mut names)?;
    if !(learning_rate.is_finite() && learning_rate >= 0.0) {
        return Err(Error::format(
            path,
            format!(
                "tensor `optimizer.learning_rate` is {learning_rate:?}; expected a finite \
                 number ≥ 0"
            ),
        ));
    }
    let tensors = loaded.tensors();
    let mut slots = Vec::with_capacity(slot_names.len());
    for &slot in slot_names {
        let prefix = format!("optimizer.{slot}.");
        if iterations == 0 && !tensors.names().iter().any(|n| n.starts_with(&prefix)) {
            // Saved before the first step: the slot is made then.
            continue;
        }
        let mut values = vec![T::zero(); N::PARAMS];
        let mut offset = 0;
        for (layer, p) in net.params() {
            let name = format!("{prefix}{layer}.{}", p.key());
            let len = p.values.len();
            let part = &mut values[offset..offset + len];
            loaded.fill(&name, p.shape, part, Values::Finite)?;
            if rule.slot_is_non_negative(slot)
                && let Some(k) = part.iter().position(|v| v.as_f64() < 0.0)
            {
                return Err(Error::format(
                    path,
                    format!(
                        "tensor `{name}` holds {} at index {:?}; expected values ≥ 0 (the \
                         optimizer's {slot} cannot be negative)",
                        part[k].as_f64(),
                        unravel(k, p.shape)
                    ),
                ));
            }
            offset += len;
            names.push(name);
        }
        slots.push(Slot { name: slot, values });
    }
    loaded.no_others(&names)?;
    let state = OptimizerState { iterations, slots };
    Ok((net, state, learning_rate))
}
