//! Loaders for CSV and IDX files, plain or gzip-compressed (recognized by their first bytes).

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use nalgebra::{Const, Dyn};

use super::Dataset;
use crate::{Batch, Error, Float};

/// Reads a whole file, decompressing it when it starts with the gzip magic bytes, up to
/// [`CsvOptions::DEFAULT_MAX_INFLATED_BYTES`] inflated.
fn read_maybe_gzip(path: &Path) -> Result<Vec<u8>, Error> {
    let raw = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let limit = CsvOptions::DEFAULT_MAX_INFLATED_BYTES;
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .take(limit.saturating_add(1))
            .read_to_end(&mut out)
            .map_err(|e| Error::format_because(path, format!("not a valid gzip file: {e}"), e))?;
        if out.len() as u64 > limit {
            return Err(too_large(path, limit, "the limit for IDX files"));
        }
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// The error of a gzip file that inflates past `limit` bytes.
fn too_large(path: &Path, limit: u64, which: &str) -> Error {
    Error::format(
        path,
        format!(
            "the gzip file inflates to more than {limit} bytes ({:.1} MiB), {which}; expected \
             a smaller file (a gzip bomb?)",
            limit as f64 / f64::from(1 << 20)
        ),
    )
}

/// The rows of a [`Csv`]: every value in one row-major buffer, [`width`](Rows::width) values a
/// row, so that a table takes little more memory than its numbers. A row is a slice.
///
/// ```
/// use nn::data::Rows;
///
/// let rows = Rows::new(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 3)?;
/// assert_eq!((rows.len(), rows.width()), (2, 3));
/// assert_eq!(rows[1], [4.0, 5.0, 6.0]);
/// assert_eq!(rows.iter().map(|r| r[0]).collect::<Vec<_>>(), [1.0, 4.0]);
/// assert!(Rows::new(vec![1.0, 2.0], 3).is_err());
/// # Ok::<(), nn::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Rows {
    values: Vec<f64>,
    width: usize,
}

impl Rows {
    /// Rows of `width` values from a row-major buffer; `width` must be at least 1 and divide
    /// the number of values.
    pub fn new(values: Vec<f64>, width: usize) -> Result<Self, Error> {
        if width == 0 || !values.len().is_multiple_of(width) {
            return Err(Error::data(format!(
                "{} values in rows of {width}; expected a width of at least 1 that divides the \
                 number of values",
                values.len()
            )));
        }
        Ok(Self { values, width })
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.values.len() / self.width
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The number of values in each row.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Row `i`, or `None` past the last row.
    pub fn get(&self, i: usize) -> Option<&[f64]> {
        let start = i.checked_mul(self.width)?;
        self.values.get(start..start.checked_add(self.width)?)
    }

    /// The rows in order, each a slice of [`width`](Rows::width) values.
    pub fn iter(&self) -> std::slice::ChunksExact<'_, f64> {
        self.values.chunks_exact(self.width)
    }

    /// Every value, row after row.
    pub fn as_slice(&self) -> &[f64] {
        &self.values
    }

    /// The row-major buffer itself.
    pub fn into_vec(self) -> Vec<f64> {
        self.values
    }
}

impl std::ops::Index<usize> for Rows {
    type Output = [f64];

    /// Row `i`; like a slice, panics past the last row (use [`Rows::get`] to ask instead).
    fn index(&self, i: usize) -> &[f64] {
        match self.get(i) {
            Some(row) => row,
            None => panic!("row {i} asked for; there are {} rows", self.len()),
        }
    }
}

impl<'a> IntoIterator for &'a Rows {
    type Item = &'a [f64];
    type IntoIter = std::slice::ChunksExact<'a, f64>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Opens a file for reading line by line, decompressing it as it goes when it starts with the
/// gzip magic bytes; says whether it does. The decompressed stream ends after `limit + 1` bytes,
/// so that a reader that has read more than `limit` knows the file is too large without
/// inflating it further.
fn open_maybe_gzip(path: &Path, limit: u64) -> Result<(Box<dyn BufRead>, bool), Error> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let start = reader.fill_buf().map_err(|e| Error::io(path, e))?;
    if start.starts_with(&[0x1f, 0x8b]) {
        let inflated = flate2::bufread::MultiGzDecoder::new(reader).take(limit.saturating_add(1));
        Ok((Box::new(BufReader::with_capacity(1 << 16, inflated)), true))
    } else {
        Ok((Box::new(reader), false))
    }
}

/// A numeric CSV table: rows of equal length, kept in one buffer.
#[derive(Clone, Debug, PartialEq)]
pub struct Csv {
    /// The rows, each with the same number of values.
    pub rows: Rows,
}

impl Csv {
    /// The number of columns.
    pub fn columns(&self) -> usize {
        self.rows.width()
    }

