//! The checked network: what `check` hands `expand`. It knows no layer kinds. Each layer is a
//! type of the runtime named by its name with generic arguments, expressions that build it, and
//! the facts `expand` needs to wire it into the struct, so `expand` writes every layer the same
//! way. Nothing here names the runtime's crate: its items are named by their path inside it
//! ([`Path::core`]), and `expand` alone writes the crate's path in front. The user's own tokens
//! (a named constant, an activation type of theirs) are kept as written, with their spans.

use proc_macro2::{Span, TokenStream};
use syn::{Attribute, Ident, Visibility};

/// A checked network. Every shape in it is consistent: where the declaration was wrong, `check`
/// reported the mistake and substituted something consistent, so the expansion adds no errors
/// of its own.
pub(crate) struct Network {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) ident: Ident,
    /// Whether every layer can be fed one step at a time, from a sequence input: the network
    /// then gets `step`.
    pub(crate) streams: bool,
    pub(crate) layers: Vec<Layer>,
    /// The shape of one input sample (`[h, w, c]` or `[n]`).
    pub(crate) input_shape: Vec<Size>,
    /// Checks of named constants that only the compiler can evaluate.
    pub(crate) assertions: Vec<Assertion>,
    /// With `#[keras("file")]`: the file (its absolute path, so that a change rebuilds the
    /// crate) and the checks of the declared settings against the file's, which the compiler
    /// evaluates.
    pub(crate) keras_file: Option<KerasFile>,
    /// With `embed` (`#[keras("file", embed)]`, `#[safetensors("file", embed)]`): the file
    /// whose weights become the constant `EMBEDDED`. Every matrix is then inline.
    pub(crate) embedded: Option<Embedded>,
    /// The files the declaration was checked against (absolute paths): the crate is rebuilt
    /// when one changes.
    pub(crate) files: Vec<String>,
    /// With `#[int8]`: the network has an int8 form, `nn::Int8<Net>`.
    pub(crate) int8: bool,
    /// With `#[tflite("file", embed)]`: the int8 network read from the file during the build.
    pub(crate) tflite: Option<Int8Embedded>,
    /// With `#[budget(..)]`: the limits on its memory.
    pub(crate) budget: Vec<Limit>,
}

/// One limit of `#[budget(..)]`.
pub(crate) struct Limit {
    /// What it limits.
    pub(crate) part: Part,
    /// The bytes allowed: an expression of type `usize`.
    pub(crate) bytes: syn::Expr,
    /// Where it was written: the error when it is exceeded points there.
    pub(crate) span: proc_macro2::Span,
    /// Whether it limits the int8 form (`nn::Int8<Net>`) rather than the `f32` one.
    pub(crate) int8: bool,
}

/// What a [`Limit`] limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    /// The bytes of the parameters (`PARAM_BYTES`), in flash when they are built in.
    Flash,
    /// The bytes of stack `predict` takes (`PREDICT_STACK`).
    Ram,
}

impl Part {
    /// Its key in the attribute.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Part::Flash => "flash",
            Part::Ram => "ram",
        }
    }
}

/// A file whose weights are built into the program.
pub(crate) struct Embedded {
    /// Its absolute path.
    pub(crate) path: String,
    /// For each layer, where its tensors' values are in the file's bytes, as little-endian
    /// `float32`: the byte offset of each, in the layer's order ([`Build::tensors`]).
    pub(crate) offsets: Vec<Vec<usize>>,
    /// The bytes built in, when they are not the file's own (a PyTorch state dict's tensors,
    /// converted to our layout during the build); `None` for the file as it is.
    pub(crate) bytes: Option<Vec<u8>>,
}

/// An int8 network read from a TensorFlow Lite file during the build, to be built into the
/// program (`#[tflite("file", embed)]`): each layer's int8 form as the runtime's own reading of
/// the file left it.
pub(crate) struct Int8Embedded {
    /// Each layer's int8 form, with what the file gives it.
    pub(crate) steps: Vec<nn_core::int8::Step>,
    /// The quantization of the input and of the output.
    pub(crate) input: nn_core::int8::Quant,
    pub(crate) output: nn_core::int8::Quant,
}

/// A Keras file the declaration is checked against at build time.
pub(crate) struct KerasFile {
    /// One check per setting that only the compiler can compare (a named constant's, an
    /// activation type's); the macro reports the others itself.
    pub(crate) checks: Vec<KerasCheck>,
    /// One check per layer of the number of weights the file has for it.
    pub(crate) params: Vec<ParamsCheck>,
    /// For a network with blocks, the network the checks are about: its layers flattened as
    /// Keras lists them (each block's first branch's layers, its second's, then its merge
    /// layer), with the assertions made comparing them with the file.
    pub(crate) flat: Option<Box<Network>>,
}

