//! `--format sarif`: a SARIF 2.1.0 log, for GitHub code scanning
//! (`github/codeql-action/upload-sarif`) and other SARIF viewers.
//!
//! - One run; `tool.driver.rules` is the whole rule table (id, name, short and full
//!   description, default level, help), and each result points at its rule by `ruleIndex`.
//! - Regions carry `startLine`, `startColumn` and `byteOffset`; columns count Unicode code
//!   points (`columnKind: unicodeCodePoints`), as the other formats do.
//! - File-level findings point at their file with no region; job-level ones at the job's
//!   first input, so every result has a location (code scanning drops results without one).
//! - Results carry `properties.phase`, `properties.pointer` (when about a record) and, in a
//!   run of several jobs, `properties.job`; the run carries the verdict in `properties`.
//!
//! The output is checked against the official SARIF 2.1.0 JSON Schema in the tests.
//!
//! [`write()`] streams the results: the log around them is built once, then each result is
//! built, written and dropped, so a run with a million listed findings costs no more memory
//! than its report (no JSON tree of every result).

use std::io::{self, Write};

use serde_json::{json, Map, Value};

use super::{anchor, is_grouped, run_head};
use crate::diagnostic::Diagnostic;
use crate::rules::{Severity, RULES};
use crate::validate::{Report, VerdictStatus};

/// The schema the log declares: the OASIS standard's (2.1.0 with errata 01).
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// `tool.driver.rules`: every rule of the table, in table order (a result's `ruleIndex` is
/// its code's place in it).
pub(crate) fn rules() -> Vec<Value> {
    RULES
        .iter()
        .map(|r| {
            let summary = first_upper(r.summary);
            json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": {"text": summary},
                "fullDescription": {"text": r.rationale},
                "defaultConfiguration": {"level": level(r.severity)},
                "help": {
                    "text": format!(
                        "{summary}. {} Run `bedrock-batch rules {}` for a failing and a passing example.",
                        r.rationale, r.code
                    ),
                    "markdown": format!(
                        "**{} {}** ({} phase): {summary}.\n\n{}\n\nRun `bedrock-batch rules {}` for a failing and a passing example.",
                        r.code, r.name, r.phase, r.rationale, r.code
                    ),
                },
                "properties": {"phase": r.phase, "tags": [r.phase.as_str()]},
            })
        })
        .collect()
}

fn first_upper(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A file path as a URI reference: relative paths stay relative (resolved against the
/// repository root by code scanning), absolute ones become `file://` URIs. Bytes outside
/// the URI's unreserved characters and `/` are percent-encoded.
pub(crate) fn path_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for &b in path.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn result(report: &Report, d: &Diagnostic, grouped: bool) -> Value {
    let mut physical = Map::new();
    if let Some(file) = anchor(report, d) {
        physical.insert("artifactLocation".into(), json!({"uri": path_uri(file)}));
    }
    if let Some(p) = d.position {
        physical.insert(
            "region".into(),
            json!({"startLine": p.line, "startColumn": p.column, "byteOffset": p.byte_offset}),
        );
    }
    let mut properties = Map::new();
    properties.insert("phase".into(), json!(d.phase()));
    if let Some(pointer) = &d.pointer {
        properties.insert("pointer".into(), json!(pointer));
    }
    if d.path.is_none() {
        properties.insert("scope".into(), json!("job"));
    } else if d.position.is_none() {
        properties.insert("scope".into(), json!("file"));
    }
    if grouped {
        properties.insert("job".into(), json!(report.job));
    }
    let mut r = json!({
        "ruleId": d.code.as_str(),
        "ruleIndex": d.code as usize,
        "level": level(d.severity()),
        "message": {"text": d.message},
        "properties": properties,
    });
    if !physical.is_empty() {
        r["locations"] = json!([{"physicalLocation": physical}]);
    }
    r
}

/// The SARIF log of a run, as a JSON value (what [`write()`] writes, built whole).
pub fn log(reports: &[Report]) -> Value {
    let grouped = is_grouped(reports);
    let mut log = log_without_results(reports);
    log["runs"][0]["results"] = reports
        .iter()
        .flat_map(|r| r.diagnostics.iter().map(move |d| result(r, d, grouped)))
        .collect();
    log
}

/// The log with an empty `results` array.
fn log_without_results(reports: &[Report]) -> Value {
    let grouped = is_grouped(reports);
    let run_report = run_head(reports);
    let status = |r: &Report| match r.verdict.status {
        VerdictStatus::Scheduled => "Scheduled",
        VerdictStatus::Failed => "Failed",
    };
    let mut properties = json!({
        "verdict": status(&run_report),
        "verdictMessage": run_report.verdict.message,
        "summary": run_report.summary,
    });
    if grouped {
        properties["jobs"] = reports
            .iter()
            .map(|r| json!({"job": r.job, "verdict": status(r), "verdictMessage": r.verdict.message}))
            .collect();
    }
    let tool = &run_report.tool;
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": tool.name,
                "version": tool.version,
                "semanticVersion": tool.version,
                "rules": rules(),
            }},
            "invocations": [{"executionSuccessful": true}],
            "columnKind": "unicodeCodePoints",
            "results": [],
            "properties": properties,
        }],
    })
}

