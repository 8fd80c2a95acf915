//! `fix`: write a corrected copy of JSONL input, so nobody hand-edits a multi-GB file.
//!
//! What it guarantees:
//! - **Only the envelope is rewritten.** `modelInput` is copied byte for byte (numbers, key
//!   order, escapes and whitespace stay as they were). A line whose envelope needs no change
//!   is copied byte for byte too; otherwise it is rebuilt as
//!   `{"recordId":…,"modelInput":…,<other keys>}` from the original members' bytes, and a
//!   kept `recordId` keeps its original JSON text.
//! - **Always** (they cannot change what a record means): a byte-order mark is removed (at
//!   the start of a file, and at the start of a later line, where `cat` of Windows exports
//!   leaves one), CRLF line ends become LF, blank lines are dropped, the last line gets its
//!   `\n`, and a repeated top-level key keeps only its last value (what `validate`, the
//!   service's parsers and most others read).
//! - **On request:** new ids for records without one (or with one that is not a non-empty
//!   string), new ids for later uses of a repeated id, dropping unknown top-level keys.
//! - **Nothing is dropped silently.** Lines that cannot be repaired (not UTF-8, not JSON, not
//!   an object, no `modelInput` or one that is not an object) go byte for byte to
//!   `<out>.rejected.jsonl`, and the report lists each with its line. Every id change is
//!   written to `<out>.id-map.jsonl` (path, input line, output line, old, new, why).
//! - **The input is never modified**, except with `--in-place`; every file is written to a
//!   temporary file beside its destination, re-checked with the validate scan (no code `fix`
//!   repairs may remain) and only then renamed over the destination. With `--in-place` the
//!   files are synced to disk before the rename, since the original is replaced; with `--out`
//!   they are not (as `shard` and `split` do not): the input still holds everything, and an
//!   output lost to a power cut is made again by running `fix` again. Syncing a 1 GB output
//!   costs seconds on a disk that writes ~100 MB/s, many times the rest of the run.
//!
//! New ids must be unique across the whole output, including against ids that appear
//! further down the input, so when ids may be generated a first pass (the parallel validate
//! scan) collects the hash of every id of the job before anything is written. Standard input
//! is spooled to an unnamed temporary file during that pass so it can be read twice.
//!
//! ```no_run
//! use bedrock_batch::fix::{fix, FixOptions, Target};
//! use bedrock_batch::validate::NoProgress;
//!
//! let mut opts = FixOptions::new(Target::Out("fixed.jsonl".into()));
//! opts.add_record_ids = true;
//! let report = fix(&["export.jsonl".into()], &opts, &NoProgress)?;
//! for r in &report.rejected {
//!     eprintln!("{}:{}: {} {}", r.path, r.line, r.code, r.message);
//! }
//! # Ok::<(), bedrock_batch::Error>(())
//! ```

pub mod ids;
mod remote_out;
pub mod text;

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Seek, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use tempfile::{NamedTempFile, TempPath};

use crate::error::{Error, Result};
use crate::input::{self, InputFile, Opened, SourceSpec};
use crate::json::ValueKind;
use crate::json::{char_column, decode_string_contents, Envelope, Member, Scanned, Scanner};
use crate::limits::MAX_MODEL_INPUT_BYTES;
use crate::rules::{RuleCode, Severity, RULES};
use crate::validate::{
    JobRun, JobSetup, NoProgress, Progress, Tool, ValidateOptions, DEFAULT_CHUNK_SIZE,
};

pub use ids::IdFormat;

use crate::text::UTF8_BOM as BOM;

/// Where the corrected records go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// One file holding the records of every input, in input (path) order.
    Out(PathBuf),
    /// Each input file is replaced by its corrected copy.
    InPlace,
}

/// What `fix` repairs beyond the always-safe ones, and how it reads and writes.
#[derive(Clone, Debug)]
pub struct FixOptions {
    /// Where the output goes.
    pub target: Target,
    /// Give records without a `recordId` (or with one that is not a non-empty string) a new one.
    pub add_record_ids: bool,
    /// Give every later use of a repeated `recordId` a new one.
    pub dedupe_record_ids: bool,
    /// Drop top-level keys other than `recordId` and `modelInput`.
    pub drop_unknown_keys: bool,
    /// How new ids look.
    pub id_format: IdFormat,
    /// Work out everything, write nothing.
    pub dry_run: bool,
    /// Where rejected-lines and id-map files go, instead of beside each output (useful
    /// when the outputs sit in the job's folder, which the service reads in full).
    pub side_dir: Option<PathBuf>,
    /// Map regular files into memory (otherwise read them).
    pub mmap: bool,
    /// The name standard input gets in reports.
    pub stdin_name: Option<String>,
    /// Worker threads of the scans (first pass, re-check); 0 means one per core.
    pub threads: usize,
    /// Chunk size of those scans.
    pub chunk_size: usize,
}

impl FixOptions {
    /// Options that write to `target` and do only the always-safe repairs.
    pub fn new(target: Target) -> Self {
        FixOptions {
            target,
            add_record_ids: false,
            dedupe_record_ids: false,
            drop_unknown_keys: false,
            id_format: IdFormat::Alnum,
            dry_run: false,
            side_dir: None,
            mmap: true,
            stdin_name: None,
            threads: 0,
            chunk_size: DEFAULT_CHUNK_SIZE,
        }
    }

    fn generates_ids(&self) -> bool {
        self.add_record_ids || self.dedupe_record_ids
    }

    /// The codes that cannot be left in the output with these options; the re-check of the
    /// written files fails (and nothing is replaced) if one shows up.
    pub fn repaired_codes(&self) -> Vec<RuleCode> {
        use RuleCode::*;
        let mut codes = vec![L001, L002, L003, L004, L005, L006, L007, R001, R002];
        if self.add_record_ids {
            codes.extend([R003, R004]);
        }
        if self.dedupe_record_ids {
            codes.push(R006);
        }
        if self.drop_unknown_keys {
            codes.push(R007);
        }
        codes
    }
}

/// A place in the input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The input's display path.
    pub path: String,
    /// 1-based physical line.
    pub line: u64,
}

