//! `shard`: cut input that is too big for one job into jobs and files that fit the quotas,
//! from the same scan as `validate`.
//!
//! ```text
//! DIR/manifest.json            jobs → files, with records, bytes, sha256 and crc64nvme of every file
//! DIR/job-001/part-0001.jsonl  one folder per job: the S3 prefix of one job
//! DIR/rejected.jsonl           with --on-invalid quarantine: invalid lines, byte for byte
//! DIR/requests/job-001.json    with --emit-requests: a --cli-input-json per job
//! ```
//!
//! Data flow, and why: the plan must be balanced, so it needs every record's size before the
//! first byte is written. One validating scan ([`crate::validate::JobRun`]) keeps, per valid
//! record, only where it starts and how long it is once its line end is `\n` (16 bytes a
//! record); blank lines and the BOM are dropped, invalid lines follow `--on-invalid`. Then
//! [`plan()`] cuts the records, and a second pass copies each file's records from the input,
//! still mapped and now in the page cache, into the output (files in parallel). So the input
//! is read from disk once and the output written once. Inputs that are not mapped (standard
//! input, pipes, `--no-mmap`) cannot be read twice: their valid lines are spooled, already
//! normalised, into the staging folder during the scan and copied from there.
//!
//! Safety of the output ([`output`]): everything is written into a staging folder beside
//! `DIR`; each file's checksums are computed from the bytes as they are copied (no second
//! read), its size on disk is compared with what was meant to be written, and only then is
//! the folder renamed to `DIR`. On any failure, or when interrupted, the staging folder is
//! removed and `DIR` is untouched.

pub mod output;
pub mod plan;
mod remote_out;
pub mod requests;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use memmap2::Mmap;
use serde::{Deserialize, Serialize};

use crate::input::{self, InputFile, Opened, SourceSpec};
use crate::quota::QuotaProfile;
use crate::rules::{RuleCode, Severity};
use crate::scan::{strip_bom, ChunkResult, LineStatus};
use crate::text::group_digits;
use crate::validate::{JobRun, JobSetup, Progress, Report, ValidateOptions};

pub use plan::{PlanError, Quota, ShardPlan};
pub use requests::RequestSettings;

/// What to do with records that have an error-severity finding.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnInvalid {
    /// Refuse with the validate report and write nothing (the default).
    #[default]
    Fail,
    /// Leave them out, and count them.
    Skip,
    /// Leave them out of the jobs and write them to `DIR/rejected.jsonl`, byte for byte.
    Quarantine,
}

/// How to shard.
#[derive(Clone, Debug)]
pub struct ShardOptions {
    /// The scan: model, quotas, threads, how inputs are read. Findings that sharding fixes
    /// (see [`FIXED_BY_SHARDING`]) are left out of its report.
    pub validate: ValidateOptions,
    /// The output folder.
    pub out: PathBuf,
    /// What to do with invalid records.
    pub on_invalid: OnInvalid,
    /// Replace a non-empty output folder.
    pub force: bool,
    /// Also write a `create-model-invocation-job` request per job.
    pub requests: Option<RequestSettings>,
    /// Set (e.g. by a signal handler) to stop early; the output is then left untouched.
    pub cancel: Option<Arc<AtomicBool>>,
}

/// Findings about the input that the output no longer has: sizes and counts over the quotas
/// (the point of sharding), names without `.jsonl`, blank lines, CRLF, the BOM, a missing
/// final newline. They are not reported by `shard`.
pub const FIXED_BY_SHARDING: &[RuleCode] = &[
    RuleCode::F001,
    RuleCode::L003,
    RuleCode::L004,
    RuleCode::L005,
    RuleCode::L006,
    RuleCode::Q001,
    RuleCode::Q002,
    RuleCode::Q003,
    RuleCode::Q004,
];