    /// Column `c` (counting from 0) of every row; a column the table does not have is an error
    /// that names it and the columns there are.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("nn-csv-column-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// let path = dir.join("table.csv");
    /// std::fs::write(&path, "1,2,3\n4,5,6\n").unwrap();
    /// let csv = nn::data::read_csv(&path, 0)?;
    /// assert_eq!(csv.column(2)?, [3.0, 6.0]);
    /// assert_eq!(
    ///     csv.column(7).unwrap_err().to_string(),
    ///     "invalid data: column 7 asked for; the table has 3 columns (columns 0 to 2)"
    /// );
    /// # Ok::<(), nn::Error>(())
    /// ```
    pub fn column(&self, c: usize) -> Result<Vec<f64>, Error> {
        let columns = self.columns();
        if c >= columns {
            let has = match columns {
                0 => "no columns".to_string(),
                1 => "1 column (column 0)".to_string(),
                n => format!("{n} columns (columns 0 to {})", n - 1),
            };
            return Err(Error::data(format!(
                "column {c} asked for; the table has {has}"
            )));
        }
        Ok(self.rows.iter().map(|row| row[c]).collect())
    }
}

/// Which columns of a [`Csv`] hold the targets (labels) when it becomes a [`Dataset`]; the
/// other columns, in their order, are the inputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Columns {
    /// The last `K` columns.
    Last,
    /// The first `K` columns.
    First,
    /// These `K` columns (counting from 0), in this order.
    At(Vec<usize>),
}

impl Csv {
    /// The table as a [`Dataset`] of `I` inputs and `K` targets a row, the targets taken from
    /// the columns `labels` names and the inputs from the others, in order; values are converted
    /// to `T`. The table must have exactly `I + K` columns; an error names both numbers. Values
    /// that are not finite (kept by [`CsvOptions::allow_non_finite`]) are refused by the
    /// dataset, naming the sample.
    ///
    /// ```
    /// use nn::data::{Columns, read_csv};
    /// # let dir = std::env::temp_dir().join(format!("nn-csv-dataset-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// let path = dir.join("flowers.csv");
    /// std::fs::write(&path, "length,width,class\n5.1,3.5,0\n6.2,2.9,1\n").unwrap();
    /// let data = read_csv(&path, 1)?.dataset::<f32, 2, 1>(Columns::Last)?;
    /// assert_eq!(data.len(), 2);
    /// assert_eq!(data.y().as_slice(), [0.0, 1.0]);
    /// let error = read_csv(&path, 1)?.dataset::<f32, 4, 1>(Columns::Last).unwrap_err();
    /// assert!(error.to_string().contains("3 columns; expected 5 (4 inputs + 1 target)"));
    /// # Ok::<(), nn::Error>(())
    /// ```
    pub fn dataset<T: Float, const I: usize, const K: usize>(
        &self,
        labels: Columns,
    ) -> Result<Dataset<T, I, K>, Error> {
        let width = self.columns();
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        if width != I + K {
            return Err(Error::data(format!(
                "the table has {}; expected {} ({} + {}) for a Dataset<_, {I}, {K}>",
                plural(width, "column"),
                I + K,
                plural(I, "input"),
                plural(K, "target"),
            )));
        }
        let targets: Vec<usize> = match labels {
            Columns::Last => (I..width).collect(),
            Columns::First => (0..K).collect(),
            Columns::At(columns) => {
                if let Some(&c) = columns.iter().find(|&&c| c >= width) {
                    return Err(Error::data(format!(
                        "label column {c} asked for; the table has columns 0 to {}",
                        width - 1
                    )));
                }
                if let Some((i, &c)) = columns
                    .iter()
                    .enumerate()
                    .find(|&(i, c)| columns[..i].contains(c))
                {
                    return Err(Error::data(format!(
                        "label column {c} named twice (at {i} in the list); expected {} \
                         different columns",
                        K
                    )));
                }
                if columns.len() != K {
                    return Err(Error::data(format!(
                        "{} given ({columns:?}); a Dataset<_, {I}, {K}> expects {K}",
                        plural(columns.len(), "label column")
                    )));
                }
                columns
            }
        };
        let inputs: Vec<usize> = (0..width).filter(|c| !targets.contains(c)).collect();
        let n = self.rows.len();
        let value = |row: usize, column: usize| T::of(self.rows.as_slice()[row * width + column]);
        let x = Batch::from_fn_generic(Const::<I>, Dyn(n), |r, c| value(c, inputs[r]));
        let y = Batch::from_fn_generic(Const::<K>, Dyn(n), |r, c| value(c, targets[r]));
        Dataset::new(x, y)
    }
}

