//! Data helpers: loaders (CSV and IDX, gzip or not), one-hot encoding, scalers fitted on training
//! data, seeded and stratified splits, and the errors bad files give.

use nn::data::{Dataset, MinMaxScaler, Standardizer, one_hot, read_csv, read_idx};
use nn::prelude::*;

mod common;
use common::{gzip, idx, scratch};

#[test]
fn csv_files_load_plain_gzipped_and_space_separated() {
    let dir = scratch("csv");
    std::fs::write(dir.join("a.csv"), "x,y,label\n1,2.5,0\n-3,4e-1,1\n\n").unwrap();
    let csv = read_csv(dir.join("a.csv"), 1).unwrap();
    assert_eq!(
        csv.rows.iter().collect::<Vec<_>>(),
        [[1.0, 2.5, 0.0], [-3.0, 0.4, 1.0]]
    );
    assert_eq!(csv.columns(), 3);
    assert_eq!(csv.column(1).unwrap(), [2.5, 0.4]);
    std::fs::write(dir.join("b.csv.gz"), gzip(b"1 2 3\n4 5 6\n")).unwrap();
    assert_eq!(
        read_csv(dir.join("b.csv.gz"), 0).unwrap().rows[1],
        [4.0, 5.0, 6.0]
    );

    std::fs::write(dir.join("ragged.csv"), "1,2\n3\n").unwrap();
    let error = read_csv(dir.join("ragged.csv"), 0).unwrap_err().to_string();
    assert!(error.contains("line 2: 1 values; expected 2"), "{error}");
    std::fs::write(dir.join("words.csv"), "1,two\n").unwrap();
    assert!(
        read_csv(dir.join("words.csv"), 0)
            .unwrap_err()
            .to_string()
            .contains("`two` is not a number")
    );
    std::fs::write(dir.join("bad.gz"), [0x1f, 0x8b, 1, 2, 3]).unwrap();
    assert!(
        read_csv(dir.join("bad.gz"), 0)
            .unwrap_err()
            .to_string()
            .contains("gzip")
    );
}

#[test]
fn the_shipped_digits_file_loads() {
    let csv = read_csv(
        concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv.gz"),
        0,
    )
    .unwrap();
    assert_eq!((csv.rows.len(), csv.columns()), (1797, 65));
    assert!(
        csv.column(64)
            .unwrap()
            .iter()
            .all(|&l| (0.0..=9.0).contains(&l) && l.fract() == 0.0)
    );
}

#[test]
fn idx_files_load_and_bad_ones_are_errors() {
    let dir = scratch("idx");
    let pixels: Vec<u8> = (0..2 * 3 * 2).collect();
    std::fs::write(dir.join("images.idx"), idx(&[2, 3, 2], &pixels)).unwrap();
    std::fs::write(dir.join("images.idx.gz"), gzip(&idx(&[2, 3, 2], &pixels))).unwrap();
    for name in ["images.idx", "images.idx.gz"] {
        let (dims, data) = read_idx(dir.join(name)).unwrap();
        assert_eq!(dims, [2, 3, 2]);
        assert_eq!(data, pixels);
    }
    std::fs::write(dir.join("short.idx"), idx(&[2, 3, 2], &pixels[..10])).unwrap();
    assert!(
        read_idx(dir.join("short.idx"))
            .unwrap_err()
            .to_string()
            .contains("10 data bytes; the header [2, 3, 2] says 12")
    );
    std::fs::write(dir.join("float.idx"), [0, 0, 0x0d, 1, 0, 0, 0, 0]).unwrap();
    assert!(
        read_idx(dir.join("float.idx"))
            .unwrap_err()
            .to_string()
            .contains("expected 0x08")
    );
    std::fs::write(dir.join("text.idx"), "hello").unwrap();
    assert!(
        read_idx(dir.join("text.idx"))
            .unwrap_err()
            .to_string()
            .contains("not an IDX file")
    );
}

#[test]
fn one_hot_and_scalers() {
    let y = one_hot::<f64, 3>(&[2, 0, 1]).unwrap();
    assert_eq!(y.as_slice(), [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
    assert!(
        one_hot::<f64, 3>(&[3])
            .unwrap_err()
            .to_string()
            .contains("label 3 with 3 classes")
    );

    let train = Batch::<f64, 2>::from_column_slice_generic(
        Const::<2>,
        Dyn(3),
        &[1.0, 5.0, 2.0, 5.0, 3.0, 5.0],
    );
    let standardizer = Standardizer::fit(&train).unwrap();
    let mut x = train.clone();
    standardizer.transform(&mut x);
    let sd = (2.0f64 / 3.0).sqrt();
    assert!((x[(0, 0)] + 1.0 / sd).abs() < 1e-12 && x[(0, 1)].abs() < 1e-12);
    assert_eq!(
        x.row(1).iter().copied().collect::<Vec<_>>(),
        [0.0, 0.0, 0.0],
        "a constant feature is only shifted"
    );
    // Test data uses the training statistics.
    let mut test = Batch::<f64, 2>::from_column_slice_generic(Const::<2>, Dyn(1), &[4.0, 6.0]);
    standardizer.transform(&mut test);
    assert!((test[(0, 0)] - 2.0 / sd).abs() < 1e-12 && (test[(1, 0)] - 1.0).abs() < 1e-12);

    let scaler = MinMaxScaler::fit(&train).unwrap();
    let mut x = train.clone();
    scaler.transform(&mut x);
    assert_eq!(
        x.row(0).iter().copied().collect::<Vec<_>>(),
        [0.0, 0.5, 1.0]
    );
}

#[test]
fn splits_are_seeded_and_stratified() {
    let x: Vec<f64> = (0..100).map(f64::from).collect();
    let y: Vec<f64> = (0..100).map(|i| if i < 80 { 0.0 } else { 1.0 }).collect();
    let data = Dataset::<f64, 1, 1>::from_slices(&x, &y).unwrap();
    let (train, test) = data.train_test_split(0.25, 1, true).unwrap();
    assert_eq!((train.len(), test.len()), (75, 25));
    let ones = |d: &Dataset<f64, 1, 1>| d.y().iter().filter(|&&v| v == 1.0).count();
    assert_eq!((ones(&train), ones(&test)), (15, 5), "each class split 3:1");
    let mut all: Vec<f64> = train.x().iter().chain(test.x().iter()).copied().collect();
    all.sort_by(f64::total_cmp);
    assert_eq!(all, x, "every sample lands in exactly one part");
    let (again, _) = data.train_test_split(0.25, 1, true).unwrap();
    assert_eq!(again.x(), train.x());
    let (other, _) = data.train_test_split(0.25, 2, true).unwrap();
    assert_ne!(other.x(), train.x());
    assert!(data.train_test_split(1.0, 1, false).is_err());
    assert!(data.train_test_split(0.0, 1, false).is_err());
}
