//! `bedrock-batch shard [PATH]... --out DIR`: cut input into jobs and files that fit the
//! quotas.
//!
//! Exit codes: 0 every valid record was written; 1 nothing was written (invalid records with
//! `--on-invalid fail`, or no plan fits the quotas) or, as qsv's `validate` does, the output
//! was written but invalid records were left out (`skip`, `quarantine`); 2 the tool could not
//! work (bad flag, unreadable input, unwritable output); 130 interrupted (the output folder is
//! untouched).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use clap::{Args, ValueEnum};

use bedrock_batch::commands::shard::{
    shard, OnInvalid, RequestSettings, ShardError, ShardOptions, ShardOutcome, ShardProgress,
    ShardSummary,
};
use bedrock_batch::commands::validate::ValidateOptions;
use bedrock_batch::fmt::{counted, group_digits, human_bytes};
use bedrock_batch::report::{self, text::TextStyle};
use bedrock_batch::{
    parse_size, InvocationType, RuleCode, RuleSelection, Severity, DEFAULT_CHUNK_SIZE,
};

use super::output::{with_stdout, ColorChoice};
use super::progress::Bar;
use super::tool_error;
use super::validate::{InvocationArg, QuotaArgs};

/// Exit code when interrupted (128 + SIGINT, as shells report it).
const EXIT_INTERRUPTED: u8 = 130;

/// How many left-out records' findings the text summary lists.
const LISTED_FINDINGS: usize = 20;
/// How many jobs the text summary lists.
const LISTED_JOBS: usize = 20;

/// `--on-invalid`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum OnInvalidArg {
    /// Refuse with the validate report; write nothing.
    #[default]
    Fail,
    /// Leave invalid records out, and count them.
    Skip,
    /// Leave them out and write them to DIR/rejected.jsonl, byte for byte.
    Quarantine,
}

/// Summary formats of `shard`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A human summary.
    #[default]
    Text,
    /// One JSON document.
    Json,
}

/// Arguments of `shard`.
#[derive(Args, Debug)]
pub struct ShardArgs {
    /// Files, folders (every *.jsonl below them) or - for stdin; all together are sharded in
    /// input order. Without PATH, stdin is read when it is not a terminal.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// The output folder: manifest.json, job-001/part-0001.jsonl, ...
    #[arg(long, short, value_name = "DIR")]
    pub out: PathBuf,

    /// What to do with records that have an error.
    #[arg(long, value_enum, default_value_t = OnInvalidArg::Fail)]
    pub on_invalid: OnInvalidArg,

    /// Replace DIR if it is not empty.
    #[arg(long)]
    pub force: bool,

    /// Summary format (with --on-invalid fail and invalid records: the validate report).
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

    /// Write DIR/requests/job-NNN.json: a --cli-input-json for
    /// `aws bedrock create-model-invocation-job` per job (needs --model-id).
    #[arg(
        long,
        requires_all = ["job_name_prefix", "role_arn", "s3_input_prefix", "s3_output_prefix"],
        help_heading = "Requests"
    )]
    pub emit_requests: bool,

    /// jobName of job NNN: PREFIX-NNN.
    #[arg(
        long,
        value_name = "PREFIX",
        requires = "emit_requests",
        help_heading = "Requests"
    )]
    pub job_name_prefix: Option<String>,

    /// The service role that reads the input and writes the output.
    #[arg(
        long,
        value_name = "ARN",
        requires = "emit_requests",
        help_heading = "Requests"
    )]
    pub role_arn: Option<String>,

    /// Where the job folders are uploaded: job NNN reads S3_URI/job-NNN/.
    #[arg(
        long,
        value_name = "S3_URI",
        requires = "emit_requests",
        help_heading = "Requests"
    )]
    pub s3_input_prefix: Option<String>,

    /// Where the jobs write: job NNN writes below S3_URI/job-NNN/.
    #[arg(
        long,
        value_name = "S3_URI",
        requires = "emit_requests",
        help_heading = "Requests"
    )]
    pub s3_output_prefix: Option<String>,

    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,

    /// Print nothing on success, and no progress.
    #[arg(long, short)]
    pub quiet: bool,

    /// Never draw a progress bar.
    #[arg(long)]
    pub no_progress: bool,

    /// Colour the text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Read files instead of memory-mapping them (their records are spooled to the staging
    /// folder, so each file is read once).
    #[arg(long)]
    pub no_mmap: bool,

    /// The name standard input gets in reports.
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,

    /// Check bodies against this JSON Schema instead of the catalog's.
    #[arg(long, value_name = "FILE")]
    pub schema: Option<PathBuf>,

    /// With --on-invalid fail: list at most N findings.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub max_diagnostics: usize,

    /// Target chunk size for the parallel scan (results never depend on it).
    #[arg(long, value_name = "SIZE", value_parser = parse_size, hide = true)]
    pub chunk_size: Option<u64>,

    #[command(flatten)]
    pub config: super::args::ConfigArgs,
}

