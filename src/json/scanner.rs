//! The record scanner: one pass over a JSONL line that validates it, finds the envelope's
//! members and repeated keys at any depth, and hands the `modelInput` value to a
//! [`Recorder`] when asked to.

use std::borrow::Cow;
use std::collections::HashMap;

use super::lex::{
    decode_string_contents, describe, eof, literal, scan_number, scan_string,
    scan_string_surrogates, skip_ws,
};
use super::{Recorder, SyntaxError, ValueKind};

/// A top-level member of the record object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member {
    /// Offset of the key's opening quote in the line.
    pub key_start: usize,
    /// Offset of the first byte of the value.
    pub value_start: usize,
    /// Offset one past the last byte of the value.
    pub value_end: usize,
    /// The value's type.
    pub kind: ValueKind,
    /// For strings: whether the contents hold a backslash escape.
    pub has_escapes: bool,
}

/// A key that appeared twice in one object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuplicateKey {
    /// Offset of the repeated key's opening quote.
    pub offset: usize,
    /// RFC 6901 pointer to the repeated member, from the record root; empty when
    /// `pointer_elided` is set.
    pub pointer: String,
    /// The pointer was longer than the scanner's limit ([`Scanner::with_limits`]) and is left
    /// out: the finding's position still places it exactly.
    pub pointer_elided: bool,
    /// The key, decoded.
    pub key: String,
}

/// What the scanner learnt about a line that is a JSON object.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Envelope {
    /// The `recordId` member (the last one, if repeated: most parsers keep the last).
    pub record_id: Option<Member>,
    /// The `modelInput` member (the last one, if repeated).
    pub model_input: Option<Member>,
    /// Other top-level members, in order, with their decoded keys.
    pub unknown_keys: Vec<(Member, String)>,
    /// Keys repeated within one object, at any depth, in order (at most the scanner's
    /// detail limit, see [`Scanner::with_limits`]).
    pub duplicate_keys: Vec<DuplicateKey>,
    /// Repeated keys past the detail limit: counted, not listed.
    pub duplicate_keys_unlisted: u64,
    /// Deepest nesting seen (1 for a flat object).
    pub max_depth: usize,
}

/// The result of scanning one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scanned {
    /// A JSON object.
    Object(Envelope),
    /// Valid JSON of another type.
    NotObject(ValueKind),
    /// Not valid JSON.
    Invalid(SyntaxError),
}

/// Reusable buffers, so scanning a line allocates nothing in the common case.
#[derive(Default)]
pub struct Scanner {
    stack: Vec<Frame>,
    keys: Vec<KeyRef>,
    limits: Option<Limits>,
    /// The last key read, for the tape: its quote, the position after it, whether it has an
    /// escape, whether it may have a lone surrogate escape, and whether it repeats an earlier key
    /// of its object (as decoded text).
    last_key: LastKey,
}

/// See [`Scanner::last_key`].
#[derive(Clone, Copy, Default)]
struct LastKey {
    quote: usize,
    end: usize,
    escaped: bool,
    maybe_lone_surrogate: bool,
    repeated: bool,
}

/// Bounds on what a line's duplicate keys cost. A hostile line can repeat a short key
/// millions of times deep inside a long chain of objects; listing every repeat with its full
/// pointer would cost (repeats × depth) time and memory.
#[derive(Clone, Copy)]
struct Limits {
    details: usize,
    pointer_bytes: usize,
}

#[derive(Clone, Copy)]
struct KeyRef {
    start: usize,
    end: usize,
    escaped: bool,
}

struct Frame {
    is_object: bool,
    /// Index in `keys` of this object's first key; for arrays, the length of `keys` when the
    /// array opened.
    keys_start: usize,
    /// Arrays: index of the current element.
    index: u64,
    /// Objects with many keys: hash of a decoded key → index (from `keys_start`) of the first
    /// key with that hash, so a repeat is confirmed with one comparison.
    set: Option<HashMap<u64, usize>>,
}

/// Objects with more keys than this use a hash set for duplicate detection.
const LINEAR_KEYS: usize = 16;

/// Which top-level key a member has.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TopKey {
    RecordId,
    ModelInput,
    Other,
}

impl Scanner {
    /// A scanner with empty buffers, listing every duplicate key with its full pointer.
    pub fn new() -> Self {
        Self::default()
    }

