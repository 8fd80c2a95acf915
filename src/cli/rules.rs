//! `bedrock-batch rules [CODE]`: every rule, or one explained.

use std::process::ExitCode;

use clap::Args;

use bedrock_batch::rules::{RuleCode, RULES};

use super::output::with_stdout;
use super::tool_error;

/// Arguments of `rules`.
#[derive(Args, Debug)]
pub struct RulesArgs {
    /// A rule code (L001) or name (invalid-json) to explain.
    #[arg(value_name = "CODE")]
    pub code: Option<String>,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `rules`.
pub fn run(args: RulesArgs) -> ExitCode {
    let result = match &args.code {
        None => with_stdout(|out| {
            if args.json {
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
            let rule = match code.parse::<RuleCode>() {
                Ok(r) => r.info(),
                Err(e) => return tool_error(e),
            };
            with_stdout(|out| {
                writeln!(
                    out,
                    "{} {} ({}, {} phase)",
                    rule.code, rule.name, rule.severity, rule.phase
                )?;
                writeln!(out)?;
                writeln!(out, "What it flags: {}", rule.summary)?;
                writeln!(out, "Why it matters: {}", rule.rationale)
            })
        }
    };
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => tool_error(format!("cannot write: {e}")),
    }
}
