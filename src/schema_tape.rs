//! JSON Schema validation of `modelInput` bodies from a flat tape over the body's own bytes.
//!
//! A body is mostly one or two long strings (the prompt), and a schema only ever asks their
//! type and, at most, their length. A DOM (simd-json's or `serde_json`'s) copies and unescapes
//! every string before the validator looks at any; this tape instead records, for each value,
//! its kind and its span in the body, in one pass of the scanner's string and number
//! routines, and decodes a string only when a keyword reads it (an `enum` on `role`, say).
//! [`TapeJson`] implements `jsonschema`'s [`Json`] representation traits over it.
//!
//! Guarantee: for every body the tape accepts, a `Validator<TapeJson>` gives the same answers
//! (`is_valid`, errors, evaluation output) as a `Validator<SerdeJson>` on
//! `serde_json::from_slice` of the same bytes. The tape declines ([`BodyTape::parse`] returns
//! `None`) every body where the two readings could differ, and callers then take the
//! `serde_json` path:
//!
//! - text that is not JSON, or not UTF-8;
//! - a number `serde_json` does not read (`1e400`); the others are read by `serde_json` itself,
//!   so `-0`, big integers and float rounding are its own;
//! - a lone surrogate escape (`serde_json` rejects it);
//! - a key repeated in one object (`serde_json` keeps one member);
//! - nesting deeper than [`MAX_DEPTH`] (`serde_json` stops at 128 levels).

use std::collections::HashSet;

use serde_json::Number;

use crate::json::{hex4, literal, scan_number, scan_string_surrogates, skip_ws, Recorder};

mod node;

pub use node::{Doc, TapeNode};

/// Deepest nesting of arrays and objects the tape takes (see [`crate::limits::MAX_TAPE_DEPTH`]).
pub use crate::limits::MAX_TAPE_DEPTH as MAX_DEPTH;

/// `uniqueItems` compares pairwise up to this many elements, as `jsonschema` does for serde
/// values; beyond it the elements are converted and hashed by the crate's own routine.
const PAIRWISE_UNIQUE_LIMIT: usize = 15;

/// Objects with more members than this are checked for repeated keys with a hash set.
const PAIRWISE_KEYS_LIMIT: usize = 16;

/// The tape as a `jsonschema` instance representation: build validators with
/// `jsonschema::options_for::<TapeJson>()` and feed them the nodes [`BodyTape::parse`] hands
/// out.
pub struct TapeJson;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Null,
    False,
    True,
    Number,
    String,
    Array,
    Object,
}

/// One value of the body. Objects are followed by their members as key, value, key, value;
/// arrays by their elements; `next` is the index just past the value's subtree.
#[derive(Clone, Copy, Debug)]
struct Entry {
    kind: Kind,
    /// Strings: whether the contents hold an escape.
    escaped: bool,
    /// Strings: the contents (between the quotes); numbers: the literal.
    start: u32,
    end: u32,
    /// Containers: members or elements; numbers: index in [`BodyTape::numbers`].
    count: u32,
    next: u32,
}

/// Builds tapes, reusing its vectors from one body to the next (one per thread).
///
/// A tape is built either by [`BodyTape::parse`] from a body's text, or while the line
/// scanner reads the line (see [`crate::json::Scanner::scan_recording`]), through the same
/// recording calls, so the body is read once for both the line's checks and its schema.
#[derive(Default, Debug)]
pub struct BodyTape {
    entries: Vec<Entry>,
    numbers: Vec<Number>,
    /// Open containers: (entry index, members or elements so far).
    stack: Vec<(u32, u32)>,
    /// Set when the body cannot be taken (see the module docs); later calls do nothing.
    declined: bool,
    /// The length of the body a complete recording spans.
    complete: Option<usize>,
}