/// How [`read_csv_with`] reads a CSV file. `CsvOptions::default()` skips no line and refuses
/// values that are not finite.
///
/// ```
/// use nn::data::{CsvOptions, read_csv_with};
/// # let dir = std::env::temp_dir().join(format!("nn-csv-options-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("missing.csv");
/// std::fs::write(&path, "height,weight\n1.8,NaN\n1.6,55\n").unwrap();
/// let options = CsvOptions { skip_lines: 1, allow_non_finite: true, ..CsvOptions::default() };
/// let csv = read_csv_with(&path, &options)?;
/// assert!(csv.rows[0][1].is_nan());
/// // Refused by default, naming the line and the column.
/// let error = read_csv_with(&path, &CsvOptions { skip_lines: 1, ..CsvOptions::default() });
/// assert!(error.unwrap_err().to_string().contains("line 2, column 5: `NaN` is not finite"));
/// # Ok::<(), nn::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvOptions {
    /// Header lines to skip before the values (0 by default).
    pub skip_lines: usize,
    /// Keep `NaN`, `inf` and values too large for an `f64` (missing or overflowing values) instead
    /// of refusing them (false by default). A [`Dataset`](super::Dataset) refuses them still.
    pub allow_non_finite: bool,
    /// The most bytes a gzip file may inflate to
    /// ([`DEFAULT_MAX_INFLATED_BYTES`](CsvOptions::DEFAULT_MAX_INFLATED_BYTES), 4 GiB, by
    /// default). A file that inflates to more is an error naming the limit, found without
    /// inflating past it: a small gzip file of zeros can inflate a thousandfold.
    pub max_inflated_bytes: u64,
}

impl CsvOptions {
    /// The default of [`max_inflated_bytes`](CsvOptions::max_inflated_bytes), 4 GiB; IDX
    /// files have this limit too.
    pub const DEFAULT_MAX_INFLATED_BYTES: u64 = 4 << 30;
}

impl Default for CsvOptions {
    fn default() -> Self {
        Self {
            skip_lines: 0,
            allow_non_finite: false,
            max_inflated_bytes: Self::DEFAULT_MAX_INFLATED_BYTES,
        }
    }
}

/// The longest stretch of a field, in characters, that an error message quotes.
const QUOTED_CHARS: usize = 80;

/// `field` between backticks, cut after [`QUOTED_CHARS`] characters (saying how long it is), so
/// that a 50 MB field does not become a 50 MB error message.
fn quote(field: &str) -> String {
    match field.char_indices().nth(QUOTED_CHARS) {
        None => format!("`{field}`"),
        Some((cut, _)) => format!("`{}…` ({} bytes)", &field[..cut], field.len()),
    }
}

/// Parses one line of values into `row`. `number` is the line's 1-based number; the columns in
/// errors are 1-based character columns, as an editor shows them.
fn parse_line(
    path: &Path,
    number: usize,
    line: &str,
    allow_non_finite: bool,
    row: &mut Vec<f64>,
) -> Result<(), Error> {
    let mut at = |offset: usize, field: &str| -> Result<(), Error> {
        let trimmed = field.trim_start();
        let start = offset + (field.len() - trimmed.len());
        let trimmed = trimmed.trim_end();
        let column = line[..start].chars().count() + 1;
        let value = trimmed.parse::<f64>().map_err(|_| {
            Error::format(
                path,
                format!(
                    "line {number}, column {column}: {} is not a number",
                    quote(trimmed)
                ),
            )
        })?;
        if !value.is_finite() && !allow_non_finite {
            return Err(Error::format(
                path,
                format!(
                    "line {number}, column {column}: {} is not finite; expected a finite number \
                     (CsvOptions::allow_non_finite keeps missing values as NaN)",
                    quote(trimmed)
                ),
            ));
        }
        row.push(value);
        Ok(())
    };
    if line.contains(',') {
        let mut offset = 0;
        for field in line.split(',') {
            at(offset, field)?;
            offset += field.len() + 1;
        }
    } else {
        let base = line.as_ptr() as usize;
        for field in line.split_whitespace() {
            at(field.as_ptr() as usize - base, field)?;
        }
    }
    Ok(())
}

/// Reads a numeric CSV file (gzip or not), skipping `skip_lines` header lines: a shorthand for
/// [`read_csv_with`] with the other options at their defaults. Values are separated by commas,
/// or by white space when a line has no commas. Every row must have the same number of values,
/// and every value must be a finite number; errors name the line and the column.
pub fn read_csv(path: impl AsRef<Path>, skip_lines: usize) -> Result<Csv, Error> {
    read_csv_with(
        path,
        &CsvOptions {
            skip_lines,
            ..CsvOptions::default()
        },
    )
}

