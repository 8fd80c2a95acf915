//! A validating JSON scanner for one JSONL line that builds no tree.
//!
//! It answers, in one pass and without allocating per value, what the envelope checks need:
//! is the line valid JSON (RFC 8259; where parsing failed if not), is it an object, where are
//! its `recordId` and `modelInput` values, which other top-level keys it has, and which objects
//! at any depth repeat a key. It is iterative (an explicit stack), so nesting depth cannot
//! overflow the thread's stack, and duplicate-key detection switches from a linear scan to a
//! hash set for objects with many keys, so hostile input stays linear.
//!
//! Why not a DOM parser: measured on the benchmark file, building a `simd-json` tape or value
//! for every line costs about twice the whole envelope budget, and `serde_json` cannot report
//! duplicate keys below the top level without materialising every string. When a body schema
//! is checked, [`Scanner::scan_recording`] also records the `modelInput` value on a flat
//! [`BodyTape`] as it goes, so the body is read once. The scanner's accept/reject decisions
//! are tested against `serde_json` by property tests.
//!
//! The input must already be valid UTF-8 (the caller checks whole chunks at once, which is
//! much faster than checking per string).

use std::borrow::Cow;
use std::collections::HashMap;

use crate::schema_tape::BodyTape;

/// The JSON type of a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// `{…}`
    Object,
    /// `[…]`
    Array,
    /// `"…"`
    String,
    /// A number.
    Number,
    /// `true` or `false`.
    Bool,
    /// `null`.
    Null,
}

impl ValueKind {
    /// The name used in messages: "an object", "a string", …
    pub fn with_article(self) -> &'static str {
        match self {
            ValueKind::Object => "an object",
            ValueKind::Array => "an array",
            ValueKind::String => "a string",
            ValueKind::Number => "a number",
            ValueKind::Bool => "a boolean",
            ValueKind::Null => "null",
        }
    }
}

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

/// Where and why a line is not valid JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// Offset in the line where parsing failed (the line's length for "unexpected end").
    pub offset: usize,
    /// What was wrong, for people.
    pub message: String,
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