    /// A scanner that lists at most `details` duplicate keys per line (the rest are only
    /// counted in [`Envelope::duplicate_keys_unlisted`]) and elides pointers longer than
    /// `pointer_bytes` (see [`DuplicateKey::pointer_elided`]). Used by the line checks, which
    /// cannot show more findings than their `max_diagnostics` anyway.
    pub fn with_limits(details: usize, pointer_bytes: usize) -> Self {
        Scanner {
            limits: Some(Limits {
                details,
                pointer_bytes,
            }),
            ..Self::default()
        }
    }

    /// Scans one line (without its line end). `line` must be valid UTF-8 and must not be
    /// blank (callers report blank lines themselves).
    pub fn scan(&mut self, line: &[u8]) -> Scanned {
        self.scan_with(line, &mut ())
    }

    /// [`Scanner::scan`], also handing the top-level `modelInput` value to `recorder` (the
    /// body tape), so the body's schema check needs no second read of it. The recording is
    /// complete when the line is a valid object with a `modelInput` (the last one, if the key
    /// is repeated).
    pub fn scan_recording<R: Recorder>(&mut self, line: &[u8], recorder: &mut R) -> Scanned {
        recorder.begin();
        self.scan_with(line, recorder)
    }

    fn scan_with<R: Recorder>(&mut self, line: &[u8], recorder: &mut R) -> Scanned {
        self.stack.clear();
        self.keys.clear();
        let mut env = Envelope::default();
        // One copy of the loop per recorder: the one for `()` has no recording branches.
        match self.run(line, &mut env, recorder) {
            Ok(ValueKind::Object) => Scanned::Object(env),
            Ok(kind) => Scanned::NotObject(kind),
            Err(e) => Scanned::Invalid(e),
        }
    }

