//! One line's bytes, before any JSON: byte-order mark, UTF-8, blank lines, CRLF, line length;
//! then the hand-off to the record check.
//!
//! What is wrong with a line is decided here once, by [`classify_line`] (and the small
//! helpers it builds on), for the chunk checker and for `fix`'s rewrite pass alike: the two
//! word their findings differently, but never judge a line differently.

use super::*;
use crate::diagnostic::Position;
use crate::json::{char_column, Envelope, Recorder, Scanned, SyntaxError, ValueKind};
use crate::rules::RuleCode;

/// The line's text without a leading UTF-8 byte-order mark, and whether there was one
/// (rule L005 when it starts a file).
#[inline]
pub(crate) fn strip_bom(bytes: &[u8]) -> (bool, &[u8]) {
    match bytes.strip_prefix(BOM) {
        Some(rest) => (true, rest),
        None => (false, bytes),
    }
}

/// The text of a line given without its `\n`, and whether it ended in `\r\n` (rule L004): a
/// `\r` before the `\n` belongs to the line end, not to the line. An unterminated last line
/// has no line end, so its `\r` stays.
#[inline]
pub(crate) fn strip_crlf(line: &[u8], terminated: bool) -> (&[u8], bool) {
    match line {
        [text @ .., b'\r'] if terminated => (text, true),
        _ => (line, false),
    }
}

/// The offset of the line's first byte that is not blank, or `None` for a blank line (rule
/// L003: empty, or only spaces, tabs, `\r`, vertical tabs and form feeds).
#[inline]
pub(crate) fn first_non_blank(line: &[u8]) -> Option<usize> {
    line.iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\r' | 0x0B | 0x0C))
}

/// What one line (its text: no BOM, no line end) is, as far as its own bytes tell: the
/// decision every command shares.
#[derive(Debug)]
pub(crate) enum LineClass<'l> {
    /// Empty or whitespace-only (L003).
    Blank,
    /// Not UTF-8 (L002): the offset of the first bad byte, and the bad bytes (at most 4).
    BadUtf8 {
        /// Offset of the first byte that is not UTF-8.
        at: usize,
        /// The offending bytes, at most 4.
        bad: &'l [u8],
    },
    /// Not JSON (L001).
    Invalid(SyntaxError),
    /// JSON, but not an object (L007).
    NotObject {
        /// Offset of the value's first byte.
        first: usize,
        /// What it is.
        kind: ValueKind,
    },
    /// A JSON object, with what its envelope holds; its `modelInput` is judged by
    /// [`classify_model_input`].
    Record {
        /// Offset of the object's `{`.
        first: usize,
        /// The object's members.
        envelope: Envelope,
    },
}

/// Classifies one line's text. `utf8_known` says the caller has already checked that the
/// line is UTF-8 (the chunk checker checks whole chunks at once). The scanner hands the
/// `modelInput` value to `recorder` on the way (`&mut ()` records nothing).
// Always inlined: it runs once per line, and inlined the envelope goes from the scanner to
// the caller's match without an extra copy (callgrind: 36 instructions a line less).
#[inline(always)]
pub(crate) fn classify_line<'l, R: Recorder>(
    scanner: &mut Scanner,
    line: &'l [u8],
    utf8_known: bool,
    recorder: &mut R,
) -> LineClass<'l> {
    let Some(first) = first_non_blank(line) else {
        return LineClass::Blank;
    };
    if !utf8_known {
        if let Err(e) = simdutf8::compat::from_utf8(line) {
            let at = e.valid_up_to();
            let len = e.error_len().unwrap_or(line.len() - at).min(4);
            return LineClass::BadUtf8 {
                at,
                bad: &line[at..at + len],
            };
        }
    }
    match scanner.scan_recording(line, recorder) {
        Scanned::Invalid(e) => LineClass::Invalid(e),
        Scanned::NotObject(kind) => LineClass::NotObject { first, kind },
        Scanned::Object(envelope) => LineClass::Record { first, envelope },
    }
}

/// Bytes as `0xEF 0xBB`, for the L002 message.
pub(crate) fn hex_bytes(bytes: &[u8]) -> String {
    let hex: Vec<String> = bytes.iter().map(|b| format!("0x{b:02X}")).collect();
    hex.join(" ")
}

impl ChunkChecker<'_, '_> {
    pub(super) fn line(
        &mut self,
        start: usize,
        end: usize,
        rel_line: u64,
        terminated: bool,
        utf8_ok: bool,
    ) {
        self.current_line = (start, end);
        self.check_line(start, end, rel_line, terminated, utf8_ok);
        self.flush_line();
    }

    pub(super) fn check_line(
        &mut self,
        start: usize,
        end: usize,
        rel_line: u64,
        terminated: bool,
        utf8_ok: bool,
    ) {
        let (line, crlf) = strip_crlf(&self.chunk[start..end], terminated);
        if crlf {
            self.out.crlf += 1;
            if self.out.first_crlf.is_none() {
                let col = char_column(line, line.len());
                self.out.first_crlf = Some(Position {
                    line: rel_line + 1,
                    column: col,
                    byte_offset: self.place.base + (start + line.len()) as u64,
                });
            }
        }
        self.line_has_error = false;
        // The scanner borrows nothing from `self`, so take it out for the call. With a body
        // check, it records the body's tape on the way.
        let mut scanner = std::mem::take(&mut self.scanner);
        let class = if self.rules.body.is_some() {
            classify_line(&mut scanner, line, utf8_ok, &mut self.tape)
        } else {
            classify_line(&mut scanner, line, utf8_ok, &mut ())
        };
        self.scanner = scanner;
        match class {
            LineClass::Blank => {
                self.emit(RuleCode::L003, start, rel_line, 0, None, || {
                    if line.is_empty() {
                        "blank line".into()
                    } else {
                        "whitespace-only line".into()
                    }
                });
                self.status(LineStatus::Blank);
                return;
            }
            LineClass::BadUtf8 { at, bad } => {
                self.emit(RuleCode::L002, start, rel_line, at, None, || {
                    format!(
                        "bytes {} are not valid UTF-8; re-encode the file as UTF-8",
                        hex_bytes(bad)
                    )
                });
            }
            LineClass::Invalid(e) => {
                self.emit(RuleCode::L001, start, rel_line, e.offset, None, || {
                    e.message
                });
            }
            LineClass::NotObject { first, kind } => {
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
            LineClass::Record { first, envelope } => {
                self.envelope(start, rel_line, first, line, envelope)
            }
        }
        // Every line that is not blank is a record, valid or not.
        self.out.records += 1;
        self.finish_line();
    }
}
