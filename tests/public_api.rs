//! The public API of `nn`, `nn-core` and `nn-keras`, compared with the listings committed in
//! `tests/api/<crate>.txt`, so that the public surface changes only on purpose.
//!
//! The crates' rustdoc JSON is built by one nested `cargo doc` (on the stable toolchain, with
//! `RUSTC_BOOTSTRAP=1`, as the JSON output is still unstable) and read by the `public-api` crate
//! into one line per public item with its signature, sorted (blanket implementations such as
//! `From<T> for T`, and the auto traits but `Send` and `Sync`, are left out). A difference
//! fails the test with the lines added and removed. After a deliberate change, regenerate the listings with
//! `NN_API=overwrite cargo test --test public_api` and read the diff before committing.
//!
//! `public-api` is pinned to the version that reads the JSON format the toolchain's rustdoc
//! writes; a new toolchain with a new format makes this test say which version it found.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The crates whose public API is listed, by package name.
const CRATES: [&str; 3] = ["nn", "nn-core", "nn-keras"];

/// The rustdoc JSON format the pinned `public-api` reads (Rust 1.95's rustdoc writes it).
const FORMAT_VERSION: u64 = 57;

/// Auto-trait implementations left out of the listings: every type has them, and they follow
/// from its fields. `Send` and `Sync` stay, as a type losing either breaks its callers' threads.
const NOISE: [&str; 5] = [
    "core::marker::Freeze for ",
    "core::marker::Unpin for ",
    "core::marker::UnsafeUnpin for ",
    "core::panic::unwind_safe::UnwindSafe for ",
    "core::panic::unwind_safe::RefUnwindSafe for ",
];

#[test]
fn public_api_matches_the_committed_listings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("public_api");
    let overwrite = std::env::var_os("NN_API").is_some_and(|v| v == "overwrite");
    rustdoc_json(root, &target);
    let mut failures = Vec::new();
    for krate in CRATES {
        let listing = listing(&target, krate);
        let path = root.join("tests/api").join(format!("{krate}.txt"));
        let committed = fs::read_to_string(&path).unwrap_or_default();
        if committed == listing {
            continue;
        }
        if overwrite {
            fs::write(&path, &listing).expect("write the listing");
            eprintln!("wrote {}", path.display());
        } else {
            failures.push(format!(
                "the public API of {krate} differs from {}:\n{}",
                path.display(),
                diff(&committed, &listing)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\nIf the change is meant, regenerate the listings with \
         `NN_API=overwrite cargo test --test public_api` and commit them.",
        failures.join("\n")
    );
}

/// The rustdoc JSON of every crate in `CRATES`, in `target/doc/`: one `cargo doc` for the three,
/// so their dependencies are checked once, with one set of features.
fn rustdoc_json(root: &Path, target: &Path) {
    let mut cargo = Command::new(env!("CARGO"));
    cargo
        .current_dir(root)
        .env("RUSTC_BOOTSTRAP", "1")
        .env("RUSTDOCFLAGS", "-Z unstable-options --output-format json")
        .env_remove("CARGO_ENCODED_RUSTDOCFLAGS")
        .args(["doc", "--lib", "--no-deps", "--all-features"])
        // The macro's dependencies are compiled; no debug information makes them smaller.
        .args(["--config", "profile.dev.debug=0"])
        .args(CRATES.iter().flat_map(|krate| ["--package", krate]))
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target);
    common::run_nested(cargo, root);
}

/// `krate`'s public items, one a line with its signature, sorted.
fn listing(target: &Path, krate: &str) -> String {
    let json = target
        .join("doc")
        .join(format!("{}.json", krate.replace('-', "_")));
    let text = fs::read_to_string(&json).expect("read rustdoc's JSON");
    let format =
        serde_json::from_str::<serde_json::Value>(&text).expect("rustdoc's JSON")["format_version"]
            .as_u64();
    assert_eq!(
        format,
        Some(FORMAT_VERSION),
        "rustdoc wrote JSON format {format:?}, and public-api =0.52.1 reads format \
         {FORMAT_VERSION}: pin the public-api version that reads it (CONTRIBUTING.md, \
         \"The public API\")"
    );
    let api = public_api::Builder::from_rustdoc_json(&json)
        .omit_blanket_impls(true)
        .build()
        .unwrap_or_else(|e| panic!("reading {}: {e}", json.display()));
    let mut lines: Vec<String> = api
        .items()
        .map(ToString::to_string)
        .filter(|line| !NOISE.iter().any(|noise| line.contains(noise)))
        .collect();
    lines.sort();
    lines.dedup();
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

/// The lines only in `old` (`-`) and only in `new` (`+`); both are sorted, without repeats.
fn diff(old: &str, new: &str) -> String {
    let old: std::collections::BTreeSet<&str> = old.lines().collect();
    let new: std::collections::BTreeSet<&str> = new.lines().collect();
    let removed = old.difference(&new).map(|l| format!("- {l}"));
    let added = new.difference(&old).map(|l| format!("+ {l}"));
    removed.chain(added).collect::<Vec<_>>().join("\n")
}

/// One naming rule for the runtime's types, Rust's (the API guidelines' C-CASE): UpperCamelCase
/// with an acronym written as one word (`Lstm`, `RmsProp`, `ReduceLrOnPlateau`, `TerminateOnNan`),
/// a one-letter word standing on its own (`PRelu`, `AdamW`) and a dimension suffix as Keras writes
/// it (`Conv2D`). `network!`'s layer names are Keras's (`LSTM<..>`, `PReLU`) and are not types.
/// Read from the committed listings, so it holds for every public type there is.
#[test]
fn public_types_follow_one_naming_rule() {
    if std::env::var_os("NN_API").is_some_and(|v| v == "overwrite") {
        // The listings are being rewritten by the other test; the next run checks them.
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut bad = Vec::new();
    for krate in CRATES {
        let path = root.join("tests/api").join(format!("{krate}.txt"));
        let text = fs::read_to_string(&path).expect("read a listing");
        for line in text.lines() {
            let line = line.trim_start_matches("#[non_exhaustive] ");
            let Some(rest) = [
                "pub struct ",
                "pub enum ",
                "pub trait ",
                "pub type ",
                "pub union ",
            ]
            .iter()
            .find_map(|kind| line.strip_prefix(kind)) else {
                continue;
            };
            // An associated type of an implementation on a reference (`&'a Rows`) names a type
            // listed on its own.
            if !rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
                continue;
            }
            let full = rest.split(['<', ' ', '(']).next().unwrap_or(rest);
            let name = full
                .trim_end_matches(':')
                .rsplit("::")
                .next()
                .unwrap_or(full);
            let upper_run = name
                .split(|c: char| !c.is_ascii_uppercase())
                .map(str::len)
                .max()
                .unwrap_or(0);
            let camel = name.starts_with(|c: char| c.is_ascii_uppercase()) && !name.contains('_');
            if !camel || upper_run > 2 {
                bad.push(format!("{krate}: {name}"));
            }
        }
    }
    bad.sort();
    bad.dedup();
    assert!(
        bad.is_empty(),
        "public types not in UpperCamelCase with acronyms as words (`Lstm`, not `LSTM`): {bad:?}"
    );
}
