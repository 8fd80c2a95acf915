//! Chunked, parallel line checks: cut a file into newline-aligned chunks, check every line
//! of a chunk on a worker thread, and hand back per-chunk results to be merged in order.
//!
//! A chunk never splits a line: it ends after a `\n` (or at the end of the file), so a line
//! longer than the chunk size simply makes a longer chunk. Positions inside a chunk are
//! kept relative (line numbers count from the chunk's first line) and made absolute by the
//! ordered merge with a prefix sum of newline counts, which is why results never depend on
//! the chunk size, the thread count or whether the file was mapped or streamed.

use std::io::Read;
use std::sync::Arc;

use memchr::memchr;

use crate::diagnostic::{Diagnostic, Position};
use crate::json::{char_column, decode_string_contents, Scanned, Scanner, ValueKind};
use crate::rules::{RuleCode, RuleSelection, RULES};
use crate::schema_tape::BodyTape;

// The limits and text helpers moved to leaf modules; the old paths stay for library callers.
pub use crate::limits::{
    MAX_MODEL_INPUT_BYTES, MAX_PLAIN_RECORD_ID_CHARS, MAX_POINTER_BYTES, MAX_STREAM_LINE_BYTES,
};
use crate::text::UTF8_BOM as BOM;
pub use crate::text::{group_digits, shorten};

/// Something that checks a `modelInput` body against the model's schema (see
/// [`crate::schema`]). Implementations are shared by all worker threads.
pub trait BodyCheck: Sync {
    /// Checks one body (the text of the `modelInput` object) and adds its findings.
    fn check(&self, body: &str, findings: &mut BodyFindings);

    /// [`BodyCheck::check`], given the tape the line scanner recorded while it read the body
    /// (complete only if the scanner could take the body; see [`BodyTape`]). The default
    /// ignores it.
    fn check_recorded(&self, body: &str, tape: &BodyTape, findings: &mut BodyFindings) {
        let _ = tape;
        self.check(body, findings);
    }
}

/// The findings of one body: the first `max_listed` in full, the rest only counted, so a
/// hostile body with millions of schema errors costs no more memory than one with a few.
#[derive(Clone, Debug)]
pub struct BodyFindings {
    /// Findings kept in full, in the order they were added.
    pub listed: Vec<BodyFinding>,
    /// Findings past `max_listed`, per rule (indexed by `RuleCode as usize`).
    pub unlisted: [u64; RULES.len()],
    max_listed: usize,
    enabled: RuleSelection,
}

impl BodyFindings {
    /// Keeps at most `max_listed` findings of the rules `enabled` selects; findings of other
    /// rules are dropped (neither listed nor counted, as everywhere else).
    pub fn new(max_listed: usize, enabled: &RuleSelection) -> Self {
        BodyFindings {
            listed: Vec::new(),
            unlisted: [0; RULES.len()],
            max_listed,
            enabled: enabled.clone(),
        }
    }

    /// Forgets every finding, for the next body.
    pub fn clear(&mut self) {
        self.listed.clear();
        self.unlisted = [0; RULES.len()];
    }

    /// Whether findings of `code` are kept (selected and not ignored): a check may report a
    /// problem differently when its own rule is off.
    pub fn is_enabled(&self, code: RuleCode) -> bool {
        self.enabled.is_enabled(code)
    }

    /// Whether the next finding would be listed: checks may skip building messages when not.
    pub fn has_room(&self) -> bool {
        self.listed.len() < self.max_listed
    }

    /// Adds a finding.
    pub fn push(&mut self, finding: BodyFinding) {
        if !self.enabled.is_enabled(finding.code) {
            return;
        }
        if self.has_room() {
            self.listed.push(finding);
        } else {
            self.unlisted[finding.code as usize] += 1;
        }
    }

    /// Adds `n` findings of `code` without their details (when [`Self::has_room`] is false).
    pub fn count(&mut self, code: RuleCode, n: u64) {
        if self.enabled.is_enabled(code) {
            self.unlisted[code as usize] += n;
        }
    }
}

/// A finding inside a `modelInput` body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyFinding {
    /// The rule.
    pub code: RuleCode,
    /// RFC 6901 pointer inside `modelInput` (without the `/modelInput` prefix).
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

/// What every chunk of a job is checked with.
pub struct LineRules<'a> {
    /// Which rules are reported.
    pub rules: &'a RuleSelection,
    /// How many findings of each severity a chunk keeps in full (the rest are only
    /// counted): the job lists at most this many, most severe first, so a chunk never
    /// needs more of one severity.
    pub max_diagnostics: usize,
    /// The body check, when a model family or schema is known.
    pub body: Option<&'a dyn BodyCheck>,
}

