//! Loaders for CSV and IDX files, plain or gzip-compressed (recognized by their first bytes).

use std::io::Read;
use std::path::Path;

use crate::Error;

/// Reads a whole file, decompressing it when it starts with the gzip magic bytes.
fn read_maybe_gzip(path: &Path) -> Result<Vec<u8>, Error> {
    let raw = std::fs::read(path).map_err(|e| Error::io(path, &e))?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| Error::format(path, format!("not a valid gzip file: {e}")))?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// A numeric CSV table: rows of equal length.
#[derive(Clone, Debug, PartialEq)]
pub struct Csv {
    /// The rows, each with the same number of values.
    pub rows: Vec<Vec<f64>>,
}

impl Csv {
    /// The number of columns.
    pub fn columns(&self) -> usize {
        self.rows.first().map_or(0, Vec::len)
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
        // Every row has `columns` values: `read_csv` checks it, and the rows are public, so a
        // row shortened since is an error too rather than a panic.
        self.rows
            .iter()
            .enumerate()
            .map(|(i, row)| {
                row.get(c).copied().ok_or_else(|| {
                    Error::data(format!(
                        "row {i} has {} values; column {c} asked for, and the first row has {columns}",
                        row.len()
                    ))
                })
            })
            .collect()
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
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CsvOptions {
    /// Header lines to skip before the values (0 by default).
    pub skip_lines: usize,
    /// Keep `NaN`, `inf` and values too large for an `f64` (missing or overflowing values) instead
    /// of refusing them (false by default). A [`Dataset`](super::Dataset) refuses them still.
    pub allow_non_finite: bool,
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
    let bytes = read_maybe_gzip(path)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::format(path, "not UTF-8 text; expected a CSV file"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut rows: Vec<Vec<f64>> = Vec::new();
    for (number, line) in text.lines().enumerate().skip(options.skip_lines) {
        if line.trim().is_empty() {
            continue;
        }
        let mut row = Vec::new();
        parse_line(path, number + 1, line, options.allow_non_finite, &mut row)?;
        if let Some(first) = rows.first()
            && first.len() != row.len()
        {
            return Err(Error::format(
                path,
                format!(
                    "line {}: {} values; expected {} like the first row",
                    number + 1,
                    row.len(),
                    first.len()
                ),
            ));
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(Error::format(path, "no rows; expected at least one"));
    }
    Ok(Csv { rows })
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