/// Writes the SARIF log of a run, pretty-printed, followed by a newline: byte for byte
/// what [`log`] pretty-prints, with each result made and written one at a time.
pub fn write(reports: &[Report], out: &mut dyn Write) -> io::Result<()> {
    let frame = serde_json::to_string_pretty(&log_without_results(reports))?;
    // The one empty `results` array: a key in the frame, so not inside a string (where its
    // quotes would be escaped).
    const EMPTY: &str = "\"results\": []";
    let at = frame
        .find(EMPTY)
        .expect("the frame has an empty results array");
    let indent = at - frame[..at].rfind('\n').map_or(0, |i| i + 1);
    let (head, tail) = (
        &frame[..at + EMPTY.len() - 1],
        &frame[at + EMPTY.len() - 1..],
    );
    let grouped = is_grouped(reports);
    let results = reports
        .iter()
        .flat_map(|r| r.diagnostics.iter().map(move |d| (r, d)));
    out.write_all(head.as_bytes())?;
    let mut buf = Vec::new();
    let mut any = false;
    let pad = format!("\n{}", " ".repeat(indent + 2));
    for (r, d) in results {
        buf.clear();
        serde_json::to_writer_pretty(&mut buf, &result(r, d, grouped))?;
        out.write_all(if any { b"," } else { b"" })?;
        any = true;
        // Pretty JSON holds line ends only between tokens, never in strings: indenting
        // after each one nests the result as the whole log's printer would.
        out.write_all(pad.as_bytes())?;
        let text = std::str::from_utf8(&buf).expect("serde_json writes UTF-8");
        out.write_all(text.replace('\n', &pad).as_bytes())?;
    }
    if any {
        out.write_all(format!("\n{}", " ".repeat(indent)).as_bytes())?;
    }
    out.write_all(tail.as_bytes())?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_keep_relative_paths_and_encode_the_rest() {
        assert_eq!(path_uri("in/part-0.jsonl"), "in/part-0.jsonl");
        assert_eq!(path_uri("/tmp/a b.jsonl"), "file:///tmp/a%20b.jsonl");
        assert_eq!(path_uri("<stdin>"), "%3Cstdin%3E");
        assert_eq!(path_uri("c:x/é.jsonl"), "c%3Ax/%C3%A9.jsonl");
    }

    #[test]
    fn streamed_log_is_the_built_log() {
        use crate::diagnostic::{Diagnostic, Position};
        use crate::rules::RuleCode;
        use crate::validate::{Summary, Tool, Verdict};
        let d = |code, line| Diagnostic {
            code,
            file: Some(0),
            path: Some("in/a \"b\".jsonl".into()),
            position: Some(Position {
                line,
                column: 3,
                byte_offset: line * 10,
            }),
            pointer: Some("/recordId".into()),
            message: "\"results\": [] and a\nline".into(),
        };
        let mut report = Report {
            version: 1,
            tool: Tool {
                name: "bedrock-batch",
                version: "0",
            },
            model_id: None,
            family: None,
            invocation_type: crate::InvocationType::InvokeModel,
            verdict: Verdict {
                status: VerdictStatus::Scheduled,
                message: None,
            },
            summary: Summary::default(),
            quotas: crate::models::Catalog::embedded().default_quotas,
            files: Vec::new(),
            diagnostics: Vec::new(),
            job: None,
            first_input: None,
        };
        for n in [0, 1, 3] {
            report.diagnostics = (1..=n).map(|l| d(RuleCode::L001, l)).collect();
            let mut streamed = Vec::new();
            write(std::slice::from_ref(&report), &mut streamed).unwrap();
            let built = serde_json::to_string_pretty(&log(std::slice::from_ref(&report))).unwrap();
            assert_eq!(String::from_utf8(streamed).unwrap(), built + "\n");
        }
    }

    #[test]
    fn every_rule_is_described_in_table_order() {
        let rules = rules();
        assert_eq!(rules.len(), RULES.len());
        for (i, r) in rules.iter().enumerate() {
            assert_eq!(r["id"], RULES[i].code);
            assert!(!r["fullDescription"]["text"].as_str().unwrap().is_empty());
        }
    }
}
