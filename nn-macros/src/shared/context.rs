//! What a kind's rule is given (its layer as declared, what the layers before it produce) and
//! what it returns (its shapes and, for a real layer, its type and how to build it).

use proc_macro2::Span;

use crate::ast::LayerDecl;
use crate::errors::Errors;
use crate::ir::{Assertion, Build, Expr, Path, Setting, Size, Type};
use crate::shared::args::Opt;

/// A layer kind: one line of the table in `kinds`.
pub(crate) struct Kind {
    /// Its name in the DSL (`MaxPool2D`).
    pub(crate) name: &'static str,
    /// Its Keras class (`MaxPooling2D`), whose snake case is the stem of its default field
    /// name (`max_pooling2d`).
    pub(crate) class: &'static str,
    /// The options it accepts, with their defaults.
    pub(crate) options: &'static [Opt],
    /// Whether it becomes a field of the struct (all but `Input`, which only declares the
    /// image).
    pub(crate) field: bool,
    /// Checks one layer of this kind and computes its output shape.
    pub(crate) rule: fn(&mut Ctx<'_>) -> Option<Checked>,
}

/// What a rule sees.
pub(crate) struct Ctx<'a> {
    /// The layer as declared.
    pub(crate) decl: &'a LayerDecl,
    /// Its kind.
    pub(crate) kind: &'a Kind,
    /// The layer as written, for messages.
    pub(crate) text: &'a str,
    /// Its position, counting from 1.
    pub(crate) position: usize,
    /// What the layers before it produce.
    pub(crate) before: Before<'a>,
    pub(crate) errors: &'a mut Errors,
    /// Checks of named constants, for the compiler to make.
    pub(crate) assertions: &'a mut Vec<Assertion>,
}

/// What the layers before a layer produce.
#[derive(Clone, Copy)]
pub(crate) enum Before<'a> {
    /// Nothing: it is the first layer.
    Start,
    /// The output of the layer before it.
    Known(&'a Incoming),
    /// Unknown, because a layer before it was unknown or unusable (and reported): its input is
    /// checked against nothing. The output of the last layer that was built, if any, is what
    /// it is built with, so that the struct stays consistent.
    Unknown(Option<&'a Incoming>),
}

/// The output of a layer, as the next one sees it.
#[derive(Clone)]
pub(crate) struct Incoming {
    /// Its width (values per sample).
    pub(crate) width: Size,
    /// Its shape, when it is an image (height, width, channels).
    pub(crate) image: Option<[usize; 3]>,
    /// Its shape, when it is a sequence (steps, features).
    pub(crate) sequence: Option<[usize; 2]>,
    /// The units of the recurrent layer whose last step it is (a recurrent layer without
    /// `return_sequences`), for the next layer's messages.
    pub(crate) last_step: Option<usize>,
    /// The image it flattens, when it is `Flatten`'s output.
    pub(crate) flattened: Option<[usize; 3]>,
    /// Whether it is the network's declared input (`Input<..>`), not a layer's output.
    pub(crate) declared_input: bool,
    /// The layer that gave it its width, as written and its position: the layer itself, or
    /// for a shape-preserving layer, the one that produced its input.
    pub(crate) origin: (String, usize),
}

/// What a rule found: its layer's shapes and, for a real layer, the layer.
pub(crate) struct Checked {
    /// The width of its input.
    pub(crate) input: Size,
    /// The width of its output.
    pub(crate) output: Size,
    /// Its output's shape when that is an image.
    pub(crate) image: Option<[usize; 3]>,
    /// Its output's shape when that is a sequence (steps, features).
    pub(crate) sequence: Option<[usize; 2]>,
    /// The units of a recurrent layer that returns only its last step.
    pub(crate) last_step: Option<usize>,
    /// The image it flattens (only `Flatten`'s rule sets it, for the next layer's messages).
    pub(crate) flattened: Option<[usize; 3]>,
    /// Whether its output keeps the origin of its input (a shape-preserving layer).
    pub(crate) keeps_origin: bool,
    /// Whether its output shape follows from its input's, and so is unknown when that is.
    pub(crate) follows_input: bool,
    /// The layer, or `None` when the declaration only declares the input (`Input`).
    pub(crate) layer: Option<Def>,
}

/// A real layer: what becomes a field.
pub(crate) struct Def {
    /// Its type.
    pub(crate) ty: Type,
    /// How it is built.
    pub(crate) build: Build,
    /// Whether it passes samples through unchanged at inference.
    pub(crate) identity_at_inference: bool,
    /// Where type errors about it are best reported, if not at its kind (a user's activation).
    pub(crate) span: Option<Span>,
    /// Its settings as Keras's `config.json` names them (`units`, `activation`).
    pub(crate) keras: Vec<Setting>,
    /// Whether it can be fed one step at a time (its runtime type implements `Stream`).
    pub(crate) streams: Streams,
    /// Whether its outputs are an activation of pre-activations it keeps (its runtime type
    /// implements `OutputActivation`): as the network's last layer, its loss may be computed
    /// from them.
    pub(crate) activated: bool,
}

/// How a layer takes part in a network fed one step at a time.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Streams {
    /// It cannot: it needs the whole sequence (a convolution, a pool, `Flatten`, a layer that
    /// reads backwards).
    No,
    /// One step of its input at a time (a sequence's features), or its whole input after the
    /// sequence has ended in a recurrent layer's last step.
    Yes,
    /// One token id a step (`Embedding`).
    Tokens,
}

impl Checked {
    /// A layer whose output shape follows from its input's.
    pub(crate) fn layer(input: Size, output: Size, image: Option<[usize; 3]>, def: Def) -> Self {
        Self {
            input,
            output,
            image,
            sequence: None,
            last_step: None,
            flattened: None,
            keeps_origin: false,
            follows_input: true,
            layer: Some(def),
        }
    }
}

impl Def {
    /// A layer that computes something at inference.
    pub(crate) fn new(ty: Type, build: Build) -> Self {
        Self {
            ty,
            build,
            identity_at_inference: false,
            span: None,
            keras: Vec::new(),
            streams: Streams::No,
            activated: false,
        }
    }

    /// A runtime layer that is a unit struct without parameters (`Flatten`, `GlobalAvgPool2D`):
    /// its type and its value are its name.
    pub(crate) fn unit(name: &'static str) -> Self {
        Self::new(Self::unit_type(name), Self::unit_build(name))
    }

    /// The same layer, fed one step at a time in a stream (see [`Streams::Yes`]).
    pub(crate) fn streams(self) -> Self {
        Self {
            streams: Streams::Yes,
            ..self
        }
    }

    /// The same layer, with an output activation (see [`Def::activated`]).
    pub(crate) fn activated(self) -> Self {
        Self {
            activated: true,
            ..self
        }
    }

    /// These settings (see [`Def::keras`]).
    pub(crate) fn with(mut self, keras: Vec<Setting>) -> Self {
        self.keras = keras;
        self
    }

    fn unit_type(name: &'static str) -> Type {
        Type {
            name,
            args: Vec::new(),
        }
    }

    fn unit_build(name: &'static str) -> Build {
        Build::constant(Expr::Path(Path::core(&[name], Span::call_site())))
    }
}

impl Ctx<'_> {
    /// An error underlining the whole layer.
    pub(crate) fn error(&mut self, message: impl core::fmt::Display) {
        self.errors.push(self.decl.span.error(message));
    }
}
