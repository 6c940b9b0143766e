//! The syntax of a `network!` invocation, as parsed: every piece keeps the user's tokens so that
//! errors point at them.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::{Attribute, Ident, LitBool, LitFloat, LitInt, Path, Token, Visibility};

/// A stretch of the user's code from one token to another. Errors built on it with
/// `syn::Error::new_spanned` underline the whole stretch, on stable Rust.
#[derive(Clone, Copy)]
pub(crate) struct SpanRange {
    pub(crate) start: Span,
    pub(crate) end: Span,
}

impl SpanRange {
    pub(crate) fn new(start: Span, end: Span) -> Self {
        Self { start, end }
    }

    pub(crate) fn single(span: Span) -> Self {
        Self {
            start: span,
            end: span,
        }
    }

    /// An error underlining this stretch.
    pub(crate) fn error(self, message: impl core::fmt::Display) -> syn::Error {
        syn::Error::new_spanned(self, message)
    }
}

impl ToTokens for SpanRange {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend([
            proc_macro2::TokenTree::Punct(with_span(
                proc_macro2::Punct::new('<', proc_macro2::Spacing::Alone),
                self.start,
            )),
            proc_macro2::TokenTree::Punct(with_span(
                proc_macro2::Punct::new('>', proc_macro2::Spacing::Alone),
                self.end,
            )),
        ]);
    }
}

fn with_span(mut punct: proc_macro2::Punct, span: Span) -> proc_macro2::Punct {
    punct.set_span(span);
    punct
}

/// A whole invocation: one or more network declarations.
pub(crate) struct Invocation {
    /// The declarations that parsed.
    pub(crate) networks: Vec<NetworkDecl>,
    /// Syntax errors, one per declaration that did not parse.
    pub(crate) errors: Vec<syn::Error>,
}

/// `#[attrs] vis struct Name = layer, layer, ...;`
pub(crate) struct NetworkDecl {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) ident: Ident,
    pub(crate) layers: Vec<LayerDecl>,
}

/// `[field:] Kind[<arg, ...>]`
pub(crate) struct LayerDecl {
    /// The field name the user gave, if any.
    pub(crate) name: Option<Ident>,
    /// The layer kind (`Dense`, `Dropout`).
    pub(crate) kind: Ident,
    /// The arguments between `<` and `>`.
    pub(crate) args: Vec<Arg>,
    /// From the field name (or kind) to the closing `>`.
    pub(crate) span: SpanRange,
}

/// One argument of a layer: positional or `key = value`.
pub(crate) enum Arg {
    Positional(Value),
    Named { key: Ident, value: Value },
}

/// A value: a number, `_`, `true`/`false`, or a path with optional arguments
/// (`Relu`, `HIDDEN`, `LeakyRelu(0.1)`, `Constant(0.5)`).
pub(crate) enum Value {
    Int(LitInt),
    Float {
        minus: Option<Token![-]>,
        lit: LitFloat,
    },
    NegInt {
        minus: Token![-],
        lit: LitInt,
    },
    Bool(LitBool),
    Infer(Token![_]),
    Tuple {
        values: Vec<Value>,
        span: SpanRange,
    },
    Path {
        path: Path,
        args: Option<Vec<Value>>,
        span: SpanRange,
    },
}

impl Value {
    pub(crate) fn span(&self) -> SpanRange {
        match self {
            Value::Int(lit) => SpanRange::single(lit.span()),
            Value::Float {
                minus: Some(m),
                lit,
            } => SpanRange::new(m.span, lit.span()),
            Value::Float { minus: None, lit } => SpanRange::single(lit.span()),
            Value::NegInt { minus, lit } => SpanRange::new(minus.span, lit.span()),
            Value::Bool(lit) => SpanRange::single(lit.span),
            Value::Infer(token) => SpanRange::single(token.span),
            Value::Path { span, .. } | Value::Tuple { span, .. } => *span,
        }
    }
}

impl Arg {
    pub(crate) fn span(&self) -> SpanRange {
        match self {
            Arg::Positional(value) => value.span(),
            Arg::Named { key, value } => SpanRange::new(key.span(), value.span().end),
        }
    }
}

/// A checked network, ready to expand. Every shape in it is consistent: where the user's
/// declaration was wrong, `check` reported the mistake and substituted a consistent value, so
/// the expansion adds no errors of its own.
pub(crate) struct Network {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) ident: Ident,
    pub(crate) layers: Vec<Layer>,
    /// Compile-time assertions about named constants, spanned at the layer they concern.
    pub(crate) assertions: Vec<TokenStream>,
}

/// A checked layer.
pub(crate) struct Layer {
    /// Its field name.
    pub(crate) field: Ident,
    /// Its position in the declaration, counting from 1.
    pub(crate) position: usize,
    /// Where type errors about it are reported: its activation if that is a user type, else
    /// its kind.
    pub(crate) span: Span,
    /// The layer as the user wrote it (`Dense<32, 64, Relu>`), for messages and docs.
    pub(crate) text: String,
    /// The layer that produced its output width, as text and position: itself, or for a
    /// shape-preserving layer such as `Dropout`, the one before it.
    pub(crate) origin: (String, usize),
    /// The shape of its output when that is an image (`[h, w, c]`).
    pub(crate) image: Option<[u64; 3]>,
    /// The width of its input and of its output.
    pub(crate) input: Dim,
    pub(crate) output: Dim,
    pub(crate) kind: LayerKind,
}

/// What a layer is, with its settings as tokens ready to expand.
pub(crate) enum LayerKind {
    Dense {
        activation_ty: TokenStream,
        activation: TokenStream,
        use_bias: bool,
        kernel_initializer: TokenStream,
        bias_initializer: TokenStream,
        /// Fields set after construction: `trainable`, regularizers, constraints.
        settings: Vec<(Ident, TokenStream)>,
    },
    Dropout {
        rate: TokenStream,
    },
    /// `Input<H, W, C>`: declares the image; not a layer (removed after checking).
    Input,
    Conv2D {
        filters: u64,
        window: Window,
        activation_ty: TokenStream,
        activation: TokenStream,
        use_bias: bool,
        kernel_initializer: TokenStream,
        bias_initializer: TokenStream,
        settings: Vec<(Ident, TokenStream)>,
    },
    Pool {
        max: bool,
        window: Window,
    },
    GlobalAvgPool,
    Activation {
        activation_ty: TokenStream,
        activation: TokenStream,
        channels: Dim,
        /// `LeakyReLU` and `ELU` report their own Keras class.
        own_class: bool,
    },
    BatchNorm {
        channels: Dim,
        momentum: TokenStream,
        epsilon: TokenStream,
        trainable: bool,
    },
    Flatten {
        /// The image it flattens.
        from: [u64; 3],
    },
}

/// A window's geometry as the macro computes it (Keras's rules), all numbers known.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Window {
    pub(crate) input: [u64; 3],
    pub(crate) kernel: [u64; 2],
    pub(crate) strides: [u64; 2],
    pub(crate) same: bool,
    pub(crate) output: [u64; 2],
}

/// A width: a number the macro knows, or a named constant only the compiler can evaluate.
#[derive(Clone)]
pub(crate) struct Dim {
    /// The width as a `usize` expression (a literal or `{ CONST }`).
    pub(crate) tokens: TokenStream,
    /// Its value, when it is a literal.
    pub(crate) value: Option<u64>,
    /// As the user wrote it.
    pub(crate) text: String,
}
