//! `--format github`: GitHub Actions workflow commands, so findings show up as annotations on
//! the files of a pull request.
//!
//! ```text
//! ::error file=in/a.jsonl,line=3,col=17,title=L001 invalid-json::trailing comma before '}'
//! ```
//!
//! - Errors, warnings and infos become `::error`, `::warning` and `::notice`. File-level
//!   findings carry no line; job-level ones are placed on the job's first input file.
//! - Escaping follows the runner's parser (actions/toolkit `command.ts`): in the message `%`,
//!   `\r`, `\n` become `%25`, `%0D`, `%0A`; in properties `:` and `,` also become `%3A`, `%2C`.
//! - GitHub shows only 10 annotations of each type per step and drops the rest silently, so
//!   at most `ANNOTATIONS_PER_TYPE` of each are written, and when findings are left over one
//!   last `::notice` says how many (it takes the place of the tenth notice). Each type has its
//!   own 10, so infos never take an error's place; job-level findings are annotated before
//!   the record findings of their type, as they are always listed.
//! - Then the whole text report follows, for the log, between `::stop-commands::` markers so
//!   that nothing taken from the data (a `recordId`, a file name) can act as a command.
//! - [`write_step_summary`] writes the Markdown table the binary appends to
//!   `$GITHUB_STEP_SUMMARY`.

use std::io::{self, Write};

use super::text::{self, TextStyle};
use super::{anchor, count_noun, is_grouped, severity_index, unlisted_by_severity};
use crate::diagnostic::Diagnostic;
use crate::rules::{RuleCode, Severity};
use crate::text::group_digits;
use crate::text::human_bytes;
use crate::validate::{Report, VerdictStatus};

/// GitHub shows this many annotations of each type (error, warning, notice) per step.
pub(crate) const ANNOTATIONS_PER_TYPE: usize = 10;

/// Findings listed in the step summary's table, at most (the summary is capped at 1 MiB per
/// step; the log has them all).
pub(crate) const SUMMARY_ROWS: usize = 50;

/// How the GitHub report looks.
#[derive(Clone, Copy, Debug, Default)]
pub struct GithubStyle {
    /// Annotations only: no text report in the log.
    pub quiet: bool,
    /// The `--max-diagnostics` in force, named when findings were cut.
    pub max_diagnostics: usize,
}

/// Escapes a workflow command's message.
pub(crate) fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a workflow command's property value (`file=`, `title=`).
pub(crate) fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// One finding as a workflow command.
pub(crate) fn annotation(report: &Report, d: &Diagnostic) -> String {
    let mut props = Vec::new();
    if let Some(file) = anchor(report, d) {
        props.push(format!("file={}", escape_property(file)));
    }
    if let Some(p) = d.position {
        props.push(format!("line={}", p.line));
        props.push(format!("col={}", p.column));
    }
    props.push(format!(
        "title={}",
        escape_property(&format!("{} {}", d.code, d.code.name()))
    ));
    let message = match (&d.path, &report.job) {
        (None, Some(job)) => format!("job {job}: {}", d.message),
        (None, None) => format!("job: {}", d.message),
        _ => d.message.clone(),
    };
    format!(
        "::{} {}::{}",
        command(d.severity()),
        props.join(","),
        escape_data(&message)
    )
}

/// Writes the annotations, the notice about those left out, and the text report.
pub fn write(reports: &[Report], style: GithubStyle, out: &mut dyn Write) -> io::Result<()> {
    let total = super::run_head(reports).summary;
    let totals = [total.errors, total.warnings, total.infos];
    let cap = ANNOTATIONS_PER_TYPE as u64;
    // The notice about left-out findings is itself a notice: when it is needed, infos get
    // one place fewer.
    let needs_notice = totals.iter().any(|&n| n > cap);
    let caps = [cap, cap, if needs_notice { cap - 1 } else { cap }];
    let mut written = [0u64; 3];
    // Which findings get an annotation: job-level ones first (few, and always listed), then
    // the others in report order; written in report order.
    let listed: Vec<(&Report, &Diagnostic)> = reports
        .iter()
        .flat_map(|r| r.diagnostics.iter().map(move |d| (r, d)))
        .collect();
    let mut chosen = vec![false; listed.len()];
    for job_level in [true, false] {
        for (k, (_, d)) in listed.iter().enumerate() {
            let level = severity_index(d.severity());
            if d.path.is_none() == job_level && written[level] < caps[level] {
                chosen[k] = true;
                written[level] += 1;
            }
        }
    }
    for ((r, d), _) in listed.iter().zip(&chosen).filter(|(_, &c)| c) {
        writeln!(out, "{}", annotation(r, d))?;
    }
    let left: Vec<u64> = totals.iter().zip(written).map(|(t, w)| t - w).collect();
    let left_total: u64 = left.iter().sum();
    if left_total > 0 {
        let unlisted: u64 = reports.iter().map(Report::unlisted).sum();
        let where_ = if style.quiet {
            "run without --quiet to list them in the log"
        } else if unlisted > 0 {
            "the log of this step lists them up to --max-diagnostics"
        } else {
            "the log of this step lists them all"
        };
        let message = format!(
            "{} more {} not shown as annotations (GitHub shows {} of each type per step): {}, {}, {}; {}",
            group_digits(left_total),
            if left_total == 1 { "finding" } else { "findings" },
            ANNOTATIONS_PER_TYPE,
            count_noun(left[0], "error", "errors"),
            count_noun(left[1], "warning", "warnings"),
            count_noun(left[2], "info", "infos"),
            where_
        );
        writeln!(
            out,
            "::notice title={}::{}",
            escape_property("bedrock-batch"),
            escape_data(&message)
        )?;
    }
    if style.quiet {
        return Ok(());
    }
    let mut log = Vec::new();
    text::write_run(
        reports,
        TextStyle {
            color: false,
            quiet: false,
            max_diagnostics: style.max_diagnostics,
        },
        &mut log,
    )?;
    // The token that resumes commands is derived from the text it guards, so the text cannot
    // contain it (and the output stays the same from run to run).
    let token = format!("bedrock-batch-{:016x}", xxhash_rust::xxh3::xxh3_64(&log));
    writeln!(out, "::stop-commands::{token}")?;
    out.write_all(&log)?;
    writeln!(out, "::{token}::")
}

