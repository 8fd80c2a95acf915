//! `validate`: would a job built from these files pass the service's Validating phase, and
//! what else is wrong with them?
//!
//! Data flow: input set → per file, windows of newline-aligned chunks checked in parallel
//! ([`crate::scan`]) → ordered merge (line numbers by prefix sum, job-wide duplicate
//! `recordId`s) → file-level and job-level checks (quotas, no records) → [`Report`].
//! Memory is bounded by the window (a few chunks per thread), the kept findings
//! (`max_diagnostics`) and one 24-byte hash entry per distinct `recordId`.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

mod content;
mod ids;

use content::NotJsonl;
use ids::{IdKey, IdMap};

use crate::diagnostic::{Diagnostic, Position};
use crate::error::{Error, Result};
use crate::input::{self, InputFile, Opened, SourceSpec};
use crate::json::{char_column, decode_string_contents};
use crate::models::Catalog;
use crate::quota::{QuotaOverrides, QuotaProfile};
use crate::rules::{Phase, RuleCode, RuleSelection, Severity, RULES};
use crate::scan::{
    check_chunk, chunk_end, BodyCheck, ChunkPlace, ChunkResult, LineRules, LineStatus,
    StreamChunker,
};
use crate::text::{group_digits, human_bytes, shorten};
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
    /// [`input::InputSet::with_folder_mates`]): its job, as the service would read it.
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

/// `Scheduled` or `Failed`, as `get-model-invocation-job` would say after Validating.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum VerdictStatus {
    /// No validating-phase finding: the job would be queued.
    Scheduled,
    /// A validating-phase finding: the job would fail.
    Failed,
}

/// The verdict of the Validating phase.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// `Scheduled` or `Failed`.
    pub status: VerdictStatus,
    /// For `Failed`: the first validating-phase finding.
    pub message: Option<String>,
}

/// Totals of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// JSONL files read.
    pub files: u64,
    /// Non-blank lines in them.
    pub records: u64,
    /// Bytes in them.
    pub bytes: u64,
    /// Error-severity findings.
    pub errors: u64,
    /// Warning-severity findings.
    pub warnings: u64,
    /// Info-severity findings.
    pub infos: u64,
    /// Findings per code (codes with none are left out).
    pub by_code: BTreeMap<String, u64>,
    /// Whether more findings exist than are listed.
    pub diagnostics_truncated: bool,
}

/// One file of the job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileSummary {
    /// The path as shown in reports.
    pub path: String,
    /// Non-blank lines.
    pub records: u64,
    /// Bytes.
    pub bytes: u64,
}

/// The result of validating one job.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Format version of the JSON report.
    pub version: u32,
    /// The tool.
    pub tool: Tool,
    /// The model id, as given.
    pub model_id: Option<String>,
    /// The body family checked, if any.
    pub family: Option<String>,
    /// How records will be invoked.
    pub invocation_type: InvocationType,
    /// The Validating phase's verdict.
    pub verdict: Verdict,
    /// Totals.
    pub summary: Summary,
    /// The quotas checked against.
    pub quotas: QuotaProfile,
    /// The files read.
    pub files: Vec<FileSummary>,
    /// Findings, by path then byte offset, job-level last: the `max_diagnostics` most severe
    /// (errors first), plus every job-level one.
    pub diagnostics: Vec<Diagnostic>,
    /// The job's name when a run forms several jobs (`--group folder|file`): its folder or
    /// file. Left out of the JSON report when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
    /// The first file of the job's input (stray or not), where formats that need a file for
    /// every finding (SARIF, GitHub annotations) place job-level findings.
    #[serde(skip)]
    pub first_input: Option<String>,
}

/// Name and version of the tool, for reports.
#[derive(Clone, Debug, Serialize)]
pub struct Tool {
    /// `bedrock-batch`.
    pub name: &'static str,
    /// The crate version.
    pub version: &'static str,
}

impl Report {
    /// Whether any finding is at or above `level`.
    pub fn has_findings_at(&self, level: Severity) -> bool {
        match level {
            Severity::Error => self.summary.errors > 0,
            Severity::Warning => self.summary.errors + self.summary.warnings > 0,
            Severity::Info => self.summary.errors + self.summary.warnings + self.summary.infos > 0,
        }
    }

    /// Findings counted but not listed.
    pub fn unlisted(&self) -> u64 {
        let total = self.summary.errors + self.summary.warnings + self.summary.infos;
        total.saturating_sub(self.diagnostics.len() as u64)
    }
}

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

