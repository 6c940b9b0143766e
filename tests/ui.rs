//! Compile-time checks: every mistake `network!` catches has a case in `tests/ui/` with the exact
//! error rustc prints. Regenerate the expected output with `TRYBUILD=overwrite cargo test --test
//! ui` and read the diff before committing. The declarations that must compile and run are an
//! ordinary test (`tests/declarations/`), so that trybuild only checks its cases (`cargo check`,
//! no code generation for the cases or for `nn` and its dependencies).
//!
//! trybuild builds each case as a crate of its own in `<target>/tests/trybuild/nn`, which is where
//! a case's `#[keras("...")]` and `#[safetensors("...")]` paths start (the crate's manifest
//! folder). So that a case names a fixture as a user of this repository would
//! (`"tests/fixtures/keras/mlp.keras"`), wherever the target directory is, the folders the cases
//! read are linked into that crate's folder before trybuild runs.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The repository's folders that cases read files from.
const LINKED: [&str; 3] = ["tests", "firmware", "data"];

#[test]
fn ui() {
    link_fixtures();
    // Written past libtest's capture, which would hold it back until the test ends.
    let _ = writeln!(
        std::io::stderr(),
        "tests/ui: {} cases, each checked as a crate of its own (a few minutes in all: first \
         nn and its dependencies, then each case); trybuild reports each as it finishes",
        cases(Path::new("tests/ui"))
    );
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.compile_fail("tests/ui/shape/*.rs");
    t.compile_fail("tests/ui/dropout/*.rs");
    t.compile_fail("tests/ui/names/*.rs");
    t.compile_fail("tests/ui/syntax/*.rs");
    t.compile_fail("tests/ui/args/*.rs");
    t.compile_fail("tests/ui/image/*.rs");
    t.compile_fail("tests/ui/sequence/*.rs");
    t.compile_fail("tests/ui/keras/*.rs");
    t.compile_fail("tests/ui/embed/*.rs");
    t.compile_fail("tests/ui/blocks/*.rs");
    t.compile_fail("tests/ui/int8/*.rs");
    t.compile_fail("tests/ui/budget/*.rs");
}

/// Links [`LINKED`] into trybuild's crate folder (`<target>/tests/trybuild/nn`).
fn link_fixtures() {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target directory holds CARGO_TARGET_TMPDIR");
    let project = target.join("tests/trybuild/nn");
    std::fs::create_dir_all(&project).unwrap();
    let repository = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for folder in LINKED {
        let link = project.join(folder);
        let to = repository.join(folder);
        if std::fs::canonicalize(&link).is_ok_and(|at| at == to.canonicalize().unwrap()) {
            continue;
        }
        // A stale link (the repository moved) or a leftover folder.
        let _ = std::fs::remove_file(&link);
        let _ = std::fs::remove_dir_all(&link);
        symlink(&to, &link)
            .unwrap_or_else(|e| panic!("cannot link {} to {}: {e}", link.display(), to.display()));
    }
}

/// The number of cases (`.rs` files) under `dir`.
fn cases(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .map(|path| match path.extension() {
            _ if path.is_dir() => cases(&path),
            Some(ext) if ext == "rs" => 1,
            _ => 0,
        })
        .sum()
}

#[cfg(unix)]
fn symlink(to: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(to, link)
}

#[cfg(windows)]
fn symlink(to: &Path, link: &Path) -> std::io::Result<()> {
    std::os::windows::fs::symlink_dir(to, link)
}
