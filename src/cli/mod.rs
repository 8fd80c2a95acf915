//! Command-line glue: parse flags, build the library's configuration, run, print, and turn
//! the outcome into an exit code (0 clean, 1 findings at or above `--fail-on`, 2 the tool
//! could not do its work).

mod args;
mod config;
mod fix;
mod job;
mod models;
mod output;
mod progress;
mod results;
mod rules;
mod schema;
mod shard;
mod validate;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// Check and prepare JSONL input for Amazon Bedrock batch inference, before upload.
#[derive(Parser)]
#[command(name = "bedrock-batch", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// AWS profile for s3:// paths (from ~/.aws/config and ~/.aws/credentials), over
    /// AWS_PROFILE; see docs/s3.md.
    #[arg(long, global = true, value_name = "NAME")]
    profile: Option<String>,
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
    /// Cut input into jobs and files that fit the quotas (writes DIR/manifest.json,
    /// DIR/job-001/part-0001.jsonl, ...).
    Shard(Box<shard::ShardArgs>),
    /// Check a create-model-invocation-job request and its data offline, and answer as
    /// get-model-invocation-job would.
    #[command(subcommand)]
    Job(job::JobCommand),
    /// Write a corrected copy: strip BOMs, CRLF, blank lines; optionally add or dedupe
    /// recordIds and drop unknown keys; reject what cannot be repaired.
    Fix(Box<fix::FixArgs>),
    /// Join a finished (or running) job's output to its input: what happened to each record,
    /// a summary, and the records to send again (--retry FILE).
    Results(Box<results::ResultsArgs>),
}

/// Exit code: the tool could not do its work.
pub const EXIT_TOOL_ERROR: u8 = 2;

/// Runs the command line.
pub fn main() -> ExitCode {
    // The matches are kept: `validate` tells the command line's flags from its config file's.
    let parsed = Cli::command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, m)));
    let (cli, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_TOOL_ERROR } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    if let Some(profile) = &cli.profile {
        bedrock_batch::s3::set_profile(profile);
    }
    match cli.command {
        Command::Validate(args) => {
            let own = matches
                .subcommand_matches("validate")
                .cloned()
                .unwrap_or_default();
            validate::run(*args, &own)
        }
        Command::Models(args) => models::run(args),
        Command::Rules(args) => rules::run(args),
        Command::Schema(args) => schema::run(args),
        Command::Job(cmd) => job::run(cmd, &own(&matches, "job")),
        Command::Shard(args) => match config::apply(*args, &["shard"], &own(&matches, "shard")) {
            Ok(args) => shard::run(args),
            Err(e) => tool_error(e.trim_end().trim_start_matches("error: ")),
        },
        Command::Fix(args) => match config::apply(*args, &["fix"], &own(&matches, "fix")) {
            Ok(args) => fix::run(args),
            Err(e) => tool_error(e.trim_end().trim_start_matches("error: ")),
        },
        Command::Results(args) => results::run(*args),
    }
}

/// The matches of subcommand `name` (its own flags, to tell them from the config file's).
fn own(matches: &clap::ArgMatches, name: &str) -> clap::ArgMatches {
    matches
        .subcommand_matches(name)
        .cloned()
        .unwrap_or_default()
}

/// Prints a one-line tool error and returns exit code 2.
pub fn tool_error(message: impl std::fmt::Display) -> ExitCode {
    progress::clear_remote();
    eprintln!("bedrock-batch: error: {message}");
    ExitCode::from(EXIT_TOOL_ERROR)
}