#[inline]
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

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
        self.scan_with(line, None)
    }

    /// [`Scanner::scan`], also recording the top-level `modelInput` value into `tape` (see
    /// [`BodyTape`]), so the body's schema check needs no second read of it. The tape is
    /// complete when the line is a valid object with a `modelInput` (the last one, if the key
    /// is repeated).
    pub fn scan_recording(&mut self, line: &[u8], tape: &mut BodyTape) -> Scanned {
        tape.begin();
        self.scan_with(line, Some(tape))
    }

    fn scan_with(&mut self, line: &[u8], tape: Option<&mut BodyTape>) -> Scanned {
        self.stack.clear();
        self.keys.clear();
        let mut env = Envelope::default();
        // Two copies of the loop: the one without a tape has no recording branches at all.
        let run = match tape {
            Some(tape) => self.run::<true>(line, &mut env, Some(tape)),
            None => self.run::<false>(line, &mut env, None),
        };
        match run {
            Ok(ValueKind::Object) => Scanned::Object(env),
            Ok(kind) => Scanned::NotObject(kind),
            Err(e) => Scanned::Invalid(e),
        }
    }

    fn run<const RECORD: bool>(
        &mut self,
        b: &[u8],
        env: &mut Envelope,
        mut tape: Option<&mut BodyTape>,
    ) -> Result<ValueKind, SyntaxError> {
        let len = b.len();
        let mut pos = skip_ws(b, 0);
        // Where the `modelInput` value being recorded starts, while it is being read.
        let mut body: Option<usize> = None;
        // The recording calls take the body's bytes and offsets in it.
        macro_rules! record {
            (|$t:ident, $body:ident, $at:ident| $call:expr) => {
                if !RECORD {
                } else if let (Some($t), Some(start)) = (tape.as_deref_mut(), body) {
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
                let value = self.member_key(b, $at, env, &mut top, RECORD && body.is_some())?;
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
            if RECORD && self.stack.len() == 1 && matches!(top, Some((TopKey::ModelInput, _, _))) {
                if let Some(t) = tape.as_deref_mut() {
                    t.begin();
                }
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
                        record!(|t, _body, _at| t.close_scanned());
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
                        record!(|t, _body, _at| t.close_scanned());
                        pos += 1;
                        last_kind = ValueKind::Array;
                    } else {
                        continue 'value;
                    }
                }
                Some(b'"') => {
                    let (end, escaped, sur) = if RECORD && body.is_some() {
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
                        if RECORD {
                            if let (Some(t), Some(start)) = (tape.as_deref_mut(), body.take()) {
                                t.finish(pos - start);
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
                        record!(|t, _body, _at| t.close_scanned());
                        pos += 1;
                        last_kind = ValueKind::Object;
                    }
                    (Some(b']'), false) => {
                        self.stack.pop();
                        record!(|t, _body, _at| t.close_scanned());
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

/// Decodes the contents of a JSON string (between the quotes). `raw` must be a valid JSON
/// string body in valid UTF-8; lone surrogate escapes become U+FFFD.
pub fn decode_string_contents(raw: &[u8], escaped: bool) -> Cow<'_, str> {
    if !escaped {
        // The scanner's input is valid UTF-8 and a JSON string body ends at a quote, so a
        // body without escapes is valid UTF-8 too; lossy decoding is only a safety net.
        return match std::str::from_utf8(raw) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => String::from_utf8_lossy(raw),
        };
    }
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        if c != b'\\' {
            let next = memchr::memchr(b'\\', &raw[i..]).map_or(raw.len(), |n| i + n);
            out.push_str(&String::from_utf8_lossy(&raw[i..next]));
            i = next;
            continue;
        }
        let e = raw.get(i + 1).copied().unwrap_or(b'\\');
        i += 2;
        match e {
            b'"' => out.push('"'),
            b'\\' => out.push('\\'),
            b'/' => out.push('/'),
            b'b' => out.push('\u{8}'),
            b'f' => out.push('\u{c}'),
            b'n' => out.push('\n'),
            b'r' => out.push('\r'),
            b't' => out.push('\t'),
            b'u' => {
                let hi = hex4(raw, i).unwrap_or(0xFFFD);
                i += 4;
                let cp = if (0xD800..0xDC00).contains(&hi)
                    && raw.get(i) == Some(&b'\\')
                    && raw.get(i + 1) == Some(&b'u')
                {
                    let lo = hex4(raw, i + 2).unwrap_or(0xFFFD);
                    if (0xDC00..0xE000).contains(&lo) {
                        i += 6;
                        0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                    } else {
                        0xFFFD
                    }
                } else {
                    hi
                };
                out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
            }
            _ => out.push('\u{FFFD}'),
        }
    }
    Cow::Owned(out)
}

#[inline]
pub(crate) fn skip_ws(b: &[u8], mut pos: usize) -> usize {
    while pos < b.len() && is_ws(b[pos]) {
        pos += 1;
    }
    pos
}

fn eof(len: usize, message: &str) -> SyntaxError {
    SyntaxError {
        offset: len,
        message: message.to_string(),
    }
}

/// A short description of the byte at `pos` for messages: `'x'` or `end of line`.
fn describe(b: &[u8], pos: usize) -> String {
    match b.get(pos) {
        None => "end of line".into(),
        Some(&c) if c.is_ascii_graphic() || c == b' ' => format!("'{}'", c as char),
        Some(_) => {
            // Show the whole character (the line is valid UTF-8).
            let s = std::str::from_utf8(&b[pos..]).unwrap_or("");
            match s.chars().next() {
                Some(ch) if !ch.is_control() => format!("'{ch}'"),
                Some(ch) => format!("U+{:04X}", ch as u32),
                None => format!("byte 0x{:02X}", b[pos]),
            }
        }
    }
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

pub(crate) fn literal(b: &[u8], pos: usize, word: &[u8]) -> Result<usize, SyntaxError> {
    for (i, &w) in word.iter().enumerate() {
        if b.get(pos + i) != Some(&w) {
            return Err(SyntaxError {
                offset: pos + i,
                message: format!(
                    "invalid literal: expected `{}`",
                    std::str::from_utf8(word).unwrap_or("?")
                ),
            });
        }
    }
    Ok(pos + word.len())
}

pub(crate) fn scan_number(b: &[u8], start: usize) -> Result<usize, SyntaxError> {
    let mut pos = start;
    if b[pos] == b'-' {
        pos += 1;
    }
    match b.get(pos) {
        Some(b'0') => {
            pos += 1;
            if matches!(b.get(pos), Some(b'0'..=b'9')) {
                return Err(SyntaxError {
                    offset: pos,
                    message: "invalid number: leading zeros are not allowed".into(),
                });
            }
        }
        Some(b'1'..=b'9') => pos = digits(b, pos),
        _ => {
            return Err(SyntaxError {
                offset: pos,
                message: "invalid number: expected a digit after '-'".into(),
            })
        }
    }
    if b.get(pos) == Some(&b'.') {
        pos += 1;
        if !matches!(b.get(pos), Some(b'0'..=b'9')) {
            return Err(SyntaxError {
                offset: pos,
                message: "invalid number: expected a digit after '.'".into(),
            });
        }
        pos = digits(b, pos);
    }
    if matches!(b.get(pos), Some(b'e' | b'E')) {
        pos += 1;
        if matches!(b.get(pos), Some(b'+' | b'-')) {
            pos += 1;
        }
        if !matches!(b.get(pos), Some(b'0'..=b'9')) {
            return Err(SyntaxError {
                offset: pos,
                message: "invalid number: expected a digit in the exponent".into(),
            });
        }
        pos = digits(b, pos);
    }
    Ok(pos)
}

#[inline]
fn digits(b: &[u8], mut pos: usize) -> usize {
    while matches!(b.get(pos), Some(b'0'..=b'9')) {
        pos += 1;
    }
    pos
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// High bit set in each byte of `v` that is zero (exact for the lowest such byte).
#[inline]
fn zero_bytes(v: u64) -> u64 {
    v.wrapping_sub(ONES) & !v & HIGHS
}

/// Bytes that end the fast path inside a string: `"`, `\` or a control character.
#[inline]
fn special_bytes(v: u64) -> u64 {
    let quote = zero_bytes(v ^ (ONES * b'"' as u64));
    let backslash = zero_bytes(v ^ (ONES * b'\\' as u64));
    let control = v.wrapping_sub(ONES * 0x20) & !v & HIGHS;
    quote | backslash | control
}

/// The first position at or after `i` holding `"`, `\\` or a control character (or the
/// end): most string bytes are plain text, so this is the scanner's hot loop.
#[inline]
fn skip_plain(b: &[u8], mut i: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        i = if avx2::available() {
            // SAFETY: the CPU supports AVX2 (checked at run time just above).
            unsafe { avx2::skip_plain(b, i) }
        } else {
            sse2::skip_plain(b, i)
        };
    }
    // Eight bytes at a time (and the tail the SIMD loop leaves).
    while i + 8 <= b.len() {
        let v = u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        let m = special_bytes(v);
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    //! 32 bytes at a time where the CPU has AVX2 (detected once, at run time).
    use std::arch::x86_64::*;
    use std::sync::atomic::{AtomicU8, Ordering};

    /// 0 = not checked yet, 1 = no, 2 = yes.
    static AVX2: AtomicU8 = AtomicU8::new(0);

    #[inline]
    pub fn available() -> bool {
        match AVX2.load(Ordering::Relaxed) {
            0 => {
                let yes = std::arch::is_x86_feature_detected!("avx2");
                AVX2.store(if yes { 2 } else { 1 }, Ordering::Relaxed);
                yes
            }
            v => v == 2,
        }
    }

    /// Like [`super::skip_plain`], 32 bytes at a time; leaves the last < 32 bytes to the
    /// caller.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    pub unsafe fn skip_plain(b: &[u8], mut i: usize) -> usize {
        let quote = _mm256_set1_epi8(b'"' as i8);
        let backslash = _mm256_set1_epi8(b'\\' as i8);
        let ctl_max = _mm256_set1_epi8(0x1F);
        while i + 32 <= b.len() {
            // SAFETY: `i + 32 <= b.len()`, so the 32 bytes read are inside the slice, and
            // `loadu` allows any alignment.
            let v = unsafe { _mm256_loadu_si256(b.as_ptr().add(i) as *const __m256i) };
            let q = _mm256_cmpeq_epi8(v, quote);
            let s = _mm256_cmpeq_epi8(v, backslash);
            let c = _mm256_cmpeq_epi8(_mm256_max_epu8(v, ctl_max), ctl_max);
            let m = _mm256_movemask_epi8(_mm256_or_si256(_mm256_or_si256(q, s), c)) as u32;
            if m != 0 {
                return i + m.trailing_zeros() as usize;
            }
            i += 32;
        }
        i
    }

    /// A 64-byte block as two AVX2 registers.
    #[derive(Clone, Copy)]
    struct Block(__m256i, __m256i);

    impl Block {
        /// Loads the 64 bytes at `p`.
        ///
        /// # Safety
        /// The CPU must support AVX2 and `p..p + 64` must be readable.
        #[target_feature(enable = "avx2")]
        #[inline]
        unsafe fn load(p: *const u8) -> Block {
            // SAFETY: the caller guarantees 64 readable bytes at `p`; `loadu` allows any
            // alignment.
            unsafe {
                Block(
                    _mm256_loadu_si256(p as *const __m256i),
                    _mm256_loadu_si256(p.add(32) as *const __m256i),
                )
            }
        }

        /// Quotes, backslashes and control characters.
        #[target_feature(enable = "avx2")]
        #[inline]
        fn specials(self) -> (u64, u64, u64) {
            let quote = _mm256_set1_epi8(b'"' as i8);
            let backslash = _mm256_set1_epi8(b'\\' as i8);
            let ctl_max = _mm256_set1_epi8(0x1F);
            let Block(lo, hi) = self;
            (
                bits(_mm256_cmpeq_epi8(lo, quote), _mm256_cmpeq_epi8(hi, quote)),
                bits(
                    _mm256_cmpeq_epi8(lo, backslash),
                    _mm256_cmpeq_epi8(hi, backslash),
                ),
                // v <= 0x1F (unsigned) exactly when max(v, 0x1F) == 0x1F.
                bits(
                    _mm256_cmpeq_epi8(_mm256_max_epu8(lo, ctl_max), ctl_max),
                    _mm256_cmpeq_epi8(_mm256_max_epu8(hi, ctl_max), ctl_max),
                ),
            )
        }

        /// What escapes need: bytes that may follow a backslash (`"\\/bfnrtu`), `u`, and
        /// hex digits. Each class is a nibble lookup (`pshufb` on the low and high halves of
        /// every byte, then AND), so there is no branch per escape.
        #[target_feature(enable = "avx2")]
        #[inline]
        fn escape_classes(self) -> (u64, u64, u64) {
            // Escape letters by high nibble: 0x2_ → bit 0, 0x5_ → 1, 0x6_ → 2, 0x7_ → 3.
            #[rustfmt::skip]
            let esc_low = _mm256_setr_epi8(
                0, 0, 0b1101, 0, 0b1000, 0b1000, 0b0100, 0, 0, 0, 0, 0, 0b0010, 0, 0b0100, 0b0001,
                0, 0, 0b1101, 0, 0b1000, 0b1000, 0b0100, 0, 0, 0, 0, 0, 0b0010, 0, 0b0100, 0b0001,
            );
            #[rustfmt::skip]
            let esc_high = _mm256_setr_epi8(
                0, 0, 0b0001, 0, 0, 0b0010, 0b0100, 0b1000, 0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0b0001, 0, 0, 0b0010, 0b0100, 0b1000, 0, 0, 0, 0, 0, 0, 0, 0,
            );
            // Hex digits: 0x3_ with low 0–9 → bit 0; 0x4_ or 0x6_ with low 1–6 → bit 1.
            #[rustfmt::skip]
            let hex_low = _mm256_setr_epi8(
                1, 3, 3, 3, 3, 3, 3, 1, 1, 1, 0, 0, 0, 0, 0, 0,
                1, 3, 3, 3, 3, 3, 3, 1, 1, 1, 0, 0, 0, 0, 0, 0,
            );
            #[rustfmt::skip]
            let hex_high = _mm256_setr_epi8(
                0, 0, 0, 1, 2, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 1, 2, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            );
            let u = _mm256_set1_epi8(b'u' as i8);
            let Block(lo, hi) = self;
            (
                !bits(
                    no_class(lo, esc_low, esc_high),
                    no_class(hi, esc_low, esc_high),
                ),
                bits(_mm256_cmpeq_epi8(lo, u), _mm256_cmpeq_epi8(hi, u)),
                !bits(
                    no_class(lo, hex_low, hex_high),
                    no_class(hi, hex_low, hex_high),
                ),
            )
        }
    }

    impl Block {
        /// The bytes `d` and `D`.
        #[target_feature(enable = "avx2")]
        #[inline]
        fn letter_d(self) -> u64 {
            // `D` is `d` without bit 5.
            let fold = _mm256_set1_epi8(0x20);
            let d = _mm256_set1_epi8(b'd' as i8);
            let Block(lo, hi) = self;
            bits(
                _mm256_cmpeq_epi8(_mm256_or_si256(lo, fold), d),
                _mm256_cmpeq_epi8(_mm256_or_si256(hi, fold), d),
            )
        }
    }

    /// The sign bits of two 32-byte masks as one 64-bit mask.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn bits(lo: __m256i, hi: __m256i) -> u64 {
        (_mm256_movemask_epi8(lo) as u32 as u64) | ((_mm256_movemask_epi8(hi) as u32 as u64) << 32)
    }

    /// 0xFF for each byte of `v` in none of the classes of the nibble tables `low` and
    /// `high` (a byte is in class k when bit k is set in both its nibbles' entries).
    #[target_feature(enable = "avx2")]
    #[inline]
    fn no_class(v: __m256i, low: __m256i, high: __m256i) -> __m256i {
        let nibble = _mm256_set1_epi8(0x0F);
        let lo = _mm256_and_si256(v, nibble);
        let hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble);
        let both = _mm256_and_si256(_mm256_shuffle_epi8(low, lo), _mm256_shuffle_epi8(high, hi));
        _mm256_cmpeq_epi8(both, _mm256_setzero_si256())
    }

    /// The escaped bytes of a block whose backslashes are `backslash`; `carry` says whether
    /// the block's first byte is escaped, and is updated for the next block. Runs of
    /// backslashes are resolved with one addition instead of a branch per escape (the
    /// technique of simdjson's stage 1, Langdale and Lemire, 2019).
    #[inline]
    fn escaped_bits(backslash: u64, carry: &mut u64) -> u64 {
        const EVEN: u64 = 0x5555_5555_5555_5555;
        if backslash == 0 {
            let escaped = *carry;
            *carry = 0;
            return escaped;
        }
        // An escaped backslash escapes nothing.
        let backslash = backslash & !*carry;
        let follows_escape = (backslash << 1) | *carry;
        let odd_starts = backslash & !EVEN & !follows_escape;
        let (sum, overflow) = odd_starts.overflowing_add(backslash);
        *carry = overflow as u64;
        let invert = sum << 1;
        (EVEN ^ invert) & follows_escape
    }

    /// Like [`super::scan_string`] 64 bytes at a time, escapes included: `None` for anything
    /// but a well-formed string that closes within `b` (the caller then words the error).
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    ///
    /// Returns the position after the closing quote, whether the string holds an escape, and
    /// whether it holds a lone surrogate escape (`\\uD800`–`\\uDFFF` that is not a high half
    /// directly followed by a low half), which JSON readers such as `serde_json` reject.
    ///
    /// Without `SURROGATES` the third answer is `true` whenever there is an escape (not worked
    /// out, which saves a little per escape).
    ///
    /// Surrogates are paired up by looking only at the escapes whose first hex digit is `d`
    /// or `D` (a bit mask per block, so nearly always none), reading their digits from `b`
    /// directly, which works across block boundaries.
    pub unsafe fn scan_string<const SURROGATES: bool>(
        b: &[u8],
        start: usize,
    ) -> Option<(usize, bool, bool)> {
        let len = b.len();
        let mut i = start + 1;
        // Most strings are short keys and values with no escape: one 32-byte look settles them.
        if i + 32 <= len {
            // SAFETY: AVX2 is available and `i + 32 <= len`; `loadu` allows any alignment.
            let v = unsafe { _mm256_loadu_si256(b.as_ptr().add(i) as *const __m256i) };
            let ctl_max = _mm256_set1_epi8(0x1F);
            let q = _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'"' as i8))) as u32;
            let other = _mm256_movemask_epi8(_mm256_or_si256(
                _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'\\' as i8)),
                _mm256_cmpeq_epi8(_mm256_max_epu8(v, ctl_max), ctl_max),
            )) as u32;
            if q != 0 && other & ((q & q.wrapping_neg()) - 1) == 0 {
                return Some((i + q.trailing_zeros() as usize + 1, false, false));
            }
        }
        let mut carry = 0u64;
        // Bits of this block that must be hex digits: the end of a `\\uXXXX` begun in the
        // block before.
        let mut hex_due = 0u64;
        let mut any_escape = false;
        // Whether a `\\u` ended the block before (its first digit opens this one), and whether
        // some `\\u` was followed by `d`/`D`.
        let mut unicode_carry = 0u64;
        let mut lone_surrogate = false;
        // Where the first digit of the low half paired with the last high surrogate is.
        let mut paired_low = usize::MAX;
        loop {
            let block = if i + 64 <= len {
                // SAFETY: AVX2 is available (this function's contract) and `i + 64 <= len`.
                unsafe { Block::load(b.as_ptr().add(i)) }
            } else {
                // The last bytes, padded with spaces: not special, not hex and not a valid
                // escape, so a string cut short by the line's end falls back.
                let mut tail = [b' '; 64];
                let rest = b.get(i..)?;
                tail[..rest.len()].copy_from_slice(rest);
                // SAFETY: AVX2 is available and `tail` is 64 bytes long.
                unsafe { Block::load(tail.as_ptr()) }
            };
            let (q, s, c) = block.specials();
            let escaped = escaped_bits(s, &mut carry);
            let quotes = q & !escaped;
            // The bytes before the closing quote, or the whole block when it does not close.
            let inside = if quotes == 0 {
                u64::MAX
            } else {
                (quotes & quotes.wrapping_neg()) - 1
            };
            if c & inside != 0 {
                return None;
            }
            let escapes = escaped & inside;
            if escapes | hex_due != 0 {
                any_escape |= escapes != 0;
                let (allowed, u, hex) = block.escape_classes();
                let unicode = escapes & u;
                let due =
                    hex_due | (unicode << 1) | (unicode << 2) | (unicode << 3) | (unicode << 4);
                if escapes & !allowed != 0 || due & !hex != 0 {
                    return None;
                }
                hex_due = (unicode >> 63) | (unicode >> 62) | (unicode >> 61) | (unicode >> 60);
                if SURROGATES {
                    let first_digits = (unicode << 1) | unicode_carry;
                    let mut d = if first_digits != 0 {
                        first_digits & block.letter_d()
                    } else {
                        0
                    };
                    while d != 0 {
                        let p = i + d.trailing_zeros() as usize;
                        d &= d - 1;
                        match super::hex4(b, p) {
                            Some(0xD800..=0xDBFF) => {
                                let low = b.get(p + 4..p + 6) == Some(b"\\u")
                                    && matches!(super::hex4(b, p + 6), Some(0xDC00..=0xDFFF));
                                if low {
                                    paired_low = p + 6;
                                } else {
                                    lone_surrogate = true;
                                }
                            }
                            Some(0xDC00..=0xDFFF) => lone_surrogate |= p != paired_low,
                            _ => {}
                        }
                    }
                    unicode_carry = unicode >> 63;
                } else {
                    lone_surrogate = any_escape;
                }
            }
            if quotes != 0 {
                // A hex digit still due would have been where the quote is.
                if hex_due != 0 {
                    return None;
                }
                return Some((
                    i + quotes.trailing_zeros() as usize + 1,
                    any_escape,
                    lone_surrogate,
                ));
            }
            if i + 64 >= len {
                return None;
            }
            i += 64;
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    //! SSE2 is part of the x86_64 baseline, so this needs no runtime detection.
    use std::arch::x86_64::*;

    /// Like [`super::skip_plain`], 16 bytes at a time; stops early (before the last 16
    /// bytes) and leaves the rest to the caller.
    #[inline]
    pub fn skip_plain(b: &[u8], mut i: usize) -> usize {
        // SAFETY: SSE2 is always available on x86_64; every load reads 16 bytes starting at
        // `i` with `i + 16 <= b.len()`, inside the slice, and `loadu` allows any alignment.
        unsafe {
            let quote = _mm_set1_epi8(b'"' as i8);
            let backslash = _mm_set1_epi8(b'\\' as i8);
            let ctl_max = _mm_set1_epi8(0x1F);
            while i + 16 <= b.len() {
                let v = _mm_loadu_si128(b.as_ptr().add(i) as *const __m128i);
                let q = _mm_cmpeq_epi8(v, quote);
                let s = _mm_cmpeq_epi8(v, backslash);
                // v <= 0x1F (unsigned) exactly when max(v, 0x1F) == 0x1F.
                let c = _mm_cmpeq_epi8(_mm_max_epu8(v, ctl_max), ctl_max);
                let m = _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(q, s), c));
                if m != 0 {
                    return i + m.trailing_zeros() as usize;
                }
                i += 16;
            }
        }
        i
    }
}

