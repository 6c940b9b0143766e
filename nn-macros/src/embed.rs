//! What the file attributes share (`#[keras("file", embed)]`, `#[safetensors("file", embed)]`):
//! their arguments, reading the file, the comparison of the file's tensor shapes with the declaration's, and
//! building the weights into the program (the constant `EMBEDDED`, every matrix inline).

use std::path::PathBuf;

use syn::LitStr;

use crate::errors::Errors;
use crate::ir::{Assertion, Embedded, Guard, Layer, Network, Param, Path, Size, TypeArg};

/// An attribute's arguments: the file's path (relative to the crate's manifest), and whether to
/// build its weights into the program.
pub(crate) struct Args {
    pub(crate) path: LitStr,
    pub(crate) embed: bool,
}

/// The bytes of the file an attribute names, read as the runtime reads model files
/// (`nn_keras::files::read`): a regular file of at most
/// [`BUILD_LIMIT`](nn_keras::files::read::BUILD_LIMIT) bytes (1 GiB), so that a path to a device
/// or a FIFO, or a huge file, is an error rather than a compiler that reads without end, waits,
/// or holds gigabytes.
pub(crate) fn read_file(path: &std::path::Path) -> Result<Vec<u8>, String> {
    use nn_keras::files::read::{BUILD_LIMIT, ReadError};
    nn_keras::files::read::read_file(path, BUILD_LIMIT).map_err(|e| match e {
        ReadError::Io(e) => format!("cannot be read ({e}); looked for at {}", path.display()),
        other => format!("cannot be read: {other} ({})", path.display()),
    })
}

impl Args {
    /// Takes the attribute `#[name(..)]` off `network` and parses it; `None` when there is none
    /// or it is malformed (reported in `errors`).
    pub(crate) fn take(
        network: &mut Network,
        name: &str,
        example: &str,
        errors: &mut Errors,
    ) -> Option<Self> {
        let index = network.attrs.iter().position(|a| a.path().is_ident(name))?;
        let attr = network.attrs.remove(index);
        Self::parse(&attr, example)
            .map_err(|error| errors.push(error))
            .ok()
    }

    /// Parses `("path"[, embed])`; `example` shows the attribute in the message of a mistake.
    fn parse(attr: &syn::Attribute, example: &str) -> syn::Result<Self> {
        attr.parse_args_with(|input: syn::parse::ParseStream<'_>| {
            let path = input.parse::<LitStr>().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    format!(
                        "expected the file's path, relative to the crate's manifest, and \
                         optionally `embed`: `{example}`"
                    ),
                )
            })?;
            let mut embed = false;
            if input.parse::<Option<syn::Token![,]>>()?.is_some() && !input.is_empty() {
                let flag: syn::Ident = input.parse()?;
                if flag != "embed" {
                    return Err(syn::Error::new(
                        flag.span(),
                        format!("unknown option `{flag}`: the one option is `embed`"),
                    ));
                }
                embed = true;
                input.parse::<Option<syn::Token![,]>>()?;
            }
            Ok(Self { path, embed })
        })
    }

    /// The file's full path: the attribute's path under the crate's manifest folder, with the
    /// part of it that exists resolved (symbolic links followed, `..` taken out), so that a
    /// message about a missing file names the folder it was looked for in as the user knows it.
    pub(crate) fn full_path(&self) -> PathBuf {
        let dir = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(PathBuf::new, PathBuf::from);
        resolve(&dir.join(self.path.value()))
    }
}

/// A model file's attribute taken off a declaration (`#[pytorch("..")]`, `#[onnx("..")]`): the
/// file's full path, its name as written, whether to build it in, and the error of a problem with
/// it (at the attribute's path, naming the file). `None` when the attribute is absent, malformed,
/// or asks to build in a second file (each error pushed).
pub(crate) fn take_file(
    network: &mut Network,
    attr: &str,
    example: &str,
    errors: &mut Errors,
) -> Option<(PathBuf, String, bool, impl Fn(String) -> syn::Error + use<>)> {
    let args = Args::take(network, attr, example, errors)?;
    let path = args.full_path();
    let Args { path: lit, embed } = args;
    let name = lit.value();
    let shown = name.clone();
    let fail = move |problem: String| syn::Error::new(lit.span(), format!("`{shown}` {problem}"));
    if embed && network.embedded.is_some() {
        errors.push(fail(String::from(
            "cannot be built in: the weights are built in from one file only, and this \
             declaration embeds another",
        )));
        return None;
    }
    Some((path, name, embed, fail))
}

/// `path` with its longest existing prefix canonicalized and the rest appended unchanged.
fn resolve(path: &std::path::Path) -> PathBuf {
    let mut rest = Vec::new();
    let mut prefix = path;
    loop {
        if let Ok(found) = prefix.canonicalize() {
            return rest.iter().rev().fold(found, |p, part| p.join(part));
        }
        match (prefix.parent(), prefix.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                prefix = parent;
            }
            _ => return path.to_path_buf(),
        }
    }
}

/// Builds the file at `path` into the program: `offsets` gives, for each layer, where each of
/// its tensors starts in the file's bytes. Every matrix becomes inline, so that the network is
/// a constant.
pub(crate) fn apply(network: &mut Network, path: String, offsets: Vec<Vec<usize>>) {
    for layer in &mut network.layers {
        inline(layer);
    }
    network.embedded = Some(Embedded {
        path,
        offsets,
        bytes: None,
    });
}

