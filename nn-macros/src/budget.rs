//! `#[budget(flash = .., ram = ..)]`: limits on a network's memory, which the build checks.

use syn::punctuated::Punctuated;
use syn::spanned::Spanned;

use crate::errors::Errors;
use crate::ir::{Limit, Network, Part};

/// What the attribute takes, for its errors.
const USAGE: &str = "`#[budget(flash = 48_000, ram = 12_000)]`: `flash`, the bytes of the \
                     parameters, and `ram`, the bytes of stack `predict` takes, each at most \
                     once; `#[budget(int8, ..)]` for the int8 form of an `#[int8]` network";

/// Takes `#[budget(..)]` off `network`, noting its limits.
pub(crate) fn apply(network: &mut Network, errors: &mut Errors) {
    while let Some(index) = network
        .attrs
        .iter()
        .position(|a| a.path().is_ident("budget"))
    {
        let attr = network.attrs.remove(index);
        if !network.budget.is_empty() {
            errors.push(syn::Error::new_spanned(
                &attr,
                "a second `#[budget]`: give every limit in one",
            ));
            continue;
        }
        let pairs =
            match attr.parse_args_with(Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated) {
                Ok(pairs) if !pairs.is_empty() => pairs,
                Ok(_) => {
                    errors.push(syn::Error::new_spanned(&attr, format!("expected {USAGE}")));
                    continue;
                }
                Err(e) => {
                    errors.push(syn::Error::new(e.span(), format!("{e}: expected {USAGE}")));
                    continue;
                }
            };
        // `int8` anywhere in the list: every limit is the int8 form's.
        let int8 = pairs.iter().find_map(|meta| match meta {
            syn::Meta::Path(path) if path.is_ident("int8") => Some(path.clone()),
            _ => None,
        });
        for meta in pairs {
            let pair = match meta {
                syn::Meta::Path(path) if path.is_ident("int8") => continue,
                syn::Meta::NameValue(pair) => pair,
                other => {
                    errors.push(syn::Error::new_spanned(&other, format!("expected {USAGE}")));
                    continue;
                }
            };
            let part = if pair.path.is_ident("flash") {
                Part::Flash
            } else if pair.path.is_ident("ram") {
                Part::Ram
            } else {
                errors.push(syn::Error::new_spanned(
                    &pair.path,
                    format!("no such limit: expected {USAGE}"),
                ));
                continue;
            };
            if network.budget.iter().any(|l| l.part == part) {
                errors.push(syn::Error::new_spanned(
                    &pair.path,
                    format!("`{}` twice: expected {USAGE}", part.key()),
                ));
                continue;
            }
            network.budget.push(Limit {
                part,
                span: pair.span(),
                bytes: pair.value,
                int8: int8.is_some(),
            });
        }
        if let Some(path) = int8
            && !network.int8
        {
            errors.push(syn::Error::new_spanned(
                &path,
                "`int8`: this network has no int8 form; add `#[int8]` to the declaration",
            ));
            network.budget.clear();
        }
    }
}