/// Everything decided before scanning: model, quotas, body check.
pub struct JobSetup {
    /// The model id as given.
    pub model_id: Option<String>,
    /// The family checked.
    pub family: Option<String>,
    /// The quotas in force.
    pub quotas: QuotaProfile,
    /// The compiled body check.
    pub body: Option<Box<dyn BodyCheck>>,
    /// Findings about the model id itself (M009–M012).
    pub model_findings: Vec<Diagnostic>,
}

impl JobSetup {
    /// Resolves the model id and compiles the body check.
    pub fn new(opts: &ValidateOptions) -> Result<JobSetup> {
        let resolution = opts
            .model_id
            .as_deref()
            .map(|id| Catalog::embedded().resolve(id));
        let quotas = resolution
            .as_ref()
            .map_or(Catalog::embedded().default_quotas, |r| r.quotas())
            .with(&opts.quota_overrides);
        let body = crate::schema::body_check_for(
            resolution.as_ref(),
            crate::schema::BodySpec {
                invocation_type: opts.invocation_type,
                schema: opts.schema.as_deref(),
                input_s3_uri: opts.input_s3_uri.as_deref(),
            },
        )?;
        Ok(JobSetup {
            model_id: opts.model_id.clone(),
            family: body.family,
            quotas,
            body: body.check,
            model_findings: body.model_findings,
        })
    }
}

/// Called with each chunk (file index, the chunk's bytes, its result) after its merge, for
/// commands that write lines out (`shard`, `fix`).
/// The sink's error type is the caller's own (`shard` stops with a `ShardError`); the run's
/// own errors reach it through `From<Error>`.
pub type ChunkSink<'s, E = Error> =
    dyn FnMut(u32, &[u8], &ChunkResult) -> std::result::Result<(), E> + Send + 's;

/// Called with each listed finding, in report order, as soon as it is final: when the job is
/// done ([`JobRun::try_finish`]), since which findings are listed depends on the whole job
/// (the most severe first). Used to stream reports job by job (`--format jsonl`).
pub type FindingSink<'s> = dyn FnMut(&Diagnostic) -> Result<()> + Send + 's;

/// The worker threads of a run: `threads` of them (0: one per core).
pub fn thread_pool(threads: usize) -> Arc<rayon::ThreadPool> {
    Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("bedrock-batch-{i}"))
            .build()
            .expect("a thread pool can be built"),
    )
}

/// A validation in progress: merges chunk results in order.
pub struct JobRun<'o> {
    opts: &'o ValidateOptions,
    setup: &'o JobSetup,
    pool: Arc<rayon::ThreadPool>,
    want_line_status: bool,
    collector: Collector,
    /// The first place of every distinct `recordId`.
    first_ids: IdMap,
    files: Vec<FileSummary>,
    /// Display paths of every input, by index.
    paths: Vec<Arc<str>>,
    totals: (u64, u64),
    finding_sink: Option<Box<FindingSink<'o>>>,
    /// Files found not to hold JSON lines (F004), whose record counts are not known.
    not_jsonl_files: usize,
}

impl<'o> JobRun<'o> {
    /// A run with the options and setup of one job, on a thread pool of its own.
    pub fn new(opts: &'o ValidateOptions, setup: &'o JobSetup) -> Self {
        Self::with_pool(opts, setup, thread_pool(opts.threads))
    }

    /// A run with the options and setup of one job, on `pool` (shared by the jobs of one
    /// run, so that `--group file` over thousands of files does not start thousands of
    /// pools).
    pub fn with_pool(
        opts: &'o ValidateOptions,
        setup: &'o JobSetup,
        pool: Arc<rayon::ThreadPool>,
    ) -> Self {
        JobRun {
            opts,
            setup,
            pool,
            want_line_status: false,
            collector: Collector::new(opts.max_diagnostics),
            first_ids: IdMap::new(),
            files: Vec::new(),
            paths: Vec::new(),
            totals: (0, 0),
            finding_sink: None,
            not_jsonl_files: 0,
        }
    }

    /// Hands every listed finding to `sink` as soon as it is final (see [`FindingSink`]).
    /// The findings given are exactly the report's `diagnostics`, in the same order.
    pub fn with_finding_sink(mut self, sink: Box<FindingSink<'o>>) -> Self {
        self.finding_sink = Some(sink);
        self
    }

    /// Asks for a [`LineStatus`] per line in every [`ChunkResult`].
    pub fn with_line_status(mut self) -> Self {
        self.want_line_status = true;
        self
    }