/// Sizes given by named constants that decide shapes, each with the file's value: a check of
/// weights is made only when every one of them is the file's (a difference is reported by the
/// setting's own check, and the weights' difference would only repeat it).
pub(crate) type Guard = Vec<(Size, usize)>;

/// The number of weights a layer has, compared with the file's, failing with `message` at
/// `span`.
#[derive(Clone)]
pub(crate) struct ParamsCheck {
    /// The index of the layer in [`Network::layers`].
    pub(crate) layer: usize,
    pub(crate) count: usize,
    pub(crate) message: String,
    pub(crate) span: Span,
    /// Made only when these settings are the file's.
    pub(crate) guard: Guard,
}

/// A declared setting compared with the file's value by the compiler, failing at `span` with
/// `head` followed by the declared value as the user wrote it (`shown`) and as it evaluates.
#[derive(Clone)]
pub(crate) struct KerasCheck {
    /// The index of the layer in [`Network::layers`].
    pub(crate) layer: usize,
    /// Keras's key, which names the constant the compiler evaluates.
    pub(crate) key: String,
    pub(crate) declared: KerasValue,
    pub(crate) found: KerasValue,
    pub(crate) head: String,
    pub(crate) shown: String,
    pub(crate) span: Span,
}

/// A checked layer: a field of the struct.
#[derive(Clone)]
pub(crate) struct Layer {
    /// Its field name.
    pub(crate) field: Ident,
    /// Its position in the declaration, counting from 1.
    pub(crate) position: usize,
    /// Where type errors about it are reported: its activation if that is a user type, else
    /// its kind.
    pub(crate) span: Span,
    /// The layer as the user wrote it (`Dense<32, 64, Relu>`), for docs.
    pub(crate) text: String,
    /// Its Keras class (`Dense`), for `summary()`.
    pub(crate) class: &'static str,
    /// The width of its input and of its output (the `I` and `O` of `Layer<T, I, O>`).
    pub(crate) input: Size,
    pub(crate) output: Size,
    /// Its input shape as Keras reports it: `[h, w, c]` for an image, `[n]` for a vector.
    pub(crate) input_shape: Vec<Size>,
    /// Its output shape as Keras reports it.
    pub(crate) shape: Vec<Size>,
    /// Its settings as Keras's `config.json` names them.
    pub(crate) keras: Vec<Setting>,
    /// Its type.
    pub(crate) ty: Type,
    /// How to build it.
    pub(crate) build: Build,
    /// Whether it passes samples through unchanged at inference (then `predict` skips it).
    pub(crate) identity_at_inference: bool,
    /// When it can be fed one step at a time, the widths of a step.
    pub(crate) stream: Option<StepWidths>,
    /// Whether its outputs are an activation of pre-activations it keeps (its type implements
    /// `OutputActivation`): as the last layer, its loss may be computed from them.
    pub(crate) activated: bool,
    /// For a block (`Add<[..], [..]>`): its branches, whose layers it holds.
    pub(crate) block: Option<Block>,
}

/// A block: two branches fed the layer's input, joined (the runtime's `Fork`).
#[derive(Clone)]
pub(crate) struct Block {
    /// Its branches, in the join's order.
    pub(crate) branches: [Branch; 2],
}

/// A branch of a block: layers in a row, or none (the input itself, `Shortcut`).
#[derive(Clone)]
pub(crate) struct Branch {
    /// The hidden struct `expand` writes for its layers (`__Net_add_first`); `None` for the
    /// input itself.
    pub(crate) ident: Option<Ident>,
    /// Its layers, each a field of that struct.
    pub(crate) layers: Vec<Layer>,
    /// The widths of its input and output.
    pub(crate) input: Size,
    pub(crate) output: Size,
    /// Whether every layer streams (the struct then implements `Stream`).
    pub(crate) streams: bool,
}

/// The widths of one step in and out of a layer fed one step at a time (`Stream<T, I, O>`).
#[derive(Clone)]
pub(crate) struct StepWidths {
    pub(crate) input: Size,
    pub(crate) output: Size,
    /// Whether a step in is a token id.
    pub(crate) tokens: bool,
}

/// A layer type of the runtime: its name and generic arguments (`Dense<T, 32, 64, Relu, ..>`).
#[derive(Clone)]
pub(crate) struct Type {
    pub(crate) name: &'static str,
    pub(crate) args: Vec<TypeArg>,
}

/// A generic argument of a layer type.
#[derive(Clone)]
pub(crate) enum TypeArg {
    /// The network's scalar type (`T`, or `f32` where a constant needs a concrete type).
    Scalar,
    /// A size.
    Size(Size),
    /// A type such as an activation.
    Type(Path),
    /// The storage of a `rows × cols` weight matrix: inline or heap, picked by its element count.
    Storage { rows: Size, cols: Size },
    /// A flag.
    Bool(bool),
    /// A type the expansion writes next to the network (a block's branch), in the scalar type.
    Local(Ident),
    /// A type of the runtime with arguments of its own (`Concatenate<64>`).
    Nested(Type),
}