/// Scans the string starting at the quote at `start`; returns the position after the
/// closing quote and whether the contents hold an escape.
#[inline]
pub(crate) fn scan_string(b: &[u8], start: usize) -> Result<(usize, bool), SyntaxError> {
    scan_string_with::<false>(b, start).map(|(end, escaped, _)| (end, escaped))
}

/// [`scan_string`], also telling whether the string may hold a lone surrogate escape (`true`
/// whenever that was not worked out: the byte loop answers "it has an escape"), so that
/// callers who must refuse lone surrogates only look at strings that may have them.
#[inline]
pub(crate) fn scan_string_surrogates(
    b: &[u8],
    start: usize,
) -> Result<(usize, bool, bool), SyntaxError> {
    scan_string_with::<true>(b, start)
}

/// The value of the four hex digits at `at`, if there are four.
#[inline]
pub(crate) fn hex4(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)?
        .iter()
        .try_fold(0, |n, &c| Some(n * 16 + (c as char).to_digit(16)?))
}

#[inline]
fn scan_string_with<const SURROGATES: bool>(
    b: &[u8],
    start: usize,
) -> Result<(usize, bool, bool), SyntaxError> {
    #[cfg(target_arch = "x86_64")]
    if avx2::available() {
        // SAFETY: the CPU supports AVX2 (checked at run time just above).
        if let Some(done) = unsafe { avx2::scan_string::<SURROGATES>(b, start) } {
            return Ok(done);
        }
        // Anything unusual (an error, or a string running to the end of the line) is left to
        // the byte loop below, which alone words the errors.
    }
    scan_string_bytes(b, start).map(|(end, escaped)| (end, escaped, escaped))
}

