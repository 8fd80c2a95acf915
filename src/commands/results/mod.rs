//! `results`: join a batch job's output back to its input, say what happened to every record,
//! and write the records to send again.
//!
//! Data flow, and why it stays within bounded memory:
//!
//! 1. The input is scanned by the same engine as `validate` (`crate::validate::JobRun`).
//!    Per record it keeps only where its line is (file, offset, length), where its `recordId`
//!    sits in the line, and a 128-bit hash of the id in a map to the record's index
//!    (`join::InputIndex`): under 100 bytes a record with its hash-map slot, never the lines themselves.
//! 2. The output folder (`{outputS3Uri}/{jobId}/`) is listed and its files classified by
//!    suffix (`folder`): every `*.jsonl.out` (at any depth) is output, `manifest.json.out`
//!    the job's counters. Output files are cut into newline-aligned chunks, each chunk's lines
//!    are read on the thread pool with the project's JSON scanner (`scan`), and the chunks
//!    are merged in order, so every count and first place is the same for any thread count or
//!    chunk size. Each output line gives its record a status: `succeeded` (`modelOutput`) or
//!    `failed` (`error`); an id the input lacks is `unknown`, a second line for a record a
//!    `duplicate`; records no line mentions stay `missing`.
//! 3. The summary (`summary`) counts statuses, failures by `errorCode`, tokens (from the
//!    manifest and from each output's usage, `shapes`), and checks the manifest's counters
//!    against what was counted.
//! 4. `--retry` and `--joined` ([`write`]) walk the records in input order and copy bytes
//!    from the inputs (and, for `--joined`, the outputs) by offset, into a temporary file
//!    beside the destination that is renamed into place only when complete.

mod folder;
mod join;
pub mod render;
mod scan;
mod shapes;
mod summary;
mod write;

use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::limits::DEFAULT_CHUNK_SIZE;
use crate::validate::{NoProgress, Progress};

pub use folder::Manifest;
pub use join::{Noted, Status, Unjoinable, UsageTotals};
pub use summary::{
    Disagreement, OutputFileSummary, ResultsSummary, SummaryCounts, Tokens, Written,
};

/// Which failed and missing records `--retry` writes (`--retry-only`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetrySelection {
    /// Records no output line mentions.
    pub missing: bool,
    /// Which failed records, by `errorCode`.
    pub failed: Vec<CodeSet>,
}

/// A set of `errorCode`s named on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeSet {
    /// Every failed record.
    All,
    /// `throttled`: 429.
    Throttled,
    /// `server-errors`: 500–599.
    ServerErrors,
    /// `client-errors`: 400–499.
    ClientErrors,
    /// One code, e.g. `424`.
    Code(i64),
}

impl Default for RetrySelection {
    /// Every failed and every missing record.
    fn default() -> Self {
        RetrySelection {
            missing: true,
            failed: vec![CodeSet::All],
        }
    }
}

impl RetrySelection {
    /// Parses `--retry-only`: a comma-separated list of `missing`, `failed`, `throttled`,
    /// `server-errors`, `client-errors` and numeric `errorCode`s (`429,503`).
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let mut sel = RetrySelection {
            missing: false,
            failed: Vec::new(),
        };
        for word in text.split(',').map(str::trim) {
            match word {
                "" => {}
                "missing" => sel.missing = true,
                "failed" => sel.failed.push(CodeSet::All),
                "throttled" => sel.failed.push(CodeSet::Throttled),
                "server-errors" => sel.failed.push(CodeSet::ServerErrors),
                "client-errors" => sel.failed.push(CodeSet::ClientErrors),
                other => match other.parse::<i64>() {
                    Ok(code) => sel.failed.push(CodeSet::Code(code)),
                    Err(_) => {
                        return Err(format!(
                            "\"{other}\" is not a retry class; use missing, failed, throttled, server-errors, client-errors or an errorCode such as 429"
                        ))
                    }
                },
            }
        }
        if !sel.missing && sel.failed.is_empty() {
            return Err(
                "names nothing to retry; e.g. --retry-only throttled,server-errors,missing".into(),
            );
        }
        Ok(sel)
    }

    /// Whether a failed record with `code` (the `errorCode` as written, e.g. `"429"`) is
    /// retried. A code that is not a number matches only `failed`.
    pub fn takes_failed(&self, code: &str) -> bool {
        let n = code.parse::<i64>().ok();
        self.failed.iter().any(|set| match (set, n) {
            (CodeSet::All, _) => true,
            (CodeSet::Throttled, Some(n)) => n == 429,
            (CodeSet::ServerErrors, Some(n)) => (500..600).contains(&n),
            (CodeSet::ClientErrors, Some(n)) => (400..500).contains(&n),
            (CodeSet::Code(c), Some(n)) => *c == n,
            (_, None) => false,
        })
    }

    /// The selection as given, for the summary (`failed,missing`).
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = self
            .failed
            .iter()
            .map(|s| match s {
                CodeSet::All => "failed".to_string(),
                CodeSet::Throttled => "throttled".to_string(),
                CodeSet::ServerErrors => "server-errors".to_string(),
                CodeSet::ClientErrors => "client-errors".to_string(),
                CodeSet::Code(c) => c.to_string(),
            })
            .collect();
        if self.missing {
            parts.push("missing".into());
        }
        parts.join(",")
    }
}

