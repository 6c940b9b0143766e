//! Helpers the integration tests share (each test file includes this module with `mod common;`).

// Each test file uses some of these helpers, not all.
#![allow(
    dead_code,
    reason = "each test crate uses a different subset of the helpers"
)]

use std::io::Write;
use std::path::{Path, PathBuf};
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
    let members: Vec<ZipMember<'_>> = members
        .iter()
        .map(|&(name, data)| ZipMember {
            name,
            deflated: false,
            data,
            crc: crc32(data),
            size: data.len() as u32,
        })
        .collect();
    zip(&members)
}

/// A member of a zip written by [`zip`]: its name, its data as stored (deflated or not), and the
/// checksum and size its headers claim for what the data holds.
pub(crate) struct ZipMember<'a> {
    pub(crate) name: &'a str,
    pub(crate) deflated: bool,
    pub(crate) data: &'a [u8],
    pub(crate) crc: u32,
    pub(crate) size: u32,
}

/// A zip of `members`, each described as its headers will say.
pub(crate) fn zip(members: &[ZipMember<'_>]) -> Vec<u8> {
    let mut zip = Vec::new();
    let mut directory = Vec::new();
    for member in members {
        let offset = zip.len() as u32;
        let (stored, name_len) = (member.data.len() as u32, member.name.len() as u16);
        let method = if member.deflated { 8 } else { 0 };
        // Version 2.0, no flags, stored or deflated, 1980-01-01 00:00.
        let common = |out: &mut Vec<u8>| {
            for field in [20u16, 0, method, 0, 0x21] {
                out.extend_from_slice(&field.to_le_bytes());
            }
            for field in [member.crc, stored, member.size] {
                out.extend_from_slice(&field.to_le_bytes());
            }
            out.extend_from_slice(&name_len.to_le_bytes());
        };
        zip.extend_from_slice(b"PK\x03\x04");
        common(&mut zip);
        zip.extend_from_slice(&0u16.to_le_bytes()); // no extra field
        zip.extend_from_slice(member.name.as_bytes());
        zip.extend_from_slice(member.data);
        directory.extend_from_slice(b"PK\x01\x02");
        directory.extend_from_slice(&20u16.to_le_bytes()); // made by version 2.0
        common(&mut directory);
        // No extra field or comment, disk 0, no attributes.
        directory.extend_from_slice(&[0; 12]);
        directory.extend_from_slice(&offset.to_le_bytes());
        directory.extend_from_slice(member.name.as_bytes());
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

/// A raw deflate stream that inflates to `prefix` then `len` copies of `byte` (`len` ≥ 4),
/// written by hand: `prefix` in a stored block, then one literal `byte` and matches of 258 bytes
/// at distance 1 in fixed Huffman codes (13 bits each, so the stream is about 1/160 of what it
/// inflates to), then shorter matches for the rest. Made in a fraction of the time compressing
/// `len` bytes would take.
pub(crate) fn repeated_deflate(prefix: &[u8], byte: u8, len: usize) -> Vec<u8> {
    assert!(len >= 4 && prefix.len() <= 0xFFFF);
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        count: u32,
    }
    impl Bits {
        /// `n` bits of `value`, least significant first (deflate's order for fields).
        fn put(&mut self, value: u64, n: u32) {
            self.acc |= value << self.count;
            self.count += n;
            while self.count >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.count -= 8;
            }
        }
        /// A Huffman code of `n` bits, most significant first.
        fn code(&mut self, code: u64, n: u32) {
            let reversed = (0..n).fold(0, |r, i| (r << 1) | ((code >> i) & 1));
            self.put(reversed, n);
        }
        /// A literal byte in fixed Huffman codes.
        fn literal(&mut self, byte: u8) {
            match byte {
                0..=143 => self.code(0x30 + u64::from(byte), 8),
                _ => self.code(0x190 + u64::from(byte) - 144, 9),
            }
        }
        /// A match of `length` (3..=258) bytes at distance 1.
        fn copy(&mut self, length: usize) {
            const BASE: [usize; 29] = [
                3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83,
                99, 115, 131, 163, 195, 227, 258,
            ];
            const EXTRA: [u32; 29] = [
                0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5,
                0,
            ];
            let i = BASE.iter().rposition(|&b| b <= length).unwrap();
            let symbol = 257 + i as u64;
            if symbol < 280 {
                self.code(symbol - 256, 7);
            } else {
                self.code(0xC0 + symbol - 280, 8);
            }
            self.put((length - BASE[i]) as u64, EXTRA[i]);
            self.code(0, 5); // distance 1
        }
    }
    let mut bits = Bits {
        out: Vec::new(),
        acc: 0,
        count: 0,
    };
    if !prefix.is_empty() {
        // A stored block, not the last: its header, then the bytes from a byte boundary.
        bits.put(0, 3);
        let mut out = bits.out;
        if bits.count > 0 {
            out.push(bits.acc as u8);
        }
        let n = prefix.len() as u16;
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&(!n).to_le_bytes());
        out.extend_from_slice(prefix);
        bits = Bits {
            out,
            acc: 0,
            count: 0,
        };
    }
    bits.put(1, 1); // the last block
    bits.put(1, 2); // fixed Huffman codes
    bits.literal(byte);
    let mut left = len - 1;
    while left > 0 {
        // A match leaves no fewer than 3 bytes for the next one.
        let n = match left {
            259..=260 => 256,
            _ => left.min(258),
        };
        if n < 3 {
            (0..n).for_each(|_| bits.literal(byte));
        } else {
            bits.copy(n);
        }
        left -= n;
    }
    bits.code(0, 7); // end of block
    let mut out = bits.out;
    if bits.count > 0 {
        out.push(bits.acc as u8); // to a byte boundary
    }
    out
}

