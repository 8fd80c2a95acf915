//! Command-line glue: parse flags, build the library's configuration, run, print, and turn
//! the outcome into an exit code (0 clean, 1 findings at or above `--fail-on`, 2 the tool
//! could not do its work).

mod fix;
mod job;
mod models;
mod output;
mod progress;
mod rules;
mod schema;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Check and prepare JSONL input for Amazon Bedrock batch inference, before upload.
#[derive(Parser)]
#[command(name = "bedrock-batch", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check files, folders or stdin as one batch inference job.
    Validate(Box<validate::ValidateArgs>),
    /// List the model catalog, or show what one model id resolves to and why.
    Models(models::ModelsArgs),
    /// List every rule, or explain one with a failing and a passing example.
    Rules(rules::RulesArgs),
    /// Print the JSON Schema used for a body family.
    Schema(schema::SchemaArgs),
    /// Check a create-model-invocation-job request and its data offline, and answer as
    /// get-model-invocation-job would.
    #[command(subcommand)]
    Job(job::JobCommand),
    /// Write a corrected copy: strip BOMs, CRLF, blank lines; optionally add or dedupe
    /// recordIds and drop unknown keys; reject what cannot be repaired.
    Fix(Box<fix::FixArgs>),
}

/// Exit code: the tool could not do its work.
pub const EXIT_TOOL_ERROR: u8 = 2;

/// Runs the command line.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_TOOL_ERROR } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Validate(args) => validate::run(*args),
        Command::Models(args) => models::run(args),
        Command::Rules(args) => rules::run(args),
        Command::Schema(args) => schema::run(args),
        Command::Job(cmd) => job::run(cmd),
        Command::Fix(args) => fix::run(*args),
    }
}

/// Prints a one-line tool error and returns exit code 2.
pub fn tool_error(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("bedrock-batch: error: {message}");
    ExitCode::from(EXIT_TOOL_ERROR)
}
