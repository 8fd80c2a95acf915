//! New `recordId`s for `fix`: unique in the output, and the same for the same input on every
//! run.
//!
//! Uniqueness is a set of 128-bit hashes of every id the job already holds (collected by a
//! first pass over all inputs, so an id used further down the file is never handed out) plus
//! every id generated so far. A candidate that is taken is replaced by the next candidate of
//! the same format, so no format can fail: `seq` counts on, the digest formats hash again
//! with an attempt number.
//!
//! No format uses a random number generator: running `fix` twice on the same input gives
//! byte-identical output, which is what a pipeline that diffs or caches its artefacts wants.

use std::collections::HashSet;

use sha2::{Digest, Sha256};
use xxhash_rust::xxh3::{xxh3_128, Xxh3};

/// How new record ids look.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IdFormat {
    /// 11 ASCII letters and digits (the format the older service docs asked for), derived
    /// from the record's body and its place among the new ids.
    #[default]
    Alnum,
    /// A UUID (RFC 9562 version 8, name-based on the same input as `alnum`), 36 characters.
    Uuid,
    /// `REC00000001`, `REC00000002`, … (11 characters up to 99,999,999 ids), skipping ids the
    /// job already uses.
    Seq,
    /// 11 base62 characters of the SHA-256 of the `modelInput` bytes: the same body gets the
    /// same id in any file on any run.
    Hash,
}

impl IdFormat {
    /// The name used on the command line and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            IdFormat::Alnum => "alnum",
            IdFormat::Uuid => "uuid",
            IdFormat::Seq => "seq",
            IdFormat::Hash => "hash",
        }
    }
}

/// The hash under which an id is remembered: the same one the validate scan uses for its
/// duplicate check (`scan::IdEntry::hash`), so the first pass's hashes can be used as they are.
pub fn id_hash(id: &str) -> u128 {
    xxh3_128(id.as_bytes())
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Eleven base62 digits of `n`, least significant first. 62^11 ≈ 2^65.5, so the id keeps
/// about 65 bits of the hash: collisions among even a billion new ids are unlikely, and the
/// taken-set makes them harmless anyway.
fn base62_11(mut n: u128) -> String {
    let mut s = String::with_capacity(11);
    for _ in 0..11 {
        s.push(BASE62[(n % 62) as usize] as char);
        n /= 62;
    }
    s
}

/// A version-8 UUID (RFC 9562 §5.8) from 128 hash bits: version and variant bits set, the
/// rest kept.
fn uuid_v8(h: u128) -> String {
    let mut b = h.to_be_bytes();
    b[6] = (b[6] & 0x0F) | 0x80;
    b[8] = (b[8] & 0x3F) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The `hash` format's candidate number `attempt` (0 first) for a body: SHA-256 of the body,
/// then of the body followed by `#2`, `#3`, … for later attempts; the first 16 bytes of the
/// digest, read big-endian, in base62.
pub fn hash_id(body: &[u8], attempt: u64) -> String {
    let mut h = Sha256::new();
    h.update(body);
    if attempt > 0 {
        h.update(format!("#{}", attempt + 1).as_bytes());
    }
    let digest = h.finalize();
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    base62_11(u128::from_be_bytes(first))
}

/// Hands out new ids of one format, never one the job already uses or one handed out before.
pub struct IdGenerator {
    format: IdFormat,
    taken: HashSet<u128>,
    /// New ids handed out so far (feeds `alnum`/`uuid`, so equal bodies get different ids).
    issued: u64,
    /// The last `seq` number tried.
    seq: u64,
}

impl IdGenerator {
    /// A generator that avoids every id whose [`id_hash`] is in `taken`.
    pub fn new(format: IdFormat, taken: HashSet<u128>) -> Self {
        IdGenerator {
            format,
            taken,
            issued: 0,
            seq: 0,
        }
    }

    /// A new id for the record whose `modelInput` bytes are `body`.
    pub fn next(&mut self, body: &[u8]) -> String {
        let mut attempt = 0u64;
        loop {
            let candidate = match self.format {
                IdFormat::Seq => {
                    self.seq += 1;
                    format!("REC{:08}", self.seq)
                }
                IdFormat::Hash => hash_id(body, attempt),
                IdFormat::Alnum => base62_11(self.mix(b"alnum", attempt, body)),
                IdFormat::Uuid => uuid_v8(self.mix(b"uuid", attempt, body)),
            };
            attempt += 1;
            if self.taken.insert(id_hash(&candidate)) {
                self.issued += 1;
                return candidate;
            }
        }
    }

    fn mix(&self, tag: &[u8], attempt: u64, body: &[u8]) -> u128 {
        let mut h = Xxh3::new();
        h.update(tag);
        h.update(&self.issued.to_le_bytes());
        h.update(&attempt.to_le_bytes());
        h.update(body);
        h.digest128()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taken(ids: &[&str]) -> HashSet<u128> {
        ids.iter().map(|s| id_hash(s)).collect()
    }

    #[test]
    fn seq_skips_taken_ids() {
        let mut g = IdGenerator::new(IdFormat::Seq, taken(&["REC00000002"]));
        assert_eq!(g.next(b"{}"), "REC00000001");
        assert_eq!(g.next(b"{}"), "REC00000003");
    }

    #[test]
    fn alnum_is_eleven_alphanumerics_and_deterministic() {
        let mut a = IdGenerator::new(IdFormat::Alnum, HashSet::new());
        let mut b = IdGenerator::new(IdFormat::Alnum, HashSet::new());
        let x = a.next(b"{\"a\":1}");
        let y = a.next(b"{\"a\":1}");
        assert_eq!(x.len(), 11);
        assert!(x.bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(x, y, "equal bodies still get different ids");
        assert_eq!(b.next(b"{\"a\":1}"), x);
    }

    #[test]
    fn hash_is_stable_and_moves_on_when_taken() {
        let first = hash_id(b"{}", 0);
        let mut g = IdGenerator::new(IdFormat::Hash, HashSet::new());
        assert_eq!(g.next(b"{}"), first);
        // The same body again: the plain digest is taken now.
        assert_eq!(g.next(b"{}"), hash_id(b"{}", 1));
        let mut h = IdGenerator::new(IdFormat::Hash, taken(&[&first]));
        assert_eq!(h.next(b"{}"), hash_id(b"{}", 1));
    }

    #[test]
    fn uuid_has_version_8_and_rfc_variant() {
        let mut g = IdGenerator::new(IdFormat::Uuid, HashSet::new());
        let u = g.next(b"{}");
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "8");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
        assert_eq!(u.matches('-').count(), 4);
    }
}