    fn run<R: Recorder>(
        &mut self,
        b: &[u8],
        env: &mut Envelope,
        tape: &mut R,
    ) -> Result<ValueKind, SyntaxError> {
        let len = b.len();
        let mut pos = skip_ws(b, 0);
        // Where the `modelInput` value being recorded starts, while it is being read.
        let mut body: Option<usize> = None;
        // The recording calls take the body's bytes and offsets in it.
        macro_rules! record {
            (|$t:ident, $body:ident, $at:ident| $call:expr) => {
                if !R::RECORDS {
                } else if let Some(start) = body {
                    let $t = &mut *tape;
                    let $body = &b[start..];
                    let $at = |p: usize| p - start;
                    $call;
                }
            };
        }
        // The top-level member whose value is being read, and where its key started.
        let mut top: Option<(TopKey, usize, usize)> = None;
        // Reads a member's key at `$at` and records it (a key repeated in its object declines
        // the tape: the scanner has already compared it with its siblings as decoded text).
        macro_rules! member_key {
            ($at:expr) => {{
                let value = self.member_key(b, $at, env, &mut top, R::RECORDS && body.is_some())?;
                let k = self.last_key;
                record!(|t, body, at| {
                    if k.repeated {
                        t.decline();
                    }
                    t.string(
                        body,
                        at(k.quote),
                        at(k.end),
                        k.escaped,
                        k.maybe_lone_surrogate,
                    )
                });
                value
            }};
        }
        let mut last_kind;
        let mut last_escaped = false;
        'value: loop {
            // Expect a value at `pos`.
            pos = skip_ws(b, pos);
            if R::RECORDS
                && self.stack.len() == 1
                && matches!(top, Some((TopKey::ModelInput, _, _)))
            {
                tape.begin();
                body = Some(pos);
            }
            match b.get(pos) {
                Some(b'{') => {
                    record!(|t, _body, at| t.open(true, at(pos)));
                    pos = skip_ws(b, pos + 1);
                    self.stack.push(Frame {
                        is_object: true,
                        keys_start: self.keys.len(),
                        index: 0,
                        set: None,
                    });
                    env.max_depth = env.max_depth.max(self.stack.len());
                    if b.get(pos) == Some(&b'}') {
                        self.stack.pop();
                        record!(|t, _body, _at| t.close());
                        pos += 1;
                        last_kind = ValueKind::Object;
                    } else {
                        pos = member_key!(pos);
                        continue 'value;
                    }
                }
                Some(b'[') => {
                    record!(|t, _body, at| t.open(false, at(pos)));
                    pos = skip_ws(b, pos + 1);
                    self.stack.push(Frame {
                        is_object: false,
                        // Arrays own no keys; this marks where the enclosing object's keys
                        // end, for `pointer_to_current`.
                        keys_start: self.keys.len(),
                        index: 0,
                        set: None,
                    });
                    env.max_depth = env.max_depth.max(self.stack.len());
                    if b.get(pos) == Some(&b']') {
                        self.stack.pop();
                        record!(|t, _body, _at| t.close());
                        pos += 1;
                        last_kind = ValueKind::Array;
                    } else {
                        continue 'value;
                    }
                }
                Some(b'"') => {
                    let (end, escaped, sur) = if R::RECORDS && body.is_some() {
                        scan_string_surrogates(b, pos)?
                    } else {
                        let (end, escaped) = scan_string(b, pos)?;
                        (end, escaped, escaped)
                    };
                    record!(|t, body, at| t.string(body, at(pos), at(end), escaped, sur));
                    pos = end;
                    last_kind = ValueKind::String;
                    last_escaped = escaped;
                }
                Some(b'-' | b'0'..=b'9') => {
                    let end = scan_number(b, pos)?;
                    record!(|t, body, at| t.number(body, at(pos), at(end)));
                    pos = end;
                    last_kind = ValueKind::Number;
                }
                Some(b't') => {
                    let end = literal(b, pos, b"true")?;
                    record!(|t, _body, at| t.constant(Some(true), at(pos), at(end)));
                    pos = end;
                    last_kind = ValueKind::Bool;
                }
                Some(b'f') => {
                    let end = literal(b, pos, b"false")?;
                    record!(|t, _body, at| t.constant(Some(false), at(pos), at(end)));
                    pos = end;
                    last_kind = ValueKind::Bool;
                }
                Some(b'n') => {
                    let end = literal(b, pos, b"null")?;
                    record!(|t, _body, at| t.constant(None, at(pos), at(end)));
                    pos = end;
                    last_kind = ValueKind::Null;
                }
                Some(&c) => return Err(unexpected_value(b, pos, c, &self.stack)),
                None => return Err(eof(len, "expected a value")),
            }
            // A value just ended at `pos`: close containers and find the next value.
            loop {
                record!(|t, _body, _at| t.ended());
                if self.stack.len() == 1 {
                    if let Some((which, key_start, vstart)) = top.take() {
                        if R::RECORDS {
                            if let Some(start) = body.take() {
                                tape.finish(pos - start);
                            }
                        }
                        let m = Member {
                            key_start,
                            value_start: vstart,
                            value_end: pos,
                            kind: last_kind,
                            has_escapes: last_kind == ValueKind::String && last_escaped,
                        };
                        if self.stack[0].is_object {
                            match which {
                                TopKey::RecordId => env.record_id = Some(m),
                                TopKey::ModelInput => env.model_input = Some(m),
                                TopKey::Other => {
                                    let k = *self.keys.last().expect("a member has a key");
                                    env.unknown_keys.push((m, decode_key(b, k).into_owned()));
                                }
                            }
                        }
                    }
                }
                let Some(frame) = self.stack.last_mut() else {
                    let end = skip_ws(b, pos);
                    if end < len {
                        return Err(SyntaxError {
                            offset: end,
                            message: format!(
                                "unexpected {} after the end of the JSON value (one record per line)",
                                describe(b, end)
                            ),
                        });
                    }
                    // The root closed last, so the last kind is the root's.
                    return Ok(last_kind);
                };
                pos = skip_ws(b, pos);
                let is_object = frame.is_object;
                match (b.get(pos), is_object) {
                    (Some(b','), true) => {
                        let next = skip_ws(b, pos + 1);
                        if b.get(next) == Some(&b'}') {
                            return Err(SyntaxError {
                                offset: pos,
                                message: "trailing comma before '}'".into(),
                            });
                        }
                        pos = member_key!(next);
                        continue 'value;
                    }
                    (Some(b','), false) => {
                        frame.index += 1;
                        let next = skip_ws(b, pos + 1);
                        if b.get(next) == Some(&b']') {
                            return Err(SyntaxError {
                                offset: pos,
                                message: "trailing comma before ']'".into(),
                            });
                        }
                        pos = next;
                        continue 'value;
                    }
                    (Some(b'}'), true) => {
                        let f = self.stack.pop().expect("non-empty");
                        self.keys.truncate(f.keys_start);
                        record!(|t, _body, _at| t.close());
                        pos += 1;
                        last_kind = ValueKind::Object;
                    }
                    (Some(b']'), false) => {
                        self.stack.pop();
                        record!(|t, _body, _at| t.close());
                        pos += 1;
                        last_kind = ValueKind::Array;
                    }
                    (Some(_), true) => {
                        return Err(SyntaxError {
                            offset: pos,
                            message: format!(
                                "expected ',' or '}}' after an object member, found {}",
                                describe(b, pos)
                            ),
                        })
                    }
                    (Some(_), false) => {
                        return Err(SyntaxError {
                            offset: pos,
                            message: format!(
                                "expected ',' or ']' after an array element, found {}",
                                describe(b, pos)
                            ),
                        })
                    }
                    (None, true) => return Err(eof(len, "unexpected end of line: '}' missing")),
                    (None, false) => return Err(eof(len, "unexpected end of line: ']' missing")),
                }
            }
        }
    }

    /// Reads `"key" :` at `pos` (inside the innermost object), records it, checks it for
    /// duplicates, and returns the position of the member's value. With `surrogates`, works
    /// out whether the key may hold a lone surrogate escape (see [`Scanner::last_key`]).
    fn member_key(
        &mut self,
        b: &[u8],
        pos: usize,
        env: &mut Envelope,
        top: &mut Option<(TopKey, usize, usize)>,
        surrogates: bool,
    ) -> Result<usize, SyntaxError> {
        match b.get(pos) {
            Some(b'"') => {}
            Some(b'\'') => {
                return Err(SyntaxError {
                    offset: pos,
                    message: "single quotes are not JSON; keys need double quotes".into(),
                })
            }
            Some(_) => {
                return Err(SyntaxError {
                    offset: pos,
                    message: format!("expected a double-quoted key, found {}", describe(b, pos)),
                })
            }
            None => return Err(eof(b.len(), "unexpected end of line: expected a key")),
        }
        let (end, escaped, maybe_lone_surrogate) = if surrogates {
            scan_string_surrogates(b, pos)?
        } else {
            let (end, escaped) = scan_string(b, pos)?;
            (end, escaped, escaped)
        };
        let key = KeyRef {
            start: pos + 1,
            end: end - 1,
            escaped,
        };
        let repeated = self.check_duplicate(b, key, pos, env);
        self.last_key = LastKey {
            quote: pos,
            end,
            escaped,
            maybe_lone_surrogate,
            repeated,
        };
        self.keys.push(key);
        if self.stack.len() == 1 {
            let which = if key.escaped {
                match decode_key(b, key).as_ref() {
                    "recordId" => TopKey::RecordId,
                    "modelInput" => TopKey::ModelInput,
                    _ => TopKey::Other,
                }
            } else {
                match &b[key.start..key.end] {
                    b"recordId" => TopKey::RecordId,
                    b"modelInput" => TopKey::ModelInput,
                    _ => TopKey::Other,
                }
            };
            *top = Some((which, pos, 0));
        }
        let colon = skip_ws(b, end);
        match b.get(colon) {
            Some(b':') => {}
            Some(_) => {
                return Err(SyntaxError {
                    offset: colon,
                    message: format!("expected ':' after a key, found {}", describe(b, colon)),
                })
            }
            None => return Err(eof(b.len(), "unexpected end of line: expected ':'")),
        }
        let value = skip_ws(b, colon + 1);
        if let Some(t) = top.as_mut() {
            if self.stack.len() == 1 {
                t.2 = value;
            }
        }
        Ok(value)
    }

    /// Whether `key` repeats a key of the innermost object; a repeat is also listed in `env`.
    fn check_duplicate(&mut self, b: &[u8], key: KeyRef, quote: usize, env: &mut Envelope) -> bool {
        let frame = self.stack.last_mut().expect("inside an object");
        let keys_start = frame.keys_start;
        let siblings = &self.keys[keys_start..];
        let is_dup = if let Some(set) = frame.set.as_mut() {
            match set.entry(key_hash(b, key)) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(siblings.len());
                    false
                }
                // A hash hit is confirmed by comparing keys, so a collision cannot invent a
                // duplicate; the first key with the hash is almost always the one repeated,
                // and only a true 64-bit collision pays for the linear scan.
                std::collections::hash_map::Entry::Occupied(o) => {
                    same_key(b, siblings[*o.get()], key)
                        || siblings.iter().any(|k| same_key(b, *k, key))
                }
            }
        } else {
            let dup = siblings.iter().any(|k| same_key(b, *k, key));
            if siblings.len() + 1 > LINEAR_KEYS {
                let mut set: HashMap<u64, usize> = HashMap::with_capacity(2 * LINEAR_KEYS);
                for (i, k) in siblings.iter().enumerate() {
                    set.entry(key_hash(b, *k)).or_insert(i);
                }
                set.entry(key_hash(b, key)).or_insert(siblings.len());
                frame.set = Some(set);
            }
            dup
        };
        if !is_dup {
            return false;
        }
        let limits = self.limits.unwrap_or(Limits {
            details: usize::MAX,
            pointer_bytes: usize::MAX,
        });
        if env.duplicate_keys.len() >= limits.details {
            env.duplicate_keys_unlisted += 1;
            return true;
        }
        let name = decode_key(b, key).into_owned();
        let pointer = self
            .pointer_to_current(b, limits.pointer_bytes)
            .and_then(|mut p| {
                crate::diagnostic::push_pointer_token(&mut p, &name);
                (p.len() <= limits.pointer_bytes).then_some(p)
            });
        env.duplicate_keys.push(DuplicateKey {
            offset: quote,
            pointer_elided: pointer.is_none(),
            pointer: pointer.unwrap_or_default(),
            key: name,
        });
        true
    }

    /// The pointer to the innermost open container, or `None` once it grows past `max_bytes`
    /// (so it costs at most that many frames).
    fn pointer_to_current(&self, b: &[u8], max_bytes: usize) -> Option<String> {
        let mut p = String::new();
        for (i, frame) in self.stack.iter().enumerate() {
            if i + 1 == self.stack.len() {
                break;
            }
            if frame.is_object {
                // Every frame records how many keys existed when it opened, so the member
                // being read in this object is the last key before the next frame's start.
                let next_start = self.stack[i + 1].keys_start;
                if let Some(k) = self.keys[frame.keys_start..next_start].last() {
                    crate::diagnostic::push_pointer_token(&mut p, &decode_key(b, *k));
                }
            } else {
                p.push('/');
                p.push_str(&frame.index.to_string());
            }
            if p.len() > max_bytes {
                return None;
            }
        }
        Some(p)
    }
}

