//! Puts `memory.x` on the linker's search path, for cortex-m-rt's `link.x` to include. The linker
//! looks in its working directory too, but cargo runs it from the workspace root, which is this
//! folder only while the crate is a workspace of its own.

use std::{env, fs, path::PathBuf};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::copy("memory.x", out.join("memory.x")).expect("copy memory.x into OUT_DIR");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=build.rs");
}
