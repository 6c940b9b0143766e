//! The flatbuffer wire format, read with every offset and length checked against the file: a
//! table is a signed offset to its vtable, which lists where each field lies; vectors and
//! strings are a `u32` length then their elements; offsets to them are `u32`s relative to
//! where they are stored. Nothing here trusts the file: a read outside it is an [`Error`], and
//! a vector cannot claim more elements than the bytes after it hold. Since tables may be shared
//! (a file can point at one long vector many times), every vector read is also charged to a
//! budget a small multiple of the file's size ([`Budget`]), so reading a file takes time and
//! memory bounded by its size.

use alloc::string::String;
use alloc::vec::Vec;

use core::cell::Cell;

use crate::Error;

/// How many more elements of vectors may be read from a file: its length in bytes times
/// [`Budget::PER_BYTE`], plus a little.
pub(crate) struct Budget(Cell<usize>);

impl Budget {
    /// Elements that may be read per byte of the file.
    const PER_BYTE: usize = 4;

    pub(crate) fn for_file(len: usize) -> Self {
        Self(Cell::new(
            len.saturating_mul(Self::PER_BYTE).saturating_add(1024),
        ))
    }

    fn charge(&self, elements: usize, what: &'static str) -> Result<(), Error> {
        let left = self.0.get().checked_sub(elements.saturating_add(1)).ok_or_else(|| {
            Error::new(
                what,
                "the file's tables point at the same data many times over (more elements than it could hold)",
            )
        })?;
        self.0.set(left);
        Ok(())
    }
}

/// A table of the file: where it starts and where its vtable is.
#[derive(Clone, Copy)]
pub(crate) struct Table<'a> {
    bytes: &'a [u8],
    budget: &'a Budget,
    at: usize,
    vtable: usize,
    vtable_len: usize,
    /// What the table is, for errors.
    what: &'static str,
}

fn read<const N: usize>(bytes: &[u8], at: usize, what: &'static str) -> Result<[u8; N], Error> {
    at.checked_add(N)
        .and_then(|end| bytes.get(at..end))
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| Error::new(what, "an offset points past the end of the file"))
}

fn u16_at(bytes: &[u8], at: usize, what: &'static str) -> Result<u16, Error> {
    read::<2>(bytes, at, what).map(u16::from_le_bytes)
}

fn u32_at(bytes: &[u8], at: usize, what: &'static str) -> Result<u32, Error> {
    read::<4>(bytes, at, what).map(u32::from_le_bytes)
}

/// `at + offset`, the `u32` offset stored at `at`.
fn follow(bytes: &[u8], at: usize, what: &'static str) -> Result<usize, Error> {
    let offset = u32_at(bytes, at, what)? as usize;
    at.checked_add(offset)
        .filter(|&target| target < bytes.len())
        .ok_or_else(|| Error::new(what, "an offset points past the end of the file"))
}

impl<'a> Table<'a> {
    /// The table whose position is stored (as a `u32` offset) at `at`.
    pub(crate) fn at(
        bytes: &'a [u8],
        budget: &'a Budget,
        at: usize,
        what: &'static str,
    ) -> Result<Self, Error> {
        budget.charge(0, what)?;
        let table = follow(bytes, at, what)?;
        let soffset = i32::from_le_bytes(read::<4>(bytes, table, what)?);
        let vtable = i64::try_from(table)
            .ok()
            .and_then(|t| t.checked_sub(i64::from(soffset)))
            .and_then(|v| usize::try_from(v).ok())
            .ok_or_else(|| Error::new(what, "a table's vtable lies outside the file"))?;
        let vtable_len = usize::from(u16_at(bytes, vtable, what)?);
        if vtable_len < 4 || vtable_len % 2 != 0 || vtable + vtable_len > bytes.len() {
            return Err(Error::new(what, "a table's vtable is damaged"));
        }
        Ok(Self {
            bytes,
            budget,
            at: table,
            vtable,
            vtable_len,
            what,
        })
    }

    /// Where field `id` is stored, if the table has it.
    fn field(&self, id: usize) -> Result<Option<usize>, Error> {
        let entry = 4 + 2 * id;
        if entry + 2 > self.vtable_len {
            return Ok(None);
        }
        match u16_at(self.bytes, self.vtable + entry, self.what)? {
            0 => Ok(None),
            offset => Ok(Some(self.at + usize::from(offset))),
        }
    }

    fn scalar<const N: usize>(&self, id: usize) -> Result<Option<[u8; N]>, Error> {
        self.field(id)?
            .map(|at| read::<N>(self.bytes, at, self.what))
            .transpose()
    }

    /// An unsigned byte field (an enum), or `default`.
    pub(crate) fn u8(&self, id: usize, default: u8) -> Result<u8, Error> {
        Ok(self.scalar::<1>(id)?.map_or(default, |b| b[0]))
    }

    /// A signed byte field, or `default`.
    pub(crate) fn i8(&self, id: usize, default: i8) -> Result<i8, Error> {
        Ok(self.scalar::<1>(id)?.map_or(default, i8::from_le_bytes))
    }