/// [`scan_string`] a byte (or a plain run) at a time: the reference version, and the one
/// that words every error.
fn scan_string_bytes(b: &[u8], start: usize) -> Result<(usize, bool), SyntaxError> {
    let len = b.len();
    let mut i = start + 1;
    let mut escaped = false;
    loop {
        i = skip_plain(b, i);
        let Some(&c) = b.get(i) else {
            return Err(SyntaxError {
                offset: len,
                message: format!(
                    "unterminated string (opened at column {})",
                    char_column(b, start)
                ),
            });
        };
        match c {
            b'"' => return Ok((i + 1, escaped)),
            b'\\' => {
                escaped = true;
                match b.get(i + 1) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                    Some(b'u') => {
                        for k in 0..4 {
                            if !b.get(i + 2 + k).is_some_and(|h| h.is_ascii_hexdigit()) {
                                return Err(SyntaxError {
                                    offset: i + 2 + k,
                                    message: "invalid \\u escape: expected 4 hex digits".into(),
                                });
                            }
                        }
                        i += 6;
                    }
                    Some(_) => {
                        return Err(SyntaxError {
                            offset: i,
                            message: format!(
                                "invalid escape {}{} in string",
                                '\\',
                                describe(b, i + 1).trim_matches('\'')
                            ),
                        })
                    }
                    None => {
                        return Err(SyntaxError {
                            offset: len,
                            message: "unterminated string: line ends after a backslash".into(),
                        })
                    }
                }
            }
            c if c < 0x20 => {
                let name = match c {
                    b'\t' => " (tab; write it as \\t)".to_string(),
                    b'\r' => " (carriage return; write it as \\r)".to_string(),
                    _ => String::new(),
                };
                return Err(SyntaxError {
                    offset: i,
                    message: format!(
                        "control character U+{:04X}{name} must be escaped in a string",
                        c
                    ),
                });
            }
            _ => i += 1,
        }
    }
}

