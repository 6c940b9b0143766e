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

/// Reads a numeric CSV file (gzip or not), skipping `skip_lines` header lines. Values are
/// separated by commas, or by white space when the file has no commas. Every row must have the
/// same number of values, and every value must be a number; errors name the line.
pub fn read_csv(path: impl AsRef<Path>, skip_lines: usize) -> Result<Csv, Error> {
    let path = path.as_ref();
    let bytes = read_maybe_gzip(path)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::format(path, "not UTF-8 text; expected a CSV file"))?;
    let mut rows: Vec<Vec<f64>> = Vec::new();
    for (number, line) in text.lines().enumerate().skip(skip_lines) {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = if line.contains(',') {
            line.split(',').collect()
        } else {
            line.split_whitespace().collect()
        };
        let row = fields
            .iter()
            .map(|f| {
                f.trim().parse::<f64>().map_err(|_| {
                    Error::format(
                        path,
                        format!("line {}: `{}` is not a number", number + 1, f.trim()),
                    )
                })
            })
            .collect::<Result<Vec<f64>, Error>>()?;
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
