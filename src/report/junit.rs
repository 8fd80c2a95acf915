//! `--format junit`: JUnit XML, for CI test reporters (GitLab's test report, Jenkins,
//! `dorny/test-reporter`, `mikepenz/action-junit-report`, ...).
//!
//! - One `<testsuite>` per input file, named by its path: a `file` test case for the
//!   file-level checks (always there, so a clean file shows as passing) and a `line N` test
//!   case per record with findings.
//! - One more suite, `job` (or `job NAME` in a run of several jobs), with a `job` test case
//!   for the job-level checks, and an `unlisted findings` case when `--max-diagnostics` cut
//!   the list.
//! - A test case fails (`<failure type="CODE">`) when one of its findings is at or above
//!   `--fail-on`, the same line that decides the exit code; findings below it are listed in
//!   `<system-out>` of a passing case.
//! - No timestamps or durations, so the report is the same from run to run.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::{count_noun, is_grouped, unlisted_by_severity};
use crate::diagnostic::Diagnostic;
use crate::rules::Severity;
use crate::validate::Report;

/// How the JUnit report is made.
#[derive(Clone, Copy, Debug)]
pub struct JunitStyle {
    /// Findings at or above this severity fail their test case.
    pub fail_on: Severity,
}

impl Default for JunitStyle {
    fn default() -> Self {
        JunitStyle {
            fail_on: Severity::Error,
        }
    }
}

/// One test case: its name, where it points, and its findings.
struct Case<'r> {
    name: String,
    line: Option<u64>,
    findings: Vec<&'r Diagnostic>,
    /// Set for the synthetic case about unlisted findings: (message, fails).
    note: Option<(String, bool)>,
}

struct Suite<'r> {
    name: String,
    file: Option<String>,
    cases: Vec<Case<'r>>,
}

impl Case<'_> {
    fn fails(&self, fail_on: Severity) -> bool {
        self.findings.iter().any(|d| d.severity() >= fail_on)
            || self.note.as_ref().is_some_and(|n| n.1)
    }
}

fn suites<'r>(report: &'r Report, style: JunitStyle, grouped: bool) -> Vec<Suite<'r>> {
    // Every file read, plus any file only a finding names (a stray file).
    let mut by_path: BTreeMap<&str, Vec<&Diagnostic>> = report
        .files
        .iter()
        .map(|f| (f.path.as_str(), Vec::new()))
        .collect();
    let mut job_level = Vec::new();
    for d in &report.diagnostics {
        match &d.path {
            Some(p) => by_path.entry(p).or_default().push(d),
            None => job_level.push(d),
        }
    }
    let mut out = Vec::new();
    for (path, findings) in by_path {
        let mut file_case = Case {
            name: "file".into(),
            line: None,
            findings: Vec::new(),
            note: None,
        };
        let mut records: BTreeMap<u64, Vec<&Diagnostic>> = BTreeMap::new();
        for d in findings {
            match d.position {
                Some(p) => records.entry(p.line).or_default().push(d),
                None => file_case.findings.push(d),
            }
        }
        let mut cases = vec![file_case];
        cases.extend(records.into_iter().map(|(line, findings)| Case {
            name: format!("line {line}"),
            line: Some(line),
            findings,
            note: None,
        }));
        out.push(Suite {
            name: path.to_string(),
            file: Some(path.to_string()),
            cases,
        });
    }
    let mut cases = vec![Case {
        name: "job".into(),
        line: None,
        findings: job_level,
        note: None,
    }];
    let unlisted = unlisted_by_severity(&report.summary, &report.diagnostics);
    let total: u64 = unlisted.iter().sum();
    if total > 0 {
        let fails = match style.fail_on {
            Severity::Error => unlisted[0] > 0,
            Severity::Warning => unlisted[0] + unlisted[1] > 0,
            Severity::Info => true,
        };
        cases.push(Case {
            name: "unlisted findings".into(),
            line: None,
            findings: Vec::new(),
            note: Some((
                format!(
                    "{} more not listed (--max-diagnostics): {}, {}, {}",
                    count_noun(total, "finding", "findings"),
                    count_noun(unlisted[0], "error", "errors"),
                    count_noun(unlisted[1], "warning", "warnings"),
                    count_noun(unlisted[2], "info", "infos"),
                ),
                fails,
            )),
        });
    }
    out.push(Suite {
        name: match (&report.job, grouped) {
            (Some(job), true) => format!("job {job}"),
            _ => "job".into(),
        },
        file: None,
        cases,
    });
    out
}