/// Builds converted weights into the program: `values` holds each layer's tensors, in the
/// order the declaration lists them, written as the bytes of little-endian `f32`s.
pub(crate) fn build_in(network: &mut Network, path: String, values: Vec<Vec<Vec<f32>>>) {
    let mut built = Vec::new();
    let offsets = values
        .iter()
        .map(|layer| {
            layer
                .iter()
                .map(|tensor| {
                    let start = built.len();
                    for &v in tensor {
                        built.extend_from_slice(&v.to_le_bytes());
                    }
                    start
                })
                .collect()
        })
        .collect();
    apply(network, path, offsets);
    if let Some(embedded) = &mut network.embedded {
        embedded.bytes = Some(built);
    }
}

/// Reports the problems a run-time reading of the file `name` found, each at the layer it
/// concerns (the first at index `i` for which `concerns(i, problem)`), the others at the
/// network's name.
pub(crate) fn at_layers(
    network: &Network,
    name: &str,
    problems: Vec<String>,
    errors: &mut Errors,
    concerns: impl Fn(usize, &str) -> bool,
) {
    let mut by_layer: std::collections::BTreeMap<usize, Vec<String>> =
        std::collections::BTreeMap::new();
    for problem in problems {
        let index = (0..network.layers.len()).find(|&i| concerns(i, &problem));
        by_layer
            .entry(index.unwrap_or(usize::MAX))
            .or_default()
            .push(problem);
    }
    for (index, problems) in by_layer {
        let span = network
            .layers
            .get(index)
            .map_or(network.ident.span(), |l| l.span);
        for problem in problems {
            errors.push(syn::Error::new(span, format!("`{name}`: {problem}")));
        }
    }
}

/// A layer's field name as Keras and the runtime's readings name it (without `r#`).
pub(crate) fn field_name(layer: &Layer) -> String {
    let name = layer.field.to_string();
    name.strip_prefix("r#").unwrap_or(&name).to_string()
}

/// Makes every matrix of `layer` (and of the layers a block holds) inline.
fn inline(layer: &mut crate::ir::Layer) {
    for arg in &mut layer.ty.args {
        if let TypeArg::Storage { .. } = arg {
            let span = proc_macro2::Span::call_site();
            *arg = TypeArg::Type(Path::core(&["Inline"], span));
        }
    }
    if let Some(block) = &mut layer.block {
        for branch in &mut block.branches {
            branch.layers.iter_mut().for_each(inline);
        }
    }
}

/// Compares one tensor of a file (`found`, of shape `shape`) with the declared `param` of
/// `layer` (at `index`, counting from 0): a difference in a size the macro knows is an error
/// naming the tensor and both shapes (and `true`: the layer's other tensors would repeat it); a
/// named constant's size becomes an assertion for the compiler, named after the layer and the
/// tensor, once per constant and value (the next tensors that use it would repeat it).
pub(crate) fn compare_shape(
    network: &mut Network,
    index: usize,
    param: &Param,
    found: &str,
    shape: &[usize],
    file: &str,
    errors: &mut Errors,
) -> bool {
    let layer: &Layer = &network.layers[index];
    let at = format!(
        "layer {} `{}`: tensor `{}` (`{found}` in `{file}`)",
        index + 1,
        layer.field,
        param.name
    );
    let declared = show(&param.shape);
    let differs = param.shape.len() != shape.len()
        || param
            .shape
            .iter()
            .zip(shape)
            .any(|(size, &n)| size.value().is_some_and(|v| v != n));
    if differs {
        errors.push(syn::Error::new(
            layer.span,
            format!(
                "{at} has shape {}, but `{}` declares {declared}",
                show_known(shape),
                layer.text
            ),
        ));
        return true;
    }
    let span = layer.span;
    let text = layer.text.clone();
    for (size, &n) in param.shape.iter().zip(shape) {
        let asserted = network.assertions.iter().any(|a| {
            matches!(a, Assertion::Equal { expected, produced: Size::Known(m), .. }
                if expected.text() == size.text() && *m == n)
        });
        if let (Size::Named { text: name, .. }, false) = (size, asserted) {
            network.assertions.push(Assertion::Equal {
                expected: size.clone(),
                produced: Size::Known(n),
                message: [
                    format!("{at}: `{text}` declares {declared} with {name} = "),
                    String::from(", but the file's has "),
                    format!(" there (shape {})", show_known(shape)),
                ],
                span,
                guard: Vec::new(),
                name: Some((index, format!("{}_shape", param.name))),
            });
        }
    }
    false
}

/// Compares each layer's tensors in a file, in order, with the declared ones (`file[k]` holds
/// layer `k`'s tensors: where each is in the file, and its shape).
/// A named size's check of layer `k` is made only when `guards[k]` holds (none without one).
pub(crate) fn check_shapes(
    network: &mut Network,
    file: &[Vec<(String, Vec<usize>)>],
    guards: &[Guard],
    name: &str,
    errors: &mut Errors,
) {
    for (index, found) in file.iter().enumerate().take(network.layers.len()) {
        let declared = network.layers[index].build.tensors.clone();
        if declared.len() != found.len() {
            // The number of weights is compared by `params` already.
            continue;
        }
        let made = network.assertions.len();
        for (param, (path, shape)) in declared.iter().zip(found) {
            if compare_shape(network, index, param, path, shape, name, errors) {
                break;
            }
        }
        for assertion in &mut network.assertions[made..] {
            if let (Assertion::Equal { guard, .. }, Some(holds)) = (assertion, guards.get(index)) {
                guard.clone_from(holds);
            }
        }
    }
}

/// `(784, 128)`.
pub(crate) fn show(shape: &[Size]) -> String {
    let dims: Vec<String> = shape.iter().map(Size::text).collect();
    tuple(&dims)
}

/// `(784, 128)`, from numbers.
pub(crate) fn show_known(shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(ToString::to_string).collect();
    tuple(&dims)
}

fn tuple(dims: &[String]) -> String {
    if dims.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    }
}