/// Writes the Markdown summary of a run, for `$GITHUB_STEP_SUMMARY`: the verdict, a table of
/// jobs, a table of findings per rule, and the first `SUMMARY_ROWS` findings.
pub fn write_step_summary(reports: &[Report], out: &mut dyn Write) -> io::Result<()> {
    let run = super::run_head(reports);
    let errors = run.summary.errors;
    match (&run.verdict.message, errors) {
        (Some(m), _) => {
            writeln!(out, "### bedrock-batch validate: Failed")?;
            writeln!(out)?;
            writeln!(out, "Would fail the Validating phase: {}", cell(m))?;
        }
        (None, 0) => {
            writeln!(out, "### bedrock-batch validate: Scheduled")?;
            writeln!(out)?;
            writeln!(out, "Would pass the Validating phase.")?;
        }
        (None, n) => {
            // Scheduled is the service's answer, but the job would not do its work: say so
            // in the headline, not only in the table.
            let errors = count_noun(n, "error", "errors");
            writeln!(
                out,
                "### bedrock-batch validate: Scheduled, but {errors}: records would fail"
            )?;
            writeln!(out)?;
            writeln!(
                out,
                "Would pass the Validating phase, but {errors} would fail records when they are run (see below)."
            )?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "| job | verdict | files | records | bytes | errors | warnings | infos |"
    )?;
    writeln!(out, "|---|---|--:|--:|--:|--:|--:|--:|")?;
    let grouped = is_grouped(reports);
    let mut rows: Vec<(&str, &Report)> = reports
        .iter()
        .map(|r| (r.job.as_deref().unwrap_or("all inputs"), r))
        .collect();
    if grouped && reports.len() > 1 {
        rows.push(("**all jobs**", &run));
    }
    for (name, r) in rows {
        let s = &r.summary;
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(name),
            match r.verdict.status {
                VerdictStatus::Scheduled => "Scheduled",
                VerdictStatus::Failed => "Failed",
            },
            group_digits(s.files),
            group_digits(s.records),
            human_bytes(s.bytes),
            group_digits(s.errors),
            group_digits(s.warnings),
            group_digits(s.infos)
        )?;
    }
    if !run.summary.by_code.is_empty() {
        writeln!(out)?;
        writeln!(out, "| rule | severity | phase | findings |")?;
        writeln!(out, "|---|---|---|--:|")?;
        for (code, n) in &run.summary.by_code {
            let (name, severity, phase) = match code.parse::<RuleCode>() {
                Ok(c) => (c.name(), c.severity().as_str(), c.phase().as_str()),
                Err(_) => ("", "", ""),
            };
            writeln!(
                out,
                "| {code} {name} | {severity} | {phase} | {} |",
                group_digits(*n)
            )?;
        }
    }
    let mut listed: Vec<(&Report, &Diagnostic)> = reports
        .iter()
        .flat_map(|r| r.diagnostics.iter().map(move |d| (r, d)))
        .collect();
    // The rows, like the list: the most severe first, job-level ones always, report order.
    super::keep_most_severe(&mut listed, SUMMARY_ROWS, |(_, d)| d);
    if !listed.is_empty() {
        let total = run.summary.errors + run.summary.warnings + run.summary.infos;
        let shown = listed.len() as u64;
        let title = if shown < total {
            format!(
                "Findings: {} of {}, errors first (the step's log lists more)",
                group_digits(shown),
                group_digits(total)
            )
        } else {
            format!("Findings: {}", group_digits(total))
        };
        writeln!(out)?;
        writeln!(out, "<details><summary>{title}</summary>")?;
        writeln!(out)?;
        writeln!(out, "| place | rule | message |")?;
        writeln!(out, "|---|---|---|")?;
        for (r, d) in listed {
            let place = match (&d.path, d.position) {
                (Some(path), Some(p)) => format!("{path}:{}:{}", p.line, p.column),
                (Some(path), None) => path.to_string(),
                (None, _) => match &r.job {
                    Some(job) => format!("job {job}"),
                    None => "job".to_string(),
                },
            };
            writeln!(
                out,
                "| {} | {} {} | {} |",
                cell(&place),
                d.code,
                d.code.name(),
                cell(&d.message)
            )?;
        }
        writeln!(out)?;
        writeln!(out, "</details>")?;
    }
    let unlisted = unlisted_by_severity(&run.summary, reports.iter().flat_map(|r| &r.diagnostics));
    if unlisted.iter().any(|&n| n > 0) {
        writeln!(out)?;
        writeln!(
            out,
            "{} more findings were counted but not listed (--max-diagnostics).",
            group_digits(unlisted.iter().sum())
        )?;
    }
    writeln!(out)
}

/// Text for a Markdown table cell: no line breaks, no column separators, no HTML.
fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_runner() {
        assert_eq!(escape_data("50% a\r\nb: c, d"), "50%25 a%0D%0Ab: c, d");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn cells_cannot_break_the_table() {
        assert_eq!(cell("a|b\n<i>&"), "a\\|b &lt;i&gt;&amp;");
    }
}
