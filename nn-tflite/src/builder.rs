//! A small flatbuffer builder, the writing side of [`crate::flatbuffer`].
//!
//! A flatbuffer's offsets (`u32`, relative to where they are stored) point forward, towards the
//! end of the buffer, so an object must lie after everything that points at it. The builder
//! therefore writes from the end towards the start: children first (strings, vectors, tables),
//! then the tables that point at them, and last the root offset and the file identifier at the
//! very start. While building, a position is counted from the buffer's end; since the finished
//! buffer's length is padded to a multiple of the largest alignment asked for, an object whose
//! distance from the end is a multiple of its alignment is aligned in the finished buffer too.
//!
//! A table is its fields (scalars and offsets, each aligned to its size) after a signed offset
//! to its vtable; the vtable (here written just before the table) lists its own length, the
//! table's length and, per field id, where the field lies in the table (0 for a field left out,
//! which a reader takes as the schema's default). Vectors and strings are a `u32` count then
//! their elements; a string also ends in a zero byte that the count does not include.

use alloc::vec;
use alloc::vec::Vec;

/// Where an object lies, counted from the end of the buffer being built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Offset(usize);

/// The largest buffer written: its offsets (some signed) must fit 31 bits.
const LIMIT: usize = i32::MAX as usize;

/// Builds one flatbuffer from its end towards its start.
pub(crate) struct Builder {
    /// The bytes written so far are `buf[head..]`, the end of the buffer; before them zeros.
    buf: Vec<u8>,
    head: usize,
    /// The largest alignment asked for, which the finished buffer's length is a multiple of.
    align: usize,
    /// The open table's fields: their ids and positions.
    fields: Vec<(usize, usize)>,
    /// Where the open table's fields start.
    table_start: usize,
    /// Whether a position or length did not fit the format (the buffer is then refused).
    too_large: bool,
}

impl Builder {
    /// An empty builder.
    pub(crate) fn new() -> Self {
        Self {
            buf: Vec::new(),
            head: 0,
            align: 4,
            fields: Vec::new(),
            table_start: 0,
            too_large: false,
        }
    }

    /// How many bytes have been written.
    fn len(&self) -> usize {
        self.buf.len() - self.head
    }

    /// Makes room for `n` more bytes before those written.
    fn reserve(&mut self, n: usize) {
        if self.head >= n {
            return;
        }
        let len = self.len();
        let Some(needed) = len.checked_add(n).filter(|&size| size <= LIMIT) else {
            // Refused at the end; nothing more is written.
            self.too_large = true;
            return;
        };
        let size = (2 * self.buf.len()).min(LIMIT).max(needed).max(256);
        let mut grown = vec![0; size];
        grown[size - len..].copy_from_slice(&self.buf[self.head..]);
        self.buf = grown;
        self.head = size - len;
    }

    /// Writes `bytes` before those written.
    fn push(&mut self, bytes: &[u8]) {
        self.reserve(bytes.len());
        if self.head >= bytes.len() {
            self.head -= bytes.len();
            self.buf[self.head..self.head + bytes.len()].copy_from_slice(bytes);
        }
    }

    /// Writes `n` zero bytes.
    fn pad(&mut self, n: usize) {
        self.reserve(n);
        if self.head >= n {
            self.head -= n;
            self.buf[self.head..self.head + n].fill(0);
        }
    }

    /// Pads so that after `then` more bytes the position is a multiple of `align` (a power of
    /// two), which aligns what those bytes start in the finished buffer.
    fn prep(&mut self, align: usize, then: usize) {
        self.align = self.align.max(align);
        let pad = (align - (self.len().wrapping_add(then) % align)) % align;
        self.pad(pad);
    }

    /// `n` as a `u32`, noting when it does not fit.
    fn u32_of(&mut self, n: usize) -> u32 {
        u32::try_from(n).unwrap_or_else(|_| {
            self.too_large = true;
            0
        })
    }

    /// Writes a `u32` offset to `target`, relative to where it is stored.
    fn push_offset(&mut self, target: Offset) {
        self.prep(4, 4);
        let relative = (self.len() + 4).saturating_sub(target.0);
        let relative = self.u32_of(relative);
        self.push(&relative.to_le_bytes());
    }

    /// Writes a vector's count, after its elements.
    fn end_vector(&mut self, count: usize) -> Offset {
        let count = self.u32_of(count);
        self.push(&count.to_le_bytes());
        Offset(self.len())
    }