    /// Scans every non-stray file, calling `sink` after each chunk is merged.
    pub fn scan_all(
        &mut self,
        files: &[InputFile],
        progress: &dyn Progress,
        sink: &mut ChunkSink<'_>,
    ) -> Result<()> {
        self.scan_all_with(files, progress, sink)
    }

    /// [`JobRun::scan_all`] with a sink that stops the scan with an error of its caller's
    /// own type, which comes back unchanged (the run's own errors are converted into it).
    pub fn scan_all_with<E: From<Error>>(
        &mut self,
        files: &[InputFile],
        progress: &dyn Progress,
        sink: &mut ChunkSink<'_, E>,
    ) -> std::result::Result<(), E> {
        progress.start(total_bytes(files));
        self.paths = files.iter().map(|f| f.display.clone()).collect();
        for (index, file) in files.iter().enumerate() {
            if file.is_stray {
                // Reported here, in path order, so streamed findings stay in report order.
                self.push_stray(index as u32, file);
            } else {
                self.scan_file(index as u32, file, progress, sink)?;
            }
        }
        progress.finish();
        Ok(())
    }

    fn push_stray(&mut self, index: u32, file: &InputFile) {
        self.push_finding(Diagnostic {
            code: RuleCode::F003,
            file: Some(index),
            path: Some(file.display.clone()),
            position: None,
            pointer: None,
            message: format!(
                "\"{}\" is not a .jsonl file but sits in the input folder; everything under the S3 prefix is read (move it out, unless records reference it)",
                file.display
            ),
        });
    }

    fn scan_file<E: From<Error>>(
        &mut self,
        index: u32,
        file: &InputFile,
        progress: &dyn Progress,
        sink: &mut ChunkSink<'_, E>,
    ) -> std::result::Result<(), E> {
        let mut acc = FileAcc::default();
        let (opts, setup): (&'o ValidateOptions, &'o JobSetup) = (self.opts, self.setup);
        // Chunks per window. Workers wait for the slowest chunk at the end of each window, so
        // more chunks per window waste less; mapped chunks cost no memory while they wait,
        // read ones (streams) hold their bytes, which bounds their window.
        let threads = self.pool.current_num_threads();
        let (mapped_window, read_window) = (threads * 16, threads * 4);
        let chunk_size = opts.chunk_size;
        let want_line_status = self.want_line_status;
        let rules = LineRules {
            rules: &opts.rules,
            max_diagnostics: opts.max_diagnostics,
            body: setup.body.as_deref(),
        };
        let place = |base: u64, is_first: bool, is_last: bool| ChunkPlace {
            file: index,
            path: file.display.clone(),
            base,
            is_first,
            is_last,
            want_line_status,
        };
        let sniffing = opts.rules.is_enabled(RuleCode::F004);
        match file.open(opts.mmap)? {
            Opened::Empty => {}
            Opened::Mapped(map) => {
                let data: &[u8] = &map;
                if sniffing {
                    let head = &data[..data.len().min(content::HEAD_BYTES)];
                    acc.not_jsonl = content::sniff(head, head.len() == data.len());
                }
                let mut start = 0;
                let next_window = || -> Result<Vec<Piece<&[u8]>>> {
                    let mut pieces = Vec::with_capacity(mapped_window);
                    while pieces.len() < mapped_window && start < data.len() {
                        let end = chunk_end(data, start, chunk_size);
                        pieces.push(Piece {
                            base: start as u64,
                            is_first: start == 0,
                            is_last: end == data.len(),
                            bytes: &data[start..end],
                        });
                        start = end;
                    }
                    Ok(pieces)
                };
                // Fill each chunk's page tables in one call on the worker that reads it,
                // instead of one page fault per few pages (Linux 5.14+; elsewhere a no-op).
                let prefetch = |base: u64, len: usize| {
                    #[cfg(target_os = "linux")]
                    let _ = map.advise_range(memmap2::Advice::PopulateRead, base as usize, len);
                    #[cfg(not(target_os = "linux"))]
                    let _ = (base, len);
                };
                self.reserve_ids(data.len() as u64);
                self.pipeline(
                    index,
                    file,
                    &mut acc,
                    &rules,
                    &place,
                    &prefetch,
                    next_window,
                    progress,
                    sink,
                )?;
            }
            Opened::Stream(mut reader) => {
                let path = match &file.source {
                    SourceSpec::Path(p) => p.clone(),
                    SourceSpec::Stdin => PathBuf::from("-"),
                    SourceSpec::Remote(_) => PathBuf::from(&*file.display),
                };
                if sniffing {
                    // The same head as a mapped file's, so the judgement never depends on how
                    // the file is read; then the stream goes on from its start.
                    let mut head = Vec::with_capacity(content::HEAD_BYTES);
                    (&mut reader)
                        .take(content::HEAD_BYTES as u64 + 1)
                        .read_to_end(&mut head)
                        .map_err(|e| Error::io(&path, e))?;
                    let is_all = head.len() <= content::HEAD_BYTES;
                    acc.not_jsonl =
                        content::sniff(&head[..head.len().min(content::HEAD_BYTES)], is_all);
                    reader = Box::new(std::io::Cursor::new(head).chain(reader));
                }
                let mut chunker = StreamChunker::new(reader, chunk_size);
                let mut base = 0u64;
                let mut pending = chunker.next_chunk().map_err(|e| Error::io(&path, e))?;
                let mut is_first = true;
                let next_window = || -> Result<Vec<Piece<Vec<u8>>>> {
                    let mut pieces = Vec::with_capacity(read_window);
                    while pieces.len() < read_window {
                        let Some(buf) = pending.take() else { break };
                        pending = chunker.next_chunk().map_err(|e| Error::io(&path, e))?;
                        let len = buf.len() as u64;
                        pieces.push(Piece {
                            base,
                            is_first,
                            is_last: pending.is_none(),
                            bytes: buf,
                        });
                        base += len;
                        is_first = false;
                    }
                    Ok(pieces)
                };
                self.pipeline(
                    index,
                    file,
                    &mut acc,
                    &rules,
                    &place,
                    &|_, _| {},
                    next_window,
                    progress,
                    sink,
                )?;
            }
        }
        self.finish_file(index, file, acc);
        Ok(())
    }