/// A `recordId` seen in a chunk, for the job-wide duplicate check.
#[derive(Clone, Copy, Debug)]
pub struct IdEntry {
    /// 128-bit hash of the decoded id.
    pub hash: u128,
    /// Line of the record, relative to the chunk (0-based).
    pub rel_line: u64,
    /// Byte range of the id's JSON string (with quotes), relative to the chunk.
    pub span: (usize, usize),
    /// Byte offset of the record's line start, relative to the chunk.
    pub line_start: usize,
    /// Whether the id holds escapes.
    pub escaped: bool,
}

/// Everything learnt from one chunk.
#[derive(Debug)]
pub struct ChunkResult {
    /// `\n` bytes in the chunk.
    pub newlines: u64,
    /// Non-blank lines (records, valid or not).
    pub records: u64,
    /// Findings kept in full, with chunk-relative line numbers (0-based relative line + 1).
    pub diagnostics: Vec<Diagnostic>,
    /// Exact count of findings per rule, including those not kept.
    pub counts: [u64; RULES.len()],
    /// The first validating-phase finding, even when not kept.
    pub first_validating: Option<Diagnostic>,
    /// Record ids in order.
    pub ids: Vec<IdEntry>,
    /// Lines ending in `\r\n`.
    pub crlf: u64,
    /// Where the first of them is (chunk-relative line).
    pub first_crlf: Option<Position>,
    /// Per line: whether it is a record without error-severity findings, when asked for.
    pub line_status: Vec<LineStatus>,
    /// Records whose `recordId` is not a plain id (R005, reported once per file).
    pub odd_ids: u64,
    /// The first of them, placed, its message naming the id and what is odd about it.
    pub first_odd_id: Option<Diagnostic>,
}

/// The verdict on one line, for commands that rewrite input (`shard`, `fix`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineStatus {
    /// Empty or whitespace-only.
    Blank,
    /// A record with no error-severity finding of its own.
    Valid,
    /// A record with at least one error-severity finding.
    Invalid,
}

/// Where a chunk sits in its file.
#[derive(Clone)]
pub struct ChunkPlace {
    /// Index of the file in the input set.
    pub file: u32,
    /// The file's display path.
    pub path: Arc<str>,
    /// Absolute offset of the chunk's first byte.
    pub base: u64,
    /// The chunk starts the file (a BOM may follow).
    pub is_first: bool,
    /// The chunk ends the file (a missing final newline shows here).
    pub is_last: bool,
    /// Whether to record a [`LineStatus`] per line.
    pub want_line_status: bool,
}

struct ChunkChecker<'a, 'r> {
    rules: &'r LineRules<'a>,
    place: &'r ChunkPlace,
    chunk: &'r [u8],
    /// The chunk as text when it is all valid UTF-8 (it almost always is), so bodies are
    /// handed on as text without a second check.
    text: Option<&'r str>,
    out: ChunkResult,
    scanner: Scanner,
    body_findings: BodyFindings,
    /// The tape of the line's body, recorded by the scanner when there is a body check.
    tape: BodyTape,
    /// Whether the current line has an error-severity finding.
    line_has_error: bool,
    /// Findings of the current line that may still be listed. A line's findings are emitted
    /// check by check, not in byte order, so they are ordered (and cut to the chunk's room)
    /// only when the line is done: which findings a chunk lists must not depend on where the
    /// chunk starts. Trimmed to the room now and then, so a line with a million findings
    /// holds few of them.
    pending: Vec<Pending>,
    /// After a trim, per severity (see [`crate::rules::Severity::rank`]): findings at or past this chunk
    /// offset can no longer be listed.
    pending_cut: [usize; 3],
    /// Findings kept in `out.diagnostics`, per severity.
    listed: [usize; 3],
    /// The current line's earliest validating-phase finding, while the chunk has none yet.
    pending_first: Option<Pending>,
    /// The last column computed: (line start, byte offset in the line, column). Findings of
    /// one line mostly come in offset order, so columns are counted on from the previous one
    /// instead of from the line start: a line with a million findings stays linear.
    last_column: (usize, usize, u64),
    /// The line being checked: chunk offsets of its start and of its end (before `\n`).
    current_line: (usize, usize),
}

/// A finding of the line being checked, before it is placed (column) and kept.
#[derive(Clone)]
struct Pending {
    code: RuleCode,
    rel_line: u64,
    /// Chunk offset of the start of the line it belongs to.
    line_start: usize,
    /// Chunk offset of the finding.
    at: usize,
    pointer: Option<String>,
    message: String,
}

