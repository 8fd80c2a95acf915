//! `--format jsonl`: one JSON event per line, for pipelines that read findings as they come.
//!
//! ```text
//! {"type":"diagnostic","code":"L001","name":"invalid-json",...,"message":"..."}
//! {"type":"summary","version":1,"tool":{...},...,"verdict":{...},"summary":{...},"files":[...]}
//! ```
//!
//! A `diagnostic` event has exactly the fields of an entry of the JSON report's
//! `diagnostics`, in the same order as there; the `summary` event, always the last line, has
//! the JSON report's fields but `diagnostics`. A run of several jobs (`--group folder|file`)
//! adds `"job": NAME` to each diagnostic event and a `{"type":"job",...}` event (that job's
//! report but its findings) after each job's findings; the final `summary` is then the whole
//! run's (see `super::combine`).
//!
//! The binary streams these events while the input is checked: a file's findings are written
//! as soon as that file is merged, job-level findings when the job is done.

use std::io::{self, Write};

use serde_json::{Map, Value};

use super::{combine, is_grouped};
use crate::diagnostic::Diagnostic;
use crate::validate::Report;

/// Writes one `diagnostic` event (with `job` when the run forms named jobs).
pub fn write_diagnostic(job: Option<&str>, d: &Diagnostic, out: &mut dyn Write) -> io::Result<()> {
    let mut event = Map::new();
    event.insert("type".into(), "diagnostic".into());
    if let Some(job) = job {
        event.insert("job".into(), job.into());
    }
    if let Value::Object(fields) = serde_json::to_value(d)? {
        event.extend(fields);
    }
    line(&Value::Object(event), out)
}

/// Writes the `job` event that closes the findings of a named job.
pub fn write_job(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    line(&report_event("job", report)?, out)
}

/// Writes the final `summary` event for the run whose whole report is `report`.
pub fn write_summary(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    line(&report_event("summary", report)?, out)
}

/// Writes every event of a finished run, as the binary streams them.
pub fn write(reports: &[Report], out: &mut dyn Write) -> io::Result<()> {
    let grouped = is_grouped(reports);
    for r in reports {
        for d in &r.diagnostics {
            write_diagnostic(r.job.as_deref(), d, out)?;
        }
        if grouped {
            write_job(r, out)?;
        }
    }
    write_summary(&run_summary(reports), out)
}

/// The whole run's report for the final `summary` event. Every job's listed findings were
/// written, so the run's list is not cut again (`diagnostics_truncated` says whether a job's
/// was).
pub fn run_summary(reports: &[Report]) -> Report {
    combine(reports, usize::MAX)
}

/// `{"type": kind, ...report but diagnostics}`.
fn report_event(kind: &str, report: &Report) -> io::Result<Value> {
    let mut event = Map::new();
    event.insert("type".into(), kind.into());
    if let Some(job) = &report.job {
        event.insert("job".into(), job.as_str().into());
    }
    if let Value::Object(fields) = serde_json::to_value(report)? {
        event.extend(
            fields
                .into_iter()
                .filter(|(k, _)| k != "diagnostics" && k != "job"),
        );
    }
    Ok(Value::Object(event))
}

fn line(event: &Value, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer(&mut *out, event)?;
    out.write_all(b"\n")
}