/// How to read a job's results.
#[derive(Clone, Debug)]
pub struct ResultsOptions {
    /// The job's input: files, folders (every `*.jsonl` below), `-` for standard input.
    pub inputs: Vec<PathBuf>,
    /// The job's output folder, `{outputS3Uri}/{jobId}/`.
    pub output: PathBuf,
    /// Write the input lines of failed and missing records here.
    pub retry: Option<PathBuf>,
    /// Which of them (default: all).
    pub retry_only: RetrySelection,
    /// Write one JSON line per input record here.
    pub joined: Option<PathBuf>,
    /// The job's model id: picks how outputs are read for `--joined`'s plain fields.
    pub model_id: Option<String>,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Target chunk size in bytes (results never depend on it).
    pub chunk_size: usize,
    /// Map regular files into memory (otherwise read them).
    pub mmap: bool,
    /// The name standard input gets in the summary.
    pub stdin_name: Option<String>,
}

impl ResultsOptions {
    /// Options for `inputs` and `output`, everything else at its default.
    pub fn new(inputs: Vec<PathBuf>, output: PathBuf) -> Self {
        ResultsOptions {
            inputs,
            output,
            retry: None,
            retry_only: RetrySelection::default(),
            joined: None,
            model_id: None,
            threads: 0,
            chunk_size: DEFAULT_CHUNK_SIZE,
            mmap: true,
            stdin_name: None,
        }
    }
}

/// Joins a job's output to its input and summarises it; writes `--retry` and `--joined`
/// when asked.
///
/// ```no_run
/// use bedrock_batch::commands::results::{results, ResultsOptions};
///
/// let opts = ResultsOptions::new(vec!["input/".into()], "output/abc123def456/".into());
/// let summary = results(&opts)?;
/// println!("{} failed, {} missing", summary.counts.failed, summary.counts.missing);
/// # Ok::<(), bedrock_batch::Error>(())
/// ```
pub fn results(opts: &ResultsOptions) -> Result<ResultsSummary> {
    results_with_progress(opts, &NoProgress)
}

/// [`results`], reporting progress over the input and output bytes together.
pub fn results_with_progress(
    opts: &ResultsOptions,
    progress: &dyn Progress,
) -> Result<ResultsSummary> {
    if opts.inputs.is_empty() {
        return Err(Error::Config(
            "--input: give the job's input files or folders".into(),
        ));
    }
    let folder = folder::OutputFolder::find(&opts.output)?;
    let inputs = crate::input::collect(&opts.inputs, opts.stdin_name.as_deref())?;
    write::check_destinations(opts, &inputs.files, &folder)?;
    let manifest = folder.read_manifest()?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .thread_name(|i| format!("bedrock-batch-results-{i}"))
        .build()
        .map_err(|e| Error::Config(format!("cannot start worker threads: {e}")))?;

    let input_bytes = known_bytes(&inputs.files);
    let total = input_bytes.map(|b| b + folder.bytes());
    progress.start(total);
    let advance = AdvanceOnly(progress);
    let keep_lines = opts.retry.is_some() || opts.joined.is_some();
    let index = join::InputIndex::build(&inputs.files, opts, keep_lines, &advance)?;
    let mut joiner = join::Joiner::new(index, opts.joined.is_some());
    scan::scan_outputs(&folder, opts, &pool, &mut joiner, &advance)?;
    progress.finish();

    let mut summary = summary::build(opts, &folder, manifest.as_ref(), &joiner);
    if let Some(path) = &opts.retry {
        summary.retry = Some(write::write_retry(path, opts, &joiner)?);
    }
    if let Some(path) = &opts.joined {
        summary.joined = Some(write::write_joined(path, opts, &folder, &joiner)?);
    }
    Ok(summary)
}

/// Bytes of the input files, when known (not for standard input or compressed files).
fn known_bytes(files: &[crate::input::InputFile]) -> Option<u64> {
    files
        .iter()
        .filter(|f| !f.is_stray)
        .map(|f| match &f.source {
            crate::input::SourceSpec::Path(_)
                if f.compression() != crate::input::Compression::None =>
            {
                None
            }
            crate::input::SourceSpec::Path(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            crate::input::SourceSpec::Remote(_)
                if f.compression() != crate::input::Compression::None =>
            {
                None
            }
            crate::input::SourceSpec::Remote(o) => Some(o.size),
            crate::input::SourceSpec::Stdin => None,
        })
        .sum()
}

/// Forwards only [`Progress::advance`]: one bar covers the input scan and the output scan.
struct AdvanceOnly<'p>(&'p dyn Progress);

impl Progress for AdvanceOnly<'_> {
    fn advance(&self, bytes: u64) {
        self.0.advance(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_selection_parses_classes_and_codes() {
        let sel = RetrySelection::parse("throttled,server-errors").unwrap();
        assert!(!sel.missing);
        assert!(sel.takes_failed("429"));
        assert!(sel.takes_failed("503"));
        assert!(!sel.takes_failed("400"));
        let sel = RetrySelection::parse("400, missing").unwrap();
        assert!(sel.missing && sel.takes_failed("400") && !sel.takes_failed("429"));
        assert!(RetrySelection::default().takes_failed("none"));
        assert!(RetrySelection::parse("everything").is_err());
        assert!(RetrySelection::parse(",").is_err());
        assert_eq!(
            RetrySelection::parse("client-errors,missing")
                .unwrap()
                .describe(),
            "client-errors,missing"
        );
    }
}