/// Checks every line of `chunk`.
pub fn check_chunk(rules: &LineRules<'_>, place: &ChunkPlace, chunk: &[u8]) -> ChunkResult {
    // One check of the whole chunk is far cheaper than one per line; only chunks with a bad
    // byte are checked line by line, to find it.
    let text = simdutf8::basic::from_utf8(chunk).ok();
    let utf8_ok = text.is_some();
    let mut c = ChunkChecker {
        rules,
        place,
        chunk,
        text,
        out: ChunkResult {
            newlines: 0,
            records: 0,
            diagnostics: Vec::new(),
            counts: [0; RULES.len()],
            first_validating: None,
            ids: Vec::new(),
            crlf: 0,
            first_crlf: None,
            line_status: Vec::new(),
            odd_ids: 0,
            first_odd_id: None,
        },
        // A chunk cannot list more findings than `max_diagnostics`, so neither need the
        // scanner (one is always kept: the first may be the chunk's first validating one).
        scanner: Scanner::with_limits(rules.max_diagnostics.max(1), MAX_POINTER_BYTES),
        body_findings: BodyFindings::new(rules.max_diagnostics.max(1), rules.rules),
        tape: BodyTape::new(),
        line_has_error: false,
        pending: Vec::new(),
        pending_cut: [usize::MAX; 3],
        listed: [0; 3],
        pending_first: None,
        last_column: (usize::MAX, 0, 1),
        current_line: (usize::MAX, 0),
    };
    let mut start = 0;
    // The BOM is not part of line 1's text: columns on line 1 count from after it, as
    // editors show them.
    if place.is_first && chunk.starts_with(BOM) {
        c.emit(RuleCode::L005, 0, 0, 0, None, || {
            "file starts with a UTF-8 byte-order mark; strict JSON parsers reject it (`bedrock-batch fix` strips it)".into()
        });
        start = BOM.len();
    }
    let mut rel_line = 0u64;
    while start < chunk.len() {
        let (end, next, terminated) = match memchr(b'\n', &chunk[start..]) {
            Some(i) => (start + i, start + i + 1, true),
            None => (chunk.len(), chunk.len(), false),
        };
        c.line(start, end, rel_line, terminated, utf8_ok);
        if terminated {
            rel_line += 1;
        }
        start = next;
    }
    // A chunk that is only a BOM has no line to carry its L005.
    c.flush_line();
    c.out.newlines = rel_line;
    if place.is_last && !chunk.is_empty() && !chunk.ends_with(b"\n") {
        let line_start = chunk[..chunk.len()]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let line_start = if line_start == 0 && place.is_first && chunk.starts_with(BOM) {
            BOM.len()
        } else {
            line_start
        };
        if line_start < chunk.len() {
            let col = char_column(&chunk[line_start..], chunk.len() - line_start);
            c.emit_at(
                RuleCode::L006,
                rel_line,
                col,
                chunk.len(),
                None,
                "the last line has no line end (`\\n`); files joined later would merge records"
                    .into(),
            );
        }
    }
    c.out
}

impl ChunkChecker<'_, '_> {
    fn line(&mut self, start: usize, end: usize, rel_line: u64, terminated: bool, utf8_ok: bool) {
        self.current_line = (start, end);
        self.check_line(start, end, rel_line, terminated, utf8_ok);
        self.flush_line();
    }