/// The byte offset, in the valid JSON text `json`, of the value an RFC 6901 `pointer` names;
/// when it does not exist (a missing field), the offset of its deepest existing ancestor.
/// With repeated keys the last one counts, as most parsers keep the last.
pub fn locate_pointer(json: &[u8], pointer: &str) -> usize {
    locate_pointers(json, &[pointer])[0]
}

/// [`locate_pointer`] for several pointers in one walk over `json`. Only the members on the
/// way to a wanted value are looked at and every other value is skipped, so the walk is
/// linear in the text however many pointers are asked for (a body can have hundreds of
/// thousands of findings, and one walk per finding would be quadratic).
pub fn locate_pointers(json: &[u8], pointers: &[&str]) -> Vec<usize> {
    let mut trie = PointerTrie {
        nodes: vec![TrieNode::default()],
    };
    let paths: Vec<Vec<usize>> = pointers.iter().map(|p| trie.insert(p)).collect();
    let root = skip_ws(json, 0);
    trie.walk(json, root);
    paths
        .iter()
        .map(|path| {
            // Follow the path while each value lies inside its parent's last occurrence: a
            // later repeat of a parent key that lacks the child hides the earlier child.
            let mut at = root;
            let mut range = (root, json.len());
            for &id in path {
                match trie.nodes[id].found {
                    Some((s, e)) if s >= range.0 && e <= range.1 => {
                        at = s;
                        range = (s, e);
                    }
                    _ => break,
                }
            }
            at
        })
        .collect()
}