    /// A string: its UTF-8 bytes and a zero byte after them.
    pub(crate) fn string(&mut self, s: &str) -> Offset {
        self.prep(4, s.len() + 1);
        self.push(&[0]);
        self.push(s.as_bytes());
        self.end_vector(s.len())
    }

    /// A vector of bytes whose first byte is aligned to `align` (a power of two).
    pub(crate) fn bytes(&mut self, bytes: &[u8], align: usize) -> Offset {
        self.prep(align.max(4), bytes.len());
        self.push(bytes);
        self.end_vector(bytes.len())
    }

    /// A vector of `N`-byte scalars, each aligned to its size.
    fn scalars<const N: usize>(&mut self, items: &[[u8; N]]) -> Offset {
        self.prep(N.max(4), N * items.len());
        for item in items.iter().rev() {
            self.push(item);
        }
        self.end_vector(items.len())
    }

    /// A vector of `i32`s.
    pub(crate) fn i32s(&mut self, items: &[i32]) -> Offset {
        let items: Vec<[u8; 4]> = items.iter().map(|x| x.to_le_bytes()).collect();
        self.scalars(&items)
    }

    /// A vector of `i64`s.
    pub(crate) fn i64s(&mut self, items: &[i64]) -> Offset {
        let items: Vec<[u8; 8]> = items.iter().map(|x| x.to_le_bytes()).collect();
        self.scalars(&items)
    }

    /// A vector of `f32`s.
    pub(crate) fn f32s(&mut self, items: &[f32]) -> Offset {
        let items: Vec<[u8; 4]> = items.iter().map(|x| x.to_le_bytes()).collect();
        self.scalars(&items)
    }

    /// A vector of offsets to objects written before (tables, strings or vectors).
    pub(crate) fn offsets(&mut self, items: &[Offset]) -> Offset {
        self.prep(4, 4 * items.len());
        for &item in items.iter().rev() {
            self.push_offset(item);
        }
        self.end_vector(items.len())
    }

    /// Starts a table; its fields follow, then [`Builder::end_table`]. Everything the table
    /// points at must be written before.
    pub(crate) fn start_table(&mut self) {
        self.fields.clear();
        self.table_start = self.len();
    }

    /// A scalar field of `N` bytes.
    fn field<const N: usize>(&mut self, id: usize, bytes: [u8; N]) {
        self.prep(N, N);
        self.push(&bytes);
        self.fields.push((id, self.len()));
    }

    /// A `u8` field, left out when it is the schema's default.
    pub(crate) fn add_u8(&mut self, id: usize, value: u8, default: u8) {
        if value != default {
            self.field(id, [value]);
        }
    }

    /// An `i8` field, left out when it is the schema's default.
    pub(crate) fn add_i8(&mut self, id: usize, value: i8, default: i8) {
        if value != default {
            self.field(id, value.to_le_bytes());
        }
    }

    /// A bool field, left out when it is the schema's default.
    pub(crate) fn add_bool(&mut self, id: usize, value: bool, default: bool) {
        if value != default {
            self.field(id, [u8::from(value)]);
        }
    }

    /// An `i32` field, left out when it is the schema's default.
    pub(crate) fn add_i32(&mut self, id: usize, value: i32, default: i32) {
        if value != default {
            self.field(id, value.to_le_bytes());
        }
    }

    /// A `u32` field, left out when it is the schema's default.
    pub(crate) fn add_u32(&mut self, id: usize, value: u32, default: u32) {
        if value != default {
            self.field(id, value.to_le_bytes());
        }
    }

    /// An `f32` field, left out when it is the schema's default (bit for bit).
    pub(crate) fn add_f32(&mut self, id: usize, value: f32, default: f32) {
        if value.to_bits() != default.to_bits() {
            self.field(id, value.to_le_bytes());
        }
    }

    /// A field pointing at an object written before.
    pub(crate) fn add_offset(&mut self, id: usize, target: Offset) {
        self.push_offset(target);
        self.fields.push((id, self.len()));
    }