/// Why `shard` could not do its work (exit code 2), or was stopped.
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    /// The input could not be read, or an option makes no sense.
    #[error(transparent)]
    Input(#[from] crate::Error),
    /// The output could not be written.
    #[error("cannot write `{}`: {source}", path.display())]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The output folder exists and holds files.
    #[error("--out `{}` is not empty; use --force to replace it", .0.display())]
    OutNotEmpty(PathBuf),
    /// The output folder cannot be used.
    #[error("--out `{}`: {message}", path.display())]
    BadOut {
        /// The folder.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A written file is not what was meant to be written, or a source could not be read.
    #[error("`{}`: {what}; nothing was written to the output folder", path.display())]
    Verify {
        /// The file.
        path: PathBuf,
        /// What differed.
        what: String,
    },
    /// An input file changed between the scan and the copy.
    #[error("`{0}` changed while it was sharded; nothing was written (run again, or use --no-mmap to read it once)")]
    InputChanged(String),
    /// `--emit-requests` settings the service would refuse.
    #[error("--emit-requests: {0}")]
    Request(String),
    /// Stopped by [`ShardOptions::cancel`].
    #[error("interrupted; nothing was written")]
    Interrupted,
}

impl ShardError {
    fn write(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ShardError::Write {
            path: path.into(),
            source,
        }
    }
}

/// Progress of the two passes.
pub struct ShardProgress<'a> {
    /// The validating scan (bytes of input).
    pub scan: &'a dyn Progress,
    /// Writing and checking the output (bytes of output).
    pub write: &'a dyn Progress,
}

/// The outcome of a run.
#[derive(Debug)]
pub enum ShardOutcome {
    /// The output folder was written.
    Written(Box<ShardSummary>),
    /// Invalid records and `--on-invalid fail`: nothing was written; the report says why.
    Invalid(Box<Report>),
    /// No plan fits the quotas: nothing was written.
    Refused(Refusal),
}

/// Why no output fits the quotas.
#[derive(Clone, Debug, Serialize)]
pub struct Refusal {
    /// Format version.
    pub version: u32,
    /// Always `"refused"`.
    pub status: &'static str,
    /// The quota that cannot be met.
    pub quota: Quota,
    /// What is wrong, with the quota's flag and by how much.
    pub message: String,
}

/// `DIR/manifest.json`: jobs → files, with records, bytes and the SHA-256 of every file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Format version (1).
    pub version: u32,
    /// The jobs, in input order.
    pub jobs: Vec<ManifestJob>,
    /// The quarantined lines, with `--on-invalid quarantine`.
    pub rejected: Option<RejectedFile>,
}

/// One job of the manifest: one folder, one S3 prefix, one `CreateModelInvocationJob`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestJob {
    /// `job-001`, ...: the folder's name.
    pub name: String,
    /// Records in all its files.
    pub records: u64,
    /// Bytes in all its files.
    pub bytes: u64,
    /// Its files, in input order.
    pub files: Vec<ManifestFile>,
}

/// One file of the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    /// Relative to the output folder, with `/`: `job-001/part-0001.jsonl`.
    pub path: String,
    /// Records (lines).
    pub records: u64,
    /// Bytes.
    pub bytes: u64,
    /// SHA-256 of the file, lower-case hex.
    pub sha256: String,
    /// CRC64NVME of the file, base64 of its 8 big-endian bytes: the full-object checksum S3
    /// computes by default, as `aws s3api head-object --checksum-mode ENABLED` prints it
    /// (`ChecksumCRC64NVME`). Empty in manifests written before it was added.
    #[serde(default)]
    pub crc64nvme: String,
    /// With `--out s3://…`: the object and the checksum S3 verified when it stored it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3: Option<crate::remote::Uploaded>,
}

/// `rejected.jsonl` in the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedFile {
    /// `rejected.jsonl`.
    pub path: String,
    /// Lines in it.
    pub records: u64,
    /// Bytes in it.
    pub bytes: u64,
    /// SHA-256 of the file, lower-case hex.
    pub sha256: String,
    /// CRC64NVME of the file, as in [`ManifestFile::crc64nvme`].
    #[serde(default)]
    pub crc64nvme: String,
    /// With `--out s3://…`: the object and the checksum S3 verified when it stored it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3: Option<crate::remote::Uploaded>,
}

/// What was read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct InputTotals {
    /// Files read.
    pub files: u64,
    /// Non-blank lines (records, valid or not).
    pub records: u64,
    /// Bytes.
    pub bytes: u64,
    /// Files of an input folder that are not `.jsonl` and were not copied (F003 in `validate`).
    pub stray: Vec<String>,
    /// Compressed inputs, read decompressed (F001 in `validate`).
    pub decompressed: Vec<String>,
}

