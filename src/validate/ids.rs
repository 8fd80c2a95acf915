//! The job-wide map from `recordId` to the place it was first seen, for R006.
//!
//! It holds one entry per distinct id and is the only memory of a validation that grows with
//! the input, so it is built for size and for the merge's order of access:
//!
//! - keys are 128-bit hashes of the decoded ids (two distinct ids share one with probability
//!   about n²/2¹²⁹, below 10⁻²⁰ for a billion ids), so equal hashes are taken as equal ids;
//! - an entry is 24 bytes: the hash and the first place packed into one word;
//! - the map is split into [`PARTS`] open-addressing tables chosen by the hash's top bits, so
//!   a table that grows holds its old and new slots for a fraction of the whole;
//! - ids arrive in file order but land anywhere in the tables, so almost every lookup misses
//!   the cache; [`IdMap::prefetch`] lets the merge ask for a slot a few ids ahead of its use.

use std::collections::HashMap;

/// How many tables the map is split into (a power of two).
const PARTS: usize = 64;

/// A table grows when more than this fraction (in eighths) of its slots are full; linear
/// probing stays short below it.
const MAX_LOAD_EIGHTHS: usize = 6;

/// The 128-bit hash of a decoded `recordId`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct IdKey {
    /// Low half: picks the slot in a table.
    pub lo: u64,
    /// High half: picks the table.
    pub hi: u64,
}

impl IdKey {
    /// The key of a 128-bit hash.
    pub fn new(hash: u128) -> Self {
        IdKey {
            lo: hash as u64,
            hi: (hash >> 64) as u64,
        }
    }

    fn part(self) -> usize {
        (self.hi >> (64 - PARTS.trailing_zeros())) as usize
    }
}

/// A slot: an id's hash and its first place in one word, the file index in the top 24 bits
/// and the line (counted from 1) in the low 40. A zero place marks an empty slot, since no
/// line is 0; places that do not fit, which no real input has, go to a side map and are
/// marked [`Slot::WIDE`].
#[derive(Clone, Copy, Default)]
struct Slot {
    lo: u64,
    hi: u64,
    place: u64,
}

impl Slot {
    const LINE_BITS: u32 = 40;
    const EMPTY: u64 = 0;
    const WIDE: u64 = u64::MAX;

    fn pack(file: u32, line: u64) -> u64 {
        let fits = file < 1 << (64 - Self::LINE_BITS) && (1..1 << Self::LINE_BITS).contains(&line);
        let packed = (u64::from(file) << Self::LINE_BITS) | line;
        if fits && packed != Self::WIDE {
            packed
        } else {
            Self::WIDE
        }
    }

    fn unpack(place: u64) -> (u32, u64) {
        (
            (place >> Self::LINE_BITS) as u32,
            place & ((1 << Self::LINE_BITS) - 1),
        )
    }
}

/// One open-addressing table with linear probing.
#[derive(Default)]
struct Table {
    /// Empty, or a power of two long.
    slots: Vec<Slot>,
    len: usize,
}

impl Table {
    fn index(&self, lo: u64) -> usize {
        lo as usize & (self.slots.len() - 1)
    }

    /// Grows the table (if needed) so that `extra` more entries fit under the load limit.
    fn reserve(&mut self, extra: usize) {
        let needed = self.len + extra;
        if needed * 8 <= self.slots.len() * MAX_LOAD_EIGHTHS {
            return;
        }
        let mut capacity = self.slots.len().max(16);
        while needed * 8 > capacity * MAX_LOAD_EIGHTHS {
            capacity *= 2;
        }
        let old = std::mem::replace(&mut self.slots, vec![Slot::default(); capacity]);
        for slot in old.into_iter().filter(|s| s.place != Slot::EMPTY) {
            let mut i = self.index(slot.lo);
            while self.slots[i].place != Slot::EMPTY {
                i = (i + 1) & (capacity - 1);
            }
            self.slots[i] = slot;
        }
    }
}

