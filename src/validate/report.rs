//! The report model of a validation: verdict, totals, per-file summaries, the findings
//! listed. Renderers (text, JSON, SARIF, …) live in [`crate::report`].

use crate::diagnostic::Diagnostic;
use crate::quota::QuotaProfile;
use crate::rules::Severity;
use crate::InvocationType;
use serde::Serialize;
use std::collections::BTreeMap;

/// `Scheduled` or `Failed`, as `get-model-invocation-job` would say after Validating.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum VerdictStatus {
    /// No validating-phase finding: the job would be queued.
    Scheduled,
    /// A validating-phase finding: the job would fail.
    Failed,
}

/// The verdict of the Validating phase.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// `Scheduled` or `Failed`.
    pub status: VerdictStatus,
    /// For `Failed`: the first validating-phase finding.
    pub message: Option<String>,
}

/// Totals of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// JSONL files read.
    pub files: u64,
    /// Non-blank lines in them.
    pub records: u64,
    /// Bytes in them.
    pub bytes: u64,
    /// Error-severity findings.
    pub errors: u64,
    /// Warning-severity findings.
    pub warnings: u64,
    /// Info-severity findings.
    pub infos: u64,
    /// Findings per code (codes with none are left out).
    pub by_code: BTreeMap<String, u64>,
    /// Whether more findings exist than are listed.
    pub diagnostics_truncated: bool,
}

/// One file of the job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileSummary {
    /// The path as shown in reports.
    pub path: String,
    /// Non-blank lines.
    pub records: u64,
    /// Bytes.
    pub bytes: u64,
}

/// The result of validating one job.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Format version of the JSON report.
    pub version: u32,
    /// The tool.
    pub tool: Tool,
    /// The model id, as given.
    pub model_id: Option<String>,
    /// The body family checked, if any.
    pub family: Option<String>,
    /// How records will be invoked.
    pub invocation_type: InvocationType,
    /// The Validating phase's verdict.
    pub verdict: Verdict,
    /// Totals.
    pub summary: Summary,
    /// The quotas checked against.
    pub quotas: QuotaProfile,
    /// The files read.
    pub files: Vec<FileSummary>,
    /// Findings, by path then byte offset, job-level last: the `max_diagnostics` most severe
    /// (errors first), plus every job-level one.
    pub diagnostics: Vec<Diagnostic>,
    /// The job's name when a run forms several jobs (`--group folder|file`): its folder or
    /// file. Left out of the JSON report when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
    /// The first file of the job's input (stray or not), where formats that need a file for
    /// every finding (SARIF, GitHub annotations) place job-level findings.
    #[serde(skip)]
    pub first_input: Option<String>,
}

/// Name and version of the tool, for reports.
#[derive(Clone, Debug, Serialize)]
pub struct Tool {
    /// `bedrock-batch`.
    pub name: &'static str,
    /// The crate version.
    pub version: &'static str,
}

impl Report {
    /// Whether any finding is at or above `level`.
    pub fn has_findings_at(&self, level: Severity) -> bool {
        match level {
            Severity::Error => self.summary.errors > 0,
            Severity::Warning => self.summary.errors + self.summary.warnings > 0,
            Severity::Info => self.summary.errors + self.summary.warnings + self.summary.infos > 0,
        }
    }

    /// Findings counted but not listed.
    pub fn unlisted(&self) -> u64 {
        let total = self.summary.errors + self.summary.warnings + self.summary.infos;
        total.saturating_sub(self.diagnostics.len() as u64)
    }
}