impl super::args::ReadsConfig for ShardArgs {
    fn config_file(&self) -> Option<&std::path::Path> {
        self.config.config.as_deref()
    }
    fn no_config(&self) -> bool {
        self.config.no_config
    }
}

impl ShardArgs {
    fn options(&self, cancel: Arc<AtomicBool>) -> ShardOptions {
        let requests = self.emit_requests.then(|| RequestSettings {
            job_name_prefix: self.job_name_prefix.clone().unwrap_or_default(),
            role_arn: self.role_arn.clone().unwrap_or_default(),
            s3_input_prefix: self.s3_input_prefix.clone().unwrap_or_default(),
            s3_output_prefix: self.s3_output_prefix.clone().unwrap_or_default(),
        });
        ShardOptions {
            validate: ValidateOptions {
                model_id: self.model_id.clone(),
                invocation_type: match self.invocation_type {
                    InvocationArg::InvokeModel => InvocationType::InvokeModel,
                    InvocationArg::Converse => InvocationType::Converse,
                },
                quota_overrides: self.quotas.overrides(),
                rules: RuleSelection::default(),
                max_diagnostics: self.max_diagnostics,
                threads: self.threads,
                chunk_size: self.chunk_size.map_or(DEFAULT_CHUNK_SIZE, |s| {
                    s.clamp(1, usize::MAX as u64) as usize
                }),
                mmap: !self.no_mmap,
                stdin_name: self.stdin_filename.clone(),
                schema: self.schema.clone(),
                input_s3_uri: None,
                whole_folder: false,
            },
            out: self.out.clone(),
            on_invalid: match self.on_invalid {
                OnInvalidArg::Fail => OnInvalid::Fail,
                OnInvalidArg::Skip => OnInvalid::Skip,
                OnInvalidArg::Quarantine => OnInvalid::Quarantine,
            },
            force: self.force,
            requests,
            cancel: Some(cancel),
        }
    }

    fn input_paths(&self) -> Result<Vec<PathBuf>, String> {
        if !self.paths.is_empty() {
            return Ok(self.paths.clone());
        }
        if std::io::stdin().is_terminal() {
            return Err("no input: give files, folders, or - to read standard input".to_string());
        }
        Ok(vec![PathBuf::from("-")])
    }
}

/// Runs `shard`.
pub fn run(args: ShardArgs) -> ExitCode {
    let paths = match args.input_paths() {
        Ok(p) => p,
        Err(e) => return tool_error(e),
    };
    if let Err(e) = super::output::local_or_s3_output("--out", &args.out) {
        return tool_error(e);
    }
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let cancel = cancel.clone();
        // First Ctrl-C: stop at the next chunk or piece and remove the staging folder.
        // Second: give up at once.
        let _ = ctrlc::set_handler(move || {
            if cancel.swap(true, Ordering::SeqCst) {
                std::process::exit(i32::from(EXIT_INTERRUPTED));
            }
        });
    }
    let opts = args.options(cancel);
    let show = !args.quiet && !args.no_progress && args.format == Format::Text;
    super::progress::install_remote(show, super::progress::Reads::Counted);
    let scan_bar = Bar::new(show);
    let write_bar = Bar::with_verb(show, "writing");
    let progress = ShardProgress {
        scan: &scan_bar,
        write: &write_bar,
    };
    let outcome = match shard(&paths, &opts, &progress) {
        Ok(o) => o,
        Err(ShardError::Interrupted) => {
            eprintln!("bedrock-batch: shard: interrupted; nothing was written");
            return ExitCode::from(EXIT_INTERRUPTED);
        }
        Err(e) => return tool_error(e),
    };
    let color = args.color.enabled();
    let out_name = args.out.display().to_string();
    let (written, code) = match outcome {
        ShardOutcome::Written(summary) => {
            let code = u8::from(summary.has_left_out_records());
            let written = with_stdout(|out| match args.format {
                Format::Json => serde_json::to_writer_pretty(&mut *out, &*summary)
                    .map_err(std::io::Error::from)
                    .and_then(|()| out.write_all(b"\n")),
                Format::Text if args.quiet => Ok(()),
                Format::Text => write_text_summary(&summary, &out_name, color, out),
            });
            (written, code)
        }
        ShardOutcome::Invalid(report) => {
            let invalid = report.summary.errors;
            let written = with_stdout(|out| match args.format {
                Format::Text => report::text::write(
                    &report,
                    TextStyle {
                        color,
                        quiet: false,
                        max_diagnostics: args.max_diagnostics,
                    },
                    out,
                ),
                Format::Json => report::json::write(&report, out),
            });
            eprintln!(
                "bedrock-batch: shard: {} error{} in the input; nothing was written (--on-invalid skip or quarantine leaves invalid records out)",
                group_digits(invalid),
                if invalid == 1 { "" } else { "s" }
            );
            (written, 1)
        }
        ShardOutcome::Refused(refusal) => {
            let written = with_stdout(|out| match args.format {
                Format::Json => serde_json::to_writer_pretty(&mut *out, &refusal)
                    .map_err(std::io::Error::from)
                    .and_then(|()| out.write_all(b"\n")),
                Format::Text => Ok(()),
            });
            eprintln!(
                "bedrock-batch: shard: no split fits the quotas: {}; nothing was written",
                refusal.message
            );
            (written, 1)
        }
    };
    if let Err(e) = written {
        return tool_error(format!("cannot write the summary: {e}"));
    }
    ExitCode::from(code)
}

