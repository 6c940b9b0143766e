//! `.keras` archives: a zip of `metadata.json`, `config.json` and `model.weights.h5` (Keras writes
//! the members stored, without compression; deflated members are read too).

use std::format;
use std::io::{Cursor, Read, Write};
use std::ops::Range;
use std::string::String;
use std::vec::Vec;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use super::Error;

/// The members of a `.keras` archive that a model is made of.
#[derive(Clone, Debug, PartialEq)]
pub struct Archive {
    /// `config.json`: the architecture (and the compile settings, if compiled).
    pub config: String,
    /// `metadata.json`: the Keras version and date.
    pub metadata: String,
    /// `model.weights.h5`.
    pub weights: Vec<u8>,
}

/// The largest member read (1 GiB): more is not a model this library can hold on the stack or
/// heap sensibly, and a corrupt size field must not make us allocate without bound.
const MEMBER_LIMIT: u64 = 1 << 30;

/// The largest `config.json` (or `metadata.json`) read: [`model::CONFIG_LIMIT`](super::model::CONFIG_LIMIT)
/// (4 MiB), checked while it is inflated, so a small archive cannot make us hold a huge text.
const CONFIG_LIMIT: u64 = super::model::CONFIG_LIMIT as u64;

/// The member `name` of `zip`, an archive of `archive` bytes.
fn member(
    zip: &mut ZipArchive<Cursor<&[u8]>>,
    archive: usize,
    name: &str,
) -> Result<Vec<u8>, Error> {
    let limit = if name.ends_with(".json") {
        CONFIG_LIMIT
    } else {
        MEMBER_LIMIT
    };
    let mut file = zip.by_name(name).map_err(|e| match e {
        e @ zip::result::ZipError::FileNotFound => Error::archive(format!(
            "the archive has no `{name}` (is it a `.keras` file?)"
        ))
        .because(e),
        other => Error::archive(format!("`{name}` in the archive cannot be read: {other}"))
            .because(other),
    })?;
    if file.size() > limit {
        return Err(Error::archive(format!(
            "`{name}` in the archive claims {} bytes, more than the {limit} bytes allowed",
            file.size()
        )));
    }
    // The size is the file's claim: reserve no more than the archive holds (a stored member is
    // no larger; a deflated one grows the vector as it is inflated), so that a damaged size
    // field cannot make us reserve a gigabyte.
    let mut bytes = Vec::with_capacity(file.size().min(archive as u64) as usize);
    file.by_ref()
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            Error::archive(format!("`{name}` in the archive is damaged: {e}")).because(e)
        })?;
    if bytes.len() as u64 > limit {
        return Err(Error::archive(format!(
            "`{name}` in the archive inflates to more than the {limit} bytes allowed"
        )));
    }
    Ok(bytes)
}

/// The name of the weights member.
const WEIGHTS: &str = "model.weights.h5";

/// Where a stored (uncompressed) `model.weights.h5` lies in the archive, its CRC-32 checked:
/// `Some(start..end)`, or `None` when the member is compressed.
fn stored_weights(
    zip: &mut ZipArchive<Cursor<&[u8]>>,
    bytes: &[u8],
) -> Result<Option<Range<usize>>, Error> {
    let (start, len, crc) = match zip.by_name(WEIGHTS) {
        Ok(file) if file.compression() == CompressionMethod::Stored => {
            let start = file.data_start().and_then(|s| usize::try_from(s).ok());
            let len = usize::try_from(file.compressed_size()).ok();
            match (start, len) {
                (Some(start), Some(len))
                    if start.checked_add(len).is_some_and(|end| end <= bytes.len())
                        && file.size() == file.compressed_size() =>
                {
                    (start, len, file.crc32())
                }
                _ => {
                    return Err(Error::archive(format!(
                        "`{WEIGHTS}` in the archive is damaged: it does not fit in the archive"
                    )));
                }
            }
        }
        _ => return Ok(None),
    };
    if crc32fast::hash(&bytes[start..start + len]) != crc {
        return Err(Error::archive(format!(
            "`{WEIGHTS}` in the archive is damaged: its checksum does not match"
        )));
    }
    Ok(Some(start..start + len))
}

fn open(bytes: &[u8]) -> Result<ZipArchive<Cursor<&[u8]>>, Error> {
    ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        Error::archive(format!("not a readable `.keras` archive (a zip file): {e}")).because(e)
    })
}

/// Reads a `.keras` archive held in memory, taking its bytes. A stored `model.weights.h5` (as
/// Keras writes it) becomes the archive's weights in the same buffer, without a new allocation:
/// its CRC-32 is checked, the bytes before it are shifted out and those after it dropped. A
/// deflated one is inflated.
pub fn read(mut bytes: Vec<u8>) -> Result<Archive, Error> {
    let (config, metadata, stored) = {
        let mut zip = open(&bytes)?;
        let text = |bytes: Vec<u8>, name: &str| {
            String::from_utf8(bytes).map_err(|e| {
                Error::archive(format!("`{name}` in the archive is not UTF-8 text")).because(e)
            })
        };
        let archive = bytes.len();
        let config = text(member(&mut zip, archive, "config.json")?, "config.json")?;
        let metadata = match member(&mut zip, archive, "metadata.json") {
            Ok(bytes) => text(bytes, "metadata.json")?,
            Err(_) => String::from("{}"),
        };
        let stored = match stored_weights(&mut zip, &bytes)? {
            Some(range) => Ok(range),
            None => Err(member(&mut zip, archive, WEIGHTS)?),
        };
        (config, metadata, stored)
    };
    let weights = match stored {
        Ok(range) => {
            bytes.truncate(range.end);
            bytes.drain(..range.start);
            bytes
        }
        Err(inflated) => inflated,
    };
    Ok(Archive {
        config,
        metadata,
        weights,
    })
}

/// Where `model.weights.h5` lies in a `.keras` archive, for reading its tensors in place (a
/// program that embeds the archive reads its weights from these bytes): an error when the
/// member is compressed (Keras stores it) or damaged.
pub fn weights_range(bytes: &[u8]) -> Result<Range<usize>, Error> {
    let mut zip = open(bytes)?;
    stored_weights(&mut zip, bytes)?.ok_or_else(|| {
        Error::archive(format!(
            "`{WEIGHTS}` in the archive is compressed; Keras stores it uncompressed, and only a \
             stored member can be read in place"
        ))
    })
}

/// Reads only `config.json` of a `.keras` archive (what a build-time check needs).
pub fn read_config(bytes: &[u8]) -> Result<String, Error> {
    let mut zip = open(bytes)?;
    String::from_utf8(member(&mut zip, bytes.len(), "config.json")?)
        .map_err(|e| Error::archive("`config.json` in the archive is not UTF-8 text").because(e))
}

/// Writes a `.keras` archive, its members stored as Keras stores them.
pub fn write(archive: &Archive) -> Result<Vec<u8>, Error> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    let fail = |e: zip::result::ZipError| {
        Error::archive(format!("the archive could not be built: {e}")).because(e)
    };
    for (name, bytes) in [
        ("metadata.json", archive.metadata.as_bytes()),
        ("config.json", archive.config.as_bytes()),
        ("model.weights.h5", archive.weights.as_slice()),
    ] {
        zip.start_file(name, options).map_err(fail)?;
        zip.write_all(bytes).map_err(|e| fail(e.into()))?;
    }
    Ok(zip.finish().map_err(fail)?.into_inner())
}
