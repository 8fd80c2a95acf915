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
//! use bedrock_batch::commands::fix::{fix, FixOptions, Target};
//! use bedrock_batch::NoProgress;
//!
//! let mut opts = FixOptions::new(Target::Out("fixed.jsonl".into()));
//! opts.add_record_ids = true;
//! let report = fix(&["export.jsonl".into()], &opts, &NoProgress)?;
//! for r in &report.rejected {
//!     eprintln!("{}:{}: {} {}", r.path, r.line, r.code, r.message);
//! }
//! # Ok::<(), bedrock_batch::Error>(())
//! ```

mod files;
pub mod ids;
mod remote_out;
mod report;
mod rewrite;
pub mod text;

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufWriter, Seek, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::input::{self, InputFile, SourceSpec};
use crate::rules::RuleCode;
use crate::validate::{
    JobRun, JobSetup, NoProgress, Progress, ValidateOptions, DEFAULT_CHUNK_SIZE,
};

pub use ids::IdFormat;
pub use report::{
    FixReport, FixSummary, InputSummary, Location, OutputSummary, RejectedLine, Tally,
};

use crate::atomic::{file_id, sync_parent, temp_beside, FileId};
use files::{AtomicFile, Finished};
use report::Tallies;
use rewrite::{DoneUnit, Fixer, Source, Unit};

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
