//! `bedrock-batch validate [PATH]...`: check files, folders or stdin as one job.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use bedrock_batch::quota::{parse_size, QuotaOverrides};
use bedrock_batch::report::{self, text::TextStyle};
use bedrock_batch::rules::{RuleSelection, Severity};
use bedrock_batch::validate::{validate_with_progress, ValidateOptions, DEFAULT_CHUNK_SIZE};
use bedrock_batch::InvocationType;

use super::output::{with_stdout, ColorChoice, Written};
use super::progress::Bar;
use super::tool_error;

/// Report formats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// `path:line:col: CODE message`, a summary and the verdict.
    #[default]
    Text,
    /// One JSON document (see the README for its fields).
    Json,
}

/// `--fail-on`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Exit 1 on errors (the default).
    #[default]
    Error,
    /// Exit 1 on warnings or errors.
    Warning,
    /// Exit 1 on any finding.
    Info,
}

/// `--invocation-type`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum InvocationArg {
    /// InvokeModel bodies of the model (default).
    #[default]
    #[value(name = "InvokeModel")]
    InvokeModel,
    /// Converse request bodies.
    #[value(name = "Converse")]
    Converse,
}

/// Quota overrides, for accounts with adjusted quotas.
#[derive(Args, Clone, Debug, Default)]
pub struct QuotaArgs {
    /// At least N records per job (default 100; 50 for Llama 4 Scout).
    #[arg(long, value_name = "N", help_heading = "Quotas")]
    pub min_records_per_job: Option<u64>,
    /// At most N records per file (default 50000).
    #[arg(long, value_name = "N", help_heading = "Quotas")]
    pub max_records_per_file: Option<u64>,
    /// At most N records per job (default 50000).
    #[arg(long, value_name = "N", help_heading = "Quotas")]
    pub max_records_per_job: Option<u64>,
    /// At most SIZE per file: 1GB, 500MiB or plain bytes (default 1GB = 10^9 bytes).
    #[arg(long, value_name = "SIZE", value_parser = parse_size, help_heading = "Quotas")]
    pub max_file_bytes: Option<u64>,
    /// At most SIZE per job (default 5GB; 100GB for Nova Pro).
    #[arg(long, value_name = "SIZE", value_parser = parse_size, help_heading = "Quotas")]
    pub max_job_bytes: Option<u64>,
}

impl QuotaArgs {
    /// The overrides as the library takes them.
    pub fn overrides(&self) -> QuotaOverrides {
        QuotaOverrides {
            min_records_per_job: self.min_records_per_job,
            max_records_per_file: self.max_records_per_file,
            max_records_per_job: self.max_records_per_job,
            max_file_bytes: self.max_file_bytes,
            max_job_bytes: self.max_job_bytes,
        }
    }
}

/// Arguments of `validate`.
#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// Files, folders (every *.jsonl below them) or - for stdin; all together form one job.
    /// Without PATH, stdin is read when it is not a terminal.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Bedrock model id, inference-profile id or ARN: picks the body schema and quotas.
    #[arg(long, value_name = "ID")]
    pub model_id: Option<String>,

    /// How records are invoked; Converse bodies follow the Converse schema for every model.
    #[arg(long, value_enum, default_value_t = InvocationArg::InvokeModel)]
    pub invocation_type: InvocationArg,

    #[command(flatten)]
    pub quotas: QuotaArgs,

    /// List at most N findings (all are counted in the summary).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub max_diagnostics: usize,

    /// Exit 1 when a finding at or above this severity exists.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,

    /// Report only these rules: codes (R005), prefixes (R, Q00), names (blank-line), ALL.
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    pub select: Vec<String>,

    /// Never report these rules (same syntax as --select; wins over it).
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    pub ignore: Vec<String>,

    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,

    /// Print findings only: no summary, verdict or progress.
    #[arg(long, short)]
    pub quiet: bool,

    /// Never draw a progress bar.
    #[arg(long)]
    pub no_progress: bool,

    /// Colour the text report.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Read files instead of memory-mapping them (safe for files that change while read).
    #[arg(long)]
    pub no_mmap: bool,

    /// The name standard input gets in reports (and for the .jsonl check).
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,

    /// Check bodies against this JSON Schema instead of the catalog's.
    #[arg(long, value_name = "FILE")]
    pub schema: Option<PathBuf>,

    /// Target chunk size for the parallel scan (results never depend on it).
    #[arg(long, value_name = "SIZE", value_parser = parse_size, hide = true)]
    pub chunk_size: Option<u64>,
}

impl ValidateArgs {
    /// The library options these flags ask for; an error names the flag.
    pub fn options(&self) -> Result<ValidateOptions, String> {
        let rules = RuleSelection::new(&self.select, &self.ignore).map_err(|e| {
            let flag = if self.select.iter().any(|s| s == &e.0) {
                "--select"
            } else {
                "--ignore"
            };
            format!("{flag}: {e}")
        })?;
        Ok(ValidateOptions {
            model_id: self.model_id.clone(),
            invocation_type: match self.invocation_type {
                InvocationArg::InvokeModel => InvocationType::InvokeModel,
                InvocationArg::Converse => InvocationType::Converse,
            },
            quota_overrides: self.quotas.overrides(),
            rules,
            max_diagnostics: self.max_diagnostics,
            threads: self.threads,
            chunk_size: self.chunk_size.map_or(DEFAULT_CHUNK_SIZE, |s| {
                s.clamp(1, usize::MAX as u64) as usize
            }),
            mmap: !self.no_mmap,
            stdin_name: self.stdin_filename.clone(),
            schema: self.schema.clone(),
        })
    }

    /// The paths to read: as given, or stdin when none are given and stdin is piped.
    pub fn input_paths(&self) -> Result<Vec<PathBuf>, String> {
        if !self.paths.is_empty() {
            return Ok(self.paths.clone());
        }
        if std::io::stdin().is_terminal() {
            return Err("no input: give files, folders, or - to read standard input".to_string());
        }
        Ok(vec![PathBuf::from("-")])
    }
}

/// Runs `validate`.
pub fn run(args: ValidateArgs) -> ExitCode {
    let opts = match args.options() {
        Ok(o) => o,
        Err(e) => return tool_error(e),
    };
    let paths = match args.input_paths() {
        Ok(p) => p,
        Err(e) => return tool_error(e),
    };
    let bar = Bar::new(!args.quiet && !args.no_progress && args.format == Format::Text);
    let report = match validate_with_progress(&paths, &opts, &bar) {
        Ok(r) => r,
        Err(e) => return tool_error(e),
    };
    let color = args.color.enabled();
    let written = with_stdout(|out| match args.format {
        Format::Text => report::text::write(
            &report,
            TextStyle {
                color,
                quiet: args.quiet,
                max_diagnostics: args.max_diagnostics,
            },
            out,
        ),
        Format::Json => report::json::write(&report, out),
    });
    if let Err(e) = written {
        return tool_error(format!("cannot write the report: {e}"));
    }
    let _ = matches!(written, Ok(Written::Closed));
    let level = match args.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    };
    ExitCode::from(u8::from(report.has_findings_at(level)))
}