impl BodyTape {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds the tape of `text` and calls `f` with its root, or returns `None` when the tape
    /// declines the body (see the module docs).
    pub fn parse<T>(&mut self, text: &str, f: impl FnOnce(TapeNode<'_>) -> T) -> Option<T> {
        self.build(text.as_bytes());
        self.with_root(text, f)
    }

    /// Calls `f` with the root of the tape last recorded, if it is complete, was not declined
    /// and spans `text` (the body it was recorded from).
    pub fn with_root<T>(&self, text: &str, f: impl FnOnce(TapeNode<'_>) -> T) -> Option<T> {
        if self.complete != Some(text.len()) {
            return None;
        }
        // The tape's spans must be spans of `text` (see `Doc::raw`). They are when `text` is
        // the body the tape was recorded from, as callers promise; checking it costs one look
        // per value here instead of two checks on every read of a member name.
        let on_boundaries = self.entries.iter().all(|e| {
            e.start <= e.end
                && text.is_char_boundary(e.start as usize)
                && text.is_char_boundary(e.end as usize)
        });
        if !on_boundaries {
            return None;
        }
        let doc = Doc {
            text,
            entries: &self.entries,
            numbers: &self.numbers,
        };
        Some(f(TapeNode::Tape(doc, 0)))
    }

    fn build(&mut self, b: &[u8]) {
        self.begin();
        if self.read(b).is_none() {
            self.declined = true;
        }
        self.finish(b.len());
    }

    /// Reads the JSON text `b` into the tape; `None` when it is not JSON.
    fn read(&mut self, b: &[u8]) -> Option<()> {
        let mut pos = skip_ws(b, 0);
        'value: loop {
            if self.declined {
                return None;
            }
            match *b.get(pos)? {
                c @ (b'{' | b'[') => {
                    let kind = if c == b'{' { Kind::Object } else { Kind::Array };
                    self.open(kind == Kind::Object, pos);
                    pos = skip_ws(b, pos + 1);
                    let close = if kind == Kind::Object { b'}' } else { b']' };
                    if b.get(pos) == Some(&close) {
                        pos += 1;
                        self.close(b);
                    } else {
                        if kind == Kind::Object {
                            pos = self.read_key(b, pos)?;
                        }
                        continue 'value;
                    }
                }
                b'"' => {
                    let (end, escaped, maybe_lone_surrogate) =
                        scan_string_surrogates(b, pos).ok()?;
                    self.string(b, pos, end, escaped, maybe_lone_surrogate);
                    pos = end;
                }
                b'-' | b'0'..=b'9' => {
                    let end = scan_number(b, pos).ok()?;
                    self.number(b, pos, end);
                    pos = end;
                }
                b't' => pos = self.word(b, pos, b"true", Kind::True)?,
                b'f' => pos = self.word(b, pos, b"false", Kind::False)?,
                b'n' => pos = self.word(b, pos, b"null", Kind::Null)?,
                _ => return None,
            }
            // A value ended: count it, then close containers until the next value.
            loop {
                if self.declined {
                    return None;
                }
                self.ended();
                let Some(&(top, _)) = self.stack.last() else {
                    return (skip_ws(b, pos) == b.len()).then_some(());
                };
                let is_object = self.entries[top as usize].kind == Kind::Object;
                pos = skip_ws(b, pos);
                match (*b.get(pos)?, is_object) {
                    (b',', true) => {
                        pos = self.read_key(b, skip_ws(b, pos + 1))?;
                        continue 'value;
                    }
                    (b',', false) => {
                        pos = skip_ws(b, pos + 1);
                        continue 'value;
                    }
                    (b'}', true) | (b']', false) => {
                        pos += 1;
                        self.close(b);
                    }
                    _ => return None,
                }
            }
        }
    }

    fn word(&mut self, b: &[u8], pos: usize, word: &[u8], kind: Kind) -> Option<usize> {
        let end = literal(b, pos, word).ok()?;
        self.literal(kind, pos, end);
        Some(end)
    }

    /// Reads `"key" :` at `pos`; returns the position of the member's value.
    fn read_key(&mut self, b: &[u8], pos: usize) -> Option<usize> {
        if b.get(pos) != Some(&b'"') {
            return None;
        }
        let (end, escaped, maybe_lone_surrogate) = scan_string_surrogates(b, pos).ok()?;
        self.string(b, pos, end, escaped, maybe_lone_surrogate);
        let colon = skip_ws(b, end);
        (b.get(colon) == Some(&b':')).then(|| skip_ws(b, colon + 1))
    }

    // The recording calls. Positions are offsets in the body; a tape is the values of one
    // body in document order, each container followed by its members (key, then value) or
    // elements, closed by `close` once they are all recorded.

    /// Starts a new tape.
    pub(crate) fn begin(&mut self) {
        self.entries.clear();
        self.numbers.clear();
        self.stack.clear();
        self.declined = false;
        self.complete = None;
    }

    /// Ends the tape of a body of `len` bytes.
    pub(crate) fn finish(&mut self, len: usize) {
        let whole = !self.declined && self.stack.is_empty() && !self.entries.is_empty();
        self.complete = (whole && len < u32::MAX as usize).then_some(len);
    }

    /// An object or array opens at `at`.
    pub(crate) fn open(&mut self, is_object: bool, at: usize) {
        if self.declined {
            return;
        }
        self.stack.push((self.entries.len() as u32, 0));
        if self.stack.len() > MAX_DEPTH {
            self.declined = true;
            return;
        }
        let kind = if is_object { Kind::Object } else { Kind::Array };
        self.push(kind, at, at, 0);
    }

    /// A string (value or key) spans `quote..end` of `body`, quotes included.
    pub(crate) fn string(
        &mut self,
        body: &[u8],
        quote: usize,
        end: usize,
        escaped: bool,
        maybe_lone_surrogate: bool,
    ) {
        if self.declined {
            return;
        }
        if maybe_lone_surrogate && has_lone_surrogate(&body[quote + 1..end - 1]) {
            self.declined = true;
            return;
        }
        self.push(Kind::String, quote + 1, end - 1, 0);
        if !self.declined {
            self.entries.last_mut().expect("just pushed").escaped = escaped;
        }
    }

    /// A number spans `start..end` of `body`; `serde_json` reads it, as it would the body.
    pub(crate) fn number(&mut self, body: &[u8], start: usize, end: usize) {
        if self.declined {
            return;
        }
        let literal = &body[start..end];
        // Most numbers are small non-negative integers (`max_tokens`): `serde_json` reads
        // those as a `u64`, which is quicker done here. Nineteen digits always fit.
        let number = if literal.len() <= 19 && literal.iter().all(u8::is_ascii_digit) {
            let n = literal
                .iter()
                .fold(0u64, |n, &digit| n * 10 + u64::from(digit - b'0'));
            Number::from(n)
        } else {
            match serde_json::from_slice::<Number>(literal) {
                Ok(number) => number,
                Err(_) => {
                    self.declined = true;
                    return;
                }
            }
        };
        self.push(Kind::Number, start, end, self.numbers.len() as u32);
        if !self.declined {
            self.numbers.push(number);
        }
    }

    /// `true`, `false` or `null` spans `start..end`.
    fn literal(&mut self, kind: Kind, start: usize, end: usize) {
        if !self.declined {
            self.push(kind, start, end, 0);
        }
    }

    /// `true`, `false` or `null` (`value`) spans `start..end`.
    pub(crate) fn constant(&mut self, value: Option<bool>, start: usize, end: usize) {
        let kind = match value {
            None => Kind::Null,
            Some(false) => Kind::False,
            Some(true) => Kind::True,
        };
        self.literal(kind, start, end);
    }

    /// A value (a member's or an element) ended: it counts in its container.
    pub(crate) fn ended(&mut self) {
        if let (false, Some(top)) = (self.declined, self.stack.last_mut()) {
            top.1 += 1;
        }
    }

    /// Gives up on this body: the line scanner saw something the tape cannot take (a key
    /// repeated in one object, which it compares as decoded text anyway).
    pub(crate) fn decline(&mut self) {
        self.declined = true;
    }

    /// The innermost container closes; an object that repeats a key declines the tape.
    fn close(&mut self, body: &[u8]) {
        if let Some(index) = self.close_scanned() {
            let e = &self.entries[index];
            if e.kind == Kind::Object && e.count >= 2 && self.repeats_a_key(body, index) {
                self.declined = true;
            }
        }
    }

    /// The innermost container closes, its keys already checked for repeats by the line
    /// scanner (see [`BodyTape::decline`]); returns its index unless the tape was declined.
    pub(crate) fn close_scanned(&mut self) -> Option<usize> {
        if self.declined {
            return None;
        }
        let (index, count) = self.stack.pop().expect("a container is open");
        let next = self.entries.len() as u32;
        let entry = &mut self.entries[index as usize];
        entry.count = count;
        entry.next = next;
        Some(index as usize)
    }

    fn push(&mut self, kind: Kind, start: usize, end: usize, count: u32) {
        // Bodies past the InvokeModel size limit are never schema-checked (R008 reports
        // them); recording stops there, so a hostile line cannot grow the tape without bound.
        if end > crate::limits::MAX_MODEL_INPUT_BYTES {
            self.declined = true;
            return;
        }
        let next = self.entries.len() as u32 + 1;
        self.entries.push(Entry {
            kind,
            escaped: false,
            start: start as u32,
            end: end as u32,
            count,
            next,
        });
    }

    /// Whether the object at `object` names a key twice. Keys with an escape count as
    /// repeats: they are rare, and comparing them would mean decoding them, so such bodies
    /// are left to `serde_json`.
    fn repeats_a_key(&self, b: &[u8], object: usize) -> bool {
        let entries = &self.entries;
        let raw = |key: usize| &b[entries[key].start as usize..entries[key].end as usize];
        let keys = || MemberEntries::new(entries, object).map(|(key, _)| key);
        if keys().any(|key| entries[key].escaped) {
            return true;
        }
        if entries[object].count as usize <= PAIRWISE_KEYS_LIMIT {
            keys()
                .enumerate()
                .any(|(n, key)| keys().take(n).any(|earlier| raw(earlier) == raw(key)))
        } else {
            let mut seen = HashSet::with_capacity(entries[object].count as usize);
            !keys().all(|key| seen.insert(raw(key)))
        }
    }
}

/// The line scanner records `modelInput` straight onto the tape, as it reads the line.
impl Recorder for BodyTape {
    #[inline]
    fn begin(&mut self) {
        BodyTape::begin(self)
    }
    #[inline]
    fn finish(&mut self, len: usize) {
        BodyTape::finish(self, len)
    }
    #[inline]
    fn open(&mut self, is_object: bool, at: usize) {
        BodyTape::open(self, is_object, at)
    }
    #[inline]
    fn close(&mut self) {
        self.close_scanned();
    }
    #[inline]
    fn string(
        &mut self,
        body: &[u8],
        quote: usize,
        end: usize,
        escaped: bool,
        maybe_lone_surrogate: bool,
    ) {
        BodyTape::string(self, body, quote, end, escaped, maybe_lone_surrogate)
    }
    #[inline]
    fn number(&mut self, body: &[u8], start: usize, end: usize) {
        BodyTape::number(self, body, start, end)
    }
    #[inline]
    fn constant(&mut self, value: Option<bool>, start: usize, end: usize) {
        BodyTape::constant(self, value, start, end)
    }
    #[inline]
    fn ended(&mut self) {
        BodyTape::ended(self)
    }
    #[inline]
    fn decline(&mut self) {
        BodyTape::decline(self)
    }
}

/// The keys' positions of an object's members, for checks while building.
struct MemberEntries<'t> {
    entries: &'t [Entry],
    at: usize,
    left: u32,
}