    fn check_line(
        &mut self,
        start: usize,
        end: usize,
        rel_line: u64,
        terminated: bool,
        utf8_ok: bool,
    ) {
        let mut text_end = end;
        if terminated && end > start && self.chunk[end - 1] == b'\r' {
            text_end -= 1;
            self.out.crlf += 1;
            if self.out.first_crlf.is_none() {
                let col = char_column(&self.chunk[start..text_end], text_end - start);
                self.out.first_crlf = Some(Position {
                    line: rel_line + 1,
                    column: col,
                    byte_offset: self.place.base + text_end as u64,
                });
            }
        }
        let line = &self.chunk[start..text_end];
        self.line_has_error = false;
        let first = line
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t' | b'\r' | 0x0B | 0x0C));
        let Some(first) = first else {
            self.emit(RuleCode::L003, start, rel_line, 0, None, || {
                if line.is_empty() {
                    "blank line".into()
                } else {
                    "whitespace-only line".into()
                }
            });
            self.status(LineStatus::Blank);
            return;
        };
        self.out.records += 1;
        if !utf8_ok {
            if let Err(e) = simdutf8::compat::from_utf8(line) {
                let at = e.valid_up_to();
                self.emit(RuleCode::L002, start, rel_line, at, None, || {
                    let bad: Vec<String> = line[at..]
                        .iter()
                        .take(e.error_len().unwrap_or(line.len() - at).min(4))
                        .map(|b| format!("0x{b:02X}"))
                        .collect();
                    format!(
                        "bytes {} are not valid UTF-8; re-encode the file as UTF-8",
                        bad.join(" ")
                    )
                });
                self.finish_line();
                return;
            }
        }
        // The scanner borrows nothing from `self`, so take it out for the call. With a body
        // check, it records the body's tape on the way.
        let mut scanner = std::mem::take(&mut self.scanner);
        let scanned = if self.rules.body.is_some() {
            scanner.scan_recording(line, &mut self.tape)
        } else {
            scanner.scan(line)
        };
        self.scanner = scanner;
        match scanned {
            Scanned::Invalid(e) => {
                self.emit(RuleCode::L001, start, rel_line, e.offset, None, || {
                    e.message
                });
            }
            Scanned::NotObject(kind) => {
                self.emit(
                    RuleCode::L007,
                    start,
                    rel_line,
                    first,
                    Some(String::new()),
                    || {
                        format!(
                            "the line is {}, not a JSON object with recordId and modelInput",
                            kind.with_article()
                        )
                    },
                );
            }
            Scanned::Object(env) => self.envelope(start, rel_line, first, line, env),
        }
        self.finish_line();
    }