/// The wanted pointers as a tree of decoded tokens; node 0 is the root value.
struct PointerTrie {
    nodes: Vec<TrieNode>,
}

#[derive(Default)]
struct TrieNode {
    children: HashMap<String, usize>,
    /// Start and end of the value's last occurrence.
    found: Option<(usize, usize)>,
}

/// An open container on the way to wanted values.
struct OpenValue {
    node: usize,
    start: usize,
    is_object: bool,
    index: usize,
}

impl PointerTrie {
    /// Adds `pointer`; returns the nodes along it, root first.
    fn insert(&mut self, pointer: &str) -> Vec<usize> {
        let mut path = vec![0];
        let mut node = 0;
        for raw in pointer.split('/').skip(1) {
            let token = raw.replace("~1", "/").replace("~0", "~");
            node = match self.nodes[node].children.get(&token) {
                Some(&n) => n,
                None => {
                    let n = self.nodes.len();
                    self.nodes.push(TrieNode::default());
                    self.nodes[node].children.insert(token, n);
                    n
                }
            };
            path.push(node);
        }
        path
    }

    /// Records where every wanted value occurs. Iterative, so deep input cannot overflow the
    /// stack; stops quietly on text that is not valid JSON.
    fn walk(&mut self, json: &[u8], root: usize) {
        let mut stack: Vec<OpenValue> = Vec::new();
        let mut pos = root;
        // The trie node of the value at `pos`, when it is wanted.
        let mut node = Some(0);
        loop {
            // A value starts at `pos`.
            let opens = json.get(pos).copied().filter(|c| matches!(c, b'{' | b'['));
            match (node, opens) {
                (Some(n), Some(open)) if !self.nodes[n].children.is_empty() => {
                    let is_object = open == b'{';
                    stack.push(OpenValue {
                        node: n,
                        start: pos,
                        is_object,
                        index: 0,
                    });
                    let first = skip_ws(json, pos + 1);
                    if json.get(first) == Some(if is_object { &b'}' } else { &b']' }) {
                        pos = first;
                    } else {
                        match self.enter(json, first, stack.last().expect("just pushed")) {
                            Some((p, child)) => {
                                pos = p;
                                node = child;
                                continue;
                            }
                            None => return,
                        }
                    }
                }
                _ => {
                    let Some(end) = skip_value(json, pos) else {
                        return;
                    };
                    if let Some(n) = node {
                        self.nodes[n].found = Some((pos, end));
                    }
                    pos = end;
                }
            }
            // A value ended at `pos` (or a container is about to close there).
            loop {
                let Some(top) = stack.last_mut() else {
                    return;
                };
                let p = skip_ws(json, pos);
                match json.get(p) {
                    Some(b',') => {
                        top.index += 1;
                        let next = skip_ws(json, p + 1);
                        match self.enter(json, next, stack.last().expect("non-empty")) {
                            Some((v, child)) => {
                                pos = v;
                                node = child;
                                break;
                            }
                            None => return,
                        }
                    }
                    Some(b'}' | b']') => {
                        let done = stack.pop().expect("non-empty");
                        self.nodes[done.node].found = Some((done.start, p + 1));
                        pos = p + 1;
                    }
                    _ => return,
                }
            }
        }
    }