/// The first place of every distinct `recordId` of a job.
#[derive(Default)]
pub struct IdMap {
    parts: Vec<Table>,
    /// First places that do not fit a packed word: (file, line).
    wide: HashMap<IdKey, (u32, u64)>,
}

impl IdMap {
    /// An empty map.
    pub fn new() -> Self {
        IdMap {
            parts: (0..PARTS).map(|_| Table::default()).collect(),
            wide: HashMap::new(),
        }
    }

    /// Makes room for about `ids` more distinct ids, spread over the tables, so they do not
    /// grow again and again.
    pub fn reserve(&mut self, ids: usize) {
        let per_part = ids.div_ceil(PARTS);
        for part in &mut self.parts {
            part.reserve(per_part);
        }
    }

    /// Asks the CPU to bring `key`'s slot into the cache ahead of a lookup: a hint, with no
    /// effect on results.
    #[inline]
    pub fn prefetch(&self, key: IdKey) {
        let table = &self.parts[key.part()];
        if table.slots.is_empty() {
            return;
        }
        let slot = &table.slots[table.index(key.lo)];
        #[cfg(target_arch = "x86_64")]
        // SAFETY: prefetching reads nothing the program can observe and is valid for any
        // address; `slot` is a live reference anyway. SSE is part of the x86_64 baseline.
        unsafe {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(slot).cast());
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = slot;
    }

    /// The first place of `key` if it was seen before; otherwise records (`file`, `line`)
    /// as its first place and returns `None`.
    pub fn first_or_insert(&mut self, key: IdKey, file: u32, line: u64) -> Option<(u32, u64)> {
        let table = &mut self.parts[key.part()];
        table.reserve(1);
        let mask = table.slots.len() - 1;
        let mut i = table.index(key.lo);
        loop {
            let slot = &mut table.slots[i];
            if slot.place == Slot::EMPTY {
                let place = Slot::pack(file, line);
                *slot = Slot {
                    lo: key.lo,
                    hi: key.hi,
                    place,
                };
                table.len += 1;
                if place == Slot::WIDE {
                    self.wide.insert(key, (file, line));
                }
                return None;
            }
            if slot.lo == key.lo && slot.hi == key.hi {
                return Some(if slot.place == Slot::WIDE {
                    self.wide[&key]
                } else {
                    Slot::unpack(slot.place)
                });
            }
            i = (i + 1) & mask;
        }
    }

    /// How many distinct ids the map holds.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.parts.iter().map(|t| t.len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_places_are_kept_and_found() {
        let mut map = IdMap::new();
        // Keys that share low bits (one slot chain) and high bits (one table).
        let keys: Vec<IdKey> = (0..5000u64)
            .map(|n| IdKey {
                lo: n << 40,
                hi: n % 3,
            })
            .collect();
        for (n, key) in keys.iter().enumerate() {
            assert_eq!(map.first_or_insert(*key, 1, n as u64 + 1), None);
        }
        for (n, key) in keys.iter().enumerate() {
            map.prefetch(*key);
            assert_eq!(map.first_or_insert(*key, 2, 9), Some((1, n as u64 + 1)));
        }
        assert_eq!(map.len(), keys.len());
    }

    #[test]
    fn places_that_do_not_pack_go_to_the_side_map() {
        let mut map = IdMap::new();
        let key = IdKey::new(7);
        let far = (1 << 24, 3);
        let deep = (0, 1 << 41);
        assert_eq!(map.first_or_insert(key, far.0, far.1), None);
        assert_eq!(map.first_or_insert(key, 0, 1), Some(far));
        let other = IdKey::new(8 << 64);
        assert_eq!(map.first_or_insert(other, deep.0, deep.1), None);
        assert_eq!(map.first_or_insert(other, 0, 1), Some(deep));
        map.reserve(1_000);
        assert_eq!(map.first_or_insert(key, 0, 1), Some(far));
    }
}