    fn envelope(
        &mut self,
        start: usize,
        rel_line: u64,
        first: usize,
        line: &[u8],
        env: crate::json::Envelope,
    ) {
        for dup in &env.duplicate_keys {
            self.emit(
                RuleCode::L008,
                start,
                rel_line,
                dup.offset,
                (!dup.pointer_elided).then(|| dup.pointer.clone()),
                || {
                    format!(
                        "key \"{}\" appears twice in one object; parsers disagree on which value wins",
                        shorten(&dup.key, 60)
                    )
                },
            );
        }
        // Repeats past the scanner's detail limit could not be listed anyway; count them.
        if self.rules.rules.is_enabled(RuleCode::L008) {
            self.count(RuleCode::L008, env.duplicate_keys_unlisted);
        }
        // A line of the OpenAI Batch API (`custom_id`, `method`, `url`, `body`) has the request
        // one level off and under other names: one R001 that says how to convert it, instead
        // of R001, R003 and an R007 per key. Still R001: the record has no modelInput, so the
        // Validating phase fails the job.
        let openai_line = env.model_input.is_none() && is_openai_batch_line(&env.unknown_keys);
        match env.model_input {
            None if openai_line => self.emit(
                RuleCode::R001,
                start,
                rel_line,
                first,
                Some(String::new()),
                || "record has no modelInput: this is an OpenAI Batch API request line (custom_id, method, url, body); a Bedrock record is {\"recordId\": <custom_id>, \"modelInput\": <body without its \"model\">}, with the model chosen by the job (--model-id)".into(),
            ),
            None => self.emit(
                RuleCode::R001,
                start,
                rel_line,
                first,
                Some(String::new()),
                || "record has no modelInput".into(),
            ),
            Some(m) if m.kind != ValueKind::Object => self.emit(
                RuleCode::R002,
                start,
                rel_line,
                m.value_start,
                Some("/modelInput".into()),
                || {
                    let hint = if m.kind == ValueKind::String {
                        " (a JSON document inside a string? put the object itself)"
                    } else {
                        ""
                    };
                    format!(
                        "modelInput is {}, not an object{hint}",
                        m.kind.with_article()
                    )
                },
            ),
            Some(m) => {
                let size = m.value_end - m.value_start;
                if size > MAX_MODEL_INPUT_BYTES {
                    self.emit(
                        RuleCode::R008,
                        start,
                        rel_line,
                        m.value_start,
                        Some("/modelInput".into()),
                        || {
                            format!(
                                "modelInput is {} bytes; InvokeModel bodies are limited to {} bytes{}",
                                group_digits(size as u64),
                                group_digits(MAX_MODEL_INPUT_BYTES as u64),
                                if self.rules.body.is_some() {
                                    " (so it is not checked against the schema)"
                                } else {
                                    ""
                                }
                            )
                        },
                    );
                }
                // An oversized body is already an error, and its parse tree (many times its
                // size) is the one thing that would let a single line take the memory.
                let body_check = self.rules.body.filter(|_| size <= MAX_MODEL_INPUT_BYTES);
                if let Some(body) = body_check {
                    let body_bytes = &line[m.value_start..m.value_end];
                    // The line is valid UTF-8 (checked before it was scanned), and a body
                    // starts and ends at ASCII bytes, so the slice is text.
                    let body_text = match self.text {
                        Some(text) => &text[start + m.value_start..start + m.value_end],
                        None => std::str::from_utf8(body_bytes).unwrap_or_default(),
                    };
                    self.body_findings.clear();
                    body.check_recorded(body_text, &self.tape, &mut self.body_findings);
                    let unlisted = self.body_findings.unlisted;
                    let mut listed = std::mem::take(&mut self.body_findings.listed);
                    for (i, &n) in unlisted.iter().enumerate() {
                        self.count(RuleCode::ALL[i], n);
                    }
                    // Point at the offending value (or, for a missing field, at the object
                    // that lacks it), not just at the body; one walk places them all.
                    let pointers: Vec<&str> = if self.has_room() {
                        listed.iter().map(|f| f.pointer.as_str()).collect()
                    } else {
                        Vec::new()
                    };
                    let offsets = if pointers.is_empty() {
                        Vec::new()
                    } else {
                        crate::json::locate_pointers(body_bytes, &pointers)
                    };
                    for (k, f) in listed.drain(..).enumerate() {
                        // With no room left (body findings are never validating-phase ones),
                        // the findings are only counted, at the body's start.
                        let at = m.value_start + offsets.get(k).copied().unwrap_or(0);
                        let pointer = format!("/modelInput{}", f.pointer);
                        self.emit(f.code, start, rel_line, at, Some(pointer), || f.message);
                    }
                    self.body_findings.listed = listed;
                }
            }
        }
        match env.record_id {
            None if openai_line => {}
            None => self.emit(
                RuleCode::R003,
                start,
                rel_line,
                first,
                Some(String::new()),
                || "Record has no recordId".into(),
            ),
            Some(m) if m.kind != ValueKind::String => self.emit(
                RuleCode::R004,
                start,
                rel_line,
                m.value_start,
                Some("/recordId".into()),
                || {
                    format!(
                        "recordId is {} ({}), not a string",
                        m.kind.with_article(),
                        String::from_utf8_lossy(
                            &line[m.value_start..m.value_end.min(m.value_start + 40)]
                        )
                    )
                },
            ),
            Some(m) => {
                let raw = &line[m.value_start + 1..m.value_end - 1];
                let id = decode_string_contents(raw, m.has_escapes);
                if id.is_empty() {
                    self.emit(
                        RuleCode::R004,
                        start,
                        rel_line,
                        m.value_start,
                        Some("/recordId".into()),
                        || "recordId is an empty string".into(),
                    );
                } else {
                    if self.rules.rules.is_enabled(RuleCode::R005) {
                        if let Some(why) = record_id_oddity(&id) {
                            self.odd_id(start, rel_line, m.value_start, &id, &why);
                        }
                    }
                    self.out.ids.push(IdEntry {
                        hash: xxhash_rust::xxh3::xxh3_128(id.as_bytes()),
                        rel_line,
                        span: (start + m.value_start, start + m.value_end),
                        line_start: start,
                        escaped: m.has_escapes,
                    });
                }
            }
        }
        for (m, key) in &env.unknown_keys {
            if openai_line && OPENAI_BATCH_KEYS.contains(&key.as_str()) {
                continue;
            }
            self.emit(
                RuleCode::R007,
                start,
                rel_line,
                m.key_start,
                Some({
                    let mut p = String::new();
                    crate::diagnostic::push_pointer_token(&mut p, key);
                    p
                }),
                || {
                    format!(
                        "unknown top-level key \"{}\"; a record holds only recordId and modelInput",
                        shorten(key, 60)
                    )
                },
            );
        }
    }

    fn finish_line(&mut self) {
        let status = if self.line_has_error {
            LineStatus::Invalid
        } else {
            LineStatus::Valid
        };
        self.status(status);
    }

    fn status(&mut self, s: LineStatus) {
        if self.place.want_line_status {
            self.out.line_status.push(s);
        }
    }

    /// Notes a record whose id is not plain (R005): counted for the file's one finding, the
    /// first one placed.
    fn odd_id(&mut self, line_start: usize, rel_line: u64, at: usize, id: &str, why: &str) {
        self.out.odd_ids += 1;
        if self.out.first_odd_id.is_none() {
            let p = Pending {
                code: RuleCode::R005,
                rel_line,
                line_start,
                at: line_start + at,
                pointer: Some("/recordId".into()),
                message: format!("\"{}\" {why}", shorten(id, 60)),
            };
            self.out.first_odd_id = Some(self.place(&p));
        }
    }