/// How often one kind of change was made (or one kind of problem was left).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// The rule whose finding this change removes (or that remains).
    pub code: &'static str,
    /// The rule's name.
    pub name: &'static str,
    /// The rule's severity.
    pub severity: Severity,
    /// How many times.
    pub count: u64,
    /// The first place.
    pub first: Location,
    /// What was done, or what to do about it.
    pub note: &'static str,
}

/// A line that could not be repaired and went to the rejected file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RejectedLine {
    /// The input's display path.
    pub path: String,
    /// 1-based physical line in that input.
    pub line: u64,
    /// The rule it breaks.
    pub code: &'static str,
    /// The rule's name.
    pub name: &'static str,
    /// Why, as `validate` would say it.
    pub message: String,
}

/// One input file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct InputSummary {
    /// Display path.
    pub path: String,
    /// Physical lines.
    pub lines: u64,
    /// Non-blank lines.
    pub records: u64,
    /// Records written to the output.
    pub written: u64,
    /// Lines sent to the rejected file.
    pub rejected: u64,
    /// Bytes read.
    pub bytes: u64,
}

/// A file `fix` writes (or would write, in a dry run).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OutputSummary {
    /// `output`, `rejected` or `id-map`.
    pub kind: &'static str,
    /// Where it goes.
    pub path: String,
    /// Lines in it.
    pub lines: u64,
    /// Bytes in it.
    pub bytes: u64,
    /// `--in-place` only: the file needed no repair and was left as it was (not rewritten).
    pub unchanged: bool,
}

/// Totals of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FixSummary {
    /// Input files read.
    pub files: u64,
    /// Non-blank input lines.
    pub records: u64,
    /// Records written.
    pub written: u64,
    /// Lines rejected.
    pub rejected: u64,
    /// Changes made, all kinds together.
    pub changes: u64,
    /// Problems left in the output, all kinds together.
    pub remaining: u64,
}

/// What `fix` did (or, with `--dry-run`, would do).
#[derive(Clone, Debug, Serialize)]
pub struct FixReport {
    /// Format version of the JSON summary.
    pub version: u32,
    /// The tool.
    pub tool: Tool,
    /// Nothing was written.
    pub dry_run: bool,
    /// The format of new ids, when ids may be generated.
    pub id_format: Option<IdFormat>,
    /// Totals.
    pub summary: FixSummary,
    /// The inputs, in the order they were read.
    pub inputs: Vec<InputSummary>,
    /// The files written: outputs, then rejected and id-map files.
    pub outputs: Vec<OutputSummary>,
    /// Changes by kind, in rule-table order.
    pub changes: Vec<Tally>,
    /// Every rejected line.
    pub rejected: Vec<RejectedLine>,
    /// Problems `fix` left in the output (it was not asked to, or cannot, repair them).
    pub remaining: Vec<Tally>,
    /// Rejected or id-map files of an earlier run that this run replaced by nothing.
    pub removed: Vec<String>,
    /// Files in input folders that are not `.jsonl` and were not read.
    pub skipped: Vec<String>,
    /// Compressed inputs, read decompressed (the output is uncompressed).
    pub decompressed: Vec<String>,
}

impl FixReport {
    /// Whether every line was kept and no error-severity problem is left: the exit code 0
    /// case.
    pub fn is_clean(&self) -> bool {
        self.rejected.is_empty() && self.remaining.iter().all(|t| t.severity != Severity::Error)
    }
}

fn change_note(code: RuleCode) -> &'static str {
    match code {
        RuleCode::L005 => "byte-order marks removed",
        RuleCode::L004 => "CRLF line ends changed to LF",
        RuleCode::L003 => "blank lines dropped",
        RuleCode::L006 => "final newlines added",
        RuleCode::L008 => {
            "repeated top-level keys removed; the last value is kept, as parsers read it"
        }
        RuleCode::R003 => "records without a recordId given a new one",
        RuleCode::R004 => "recordIds that were not a non-empty string replaced",
        RuleCode::R006 => "repeated recordIds replaced; the first use keeps its id",
        RuleCode::R007 => "unknown top-level keys dropped",
        _ => "",
    }
}

fn remaining_note(code: RuleCode) -> &'static str {
    match code {
        RuleCode::R003 => "--add-record-ids gives them one",
        RuleCode::R004 => "--add-record-ids replaces them",
        RuleCode::R005 => "fix leaves existing ids as they are",
        RuleCode::R006 => "--dedupe-record-ids gives later uses new ids",
        RuleCode::R007 => "--drop-unknown-keys drops them",
        RuleCode::R008 => "fix cannot shrink a body; shorten it or reference content in S3",
        RuleCode::L008 => "inside a value; fix copies values byte for byte",
        _ => "",
    }
}

/// Counts per rule with the first place, for changes and for what remains.
struct Tallies {
    count: [u64; RULES.len()],
    first: Vec<Option<Location>>,
}

impl Tallies {
    fn new() -> Self {
        Tallies {
            count: [0; RULES.len()],
            first: vec![None; RULES.len()],
        }
    }

    fn add(&mut self, code: RuleCode, n: u64, path: &str, line: u64) {
        if n == 0 {
            return;
        }
        let i = code as usize;
        self.count[i] += n;
        if self.first[i].is_none() {
            self.first[i] = Some(Location {
                path: path.to_string(),
                line,
            });
        }
    }

    fn into_list(self, note: fn(RuleCode) -> &'static str) -> Vec<Tally> {
        let mut out = Vec::new();
        for (i, first) in self.first.into_iter().enumerate() {
            let (Some(first), n) = (first, self.count[i]) else {
                continue;
            };
            let code = RuleCode::ALL[i];
            out.push(Tally {
                code: code.as_str(),
                name: code.name(),
                severity: code.severity(),
                count: n,
                first,
                note: note(code),
            });
        }
        out
    }
}

/// A file written atomically: a temporary file beside the destination, renamed over it
/// only after [`AtomicFile::finish`] and the caller's checks. In a dry run nothing is
/// created and only lines and bytes are counted.
struct AtomicFile {
    kind: &'static str,
    dest: PathBuf,
    tmp: Option<BufWriter<NamedTempFile>>,
    /// Sync the data to disk before the rename (the destination replaces an original).
    sync: bool,
    lines: u64,
    bytes: u64,
}

