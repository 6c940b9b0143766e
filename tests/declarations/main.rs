//! Declarations that must compile and run: the counterparts of the compile-fail cases in
//! `tests/ui/`, each module a program a user could write (`consts_and_options` under
//! `deny(missing_docs)`: every item `network!` generates for a public declaration is documented).

#![allow(
    missing_docs,
    reason = "programs, not a library; one module denies it on purpose"
)]

pub mod card;
pub mod consts_and_options;
pub mod image;
pub mod sequence;
pub mod short_names;