    /// Ends the table: writes its vtable offset, then the vtable before it.
    pub(crate) fn end_table(&mut self) -> Offset {
        self.prep(4, 4);
        self.push(&[0; 4]);
        let table = self.len();
        let slots = self.fields.iter().map(|&(id, _)| id + 1).max().unwrap_or(0);
        let mut vtable = vec![0u16; 2 + slots];
        let u16_of = |n: usize, too_large: &mut bool| {
            u16::try_from(n).unwrap_or_else(|_| {
                *too_large = true;
                0
            })
        };
        vtable[0] = u16_of(2 * vtable.len(), &mut self.too_large);
        vtable[1] = u16_of(table - self.table_start, &mut self.too_large);
        for &(id, at) in &self.fields {
            vtable[2 + id] = u16_of(table - at, &mut self.too_large);
        }
        self.fields.clear();
        for entry in vtable.iter().rev() {
            self.push(&entry.to_le_bytes());
        }
        // The table's first word is the vtable's distance before it.
        let distance = self.len() - table;
        let distance = i32::try_from(distance).unwrap_or_else(|_| {
            self.too_large = true;
            0
        });
        let at = self.buf.len() - table;
        if let Some(word) = self.buf.get_mut(at..at + 4) {
            word.copy_from_slice(&distance.to_le_bytes());
        }
        Offset(table)
    }

