//! Helpers the integration tests share (each test file includes this module with `mod common;`).

// Each test file uses some of these helpers, not all.
#![allow(
    dead_code,
    reason = "each test crate uses a different subset of the helpers"
)]

use std::io::Write;
use std::path::PathBuf;
use std::sync::OnceLock;

/// A fresh, empty directory under the target directory, named after the test crate, `name` and
/// the process.
pub(crate) fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "{}-{name}-{}",
        env!("CARGO_CRATE_NAME"),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `bytes` compressed with gzip.
pub(crate) fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// An IDX file of unsigned bytes with dimensions `dims` and values `data`.
pub(crate) fn idx(dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0, 0, 0x08, dims.len() as u8];
    for d in dims {
        bytes.extend_from_slice(&d.to_be_bytes());
    }
    bytes.extend_from_slice(data);
    bytes
}

/// Zip's CRC-32 (the reflected polynomial `0xEDB88320`), a byte at a time.
pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    static TABLE: OnceLock<[u32; 256]> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut table = [0u32; 256];
        for (n, entry) in (0u32..).zip(&mut table) {
            *entry = (0..8).fold(n, |c, _| {
                if c & 1 == 1 {
                    (c >> 1) ^ 0xEDB8_8320
                } else {
                    c >> 1
                }
            });
        }
        table
    });
    !bytes.iter().fold(!0u32, |crc, &byte| {
        table[usize::from(crc as u8 ^ byte)] ^ (crc >> 8)
    })
}

fn u16_at(bytes: &[u8], at: usize) -> usize {
    usize::from(u16::from_le_bytes([bytes[at], bytes[at + 1]]))
}

fn u32_at(bytes: &[u8], at: usize) -> usize {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize
}

/// The members of a zip whose members are stored with their sizes in their local headers (as
/// Keras writes a `.keras` archive), in order, with where each one's data starts.
pub(crate) fn zip_members(zip: &[u8]) -> Vec<(String, usize, Vec<u8>)> {
    let mut members = Vec::new();
    let mut at = 0;
    while zip[at..].starts_with(b"PK\x03\x04") {
        assert_eq!(u16_at(zip, at + 8), 0, "the fixture's members are stored");
        let size = u32_at(zip, at + 18);
        let (name_len, extra_len) = (u16_at(zip, at + 26), u16_at(zip, at + 28));
        let name = String::from_utf8(zip[at + 30..at + 30 + name_len].to_vec()).unwrap();
        let start = at + 30 + name_len + extra_len;
        members.push((name, start, zip[start..start + size].to_vec()));
        at = start + size;
    }
    members
}

/// A zip of `members`, stored (not compressed).
pub(crate) fn stored_zip(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = Vec::new();
    let mut directory = Vec::new();
    for (name, data) in members {
        let offset = zip.len() as u32;
        let (crc, size, name_len) = (crc32(data), data.len() as u32, name.len() as u16);
        // Version 2.0, no flags, stored, 1980-01-01 00:00.
        let common = |out: &mut Vec<u8>| {
            for field in [20u16, 0, 0, 0, 0x21] {
                out.extend_from_slice(&field.to_le_bytes());
            }
            for field in [crc, size, size] {
                out.extend_from_slice(&field.to_le_bytes());
            }
            out.extend_from_slice(&name_len.to_le_bytes());
        };
        zip.extend_from_slice(b"PK\x03\x04");
        common(&mut zip);
        zip.extend_from_slice(&0u16.to_le_bytes()); // no extra field
        zip.extend_from_slice(name.as_bytes());
        zip.extend_from_slice(data);
        directory.extend_from_slice(b"PK\x01\x02");
        directory.extend_from_slice(&20u16.to_le_bytes()); // made by version 2.0
        common(&mut directory);
        // No extra field or comment, disk 0, no attributes.
        directory.extend_from_slice(&[0; 12]);
        directory.extend_from_slice(&offset.to_le_bytes());
        directory.extend_from_slice(name.as_bytes());
    }
    let (start, count) = (zip.len() as u32, members.len() as u16);
    zip.extend_from_slice(&directory);
    zip.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    zip.extend_from_slice(&count.to_le_bytes());
    zip.extend_from_slice(&count.to_le_bytes());
    zip.extend_from_slice(&(directory.len() as u32).to_le_bytes());
    zip.extend_from_slice(&start.to_le_bytes());
    zip.extend_from_slice(&0u16.to_le_bytes());
    zip
}

