//! The `network!` macro of [`nn`](https://docs.rs/nn). Use it through the `nn` crate, which
//! re-exports it with the runtime it expands to.
//!
//! The macro is a pipeline: [`parse`] reads the declaration into [`ast`], [`check`] applies one
//! rule at a time (collecting every mistake), [`expand`] writes the code.

mod ast;
mod check;
mod expand;
mod names;
mod parse;

use proc_macro::TokenStream;

/// Declares one or more networks whose shapes the compiler checks.
///
/// ```ignore
/// network! {
///     /// A small classifier.
///     pub struct Classifier = Dense<32, 64, Relu>, Dropout<0.5>, Dense<64, 10, Softmax>;
/// }
/// ```
///
/// See the `nn` crate's documentation for the full syntax and what the generated struct offers.
#[proc_macro]
pub fn network(input: TokenStream) -> TokenStream {
    let invocation = syn::parse_macro_input!(input as ast::Invocation);
    let mut errors = check::Errors::default();
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
    output.into()
}
