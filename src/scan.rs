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

/// The largest `modelInput` InvokeModel accepts (bedrock-runtime `Body` max).
pub const MAX_MODEL_INPUT_BYTES: usize = 25_000_000;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Something that checks a `modelInput` body against the model's schema (see
/// [`crate::schema`]). Implementations are shared by all worker threads.
pub trait BodyCheck: Sync {
    /// Checks one body (the raw bytes of the `modelInput` object) and appends findings.
    fn check(&self, body: &[u8], findings: &mut Vec<BodyFinding>);
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
    /// How many findings a chunk keeps in full (the rest are only counted).
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
    out: ChunkResult,
    scanner: Scanner,
    body_findings: Vec<BodyFinding>,
    /// Whether the current line has an error-severity finding.
    line_has_error: bool,
}

/// Checks every line of `chunk`.
pub fn check_chunk(rules: &LineRules<'_>, place: &ChunkPlace, chunk: &[u8]) -> ChunkResult {
    let mut c = ChunkChecker {
        rules,
        place,
        chunk,
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
        },
        scanner: Scanner::new(),
        body_findings: Vec::new(),
        line_has_error: false,
    };
    // One check of the whole chunk is far cheaper than one per line; only chunks with a bad
    // byte are checked line by line, to find it.
    let utf8_ok = simdutf8::basic::from_utf8(chunk).is_ok();
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
        // The scanner borrows nothing from `self`, so take it out for the call.
        let mut scanner = std::mem::take(&mut self.scanner);
        let scanned = scanner.scan(line);
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
                Some(dup.pointer.clone()),
                || {
                    format!(
                        "key \"{}\" appears twice in one object; parsers disagree on which value wins",
                        dup.key
                    )
                },
            );
        }
        match env.model_input {
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
                                "modelInput is {} bytes; InvokeModel bodies are limited to {} bytes",
                                group_digits(size as u64),
                                group_digits(MAX_MODEL_INPUT_BYTES as u64)
                            )
                        },
                    );
                }
                if let Some(body) = self.rules.body {
                    self.body_findings.clear();
                    body.check(&line[m.value_start..m.value_end], &mut self.body_findings);
                    for f in std::mem::take(&mut self.body_findings) {
                        let pointer = format!("/modelInput{}", f.pointer);
                        self.emit(
                            f.code,
                            start,
                            rel_line,
                            m.value_start,
                            Some(pointer),
                            || f.message,
                        );
                    }
                }
            }
        }
        match env.record_id {
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
                    if !(id.len() == 11 && id.bytes().all(|b| b.is_ascii_alphanumeric())) {
                        self.emit(
                            RuleCode::R005,
                            start,
                            rel_line,
                            m.value_start,
                            Some("/recordId".into()),
                            || {
                                format!(
                                    "recordId \"{}\" is not 11 ASCII letters and digits (the older documented format)",
                                    shorten(&id, 60)
                                )
                            },
                        );
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

    /// Emits a finding at byte `at` of the line starting at chunk offset `line_start`.
    /// `message` is only called when the finding is kept.
    fn emit(
        &mut self,
        code: RuleCode,
        line_start: usize,
        rel_line: u64,
        at: usize,
        pointer: Option<String>,
        message: impl FnOnce() -> String,
    ) {
        if !self.rules.rules.is_enabled(code) {
            return;
        }
        let line_end =
            memchr(b'\n', &self.chunk[line_start..]).map_or(self.chunk.len(), |i| line_start + i);
        let col = char_column(&self.chunk[line_start..line_end], at);
        self.record(code, rel_line, col, line_start + at, pointer, message);
    }

    fn emit_at(
        &mut self,
        code: RuleCode,
        rel_line: u64,
        column: u64,
        chunk_offset: usize,
        pointer: Option<String>,
        message: String,
    ) {
        if self.rules.rules.is_enabled(code) {
            self.record(code, rel_line, column, chunk_offset, pointer, || message);
        }
    }

    fn record(
        &mut self,
        code: RuleCode,
        rel_line: u64,
        column: u64,
        chunk_offset: usize,
        pointer: Option<String>,
        message: impl FnOnce() -> String,
    ) {
        self.out.counts[code as usize] += 1;
        if code.severity() == crate::rules::Severity::Error {
            self.line_has_error = true;
        }
        let is_validating = code.phase() == crate::rules::Phase::Validating;
        let keep = self.out.diagnostics.len() < self.rules.max_diagnostics;
        if !keep && !(is_validating && self.out.first_validating.is_none()) {
            return;
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
            message: message(),
        };
        if is_validating && self.out.first_validating.is_none() {
            self.out.first_validating = Some(d.clone());
        }
        if keep {
            self.out.diagnostics.push(d);
        }
    }
}

/// `1234567` → `1,234,567`.
pub fn group_digits(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// At most `max` characters of `s`, with `…` when cut.
pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
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
    carry: Vec<u8>,
    eof: bool,
}

impl<R: Read> StreamChunker<R> {
    /// Chunks of about `size` bytes from `reader`.
    pub fn new(reader: R, size: usize) -> Self {
        StreamChunker {
            reader,
            size: size.max(1),
            carry: Vec::new(),
            eof: false,
        }
    }

    /// The next chunk, or `None` at the end of the stream.
    pub fn next_chunk(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        let mut buf = std::mem::take(&mut self.carry);
        loop {
            if self.eof {
                return Ok(if buf.is_empty() { None } else { Some(buf) });
            }
            // Read until the buffer holds at least `size` bytes, then cut after the last
            // newline; a line longer than `size` keeps the buffer growing until it ends.
            let want = self.size.saturating_sub(buf.len()).max(64 * 1024);
            let old = buf.len();
            buf.resize(old + want, 0);
            let n = loop {
                match self.reader.read(&mut buf[old..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            };
            buf.truncate(old + n);
            if n == 0 {
                self.eof = true;
                continue;
            }
            if buf.len() >= self.size {
                if let Some(i) = memchr::memrchr(b'\n', &buf[old..]).map(|i| old + i) {
                    self.carry = buf[i + 1..].to_vec();
                    buf.truncate(i + 1);
                    return Ok(Some(buf));
                }
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
    fn digits_group() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(1000), "1,000");
        assert_eq!(group_digits(25_000_000), "25,000,000");
    }
}
