//! placeholder
use proc_macro::TokenStream;
/// x
#[proc_macro]
pub fn network(input: TokenStream) -> TokenStream { input }
