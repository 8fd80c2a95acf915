//! `validate`: would a job built from these files pass the service's Validating phase, and
//! what else is wrong with them?
//!
//! Data flow: input set → per file, windows of newline-aligned chunks checked in parallel
//! ([`crate::scan`]) → ordered merge (line numbers by prefix sum, job-wide duplicate
//! `recordId`s) → file-level and job-level checks (quotas, no records) → [`Report`].
//! Memory is bounded by the window (a few chunks per thread), the kept findings
//! (`max_diagnostics`) and one 24-byte hash entry per distinct `recordId`.

use std::path::PathBuf;

mod collector;
mod content;
mod file_job_rules;
mod ids;
mod report;
mod run;

use collector::{Collector, FileAcc};
pub use report::{FileSummary, Report, Summary, Tool, Verdict, VerdictStatus};
pub use run::{thread_pool, JobRun, JobSetup};

use crate::diagnostic::Diagnostic;
use crate::error::Result;
use crate::input::{self, InputFile, SourceSpec};
use crate::quota::QuotaOverrides;
use crate::rules::RuleSelection;
use crate::InvocationType;

/// Default chunk size (see [`crate::limits::DEFAULT_CHUNK_SIZE`]).
pub use crate::limits::DEFAULT_CHUNK_SIZE;

/// How to validate.
#[derive(Clone, Debug)]
pub struct ValidateOptions {
    /// The job's model id (picks the quota profile and, with the catalog, the body schema).
    pub model_id: Option<String>,
    /// How records will be invoked.
    pub invocation_type: InvocationType,
    /// The user's quota overrides, applied over the model's profile.
    pub quota_overrides: QuotaOverrides,
    /// Which rules are reported.
    pub rules: RuleSelection,
    /// How many findings are listed, the most severe first (errors, then warnings, then
    /// infos; by place within a severity); all are counted, and job-level findings are
    /// always listed on top.
    pub max_diagnostics: usize,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Target chunk size in bytes.
    pub chunk_size: usize,
    /// Map regular files into memory (otherwise read them).
    pub mmap: bool,
    /// The name standard input gets in reports.
    pub stdin_name: Option<String>,
    /// A user JSON Schema for bodies, instead of the catalog's.
    pub schema: Option<PathBuf>,
    /// The S3 URI the job's `inputDataConfig` will name: media referenced by `s3://` URI in
    /// records must sit under it (M013). `None` skips that check.
    pub input_s3_uri: Option<String>,
    /// Read every file named on its own with the other files of its folder (see
    /// `input::InputSet::with_folder_mates`): its job, as the service would read it.
    pub whole_folder: bool,
}

impl Default for ValidateOptions {
    fn default() -> Self {
        ValidateOptions {
            model_id: None,
            invocation_type: InvocationType::InvokeModel,
            quota_overrides: QuotaOverrides::default(),
            rules: RuleSelection::default(),
            max_diagnostics: 1000,
            threads: 0,
            chunk_size: DEFAULT_CHUNK_SIZE,
            mmap: true,
            stdin_name: None,
            schema: None,
            input_s3_uri: None,
            whole_folder: false,
        }
    }
}

/// Receives progress while files are scanned. Implemented by the binary's progress bar;
/// the library never draws anything itself.
pub trait Progress: Sync {
    /// Scanning starts; `total_bytes` is known unless standard input is read.
    fn start(&self, _total_bytes: Option<u64>) {}
    /// `bytes` more were checked.
    fn advance(&self, _bytes: u64) {}
    /// Scanning is over.
    fn finish(&self) {}
}

/// A [`Progress`] that ignores everything.
pub struct NoProgress;
impl Progress for NoProgress {}

/// Validates the job formed by `paths` (`-` is standard input).
pub fn validate(paths: &[PathBuf], opts: &ValidateOptions) -> Result<Report> {
    validate_with_progress(paths, opts, &NoProgress)
}