    /// Checks chunks on the pool and merges their results in order on this thread, as soon as
    /// each one's predecessors are merged (the merge is sequential by nature: line numbers and
    /// first places of ids depend on everything before). There is no barrier: the pool is
    /// kept one window ahead of the merge, so no worker waits for the slowest chunk of a
    /// window, and at most two windows of chunks are held at once.
    #[allow(clippy::too_many_arguments)]
    fn pipeline<B: AsRef<[u8]> + Send + Sync, E: From<Error>>(
        &mut self,
        index: u32,
        file: &InputFile,
        acc: &mut FileAcc,
        rules: &LineRules<'_>,
        place: &(dyn Fn(u64, bool, bool) -> ChunkPlace + Sync),
        prefetch: &(dyn Fn(u64, usize) + Sync),
        mut next_window: impl FnMut() -> Result<Vec<Piece<B>>>,
        progress: &dyn Progress,
        sink: &mut ChunkSink<'_, E>,
    ) -> std::result::Result<(), E> {
        type Checked = std::thread::Result<ChunkResult>;
        let pool = self.pool.clone();
        let (tx, rx) = std::sync::mpsc::channel::<(usize, Checked)>();
        pool.in_place_scope_fifo(|scope| -> std::result::Result<(), E> {
            // Pieces sent to the pool and not merged yet, oldest first; results that arrived
            // before their predecessors'.
            let mut queue: std::collections::VecDeque<Arc<Piece<B>>> = Default::default();
            let mut early: BTreeMap<usize, Checked> = BTreeMap::new();
            let (mut sent, mut merged) = (0usize, 0usize);
            let mut window = 1;
            let mut exhausted = false;
            loop {
                while !exhausted && queue.len() < window {
                    let batch = next_window()?;
                    exhausted = batch.is_empty();
                    window = window.max(batch.len());
                    for piece in batch {
                        let piece = Arc::new(piece);
                        queue.push_back(piece.clone());
                        let (tx, k) = (tx.clone(), sent);
                        sent += 1;
                        scope.spawn_fifo(move |_| {
                            // A panic is carried to the merging thread, which would otherwise
                            // wait for this result forever.
                            let checked =
                                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                    let bytes = piece.bytes.as_ref();
                                    prefetch(piece.base, bytes.len());
                                    let at = place(piece.base, piece.is_first, piece.is_last);
                                    check_chunk(rules, &at, bytes)
                                }));
                            // The receiver outlives every task of the scope.
                            let _ = tx.send((k, checked));
                        });
                    }
                }
                let Some(piece) = queue.pop_front() else {
                    return Ok(());
                };
                let checked = loop {
                    if let Some(checked) = early.remove(&merged) {
                        break checked;
                    }
                    let (k, checked) = rx.recv().expect("every sent chunk reports");
                    early.insert(k, checked);
                };
                let result = checked.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                let bytes = piece.bytes.as_ref();
                self.merge(index, file, acc, bytes, piece.base, result, sink)?;
                progress.advance(bytes.len() as u64);
                merged += 1;
            }
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn merge<E: From<Error>>(
        &mut self,
        index: u32,
        file: &InputFile,
        acc: &mut FileAcc,
        chunk: &[u8],
        base: u64,
        mut result: ChunkResult,
        sink: &mut ChunkSink<'_, E>,
    ) -> std::result::Result<(), E> {
        let line_base = acc.lines;
        for d in &mut result.diagnostics {
            if let Some(p) = d.position.as_mut() {
                p.line += line_base;
            }
        }
        if let Some(d) = result.first_validating.as_mut() {
            if let Some(p) = d.position.as_mut() {
                p.line += line_base;
            }
        }
        acc.lines += result.newlines;
        acc.records += result.records;
        acc.bytes += chunk.len() as u64;
        if acc.not_jsonl.is_some() {
            // The file is not JSON lines (F004, reported with the file): its lines' findings
            // would only repeat that, thousands of times. Records are still counted, as the
            // service would count lines.
            return sink(index, chunk, &result);
        }
        if let Some(mut d) = result.first_odd_id.take() {
            if acc.first_odd_id.is_none() {
                if let Some(p) = d.position.as_mut() {
                    p.line += line_base;
                }
                acc.first_odd_id = Some(d);
            }
        }
        acc.odd_ids += result.odd_ids;
        if let Some(p) = result.first_crlf {
            acc.first_crlf.get_or_insert(Position {
                line: p.line + line_base,
                ..p
            });
        }
        acc.crlf += result.crlf;
        self.collector
            .absorb(&result.counts, result.first_validating.take());
        let mut own = std::mem::take(&mut result.diagnostics);
        let dup_enabled = self.opts.rules.is_enabled(RuleCode::R006);
        let mut marked_invalid = Vec::new();
        // Ids land anywhere in the map, so ask for each one's slot a few ids ahead.
        const AHEAD: usize = 8;
        for id in result.ids.iter().take(AHEAD) {
            self.first_ids.prefetch(IdKey::new(id.hash));
        }
        for (k, id) in result.ids.iter().enumerate() {
            if let Some(ahead) = result.ids.get(k + AHEAD) {
                self.first_ids.prefetch(IdKey::new(ahead.hash));
            }
            let line = line_base + id.rel_line + 1;
            let Some((first_file, first_line)) =
                self.first_ids
                    .first_or_insert(IdKey::new(id.hash), index, line)
            else {
                continue;
            };
            if !dup_enabled {
                continue;
            }
            let text = decode_string_contents(&chunk[id.span.0 + 1..id.span.1 - 1], id.escaped);
            marked_invalid.push(k);
            let col = char_column(&chunk[id.line_start..], id.span.0 - id.line_start);
            let first_path = self.path_of(first_file);
            let d = Diagnostic {
                code: RuleCode::R006,
                file: Some(index),
                path: Some(file.display.clone()),
                position: Some(Position {
                    line,
                    column: col,
                    byte_offset: base + id.span.0 as u64,
                }),
                pointer: Some("/recordId".into()),
                message: format!(
                    "recordId \"{}\" is already used at {}:{}",
                    shorten(&text, 60),
                    first_path,
                    first_line
                ),
            };
            self.collector.count(RuleCode::R006, None);
            own.push(d);
        }
        if !marked_invalid.is_empty() && !result.line_status.is_empty() {
            // A duplicate id is an error of its record; commands that rewrite input treat
            // the record as invalid. Map id order back to line order.
            let dup_lines: Vec<u64> = marked_invalid
                .iter()
                .map(|&k| result.ids[k].rel_line)
                .collect();
            for rel in dup_lines {
                if let Some(s) = result.line_status.get_mut(rel as usize) {
                    if *s == LineStatus::Valid {
                        *s = LineStatus::Invalid;
                    }
                }
            }
        }
        own.sort_by_key(Diagnostic::sort_key);
        self.collector.extend(own);
        sink(index, chunk, &result)
    }

