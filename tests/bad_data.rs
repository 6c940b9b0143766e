//! Bad data (issue 10, "Nothing silent, nothing panics"): CSV files with values that are not
//! finite, a byte-order mark, huge fields, gzip bombs, a width that does not fit the dataset, and
//! scalers kept between runs. Every loader answers with an error that names the line and column,
//! the limit or both numbers, never a panic and never a quiet `Ok`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::PathBuf;

use nn::data::{Columns, CsvOptions, read_csv, read_csv_with};

mod common;
use common::scratch;

/// The system allocator, counting the bytes allocated by the thread that asks it to (the tests
/// run side by side on several threads; each measures only its own allocations).
struct Counting;

thread_local! {
    /// Whether this thread counts, the bytes it holds now and the most it held.
    static COUNT: (Cell<bool>, Cell<isize>, Cell<isize>) =
        const { (Cell::new(false), Cell::new(0), Cell::new(0)) };
}

fn count(delta: isize) {
    let _ = COUNT.try_with(|(on, now, peak)| {
        if on.get() {
            now.set(now.get() + delta);
            peak.set(peak.get().max(now.get()));
        }
    });
}

// SAFETY: every call is passed on to the system allocator unchanged; only counts are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        // SAFETY: the caller's contract is passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as isize));
        // SAFETY: the caller's contract is passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Counted as the new block allocated before the old one is freed: a copy holds both.
        count(new_size as isize);
        count(-(layout.size() as isize));
        // SAFETY: the caller's contract is passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` and returns what it returned with the most bytes this thread held meanwhile (beyond
/// what it held before).
fn peak_bytes<R>(f: impl FnOnce() -> R) -> (R, usize) {
    COUNT.with(|(on, now, peak)| {
        now.set(0);
        peak.set(0);
        on.set(true);
    });
    let result = f();
    let peak = COUNT.with(|(on, _, peak)| {
        on.set(false);
        peak.get()
    });
    (result, peak.max(0) as usize)
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
        ..CsvOptions::default()
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

// ---------------------------------------------------------------------------------------------
// Item 2: memory.

#[test]
fn a_narrow_csv_takes_at_most_twice_its_size_in_memory() {
    let dir = scratch("narrow");
    let mut text = String::new();
    let mut state = 12345_u64;
    for i in 0..100_000 {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let (a, b) = ((state >> 40) % 1_000_000, (state >> 20) % 1_000_000);
        text.push_str(&format!("0.{a:06},0.{b:06},{}\n", i % 2));
    }
    let path = file(&dir, "narrow.csv", &text);
    let (csv, peak) = peak_bytes(|| read_csv(&path, 0).unwrap());
    assert_eq!((csv.rows.len(), csv.columns()), (100_000, 3));
    assert_eq!(csv.rows[99_999][2], 1.0);
    let size = text.len();
    assert!(
        peak <= 2 * size,
        "reading a {size}-byte file held {peak} bytes at its peak; expected at most twice the size"
    );
}

// ---------------------------------------------------------------------------------------------
// Item 3: gzip bombs.

/// `bytes` repeated `times` times, gzip-compressed as they are made.
fn gzip_repeated(bytes: &[u8], times: usize) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let block = bytes.repeat(65_536 / bytes.len());
    for _ in 0..times / (65_536 / bytes.len()) {
        encoder.write_all(&block).unwrap();
    }
    encoder.finish().unwrap()
}

#[test]
fn a_gzip_bomb_stops_at_the_inflated_size_limit() {
    let dir = scratch("bomb");
    let limit = 1 << 20;
    let options = CsvOptions {
        max_inflated_bytes: limit,
        ..CsvOptions::default()
    };
    // 32 MiB of valid rows, and 32 MiB of zero bytes on one endless line. What was read up to
    // the limit is held (1 MiB of `0,0\n` is 4 MiB of values), but not the 32 MiB.
    for (name, pattern) in [("rows.csv.gz", &b"0,0\n"[..]), ("zeros.gz", &[0_u8][..])] {
        let path = file(&dir, name, gzip_repeated(pattern, 32 << 20));
        assert!(std::fs::metadata(&path).unwrap().len() < 1 << 20);
        let (result, peak) = peak_bytes(|| read_csv_with(&path, &options));
        let error = result.unwrap_err().to_string();
        assert!(
            error.contains("1048576 bytes") && error.contains("max_inflated_bytes"),
            "{name}: {error}"
        );
        assert!(
            peak < 12 << 20,
            "{name}: held {peak} bytes; expected to stop near the {limit}-byte limit"
        );
    }
    // Under the limit, the same kind of file loads.
    let path = file(&dir, "small.csv.gz", gzip_repeated(b"0,0\n", 65_536));
    assert_eq!(read_csv_with(&path, &options).unwrap().rows.len(), 65_536);
    assert_eq!(CsvOptions::default().max_inflated_bytes, 4 << 30);
}

// ---------------------------------------------------------------------------------------------
// Item 4: a typed dataset straight from a CSV.

