//! Bad data (issue 10, "Nothing silent, nothing panics"): CSV files with values that are not
//! finite, a byte-order mark, huge fields, gzip bombs, a width that does not fit the dataset, and
//! scalers kept between runs. Every loader answers with an error that names the line and column,
//! the limit or both numbers, never a panic and never a quiet `Ok`.

use std::path::PathBuf;

use nn::data::{CsvOptions, read_csv, read_csv_with};

/// A fresh directory under the target directory.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("bad-data-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `text` to `name` in `dir` and returns the path.
fn file(dir: &std::path::Path, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

// ---------------------------------------------------------------------------------------------
// Item 1: values that are not finite, a byte-order mark, long fields.

#[test]
fn non_finite_csv_values_are_refused_at_their_line_and_column() {
    let dir = scratch("non-finite");
    for (text, line, column, shown) in [
        ("1,2\n3,NaN\n", 2, 3, "NaN"),
        ("1,2\n1, inf\n", 2, 4, "inf"),
        ("1,2\n3,4\n1e400,5\n", 3, 1, "1e400"),
        ("1 2\n3 -inf\n", 2, 3, "-inf"),
    ] {
        let path = file(&dir, "values.csv", text);
        let error = read_csv(&path, 0).unwrap_err().to_string();
        assert!(
            error.contains(&format!("line {line}, column {column}"))
                && error.contains(&format!("`{shown}`"))
                && error.contains("finite"),
            "{text:?}: {error}"
        );
    }
}

#[test]
fn non_finite_csv_values_load_when_allowed() {
    let dir = scratch("allowed");
    let path = file(&dir, "missing.csv", "a,b\n1,NaN\n3,inf\n");
    let options = CsvOptions {
        skip_lines: 1,
        allow_non_finite: true,
    };
    let csv = read_csv_with(&path, &options).unwrap();
    assert!(csv.rows[0][1].is_nan() && csv.rows[1][1] == f64::INFINITY);
    assert!(read_csv(&path, 1).is_err(), "refused by default");
}

#[test]
fn a_byte_order_mark_is_skipped() {
    let dir = scratch("bom");
    let path = file(&dir, "bom.csv", "\u{feff}1,2\n3,4\n");
    assert_eq!(read_csv(&path, 0).unwrap().rows[0], [1.0, 2.0]);
    // A header line after the mark is skipped as usual.
    let path = file(&dir, "bom-header.csv", "\u{feff}x,y\n3,4\n");
    assert_eq!(read_csv(&path, 1).unwrap().rows[0], [3.0, 4.0]);
}

#[test]
fn a_huge_bad_field_is_quoted_short() {
    let dir = scratch("huge");
    let mut text = String::from("1,");
    text.push_str(&"z".repeat(1_000_000));
    text.push('\n');
    let path = file(&dir, "huge.csv", text);
    let error = read_csv(&path, 0).unwrap_err().to_string();
    assert!(
        error.len() < 300,
        "{} bytes: {}",
        error.len(),
        &error[..300]
    );
    assert!(
        error.contains("line 1, column 3") && error.contains("not a number"),
        "{error}"
    );
    assert!(error.contains("1000000 bytes"), "{error}");
}