    /// Emits a finding at byte `at` of the line starting at chunk offset `line_start`.
    /// Every finding of a selected rule is counted; `message` is only called when the
    /// finding may be kept. A validating-phase finding of a rule left out by
    /// `--select`/`--ignore` is neither counted nor listed, but may still be the chunk's
    /// first validating one: the verdict is the service's, whatever is listed.
    fn emit(
        &mut self,
        code: RuleCode,
        line_start: usize,
        rel_line: u64,
        at: usize,
        pointer: Option<String>,
        message: impl FnOnce() -> String,
    ) {
        let enabled = self.rules.rules.is_enabled(code);
        let validating = code.phase() == crate::rules::Phase::Validating;
        if !enabled && !validating {
            return;
        }
        if enabled {
            self.count(code, 1);
        }
        let offset = line_start + at;
        let rank = code.severity().rank();
        let listable = enabled && self.room(rank) > 0 && offset < self.pending_cut[rank];
        let first = validating
            && self.out.first_validating.is_none()
            && self.pending_first.as_ref().is_none_or(|f| offset < f.at);
        if !listable && !first {
            return;
        }
        let p = Pending {
            code,
            rel_line,
            line_start,
            at: offset,
            pointer,
            message: message(),
        };
        if first {
            self.pending_first = Some(p.clone());
        }
        if listable {
            self.pending.push(p);
            let room = (0..3).fold(0usize, |n, r| n.saturating_add(self.room(r)));
            if self.pending.len() >= room.max(64).saturating_mul(2) {
                self.trim_pending();
            }
        }
    }

    /// How many more findings of severity rank `rank` the chunk lists.
    fn room(&self, rank: usize) -> usize {
        self.rules.max_diagnostics.saturating_sub(self.listed[rank])
    }

    /// Whether the chunk lists more findings of some severity.
    fn has_room(&self) -> bool {
        (0..3).any(|r| self.room(r) > 0)
    }

    /// Keeps, of each severity, the earliest pending findings there is room for (stable:
    /// ties keep emission order).
    fn trim_pending(&mut self) {
        self.pending.sort_by_key(|p| p.at);
        let mut room = [self.room(0), self.room(1), self.room(2)];
        let mut cut = self.pending_cut;
        self.pending.retain(|p| {
            let rank = p.code.severity().rank();
            if room[rank] == 0 {
                return false;
            }
            room[rank] -= 1;
            if room[rank] == 0 {
                // A later finding of this severity (or one at the same offset, which would
                // sort after this one) can no longer be listed.
                cut[rank] = p.at;
            }
            true
        });
        self.pending_cut = cut;
    }

    /// Places and keeps the current line's findings, in byte order.
    fn flush_line(&mut self) {
        if let Some(p) = self.pending_first.take() {
            if self.out.first_validating.is_none() {
                let d = self.place(&p);
                self.out.first_validating = Some(d);
            }
        }
        self.trim_pending();
        self.pending_cut = [usize::MAX; 3];
        let pending = std::mem::take(&mut self.pending);
        for p in &pending {
            let d = self.place(p);
            self.listed[p.code.severity().rank()] += 1;
            self.out.diagnostics.push(d);
        }
        // Keep the allocation for the next line.
        self.pending = pending;
        self.pending.clear();
    }

    /// The diagnostic for a pending finding: its column counted now.
    fn place(&mut self, p: &Pending) -> Diagnostic {
        let column = self.column(p.line_start, p.at - p.line_start);
        Diagnostic {
            code: p.code,
            file: Some(self.place.file),
            path: Some(self.place.path.clone()),
            position: Some(Position {
                line: p.rel_line + 1,
                column,
                byte_offset: self.place.base + p.at as u64,
            }),
            pointer: p.pointer.clone(),
            message: p.message.clone(),
        }
    }

    /// The 1-based column of byte `at` of the line starting at chunk offset `line_start`.
    /// Findings are placed in byte order, so the count goes on from the previous one: a
    /// line with a thousand listed findings is still read once.
    fn column(&mut self, line_start: usize, at: usize) -> u64 {
        let line_end = if self.current_line.0 == line_start {
            self.current_line.1
        } else {
            memchr(b'\n', &self.chunk[line_start..]).map_or(self.chunk.len(), |i| line_start + i)
        };
        let at = at.min(line_end - line_start);
        let (last_start, last_at, last_col) = self.last_column;
        let col = if last_start == line_start && at >= last_at {
            last_col + char_column(&self.chunk[line_start + last_at..line_end], at - last_at) - 1
        } else {
            char_column(&self.chunk[line_start..line_end], at)
        };
        self.last_column = (line_start, at, col);
        col
    }