/// [`validate`], reporting progress.
pub fn validate_with_progress(
    paths: &[PathBuf],
    opts: &ValidateOptions,
    progress: &dyn Progress,
) -> Result<Report> {
    let inputs = collect(paths, opts)?;
    let job = JobSetup::new(opts)?;
    let mut run = JobRun::new(opts, &job);
    run.scan_all(&inputs.files, progress, &mut |_, _, _| Ok(()))?;
    Ok(run.finish(&inputs.files))
}

/// Receives a run's findings and job reports while it goes (see [`validate_jobs`]).
pub trait RunSink {
    /// A listed finding of the job named `job`, in report order, as soon as it is final.
    fn diagnostic(&mut self, job: Option<&str>, d: &Diagnostic) -> Result<()>;
    /// A job is done; `report` is what [`validate_jobs`] returns for it.
    fn job_done(&mut self, report: &Report) -> Result<()>;
}

/// Validates the jobs that `paths` form under `grouping` (see [`input::Grouping`]): one
/// report per job, in order of the jobs' names. With [`input::Grouping::All`] this is
/// [`validate_with_progress`]'s single report. The body check is compiled once for all jobs.
/// `sink`, when given, gets every finding as soon as it is final and every report as soon as
/// its job is done, which lets a caller stream its output.
pub fn validate_jobs(
    paths: &[PathBuf],
    opts: &ValidateOptions,
    grouping: input::Grouping,
    progress: &dyn Progress,
    mut sink: Option<&mut (dyn RunSink + Send)>,
) -> Result<Vec<Report>> {
    let jobs = collect(paths, opts)?.group(grouping);
    let setup = JobSetup::new(opts)?;
    // One bar for the whole run: each job's scan only advances it.
    let all: Vec<InputFile> = jobs.iter().flat_map(|j| j.files.iter().cloned()).collect();
    progress.start(total_bytes(&all));
    let mut reports = Vec::with_capacity(jobs.len());
    let pool = thread_pool(opts.threads);
    for job in jobs {
        let mut run = JobRun::with_pool(opts, &setup, pool.clone());
        if let Some(sink) = sink.as_deref_mut() {
            let name = job.name.as_deref();
            run = run.with_finding_sink(Box::new(move |d| sink.diagnostic(name, d)));
        }
        run.scan_all(&job.files, &AdvanceOnly(progress), &mut |_, _, _| Ok(()))?;
        let mut report = run.try_finish(&job.files)?;
        report.job = job.name.clone();
        if report.first_input.is_none() {
            // An empty folder: the path it was named by is the best place to point at.
            report.first_input = paths.first().map(|p| match p.to_string_lossy() {
                s if s == "-" => opts.stdin_name.clone().unwrap_or_else(|| "<stdin>".into()),
                s => s.into_owned(),
            });
        }
        if let Some(sink) = sink.as_deref_mut() {
            sink.job_done(&report)?;
        }
        reports.push(report);
    }
    progress.finish();
    Ok(reports)
}

/// The input set `paths` name under `opts` (with `whole_folder`, every named file's folder).
fn collect(paths: &[PathBuf], opts: &ValidateOptions) -> Result<input::InputSet> {
    let set = input::collect(paths, opts.stdin_name.as_deref())?;
    if opts.whole_folder {
        set.with_folder_mates()
    } else {
        Ok(set)
    }
}

/// Forwards only [`Progress::advance`]: the caller starts and finishes the bar.
struct AdvanceOnly<'p>(&'p dyn Progress);

impl Progress for AdvanceOnly<'_> {
    fn advance(&self, bytes: u64) {
        self.0.advance(bytes);
    }
}

/// Bytes to scan in `files`, when known (not for standard input or compressed files).
fn total_bytes(files: &[InputFile]) -> Option<u64> {
    files
        .iter()
        .filter(|f| !f.is_stray)
        .map(|f| match &f.source {
            // A compressed file's size on disk says nothing of the bytes it holds.
            SourceSpec::Path(_) if f.compression() != input::Compression::None => None,
            SourceSpec::Path(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            SourceSpec::Remote(_) if f.compression() != input::Compression::None => None,
            SourceSpec::Remote(o) => Some(o.size),
            SourceSpec::Stdin => None,
        })
        .sum()
}
