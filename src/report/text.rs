//! `--format text`: `path:line:col: CODE message` per finding, then a summary line and the
//! verdict, for people and for editors' "jump to error" parsers.
//!
//! A run of several jobs (`--group folder|file`) prints each job under a `== job NAME`
//! heading, its job-level findings as `NAME: CODE message`, and ends with a line for the run.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use crate::diagnostic::Diagnostic;
use crate::rules::Severity;
use crate::text::group_digits;
use crate::text::human_bytes;
use crate::validate::{Report, VerdictStatus};

/// How the text report looks.
#[derive(Clone, Copy, Debug, Default)]
pub struct TextStyle {
    /// Use ANSI colours.
    pub color: bool,
    /// Print findings only: no summary or verdict line.
    pub quiet: bool,
    /// The `--max-diagnostics` in force, to name it when findings were cut.
    pub max_diagnostics: usize,
}

fn paint(color: bool, style: Style, text: &str) -> String {
    if color {
        format!("{}{text}{}", style.render(), style.render_reset())
    } else {
        text.to_string()
    }
}

fn severity_style(s: Severity) -> Style {
    match s {
        Severity::Error => AnsiColor::Red.on_default().bold(),
        Severity::Warning => AnsiColor::Yellow.on_default().bold(),
        Severity::Info => AnsiColor::Cyan.on_default(),
    }
}

/// One finding as a line: `path:line:col: CODE message`; file-level findings have no
/// line and column, job-level ones print `job:` for the place.
pub fn format_diagnostic(d: &Diagnostic, color: bool) -> String {
    format_diagnostic_of(d, None, color)
}

/// [`format_diagnostic`] for a finding of the job named `job`: a job-level finding prints
/// the job's name for the place.
pub(crate) fn format_diagnostic_of(d: &Diagnostic, job: Option<&str>, color: bool) -> String {
    let place = match (&d.path, d.position, job) {
        (Some(path), Some(p), _) => format!("{path}:{}:{}:", p.line, p.column),
        (Some(path), None, _) => format!("{path}:"),
        (None, _, Some(job)) => format!("job {job}:"),
        (None, _, None) => "job:".to_string(),
    };
    format!(
        "{} {} {}",
        paint(color, Style::new().bold(), &place),
        paint(color, severity_style(d.severity()), d.code.as_str()),
        // One finding, one line: text from the data (a decoded recordId) may hold line ends.
        d.message.replace('\r', "\\r").replace('\n', "\\n")
    )
}

/// Writes a run's reports: one job as [`write()`] does; named jobs each under a heading, and
/// for several of them a line for the whole run.
pub fn write_run(reports: &[Report], style: TextStyle, out: &mut dyn Write) -> io::Result<()> {
    if !super::is_grouped(reports) {
        for r in reports {
            write(r, style, out)?;
        }
        return Ok(());
    }
    for (i, r) in reports.iter().enumerate() {
        if !style.quiet {
            if i > 0 {
                writeln!(out)?;
            }
            let name = r.job.as_deref().unwrap_or("");
            writeln!(
                out,
                "{}",
                paint(style.color, Style::new().bold(), &format!("== job {name}"))
            )?;
        }
        write(r, style, out)?;
    }
    // One named job: its own verdict is the run's.
    if style.quiet || reports.len() == 1 {
        return Ok(());
    }
    let failed: Vec<&str> = reports
        .iter()
        .filter(|r| r.verdict.status == VerdictStatus::Failed)
        .map(|r| r.job.as_deref().unwrap_or(""))
        .collect();
    let total = super::run_head(reports).summary;
    writeln!(out)?;
    writeln!(
        out,
        "All {}: {}, {}, {}: {}, {}, {}",
        super::count_noun(reports.len() as u64, "job", "jobs"),
        super::count_noun(total.files, "file", "files"),
        super::count_noun(total.records, "record", "records"),
        human_bytes(total.bytes),
        super::count_noun(total.errors, "error", "errors"),
        super::count_noun(total.warnings, "warning", "warnings"),
        super::count_noun(total.infos, "info", "infos"),
    )?;
    if failed.is_empty() {
        writeln!(
            out,
            "Verdict: {}: every job would pass the Validating phase",
            paint(
                style.color,
                AnsiColor::Green.on_default().bold(),
                "Scheduled"
            )
        )
    } else {
        writeln!(
            out,
            "Verdict: {}: {} of {} would fail: {}",
            paint(style.color, AnsiColor::Red.on_default().bold(), "Failed"),
            failed.len(),
            super::count_noun(reports.len() as u64, "job", "jobs"),
            failed.join(", ")
        )
    }
}

/// Writes the text report.
pub fn write(report: &Report, style: TextStyle, out: &mut dyn Write) -> io::Result<()> {
    for d in &report.diagnostics {
        writeln!(
            out,
            "{}",
            format_diagnostic_of(d, report.job.as_deref(), style.color)
        )?;
    }
    if style.quiet {
        return Ok(());
    }
    let unlisted = report.unlisted();
    if unlisted > 0 {
        writeln!(
            out,
            "… {} more finding{} not listed (--max-diagnostics {} lists the most severe first); counts below are complete",
            group_digits(unlisted),
            if unlisted == 1 { "" } else { "s" },
            style.max_diagnostics
        )?;
    }
    let s = &report.summary;
    let plural = crate::text::counted;
    writeln!(
        out,
        "Checked {}, {}, {}: {}, {}, {}",
        plural(s.files, "file", "files"),
        plural(s.records, "record", "records"),
        human_bytes(s.bytes),
        plural(s.errors, "error", "errors"),
        plural(s.warnings, "warning", "warnings"),
        plural(s.infos, "info", "infos"),
    )?;
    let verdict = match report.verdict.status {
        VerdictStatus::Scheduled => {
            let inference = s.by_code.keys().any(|c| {
                c.parse::<crate::rules::RuleCode>()
                    .is_ok_and(|r| r.phase() == crate::rules::Phase::Inference)
            });
            let tail = if inference {
                ", but some records would fail at inference (see above)"
            } else {
                ""
            };
            format!(
                "Verdict: {}: the job would pass the Validating phase{tail}",
                paint(
                    style.color,
                    AnsiColor::Green.on_default().bold(),
                    "Scheduled"
                )
            )
        }
        VerdictStatus::Failed => format!(
            "Verdict: {}: {}",
            paint(style.color, AnsiColor::Red.on_default().bold(), "Failed"),
            report.verdict.message.as_deref().unwrap_or("")
        ),
    };
    writeln!(out, "{verdict}")
}