    /// The member or element starting at `pos` inside `parent`: where its value starts and
    /// its trie node, if wanted.
    fn enter(&self, json: &[u8], pos: usize, parent: &OpenValue) -> Option<(usize, Option<usize>)> {
        let children = &self.nodes[parent.node].children;
        if !parent.is_object {
            return Some((pos, children.get(&parent.index.to_string()).copied()));
        }
        if json.get(pos) != Some(&b'"') {
            return None;
        }
        let (end, escaped) = scan_string(json, pos).ok()?;
        let key = decode_string_contents(&json[pos + 1..end - 1], escaped);
        let colon = skip_ws(json, end);
        if json.get(colon) != Some(&b':') {
            return None;
        }
        Some((
            skip_ws(json, colon + 1),
            children.get(key.as_ref()).copied(),
        ))
    }
}

/// Whether the valid JSON text `json` holds more than `limit` values, counted without
/// building it: as one more than its commas outside strings, which misses only the first
/// value of each container.
pub fn more_values_than(json: &[u8], limit: usize) -> bool {
    let mut values = 1usize;
    let mut i = 0;
    while i < json.len() {
        match json[i] {
            b'"' => match scan_string(json, i) {
                Ok((end, _)) => {
                    i = end;
                    continue;
                }
                Err(_) => return false,
            },
            b',' => {
                values += 1;
                if values > limit {
                    return true;
                }
            }
            _ => {}
        }
        i += 1;
    }
    false
}

/// The end of the (valid) value starting at `pos`.
fn skip_value(json: &[u8], pos: usize) -> Option<usize> {
    match json.get(pos)? {
        b'"' => scan_string(json, pos).ok().map(|(end, _)| end),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut p = pos;
            while p < json.len() {
                match json[p] {
                    b'"' => {
                        p = scan_string(json, p).ok()?.0;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(p + 1);
                        }
                    }
                    _ => {}
                }
                p += 1;
            }
            None
        }
        _ => {
            let mut p = pos;
            while p < json.len()
                && !matches!(json[p], b',' | b']' | b'}' | b' ' | b'\t' | b'\r' | b'\n')
            {
                p += 1;
            }
            Some(p)
        }
    }
}

