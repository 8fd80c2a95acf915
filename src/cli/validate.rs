//! `bedrock-batch validate [PATH]...`: check files, folders or stdin as one job (or several,
//! with `--group`), with defaults from `bedrock-batch.toml`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{ArgMatches, Args, ValueEnum};

use bedrock_batch::commands::validate::{validate_jobs, InputLocation, RunSink, ValidateOptions};
use bedrock_batch::report::{self, github::GithubStyle, junit::JunitStyle, text::TextStyle};
use bedrock_batch::{
    parse_size, Diagnostic, Grouping, InvocationType, QuotaOverrides, Report, RuleSelection,
    Severity, DEFAULT_CHUNK_SIZE,
};

use super::config;
use super::output::{with_stdout, ColorChoice};
use super::progress::Bar;
use super::tool_error;

/// Report formats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// `path:line:col: CODE message`, a summary and the verdict.
    #[default]
    Text,
    /// One JSON document (docs/report.md describes its fields).
    Json,
    /// One JSON event per line, streamed: findings, then a summary.
    Jsonl,
    /// GitHub Actions annotations (capped per type), then the text report for the log.
    Github,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// JUnit XML, for CI test reporters.
    Junit,
}

/// `--group`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum GroupArg {
    /// All inputs form one job (the default).
    #[default]
    All,
    /// The files of each folder form one job.
    Folder,
    /// Every file is a job of its own.
    File,
}

impl From<GroupArg> for Grouping {
    fn from(g: GroupArg) -> Self {
        match g {
            GroupArg::All => Grouping::All,
            GroupArg::Folder => Grouping::Folder,
            GroupArg::File => Grouping::File,
        }
    }
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
    /// Files, folders (every *.jsonl below them) or - for stdin; all together form one job
    /// (see --group). *.gz and *.zst files are decompressed while read. Without PATH, stdin
    /// is read when it is not a terminal.
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

    /// The S3 folder the job's inputDataConfig will name: media referenced by s3:// URI in
    /// records must sit under it (M013).
    #[arg(long, value_name = "URI")]
    pub input_s3_uri: Option<String>,

    /// What forms one job: all inputs, the files of each folder, or each file.
    #[arg(long, value_enum, default_value_t = GroupArg::All)]
    pub group: GroupArg,

    /// Read each FILE with the other files of its folder (not of subfolders), so a changed
    /// file is judged as part of its job; findings cover the whole folder. For pre-commit,
    /// which hands over only the changed files (use with --group folder).
    #[arg(long)]
    pub whole_folder: bool,

    /// Read defaults from this config file instead of the bedrock-batch.toml found from the
    /// current folder upward.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Read no config file.
    #[arg(long)]
    pub no_config: bool,

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
        if let Some(uri) = &self.input_s3_uri {
            if InputLocation::parse(uri).is_none() {
                return Err(format!(
                    "--input-s3-uri: `{uri}` is not an S3 URI; give the folder the job's inputDataConfig names, e.g. s3://my-bucket/batch/in/"
                ));
            }
        }
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
            input_s3_uri: self.input_s3_uri.clone(),
            whole_folder: self.whole_folder,
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

impl super::args::ReadsConfig for ValidateArgs {
    fn config_file(&self) -> Option<&Path> {
        self.config.as_deref()
    }
    fn no_config(&self) -> bool {
        self.no_config
    }
}

/// Streams `--format jsonl` while the run goes: each finding as soon as it is final. A
/// closed pipe stops the writing, not the run, so the exit code still covers every finding.
struct JsonlSink {
    // Not the locked stdout of the other formats: findings are merged on pool threads.
    out: std::io::BufWriter<std::io::Stdout>,
    closed: bool,
}

impl JsonlSink {
    fn emit(
        &mut self,
        write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> bedrock_batch::Result<()> {
        if self.closed {
            return Ok(());
        }
        match write(&mut self.out).and_then(|()| self.out.flush()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            Err(e) => Err(bedrock_batch::Error::write("standard output", e)),
        }
    }
}

impl RunSink for JsonlSink {
    fn diagnostic(&mut self, job: Option<&str>, d: &Diagnostic) -> bedrock_batch::Result<()> {
        self.emit(|out| report::jsonl::write_diagnostic(job, d, out))
    }