/// What was written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OutputTotals {
    /// Jobs (folders).
    pub jobs: u64,
    /// Files in them.
    pub files: u64,
    /// Records in them.
    pub records: u64,
    /// Bytes in them.
    pub bytes: u64,
}

/// What was left out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LeftOut {
    /// Blank or whitespace-only lines, dropped.
    pub blank_lines: u64,
    /// Records with an error-severity finding, skipped or quarantined.
    pub invalid_records: u64,
    /// What happened to them.
    pub on_invalid: OnInvalid,
    /// Error-severity findings of the invalid records, per code.
    pub by_code: BTreeMap<String, u64>,
}

/// The summary of a written output folder (`--format json` prints it).
#[derive(Clone, Debug, Serialize)]
pub struct ShardSummary {
    /// Format version (1).
    pub version: u32,
    /// Always `"written"`.
    pub status: &'static str,
    /// The output folder, as given.
    pub out: String,
    /// The quotas the plan fits.
    pub quotas: QuotaProfile,
    /// What was read.
    pub input: InputTotals,
    /// What was written.
    pub output: OutputTotals,
    /// What was left out.
    pub left_out: LeftOut,
    /// Request files written with `--emit-requests`, relative to the output folder.
    pub requests: Vec<String>,
    /// The manifest as written.
    pub manifest: Manifest,
    /// The scan's report (findings that sharding fixes left out), for the text summary.
    #[serde(skip)]
    pub report: Report,
}

impl ShardSummary {
    /// Whether any record was left out for being invalid.
    pub fn has_left_out_records(&self) -> bool {
        self.left_out.invalid_records > 0
    }
}