impl<'t> MemberEntries<'t> {
    fn new(entries: &'t [Entry], object: usize) -> Self {
        MemberEntries {
            entries,
            at: object + 1,
            left: entries[object].count,
        }
    }
}

impl Iterator for MemberEntries<'_> {
    /// (key index, value index).
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let (key, value) = (self.at, self.at + 1);
        self.at = self.entries[value].next as usize;
        Some((key, value))
    }
}

/// Whether escaped string contents hold a `\u` surrogate escape that is not half of a pair:
/// `serde_json` rejects those, so the tape must decline them.
///
/// Walks the escapes from one backslash to the next: an escape is read whole (`\\` included),
/// so a backslash found this way always starts one, and only `\u` escapes are looked into.
fn has_lone_surrogate(raw: &[u8]) -> bool {
    let hex4 = |at: usize| hex4(raw, at);
    let mut at = 0;
    while let Some(found) = raw.get(at..).and_then(|rest| memchr::memchr(b'\\', rest)) {
        let p = at + found;
        if raw.get(p + 1) != Some(&b'u') {
            at = p + 2;
            continue;
        }
        at = p + 6;
        match hex4(p + 2) {
            Some(0xD800..=0xDBFF) => {
                let low = (raw.get(p + 6..p + 8) == Some(b"\\u"))
                    .then(|| hex4(p + 8))
                    .flatten();
                if !low.is_some_and(|l| (0xDC00..=0xDFFF).contains(&l)) {
                    return true;
                }
                // The low half is read with its pair.
                at = p + 12;
            }
            Some(0xDC00..=0xDFFF) => return true,
            _ => {}
        }
    }
    false
}

