//! What a read's pages hold: records as [`Record`]s, or in whatever form a caller
//! decodes the answer's `records` array into (the SQL layer's column batches).
//!
//! A caller that consumes pages column by column would otherwise pay twice per cell:
//! once for a `Record` (a map of owned field codes and values) and once to copy it
//! into its own form. A [`RowsDecoder`] reads the answer's bytes straight into that
//! form, in the task that fetched the page; paging only needs each record's `$id` and
//! a way to drop records Kintone could not skip itself.

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, SeqAccess, Visitor};

use crate::scan::RecordsScan;
use crate::values::Record;

/// The records of one page, in the order Kintone sent them.
pub trait Rows: Send + Sized + 'static {
    fn len(&self) -> usize;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `$id` of the record at `i` (reads that page by `$id` always ask for it).
    fn id(&self, i: usize) -> Option<u64>;

    /// Keeps `len` records from `start` (an offset or limit Kintone could not apply).
    fn keep(&mut self, start: usize, len: usize);
}

/// Decodes the `records` array of a records answer or cursor page.
pub trait RowsDecoder: Send + Sync + 'static {
    type Rows: Rows;

    /// Reads the array at `d`. A value of the wrong shape is `Ok(Err(message))`, with
    /// the rest of the array read past (see [`skip_rest`]): the answer itself was whole,
    /// and asking again would bring the same value. A broken answer is `Err`.
    fn decode<'de, D: Deserializer<'de>>(
        &self,
        d: D,
    ) -> Result<Result<Self::Rows, String>, D::Error>;

    /// Reads the array by hand ([`RecordsScan`]), the fast path for Kintone's own shape
    /// of answer. `None` as soon as the scanner gives up or a value does not fit: the
    /// whole answer is then read again through [`decode`](Self::decode), which must
    /// give the same rows wherever this gives any.
    fn scan(&self, _records: &mut RecordsScan<'_>) -> Option<Self::Rows> {
        None
    }
}

/// Reads past the remaining elements of a sequence (after a value that could not be
/// typed), so that the error is about the value, not about the answer.
pub fn skip_rest<'de, A: SeqAccess<'de>>(seq: &mut A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

impl Rows for Vec<Record> {
    fn len(&self) -> usize {
        Vec::len(self)
    }

    fn id(&self, i: usize) -> Option<u64> {
        self.get(i).and_then(Record::id)
    }

    fn keep(&mut self, start: usize, len: usize) {
        self.drain(..start.min(self.len()));
        self.truncate(len);
    }
}

/// Pages of [`Record`]s.
#[derive(Clone, Copy, Debug, Default)]
pub struct RecordDecoder;

impl RowsDecoder for RecordDecoder {
    type Rows = Vec<Record>;

    fn decode<'de, D: Deserializer<'de>>(
        &self,
        d: D,
    ) -> Result<Result<Vec<Record>, String>, D::Error> {
        struct Records;
        impl<'de> Visitor<'de> for Records {
            type Value = Result<Vec<Record>, String>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of records")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(500));
                while let Some(raw) =
                    seq.next_element::<crate::endpoints::records::RawRecord<'de>>()?
                {
                    match Record::from_fields(raw.0) {
                        Ok(r) => out.push(r),
                        Err(e) => {
                            skip_rest(&mut seq)?;
                            return Ok(Err(e.to_string()));
                        }
                    }
                }
                Ok(Ok(out))
            }
        }
        d.deserialize_seq(Records)
    }

    fn scan(&self, records: &mut RecordsScan<'_>) -> Option<Vec<Record>> {
        records.records()
    }
}

/// A [`RowsDecoder`] as a serde seed (the `records` value of an answer).
pub(crate) struct RowsSeed<'a, D>(pub &'a D);

impl<'de, D: RowsDecoder> DeserializeSeed<'de> for RowsSeed<'_, D> {
    type Value = Result<D::Rows, String>;
    fn deserialize<De: Deserializer<'de>>(self, d: De) -> Result<Self::Value, De::Error> {
        self.0.decode(d)
    }
}