impl AtomicFile {
    /// Starts writing `dest`. The file gets the permissions of `like` when it exists
    /// (the original, for `--in-place`; an output being replaced), else the usual ones for
    /// a new file. With `keep_existing`, what `dest` already holds is copied first, so new
    /// lines are appended (still atomically). With `sync`, the data is synced to disk before
    /// the rename.
    fn create(
        kind: &'static str,
        dest: &Path,
        like: Option<&Path>,
        dry_run: bool,
        keep_existing: bool,
        sync: bool,
    ) -> Result<Self> {
        let tmp = if dry_run {
            None
        } else {
            let mut w = BufWriter::with_capacity(
                1 << 20,
                temp_beside(dest, like).map_err(|e| Error::write(dest, e))?,
            );
            if keep_existing {
                match File::open(dest) {
                    Ok(mut old) => {
                        let n = std::io::copy(&mut old, &mut w).map_err(|e| Error::io(dest, e))?;
                        let mut last = [0u8];
                        if n > 0 {
                            old.seek(std::io::SeekFrom::End(-1))
                                .and_then(|_| std::io::Read::read_exact(&mut old, &mut last))
                                .map_err(|e| Error::io(dest, e))?;
                            if last[0] != b'\n' {
                                w.write_all(b"\n").map_err(|e| Error::write(dest, e))?;
                            }
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(Error::io(dest, e)),
                }
            }
            Some(w)
        };
        Ok(AtomicFile {
            kind,
            dest: dest.to_path_buf(),
            tmp,
            sync,
            lines: 0,
            bytes: 0,
        })
    }

    /// Writes one line; `line` must not hold `\n`, which is added.
    fn line(&mut self, line: &[u8]) -> Result<()> {
        self.lines += 1;
        self.bytes += line.len() as u64 + 1;
        if let Some(w) = self.tmp.as_mut() {
            w.write_all(line)
                .and_then(|()| w.write_all(b"\n"))
                .map_err(|e| Error::write(&self.dest, e))?;
        }
        Ok(())
    }

    /// Flushes (and syncs, if asked); the file stays temporary until persisted.
    fn finish(self) -> Result<Finished> {
        let tmp = match self.tmp {
            None => None,
            Some(w) => {
                let file = w
                    .into_inner()
                    .map_err(|e| Error::write(&self.dest, e.into_error()))?;
                if self.sync {
                    file.as_file()
                        .sync_all()
                        .map_err(|e| Error::write(&self.dest, e))?;
                }
                Some(file.into_temp_path())
            }
        };
        Ok(Finished {
            summary: OutputSummary {
                kind: self.kind,
                path: display(&self.dest),
                lines: self.lines,
                bytes: self.bytes,
                unchanged: false,
            },
            dest: self.dest,
            tmp,
        })
    }
}

/// A written temporary file and where it goes.
struct Finished {
    summary: OutputSummary,
    dest: PathBuf,
    tmp: Option<TempPath>,
}

impl Finished {
    fn persist(self) -> Result<()> {
        if let Some(tmp) = self.tmp {
            tmp.persist(&self.dest)
                .map_err(|e| Error::write(&self.dest, e.error))?;
            sync_parent(&self.dest);
        }
        Ok(())
    }
}

fn temp_beside(dest: &Path, like: Option<&Path>) -> std::io::Result<NamedTempFile> {
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = dest
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    // A hidden name that does not end in .jsonl, so a half-written file is never taken for
    // input by a folder scan or an `aws s3 sync`.
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    let like_perms = like
        .and_then(|p| std::fs::metadata(p).ok())
        .map(|m| m.permissions());
    #[cfg(unix)]
    if like_perms.is_none() {
        use std::os::unix::fs::PermissionsExt;
        // What `File::create` would give (0666 less the umask), not tempfile's private 0600.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let file = builder.tempfile_in(dir)?;
    if let Some(perms) = like_perms {
        file.as_file().set_permissions(perms)?;
    }
    Ok(file)
}

/// Makes a rename durable (the directory entry), where the platform allows it.
fn sync_parent(path: &Path) {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

fn display(path: &Path) -> String {
    path.to_string_lossy()
        .replace(std::path::MAIN_SEPARATOR, "/")
}

/// `dir/name.jsonl` → `dir/name.<tag>.jsonl` (a name without `.jsonl` keeps its whole
/// name), or the same name inside `side_dir` when one is given.
pub fn side_path(output: &Path, tag: &str, side_dir: Option<&Path>) -> PathBuf {
    let name = output
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let stem = name.strip_suffix(".jsonl").unwrap_or(&name);
    let side = format!("{stem}.{tag}.jsonl");
    match side_dir {
        Some(dir) => dir.join(side),
        None => output.with_file_name(side),
    }
}

/// What identifies an existing file, whatever path names it (links, `..`, hard links):
/// device and inode where there are such, else the canonical path.
#[derive(PartialEq, Eq, Hash)]
enum FileId {
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg_attr(unix, allow(dead_code))]
    Canonical(PathBuf),
}

fn file_id(path: &Path) -> Option<FileId> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path)
            .ok()
            .map(|m| FileId::Inode(m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    std::fs::canonicalize(path).ok().map(FileId::Canonical)
}

/// One destination and the inputs that go into it.
struct Plan {
    output: PathBuf,
    inputs: Vec<usize>,
}

/// Fixes the inputs named by `paths` (files, folders, `-` for standard input).
pub fn fix(paths: &[PathBuf], opts: &FixOptions, progress: &dyn Progress) -> Result<FixReport> {
    if let Target::Out(out) = &opts.target {
        if crate::remote::is_s3(out) {
            return remote_out::fix_to_s3(paths, opts, progress, &out.to_string_lossy());
        }
    }
    let set = input::collect(paths, opts.stdin_name.as_deref())?;
    let files = set.files;
    let skipped: Vec<String> = files
        .iter()
        .filter(|f| f.is_stray)
        .map(|f| f.display.to_string())
        .collect();
    let readable: Vec<usize> = (0..files.len()).filter(|&i| !files[i].is_stray).collect();
    let decompressed: Vec<String> = readable
        .iter()
        .map(|&i| &files[i])
        .filter(|f| f.compression() != input::Compression::None)
        .map(|f| f.display.to_string())
        .collect();
    let plans = plan(&files, &readable, opts)?;

    let mut spool = None;
    let ids = if opts.generates_ids() {
        let (taken, s) = collect_ids(&files, opts, &plans)?;
        spool = s;
        Some(ids::IdGenerator::new(opts.id_format, taken))
    } else {
        None
    };

    let total: Option<u64> = readable
        .iter()
        .map(|&i| match &files[i].source {
            SourceSpec::Path(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            SourceSpec::Remote(o) => Some(o.size),
            SourceSpec::Stdin => None,
        })
        .sum();
    progress.start(total);
    let mut fixer = Fixer::new(opts, ids);
    let mut units = Vec::new();
    for p in &plans {
        let like = match &opts.target {
            Target::InPlace => Some(p.output.as_path()),
            Target::Out(_) => Some(p.output.as_path()).filter(|o| o.exists()),
        };
        let mut unit = Unit {
            output: AtomicFile::create(
                "output",
                &p.output,
                like,
                opts.dry_run,
                false,
                matches!(opts.target, Target::InPlace),
            )?,
            rejected: None,
            id_map: None,
            rejected_path: side_path(&p.output, "rejected", opts.side_dir.as_deref()),
            id_map_path: side_path(&p.output, "id-map", opts.side_dir.as_deref()),
            dry_run: opts.dry_run,
            in_place: opts.target == Target::InPlace,
        };
        let before = fixer.marker();
        let mut bytes_in = 0;
        for &i in &p.inputs {
            let file = &files[i];
            let source = match (&file.source, spool.as_mut()) {
                (SourceSpec::Stdin, Some(s)) => {
                    s.rewind().map_err(|e| Error::io("-", e))?;
                    Source::Spool(s)
                }
                _ => Source::Input,
            };
            fixer.file(&mut unit, file, source, progress)?;
            bytes_in += fixer.inputs.last().map_or(0, |i| i.bytes);
        }
        // In place, a file that needed nothing is not rewritten: its mtime, inode and hard
        // links stay, which keeps `fix --in-place` cheap as a pre-commit hook. Every byte
        // `fix` changes is counted as a change or a rejection, so "no change and the same
        // size" means the same bytes.
        let unchanged = unit.in_place && fixer.marker() == before && unit.output.bytes == bytes_in;
        let mut done = unit.finish()?;
        if unchanged {
            if let Some(out) = done.output.as_mut() {
                out.summary.unchanged = true;
                out.tmp = None;
            }
        }
        units.push(done);
    }
    progress.finish();

    let mut removed = Vec::new();
    if !opts.dry_run {
        recheck(&units, opts)?;
        for u in units.iter_mut() {
            // Side files first: once the output is in place, its side files are too.
            for side in [u.rejected.take(), u.id_map.take()].into_iter().flatten() {
                u.outputs_written.push(side.summary.clone());
                side.persist()?;
            }
            let out = u.output.take().expect("an output");
            u.outputs_written.insert(0, out.summary.clone());
            // An unchanged file has no temporary file left: persisting does nothing.
            out.persist()?;
            for stale in &u.stale {
                if stale.exists() && std::fs::remove_file(stale).is_ok() {
                    removed.push(display(stale));
                }
            }
        }
    } else {
        for u in units.iter_mut() {
            let out = u.output.take().expect("an output");
            u.outputs_written.push(out.summary);
            for side in [u.rejected.take(), u.id_map.take()].into_iter().flatten() {
                u.outputs_written.push(side.summary);
            }
        }
    }

    let mut outputs: Vec<OutputSummary> = Vec::new();
    for u in &units {
        outputs.extend(u.outputs_written.iter().cloned());
    }
    // Outputs first, then rejected files, then id maps: the order a reader looks for them.
    outputs.sort_by_key(|o| match o.kind {
        "output" => 0,
        "rejected" => 1,
        _ => 2,
    });
    let mut report = fixer.report(opts, outputs, removed, skipped);
    report.decompressed = decompressed;
    Ok(report)
}

/// Decides the destinations and refuses the ones that would overwrite an input.
fn plan(files: &[InputFile], readable: &[usize], opts: &FixOptions) -> Result<Vec<Plan>> {
    // One lookup per destination, so a folder of many files stays linear.
    let mut inputs: HashMap<FileId, &str> = HashMap::new();
    for &i in readable {
        let SourceSpec::Path(p) = &files[i].source else {
            continue;
        };
        let Some(id) = file_id(p) else { continue };
        if let Some(first) = inputs.insert(id, &files[i].display) {
            return Err(Error::Config(format!(
                "`{first}` and `{}` are the same file; name it once",
                files[i].display
            )));
        }
    }
    let clash = |dest: &Path, what: &str| -> Result<()> {
        if let Some(shown) = file_id(dest).and_then(|id| inputs.get(&id)) {
            return Err(Error::Config(format!(
                "the {what} `{}` is the input `{shown}`; {}",
                display(dest),
                if what == "output" {
                    "fix never overwrites its input unless asked: use --in-place (it writes a temporary file and renames it over the original)"
                } else {
                    "move that input away or name the output differently"
                }
            )));
        }
        Ok(())
    };
    if let Some(dir) = opts.side_dir.as_deref().filter(|d| !d.is_dir()) {
        return Err(Error::Config(format!(
            "--side-dir `{}` is not a folder; create it first",
            display(dir)
        )));
    }
    let plans = match &opts.target {
        Target::Out(out) => {
            if out.as_os_str() == "-" {
                return Err(Error::Config(
                    "--out needs a file name: fix writes its output atomically (temporary file, then rename), which standard output cannot be".into(),
                ));
            }
            if out.is_dir() {
                return Err(Error::Config(format!(
                    "--out `{}` is a folder; give the name of the file to write",
                    display(out)
                )));
            }
            let parent = out
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            if !parent.is_dir() {
                return Err(Error::Config(format!(
                    "--out `{}`: the folder `{}` does not exist; create it first",
                    display(out),
                    display(parent)
                )));
            }
            clash(out, "output")?;
            vec![Plan {
                output: out.clone(),
                inputs: readable.to_vec(),
            }]
        }
        Target::InPlace => {
            let mut plans = Vec::new();
            for &i in readable {
                match &files[i].source {
                    SourceSpec::Stdin => {
                        return Err(Error::Config(
                            "--in-place cannot rewrite standard input; use --out FILE".into(),
                        ))
                    }
                    SourceSpec::Remote(o) => {
                        return Err(Error::Config(format!(
                            "--in-place cannot rewrite the S3 object `{}`; use --out FILE (or --out s3://BUCKET/KEY.jsonl)",
                            o.uri
                        )))
                    }
                    SourceSpec::Path(p) => plans.push(Plan {
                        output: p.clone(),
                        inputs: vec![i],
                    }),
                }
            }
            plans
        }
    };
    let mut sides: HashMap<PathBuf, &Path> = HashMap::new();
    for p in &plans {
        for (tag, what) in [
            ("rejected", "rejected-lines file"),
            ("id-map", "id-map file"),
        ] {
            let side = side_path(&p.output, tag, opts.side_dir.as_deref());
            clash(&side, what)?;
            if let Some(other) = sides.insert(side.clone(), &p.output) {
                return Err(Error::Config(format!(
                    "`{}` and `{}` would both write their {what} to `{}`; fix them in separate runs or without --side-dir",
                    display(other),
                    display(&p.output),
                    display(&side)
                )));
            }
        }
    }
    Ok(plans)
}

/// The first pass: the hash of every `recordId` of the job, so new ids avoid them all.
/// Standard input is copied to an unnamed temporary file on the way, for the second pass.
fn collect_ids(
    files: &[InputFile],
    opts: &FixOptions,
    plans: &[Plan],
) -> Result<(HashSet<u128>, Option<File>)> {
    let vopts = ValidateOptions {
        threads: opts.threads,
        chunk_size: opts.chunk_size,
        mmap: opts.mmap,
        stdin_name: opts.stdin_name.clone(),
        max_diagnostics: 0,
        ..ValidateOptions::default()
    };
    let setup = JobSetup::new(&vopts)?;
    let mut run = JobRun::new(&vopts, &setup);
    let stdin_index = files
        .iter()
        .position(|f| f.source == SourceSpec::Stdin)
        .map(|i| i as u32);
    let mut spool = match stdin_index {
        None => None,
        Some(_) => {
            // Beside the output: the spool is as large as the input, and the output's disk
            // has to hold that much anyway.
            let dir = plans
                .first()
                .and_then(|p| p.output.parent())
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let f = tempfile::tempfile_in(dir).map_err(|e| Error::write(dir, e))?;
            Some(BufWriter::with_capacity(1 << 20, f))
        }
    };
    let mut taken = HashSet::new();
    run.scan_all(files, &NoProgress, &mut |index, chunk, result| {
        taken.extend(result.ids.iter().map(|id| id.hash));
        if Some(index) == stdin_index {
            if let Some(w) = spool.as_mut() {
                w.write_all(chunk)
                    .map_err(|e| Error::write("<stdin spool>", e))?;
            }
        }
        Ok(())
    })?;
    drop(run);
    let spool = match spool {
        None => None,
        Some(w) => Some(
            w.into_inner()
                .map_err(|e| Error::write("<stdin spool>", e.into_error()))?,
        ),
    };
    Ok((taken, spool))
}

/// Checks the written temporary files with the validate scan, as one job: none of the
/// codes `fix` repairs may be left. Failing this is a bug in `fix`; nothing is replaced.
fn recheck(units: &[DoneUnit], opts: &FixOptions) -> Result<()> {
    let files: Vec<InputFile> = units
        .iter()
        .filter_map(|u| {
            let f = u.output.as_ref()?;
            Some(InputFile {
                display: display(&f.dest).into(),
                source: SourceSpec::Path(f.tmp.as_ref()?.to_path_buf()),
                in_folder: false,
                is_stray: false,
            })
        })
        .collect();
    // `--no-mmap` holds for the re-check too: mapping the output would make a 1 GB output
    // count as 1 GB of resident memory, which is what `--no-mmap` users ask to avoid.
    let vopts = ValidateOptions {
        threads: opts.threads,
        chunk_size: opts.chunk_size,
        mmap: opts.mmap,
        max_diagnostics: 20,
        ..ValidateOptions::default()
    };
    let setup = JobSetup::new(&vopts)?;
    let mut run = JobRun::new(&vopts, &setup);
    run.scan_all(&files, &NoProgress, &mut |_, _, _| Ok(()))?;
    let report = run.finish(&files);
    let left: Vec<String> = opts
        .repaired_codes()
        .into_iter()
        .filter_map(|c| {
            report
                .summary
                .by_code
                .get(c.as_str())
                .map(|n| format!("{n} × {c} {}", c.name()))
        })
        .collect();
    if left.is_empty() {
        Ok(())
    } else {
        Err(Error::Recheck(format!(
            "the corrected output still has {}; nothing was written (please report this bug)",
            left.join(", ")
        )))
    }
}

/// One destination being written, with its side files.
struct Unit {
    output: AtomicFile,
    rejected: Option<AtomicFile>,
    id_map: Option<AtomicFile>,
    rejected_path: PathBuf,
    id_map_path: PathBuf,
    dry_run: bool,
    /// In place, side files are appended to: the original is gone, so the rejected lines
    /// and old ids of an earlier run exist only there.
    in_place: bool,
}

/// A [`Unit`] whose files are written (and, in place, synced), waiting for the re-check.
struct DoneUnit {
    output: Option<Finished>,
    rejected: Option<Finished>,
    id_map: Option<Finished>,
    /// Side files of an earlier run that this run does not write.
    stale: Vec<PathBuf>,
    outputs_written: Vec<OutputSummary>,
}

impl Unit {
    fn reject_line(&mut self, line: &[u8]) -> Result<()> {
        if self.rejected.is_none() {
            self.rejected = Some(AtomicFile::create(
                "rejected",
                &self.rejected_path,
                None,
                self.dry_run,
                self.in_place,
                self.in_place,
            )?);
        }
        self.rejected.as_mut().expect("created").line(line)
    }

    fn id_map_line(&mut self, line: &[u8]) -> Result<()> {
        if self.id_map.is_none() {
            self.id_map = Some(AtomicFile::create(
                "id-map",
                &self.id_map_path,
                None,
                self.dry_run,
                self.in_place,
                self.in_place,
            )?);
        }
        self.id_map.as_mut().expect("created").line(line)
    }

    fn finish(self) -> Result<DoneUnit> {
        // With --out the input still holds everything a stale side file held, so it can go;
        // in place it is the only copy, so it stays.
        let mut stale = Vec::new();
        if self.rejected.is_none() && !self.in_place {
            stale.push(self.rejected_path);
        }
        if self.id_map.is_none() && !self.in_place {
            stale.push(self.id_map_path);
        }
        Ok(DoneUnit {
            output: Some(self.output.finish()?),
            rejected: self.rejected.map(AtomicFile::finish).transpose()?,
            id_map: self.id_map.map(AtomicFile::finish).transpose()?,
            stale,
            outputs_written: Vec::new(),
        })
    }
}

/// Where the second pass reads a file from.
enum Source<'a> {
    /// The input itself.
    Input,
    /// The copy of standard input made by the first pass.
    Spool(&'a mut File),
}

/// What happens to a line's `recordId`.
enum IdOut {
    /// No `recordId`, and none is added.
    Absent,
    /// The original member's bytes.
    Keep(usize, usize),
    /// A new id (validated: letters, digits and `-` only, so no escaping).
    New(String),
}

/// The second pass: reads lines, repairs, writes.
struct Fixer<'o> {
    opts: &'o FixOptions,
    ids: Option<ids::IdGenerator>,
    scanner: Scanner,
    /// Hashes of the ids written so far (the first use of an id keeps it).
    written_ids: HashSet<u128>,
    changes: Tallies,
    remaining: Tallies,
    rejected: Vec<RejectedLine>,
    inputs: Vec<InputSummary>,
    buf: Vec<u8>,
}

impl<'o> Fixer<'o> {
    fn new(opts: &'o FixOptions, ids: Option<ids::IdGenerator>) -> Self {
        Fixer {
            opts,
            ids,
            // Details of at most this many repeated keys per line: hostile lines with
            // hundreds of thousands of nested repeats must not cost gigabytes; the rest are
            // counted (the summary's L008 count), which is all `fix` needs of them.
            scanner: Scanner::with_limits(4096, 4096),
            written_ids: HashSet::new(),
            changes: Tallies::new(),
            remaining: Tallies::new(),
            rejected: Vec::new(),
            inputs: Vec::new(),
            buf: Vec::new(),
        }
    }

    fn file(
        &mut self,
        unit: &mut Unit,
        file: &InputFile,
        source: Source<'_>,
        progress: &dyn Progress,
    ) -> Result<()> {
        let path: PathBuf = match &file.source {
            SourceSpec::Path(p) => p.clone(),
            SourceSpec::Stdin => PathBuf::from("-"),
            SourceSpec::Remote(_) => PathBuf::from(&*file.display),
        };
        let shown: &str = &file.display;
        let mut stats = InputSummary::default();
        let mut pending = 0u64;
        let mut on_line = |fixer: &mut Self, raw: &[u8], terminated: bool| -> Result<()> {
            stats.bytes += raw.len() as u64 + u64::from(terminated);
            pending += raw.len() as u64 + 1;
            if pending >= 1 << 20 {
                progress.advance(pending);
                pending = 0;
            }
            stats.lines += 1;
            fixer.line(unit, shown, &mut stats, raw, terminated)
        };
        match source {
            Source::Spool(f) => each_line(BufReader::with_capacity(1 << 20, f), &path, |r, t| {
                on_line(self, r, t)
            })?,
            Source::Input => match input::open(&file.source, self.opts.mmap)? {
                Opened::Empty => {}
                Opened::Mapped(map) => {
                    let data: &[u8] = &map;
                    let mut start = 0;
                    while start < data.len() {
                        let (end, next, t) = match memchr::memchr(b'\n', &data[start..]) {
                            Some(i) => (start + i, start + i + 1, true),
                            None => (data.len(), data.len(), false),
                        };
                        on_line(self, &data[start..end], t)?;
                        start = next;
                    }
                }
                Opened::Stream(r) => {
                    each_line(BufReader::with_capacity(1 << 20, r), &path, |r, t| {
                        on_line(self, r, t)
                    })?
                }
            },
        }
        progress.advance(pending);
        stats.path = shown.to_string();
        self.inputs.push(stats);
        Ok(())
    }

    /// One physical line (without its `\n`).
    fn line(
        &mut self,
        unit: &mut Unit,
        path: &str,
        stats: &mut InputSummary,
        raw: &[u8],
        terminated: bool,
    ) -> Result<()> {
        let line_no = stats.lines;
        let mut text = raw;
        if line_no == 1 && text.starts_with(BOM) {
            self.changes.add(RuleCode::L005, 1, path, 1);
            text = &text[BOM.len()..];
        }
        if !terminated && text.is_empty() {
            // Only a BOM: the file has no line.
            stats.lines -= 1;
            return Ok(());
        }
        if !terminated {
            self.changes.add(RuleCode::L006, 1, path, line_no);
        }
        // The line as `validate` sees it: a `\r` before the `\n` belongs to the line end.
        let mut vline = text;
        if terminated && vline.ends_with(b"\r") {
            vline = &vline[..vline.len() - 1];
            self.changes.add(RuleCode::L004, 1, path, line_no);
        }
        if is_blank(vline) {
            self.changes.add(RuleCode::L003, 1, path, line_no);
            return Ok(());
        }
        stats.records += 1;
        // More `\r` at the end would become a CRLF once `\n` is added.
        let mut body = vline;
        while let [rest @ .., b'\r'] = body {
            body = rest;
        }
        let inner_bom = body.starts_with(BOM);
        if inner_bom {
            body = &body[BOM.len()..];
            if is_blank(body) {
                self.changes.add(RuleCode::L005, 1, path, line_no);
                self.changes.add(RuleCode::L003, 1, path, line_no);
                stats.records -= 1;
                return Ok(());
            }
        }
        let rejection = if let Err(e) = simdutf8::compat::from_utf8(body) {
            let at = e.valid_up_to();
            let bad: Vec<String> = body[at..]
                .iter()
                .take(e.error_len().unwrap_or(body.len() - at).min(4))
                .map(|b| format!("0x{b:02X}"))
                .collect();
            Some((
                RuleCode::L002,
                format!(
                    "bytes {} at column {} are not valid UTF-8",
                    bad.join(" "),
                    char_column(body, at)
                ),
            ))
        } else {
            match self.scanner.scan(body) {
                Scanned::Invalid(e) => Some((
                    RuleCode::L001,
                    format!("{} (column {})", e.message, char_column(body, e.offset)),
                )),
                Scanned::NotObject(kind) => Some((
                    RuleCode::L007,
                    format!("the line is {}, not a JSON object", kind.with_article()),
                )),
                Scanned::Object(env) => match env.model_input {
                    None => Some((RuleCode::R001, "record has no modelInput".to_string())),
                    Some(m) if m.kind != ValueKind::Object => Some((
                        RuleCode::R002,
                        format!("modelInput is {}, not an object", m.kind.with_article()),
                    )),
                    Some(m) => {
                        if inner_bom {
                            self.changes.add(RuleCode::L005, 1, path, line_no);
                        }
                        self.record(unit, path, stats, body, &env, m)?;
                        None
                    }
                },
            }
        };
        if let Some((code, message)) = rejection {
            stats.rejected += 1;
            unit.reject_line(vline)?;
            self.rejected.push(RejectedLine {
                path: path.to_string(),
                line: line_no,
                code: code.as_str(),
                name: code.name(),
                message,
            });
        }
        Ok(())
    }

    /// Writes a record whose `modelInput` (`mi`) is an object.
    fn record(
        &mut self,
        unit: &mut Unit,
        path: &str,
        stats: &mut InputSummary,
        line: &[u8],
        env: &Envelope,
        mi: Member,
    ) -> Result<()> {
        let line_no = stats.lines;
        let body = &line[mi.value_start..mi.value_end];
        let top_dups = env
            .duplicate_keys
            .iter()
            .filter(|d| d.pointer.rfind('/') == Some(0))
            .count() as u64;
        self.changes.add(RuleCode::L008, top_dups, path, line_no);

        // The id: kept, added, or replaced; `old` is the id's JSON text for the id map.
        let mut old: Option<&[u8]> = None;
        let mut reason = None;
        let id = match env.record_id {
            None => {
                if self.opts.add_record_ids {
                    reason = Some(RuleCode::R003);
                } else {
                    self.remaining.add(RuleCode::R003, 1, path, line_no);
                }
                IdOut::Absent
            }
            Some(m) => {
                let raw = &line[m.value_start..m.value_end];
                let text = (m.kind == ValueKind::String)
                    .then(|| decode_string_contents(&raw[1..raw.len() - 1], m.has_escapes));
                match text {
                    Some(t) if !t.is_empty() => {
                        let h = ids::id_hash(&t);
                        if self.written_ids.insert(h) {
                            IdOut::Keep(m.value_start, m.value_end)
                        } else if self.opts.dedupe_record_ids {
                            reason = Some(RuleCode::R006);
                            old = Some(raw);
                            IdOut::Keep(m.value_start, m.value_end)
                        } else {
                            self.remaining.add(RuleCode::R006, 1, path, line_no);
                            IdOut::Keep(m.value_start, m.value_end)
                        }
                    }
                    _ => {
                        if self.opts.add_record_ids {
                            reason = Some(RuleCode::R004);
                            old = Some(raw);
                        } else {
                            self.remaining.add(RuleCode::R004, 1, path, line_no);
                        }
                        IdOut::Keep(m.value_start, m.value_end)
                    }
                }
            }
        };
        let id = match reason {
            None => id,
            Some(code) => {
                let new = self
                    .ids
                    .as_mut()
                    .expect("ids are generated only with a generator")
                    .next(body);
                self.changes.add(code, 1, path, line_no);
                self.buf.clear();
                self.buf.extend_from_slice(b"{\"path\":");
                serde_json::to_writer(&mut self.buf, path).expect("a string serialises");
                write!(
                    self.buf,
                    ",\"line\":{line_no},\"output_line\":{},\"old\":",
                    unit.output.lines + 1
                )
                .expect("writing to a Vec");
                self.buf.extend_from_slice(old.unwrap_or(b"null"));
                write!(
                    self.buf,
                    ",\"new\":\"{new}\",\"reason\":\"{}\"}}",
                    code.name()
                )
                .expect("writing to a Vec");
                let entry = std::mem::take(&mut self.buf);
                unit.id_map_line(&entry)?;
                self.buf = entry;
                self.written_ids.insert(ids::id_hash(&new));
                IdOut::New(new)
            }
        };
        // Only ids the user chose are judged: the ones `fix` makes are plain by construction,
        // and flagging them would report `fix`'s own work back as a finding.
        let kept_id = match &id {
            IdOut::Absent | IdOut::New(_) => None,
            IdOut::Keep(s, e) => {
                let raw = &line[*s..*e];
                (raw.first() == Some(&b'"'))
                    .then(|| decode_string_contents(&raw[1..raw.len() - 1], true))
            }
        };
        if let Some(f) = kept_id.filter(|f| !f.is_empty()) {
            if crate::scan::record_id_oddity(&f).is_some() {
                self.remaining.add(RuleCode::R005, 1, path, line_no);
            }
        }

        let drop_unknown = self.opts.drop_unknown_keys && !env.unknown_keys.is_empty();
        if drop_unknown {
            self.changes
                .add(RuleCode::R007, env.unknown_keys.len() as u64, path, line_no);
        }
        let rebuild = matches!(id, IdOut::New(_)) || drop_unknown || top_dups > 0;
        let kept_unknown: Vec<usize> = if self.opts.drop_unknown_keys {
            Vec::new()
        } else {
            last_of_each_key(&env.unknown_keys)
        };
        self.remaining
            .add(RuleCode::R007, kept_unknown.len() as u64, path, line_no);
        if body.len() > MAX_MODEL_INPUT_BYTES {
            self.remaining.add(RuleCode::R008, 1, path, line_no);
        }
        let nested_dups = env
            .duplicate_keys
            .iter()
            .filter(|d| d.pointer.rfind('/') != Some(0))
            .filter(|d| {
                let top = d
                    .pointer
                    .get(1..)
                    .unwrap_or("")
                    .split('/')
                    .next()
                    .unwrap_or("");
                match top {
                    "modelInput" => true,
                    "recordId" => matches!(id, IdOut::Keep(..)),
                    _ => !self.opts.drop_unknown_keys,
                }
            })
            .count() as u64
            + env.duplicate_keys_unlisted;
        self.remaining
            .add(RuleCode::L008, nested_dups, path, line_no);

        if rebuild {
            self.buf.clear();
            self.buf.push(b'{');
            match &id {
                IdOut::Absent => {}
                IdOut::Keep(s, e) => {
                    self.buf.extend_from_slice(b"\"recordId\":");
                    self.buf.extend_from_slice(&line[*s..*e]);
                    self.buf.push(b',');
                }
                IdOut::New(new) => {
                    self.buf.extend_from_slice(b"\"recordId\":\"");
                    self.buf.extend_from_slice(new.as_bytes());
                    self.buf.extend_from_slice(b"\",");
                }
            }
            self.buf.extend_from_slice(b"\"modelInput\":");
            self.buf.extend_from_slice(body);
            for &k in &kept_unknown {
                let m = env.unknown_keys[k].0;
                self.buf.push(b',');
                self.buf.extend_from_slice(key_text(line, &m));
                self.buf.push(b':');
                self.buf
                    .extend_from_slice(&line[m.value_start..m.value_end]);
            }
            self.buf.push(b'}');
            let out = std::mem::take(&mut self.buf);
            unit.output.line(&out)?;
            self.buf = out;
        } else {
            unit.output.line(line)?;
        }
        stats.written += 1;
        Ok(())
    }

    /// Changes and rejections so far: equal before and after a file means it needed nothing.
    fn marker(&self) -> (u64, usize) {
        (self.changes.count.iter().sum(), self.rejected.len())
    }

    fn report(
        self,
        opts: &FixOptions,
        outputs: Vec<OutputSummary>,
        removed: Vec<String>,
        skipped: Vec<String>,
    ) -> FixReport {
        let changes = self.changes.into_list(change_note);
        let remaining = self.remaining.into_list(remaining_note);
        let summary = FixSummary {
            files: self.inputs.len() as u64,
            records: self.inputs.iter().map(|i| i.records).sum(),
            written: self.inputs.iter().map(|i| i.written).sum(),
            rejected: self.rejected.len() as u64,
            changes: changes.iter().map(|c| c.count).sum(),
            remaining: remaining.iter().map(|c| c.count).sum(),
        };
        FixReport {
            version: 1,
            tool: Tool {
                name: "bedrock-batch",
                version: env!("CARGO_PKG_VERSION"),
            },
            dry_run: opts.dry_run,
            id_format: opts.generates_ids().then_some(opts.id_format),
            summary,
            inputs: self.inputs,
            outputs,
            changes,
            rejected: self.rejected,
            remaining,
            removed,
            skipped,
            decompressed: Vec::new(),
        }
    }
}

/// Reads `\n`-terminated lines from a stream, calling `f(line without \n, terminated)`.
fn each_line(
    mut r: impl BufRead,
    path: &Path,
    mut f: impl FnMut(&[u8], bool) -> Result<()>,
) -> Result<()> {
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let n = r
            .read_until(b'\n', &mut buf)
            .map_err(|e| Error::io(path, e))?;
        if n == 0 {
            return Ok(());
        }
        match buf.split_last() {
            Some((b'\n', line)) => f(line, true)?,
            _ => f(&buf, false)?,
        }
    }
}

/// Blank as `validate` judges it (rule L003).
fn is_blank(line: &[u8]) -> bool {
    line.iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r' | 0x0B | 0x0C))
}

/// Indexes of the members to keep when a key is repeated: the last of each key, in order.
fn last_of_each_key(members: &[(Member, String)]) -> Vec<usize> {
    let mut last: HashMap<&str, usize> = HashMap::with_capacity(members.len());
    for (i, (_, k)) in members.iter().enumerate() {
        last.insert(k.as_str(), i);
    }
    (0..members.len())
        .filter(|&i| last[members[i].1.as_str()] == i)
        .collect()
}

/// The JSON text of a member's key (with its quotes), found back from its value: between
/// the key's closing quote and the value there is only whitespace and one `:`.
fn key_text<'l>(line: &'l [u8], m: &Member) -> &'l [u8] {
    let mut p = m.value_start;
    while p > m.key_start && line[p - 1] != b':' {
        p -= 1;
    }
    p -= 1;
    while p > m.key_start && line[p - 1] != b'"' {
        p -= 1;
    }
    &line[m.key_start..p]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(line: &[u8]) -> Envelope {
        match Scanner::new().scan(line) {
            Scanned::Object(env) => env,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn key_text_is_the_key_with_quotes_and_escapes_as_written() {
        let line = br#"{ "a\u0062" :	1 , "c":2}"#;
        let env = object(line);
        let keys: Vec<&[u8]> = env
            .unknown_keys
            .iter()
            .map(|(m, _)| key_text(line, m))
            .collect();
        assert_eq!(keys, [&br#""a\u0062""#[..], &br#""c""#[..]]);
    }

    #[test]
    fn the_last_of_each_repeated_key_is_kept_in_its_place() {
        let line = br#"{"x":1,"y":2,"x":3,"z":4,"y":5}"#;
        let env = object(line);
        let kept: Vec<&str> = last_of_each_key(&env.unknown_keys)
            .into_iter()
            .map(|i| env.unknown_keys[i].1.as_str())
            .collect();
        assert_eq!(kept, ["x", "z", "y"]);
    }

    #[test]
    fn side_files_do_not_repeat_the_jsonl_extension() {
        let out = Path::new("dir/fixed.jsonl");
        assert_eq!(
            side_path(out, "rejected", None),
            Path::new("dir/fixed.rejected.jsonl")
        );
        assert_eq!(
            side_path(Path::new("out.txt"), "id-map", None),
            Path::new("out.txt.id-map.jsonl")
        );
        assert_eq!(
            side_path(out, "id-map", Some(Path::new("logs"))),
            Path::new("logs/fixed.id-map.jsonl")
        );
    }

    #[test]
    fn blank_is_judged_as_validate_does() {
        assert!(is_blank(b""));
        assert!(is_blank(b" \t\r\x0B\x0C"));
        assert!(!is_blank(b" {}"));
    }
}
