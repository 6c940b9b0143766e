//! Reading a model file from disk, the one way every loader of `nn` does it (the runtime's Keras
//! and safetensors loaders, and the `network!` macro's build-time checks): only a regular file
//! (after following symbolic links), and at most a stated number of bytes. A device such as
//! `/dev/zero` would otherwise be read without end, a FIFO would block the reader (and so the
//! build) until something writes to it, and a file larger than any model would be read whole
//! into memory.

use std::fmt;
use std::io::Read;
use std::path::Path;
use std::vec::Vec;

/// The largest model file read at run time (4 GiB): a model's weights, with room to spare; a
/// damaged or hostile file is refused before it is read into memory.
pub const RUNTIME_LIMIT: u64 = 4 << 30;

/// The largest model file the `network!` macro reads during a build (1 GiB): the compiler holds
/// the file in memory while it checks the declaration against it, on every build the file
/// changes. A larger model is loaded at run time.
pub const BUILD_LIMIT: u64 = 1 << 30;

/// Why a file could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// The operating system's error (no such file, permission denied, ...).
    Io(std::io::Error),
    /// The path names something other than a regular file: what it is.
    NotAFile(&'static str),
    /// The file is larger than the limit: its size (or at least the bytes read) and the limit.
    TooLarge {
        /// Its size in bytes, or more than the limit when it grew while it was read.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "{e}"),
            Self::NotAFile(what) => write!(
                f,
                "not a regular file ({what}): only a file's contents can be read as a model"
            ),
            Self::TooLarge { size, limit } => write!(
                f,
                "the file has {size} bytes, more than the {limit} bytes a model file may have"
            ),
        }
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(e) => Some(e),
            _ => None,
        }
    }
}

/// What a path that is not a regular file names, for messages.
fn kind(file_type: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

/// Reads the regular file at `path` (symbolic links followed), if it has at most `limit` bytes.
///
/// The file's type and size are checked before it is opened (so a FIFO is never opened, which
/// would wait for a writer), and again on the opened file; the read itself stops one byte past
/// `limit`, so a file that grows meanwhile is refused too.
///
/// # Errors
///
/// [`ReadError::Io`] when the file cannot be read, [`ReadError::NotAFile`] for a directory,
/// device, FIFO or socket, [`ReadError::TooLarge`] beyond `limit`.
pub fn read_file(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let check = |metadata: std::fs::Metadata| {
        if !metadata.is_file() {
            return Err(ReadError::NotAFile(kind(metadata.file_type())));
        }
        if metadata.len() > limit {
            return Err(ReadError::TooLarge {
                size: metadata.len(),
                limit,
            });
        }
        Ok(metadata.len())
    };
    check(std::fs::metadata(path).map_err(ReadError::Io)?)?;
    let mut file = std::fs::File::open(path).map_err(ReadError::Io)?;
    let size = check(file.metadata().map_err(ReadError::Io)?)?;
    // `size` is at most `limit`, which fits in memory's address range on 64-bit targets; on
    // smaller ones the reservation is only a hint.
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.by_ref()
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(std::format!("nn-keras-read-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_regular_file_within_the_limit_is_read() {
        let dir = scratch("ok");
        let path = dir.join("m.bin");
        std::fs::write(&path, b"12345").unwrap();
        assert_eq!(read_file(&path, 5).unwrap(), b"12345");
        let error = read_file(&path, 4).unwrap_err().to_string();
        assert_eq!(
            error,
            "the file has 5 bytes, more than the 4 bytes a model file may have"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_directory_is_not_a_file() {
        let dir = scratch("dir");
        let error = read_file(&dir, 1 << 20).unwrap_err().to_string();
        assert!(
            error.starts_with("not a regular file (a directory)"),
            "{error}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn a_device_through_a_symbolic_link_is_not_a_file() {
        let dir = scratch("device");
        let link = dir.join("zero.keras");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        let error = read_file(&link, 1 << 20).unwrap_err().to_string();
        assert!(
            error.starts_with("not a regular file (a device)"),
            "{error}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