fn write_text_summary(
    s: &ShardSummary,
    out_name: &str,
    color: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let plural = counted;
    // Findings about the model id (unknown, no batch support, wrong id form, bodies not
    // checked) concern every job written, so they are always shown.
    let about_model: Vec<_> = s
        .report
        .diagnostics
        .iter()
        .filter(|d| {
            d.path.is_none()
                && matches!(
                    d.code,
                    RuleCode::M009 | RuleCode::M010 | RuleCode::M011 | RuleCode::M012
                )
        })
        .collect();
    for d in &about_model {
        writeln!(out, "{}", report::text::format_diagnostic(d, color))?;
    }
    let model_errors = about_model
        .iter()
        .filter(|d| d.severity() == Severity::Error)
        .count();
    let left_out: Vec<_> = s
        .report
        .diagnostics
        .iter()
        .filter(|d| d.severity() == Severity::Error && d.position.is_some())
        .collect();
    for d in left_out.iter().take(LISTED_FINDINGS) {
        writeln!(out, "{}", report::text::format_diagnostic(d, color))?;
    }
    let shown = (LISTED_FINDINGS.min(left_out.len()) + model_errors) as u64;
    let errors = s.report.summary.errors;
    if errors > shown {
        writeln!(
            out,
            "… {} more (bedrock-batch validate lists them all)",
            plural(errors - shown, "finding", "findings")
        )?;
    }
    let o = &s.output;
    writeln!(
        out,
        "Wrote {} ({}, {}, {}) to {}",
        plural(o.jobs, "job", "jobs"),
        plural(o.files, "file", "files"),
        plural(o.records, "record", "records"),
        human_bytes(o.bytes),
        out_name
    )?;
    for job in s.manifest.jobs.iter().take(LISTED_JOBS) {
        writeln!(
            out,
            "  {}: {}, {} in {}",
            job.name,
            plural(job.records, "record", "records"),
            human_bytes(job.bytes),
            plural(job.files.len() as u64, "file", "files")
        )?;
    }
    if s.manifest.jobs.len() > LISTED_JOBS {
        writeln!(
            out,
            "  … {} more (see manifest.json)",
            plural((s.manifest.jobs.len() - LISTED_JOBS) as u64, "job", "jobs")
        )?;
    }
    let l = &s.left_out;
    let mut dropped = Vec::new();
    if l.blank_lines > 0 {
        dropped.push(plural(l.blank_lines, "blank line", "blank lines"));
    }
    if l.invalid_records > 0 {
        let what = match l.on_invalid {
            OnInvalid::Quarantine => {
                // Beside the job folders, never inside one: a job folder is what gets
                // uploaded as a job's prefix, and the service would read this file too.
                format!(
                    "quarantined in {}, beside the job folders: not part of any job",
                    inside(out_name, "rejected.jsonl")
                )
            }
            _ => "skipped".to_string(),
        };
        dropped.push(format!(
            "{} ({what})",
            plural(l.invalid_records, "invalid record", "invalid records")
        ));
    }
    if !dropped.is_empty() {
        writeln!(out, "Left out: {}", dropped.join(", "))?;
    }
    if !s.input.stray.is_empty() {
        writeln!(out, "{}", report::stray_note(&s.input.stray))?;
    }
    if !s.input.decompressed.is_empty() {
        writeln!(out, "{}", report::decompressed_note(&s.input.decompressed))?;
    }
    if let (Some(first), Some(last)) = (s.requests.first(), s.requests.last()) {
        let span = if first == last {
            first.clone()
        } else {
            format!("{first} … {last}")
        };
        writeln!(
            out,
            "Requests: {} (aws bedrock create-model-invocation-job --cli-input-json file://...)",
            inside(out_name, &span)
        )?;
    }
    Ok(())
}

/// `rel` inside the output folder as the user named it (`shards/` or `shards`).
fn inside(out_name: &str, rel: &str) -> String {
    format!("{}/{rel}", out_name.trim_end_matches('/'))
}
