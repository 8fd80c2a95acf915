//! One line's bytes, before any JSON: byte-order mark, UTF-8, blank lines, CRLF, line length;
//! then the hand-off to the record check.

use super::*;
use crate::diagnostic::Position;
use crate::json::{char_column, Scanned};
use crate::rules::RuleCode;

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
}