    /// Sizes the id map for a file of `bytes` (about 1 KB per record is typical), so it does
    /// not rehash again and again while it grows.
    fn reserve_ids(&mut self, bytes: u64) {
        if self.opts.rules.is_enabled(RuleCode::R006) {
            self.first_ids.reserve((bytes / 1024).min(1 << 26) as usize);
        }
    }

    fn path_of(&self, file: u32) -> Arc<str> {
        self.paths[file as usize].clone()
    }

    fn finish_file(&mut self, index: u32, file: &InputFile, acc: FileAcc) {
        let q = self.setup.quotas;
        let path = Some(file.display.clone());
        let file_level = |code: RuleCode, message: String| Diagnostic {
            code,
            file: Some(index),
            path: path.clone(),
            position: None,
            pointer: None,
            message,
        };
        let mut found = Vec::new();
        if let Some(kind) = acc.not_jsonl {
            let is_stdin = file.source == SourceSpec::Stdin && self.opts.stdin_name.is_none();
            found.push(file_level(
                RuleCode::F004,
                kind.message(&file.display, is_stdin, file.compression()),
            ));
        }
        // Files found in a folder are judged by F003 instead; unnamed standard input has no
        // name to judge.
        let is_named = match file.source {
            SourceSpec::Stdin => self.opts.stdin_name.is_some(),
            SourceSpec::Path(_) | SourceSpec::Remote(_) => !file.in_folder,
        };
        let compression = file.compression();
        if compression != input::Compression::None {
            // Checked as it will be once decompressed; the service cannot read it as it is,
            // named or found in a folder alike.
            found.push(file_level(
                RuleCode::F001,
                format!(
                    "\"{}\" is {}-compressed; the service reads only uncompressed .jsonl files: decompress it before upload (its records were checked as they will be then)",
                    file.display,
                    compression.as_str()
                ),
            ));
        } else if is_named && !file.has_jsonl_extension() {
            found.push(file_level(
                RuleCode::F001,
                format!(
                    "\"{}\" does not end in .jsonl; the service reads only .jsonl files (rename it)",
                    file.display
                ),
            ));
        }
        if acc.bytes > q.max_file_bytes {
            found.push(file_level(
                RuleCode::Q001,
                format!(
                    "file is {} ({} bytes), over the per-file quota of {} ({} bytes) by {} bytes; split it with `bedrock-batch shard`",
                    human_bytes(acc.bytes),
                    group_digits(acc.bytes),
                    human_bytes(q.max_file_bytes),
                    group_digits(q.max_file_bytes),
                    group_digits(acc.bytes - q.max_file_bytes)
                ),
            ));
        }
        // The lines of a file that is not JSON lines (F004) are not its records: fixing it
        // changes the count, so record quotas are judged once it is fixed.
        if acc.not_jsonl.is_some() {
            self.not_jsonl_files += 1;
        } else if acc.records > q.max_records_per_file {
            found.push(file_level(
                RuleCode::Q002,
                format!(
                    "file has {} records, over the per-file quota of {} by {}; split it with `bedrock-batch shard`",
                    group_digits(acc.records),
                    group_digits(q.max_records_per_file),
                    group_digits(acc.records - q.max_records_per_file)
                ),
            ));
        }
        if let Some(p) = acc.first_crlf {
            found.push(Diagnostic {
                code: RuleCode::L004,
                file: Some(index),
                path: path.clone(),
                position: Some(p),
                pointer: None,
                message: format!(
                    "{} line{} end{} in CRLF (\\r\\n), the first here; `bedrock-batch fix` converts them to \\n",
                    group_digits(acc.crlf),
                    if acc.crlf == 1 { "" } else { "s" },
                    if acc.crlf == 1 { "s" } else { "" }
                ),
            });
        }
        if let Some(first) = acc.first_odd_id {
            // One finding per file, as L004: ids are odd for one cause (how they were made),
            // so a finding per record would only bury the others.
            let n = acc.odd_ids;
            found.push(Diagnostic {
                message: format!(
                    "{} recordId{} {} not plain (ASCII letters, digits, - _ . :; at most {} characters), the first here: {}",
                    group_digits(n),
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "is" } else { "are" },
                    crate::limits::MAX_PLAIN_RECORD_ID_CHARS,
                    first.message
                ),
                ..first
            });
        }
        for d in found {
            self.push_finding(d);
        }
        self.files.push(FileSummary {
            path: file.display.to_string(),
            records: acc.records,
            bytes: acc.bytes,
        });
        self.totals.0 += acc.records;
        self.totals.1 += acc.bytes;
    }

    /// Counts and keeps a finding made outside a chunk. One of a rule left out by
    /// `--select`/`--ignore` is neither counted nor listed, but a validating-phase one still
    /// decides the verdict (the service does not read `--select`).
    fn push_finding(&mut self, d: Diagnostic) {
        if self.opts.rules.is_enabled(d.code) {
            self.collector.count(d.code, Some(&d));
            self.collector.extend(vec![d]);
        } else if d.phase() == Phase::Validating {
            self.collector.offer_first(d);
        }
    }

    /// Job-level checks, then the report. `files` are the files given to
    /// [`JobRun::scan_all`] (stray ones are reported there).
    ///
    /// # Panics
    /// If a finding sink fails; runs with a sink call [`JobRun::try_finish`].
    pub fn finish(self, files: &[InputFile]) -> Report {
        self.try_finish(files)
            .expect("finish fails only through a finding sink; use try_finish with one")
    }

    /// [`JobRun::finish`] for runs with a finding sink, whose errors it passes on.
    pub fn try_finish(mut self, files: &[InputFile]) -> Result<Report> {
        let q = self.setup.quotas;
        let (records, bytes) = self.totals;
        let job_level = |code: RuleCode, message: String| Diagnostic {
            code,
            file: None,
            path: None,
            position: None,
            pointer: None,
            message,
        };
        let mut found = Vec::new();
        found.extend(self.setup.model_findings.iter().cloned());
        if self.files.is_empty() {
            found.push(job_level(
                RuleCode::F002,
                "the job has no .jsonl file; the service needs at least one".into(),
            ));
        } else if records == 0 {
            found.push(job_level(
                RuleCode::F002,
                format!(
                    "the job's {} file{} hold{} no record",
                    self.files.len(),
                    if self.files.len() == 1 { "" } else { "s" },
                    if self.files.len() == 1 { "s" } else { "" }
                ),
            ));
        }
        if bytes > q.max_job_bytes {
            found.push(job_level(
                RuleCode::Q003,
                format!(
                    "the job's files total {} ({} bytes), over the job quota of {} ({} bytes) by {} bytes; split it into several jobs with `bedrock-batch shard`",
                    human_bytes(bytes),
                    group_digits(bytes),
                    human_bytes(q.max_job_bytes),
                    group_digits(q.max_job_bytes),
                    group_digits(bytes - q.max_job_bytes)
                ),
            ));
        }
        let records_known = self.not_jsonl_files == 0;
        if records_known && records > q.max_records_per_job {
            found.push(job_level(
                RuleCode::Q004,
                format!(
                    "the job has {} records, over the per-job quota of {} by {}; split it into several jobs with `bedrock-batch shard`",
                    group_digits(records),
                    group_digits(q.max_records_per_job),
                    group_digits(records - q.max_records_per_job)
                ),
            ));
        }
        if records_known && records < q.min_records_per_job {
            found.push(job_level(
                RuleCode::Q005,
                format!(
                    "the job has {} record{}, {} short of the model's minimum of {} per job; add records or use on-demand inference",
                    group_digits(records),
                    if records == 1 { "" } else { "s" },
                    group_digits(q.min_records_per_job - records),
                    group_digits(q.min_records_per_job)
                ),
            ));
        }
        for d in found {
            self.push_finding(d);
        }
        let (diagnostics, counts, first_validating) = self.collector.finish();
        if let Some(sink) = self.finding_sink.as_mut() {
            for d in &diagnostics {
                sink(d)?;
            }
        }
        let mut summary = Summary {
            files: self.files.len() as u64,
            records,
            bytes,
            ..Summary::default()
        };
        for (i, &n) in counts.iter().enumerate() {
            if n == 0 {
                continue;
            }
            let info = &RULES[i];
            match info.severity {
                Severity::Error => summary.errors += n,
                Severity::Warning => summary.warnings += n,
                Severity::Info => summary.infos += n,
            }
            summary.by_code.insert(info.code.to_string(), n);
        }
        let total: u64 = counts.iter().sum();
        summary.diagnostics_truncated = total > diagnostics.len() as u64;
        let verdict = match first_validating {
            Some(d) => Verdict {
                status: VerdictStatus::Failed,
                message: Some(d.headline()),
            },
            None => Verdict {
                status: VerdictStatus::Scheduled,
                message: None,
            },
        };
        Ok(Report {
            version: 1,
            tool: Tool {
                name: "bedrock-batch",
                version: env!("CARGO_PKG_VERSION"),
            },
            model_id: self.setup.model_id.clone(),
            family: self.setup.family.clone(),
            invocation_type: self.opts.invocation_type,
            verdict,
            summary,
            quotas: q,
            files: self.files,
            diagnostics,
            job: None,
            first_input: files.first().map(|f| f.display.to_string()),
        })
    }
}