    /// Counts `n` findings of `code` (listed or not).
    fn count(&mut self, code: RuleCode, n: u64) {
        self.out.counts[code as usize] += n;
        if n > 0 && code.severity() == crate::rules::Severity::Error {
            self.line_has_error = true;
        }
    }

    /// A finding after the chunk's last line (its column known), kept if there is room.
    fn emit_at(
        &mut self,
        code: RuleCode,
        rel_line: u64,
        column: u64,
        chunk_offset: usize,
        pointer: Option<String>,
        message: String,
    ) {
        let enabled = self.rules.rules.is_enabled(code);
        let validating = code.phase() == crate::rules::Phase::Validating;
        if !enabled && !validating {
            return;
        }
        if enabled {
            self.count(code, 1);
        }
        let d = Diagnostic {
            code,
            file: Some(self.place.file),
            path: Some(self.place.path.clone()),
            position: Some(Position {
                line: rel_line + 1,
                column,
                byte_offset: self.place.base + chunk_offset as u64,
            }),
            pointer,
            message,
        };
        if validating && self.out.first_validating.is_none() {
            self.out.first_validating = Some(d.clone());
        }
        let rank = code.severity().rank();
        if enabled && self.room(rank) > 0 {
            self.listed[rank] += 1;
            self.out.diagnostics.push(d);
        }
    }
}

/// Whether a character may appear in a plain record id: ASCII letters and digits, with
/// `-`, `_`, `.` and `:` as separators (UUIDs, ULIDs, `REC00000001`, `tenant:doc.pdf:3`).
fn is_plain_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')
}

/// What is unusual about a (non-empty) record id, as the end of a sentence, or `None` for a
/// plain id (R005). Shared by `validate` and `fix`, so both judge ids alike.
pub fn record_id_oddity(id: &str) -> Option<String> {
    let odd = id.chars().find(|&c| !is_plain_id_char(c));
    let Some(c) = odd else {
        let n = id.len();
        return (n > MAX_PLAIN_RECORD_ID_CHARS).then(|| {
            format!(
                "is {} characters long (plain ids have at most {MAX_PLAIN_RECORD_ID_CHARS})",
                group_digits(n as u64)
            )
        });
    };
    let code = format!("U+{:04X}", c as u32);
    Some(if c.is_whitespace() {
        format!("holds whitespace ({code})")
    } else if c.is_control() {
        format!("holds a control character ({code})")
    } else if !c.is_ascii() {
        format!("holds the non-ASCII character '{c}' ({code})")
    } else {
        format!("holds '{c}'")
    })
}

/// The top-level keys of an OpenAI Batch API request line.
const OPENAI_BATCH_KEYS: &[&str] = &["custom_id", "method", "url", "body"];

/// Whether a record's unknown top-level keys are those of an OpenAI Batch API line: `body`
/// and at least one of `custom_id`, `method`, `url`.
fn is_openai_batch_line(keys: &[(crate::json::Member, String)]) -> bool {
    let has = |k: &str| keys.iter().any(|(_, key)| key == k);
    has("body") && (has("custom_id") || has("method") || has("url"))
}

/// The end of the chunk that starts at `start`: just after the first `\n` at or beyond
/// `start + size`, or the end of `data`.
pub fn chunk_end(data: &[u8], start: usize, size: usize) -> usize {
    let probe = start.saturating_add(size.max(1)).min(data.len());
    if probe >= data.len() {
        return data.len();
    }
    match memchr(b'\n', &data[probe - 1..]) {
        Some(i) => probe + i,
        None => data.len(),
    }
}

/// Reads newline-aligned chunks from a stream: each chunk ends with `\n` except the last.
pub struct StreamChunker<R> {
    reader: R,
    size: usize,
    max_line: usize,
    carry: Vec<u8>,
    eof: bool,
    /// Bytes handed out so far.
    consumed: u64,
}

impl<R: Read> StreamChunker<R> {
    /// Chunks of about `size` bytes from `reader`.
    pub fn new(reader: R, size: usize) -> Self {
        StreamChunker {
            reader,
            size: size.max(1),
            max_line: MAX_STREAM_LINE_BYTES,
            carry: Vec::new(),
            eof: false,
            consumed: 0,
        }
    }

    /// Lowers or raises the longest line accepted (see [`MAX_STREAM_LINE_BYTES`]).
    pub fn with_max_line(mut self, max_line: usize) -> Self {
        self.max_line = max_line.max(1);
        self
    }