/// Reads a numeric CSV file (gzip or not) as `options` say. A UTF-8 byte-order mark at the start
/// is skipped; empty lines are ignored. Values are separated by commas, or by white space when a
/// line has no commas. Every row must have the same number of values, and every value must be a
/// number, finite unless [`CsvOptions::allow_non_finite`]; errors name the line and the column
/// (both counted from 1, as an editor shows them) and quote at most 80 characters of the field.
pub fn read_csv_with(path: impl AsRef<Path>, options: &CsvOptions) -> Result<Csv, Error> {
    let path = path.as_ref();
    let limit = options.max_inflated_bytes;
    let (mut reader, gzip) = open_maybe_gzip(path, limit)?;
    // A plain file's size lets the buffer be sized once from its first rows (see below).
    let size = if gzip {
        None
    } else {
        std::fs::metadata(path).ok().map(|m| m.len())
    };
    let mut values: Vec<f64> = Vec::new();
    let mut width = 0;
    let mut line = Vec::new();
    let mut read: u64 = 0;
    for number in 1_usize.. {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).map_err(|e| {
            if gzip {
                Error::format_because(path, format!("not a valid gzip file: {e}"), e)
            } else {
                Error::io(path, e)
            }
        })?;
        if n == 0 {
            break;
        }
        read += n as u64;
        if gzip && read > limit {
            return Err(too_large(
                path,
                limit,
                "the limit set by CsvOptions::max_inflated_bytes",
            ));
        }
        let mut text = std::str::from_utf8(&line).map_err(|e| {
            Error::format(
                path,
                format!(
                    "line {number}, byte {}: not UTF-8 text; expected a CSV file",
                    e.valid_up_to() + 1
                ),
            )
        })?;
        if number == 1 {
            text = text.strip_prefix('\u{feff}').unwrap_or(text);
        }
        let text = text.strip_suffix('\n').unwrap_or(text);
        let text = text.strip_suffix('\r').unwrap_or(text);
        if number <= options.skip_lines || text.trim().is_empty() {
            continue;
        }
        let before = values.len();
        parse_line(path, number, text, options.allow_non_finite, &mut values)?;
        let count = values.len() - before;
        if width == 0 {
            width = count;
        } else if count != width {
            return Err(Error::format(
                path,
                format!("line {number}: {count} values; expected {width} like the first row"),
            ));
        }
        // After 1024 rows, reserve what the rest of the file will need at the same density
        // (and a sixteenth more), rather than let the buffer double: doubling can leave it
        // half empty, and a copy holds both the old and the new buffer.
        if values.len() == 1024 * width
            && let Some(size) = size
        {
            let expected = (size as f64 / read as f64 * values.len() as f64 * 17.0 / 16.0) as usize;
            values.reserve_exact(expected.saturating_sub(values.len()));
        }
    }
    if values.is_empty() {
        return Err(Error::format(path, "no rows; expected at least one"));
    }
    // A shrink may copy, holding both buffers for a moment: worth it only for much slack.
    if values.capacity() > values.len() / 8 * 9 {
        values.shrink_to_fit();
    }
    Ok(Csv {
        rows: Rows { values, width },
    })
}

/// Reads an IDX file of unsigned bytes (gzip or not), the format of MNIST-style datasets:
/// returns its dimensions and its values. The header's magic number, the dimensions and the
/// file's length are all checked: dimensions whose product overflows, or data longer or
/// shorter than they say, are errors that name the dimensions.
pub fn read_idx(path: impl AsRef<Path>) -> Result<(Vec<usize>, Vec<u8>), Error> {
    let path = path.as_ref();
    let bytes = read_maybe_gzip(path)?;
    if bytes.len() < 4 || bytes[0] != 0 || bytes[1] != 0 {
        return Err(Error::format(path, "not an IDX file (bad magic number)"));
    }
    if bytes[2] != 0x08 {
        return Err(Error::format(
            path,
            format!(
                "IDX type 0x{:02x}; expected 0x08 (unsigned bytes)",
                bytes[2]
            ),
        ));
    }
    let rank = usize::from(bytes[3]);
    let header = 4 + 4 * rank;
    if bytes.len() < header {
        return Err(Error::format(path, "truncated IDX header"));
    }
    let dims: Vec<usize> = (0..rank)
        .map(|d| {
            let b = &bytes[4 + 4 * d..8 + 4 * d];
            u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize
        })
        .collect();
    let data = bytes.len() - header;
    // Checked: four dimensions of 65536 overflow a 64-bit product (a zero anywhere makes it 0).
    let count = if dims.contains(&0) {
        Some(0)
    } else {
        dims.iter()
            .try_fold(1_usize, |product, &d| product.checked_mul(d))
    };
    let Some(count) = count else {
        return Err(Error::format(
            path,
            format!(
                "the header's dimensions {dims:?} describe too many values: their product \
                 overflows a {}-bit count, and the file holds {data} data bytes",
                usize::BITS
            ),
        ));
    };
    if data != count {
        return Err(Error::format(
            path,
            format!("{data} data bytes; the header {dims:?} says {count}"),
        ));
    }
    Ok((dims, bytes[header..].to_vec()))
}