    /// A `u32` field, or `default`.
    pub(crate) fn u32(&self, id: usize, default: u32) -> Result<u32, Error> {
        Ok(self.scalar::<4>(id)?.map_or(default, u32::from_le_bytes))
    }

    /// An `i32` field, or `default`.
    pub(crate) fn i32(&self, id: usize, default: i32) -> Result<i32, Error> {
        Ok(self.scalar::<4>(id)?.map_or(default, i32::from_le_bytes))
    }

    /// A `u64` field, or `default`.
    pub(crate) fn u64(&self, id: usize, default: u64) -> Result<u64, Error> {
        Ok(self.scalar::<8>(id)?.map_or(default, u64::from_le_bytes))
    }

    /// An `f32` field, or `default`.
    pub(crate) fn f32(&self, id: usize, default: f32) -> Result<f32, Error> {
        Ok(self.scalar::<4>(id)?.map_or(default, f32::from_le_bytes))
    }

    /// A bool field, or `default`.
    pub(crate) fn bool(&self, id: usize, default: bool) -> Result<bool, Error> {
        Ok(self.scalar::<1>(id)?.map_or(default, |b| b[0] != 0))
    }

    /// A vector field of elements `size` bytes each: where its elements start and how many
    /// there are (none when the field is absent).
    fn vector(&self, id: usize, size: usize) -> Result<(usize, usize), Error> {
        let Some(at) = self.field(id)? else {
            return Ok((0, 0));
        };
        let vector = follow(self.bytes, at, self.what)?;
        let len = u32_at(self.bytes, vector, self.what)? as usize;
        let start = vector + 4;
        let fits = len
            .checked_mul(size)
            .and_then(|n| start.checked_add(n))
            .is_some_and(|end| end <= self.bytes.len());
        if !fits {
            return Err(Error::new(
                self.what,
                "a vector claims more elements than the file holds",
            ));
        }
        self.budget.charge(len, self.what)?;
        Ok((start, len))
    }

    /// A vector of bytes: its range in the file.
    pub(crate) fn bytes(&self, id: usize) -> Result<core::ops::Range<usize>, Error> {
        let (start, len) = self.vector(id, 1)?;
        Ok(start..start + len)
    }

    /// A string field (empty when absent).
    pub(crate) fn string(&self, id: usize) -> Result<String, Error> {
        let range = self.bytes(id)?;
        core::str::from_utf8(&self.bytes[range])
            .map(String::from)
            .map_err(|_| Error::new(self.what, "a string is not UTF-8"))
    }

    /// A vector of fixed-size scalars, decoded by `decode`.
    fn scalars<const N: usize, T>(
        &self,
        id: usize,
        decode: fn([u8; N]) -> T,
    ) -> Result<Vec<T>, Error> {
        let (start, len) = self.vector(id, N)?;
        (0..len)
            .map(|i| read::<N>(self.bytes, start + i * N, self.what).map(decode))
            .collect()
    }

    /// A vector of `i32`s.
    pub(crate) fn i32s(&self, id: usize) -> Result<Vec<i32>, Error> {
        self.scalars(id, i32::from_le_bytes)
    }

    /// A vector of `i64`s.
    pub(crate) fn i64s(&self, id: usize) -> Result<Vec<i64>, Error> {
        self.scalars(id, i64::from_le_bytes)
    }

    /// A vector of `f32`s.
    pub(crate) fn f32s(&self, id: usize) -> Result<Vec<f32>, Error> {
        self.scalars(id, f32::from_le_bytes)
    }

    /// A table field, if present.
    pub(crate) fn table(&self, id: usize, what: &'static str) -> Result<Option<Table<'a>>, Error> {
        self.field(id)?
            .map(|at| Table::at(self.bytes, self.budget, at, what))
            .transpose()
    }

    /// A vector of tables, each read by `read`.
    pub(crate) fn tables<T>(
        &self,
        id: usize,
        what: &'static str,
        mut read: impl FnMut(Table<'a>) -> Result<T, Error>,
    ) -> Result<Vec<T>, Error> {
        let (start, len) = self.vector(id, 4)?;
        (0..len)
            .map(|i| read(Table::at(self.bytes, self.budget, start + 4 * i, what)?))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file's budget runs out after a few elements per byte, however the elements are asked
    /// for: one vector pointed at many times is charged each time.
    #[test]
    fn the_budget_refuses_more_elements_than_the_file_could_hold() {
        let budget = Budget::for_file(100);
        let allowed = 100 * Budget::PER_BYTE + 1024;
        let mut read = 0;
        while budget.charge(49, "test").is_ok() {
            read += 50;
            assert!(read <= allowed, "charged past the budget");
        }
        assert!(
            read > allowed - 50,
            "refused early, after {read} of {allowed}"
        );
        let error = budget.charge(50, "test").unwrap_err();
        assert!(error.problem.contains("many times"), "{}", error.problem);
    }
}