    fn too_long(&self, line_start: usize) -> std::io::Error {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "the line starting at byte {} is longer than {} bytes, which no record can be (is this JSONL, with \\n line ends?); files on disk are checked whatever their line lengths unless --no-mmap is given",
                group_digits(self.consumed + line_start as u64),
                group_digits(self.max_line as u64)
            ),
        )
    }

    /// The next chunk, or `None` at the end of the stream. A line longer than the limit is
    /// an error of kind [`std::io::ErrorKind::InvalidData`].
    pub fn next_chunk(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        let mut buf = std::mem::take(&mut self.carry);
        // The carry is what followed the last line end, so it holds none.
        let mut line_start = 0;
        loop {
            if buf.len() - line_start > self.max_line {
                return Err(self.too_long(line_start));
            }
            if self.eof {
                self.consumed += buf.len() as u64;
                return Ok(if buf.is_empty() { None } else { Some(buf) });
            }
            // Read until the buffer holds at least `size` bytes, then cut after the last
            // newline; a line longer than `size` keeps the buffer growing until it ends.
            let want = self.size.saturating_sub(buf.len()).max(64 * 1024);
            let old = buf.len();
            // Into spare capacity: zero-filling a chunk-sized buffer for every read cost
            // more than the check itself for a folder of small files.
            buf.reserve(want);
            let n = (&mut self.reader).take(want as u64).read_to_end(&mut buf)?;
            if n == 0 {
                self.eof = true;
                continue;
            }
            if let Some(i) = memchr::memrchr(b'\n', &buf[old..]) {
                line_start = old + i + 1;
            }
            if buf.len() >= self.size && line_start > 0 {
                self.carry = buf[line_start..].to_vec();
                buf.truncate(line_start);
                self.consumed += buf.len() as u64;
                return Ok(Some(buf));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_ends_are_newline_aligned() {
        let data = b"aaaa\nbb\ncccccccc\nd";
        assert_eq!(chunk_end(data, 0, 1), 5);
        assert_eq!(chunk_end(data, 0, 5), 5);
        assert_eq!(chunk_end(data, 0, 6), 8);
        assert_eq!(chunk_end(data, 8, 2), 17);
        assert_eq!(chunk_end(data, 17, 2), 18);
    }

    #[test]
    fn stream_chunks_reassemble() {
        let data = b"line one\nline two is longer\n\nlast".to_vec();
        for size in 1..40 {
            let mut ch = StreamChunker::new(&data[..], size);
            let mut all = Vec::new();
            while let Some(c) = ch.next_chunk().unwrap() {
                assert!(c.ends_with(b"\n") || all.len() + c.len() == data.len());
                all.extend_from_slice(&c);
            }
            assert_eq!(all, data);
        }
    }

    #[test]
    fn an_endless_line_is_an_error_not_a_buffer() {
        let endless = std::io::repeat(b'x');
        let mut ch = StreamChunker::new(endless, 1000).with_max_line(1 << 20);
        let e = ch.next_chunk().unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
        assert!(e.to_string().contains("starting at byte 0"), "{e}");
        // Lines up to the limit are fine, and the error names where the long one starts.
        let data = [b"short\n".repeat(10), vec![b'y'; 5000]].concat();
        let mut ch = StreamChunker::new(&data[..], 16).with_max_line(4000);
        let mut got = 0;
        let e = loop {
            match ch.next_chunk() {
                Ok(Some(c)) => got += c.len(),
                Ok(None) => panic!("the long line was accepted"),
                Err(e) => break e,
            }
        };
        assert_eq!(got, 60);
        assert!(e.to_string().contains("starting at byte 60"), "{e}");
    }

    #[test]
    fn plain_record_ids_are_left_alone() {
        for id in [
            "REC00000001",
            "3f2b8c1e-7a4d-4c9b-9e1f-2a6d8b0c4e71",
            "01HZX3J5R8Q2W6Y9T1V4N7M0KD",
            "tenant_7:doc-0012.pdf:page.3",
            "1",
        ] {
            assert_eq!(record_id_oddity(id), None, "{id}");
        }
        assert_eq!(
            record_id_oddity(&"a".repeat(MAX_PLAIN_RECORD_ID_CHARS)),
            None
        );
        let odd = |id: &str| record_id_oddity(id).unwrap();
        assert_eq!(odd("rec 1"), "holds whitespace (U+0020)");
        assert_eq!(odd("rec\u{1}"), "holds a control character (U+0001)");
        assert_eq!(odd("récit-1"), "holds the non-ASCII character 'é' (U+00E9)");
        assert_eq!(odd("a/b"), "holds '/'");
        assert!(odd(&"a".repeat(300)).starts_with("is 300 characters long"));
    }
}
