//! The `network!` macro of [`nn`](https://docs.rs/nn). Use it through the `nn` crate, which
//! re-exports it with the runtime it expands to.
//!
//! The macro is a pipeline: `parse` reads the declaration into the syntax tree of `ast`, `check`
//! applies one rule at a time (collecting every mistake) and builds the checked model, and
//! `expand` writes the code.

mod ast;
mod check;
mod errors;
mod expand;
mod ir;
mod kinds;
mod names;
mod parse;
mod shared;

use proc_macro::TokenStream;

/// Declares one or more networks whose shapes the compiler checks.
///
/// ```
/// use nn::prelude::*;
///
/// const HIDDEN: usize = 64;
///
/// network! {
///     /// A small classifier.
///     pub struct Classifier = Dense<32, HIDDEN, Relu>, Dropout<0.5>, Dense<_, 10, Softmax>;
///
///     /// An autoencoder with named layers and Keras options.
///     pub struct Autoencoder =
///         encoder: Dense<16, 4, Selu, kernel_initializer = LecunNormal>,
///         decoder: Dense<4, 16, Sigmoid, use_bias = false>;
/// }
///
/// let net = Classifier::seeded(0);
/// assert_eq!(Classifier::PARAMS, 32 * 64 + 64 + 64 * 10 + 10);
/// let y = net.predict(&SVector::<f32, 32>::zeros());
/// assert!((y.sum() - 1.0).abs() < 1e-5);
/// assert_eq!(Autoencoder::<f64>::seeded(1).encoder.kernel.shape(), (4, 16));
/// ```
///
/// The grammar:
///
/// ```text
/// network := attribute* visibility "struct" Name "=" layer ("," layer)* ";"
/// layer   := (field ":")? Kind ("<" argument ("," argument)* ">")?
/// ```
///
/// - `Dense<INPUTS, UNITS[, Activation][, option = value]...>` with the options `activation`,
///   `use_bias`, `kernel_initializer`, `bias_initializer` and `trainable`. A size is a literal, a
///   named `usize` constant, or `_` for the previous layer's width.
/// - `Dropout<RATE>`, the rate a literal or named constant in `[0, 1)`.
///
/// The struct is generic over its scalar type (`f32` by default) and offers `seeded`, `new`,
/// `zeros`, `INPUT`, `OUTPUT`, `PARAMS`, `predict`, `predict_batch`, `tape`, `forward_train`,
/// `backward`, `visit_params` and `visit_params_mut`, and implements `nn::Network`. Every
/// mistake in the invocation is reported at once, at the layer it concerns.
#[proc_macro]
pub fn network(input: TokenStream) -> TokenStream {
    let invocation = syn::parse_macro_input!(input as ast::Invocation);
    run(invocation).into()
}

/// The whole pipeline on a parsed invocation: every network's code, then every error.
fn run(invocation: ast::Invocation) -> proc_macro2::TokenStream {
    let mut errors = errors::Errors::default();
    for error in invocation.errors {
        errors.push(error);
    }
    let mut output = proc_macro2::TokenStream::new();
    for decl in invocation.networks {
        let network = check::network(decl, &mut errors);
        output.extend(expand::network(&network));
    }
    if !errors.is_empty() {
        output.extend(errors.into_compile_errors());
    }
    output
}

#[cfg(test)]
mod tests;