/// Shards the job formed by `paths` (`-` is standard input) into `opts.out`.
pub fn shard(
    paths: &[PathBuf],
    opts: &ShardOptions,
    progress: &ShardProgress<'_>,
) -> Result<ShardOutcome, ShardError> {
    let mut vopts = opts.validate.clone();
    vopts.rules = vopts.rules.clone().without(FIXED_BY_SHARDING);
    let inputs = input::collect(paths, vopts.stdin_name.as_deref())?;
    let setup = JobSetup::new(&vopts)?;
    let quotas = setup.quotas;
    if let Some(req) = &opts.requests {
        // Check the settings before reading anything: the names and URIs of job 1 stand for
        // all of them, and are checked again once the number of jobs is known.
        requests::check(req, vopts.model_id.as_deref(), vopts.invocation_type, 1)?;
    }
    // An `s3://` output is checked now (before anything is read), written and checked in a
    // local temporary folder like any output, then uploaded (see `remote_out`).
    let destination = remote_out::Destination::prepare(&opts.out, opts.force, &inputs.files)?;
    let out_dir = destination.local_dir(&opts.out);
    let mut staging = output::Staging::prepare(
        &out_dir,
        opts.force && destination.is_local(),
        &inputs.files,
    )?;
    let cancel = opts.cancel.clone().unwrap_or_default();

    // Pass 1: the validating scan, keeping where every valid record is. The engine opens
    // each input once: the maps it makes are kept here for the copy pass (pass 2), with what
    // each file looked like, so no input is mapped twice. The engine's open sink fills it and
    // the chunk sink reads it; both must be `Send`, hence the (uncontended: both are called
    // on the merging thread) mutex.
    let sources: Mutex<Vec<Option<MappedInput>>> =
        Mutex::new((0..inputs.files.len()).map(|_| None).collect());
    let mut collect = Collector::new(
        &inputs.files,
        &sources,
        &staging,
        opts.on_invalid,
        &quotas,
        cancel.clone(),
    )?;
    let mut run = JobRun::new(&vopts, &setup)
        .with_line_status()
        .with_open_sink(Box::new(|index, f, opened| {
            let mapped = MappedInput::keep(f, opened)?;
            lock(&sources)[index as usize] = mapped;
            Ok(())
        }));
    let scanned = run.scan_all_with(&inputs.files, progress.scan, &mut |file, chunk, result| {
        collect.chunk(file, chunk, result)
    });
    if let Err(e) = scanned {
        // A read error after Ctrl-C is the interruption's doing.
        return Err(match e {
            ShardError::Input(_) if cancel.load(Ordering::Relaxed) => ShardError::Interrupted,
            e => e,
        });
    }
    let report = run.finish(&inputs.files);
    let collected = collect.finish()?;
    let sources = sources.into_inner().unwrap_or_else(PoisonError::into_inner);

    if collected.invalid > 0 && opts.on_invalid == OnInvalid::Fail {
        return Ok(ShardOutcome::Invalid(Box::new(report)));
    }
    if let Some(big) = collected.too_large.first() {
        let more = collected.too_large_count - 1;
        let message = format!(
            "{}:{}: the record is {} bytes (with its line end), over {} ({}) by {} bytes; no {} can hold it{}",
            big.path,
            big.line,
            group_digits(big.bytes),
            big.quota.flag(),
            group_digits(big.cap),
            group_digits(big.bytes - big.cap),
            if big.quota == Quota::MaxFileBytes { "file" } else { "job" },
            if more > 0 {
                format!(" ({} more record{} too)", group_digits(more), if more == 1 { " is" } else { "s are" })
            } else {
                String::new()
            }
        );
        return Ok(ShardOutcome::Refused(Refusal {
            version: 1,
            status: "refused",
            quota: big.quota,
            message,
        }));
    }
    let index = collected.index;
    let plan = match plan::plan(&index.ends, &quotas) {
        Ok(p) => p,
        Err(e) => {
            return Ok(ShardOutcome::Refused(Refusal {
                version: 1,
                status: "refused",
                quota: e.quota(),
                message: index.describe_refusal(&e, &inputs.files, &sources),
            }))
        }
    };
    let request_docs = match &opts.requests {
        Some(req) => requests::build(
            req,
            vopts.model_id.as_deref(),
            vopts.invocation_type,
            plan.jobs.len(),
        )?,
        None => Vec::new(),
    };

    // Pass 2: copy, check, rename.
    if cancel.load(Ordering::Relaxed) {
        return Err(ShardError::Interrupted);
    }
    for (f, s) in inputs.files.iter().zip(&sources) {
        if let Some(s) = s {
            s.check_unchanged(f)?;
        }
    }
    let spool = match collected.spool {
        Some(s) => Some(s.close()?),
        None => None,
    };
    let data: Vec<output::Source<'_>> = index
        .segments
        .iter()
        .map(|seg| match &sources[seg.file as usize] {
            Some(m) => output::Source {
                path: &m.path,
                map: Some(&*m.map),
            },
            // Streamed inputs' records are in the spool (none when nothing was spooled, and
            // then no record points into it).
            None => output::Source {
                path: spool.as_deref().unwrap_or(Path::new("")),
                map: None,
            },
        })
        .collect();
    let written =
        staging.write_parts(&plan, &index, &data, vopts.threads, progress.write, &cancel)?;
    let rejected = match collected.rejected {
        Some(r) => Some(staging.check_rejected(r)?),
        None => None,
    };
    let mut manifest = Manifest {
        version: 1,
        jobs: written,
        rejected,
    };
    staging.write_json("manifest.json", &manifest)?;
    let mut request_paths = Vec::new();
    for (name, doc) in &request_docs {
        let rel = format!("requests/{name}.json");
        staging.write_json(&rel, doc)?;
        request_paths.push(rel);
    }
    drop(spool);
    staging.remove_spool()?;
    if cancel.load(Ordering::Relaxed) {
        return Err(ShardError::Interrupted);
    }
    staging.commit(opts.force && destination.is_local())?;
    destination.finish(&out_dir, &mut manifest, &cancel)?;

    let output = OutputTotals {
        jobs: manifest.jobs.len() as u64,
        files: manifest.jobs.iter().map(|j| j.files.len() as u64).sum(),
        records: manifest.jobs.iter().map(|j| j.records).sum(),
        bytes: manifest.jobs.iter().map(|j| j.bytes).sum(),
    };
    let by_code = report
        .summary
        .by_code
        .iter()
        .filter(|(code, _)| {
            RuleCode::ALL
                .iter()
                .any(|c| c.as_str() == code.as_str() && c.severity() == Severity::Error)
        })
        .map(|(c, n)| (c.clone(), *n))
        .collect();
    Ok(ShardOutcome::Written(Box::new(ShardSummary {
        version: 1,
        status: "written",
        out: opts.out.to_string_lossy().into_owned(),
        quotas,
        input: InputTotals {
            files: report.summary.files,
            records: report.summary.records,
            bytes: report.summary.bytes,
            stray: inputs
                .files
                .iter()
                .filter(|f| f.is_stray)
                .map(|f| f.display.to_string())
                .collect(),
            decompressed: inputs
                .files
                .iter()
                .filter(|f| !f.is_stray && f.compression() != input::Compression::None)
                .map(|f| f.display.to_string())
                .collect(),
        },
        output,
        left_out: LeftOut {
            blank_lines: collected.blank,
            invalid_records: collected.invalid,
            on_invalid: opts.on_invalid,
            by_code,
        },
        requests: request_paths,
        manifest,
        report,
    })))
}