/// Whether a test that needs outside tools runs: `true` when nothing in `missing` is missing.
/// Otherwise, with `{var}=required` in the environment (as in CI) the test fails, and without it
/// it says on stderr that it is skipped (visible in the output of `cargo test`); both name what
/// is missing and the `setup` script that installs it.
pub(crate) fn tools_ready(test: &str, var: &str, setup: &str, missing: &[String]) -> bool {
    if missing.is_empty() {
        return true;
    }
    let verb = if missing.len() == 1 { "is" } else { "are" };
    let missing = missing.join(", ");
    if std::env::var(var).as_deref() == Ok("required") {
        panic!("{var}=required, but {missing} {verb} missing: install with `bash {setup}`");
    }
    // Written to the process's stderr, not through `eprintln!`, which libtest captures and
    // shows only for a failed test: a skip has to be seen in the output of a passing run.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: the {test} test needs {missing}, which {verb} missing; install with \
         `bash {setup}` ({var}=required turns this skip into a failure)"
    );
    false
}

/// Whether the toolchain that cargo uses in `dir` has the `core` of `target`. Asked of `rustc`
/// run from `dir`, as cargo will (a `rust-toolchain` file there, or `RUSTUP_TOOLCHAIN` set by
/// `cargo +toolchain`, picks the same toolchain).
pub(crate) fn target_installed(dir: &std::path::Path, target: &str) -> bool {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let Ok(out) = std::process::Command::new(rustc)
        .current_dir(dir)
        .args(["--print", "target-libdir", "--target", target])
        .output()
    else {
        return false;
    };
    let libdir = String::from_utf8_lossy(&out.stdout);
    out.status.success()
        && std::fs::read_dir(libdir.trim()).is_ok_and(|mut files| {
            files.any(|file| {
                file.is_ok_and(|file| file.file_name().to_string_lossy().starts_with("libcore-"))
            })
        })
}

/// Builds the package in `dir` (outside the workspace) for `target` in release, with `args`
/// after `cargo build`, the way its README says: from `dir`, because cargo reads
/// `.cargo/config.toml` (a linker script, the target's flags) from the directory it runs in,
/// not from `--manifest-path`; into `dir/target`, never the outer build's target directory
/// (`CARGO_TARGET_DIR`), whose lock the running `cargo test` holds. Panics with cargo's errors
/// if the build fails.
pub(crate) fn build_package(dir: &std::path::Path, target: &str, args: &[&str]) {
    let mut cargo = std::process::Command::new(env!("CARGO"));
    cargo
        .current_dir(dir)
        .args(["build", "--release", "--target", target])
        .args(args)
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(dir.join("target"));
    run_nested(cargo, dir);
}

/// Runs `command` (a nested cargo build of the package in `dir`, or a script that runs one)
/// without the outer build's settings; panics with its errors if it fails.
pub(crate) fn run_nested(mut cargo: std::process::Command, dir: &std::path::Path) {
    // Settings meant for the outer build that would reach this one through the environment:
    // flags for the host (`RUSTFLAGS` would also replace a config's linker arguments, and
    // coverage tools put `-C instrument-coverage` there, which has no runtime on these
    // targets), tools that wrap only the outer workspace's crates (clippy, coverage), another
    // target, and profile overrides that would change the sizes measured. `RUSTC_WRAPPER` (a
    // compiler cache) stays.
    for (key, _) in std::env::vars_os() {
        if let Some(key) = key.to_str()
            && (matches!(
                key,
                "RUSTFLAGS"
                    | "CARGO_ENCODED_RUSTFLAGS"
                    | "CARGO_BUILD_RUSTFLAGS"
                    | "CARGO_BUILD_TARGET"
                    | "RUSTC_WORKSPACE_WRAPPER"
                    | "CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER"
            ) || key.starts_with("CARGO_PROFILE_"))
        {
            cargo.env_remove(key);
        }
    }
    let out = cargo.output().expect("run cargo");
    assert!(
        out.status.success(),
        "building {} failed ({}):\n{}",
        dir.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}
