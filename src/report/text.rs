//! `--format text`: `path:line:col: CODE message` per finding, then a summary line and the
//! verdict, for people and for editors' "jump to error" parsers.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use crate::diagnostic::Diagnostic;
use crate::quota::human_bytes;
use crate::rules::Severity;
use crate::scan::group_digits;
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
    let place = match (&d.path, d.position) {
        (Some(path), Some(p)) => format!("{path}:{}:{}:", p.line, p.column),
        (Some(path), None) => format!("{path}:"),
        (None, _) => "job:".to_string(),
    };
    format!(
        "{} {} {}",
        paint(color, Style::new().bold(), &place),
        paint(color, severity_style(d.severity()), d.code.as_str()),
        d.message
    )
}

/// Writes the text report.
pub fn write(report: &Report, style: TextStyle, out: &mut dyn Write) -> io::Result<()> {
    for d in &report.diagnostics {
        writeln!(out, "{}", format_diagnostic(d, style.color))?;
    }
    if style.quiet {
        return Ok(());
    }
    let unlisted = report.unlisted();
    if unlisted > 0 {
        writeln!(
            out,
            "… {} more finding{} not listed (--max-diagnostics {}); counts below are complete",
            group_digits(unlisted),
            if unlisted == 1 { "" } else { "s" },
            style.max_diagnostics
        )?;
    }
    let s = &report.summary;
    let plural = |n: u64, one: &str, many: &str| {
        format!("{} {}", group_digits(n), if n == 1 { one } else { many })
    };
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