/// A zlib stream that inflates to `len` zero bytes (see [`repeated_deflate`]).
pub(crate) fn zeros_zlib(len: usize) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    out.extend(repeated_deflate(&[], 0, len));
    let adler = (((len % 65521) as u32) << 16) | 1;
    out.extend_from_slice(&adler.to_be_bytes());
    out
}

/// `bytes` with the only occurrence of `from` replaced by `to` (of the same length).
pub(crate) fn patch_once(bytes: &mut [u8], from: &[u8], to: &[u8]) {
    assert_eq!(from.len(), to.len());
    let found: Vec<usize> = bytes
        .windows(from.len())
        .enumerate()
        .filter_map(|(i, w)| (w == from).then_some(i))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "the pattern {from:02x?} is in the file once"
    );
    bytes[found[0]..found[0] + to.len()].copy_from_slice(to);
}

/// A Keras 3 `.weights.h5` file for the fixtures' model (`Dense<32, 64>`, `Dropout`,
/// `Dense<64, 10>`), its weights 0.5, written with hdf5-pure: with `empty` more groups under
/// `layers/` that hold nothing, and with `bomb` set, the first bias (64 values) stored as one
/// deflated chunk whose chunk shape is `(bomb / 4,)`, the chunk's stream inflating to `bomb`
/// zero bytes (a decompression bomb: a few megabytes that inflate to `bomb` bytes, of which the
/// dataset keeps 256).
pub(crate) fn mlp_weights_h5(empty: usize, bomb: Option<usize>) -> Vec<u8> {
    weights_h5(empty, bomb, false)
}

/// [`mlp_weights_h5`] with a bomb of `bomb` bytes whose dataset's shape says so too: the first
/// bias is `(bomb / 4,)`, all of it in its one chunk (a shape no declaration has, which a loader
/// need not inflate to know).
pub(crate) fn honest_bomb_h5(bomb: usize) -> Vec<u8> {
    weights_h5(0, Some(bomb), true)
}

