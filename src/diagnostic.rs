//! Findings about the data: [`Diagnostic`] with its place (path, line, column, byte offset,
//! JSON pointer) and a terse message that names the offending value.
//!
//! Places follow the design's contract: `line` is the 1-based physical line, `column` is
//! 1-based in Unicode characters, `byte_offset` is the 0-based absolute offset in the file.
//! File-level findings have no line; job-level findings have no path.

use std::sync::Arc;

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::rules::{Phase, RuleCode, Severity};

/// Where in a file a finding sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// 1-based physical line.
    pub line: u64,
    /// 1-based column in Unicode characters.
    pub column: u64,
    /// 0-based absolute byte offset in the file.
    pub byte_offset: u64,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The rule that fired.
    pub code: RuleCode,
    /// Index of the file in the job's input set; `None` for job-level findings.
    pub file: Option<u32>,
    /// The file's display path; `None` for job-level findings.
    pub path: Option<Arc<str>>,
    /// The place in the file; `None` for file-level and job-level findings.
    pub position: Option<Position>,
    /// RFC 6901 pointer from the record root (`""` is the record itself); `None` when the
    /// finding is not about a record.
    pub pointer: Option<String>,
    /// What is wrong, naming the offending value.
    pub message: String,
}

impl Diagnostic {
    /// The rule's severity.
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    /// The rule's phase.
    pub fn phase(&self) -> Phase {
        self.code.phase()
    }

    /// The order of the report: by file (input order, which is path order), file-level
    /// findings first, then by byte offset; job-level findings last. Ties keep emission order
    /// (sorts using this key must be stable).
    pub fn sort_key(&self) -> (u32, u64) {
        (
            self.file.unwrap_or(u32::MAX),
            self.position.map_or(0, |p| p.byte_offset + 1),
        )
    }

    /// `L001 invalid-json at in/a.jsonl:5:17: message`, the form used in the verdict.
    pub fn headline(&self) -> String {
        let mut s = format!("{} {}", self.code, self.code.name());
        if let Some(path) = &self.path {
            s.push_str(" at ");
            s.push_str(path);
            if let Some(p) = self.position {
                s.push_str(&format!(":{}:{}", p.line, p.column));
            }
        }
        s.push_str(": ");
        s.push_str(&self.message);
        s
    }
}

impl Serialize for Diagnostic {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Diagnostic", 10)?;
        st.serialize_field("code", self.code.as_str())?;
        st.serialize_field("name", self.code.name())?;
        st.serialize_field("severity", &self.severity())?;
        st.serialize_field("phase", &self.phase())?;
        st.serialize_field("path", &self.path.as_deref())?;
        st.serialize_field("line", &self.position.map(|p| p.line))?;
        st.serialize_field("column", &self.position.map(|p| p.column))?;
        st.serialize_field("byte_offset", &self.position.map(|p| p.byte_offset))?;
        st.serialize_field("pointer", &self.pointer)?;
        st.serialize_field("message", &self.message)?;
        st.end()
    }
}

/// How many findings of each severity (errors, warnings, infos; see
/// [`Severity::rank`]) to list when `available` are at hand and at most `cap` may be listed:
/// the most severe first, so findings that matter are never crowded out by infos.
pub fn listed_per_severity(available: [usize; 3], cap: usize) -> [usize; 3] {
    let mut left = cap;
    available.map(|n| {
        let take = n.min(left);
        left -= take;
        take
    })
}

/// Appends `token` to an RFC 6901 pointer, escaping `~` and `/`.
pub fn push_pointer_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    for ch in token.chars() {
        match ch {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}