    /// Finishes the buffer: the offset to `root` and the file identifier at its start. `None`
    /// when it grew past what flatbuffers' offsets can address (2 GiB).
    pub(crate) fn finish(mut self, root: Offset, identifier: [u8; 4]) -> Option<Vec<u8>> {
        self.prep(self.align, 8);
        self.push(&identifier);
        self.push_offset(root);
        if self.too_large || self.len() > LIMIT {
            return None;
        }
        self.buf.drain(..self.head);
        Some(self.buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flatbuffer::{Budget, Table};
    use alloc::string::String;

    /// A buffer with one table of the given fields, read back by the crate's reader.
    fn built(fill: impl FnOnce(&mut Builder)) -> Vec<u8> {
        let mut b = Builder::new();
        fill(&mut b);
        let root = b.end_table();
        b.finish(root, *b"TEST").unwrap()
    }

    #[test]
    fn scalars_and_defaults_read_back() {
        let bytes = built(|b| {
            b.start_table();
            b.add_u8(0, 7, 0);
            b.add_i32(1, -5, 0);
            b.add_i32(2, 3, 3);
            b.add_f32(3, 1.5, 0.0);
            b.add_bool(4, true, false);
            b.add_u32(6, 9, 0);
        });
        assert_eq!(&bytes[4..8], b"TEST");
        assert_eq!(bytes.len() % 4, 0);
        let budget = Budget::for_file(bytes.len());
        let t = Table::at(&bytes, &budget, 0, "test").unwrap();
        assert_eq!(t.u8(0, 0).unwrap(), 7);
        assert_eq!(t.i32(1, 0).unwrap(), -5);
        // Left out (the default), so the reader's default comes back.
        assert_eq!(t.i32(2, 42).unwrap(), 42);
        assert_eq!(t.f32(3, 0.0).unwrap(), 1.5);
        assert!(t.bool(4, false).unwrap());
        assert_eq!(t.u32(5, 11).unwrap(), 11);
        assert_eq!(t.u32(6, 0).unwrap(), 9);
        assert_eq!(t.u32(20, 13).unwrap(), 13);
    }

    /// Where field `id` of the root table lies in `bytes`, read by hand from its vtable.
    fn field_at(bytes: &[u8], id: usize) -> usize {
        let word = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
        let table = word(0) as usize;
        let vtable = table - word(table) as usize;
        let entry = vtable + 4 + 2 * id;
        table + usize::from(u16::from_le_bytes([bytes[entry], bytes[entry + 1]]))
    }

    /// Every scalar field lies at a multiple of its size, whatever comes before it.
    #[test]
    fn scalar_fields_are_aligned() {
        let bytes = built(|b| {
            b.start_table();
            b.add_u8(0, 1, 0);
            b.add_i32(1, 2, 0);
            b.add_i8(2, 3, 0);
            b.add_f32(3, 4.0, 0.0);
            b.add_bool(4, true, false);
            b.add_u32(5, 6, 0);
        });
        for (id, size) in [(1, 4), (3, 4), (5, 4)] {
            let at = field_at(&bytes, id);
            assert_eq!(at % size, 0, "field {id} at {at}");
        }
        assert_eq!(bytes[field_at(&bytes, 2)], 3);
        assert_eq!(bytes[field_at(&bytes, 0)], 1);
        let table = u32::from_le_bytes(bytes[0..4].try_into().unwrap());
        assert_eq!(table % 4, 0, "the table at {table}");
    }

    /// Every vector's count is aligned to 4 and its elements to their size (`i64`s to 8,
    /// bytes to what was asked), however odd the objects written before.
    #[test]
    fn vectors_are_aligned() {
        for odd in 0..9 {
            let mut b = Builder::new();
            let filler = b.bytes(&vec![1; odd], 1);
            let longs = b.i64s(&[1, -2, 3]);
            let raw = b.bytes(&[9; 5], 16);
            let ints = b.i32s(&[4, 5]);
            b.start_table();
            b.add_offset(0, filler);
            b.add_offset(1, longs);
            b.add_offset(2, raw);
            b.add_offset(3, ints);
            let root = b.end_table();
            let bytes = b.finish(root, *b"TEST").unwrap();
            assert_eq!(bytes.len() % 16, 0);
            let budget = Budget::for_file(bytes.len());
            let t = Table::at(&bytes, &budget, 0, "test").unwrap();
            assert_eq!(t.i64s(1).unwrap(), [1, -2, 3]);
            assert_eq!(t.i32s(3).unwrap(), [4, 5]);
            assert_eq!(t.bytes(0).unwrap().len(), odd);
            let raw = t.bytes(2).unwrap();
            assert_eq!(&bytes[raw.clone()], &[9; 5]);
            assert_eq!(raw.start % 16, 0, "bytes at {}", raw.start);
            let long_at = bytes.len() - longs.0 + 4;
            assert_eq!(long_at % 8, 0, "i64s at {long_at}");
            assert_eq!((bytes.len() - ints.0) % 4, 0);
        }
    }

    #[test]
    fn empty_vectors_and_strings() {
        let bytes = built(|b| {
            let empty = b.i32s(&[]);
            let none = b.string("");
            let name = b.string("conv");
            let tables = b.offsets(&[]);
            b.start_table();
            b.add_offset(0, empty);
            b.add_offset(1, none);
            b.add_offset(2, name);
            b.add_offset(3, tables);
        });
        let budget = Budget::for_file(bytes.len());
        let t = Table::at(&bytes, &budget, 0, "test").unwrap();
        assert_eq!(t.i32s(0).unwrap(), [0i32; 0]);
        assert_eq!(t.string(1).unwrap(), "");
        assert_eq!(t.string(2).unwrap(), "conv");
        assert!(t.tables(3, "x", |_| Ok(())).unwrap().is_empty());
    }

    /// Strings end in a zero byte the count leaves out, whatever lies after them.
    #[test]
    fn strings_end_in_a_zero_byte() {
        for len in 0..9 {
            let text: String = "abcdefgh".chars().take(len).collect();
            let bytes = built(|b| {
                let after = b.bytes(&[0xff; 7], 4);
                let s = b.string(&text);
                b.start_table();
                b.add_offset(0, s);
                b.add_offset(1, after);
            });
            let budget = Budget::for_file(bytes.len());
            let t = Table::at(&bytes, &budget, 0, "test").unwrap();
            assert_eq!(t.string(0).unwrap(), text);
            let range = t.bytes(0).unwrap();
            assert_eq!(bytes[range.end], 0, "after {text:?}");
            assert_eq!(
                (range.start - 4) % 4,
                0,
                "{text:?}'s count at {}",
                range.start - 4
            );
        }
    }

    #[test]
    fn tables_of_tables() {
        let bytes = built(|b| {
            let mut items = Vec::new();
            for i in 0..3 {
                let name = b.string(if i == 1 { "one" } else { "other" });
                b.start_table();
                b.add_offset(1, name);
                b.add_i8(0, i, 0);
                items.push(b.end_table());
            }
            let items = b.offsets(&items);
            b.start_table();
            b.add_offset(2, items);
        });
        let budget = Budget::for_file(bytes.len());
        let t = Table::at(&bytes, &budget, 0, "test").unwrap();
        let items = t
            .tables(2, "item", |i| Ok((i.i8(0, 0)?, i.string(1)?)))
            .unwrap();
        assert_eq!(
            items,
            [(0, "other".into()), (1, "one".into()), (2, "other".into())]
        );
    }
}