/// 1-based column, in Unicode characters, of byte `offset` in a UTF-8 `line`.
pub fn char_column(line: &[u8], offset: usize) -> u64 {
    let prefix = &line[..offset.min(line.len())];
    // Every character has exactly one byte that is not a continuation byte (10xxxxxx).
    let continuation = prefix.iter().filter(|&&c| (c as i8) < -64).count();
    (prefix.len() - continuation) as u64 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(s: &str) -> Scanned {
        Scanner::new().scan(s.as_bytes())
    }

    fn err(s: &str) -> SyntaxError {
        match scan(s) {
            Scanned::Invalid(e) => e,
            other => panic!("expected an error for {s:?}, got {other:?}"),
        }
    }

    #[test]
    fn envelope_members_are_found() {
        let line = r#"{"recordId":"ABC12345678","modelInput":{"a":[1,2,{"b":null}]},"x":true}"#;
        let Scanned::Object(env) = scan(line) else {
            panic!()
        };
        let rid = env.record_id.unwrap();
        assert_eq!(&line[rid.value_start..rid.value_end], "\"ABC12345678\"");
        assert_eq!(rid.kind, ValueKind::String);
        let mi = env.model_input.unwrap();
        assert_eq!(
            &line[mi.value_start..mi.value_end],
            r#"{"a":[1,2,{"b":null}]}"#
        );
        assert_eq!(mi.kind, ValueKind::Object);
        assert_eq!(env.unknown_keys.len(), 1);
        assert_eq!(env.unknown_keys[0].1, "x");
        assert_eq!(env.max_depth, 4);
    }

    #[test]
    fn not_objects_are_typed() {
        assert_eq!(scan("[1,2]"), Scanned::NotObject(ValueKind::Array));
        assert_eq!(scan(" 12.5e3 "), Scanned::NotObject(ValueKind::Number));
        assert_eq!(scan("\"s\""), Scanned::NotObject(ValueKind::String));
        assert_eq!(scan("null"), Scanned::NotObject(ValueKind::Null));
    }

    #[test]
    fn errors_point_at_the_failure() {
        assert_eq!(err(r#"{"a":1,}"#).offset, 6);
        assert_eq!(err(r#"{"a" 1}"#).offset, 5);
        assert_eq!(err(r#"{"a":01}"#).offset, 6);
        assert_eq!(err(r#"{"a":1"#).offset, 6);
        assert_eq!(err("{\"a\":\"x\ty\"}").offset, 7);
        assert_eq!(err(r#"{"a":"\x"}"#).offset, 6);
        assert_eq!(err(r#"{"a":tru}"#).offset, 8);
        assert_eq!(err(r#"{"a":1} {}"#).offset, 8);
        assert_eq!(err(r#"{'a':1}"#).offset, 1);
        assert_eq!(err(r#"{"a":"abcdefghijklmnop"#).offset, 22);
        assert!(err(r#"{"a":NaN}"#).message.contains("NaN"));
    }

    #[test]
    fn duplicate_keys_at_any_depth_with_pointers() {
        let line = r#"{"modelInput":{"messages":[{"role":"user","role":"x"}]},"modelInput":{}}"#;
        let Scanned::Object(env) = scan(line) else {
            panic!()
        };
        let ptrs: Vec<_> = env
            .duplicate_keys
            .iter()
            .map(|d| d.pointer.as_str())
            .collect();
        assert_eq!(ptrs, ["/modelInput/messages/0/role", "/modelInput"]);
        // The last modelInput wins.
        let mi = env.model_input.unwrap();
        assert_eq!(&line[mi.value_start..mi.value_end], "{}");
    }

    #[test]
    fn escaped_keys_compare_by_value() {
        let Scanned::Object(env) = scan(r#"{"ab":1,"a\u0062":2}"#) else {
            panic!()
        };
        assert_eq!(env.duplicate_keys.len(), 1);
        assert_eq!(env.duplicate_keys[0].key, "ab");
    }

    #[test]
    fn many_keys_use_the_hash_set() {
        let mut s = String::from("{");
        for i in 0..1000 {
            s.push_str(&format!("\"k{i}\":{i},"));
        }
        s.push_str("\"k500\":0}");
        let Scanned::Object(env) = scan(&s) else {
            panic!()
        };
        assert_eq!(env.duplicate_keys.len(), 1);
        assert_eq!(env.duplicate_keys[0].pointer, "/k500");
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let depth = 200_000;
        let s = format!(
            "{{\"modelInput\":{}{}}}",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        assert!(matches!(scan(&s), Scanned::Object(_)));
    }

    #[test]
    fn pointers_locate_values() {
        let j = br#"{"a":{"b":[10, {"c":"x"}],"b~/":1},"a":{"d":[1,2, 3]}}"#;
        let at = |p: &str| locate_pointer(j, p);
        // Repeated "a": the last counts.
        assert_eq!(&j[at("/a")..at("/a") + 6], b"{\"d\":[");
        assert_eq!(&j[at("/a/d/2")..at("/a/d/2") + 1], b"3");
        assert_eq!(at("/a/missing"), at("/a"));
        assert_eq!(at(""), 0);
    }

    #[test]
    fn strings_decode() {
        assert_eq!(
            decode_string_contents(br#"a\n\u00e9\ud83d\ude00\ud800"#, true),
            "a\n\u{e9}\u{1F600}\u{FFFD}"
        );
        assert_eq!(char_column("aé€x".as_bytes(), 6), 4);
    }
    /// The 64-byte block scanner agrees with the byte loop: same end and escape flag for
    /// every well-formed string, and a fallback (never a different answer) otherwise.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn block_scanner_matches_byte_loop() {
        use proptest::prelude::*;
        if !avx2::available() {
            return;
        }
        let piece = prop_oneof![
            Just("\\".to_string()),
            Just("\\\\".to_string()),
            Just("\\\"".to_string()),
            Just("\"".to_string()),
            Just("\\u00e9".to_string()),
            Just("\\ud83d".to_string()),
            Just("\\uDE00".to_string()),
            Just("\\ud83d\\ude00".to_string()),
            Just("\\uDBFF".to_string()),
            Just("\\udc00".to_string()),
            Just("\\ud7ff".to_string()),
            Just("\\u".to_string()),
            Just("d".to_string()),
            Just("\\u12".to_string()),
            Just("\\x".to_string()),
            Just("\\n".to_string()),
            Just("\t".to_string()),
            Just("\u{1}".to_string()),
            Just("é".to_string()),
            Just("u".to_string()),
            "[a-f0-9 ]{1,70}",
        ];
        let strategy = (proptest::collection::vec(piece, 0..40), 0usize..70);
        proptest!(ProptestConfig::with_cases(4000), |((pieces, pad) in strategy)| {
            let text = format!("{}\"{}\"", " ".repeat(pad), pieces.concat());
            let b = text.as_bytes();
            for cut in [b.len(), b.len().saturating_sub(1), b.len() / 2] {
                let line = &b[..cut.max(pad + 1)];
                let slow = scan_string_bytes(line, pad);
                // SAFETY: AVX2 was detected above.
                let fast = unsafe { avx2::scan_string::<true>(line, pad) };
                match fast {
                    Some((end, escaped, lone)) => {
                        prop_assert_eq!(Ok((end, escaped)), slow);
                        let quoted = std::str::from_utf8(&b[pad..end]).unwrap();
                        let serde_refuses = serde_json::from_str::<String>(quoted).is_err();
                        prop_assert_eq!(lone, serde_refuses, "{}", quoted);
                    }
                    None => prop_assert!(slow.is_err(), "fell back on a good string: {:?}", text),
                }
            }
        });
    }
}