/// A size: a number the macro knows, or the user's named constant, which only the compiler can
/// evaluate.
#[derive(Clone)]
pub(crate) enum Size {
    Known(usize),
    Named {
        /// The constant's path, as written.
        path: TokenStream,
        /// As written, for messages.
        text: String,
    },
}

impl Size {
    /// Its value, when the macro knows it.
    pub(crate) fn value(&self) -> Option<usize> {
        match self {
            Size::Known(value) => Some(*value),
            Size::Named { .. } => None,
        }
    }

    /// As the user wrote it (or as the macro computed it).
    pub(crate) fn text(&self) -> String {
        match self {
            Size::Known(value) => value.to_string(),
            Size::Named { text, .. } => text.clone(),
        }
    }
}

/// A path to a type, function or value.
#[derive(Clone)]
pub(crate) struct Path {
    pub(crate) root: Root,
    /// Segments after the root.
    pub(crate) segments: Vec<Ident>,
}

/// Where a [`Path`] starts.
#[derive(Clone)]
pub(crate) enum Root {
    /// The runtime crate.
    Core,
    /// The user's own path, as written.
    User(TokenStream),
}

impl Path {
    /// An item of the runtime, by its path inside it (`["init", "FanMode", "FanIn"]`), each
    /// segment spanned at `span`.
    pub(crate) fn core(segments: &[&str], span: Span) -> Self {
        Self {
            root: Root::Core,
            segments: segments.iter().map(|s| Ident::new(s, span)).collect(),
        }
    }

    /// The user's own path.
    pub(crate) fn user(tokens: TokenStream) -> Self {
        Self {
            root: Root::User(tokens),
            segments: Vec::new(),
        }
    }

    /// This path with one more segment (`Relu` → `Relu::new`).
    pub(crate) fn join(mut self, segment: &str) -> Self {
        self.segments.push(Ident::new(segment, Span::call_site()));
        self
    }
}

