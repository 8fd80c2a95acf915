//! `--format json`: the whole report as one JSON document (the design's JSON contract).
//!
//! A run of several jobs (`--group folder|file`) keeps that contract at the top level, for the
//! run as a whole (see `super::combine`), and adds `jobs`: one single-job document per job,
//! each with its `job` name.

use std::io::{self, Write};

use serde_json::Value;

use super::{combine, is_grouped};
use crate::validate::Report;

/// Writes `report` as one pretty-printed JSON document followed by a newline.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    out.write_all(b"\n")
}

/// Writes a run's reports: the single-job document, or for named jobs the combined document
/// with a `jobs` array. `max_diagnostics` caps the combined `diagnostics`.
pub fn write_run(
    reports: &[Report],
    max_diagnostics: usize,
    out: &mut dyn Write,
) -> io::Result<()> {
    if !is_grouped(reports) {
        return write(&combine(reports, max_diagnostics), out);
    }
    let mut doc = serde_json::to_value(combine(reports, max_diagnostics))?;
    let jobs = serde_json::to_value(reports)?;
    if let Value::Object(map) = &mut doc {
        map.insert("jobs".into(), jobs);
    }
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    out.write_all(b"\n")
}