/// An input file the scan mapped, kept for the copy pass, with what it looked like when
/// mapped.
struct MappedInput {
    /// The file, opened again by the copy pass (which hashes from the map).
    path: PathBuf,
    map: Arc<Mmap>,
    len: u64,
    modified: Option<std::time::SystemTime>,
}

impl MappedInput {
    /// Keeps the scan's map of `f` (opened as `opened`) for the copy pass; `None` for inputs
    /// that are streamed, whose records are spooled instead.
    fn keep(f: &InputFile, opened: &Opened) -> crate::Result<Option<MappedInput>> {
        let (SourceSpec::Path(path), Opened::Mapped(map)) = (&f.source, opened) else {
            return Ok(None);
        };
        let meta = std::fs::metadata(path).map_err(|e| crate::Error::io(path, e))?;
        Ok(Some(MappedInput {
            path: path.clone(),
            len: map.len() as u64,
            map: Arc::clone(map),
            modified: meta.modified().ok(),
        }))
    }

    /// A file rewritten since it was mapped may hold bytes the scan never checked.
    fn check_unchanged(&self, f: &InputFile) -> Result<(), ShardError> {
        let SourceSpec::Path(path) = &f.source else {
            return Ok(());
        };
        let meta = std::fs::metadata(path).map_err(|e| crate::Error::io(path, e))?;
        if meta.len() != self.len || meta.modified().ok() != self.modified {
            return Err(ShardError::InputChanged(f.display.to_string()));
        }
        Ok(())
    }
}

/// Where every valid record is, and how big it is once written.
#[derive(Debug, Default)]
pub struct RecordIndex {
    /// Prefix sums of output sizes: record `i` is `ends[i + 1] - ends[i]` bytes, its `\n`
    /// included (`ends[0] == 0`).
    pub ends: Vec<u64>,
    /// Where record `i` starts: in its input file when mapped, else in the spool.
    pub offsets: Vec<u64>,
    /// Runs of records from one input file, in order.
    pub segments: Vec<Segment>,
}

/// Records `first..` (up to the next segment) come from input file `file`.
#[derive(Clone, Copy, Debug)]
pub struct Segment {
    /// Index of the first record.
    pub first: usize,
    /// Index of the input file.
    pub file: u32,
}

impl RecordIndex {
    /// The segment holding record `i`.
    fn segment_of(&self, i: usize) -> usize {
        self.segments.partition_point(|s| s.first <= i) - 1
    }

    /// A plan refusal's message, with the place in the input of the record it names (mapped
    /// inputs only: spooled lines no longer know their line numbers).
    fn describe_refusal(
        &self,
        e: &PlanError,
        files: &[InputFile],
        sources: &[Option<MappedInput>],
    ) -> String {
        let record = match e {
            PlanError::TooDense { record, .. } | PlanError::ShortTail { record, .. } => *record,
            _ => return e.to_string(),
        };
        let seg = self.segments[self.segment_of(record)];
        match &sources[seg.file as usize] {
            Some(m) => {
                let off = self.offsets[record] as usize;
                let line = memchr::memchr_iter(b'\n', &m.map[..off]).count() + 1;
                format!(
                    "{e} (record {} is {}:{line})",
                    group_digits(record as u64 + 1),
                    files[seg.file as usize].display
                )
            }
            None => e.to_string(),
        }
    }
}