fn weights_h5(empty: usize, bomb: Option<usize>, shape_too: bool) -> Vec<u8> {
    use hdf5_pure::{File, FileBuilder};
    // Chunks of this many values are written with 4-byte dimensions, so a larger one patches
    // in place.
    const CHUNK: u32 = 1 << 16;
    let mut builder = FileBuilder::new();
    let mut layers = builder.create_group("layers");
    let dense = |layers: &mut hdf5_pure::GroupBuilder,
                 name: &str,
                 inputs: u64,
                 units: u64,
                 chunked: bool| {
        let mut group = layers.create_group(name);
        let mut vars = group.create_group("vars");
        vars.create_dataset("0")
            .with_f32_data(&vec![0.5; (inputs * units) as usize])
            .with_shape(&[inputs, units]);
        let bias = vars.create_dataset("1");
        bias.with_f32_data(&vec![0.5; units as usize])
            .with_shape(&[units]);
        if chunked {
            bias.with_chunks(&[u64::from(CHUNK)]).with_deflate(1);
        }
        group.add_group(vars.finish());
        layers.add_group(group.finish());
    };
    dense(&mut layers, "dense", 32, 64, bomb.is_some());
    let mut dropout = layers.create_group("dropout");
    let vars = dropout.create_group("vars");
    dropout.add_group(vars.finish());
    layers.add_group(dropout.finish());
    dense(&mut layers, "dense_1", 64, 10, false);
    for i in 0..empty {
        let group = layers.create_group(&format!("empty_{i}"));
        layers.add_group(group.finish());
    }
    builder.add_group(layers.finish());
    let mut bytes = builder.finish().unwrap();
    let Some(bomb) = bomb else {
        return bytes;
    };
    assert_eq!(bomb % 4, 0);
    let chunk = File::from_bytes(bytes.clone())
        .unwrap()
        .dataset("layers/dense/vars/1")
        .unwrap()
        .chunks()
        .unwrap()
        .remove(0);
    // The chunk shape in the layout message (4-byte dimensions: the chunk's, then the element
    // size's).
    let dims = |n: u32| [n.to_le_bytes(), 4u32.to_le_bytes()].concat();
    patch_once(&mut bytes, &dims(CHUNK), &dims((bomb / 4) as u32));
    if shape_too {
        // The dataspace message (version 2, rank 1, no maximum, simple): its one size.
        let space = |n: u64| [&[2, 1, 0, 1][..], &n.to_le_bytes()].concat();
        patch_once(&mut bytes, &space(64), &space((bomb / 4) as u64));
    }
    // The one chunk's stored size, filter mask and address (a single-chunk index): the new
    // stream goes at the end of the file.
    let stream = zeros_zlib(bomb);
    let index = |size: u64, address: u64| {
        [
            &size.to_le_bytes()[..],
            &0u32.to_le_bytes(),
            &address.to_le_bytes(),
        ]
        .concat()
    };
    let end = bytes.len() as u64;
    patch_once(
        &mut bytes,
        &index(chunk.storage_size, chunk.address),
        &index(stream.len() as u64, end),
    );
    bytes.extend_from_slice(&stream);
    bytes
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

/// A fixture's recorded inputs and the reference's outputs (`inputs` and `outputs` in the JSON
/// file at `path`): one flattened sample per row.
pub(crate) fn recorded_io(path: &Path) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let rows = |key: &str| -> Vec<Vec<f64>> {
        json[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r.as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap())
                    .collect()
            })
            .collect()
    };
    (rows("inputs"), rows("outputs"))
}

/// The digits, standardized on the training set: (training, test).
pub(crate) fn digits() -> (nn::data::Dataset<f32, 64, 1>, nn::data::Dataset<f32, 64, 1>) {
    let csv = nn::data::read_csv(
        concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv.gz"),
        0,
    )
    .unwrap();
    let pixels: Vec<f32> = csv
        .rows
        .iter()
        .flat_map(|r| r[..64].iter().map(|&v| v as f32))
        .collect();
    let labels: Vec<f32> = csv.rows.iter().map(|r| r[64] as f32).collect();
    let data = nn::data::Dataset::<f32, 64, 1>::from_slices(&pixels, &labels).unwrap();
    let (train, test) = data.train_test_split(0.2, 42, true).unwrap();
    let scaler = nn::data::Standardizer::fit(train.x()).unwrap();
    let scale = |set: &nn::data::Dataset<f32, 64, 1>| {
        let mut x = set.x().clone();
        scaler.transform(&mut x);
        nn::data::Dataset::new(x, set.y().clone()).unwrap()
    };
    (scale(&train), scale(&test))
}