#[test]
fn a_csv_becomes_a_dataset_with_its_labels_named() {
    let dir = scratch("dataset");
    let path = file(&dir, "table.csv", "1,2,3,0\n4,5,6,1\n");
    let csv = read_csv(&path, 0).unwrap();

    let last = csv.dataset::<f32, 3, 1>(Columns::Last).unwrap();
    assert_eq!(last.x().as_slice(), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    assert_eq!(last.y().as_slice(), [0.0, 1.0]);
    let first = csv.dataset::<f64, 2, 2>(Columns::First).unwrap();
    assert_eq!(first.x().as_slice(), [3.0, 0.0, 6.0, 1.0]);
    assert_eq!(first.y().as_slice(), [1.0, 2.0, 4.0, 5.0]);
    let picked = csv.dataset::<f64, 2, 2>(Columns::At(vec![3, 1])).unwrap();
    assert_eq!(picked.x().as_slice(), [1.0, 3.0, 4.0, 6.0]);
    assert_eq!(picked.y().as_slice(), [0.0, 2.0, 1.0, 5.0]);

    let error = csv
        .dataset::<f32, 30, 1>(Columns::Last)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("4 columns") && error.contains("31 (30 inputs + 1 target"),
        "{error}"
    );
    for (labels, expected) in [
        (Columns::At(vec![4]), "column 4"),
        (Columns::At(vec![1, 1]), "twice"),
        (Columns::At(vec![0]), "1 label column"),
    ] {
        let error = csv.dataset::<f32, 2, 2>(labels).unwrap_err().to_string();
        assert!(error.contains(expected), "{error}");
    }
}

// ---------------------------------------------------------------------------------------------
// Item 5: scalers that can be kept.

#[test]
fn fitted_scalers_can_be_read_rebuilt_saved_and_loaded() {
    use nn::data::{Dataset, MinMaxScaler, Standardizer};
    use nn::prelude::*;

    let dir = scratch("scalers");
    let data = Dataset::<f64, 2, 1>::from_rows(&[[1.0, 5.0], [3.0, 5.0]], &[[0.0], [1.0]])
        .unwrap()
        .with_sample_weights(vec![1.0, 2.0])
        .unwrap();
    let standardizer = Standardizer::fit(data.x()).unwrap();
    assert_eq!(
        (standardizer.mean(), standardizer.scale()),
        (&[2.0, 5.0], &[1.0, 1.0])
    );
    let rebuilt = Standardizer::new([2.0, 5.0], [1.0, 1.0]).unwrap();
    assert_eq!(rebuilt, standardizer);
    for (mean, scale, expected) in [
        ([f64::NAN, 0.0], [1.0, 1.0], "mean 0 is NaN"),
        ([0.0, 0.0], [1.0, 0.0], "scale 1 is 0"),
        ([0.0, 0.0], [-1.0, 1.0], "scale 0 is -1"),
    ] {
        let error = Standardizer::new(mean, scale).unwrap_err().to_string();
        assert!(
            error.contains(expected) && error.contains("expected"),
            "{error}"
        );
    }

    let path = dir.join("standardizer.safetensors");
    standardizer.save(&path).unwrap();
    assert_eq!(Standardizer::<f64, 2>::load(&path).unwrap(), standardizer);
    assert_eq!(
        Standardizer::<f32, 2>::load(&path).unwrap().mean(),
        &[2.0_f32, 5.0]
    );
    let error = Standardizer::<f64, 3>::load(&path).unwrap_err().to_string();
    assert!(error.contains("[2]") && error.contains("[3]"), "{error}");
    let error = MinMaxScaler::<f64, 2>::load(&path).unwrap_err().to_string();
    assert!(error.contains("standardizer"), "{error}");
    std::fs::write(&path, b"not a safetensors file").unwrap();
    assert!(Standardizer::<f64, 2>::load(&path).is_err());

    let scaled = standardizer.transform_dataset(&data).unwrap();
    assert_eq!(scaled.x().as_slice(), [-1.0, 0.0, 1.0, 0.0]);
    assert_eq!(scaled.y(), data.y());
    assert_eq!(scaled.sample_weights(), Some(&[1.0, 2.0][..]));
    let sample = standardizer.transform_sample(&SVector::<f64, 2>::new(4.0, 6.0));
    assert_eq!(sample, SVector::<f64, 2>::new(2.0, 1.0));

    let scaler = MinMaxScaler::fit(data.x()).unwrap();
    assert_eq!((scaler.min(), scaler.range()), (&[1.0, 5.0], &[2.0, 1.0]));
    let path = dir.join("min-max.safetensors");
    scaler.save(&path).unwrap();
    let loaded = MinMaxScaler::<f64, 2>::load(&path).unwrap();
    assert_eq!(loaded, scaler);
    assert_eq!(
        loaded.transform_sample(&SVector::<f64, 2>::new(2.0, 5.0)),
        SVector::<f64, 2>::new(0.5, 0.0)
    );
    assert_eq!(
        loaded.transform_dataset(&data).unwrap().x().as_slice(),
        [0.0, 0.0, 1.0, 0.0]
    );
    assert!(MinMaxScaler::new([0.0, 0.0], [1.0, f64::INFINITY]).is_err());
    let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(leftovers.len(), 2, "no temporary file left behind");
}
