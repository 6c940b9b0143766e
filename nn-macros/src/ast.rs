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

/// A value: a number, `_`, `true`/`false`, a path with optional arguments
/// (`Relu`, `HIDDEN`, `LeakyRelu(0.1)`, `Constant(0.5)`), or a layer (`LSTM<16>`).
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
    /// A layer given to a wrapper (`Bidirectional<LSTM<16>>`).
    Layer(Box<LayerDecl>),
    /// A branch of a block: layers in a row, or none (the input itself): `[Dense<_, 8>, ..]`.
    Branch {
        layers: Vec<LayerDecl>,
        span: SpanRange,
    },
}

impl Value {
    /// The value as written.
    pub(crate) fn text(&self) -> String {
        match self {
            Value::Int(lit) => lit.to_string(),
            Value::Float { minus, lit } => {
                format!("{}{lit}", if minus.is_some() { "-" } else { "" })
            }
            Value::NegInt { lit, .. } => format!("-{lit}"),
            Value::Bool(lit) => lit.value.to_string(),
            Value::Infer(_) => "_".into(),
            Value::Tuple { values, .. } => {
                let values: Vec<String> = values.iter().map(Value::text).collect();
                format!("({})", values.join(", "))
            }
            Value::Path { path, args, .. } => {
                let path = path.to_token_stream().to_string().replace(' ', "");
                match args {
                    Some(args) => {
                        let args: Vec<String> = args.iter().map(Value::text).collect();
                        format!("{path}({})", args.join(", "))
                    }
                    None => path,
                }
            }
            Value::Layer(decl) => decl.text(),
            Value::Branch { layers, .. } => {
                let layers: Vec<String> = layers.iter().map(LayerDecl::text).collect();
                format!("[{}]", layers.join(", "))
            }
        }
    }

    /// Where the value is.
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
            Value::Path { span, .. } | Value::Tuple { span, .. } | Value::Branch { span, .. } => {
                *span
            }
            Value::Layer(decl) => decl.span,
        }
    }
}

impl Arg {
    /// The argument as written.
    fn text(&self) -> String {
        match self {
            Arg::Positional(value) => value.text(),
            Arg::Named { key, value } => format!("{key} = {}", value.text()),
        }
    }

    /// Where the argument is.
    pub(crate) fn span(&self) -> SpanRange {
        match self {
            Arg::Positional(value) => value.span(),
            Arg::Named { key, value } => SpanRange::new(key.span(), value.span().end),
        }
    }
}

impl LayerDecl {
    /// The layer as written (`Dense<32, 64, Relu>`), for messages and docs.
    pub(crate) fn text(&self) -> String {
        let args: Vec<String> = self.args.iter().map(Arg::text).collect();
        if args.is_empty() {
            self.kind.to_string()
        } else {
            format!("{}<{}>", self.kind, args.join(", "))
        }
    }
}