/// An expression, in the little language layers are built with.
#[derive(Clone)]
pub(crate) enum Expr {
    /// An `f64` literal.
    Float(f64),
    /// A `usize` literal.
    Usize(usize),
    Bool(bool),
    /// The user's named constant, as an `f64`: `(RATE as f64)`.
    AsF64(TokenStream),
    /// The user's tokens, as written (an argument of the user's own activation).
    User(TokenStream),
    /// A unit value: `Linear`, `Padding::Same`.
    Path(Path),
    /// A call of a function or tuple variant: `Regularizer::L2(0.01)`, `Relu6::new()`.
    Call(Path, Vec<Expr>),
    /// `<path as Default>::default()`.
    Default(Path),
    /// A constructor of the layer's own type: `<Dense<..>>::init(..)`.
    Construct(&'static str, Vec<Expr>),
    Tuple(Vec<Expr>),
    /// `&expr`.
    Ref(Box<Expr>),
    /// The random number generator `new` draws from.
    Rng,
    /// `expr.expect("why it cannot fail")`, for constructors that check what the macro checked.
    Expect(Box<Expr>, &'static str),
    /// `[a, b, ..]`.
    Array(Vec<Expr>),
    /// In [`Build::constant`]: the layer's tensor at this index of [`Build::tensors`], read from
    /// the embedded file.
    Tensor(usize),
    /// In [`Build::constant`]: a tensor of zeros (the bias of a layer without one).
    Zeros,
    /// A block, built from its branches' layers as they are built in `zeros()`, `new(rng)` or
    /// `EMBEDDED`.
    Block(Built),
}

/// Which of a layer's ways of being built ([`Build`]) a block's layers are built by.
#[derive(Clone, Copy)]
pub(crate) enum Built {
    Zeros,
    Init,
    Constant,
}

/// One entry of a layer's Keras configuration (`units`, `activation`), for loading and saving
/// Keras files.
#[derive(Clone)]
pub(crate) struct Setting {
    /// Keras's key; a wrapped layer's settings have its place in front (`layer.units`).
    pub(crate) key: std::borrow::Cow<'static, str>,
    /// The declared value.
    pub(crate) value: KerasValue,
    /// Whether loading compares it with the file's (initializers are only written).
    pub(crate) checked: bool,
}

/// The value of a [`Setting`].
#[derive(Clone)]
pub(crate) enum KerasValue {
    /// A count.
    Size(Size),
    /// A number: a literal or the user's constant ([`Expr::Float`] or [`Expr::AsF64`]).
    Float(Expr),
    Bool(bool),
    Str(&'static str),
    /// A window.
    Sizes(Vec<usize>),
    /// The input's last axis (a normalization's `axis`).
    LastAxis,
    /// The Keras name of an activation type.
    Activation(Path),
    /// A name read from a file.
    Text(String),
    /// A built-in initializer: its type (whose `Initializer::NAME` is Keras's) and its
    /// arguments under Keras's names.
    Initializer {
        ty: Path,
        args: Vec<(&'static str, KerasValue)>,
    },
}

impl KerasValue {
    /// As the user wrote it, for messages.
    pub(crate) fn text(&self) -> String {
        match self {
            KerasValue::Size(size) => size.text(),
            KerasValue::Float(Expr::Float(x)) => x.to_string(),
            KerasValue::Float(Expr::AsF64(tokens)) => tokens.to_string(),
            KerasValue::Float(_) => String::from("a number"),
            KerasValue::Bool(b) => b.to_string(),
            KerasValue::Str(s) => format!("\"{s}\""),
            KerasValue::Text(s) => format!("\"{s}\""),
            KerasValue::LastAxis => String::from("[-1] (the last axis)"),
            KerasValue::Sizes(sizes) => format!(
                "({})",
                sizes
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            KerasValue::Initializer { ty, .. } | KerasValue::Activation(ty) => {
                match ty.segments.last() {
                    Some(last) if matches!(ty.root, Root::Core) => last.to_string(),
                    _ => match &ty.root {
                        Root::User(tokens) => tokens.to_string(),
                        Root::Core => String::from("an activation"),
                    },
                }
            }
        }
    }
}

impl Setting {
    /// `key = value`.
    pub(crate) fn new(key: &'static str, value: KerasValue) -> Self {
        Self {
            key: std::borrow::Cow::Borrowed(key),
            value,
            checked: true,
        }
    }

    /// `key = value`, written to Keras files but not compared when loading.
    pub(crate) fn written(key: &'static str, value: KerasValue) -> Self {
        Self {
            checked: false,
            ..Self::new(key, value)
        }
    }
}

/// How a layer is built.
#[derive(Clone)]
pub(crate) struct Build {
    /// In `zeros()`: a holder for gradients.
    pub(crate) zeros: Expr,
    /// In `new(rng)`: initialized, drawing from the generator.
    pub(crate) init: Expr,
    /// In the constant `EMBEDDED`: a constant expression, with the layer's tensors
    /// ([`Expr::Tensor`]) read from the file built into the program.
    pub(crate) constant: Expr,
    /// Training settings set after any of them (`trainable`, regularizers, constraints), in the
    /// user's order: fields of type `nn::Setting`, stored with `std` and zero-sized without
    /// (nothing that inference reads belongs here).
    pub(crate) fields: Vec<(Ident, Expr)>,
    /// The fields that hold [`fields`](Build::fields), when it is not the layer itself
    /// (`weights`, Dense's weight part: a constant cannot reach them through `Deref`; `forward`
    /// and `backward`, a Bidirectional's two layers, each set the same way).
    pub(crate) fields_in: &'static [&'static str],
    /// Its parameter tensors, in the runtime's order (`Params::params`): their names and their
    /// shapes as Keras lays them out.
    pub(crate) tensors: Vec<Param>,
}

/// A parameter tensor of a layer.
#[derive(Clone)]
pub(crate) struct Param {
    /// Its name within the layer (`kernel`), as the runtime names it (with the path of a
    /// layer held by a block in front: `conv2d_1_kernel`).
    pub(crate) name: std::borrow::Cow<'static, str>,
    /// Its shape, as Keras lays it out (a Dense kernel is `(inputs, units)`).
    pub(crate) shape: Vec<Size>,
}

impl Build {
    /// A layer without parameters, built by the same constant expression everywhere.
    pub(crate) fn constant(value: Expr) -> Self {
        Self {
            zeros: value.clone(),
            init: value.clone(),
            constant: value,
            fields: Vec::new(),
            fields_in: &[],
            tensors: Vec::new(),
        }
    }
}

/// A check of named constants, evaluated by the compiler, failing with `message` at `span`.
#[derive(Clone)]
pub(crate) enum Assertion {
    /// The size is not zero.
    NonZero {
        size: Size,
        message: String,
        span: Span,
    },
    /// Two sizes are equal (checked only when `guard` holds). The message reads `head EXPECTED
    /// middle PRODUCED tail`.
    Equal {
        expected: Size,
        produced: Size,
        message: [String; 3],
        span: Span,
        guard: Guard,
        /// The layer it is about (its index) and what it checks, which name its constant
        /// (`Named_dense_kernel_shape`); `None` for a constant named `_`.
        name: Option<(usize, String)>,
    },
    /// The user's named constant lies in [0, 1).
    Probability {
        value: TokenStream,
        message: String,
        span: Span,
    },
}