/// A chunk of a window: its bytes (borrowed from a map, or owned from a stream) and place.
struct Piece<B> {
    base: u64,
    is_first: bool,
    is_last: bool,
    bytes: B,
}

#[derive(Default)]
struct FileAcc {
    lines: u64,
    records: u64,
    bytes: u64,
    crlf: u64,
    first_crlf: Option<Position>,
    odd_ids: u64,
    first_odd_id: Option<Diagnostic>,
    /// What the file holds instead of JSON lines (F004), judged from its first bytes.
    not_jsonl: Option<NotJsonl>,
}

/// Keeps what a job lists, counts everything, and remembers the first validating-phase
/// finding. Of each severity it keeps the first `cap` findings in report order (enough to
/// list the `cap` most severe of the job, errors first), and every job-level finding (they
/// are few and always listed); so memory is bounded by the cap, never by the input.
struct Collector {
    cap: usize,
    /// Per severity rank: findings with their arrival number (ties in report order keep
    /// arrival order, which is deterministic).
    kept: [Vec<(u64, Diagnostic)>; 3],
    job_level: Vec<Diagnostic>,
    arrivals: u64,
    counts: [u64; RULES.len()],
    first_validating: Option<Diagnostic>,
}

impl Collector {
    fn new(cap: usize) -> Self {
        Collector {
            cap,
            kept: Default::default(),
            job_level: Vec::new(),
            arrivals: 0,
            counts: [0; RULES.len()],
            first_validating: None,
        }
    }