/// Records the `modelInput` of `line` (an object that has one) into `tape` with the line
/// scanner, and returns the body's text, for tests of recorded tapes.
#[cfg(test)]
pub(crate) fn record_model_input<'l>(line: &'l str, tape: &mut BodyTape) -> &'l str {
    let crate::json::Scanned::Object(env) =
        crate::json::Scanner::new().scan_recording(line.as_bytes(), tape)
    else {
        panic!("not an object: {line}");
    };
    let m = env.model_input.expect("a modelInput");
    &line[m.value_start..m.value_end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonschema::json::Node;
    use proptest::prelude::*;
    use serde_json::Value;

    #[test]
    fn bodies_past_the_size_limit_are_not_recorded() {
        let limit = crate::limits::MAX_MODEL_INPUT_BYTES;
        let mut tape = BodyTape::new();
        let big = format!("[1, \"{}\", 2]", "x".repeat(limit));
        assert!(tape.parse(&big, |_| ()).is_none());
        assert!(
            tape.entries.len() <= 2,
            "recording went on: {}",
            tape.entries.len()
        );
        assert_eq!(
            tape.parse("[1, 2]", |root| root.to_value().into_owned()),
            Some(serde_json::json!([1, 2]))
        );
    }

    /// The `modelInput` tape the line scanner records for `line`, as a value.
    fn recorded(line: &str) -> Option<Value> {
        let mut tape = BodyTape::new();
        let text = record_model_input(line, &mut tape);
        tape.with_root(text, |root| root.to_value().into_owned())
    }

    #[test]
    fn recording_takes_escaped_keys_and_declines_repeated_ones() {
        // The scanner compares keys as decoded text, so a recorded tape needs no check of its
        // own: escaped keys are read as their text, and a repeat, however spelled, declines.
        assert_eq!(
            recorded(r#"{"modelInput": {"\u0061": 1, "b": {"c\n": [2]}}}"#),
            Some(serde_json::json!({"a": 1, "b": {"c\n": [2]}}))
        );
        for line in [
            r#"{"modelInput": {"a": 1, "\u0061": 2}}"#,
            r#"{"modelInput": {"x": [{"k": 1, "j": 2, "k": 3}]}}"#,
        ] {
            assert_eq!(recorded(line), None, "{line}");
        }
        // A repeat outside the body leaves the body's tape alone.
        assert_eq!(
            recorded(r#"{"x": 1, "x": 2, "modelInput": {"a": 1}}"#),
            Some(serde_json::json!({"a": 1}))
        );
        // Parsed on its own, a tape still declines escaped keys it cannot compare cheaply.
        assert_eq!(
            BodyTape::new().parse(r#"{"\u0061": 1, "b": 2}"#, |_| ()),
            None
        );
    }

    proptest! {
        /// Lone surrogates are found exactly where `serde_json` refuses the string.
        #[test]
        fn lone_surrogates_are_what_serde_refuses(pieces in proptest::collection::vec(
            prop_oneof![
                Just(r"\ud83d"), Just(r"\uDE00"), Just(r"\uDbFF"), Just(r"\udc00"),
                Just(r"\\"), Just(r"\\u"), Just("d"), Just(r"\u00dd"), Just("ud800"),
                Just(r"\n"), Just("x"),
            ],
            0..12,
        )) {
            let raw = pieces.concat();
            let serde_refuses = serde_json::from_str::<String>(&format!("\"{raw}\"")).is_err();
            prop_assert_eq!(has_lone_surrogate(raw.as_bytes()), serde_refuses, "{}", raw);
        }
    }
}
