//! What `fix` reports: the changes made and the problems left, per code, the rejected lines,
//! and each input and output written.

use super::*;
use crate::rules::{RuleCode, Severity, RULES};
use crate::validate::Tool;
use serde::Serialize;

/// A place in the input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The input's display path.
    pub path: String,
    /// 1-based physical line.
    pub line: u64,
}

/// How often one kind of change was made (or one kind of problem was left).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// The rule whose finding this change removes (or that remains).
    pub code: &'static str,
    /// The rule's name.
    pub name: &'static str,
    /// The rule's severity.
    pub severity: Severity,
    /// How many times.
    pub count: u64,
    /// The first place.
    pub first: Location,
    /// What was done, or what to do about it.
    pub note: &'static str,
}

/// A line that could not be repaired and went to the rejected file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RejectedLine {
    /// The input's display path.
    pub path: String,
    /// 1-based physical line in that input.
    pub line: u64,
    /// The rule it breaks.
    pub code: &'static str,
    /// The rule's name.
    pub name: &'static str,
    /// Why, as `validate` would say it.
    pub message: String,
}

/// One input file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct InputSummary {
    /// Display path.
    pub path: String,
    /// Physical lines.
    pub lines: u64,
    /// Non-blank lines.
    pub records: u64,
    /// Records written to the output.
    pub written: u64,
    /// Lines sent to the rejected file.
    pub rejected: u64,
    /// Bytes read.
    pub bytes: u64,
}

/// A file `fix` writes (or would write, in a dry run).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OutputSummary {
    /// `output`, `rejected` or `id-map`.
    pub kind: &'static str,
    /// Where it goes.
    pub path: String,
    /// Lines in it.
    pub lines: u64,
    /// Bytes in it.
    pub bytes: u64,
    /// `--in-place` only: the file needed no repair and was left as it was (not rewritten).
    pub unchanged: bool,
}

/// Totals of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FixSummary {
    /// Input files read.
    pub files: u64,
    /// Non-blank input lines.
    pub records: u64,
    /// Records written.
    pub written: u64,
    /// Lines rejected.
    pub rejected: u64,
    /// Changes made, all kinds together.
    pub changes: u64,
    /// Problems left in the output, all kinds together.
    pub remaining: u64,
}

/// What `fix` did (or, with `--dry-run`, would do).
#[derive(Clone, Debug, Serialize)]
pub struct FixReport {
    /// Format version of the JSON summary.
    pub version: u32,
    /// The tool.
    pub tool: Tool,
    /// Nothing was written.
    pub dry_run: bool,
    /// The format of new ids, when ids may be generated.
    pub id_format: Option<IdFormat>,
    /// Totals.
    pub summary: FixSummary,
    /// The inputs, in the order they were read.
    pub inputs: Vec<InputSummary>,
    /// The files written: outputs, then rejected and id-map files.
    pub outputs: Vec<OutputSummary>,
    /// Changes by kind, in rule-table order.
    pub changes: Vec<Tally>,
    /// Every rejected line.
    pub rejected: Vec<RejectedLine>,
    /// Problems `fix` left in the output (it was not asked to, or cannot, repair them).
    pub remaining: Vec<Tally>,
    /// Rejected or id-map files of an earlier run that this run replaced by nothing.
    pub removed: Vec<String>,
    /// Files in input folders that are not `.jsonl` and were not read.
    pub skipped: Vec<String>,
    /// Compressed inputs, read decompressed (the output is uncompressed).
    pub decompressed: Vec<String>,
}

impl FixReport {
    /// Whether every line was kept and no error-severity problem is left: the exit code 0
    /// case.
    pub fn is_clean(&self) -> bool {
        self.rejected.is_empty() && self.remaining.iter().all(|t| t.severity != Severity::Error)
    }
}

pub(super) fn change_note(code: RuleCode) -> &'static str {
    match code {
        RuleCode::L005 => "byte-order marks removed",
        RuleCode::L004 => "CRLF line ends changed to LF",
        RuleCode::L003 => "blank lines dropped",
        RuleCode::L006 => "final newlines added",
        RuleCode::L008 => {
            "repeated top-level keys removed; the last value is kept, as parsers read it"
        }
        RuleCode::R003 => "records without a recordId given a new one",
        RuleCode::R004 => "recordIds that were not a non-empty string replaced",
        RuleCode::R006 => "repeated recordIds replaced; the first use keeps its id",
        RuleCode::R007 => "unknown top-level keys dropped",
        _ => "",
    }
}

pub(super) fn remaining_note(code: RuleCode) -> &'static str {
    match code {
        RuleCode::R003 => "--add-record-ids gives them one",
        RuleCode::R004 => "--add-record-ids replaces them",
        RuleCode::R005 => "fix leaves existing ids as they are",
        RuleCode::R006 => "--dedupe-record-ids gives later uses new ids",
        RuleCode::R007 => "--drop-unknown-keys drops them",
        RuleCode::R008 => "fix cannot shrink a body; shorten it or reference content in S3",
        RuleCode::L008 => "inside a value; fix copies values byte for byte",
        _ => "",
    }
}

/// Counts per rule with the first place, for changes and for what remains.
pub(super) struct Tallies {
    pub(super) count: [u64; RULES.len()],
    pub(super) first: Vec<Option<Location>>,
}

impl Tallies {
    pub(super) fn new() -> Self {
        Tallies {
            count: [0; RULES.len()],
            first: vec![None; RULES.len()],
        }
    }

    pub(super) fn add(&mut self, code: RuleCode, n: u64, path: &str, line: u64) {
        if n == 0 {
            return;
        }
        let i = code as usize;
        self.count[i] += n;
        if self.first[i].is_none() {
            self.first[i] = Some(Location {
                path: path.to_string(),
                line,
            });
        }
    }

    pub(super) fn into_list(self, note: fn(RuleCode) -> &'static str) -> Vec<Tally> {
        let mut out = Vec::new();
        for (i, first) in self.first.into_iter().enumerate() {
            let (Some(first), n) = (first, self.count[i]) else {
                continue;
            };
            let code = RuleCode::ALL[i];
            out.push(Tally {
                code: code.as_str(),
                name: code.name(),
                severity: code.severity(),
                count: n,
                first,
                note: note(code),
            });
        }
        out
    }
}
