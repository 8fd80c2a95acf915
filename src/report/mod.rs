//! Renderers of a run's reports: each output format is its own small module that writes to
//! any `io::Write`, so each can be tested on its own and the binary only picks one.
//!
//! A run forms one job, or several with `--group folder|file` (one [`Report`] per job, each
//! with its [`Report::job`] name). Every renderer takes the run's reports; with a single
//! unnamed job each one writes exactly the single-job shape of its format, so grouping only
//! ever adds to a format, never changes it.

pub mod github;
pub mod json;
pub mod jsonl;
pub mod junit;
pub mod sarif;
pub mod text;

use std::collections::BTreeMap;

use crate::diagnostic::Diagnostic;
use crate::rules::Severity;
pub use crate::validate::{FileSummary, Report, Summary, Tool, Verdict, VerdictStatus};

/// Whether the run formed named jobs (`--group folder|file`), so that formats say which job
/// each part belongs to.
pub(crate) fn is_grouped(reports: &[Report]) -> bool {
    reports.iter().any(|r| r.job.is_some())
}

/// The whole run as one report: totals summed, every file, the listed findings (by path,
/// then byte offset, job-level ones last: the `max_diagnostics` most severe, errors first,
/// plus every job-level one), and a verdict that is
/// `Failed` when any job fails, naming the first such job. A single unnamed job is returned
/// as it is.
///
/// # Panics
/// If `reports` is empty (a run always forms at least one job).
pub(crate) fn combine(reports: &[Report], max_diagnostics: usize) -> Report {
    let mut run = run_head(reports);
    if reports.len() == 1 && reports[0].job.is_none() {
        run.diagnostics = reports[0].diagnostics.clone();
        return run;
    }
    let mut diagnostics: Vec<Diagnostic> = reports
        .iter()
        .flat_map(|r| r.diagnostics.iter().cloned())
        .collect();
    // Stable: findings of one file keep their order, job-level ones keep job order.
    diagnostics.sort_by(|a, b| run_order(a).cmp(&run_order(b)));
    if keep_most_severe(&mut diagnostics, max_diagnostics, |d| d) {
        run.summary.diagnostics_truncated = true;
    }
    run.diagnostics = diagnostics;
    run
}

/// [`combine`] without the findings: the run's totals, files and verdict, at no cost per
/// finding (for renderers that walk the jobs' findings themselves).
///
/// # Panics
/// If `reports` is empty (a run always forms at least one job).
pub(crate) fn run_head(reports: &[Report]) -> Report {
    let first = reports.first().expect("a run forms at least one job");
    if reports.len() == 1 && first.job.is_none() {
        return Report {
            version: first.version,
            tool: first.tool.clone(),
            model_id: first.model_id.clone(),
            family: first.family.clone(),
            invocation_type: first.invocation_type,
            verdict: first.verdict.clone(),
            summary: first.summary.clone(),
            quotas: first.quotas,
            files: first.files.clone(),
            diagnostics: Vec::new(),
            job: None,
            first_input: first.first_input.clone(),
        };
    }
    let mut summary = Summary::default();
    let mut by_code: BTreeMap<String, u64> = BTreeMap::new();
    let mut files = Vec::new();
    let mut failed = None;
    for r in reports {
        let s = &r.summary;
        summary.files += s.files;
        summary.records += s.records;
        summary.bytes += s.bytes;
        summary.errors += s.errors;
        summary.warnings += s.warnings;
        summary.infos += s.infos;
        summary.diagnostics_truncated |= s.diagnostics_truncated;
        for (code, n) in &s.by_code {
            *by_code.entry(code.clone()).or_default() += n;
        }
        files.extend(r.files.iter().cloned());
        if failed.is_none() && r.verdict.status == VerdictStatus::Failed {
            let message = r.verdict.message.clone().unwrap_or_default();
            failed = Some(match &r.job {
                Some(job) => format!("{job}: {message}"),
                None => message,
            });
        }
    }
    summary.by_code = by_code;
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let verdict = match failed {
        Some(message) => Verdict {
            status: VerdictStatus::Failed,
            message: Some(message),
        },
        None => Verdict {
            status: VerdictStatus::Scheduled,
            message: None,
        },
    };
    Report {
        version: first.version,
        tool: first.tool.clone(),
        model_id: first.model_id.clone(),
        family: first.family.clone(),
        invocation_type: first.invocation_type,
        verdict,
        summary,
        quotas: first.quotas,
        files,
        diagnostics: Vec::new(),
        job: None,
        first_input: reports.iter().find_map(|r| r.first_input.clone()),
    }
}