fn same_key(b: &[u8], x: KeyRef, y: KeyRef) -> bool {
    if !x.escaped && !y.escaped {
        b[x.start..x.end] == b[y.start..y.end]
    } else {
        decode_key(b, x) == decode_key(b, y)
    }
}

fn key_hash(b: &[u8], k: KeyRef) -> u64 {
    xxhash_rust::xxh3::xxh3_64(decode_key(b, k).as_bytes())
}

fn decode_key(b: &[u8], k: KeyRef) -> Cow<'_, str> {
    decode_string_contents(&b[k.start..k.end], k.escaped)
}

fn unexpected_value(b: &[u8], pos: usize, c: u8, stack: &[Frame]) -> SyntaxError {
    let message = match c {
        b'\'' => "single quotes are not JSON; strings need double quotes".to_string(),
        b'}' | b']' if !stack.is_empty() => format!("expected a value, found '{}'", c as char),
        b'N' | b'I' => format!(
            "expected a value, found {}: NaN and Infinity are not JSON",
            describe(b, pos)
        ),
        b'T' | b'F' => format!(
            "expected a value, found {}: JSON literals are lower-case true, false, null",
            describe(b, pos)
        ),
        0xEF if b[pos..].starts_with(&[0xEF, 0xBB, 0xBF]) => {
            "unexpected byte-order mark (U+FEFF) inside the file".to_string()
        }
        _ => format!("expected a value, found {}", describe(b, pos)),
    };
    SyntaxError {
        offset: pos,
        message,
    }
}