/// `path:line:col: CODE name: message` for a failure's text.
fn finding_line(d: &Diagnostic) -> String {
    let place = match (&d.path, d.position) {
        (Some(path), Some(p)) => format!("{path}:{}:{}", p.line, p.column),
        (Some(path), None) => path.to_string(),
        (None, _) => "job".into(),
    };
    format!("{place}: {} {}: {}", d.code, d.code.name(), d.message)
}

/// Writes the JUnit XML report of a run.
pub fn write(reports: &[Report], style: JunitStyle, out: &mut dyn Write) -> io::Result<()> {
    let grouped = is_grouped(reports);
    let all: Vec<Suite> = reports
        .iter()
        .flat_map(|r| suites(r, style, grouped))
        .collect();
    let tests: usize = all.iter().map(|s| s.cases.len()).sum();
    let failures: usize = all
        .iter()
        .flat_map(|s| &s.cases)
        .filter(|c| c.fails(style.fail_on))
        .count();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="bedrock-batch validate" tests="{tests}" failures="{failures}" errors="0">"#
    )?;
    for suite in &all {
        let failed = suite
            .cases
            .iter()
            .filter(|c| c.fails(style.fail_on))
            .count();
        writeln!(
            out,
            r#"  <testsuite name="{}" tests="{}" failures="{failed}" errors="0" skipped="0">"#,
            xml(&suite.name),
            suite.cases.len()
        )?;
        for case in &suite.cases {
            let mut attrs = format!(
                r#"classname="{}" name="{}""#,
                xml(&suite.name),
                xml(&case.name)
            );
            if let Some(file) = &suite.file {
                attrs.push_str(&format!(r#" file="{}""#, xml(file)));
            }
            if let Some(line) = case.line {
                attrs.push_str(&format!(r#" line="{line}""#));
            }
            let lines: Vec<String> = case.findings.iter().map(|d| finding_line(d)).collect();
            if case.fails(style.fail_on) {
                writeln!(out, "    <testcase {attrs}>")?;
                let (message, kind, text) = match (
                    &case.note,
                    case.findings.iter().find(|d| d.severity() >= style.fail_on),
                ) {
                    (_, Some(d)) => (
                        format!("{} {}: {}", d.code, d.code.name(), d.message),
                        d.code.as_str().to_string(),
                        lines.join("\n"),
                    ),
                    (Some((note, _)), None) => (note.clone(), "unlisted".into(), note.clone()),
                    (None, None) => unreachable!("a failing case has a finding or a note"),
                };
                writeln!(
                    out,
                    r#"      <failure message="{}" type="{}">{}</failure>"#,
                    xml(&message),
                    xml(&kind),
                    xml_text(&text)
                )?;
                writeln!(out, "    </testcase>")?;
            } else if lines.is_empty() && case.note.is_none() {
                writeln!(out, "    <testcase {attrs}/>")?;
            } else {
                let text = match &case.note {
                    Some((note, _)) => note.clone(),
                    None => lines.join("\n"),
                };
                writeln!(out, "    <testcase {attrs}>")?;
                writeln!(out, "      <system-out>{}</system-out>", xml_text(&text))?;
                writeln!(out, "    </testcase>")?;
            }
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

/// Escapes text for an XML 1.0 attribute value. Characters XML 1.0 cannot carry at all
/// (most C0 controls) are written as `\u{..}`, so the report always parses.
pub(crate) fn xml(s: &str) -> String {
    escape(s, true)
}

/// Escapes text for XML 1.0 element content, keeping line breaks.
pub(crate) fn xml_text(s: &str) -> String {
    escape(s, false)
}

fn escape(s: &str, in_attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if in_attribute => out.push_str("&quot;"),
            '\'' if in_attribute => out.push_str("&apos;"),
            // Attribute values normalise line breaks and tabs to spaces unless referenced.
            '\n' | '\t' if in_attribute => out.push_str(&format!("&#{};", c as u32)),
            '\n' | '\t' => out.push(c),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                out.push_str(&format!("\\u{{{:04x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_markup_and_controls() {
        assert_eq!(
            xml(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;"
        );
        assert_eq!(xml("a\u{1}b\nc"), "a\\u{0001}b&#10;c");
        assert_eq!(xml_text("a\nb\r'\""), "a\nb&#13;'\"");
    }
}