    /// Adds a chunk's exact counts and its first validating finding.
    fn absorb(&mut self, counts: &[u64; RULES.len()], first: Option<Diagnostic>) {
        for (total, n) in self.counts.iter_mut().zip(counts) {
            *total += n;
        }
        if let Some(d) = first {
            self.offer_first(d);
        }
    }

    /// Counts one finding made outside a chunk.
    fn count(&mut self, code: RuleCode, d: Option<&Diagnostic>) {
        self.counts[code as usize] += 1;
        if let Some(d) = d {
            if code.phase() == Phase::Validating {
                self.offer_first(d.clone());
            }
        }
    }

    fn offer_first(&mut self, d: Diagnostic) {
        // Ties keep the earlier offer: offers arrive in a deterministic order.
        if self
            .first_validating
            .as_ref()
            .is_none_or(|f| d.sort_key() < f.sort_key())
        {
            self.first_validating = Some(d);
        }
    }

    /// Keeps findings (already counted), trimming to the cap now and then.
    fn extend(&mut self, ds: Vec<Diagnostic>) {
        for d in ds {
            if d.file.is_none() {
                self.job_level.push(d);
                continue;
            }
            let rank = d.severity().rank();
            self.kept[rank].push((self.arrivals, d));
            self.arrivals += 1;
            if self.kept[rank].len() > self.cap.saturating_mul(2).max(1024) {
                self.trim(rank);
            }
        }
    }

    fn trim(&mut self, rank: usize) {
        let kept = &mut self.kept[rank];
        kept.sort_by_key(|(n, d)| (d.sort_key(), *n));
        kept.truncate(self.cap);
    }

    /// The listed findings in report order (the `cap` most severe, then every job-level
    /// one), the exact counts, and the first validating-phase finding.
    fn finish(mut self) -> (Vec<Diagnostic>, [u64; RULES.len()], Option<Diagnostic>) {
        for rank in 0..3 {
            self.trim(rank);
        }
        let quota = crate::diagnostic::listed_per_severity(
            [self.kept[0].len(), self.kept[1].len(), self.kept[2].len()],
            self.cap,
        );
        let mut listed: Vec<(u64, Diagnostic)> = Vec::with_capacity(quota.iter().sum());
        for (kept, n) in self.kept.into_iter().zip(quota) {
            listed.extend(kept.into_iter().take(n));
        }
        listed.sort_by_key(|(n, d)| (d.sort_key(), *n));
        let mut diagnostics: Vec<Diagnostic> = listed.into_iter().map(|(_, d)| d).collect();
        diagnostics.extend(self.job_level);
        (diagnostics, self.counts, self.first_validating)
    }
}