/// A record over the per-file (or per-job) byte quota, found during the scan.
struct TooLarge {
    path: Arc<str>,
    line: u64,
    bytes: u64,
    quota: Quota,
    cap: u64,
}

/// Valid lines of streamed inputs, normalised, in the staging folder.
pub(crate) struct Spool {
    path: PathBuf,
    writer: BufWriter<File>,
    len: u64,
}

impl Spool {
    /// Creates the spool (once, for the first streamed input).
    fn create(path: PathBuf) -> Result<Spool, ShardError> {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| ShardError::write(&path, e))?;
        Ok(Spool {
            path,
            writer: BufWriter::with_capacity(output::PIECE, file),
            len: 0,
        })
    }

    /// Writes out what is buffered and closes the spool; the copy pass reads it by path. It
    /// is not mapped, so the memory of a `--no-mmap` or stdin run stays small.
    fn close(self) -> Result<PathBuf, ShardError> {
        let file = self
            .writer
            .into_inner()
            .map_err(|e| ShardError::write(&self.path, e.into_error()))?;
        drop(file);
        Ok(self.path)
    }
}

/// Invalid lines being quarantined.
pub(crate) struct Rejected {
    pub(crate) path: PathBuf,
    pub(crate) writer: BufWriter<File>,
    pub(crate) records: u64,
    pub(crate) bytes: u64,
}

/// What the scan collected.
struct Collected {
    index: RecordIndex,
    spool: Option<Spool>,
    rejected: Option<Rejected>,
    blank: u64,
    invalid: u64,
    too_large: Vec<TooLarge>,
    too_large_count: u64,
}

/// The scan's sink: sees every chunk in input order with the status of each of its lines.
struct Collector<'a> {
    files: &'a [InputFile],
    /// The maps the scan made, filled in as it opens each input: a file it did not map is
    /// streamed, and its records go to the spool.
    sources: &'a Mutex<Vec<Option<MappedInput>>>,
    /// Where the spool is made, when the first streamed input needs it.
    spool_path: PathBuf,
    /// Whether the current file's records are spooled.
    spooled: bool,
    record_cap: u64,
    cap_quota: Quota,
    cancel: Arc<AtomicBool>,
    current: Option<u32>,
    /// Offset of the next chunk in the current file.
    base: u64,
    /// Lines of the current file seen so far.
    lines: u64,
    out: Collected,
}

impl<'a> Collector<'a> {
    fn new(
        files: &'a [InputFile],
        sources: &'a Mutex<Vec<Option<MappedInput>>>,
        staging: &output::Staging,
        on_invalid: OnInvalid,
        q: &QuotaProfile,
        cancel: Arc<AtomicBool>,
    ) -> Result<Self, ShardError> {
        let rejected = if on_invalid == OnInvalid::Quarantine {
            let path = staging.path().join(output::REJECTED_NAME);
            let file = File::create_new(&path).map_err(|e| ShardError::write(&path, e))?;
            Some(Rejected {
                path,
                writer: BufWriter::with_capacity(1 << 16, file),
                records: 0,
                bytes: 0,
            })
        } else {
            None
        };
        let (record_cap, cap_quota) = if q.max_file_bytes <= q.max_job_bytes {
            (q.max_file_bytes, Quota::MaxFileBytes)
        } else {
            (q.max_job_bytes, Quota::MaxJobBytes)
        };
        Ok(Collector {
            files,
            sources,
            spool_path: staging.path().join(output::SPOOL_NAME),
            spooled: false,
            record_cap,
            cap_quota,
            cancel,
            current: None,
            base: 0,
            lines: 0,
            out: Collected {
                index: RecordIndex {
                    ends: vec![0],
                    ..RecordIndex::default()
                },
                spool: None,
                rejected,
                blank: 0,
                invalid: 0,
                too_large: Vec::new(),
                too_large_count: 0,
            },
        })
    }

