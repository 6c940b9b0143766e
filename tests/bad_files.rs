//! Bad and hostile files (issue 10, "Nothing silent, nothing panics"): every loader answers a
//! malformed, crafted or mismatched file with an error that names what is wrong, never a panic
//! and never a quiet `Ok`; saves from several threads at once all succeed and leave no debris.

use std::path::{Path, PathBuf};

use nn::data::{read_csv, read_idx};
use nn::io::{load_weights, save_weights};
use nn::prelude::*;

network! {
    struct Small = Dense<3, 4, Tanh>, Dense<4, 2, Softmax>;
}

/// A fresh directory under the target directory.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("bad-files-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The names in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

// ---------------------------------------------------------------------------------------------
// Item 1: IDX dimensions.

fn idx(dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0, 0, 0x08, dims.len() as u8];
    for d in dims {
        bytes.extend_from_slice(&d.to_be_bytes());
    }
    bytes.extend_from_slice(data);
    bytes
}

#[test]
fn idx_dimensions_whose_product_overflows_are_an_error() {
    let dir = scratch("idx-overflow");
    let path = dir.join("huge.idx");
    std::fs::write(&path, idx(&[65536, 65536, 65536, 65536], &[])).unwrap();
    let error = read_idx(&path).unwrap_err().to_string();
    assert!(error.contains("[65536, 65536, 65536, 65536]"), "{error}");
    assert!(error.contains("too many values"), "{error}");

    // The largest dimensions a header can hold, with a few data bytes.
    std::fs::write(&path, idx(&[u32::MAX; 3], &[1, 2, 3])).unwrap();
    let error = read_idx(&path).unwrap_err().to_string();
    assert!(error.contains("4294967295"), "{error}");
}

#[test]
fn idx_data_must_match_its_dimensions() {
    let dir = scratch("idx-length");
    let path = dir.join("short.idx");
    std::fs::write(&path, idx(&[2, 3], &[0; 5])).unwrap();
    let error = read_idx(&path).unwrap_err().to_string();
    assert!(
        error.contains("5 data bytes; the header [2, 3] says 6"),
        "{error}"
    );
    std::fs::write(&path, idx(&[2, 3], &[0; 7])).unwrap();
    let error = read_idx(&path).unwrap_err().to_string();
    assert!(
        error.contains("7 data bytes; the header [2, 3] says 6"),
        "{error}"
    );
    // A dimension of zero: no values, and no data is right.
    std::fs::write(&path, idx(&[65536, 65536, 65536, 65536, 0], &[])).unwrap();
    assert_eq!(read_idx(&path).unwrap().1, Vec::<u8>::new());
}

// ---------------------------------------------------------------------------------------------
// Item 2: CSV columns.

#[test]
fn a_csv_column_out_of_range_is_an_error_naming_it() {
    let dir = scratch("csv-column");
    let path = dir.join("five.csv");
    std::fs::write(&path, "1,2,3,4,5\n6,7,8,9,10\n").unwrap();
    let csv = read_csv(&path, 0).unwrap();
    assert_eq!(csv.column(4).unwrap(), [5.0, 10.0]);
    let error = csv.column(7).unwrap_err().to_string();
    assert!(
        error.contains("column 7") && error.contains("5 columns"),
        "{error}"
    );
    let error = csv.column(5).unwrap_err().to_string();
    assert!(error.contains("columns 0 to 4"), "{error}");
}

// ---------------------------------------------------------------------------------------------
// Item 3: saves.

#[test]
fn concurrent_saves_to_one_path_all_succeed_and_leave_no_temporary_file() {
    let dir = scratch("concurrent");
    let path = dir.join("shared.safetensors");
    std::thread::scope(|scope| {
        for thread in 0..8_u64 {
            let path = &path;
            scope.spawn(move || {
                let net = Small::seeded(thread);
                for round in 0..25 {
                    if let Err(error) = save_weights(&net, path) {
                        panic!("thread {thread}, round {round}: {error}");
                    }
                }
            });
        }
    });
    let loaded: Small = load_weights(&path).unwrap();
    assert!(
        (0..8).any(|seed| loaded.dense.kernel == Small::seeded(seed).dense.kernel),
        "the file holds one thread's weights, whole"
    );
    assert_eq!(listing(&dir), ["shared.safetensors"]);
}

#[test]
fn a_failed_save_leaves_what_was_there_and_no_temporary_file() {
    let dir = scratch("failed-save");
    // A directory (with a file in it) where the weights should go: the rename fails.
    let path = dir.join("taken.safetensors");
    std::fs::create_dir(&path).unwrap();
    std::fs::write(path.join("keep"), "precious").unwrap();
    let error = save_weights(&Small::seeded(1), &path)
        .unwrap_err()
        .to_string();
    assert!(error.contains("taken.safetensors"), "{error}");
    assert_eq!(std::fs::read(path.join("keep")).unwrap(), b"precious");
    assert_eq!(listing(&dir), ["taken.safetensors"]);

    // A target in a directory that does not exist.
    let error = save_weights(&Small::seeded(1), dir.join("no/such/dir/w.safetensors"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("w.safetensors"), "{error}");
}