/// The int8 inputs and outputs `tools/int8_reference.py` recorded for the `.tflite` fixture
/// `tests/fixtures/<name>.tflite` (`<name>.tensors.bin`, indexed by `.tensors.json`): the one
/// input whose every tensor it kept, then the others.
pub(crate) fn recorded_int8(name: &str) -> Vec<(Vec<i8>, Vec<i8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let read = |ext: &str| {
        let path = dir.join(format!("{name}.{ext}"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let blob = read("tensors.bin");
    let index: serde_json::Value = serde_json::from_slice(&read("tensors.json")).unwrap();
    let slice = |v: &serde_json::Value| -> Vec<i8> {
        let [offset, length]: [usize; 2] = serde_json::from_value(v.clone()).unwrap();
        blob[offset..offset + length]
            .iter()
            .map(|&b| b as i8)
            .collect()
    };
    let tensor = |k: &serde_json::Value| slice(&index["tensors"][k.to_string()]);
    let mut all = vec![(tensor(&index["inputs"][0]), tensor(&index["outputs"][0]))];
    for m in index["more"].as_array().unwrap() {
        all.push((slice(&m["input"]), slice(&m["output"])));
    }
    all
}

/// Two int8 declarations of the same layers: `$name`, read at run time, and `$built_in`, the
/// TensorFlow Lite file at `$path` built in.
#[allow(unused_macros, reason = "the int8 test crates use it")]
macro_rules! read_and_built_in {
    ($(#[$doc:meta])* $name:ident, $built_in:ident, $path:literal = $($layers:tt)*) => {
        ::nn::network! {
            $(#[$doc])*
            #[int8]
            struct $name = $($layers)*;

            /// The same, built in.
            #[int8]
            #[tflite($path, embed)]
            struct $built_in = $($layers)*;
        }
    };
}
#[allow(unused_imports, reason = "the int8 test crates use it")]
pub(crate) use read_and_built_in;

/// A recorded list of numbers (`f32` values written as JSON numbers).
pub(crate) fn floats(v: &serde_json::Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

/// `net`'s output for one sample `x`.
pub(crate) fn predict<N: nn::prelude::Network<f32>>(net: &N, x: &[f32]) -> Vec<f32> {
    use nn::nalgebra::{DimName, Dyn, OMatrix};
    let x = OMatrix::<f32, N::Input, Dyn>::from_column_slice_generic(N::Input::name(), Dyn(1), x);
    net.predict_batch(&x).as_slice().to_vec()
}

/// The JSON file at `path`.
pub(crate) fn json(path: impl AsRef<Path>) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Checks that `net` gives the `outputs` that `recorded` holds for its three `inputs` (each
/// made `net`'s input by `input`), to 1e-5; `name` names the fixture in messages.
pub(crate) fn gives_recorded_outputs<N: nn::prelude::Network<f32>>(
    net: &N,
    recorded: &serde_json::Value,
    input: impl Fn(Vec<f32>) -> Vec<f32>,
    name: &str,
) {
    let inputs = recorded["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 3);
    for (x, want) in inputs.iter().zip(recorded["outputs"].as_array().unwrap()) {
        let y = predict(net, &input(floats(x)));
        let want = floats(want);
        assert_eq!(y.len(), want.len());
        for (got, want) in y.iter().zip(&want) {
            assert!((got - want).abs() <= 1e-5, "{name}: {y:?} against {want:?}");
        }
    }
}

/// The problems of `read`, which must be a mismatch.
pub(crate) fn mismatch_problems<N>(read: Result<N, nn::Error>) -> Vec<String> {
    match read {
        Err(nn::Error::Mismatch { problems, .. }) => problems,
        other => panic!("a mismatch expected, not {:?}", other.err()),
    }
}