/// What `shard` and `fix` say about files of an input folder that are not `.jsonl` and that
/// they do not copy: in the words `validate` uses for them (F003), so the three commands
/// agree.
pub fn stray_note(paths: &[String]) -> String {
    format!(
        "not copied: {} (not .jsonl; `validate` reports it as F003 stray-file: the service reads everything under the job's S3 prefix, so keep such files out of it)",
        paths.join(", ")
    )
}

/// What `shard` and `fix` say about compressed inputs they read: in the words `validate`
/// uses for them (F001), so the three commands agree.
pub fn decompressed_note(paths: &[String]) -> String {
    format!(
        "read decompressed: {} (the output is uncompressed .jsonl; `validate` reports compressed input as F001, as the service reads only uncompressed .jsonl files)",
        paths.join(", ")
    )
}

/// Keeps, of `items` in report order, the `cap` most severe findings (errors, then warnings,
/// then infos; the earliest within a severity) and every job-level one, in their order.
/// Returns whether any was dropped. The rule `--max-diagnostics` lists by.
pub(crate) fn keep_most_severe<T>(
    items: &mut Vec<T>,
    cap: usize,
    finding: impl Fn(&T) -> &Diagnostic,
) -> bool {
    let mut available = [0usize; 3];
    for d in items.iter().map(&finding).filter(|d| d.path.is_some()) {
        available[d.severity().rank()] += 1;
    }
    let mut quota = crate::diagnostic::listed_per_severity(available, cap);
    if quota == available {
        return false;
    }
    items.retain(|item| {
        let d = finding(item);
        if d.path.is_none() {
            return true;
        }
        let left = &mut quota[d.severity().rank()];
        if *left == 0 {
            return false;
        }
        *left -= 1;
        true
    });
    true
}

/// The report order across jobs: by path, file-level findings first, then by byte offset;
/// job-level findings (no path) last.
fn run_order(d: &Diagnostic) -> (bool, &str, u64) {
    (
        d.path.is_none(),
        d.path.as_deref().unwrap_or(""),
        d.position.map_or(0, |p| p.byte_offset + 1),
    )
}

/// The file a finding is shown on by formats that need one for every finding: its own, or
/// for a job-level finding the job's first input.
pub(crate) fn anchor<'r>(report: &'r Report, d: &'r Diagnostic) -> Option<&'r str> {
    d.path.as_deref().or(report.first_input.as_deref())
}

/// Findings counted in `summary` at each severity (error, warning, info) that `listed` does
/// not show, because of `--max-diagnostics`.
pub(crate) fn unlisted_by_severity<'d>(
    summary: &Summary,
    listed: impl IntoIterator<Item = &'d Diagnostic>,
) -> [u64; 3] {
    let mut shown = [0u64; 3];
    for d in listed {
        shown[severity_index(d.severity())] += 1;
    }
    [
        summary.errors.saturating_sub(shown[0]),
        summary.warnings.saturating_sub(shown[1]),
        summary.infos.saturating_sub(shown[2]),
    ]
}

/// 0 for errors, 1 for warnings, 2 for infos: the order summaries count them in.
pub(crate) fn severity_index(s: Severity) -> usize {
    s.rank()
}

/// `1 error`, `2 warnings`: a count with its noun.
pub(crate) fn count_noun(n: u64, one: &str, many: &str) -> String {
    format!(
        "{} {}",
        crate::text::group_digits(n),
        if n == 1 { one } else { many }
    )
}