    fn job_done(&mut self, r: &Report) -> bedrock_batch::Result<()> {
        if r.job.is_none() {
            return Ok(());
        }
        self.emit(|out| report::jsonl::write_job(r, out))
    }
}

/// Appends the Markdown summary to `$GITHUB_STEP_SUMMARY`, when GitHub Actions set it.
fn append_step_summary(reports: &[Report]) {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return;
    };
    let written = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)
        .and_then(|file| {
            let mut out = std::io::BufWriter::new(file);
            report::github::write_step_summary(reports, &mut out)?;
            out.flush()
        });
    if let Err(e) = written {
        // The annotations and the log are out already; a missing summary is not worth
        // failing the step for.
        eprintln!(
            "bedrock-batch: warning: cannot append to GITHUB_STEP_SUMMARY `{}`: {e}",
            std::path::Path::new(&path).display()
        );
    }
}

/// Runs `validate`; `matches` are the command line's own (to tell its flags from the
/// config file's).
pub fn run(args: ValidateArgs, matches: &ArgMatches) -> ExitCode {
    let args = match config::apply(args, &["validate"], matches) {
        Ok(a) => a,
        Err(e) => return tool_error(e.trim_end().trim_start_matches("error: ")),
    };
    let opts = match args.options() {
        Ok(o) => o,
        Err(e) => return tool_error(e),
    };
    let paths = match args.input_paths() {
        Ok(p) => p,
        Err(e) => return tool_error(e),
    };
    let grouping = Grouping::from(args.group);
    let show = !args.quiet && !args.no_progress && args.format == Format::Text;
    super::progress::install_remote(show, super::progress::Reads::Counted);
    let bar = Bar::new(show);
    let level = args.fail_on.severity();
    let exit = |reports: &[Report]| {
        ExitCode::from(u8::from(reports.iter().any(|r| r.has_findings_at(level))))
    };
    if args.format == Format::Jsonl {
        let mut sink = JsonlSink {
            out: std::io::BufWriter::new(std::io::stdout()),
            closed: false,
        };
        let streamed =
            validate_jobs(&paths, &opts, grouping, &bar, Some(&mut sink)).and_then(|reports| {
                let summary = report::jsonl::run_summary(&reports);
                sink.emit(|out| report::jsonl::write_summary(&summary, out))?;
                Ok(reports)
            });
        return match streamed {
            Ok(reports) => exit(&reports),
            Err(e) => tool_error(e),
        };
    }
    let mut failure = None;
    let mut reports = Vec::new();
    let written = with_stdout(|out| {
        match validate_jobs(&paths, &opts, grouping, &bar, None) {
            Ok(r) => reports = r,
            Err(e) => {
                failure = Some(e);
                return Ok(());
            }
        }
        match args.format {
            Format::Text => report::text::write_run(
                &reports,
                TextStyle {
                    color: args.color.enabled(),
                    quiet: args.quiet,
                    max_diagnostics: args.max_diagnostics,
                },
                out,
            ),
            Format::Json => report::json::write_run(&reports, args.max_diagnostics, out),
            Format::Jsonl => unreachable!("streamed above, while the run goes"),
            Format::Github => report::github::write(
                &reports,
                GithubStyle {
                    quiet: args.quiet,
                    max_diagnostics: args.max_diagnostics,
                },
                out,
            ),
            Format::Sarif => report::sarif::write(&reports, out),
            Format::Junit => report::junit::write(
                &reports,
                JunitStyle {
                    fail_on: args.fail_on.severity(),
                },
                out,
            ),
        }
    });
    if let Some(e) = failure {
        return tool_error(e);
    }
    if let Err(e) = written {
        return tool_error(format!("cannot write the report: {e}"));
    }
    if args.format == Format::Github {
        append_step_summary(&reports);
    }
    exit(&reports)
}

impl FailOn {
    /// The lowest severity that fails the run.
    pub fn severity(self) -> Severity {
        match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
        }
    }
}
