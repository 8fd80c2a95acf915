//! `bedrock-batch results --input PATH... --output DIR [--retry FILE] [--joined FILE]`:
//! join a job's output to its input (the library side is
//! [`bedrock_batch::commands::results`]).
//!
//! Exit codes: 0 every input record succeeded; 1 some failed, are missing, cannot be joined,
//! or an output line is unknown; 2 the tool could not do its work (unreadable input or
//! output, not a job's output folder, a bad flag), with a one-line message.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use bedrock_batch::commands::results::{self, render, ResultsOptions, RetrySelection};
use bedrock_batch::{parse_size, DEFAULT_CHUNK_SIZE};

use super::output::with_stdout;
use super::progress::Bar;
use super::tool_error;

/// Summary formats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ResultsFormat {
    /// The counts, failures by errorCode, tokens, the manifest check, what was written.
    #[default]
    Text,
    /// One JSON document (see docs/results.md).
    Json,
}

/// Arguments of `results`.
#[derive(Args, Debug)]
pub struct ResultsArgs {
    /// The job's input, as `validate` takes it: files, folders (every *.jsonl below), or -
    /// for stdin.
    #[arg(long, value_name = "PATH", num_args = 1.., required = true)]
    pub input: Vec<PathBuf>,

    /// The job's output folder, {outputS3Uri}/{jobId}/, holding *.jsonl.out and
    /// manifest.json.out (downloaded, e.g. with `aws s3 cp --recursive`).
    #[arg(long, value_name = "DIR")]
    pub output: PathBuf,

    /// Write the input lines of failed and missing records here, byte for byte, in input
    /// order: the next job's input.
    #[arg(long, value_name = "FILE")]
    pub retry: Option<PathBuf>,

    /// Which records --retry takes: a comma-separated list of missing, failed, throttled
    /// (429), server-errors (5xx), client-errors (4xx) and errorCodes such as 424
    /// [default: failed,missing].
    #[arg(long, value_name = "LIST", requires = "retry", value_parser = RetrySelection::parse)]
    pub retry_only: Option<RetrySelection>,

    /// Write one JSON line per input record here, in input order: recordId, status, the
    /// generated text or embedding, tokens and stop reason for known output shapes, and
    /// modelOutput or error.
    #[arg(long, value_name = "FILE")]
    pub joined: Option<PathBuf>,

    /// The job's model id: the output shape of its family is tried first for --joined.
    #[arg(long, value_name = "ID")]
    pub model_id: Option<String>,

    /// Summary format.
    #[arg(long, value_enum, default_value_t = ResultsFormat::Text)]
    pub format: ResultsFormat,

    /// Print nothing (the exit code still tells).
    #[arg(long, short)]
    pub quiet: bool,

    /// Never draw a progress bar.
    #[arg(long)]
    pub no_progress: bool,

    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,

    /// Read files instead of memory-mapping them (safe for files that change while read,
    /// e.g. the output of a job still running).
    #[arg(long)]
    pub no_mmap: bool,

    /// The name standard input gets in the summary.
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,

    /// Target chunk size (results never depend on it).
    #[arg(long, value_name = "SIZE", value_parser = parse_size, hide = true)]
    pub chunk_size: Option<u64>,
}

impl ResultsArgs {
    /// The library options these flags ask for.
    pub fn options(&self) -> ResultsOptions {
        ResultsOptions {
            retry: self.retry.clone(),
            retry_only: self.retry_only.clone().unwrap_or_default(),
            joined: self.joined.clone(),
            model_id: self.model_id.clone(),
            threads: self.threads,
            chunk_size: self.chunk_size.map_or(DEFAULT_CHUNK_SIZE, |s| {
                s.clamp(1, usize::MAX as u64) as usize
            }),
            mmap: !self.no_mmap,
            stdin_name: self.stdin_filename.clone(),
            ..ResultsOptions::new(self.input.clone(), self.output.clone())
        }
    }
}

/// Runs `results`.
pub fn run(args: ResultsArgs) -> ExitCode {
    for (flag, path) in [("--retry", &args.retry), ("--joined", &args.joined)] {
        if let Some(path) = path {
            if let Err(e) = super::output::local_output(flag, path) {
                return tool_error(e);
            }
        }
    }
    let opts = args.options();
    let show = !args.quiet && !args.no_progress && args.format == ResultsFormat::Text;
    // The objects of an s3:// --output are downloaded first (a bar of their own); every read
    // after that is counted by the reading bar.
    super::progress::install_remote(show, super::progress::Reads::Counted);
    let bar = Bar::with_verb(show, "reading");
    let summary = match results::results_with_progress(&opts, &bar) {
        Ok(s) => s,
        Err(e) => return tool_error(e),
    };
    if !args.quiet {
        let written = with_stdout(|out| match args.format {
            ResultsFormat::Text => render::text(&summary, out),
            ResultsFormat::Json => {
                serde_json::to_writer_pretty(&mut *out, &summary)?;
                writeln!(out)
            }
        });
        if let Err(e) = written {
            return tool_error(format!("cannot write the summary: {e}"));
        }
    }
    ExitCode::from(u8::from(!summary.all_succeeded()))
}