    fn chunk(&mut self, file: u32, chunk: &[u8], result: &ChunkResult) -> Result<(), ShardError> {
        if self.cancel.load(Ordering::Relaxed) {
            return Err(ShardError::Interrupted);
        }
        if self.current != Some(file) {
            self.current = Some(file);
            self.base = 0;
            self.lines = 0;
            self.out.index.segments.push(Segment {
                first: self.out.index.offsets.len(),
                file,
            });
            // The engine opened the file before its first chunk.
            self.spooled = lock(self.sources)[file as usize].is_none();
            if self.spooled && self.out.spool.is_none() {
                self.out.spool = Some(Spool::create(self.spool_path.clone())?);
            }
        }
        let spooled = self.spooled;
        // The BOM is not part of line 1 (the engine judged the line without it).
        let mut start = 0;
        if self.base == 0 {
            start = chunk.len() - strip_bom(chunk).1.len();
        }
        for (i, status) in result.line_status.iter().enumerate() {
            debug_assert!(start < chunk.len(), "a status per line");
            let (end, next) = match memchr::memchr(b'\n', &chunk[start..]) {
                Some(k) => (start + k, start + k + 1),
                None => (chunk.len(), chunk.len()),
            };
            match status {
                LineStatus::Blank => self.out.blank += 1,
                LineStatus::Valid => {
                    let content = &chunk[start..end];
                    let content = content.strip_suffix(b"\r").unwrap_or(content);
                    let size = content.len() as u64 + 1;
                    if size > self.record_cap {
                        self.out.too_large_count += 1;
                        if self.out.too_large.is_empty() {
                            self.out.too_large.push(TooLarge {
                                path: self.files[file as usize].display.clone(),
                                line: self.lines + i as u64 + 1,
                                bytes: size,
                                quota: self.cap_quota,
                                cap: self.record_cap,
                            });
                        }
                    }
                    let index = &mut self.out.index;
                    if spooled {
                        let spool = self
                            .out
                            .spool
                            .as_mut()
                            .expect("a spool for streamed inputs");
                        index.offsets.push(spool.len);
                        let written = spool
                            .writer
                            .write_all(content)
                            .and_then(|()| spool.writer.write_all(b"\n"));
                        if let Err(e) = written {
                            let path = spool.path.clone();
                            return Err(ShardError::write(path, e));
                        }
                        spool.len += size;
                    } else {
                        index.offsets.push(self.base + start as u64);
                    }
                    let last = *index.ends.last().expect("ends starts with 0");
                    index.ends.push(last + size);
                }
                LineStatus::Invalid => {
                    self.out.invalid += 1;
                    if let Some(r) = self.out.rejected.as_mut() {
                        // Byte for byte, line end included; an unterminated last line gets a
                        // `\n` so the next rejected line starts a line of its own.
                        let raw = &chunk[start..next];
                        let mut written = r.writer.write_all(raw);
                        r.bytes += raw.len() as u64;
                        if next == end {
                            written = written.and_then(|()| r.writer.write_all(b"\n"));
                            r.bytes += 1;
                        }
                        r.records += 1;
                        if let Err(e) = written {
                            let path = r.path.clone();
                            return Err(ShardError::write(path, e));
                        }
                    }
                }
            }
            start = next;
        }
        self.lines += result.newlines;
        self.base += chunk.len() as u64;
        Ok(())
    }

    fn finish(mut self) -> Result<Collected, ShardError> {
        if let Some(r) = self.out.rejected.as_mut() {
            r.writer
                .flush()
                .map_err(|e| ShardError::write(&r.path, e))?;
        }
        if let Some(s) = self.out.spool.as_mut() {
            s.writer
                .flush()
                .map_err(|e| ShardError::write(&s.path, e))?;
        }
        Ok(self.out)
    }
}

/// Locks `m`; a panic elsewhere leaves nothing half-written in the maps it guards.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `job-001`: zero-padded to at least 3 digits, more when there are more jobs.
pub fn job_name(index: usize, jobs: usize) -> String {
    let width = jobs.to_string().len().max(3);
    format!("job-{:0width$}", index + 1)
}

/// `part-0001.jsonl`: zero-padded to at least 4 digits.
pub fn part_name(index: usize, files: usize) -> String {
    let width = files.to_string().len().max(4);
    format!("part-{:0width$}.jsonl", index + 1)
}

/// The output folder relative path of a file: always `/`-separated.
fn rel(parts: &[&str]) -> String {
    parts.join("/")
}

/// `Path` of a `/`-separated relative path under `root`.
fn under(root: &Path, rel: &str) -> PathBuf {
    rel.split('/').fold(root.to_path_buf(), |p, c| p.join(c))
}
