//! The mistakes found in an invocation, collected so that the user sees all of them in one
//! build.

use proc_macro2::TokenStream;

/// The errors found so far.
#[derive(Default)]
pub(crate) struct Errors(Vec<syn::Error>);

impl Errors {
    /// Records a mistake.
    pub(crate) fn push(&mut self, error: syn::Error) {
        self.0.push(error);
    }

    /// One `compile_error!` per mistake, each at the tokens it concerns.
    pub(crate) fn into_compile_errors(self) -> TokenStream {
        self.0.into_iter().map(|e| e.to_compile_error()).collect()
    }

    /// How many mistakes have been reported.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether nothing went wrong.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
