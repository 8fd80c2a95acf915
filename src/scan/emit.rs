//! A chunk's findings: counted for every rule, kept up to what the report can list, placed
//! (line, column) relative to the chunk.

use super::*;
use crate::diagnostic::{Diagnostic, Position};
use crate::json::char_column;
use crate::rules::RuleCode;
use memchr::memchr;

impl ChunkChecker<'_, '_> {
    pub(super) fn finish_line(&mut self) {
        let status = if self.line_has_error {
            LineStatus::Invalid
        } else {
            LineStatus::Valid
        };
        self.status(status);
    }

    pub(super) fn status(&mut self, s: LineStatus) {
        if self.place.want_line_status {
            self.out.line_status.push(s);
        }
    }

    /// Emits a finding at byte `at` of the line starting at chunk offset `line_start`.
    /// Every finding of a selected rule is counted; `message` is only called when the
    /// finding may be kept. A validating-phase finding of a rule left out by
    /// `--select`/`--ignore` is neither counted nor listed, but may still be the chunk's
    /// first validating one: the verdict is the service's, whatever is listed.
    pub(super) fn emit(
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
    pub(super) fn room(&self, rank: usize) -> usize {
        self.rules.max_diagnostics.saturating_sub(self.listed[rank])
    }

    /// Whether the chunk lists more findings of some severity.
    pub(super) fn has_room(&self) -> bool {
        (0..3).any(|r| self.room(r) > 0)
    }

    /// Keeps, of each severity, the earliest pending findings there is room for (stable:
    /// ties keep emission order).
    pub(super) fn trim_pending(&mut self) {
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
    pub(super) fn flush_line(&mut self) {
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
    pub(super) fn place(&mut self, p: &Pending) -> Diagnostic {
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
    pub(super) fn column(&mut self, line_start: usize, at: usize) -> u64 {
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
    pub(super) fn count(&mut self, code: RuleCode, n: u64) {
        self.out.counts[code as usize] += n;
        if n > 0 && code.severity() == crate::rules::Severity::Error {
            self.line_has_error = true;
        }
    }

    /// A finding after the chunk's last line (its column known), kept if there is room.
    pub(super) fn emit_at(
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
