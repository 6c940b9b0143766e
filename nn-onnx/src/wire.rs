//! Protocol buffers' wire format, read with every length checked against the bytes left: a
//! message is a run of fields, each a key (the field's number and its wire type, a varint)
//! then its value: a varint, 8 or 4 bytes, or a varint length and that many bytes (a string,
//! a nested message, a packed run of numbers). Nothing here trusts the input: a length past the
//! end, a varint longer than ten bytes or a wire type that is not one of those four (the old
//! groups included) is an [`Error`]. A field's bytes are borrowed, never copied, and each byte
//! is read once per level of nesting, so reading takes time and memory bounded by the input's
//! size times the (fixed) depth of ONNX's messages.

use alloc::string::String;
use alloc::vec::Vec;

use crate::Error;

/// A field's value as the wire carries it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Value<'a> {
    /// Wire type 0: an integer, a flag or an enum.
    Varint(u64),
    /// Wire type 1: a `double`, `fixed64`.
    Fixed64([u8; 8]),
    /// Wire type 2: a string, bytes, a message or a packed run of numbers.
    Bytes(&'a [u8]),
    /// Wire type 5: a `float`, `fixed32`.
    Fixed32([u8; 4]),
}

/// Reads a message's fields in order.
pub(crate) struct Fields<'a> {
    bytes: &'a [u8],
    at: usize,
    /// What the message is, for errors.
    what: &'static str,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(bytes: &'a [u8], what: &'static str) -> Self {
        Self { bytes, at: 0, what }
    }

    fn error(&self, problem: &str) -> Error {
        Error::new(self.what, problem)
    }

    /// A varint: seven bits a byte, least significant first, at most ten bytes.
    fn varint(&mut self) -> Result<u64, Error> {
        let mut value = 0u64;
        for k in 0..10 {
            let byte = *self
                .bytes
                .get(self.at)
                .ok_or_else(|| self.error("a number runs past the end of the message"))?;
            self.at += 1;
            value |= u64::from(byte & 0x7f) << (7 * k);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(self.error("a number is longer than ten bytes"))
    }

    fn take<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        let bytes = self
            .at
            .checked_add(N)
            .and_then(|end| self.bytes.get(self.at..end))
            .and_then(|b| <[u8; N]>::try_from(b).ok())
            .ok_or_else(|| self.error("a value runs past the end of the message"))?;
        self.at += N;
        Ok(bytes)
    }

    /// The next field's number and value, or `None` at the end of the message.
    pub(crate) fn next_field(&mut self) -> Result<Option<(u64, Value<'a>)>, Error> {
        if self.at >= self.bytes.len() {
            return Ok(None);
        }
        let key = self.varint()?;
        let number = key >> 3;
        if number == 0 {
            return Err(self.error("a field has the number 0"));
        }
        let value = match key & 7 {
            0 => Value::Varint(self.varint()?),
            1 => Value::Fixed64(self.take::<8>()?),
            2 => {
                let len = self.varint()?;
                let left = self.bytes.len() - self.at;
                let len = usize::try_from(len)
                    .ok()
                    .filter(|&len| len <= left)
                    .ok_or_else(|| {
                        self.error("a field's length is more than the bytes left in the message")
                    })?;
                let bytes = &self.bytes[self.at..self.at + len];
                self.at += len;
                Value::Bytes(bytes)
            }
            5 => Value::Fixed32(self.take::<4>()?),
            3 | 4 => {
                return Err(self.error("a field is a group (an old encoding ONNX does not use)"));
            }
            _ => return Err(self.error("a field has an unknown wire type")),
        };
        Ok(Some((number, value)))
    }
}

/// Appends a repeated integer field's values, packed (wire type 2) or one at a time.
pub(crate) fn ints(value: Value<'_>, out: &mut Vec<i64>, what: &'static str) -> Result<(), Error> {
    match value {
        Value::Varint(v) => out.push(v as i64),
        Value::Bytes(bytes) => {
            let mut packed = Fields::new(bytes, what);
            while packed.at < bytes.len() {
                out.push(packed.varint()? as i64);
            }
        }
        _ => return Err(Error::new(what, "a list of integers has another wire type")),
    }
    Ok(())
}

/// Appends a repeated `float` field's values, packed or one at a time.
pub(crate) fn floats(
    value: Value<'_>,
    out: &mut Vec<f32>,
    what: &'static str,
) -> Result<(), Error> {
    match value {
        Value::Fixed32(b) => out.push(f32::from_le_bytes(b)),
        Value::Bytes(bytes) if bytes.len().is_multiple_of(4) => out.extend(
            bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        ),
        _ => return Err(Error::new(what, "a list of floats is damaged")),
    }
    Ok(())
}

/// Appends a repeated `double` field's values, packed or one at a time.
pub(crate) fn doubles(
    value: Value<'_>,
    out: &mut Vec<f64>,
    what: &'static str,
) -> Result<(), Error> {
    match value {
        Value::Fixed64(b) => out.push(f64::from_le_bytes(b)),
        Value::Bytes(bytes) if bytes.len().is_multiple_of(8) => {
            out.extend(bytes.chunks_exact(8).map(|b| {
                let mut a = [0; 8];
                a.copy_from_slice(b);
                f64::from_le_bytes(a)
            }))
        }
        _ => return Err(Error::new(what, "a list of doubles is damaged")),
    }
    Ok(())
}

/// A varint field's value.
pub(crate) fn int(value: Value<'_>, what: &'static str) -> Result<i64, Error> {
    match value {
        Value::Varint(v) => Ok(v as i64),
        _ => Err(Error::new(what, "an integer field has another wire type")),
    }
}

/// A length-delimited field's bytes.
pub(crate) fn bytes<'a>(value: Value<'a>, what: &'static str) -> Result<&'a [u8], Error> {
    match value {
        Value::Bytes(b) => Ok(b),
        _ => Err(Error::new(
            what,
            "a string or message field has another wire type",
        )),
    }
}

/// A string field, which must be UTF-8.
pub(crate) fn string(value: Value<'_>, what: &'static str) -> Result<String, Error> {
    core::str::from_utf8(bytes(value, what)?)
        .map(String::from)
        .map_err(|_| Error::new(what, "a name is not UTF-8"))
}
