//! `bedrock-batch rules [CODE]`: every rule, or one explained.

use std::process::ExitCode;

use clap::{Args, ValueEnum};

use bedrock_batch::commands::rules::RULES;
use bedrock_batch::RuleCode;

use super::output::with_stdout;
use super::tool_error;

/// Arguments of `rules`.
#[derive(Args, Debug)]
pub struct RulesArgs {
    /// A rule code (L001) or name (invalid-json) to explain.
    #[arg(value_name = "CODE")]
    pub code: Option<String>,
    /// Print as JSON (the same as --format json).
    #[arg(long)]
    pub json: bool,
    /// Output format; markdown prints the rules reference (docs/rules.md is this output).
    #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
    pub format: RulesFormat,
}

/// Formats of `rules`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    /// A table, or one rule explained with its examples.
    #[default]
    Text,
    /// JSON.
    Json,
    /// The rules reference in Markdown: every rule with what, why and its fixtures.
    Markdown,
}

/// Runs `rules`.
pub fn run(mut args: RulesArgs) -> ExitCode {
    if args.json {
        args.format = RulesFormat::Json;
    }
    if args.format == RulesFormat::Markdown {
        let codes: Vec<RuleCode> = match &args.code {
            None => RuleCode::ALL.to_vec(),
            Some(code) => match code.parse::<RuleCode>() {
                Ok(r) => vec![r],
                Err(e) => return tool_error(e),
            },
        };
        return match with_stdout(|out| markdown(&codes, out)) {
            Ok(_) => ExitCode::SUCCESS,
            Err(e) => tool_error(format!("cannot write: {e}")),
        };
    }
    let result = match &args.code {
        None => with_stdout(|out| {
            if args.format == RulesFormat::Json {
                let rows: Vec<_> = RULES
                    .iter()
                    .map(|r| {
                        serde_json::json!({"code": r.code, "name": r.name, "severity": r.severity,
                                           "phase": r.phase, "summary": r.summary})
                    })
                    .collect();
                serde_json::to_writer_pretty(&mut *out, &rows)?;
                return writeln!(out);
            }
            writeln!(
                out,
                "{:<5} {:<26} {:<8} {:<10} SUMMARY",
                "CODE", "NAME", "SEVERITY", "PHASE"
            )?;
            for r in RULES {
                writeln!(
                    out,
                    "{:<5} {:<26} {:<8} {:<10} {}",
                    r.code, r.name, r.severity, r.phase, r.summary
                )?;
            }
            Ok(())
        }),
        Some(code) => {
            let code = match code.parse::<RuleCode>() {
                Ok(r) => r,
                Err(e) => return tool_error(e),
            };
            let rule = code.info();
            with_stdout(|out| {
                writeln!(
                    out,
                    "{} {} ({}, {} phase)",
                    rule.code, rule.name, rule.severity, rule.phase
                )?;
                writeln!(out)?;
                writeln!(out, "What it flags: {}", rule.summary)?;
                writeln!(out, "Why it matters: {}", rule.rationale)?;
                let Some(ex) = bedrock_batch::commands::rules::example(code) else {
                    return Ok(());
                };
                writeln!(out)?;
                if let Some(note) = &ex.note {
                    writeln!(out, "{note}")?;
                }
                writeln!(
                    out,
                    "Examples (fixtures/{}/), checked with: bedrock-batch validate {}",
                    code,
                    ex.args.join(" ")
                )?;
                let passes = match &ex.pass_args {
                    Some(a) => format!(
                        "Passes (checked with: bedrock-batch validate {})",
                        a.join(" ")
                    ),
                    None => "Passes".to_string(),
                };
                for (title, files) in [("Fails", ex.fail), (passes.as_str(), ex.pass)] {
                    for (name, bytes) in files {
                        writeln!(out)?;
                        writeln!(out, "{title}: {name}")?;
                        for line in show_bytes(bytes).lines().take(12) {
                            writeln!(out, "    {}", clip(line, 240))?;
                        }
                    }
                }
                Ok(())
            })
        }
    };
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => tool_error(format!("cannot write: {e}")),
    }
}

/// The rules reference: an index table, then each rule with what it flags, why it matters
/// and its failing and passing fixtures, as `rules CODE` shows them.
fn markdown(codes: &[RuleCode], out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let cell = |s: &str| s.replace('|', "\\|");
    let anchor = |r: &bedrock_batch::commands::rules::RuleInfo| {
        format!("{}-{}", r.code, r.name).to_lowercase()
    };
    if codes.len() > 1 {
        writeln!(out, "# Rules")?;
        writeln!(out)?;
        writeln!(
            out,
            "Generated by `bedrock-batch rules --format markdown` from the rule table \
             (`src/rules.rs`) and the fixtures (`fixtures/<CODE>/`); a test checks that this \
             file is current. `bedrock-batch rules CODE` explains one rule in the terminal."
        )?;
        writeln!(out)?;
        writeln!(out, "| Code | Name | Severity | Phase | What it flags |")?;
        writeln!(out, "| --- | --- | --- | --- | --- |")?;
        for code in codes {
            let r = code.info();
            writeln!(
                out,
                "| [{}](#{}) | {} | {} | {} | {} |",
                r.code,
                anchor(r),
                r.name,
                r.severity,
                r.phase,
                cell(r.summary)
            )?;
        }
    }
    for &code in codes {
        let r = code.info();
        writeln!(out)?;
        writeln!(out, "## {} {}", r.code, r.name)?;
        writeln!(out)?;
        writeln!(out, "Severity: {}. Phase: {}.", r.severity, r.phase)?;
        writeln!(out)?;
        writeln!(out, "**What it flags:** {}", r.summary)?;
        writeln!(out)?;
        writeln!(out, "**Why it matters:** {}", r.rationale)?;
        let Some(ex) = bedrock_batch::commands::rules::example(code) else {
            continue;
        };
        writeln!(out)?;
        if let Some(note) = &ex.note {
            writeln!(out, "{note}")?;
            writeln!(out)?;
        }
        writeln!(
            out,
            "Examples in `fixtures/{code}/`, checked with `bedrock-batch validate {}`:",
            ex.args.join(" ")
        )?;
        let passes = match &ex.pass_args {
            Some(a) => format!("Passes (with `bedrock-batch validate {}`)", a.join(" ")),
            None => "Passes".to_string(),
        };
        for (title, files) in [("Fails", ex.fail), (passes.as_str(), ex.pass)] {
            for (name, bytes) in files {
                writeln!(out)?;
                writeln!(out, "{title}: `{name}`")?;
                writeln!(out)?;
                writeln!(out, "````text")?;
                for line in show_bytes(bytes).lines().take(12) {
                    writeln!(out, "{}", clip(line, 240))?;
                }
                writeln!(out, "````")?;
            }
        }
    }
    Ok(())
}

/// Bytes for display: UTF-8 as is, with line ends, BOMs and bad bytes made visible.
fn show_bytes(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut shown = text.replace('\u{FEFF}', "<BOM>").replace("\r\n", "<CR>\n");
    if shown.is_empty() {
        shown = "(empty file)".into();
    } else if !bytes.ends_with(b"\n") {
        shown.push_str("<no newline at end>");
    }
    if text.contains('\u{FFFD}') {
        shown.push_str("\n(\u{FFFD} marks bytes that are not UTF-8)");
    }
    shown
}

/// A line cut to `max` characters, for examples with very long records.
pub fn clip(line: &str, max: usize) -> String {
    bedrock_batch::fmt::shorten(line, max)
}
