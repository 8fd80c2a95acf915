//! Chunked, parallel line checks: cut a file into newline-aligned chunks, check every line
//! of a chunk on a worker thread, and hand back per-chunk results to be merged in order.
//!
//! A chunk never splits a line: it ends after a `\n` (or at the end of the file), so a line
//! longer than the chunk size simply makes a longer chunk. Positions inside a chunk are
//! kept relative (line numbers count from the chunk's first line) and made absolute by the
//! ordered merge with a prefix sum of newline counts, which is why results never depend on
//! the chunk size, the thread count or whether the file was mapped or streamed.

use std::sync::Arc;

use memchr::memchr;

mod chunk;
mod emit;
mod line;
mod record;

pub use chunk::{chunk_end, StreamChunker};
pub(crate) use line::{classify_line, hex_bytes, strip_bom, strip_crlf, LineClass};
pub use record::record_id_oddity;
pub(crate) use record::{classify_model_input, is_oversized_body, ModelInput};

use crate::diagnostic::{Diagnostic, Position};
use crate::json::{char_column, Scanner};
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
    let bom = place.is_first && strip_bom(chunk).0;
    if bom {
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
        let line_start = if line_start == 0 && bom {
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
    fn one_line_classification_for_every_command() {
        use crate::json::ValueKind;
        let class = |line: &'static [u8]| classify_line(&mut Scanner::new(), line, false, &mut ());
        // Blank as L003 has it: spaces, tabs, `\r`, vertical tabs, form feeds.
        assert!(matches!(class(b""), LineClass::Blank));
        assert!(matches!(class(b" \t\r\x0B\x0C"), LineClass::Blank));
        match class(b"{\"a\":\xFF\xFE}") {
            LineClass::BadUtf8 { at, bad } => assert_eq!((at, bad), (5, &[0xFF][..])),
            other => panic!("{other:?}"),
        }
        assert_eq!(hex_bytes(&[0xEF, 0x0A]), "0xEF 0x0A");
        match class(b"{\"a\":") {
            LineClass::Invalid(e) => assert_eq!(e.offset, 5),
            other => panic!("{other:?}"),
        }
        match class(b"  [1]") {
            LineClass::NotObject { first, kind } => {
                assert_eq!((first, kind), (2, ValueKind::Array))
            }
            other => panic!("{other:?}"),
        }
        let model_input = |line: &'static [u8]| match class(line) {
            LineClass::Record { envelope, .. } => classify_model_input(&envelope),
            other => panic!("{other:?}"),
        };
        assert_eq!(model_input(br#"{"recordId":"r"}"#), ModelInput::Missing);
        assert!(matches!(
            model_input(br#"{"modelInput":"{}"}"#),
            ModelInput::NotObject(m) if m.kind == ValueKind::String
        ));
        assert!(matches!(
            model_input(br#" {"recordId":"r","modelInput":{}}"#),
            ModelInput::Object(m) if !is_oversized_body(&m)
        ));
        // Line ends and the BOM, as every command strips them.
        assert_eq!(strip_crlf(b"{}\r", true), (&b"{}"[..], true));
        assert_eq!(strip_crlf(b"{}\r", false), (&b"{}\r"[..], false));
        assert_eq!(strip_bom(b"\xEF\xBB\xBF{}"), (true, &b"{}"[..]));
        assert_eq!(strip_bom(b"{}"), (false, &b"{}"[..]));
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
