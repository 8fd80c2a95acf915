//! The output folder of `shard`, written so that it is either complete and checked, or not
//! there at all.
//!
//! Everything goes into a staging folder beside `DIR` (same file system, so the final rename
//! is atomic): `.DIR.tmp-XXXXXX`. Each part is read back right after it is written (while it
//! is still in the page cache) and its records, bytes and an XXH3-128 of its bytes compared
//! with those of the bytes meant for it; the SHA-256 that goes into the manifest is computed
//! from the bytes read back, so it describes the file as it is on disk. Only then is the
//! staging folder renamed to `DIR`. With `--force` and an existing `DIR`, the old folder is
//! first renamed aside (`.DIR.old-XXXXXX`), the new one renamed in, and the old one removed;
//! if the second rename fails the old one is put back. On any error the staging folder is
//! removed when [`Staging`] is dropped.
//!
//! Not done: `fsync`. The rename makes the folder appear at once to other processes, but
//! after a power cut the files may be incomplete, as with any tool that does not sync (`split`
//! included); the manifest's checksums let `aws s3 cp`/`sha256sum -c` users check them.

use std::fs::{self, File};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};
use tempfile::TempDir;
use xxhash_rust::xxh3::Xxh3Default;

use super::{
    job_name, part_name, rel, under, ManifestFile, ManifestJob, RecordIndex, Rejected,
    RejectedFile, ShardError, ShardPlan,
};
use crate::input::{InputFile, SourceSpec};
use crate::validate::Progress;

/// The spool of streamed inputs, inside the staging folder (removed before the rename).
pub const SPOOL_NAME: &str = ".spool";
/// The quarantine file.
pub const REJECTED_NAME: &str = "rejected.jsonl";

/// Bytes handed to the kernel per `write` (and per `read` when checking), and between checks
/// of the cancel flag. Measured on the 1 GB benchmark file: writing a 100 MB run from the map
/// in 8 MiB calls cost 2.6-3.0 s of system time, in 128 KiB calls 0.7-0.8 s (as `dd bs=128K`
/// against `dd bs=100M`): each call's bytes are copied while they are still in the CPU's
/// caches.
pub const PIECE: usize = 128 << 10;

/// A staging folder that becomes the output folder on [`Staging::commit`], and is removed
/// if dropped before.
pub struct Staging {
    dir: Option<TempDir>,
    out: PathBuf,
    /// Test hook: damage each part between writing and reading it back.
    #[cfg(test)]
    corrupt_after_write: bool,
}

impl Staging {
    /// Checks `out` and creates the staging folder beside it. Refuses a non-empty `out`
    /// without `force`, and with `force` an `out` that holds one of the inputs.
    pub fn prepare(out: &Path, force: bool, inputs: &[InputFile]) -> Result<Staging, ShardError> {
        let bad = |message: &str| ShardError::BadOut {
            path: out.to_path_buf(),
            message: message.to_string(),
        };
        let name = out
            .file_name()
            .ok_or_else(|| bad("must name a folder (not `/`, `.` or `..`)"))?
            .to_string_lossy()
            .into_owned();
        let parent = parent_of(out);
        check_out(out, force, inputs)?;
        fs::create_dir_all(&parent).map_err(|e| ShardError::write(&parent, e))?;
        let dir = tempfile::Builder::new()
            .prefix(&format!(".{name}.tmp-"))
            .tempdir_in(&parent)
            .map_err(|e| ShardError::write(&parent, e))?;
        Ok(Staging {
            dir: Some(dir),
            out: out.to_path_buf(),
            #[cfg(test)]
            corrupt_after_write: false,
        })
    }

    /// The staging folder.
    pub fn path(&self) -> &Path {
        self.dir.as_ref().expect("not committed").path()
    }

    /// Writes every file of `plan` (files in parallel), reads each back and checks it, and
    /// returns the manifest's jobs. `data[s]` holds the bytes of segment `s` of `index`.
    pub fn write_parts(
        &mut self,
        plan: &ShardPlan,
        index: &RecordIndex,
        data: &[Source<'_>],
        threads: usize,
        progress: &dyn Progress,
        cancel: &AtomicBool,
    ) -> Result<Vec<ManifestJob>, ShardError> {
        let jobs = plan.jobs.len();
        let files = plan.jobs.iter().map(|j| j.files.len()).max().unwrap_or(0);
        let mut tasks = Vec::new();
        for (j, job) in plan.jobs.iter().enumerate() {
            let name = job_name(j, jobs);
            let dir = self.path().join(&name);
            fs::create_dir(&dir).map_err(|e| ShardError::write(&dir, e))?;
            for (f, range) in job.files.iter().enumerate() {
                tasks.push((j, rel(&[&name, &part_name(f, files)]), range.clone()));
            }
        }
        progress.start(Some(index.ends[index.ends.len() - 1]));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("bedrock-batch-write-{i}"))
            .build()
            .map_err(|e| ShardError::write(self.path(), std::io::Error::other(e)))?;
        let root = self.path().to_path_buf();
        #[cfg(test)]
        let corrupt = self.corrupt_after_write;
        let written: Vec<ManifestFile> = pool.install(|| {
            tasks
                .par_iter()
                .map(|(_, rel, range)| {
                    let path = under(&root, rel);
                    let meant = write_part(&path, range.clone(), index, data, progress, cancel)?;
                    #[cfg(test)]
                    if corrupt {
                        let mut bytes = fs::read(&path).expect("just written");
                        bytes[0] ^= 1;
                        fs::write(&path, bytes).expect("test file");
                    }
                    let found = read_back(&path)?;
                    if found.bytes != meant.bytes {
                        return Err(mismatch(&path, "bytes", meant.bytes, found.bytes));
                    }
                    if found.lines != range.len() as u64 {
                        return Err(mismatch(&path, "records", range.len() as u64, found.lines));
                    }
                    if found.xxh3 != meant.xxh3 || !found.ends_with_newline {
                        return Err(ShardError::Verify {
                            path,
                            what: "its bytes differ from the records meant for it".into(),
                        });
                    }
                    Ok(ManifestFile {
                        path: rel.clone(),
                        records: found.lines,
                        bytes: found.bytes,
                        sha256: found.sha256,
                        s3: None,
                    })
                })
                .collect::<Result<Vec<_>, ShardError>>()
        })?;
        progress.finish();
        let mut out: Vec<ManifestJob> = (0..jobs)
            .map(|j| ManifestJob {
                name: job_name(j, jobs),
                records: 0,
                bytes: 0,
                files: Vec::new(),
            })
            .collect();
        for ((j, _, _), file) in tasks.iter().zip(written) {
            let job = &mut out[*j];
            job.records += file.records;
            job.bytes += file.bytes;
            job.files.push(file);
        }
        Ok(out)
    }

    /// Reads the quarantine file back and checks its counts.
    pub(crate) fn check_rejected(&self, r: Rejected) -> Result<RejectedFile, ShardError> {
        let Rejected {
            path,
            writer,
            records,
            bytes,
        } = r;
        drop(
            writer
                .into_inner()
                .map_err(|e| ShardError::write(&path, e.into_error()))?,
        );
        let found = read_back(&path)?;
        if found.bytes != bytes {
            return Err(mismatch(&path, "bytes", bytes, found.bytes));
        }
        if found.lines != records {
            return Err(mismatch(&path, "records", records, found.lines));
        }
        Ok(RejectedFile {
            path: REJECTED_NAME.to_string(),
            records,
            bytes,
            sha256: found.sha256,
            s3: None,
        })
    }

    /// Writes `value` as pretty JSON to `rel` (a `/`-separated path) in the staging folder.
    pub fn write_json(&self, rel: &str, value: &impl Serialize) -> Result<(), ShardError> {
        let path = under(self.path(), rel);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| ShardError::write(dir, e))?;
        }
        let file = File::create_new(&path).map_err(|e| ShardError::write(&path, e))?;
        let mut w = BufWriter::new(file);
        serde_json::to_writer_pretty(&mut w, value)
            .map_err(std::io::Error::from)
            .and_then(|()| w.write_all(b"\n"))
            .and_then(|()| w.flush())
            .map_err(|e| ShardError::write(&path, e))
    }

    /// Removes the spool, if any.
    pub fn remove_spool(&self) -> Result<(), ShardError> {
        let path = self.path().join(SPOOL_NAME);
        match fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(ShardError::write(path, e)),
            _ => Ok(()),
        }
    }

    /// Renames the staging folder to the output folder (see the module documentation).
    pub fn commit(mut self, force: bool) -> Result<(), ShardError> {
        let dir = self.dir.take().expect("committed once");
        let out = self.out.clone();
        // The folder may have been filled while we worked.
        check_out(&out, force, &[])?;
        match fs::symlink_metadata(&out) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                fs::rename(dir.path(), &out).map_err(|e| ShardError::write(&out, e))?;
            }
            Err(e) => return Err(ShardError::write(&out, e)),
            Ok(_) => {
                let name = out.file_name().expect("checked").to_string_lossy();
                let holder = tempfile::Builder::new()
                    .prefix(&format!(".{name}.old-"))
                    .tempdir_in(parent_of(&out))
                    .map_err(|e| ShardError::write(&out, e))?;
                let aside = holder.path().join("old");
                fs::rename(&out, &aside).map_err(|e| ShardError::write(&out, e))?;
                if let Err(e) = fs::rename(dir.path(), &out) {
                    // Put the old folder back: never leave DIR missing.
                    let _ = fs::rename(&aside, &out);
                    return Err(ShardError::write(&out, e));
                }
                // Dropping the holder removes the old folder.
                drop(holder);
            }
        }
        // The staging folder is now the output folder: do not remove it.
        let _ = dir.keep();
        Ok(())
    }
}

/// The folder that holds `out`.
fn parent_of(out: &Path) -> PathBuf {
    match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Refuses an `out` that is a file, or is a non-empty folder without `force`, or with
/// `force` holds one of the inputs (replacing it would delete them).
fn check_out(out: &Path, force: bool, inputs: &[InputFile]) -> Result<(), ShardError> {
    let bad = |message: String| ShardError::BadOut {
        path: out.to_path_buf(),
        message,
    };
    let meta = match fs::metadata(out) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(ShardError::write(out, e)),
    };
    if !meta.is_dir() {
        return Err(bad("exists and is not a folder".into()));
    }
    let is_empty = fs::read_dir(out)
        .map_err(|e| ShardError::write(out, e))?
        .next()
        .is_none();
    if is_empty {
        return Ok(());
    }
    if !force {
        return Err(ShardError::OutNotEmpty(out.to_path_buf()));
    }
    let out_real = fs::canonicalize(out).map_err(|e| ShardError::write(out, e))?;
    for f in inputs {
        if let SourceSpec::Path(p) = &f.source {
            if fs::canonicalize(p).is_ok_and(|real| real.starts_with(&out_real)) {
                return Err(bad(format!(
                    "holds the input `{}`; --force would delete it (write somewhere else)",
                    f.display
                )));
            }
        }
    }
    Ok(())
}

fn mismatch(path: &Path, what: &str, meant: u64, found: u64) -> ShardError {
    ShardError::Verify {
        path: path.to_path_buf(),
        what: format!("{found} {what} read back, {meant} written"),
    }
}

/// The bytes records of one segment point into: a mapped input file, or the spool.
#[derive(Clone, Copy)]
pub struct Source<'a> {
    /// The bytes.
    pub bytes: &'a [u8],
    /// The map they live in, to fill its page tables before a long copy.
    pub map: Option<&'a memmap2::Mmap>,
}

impl Source<'_> {
    /// Fills the page tables of `a..b` in one call before it is copied: without it, the
    /// kernel's copy into the page cache takes a page fault every 4 KiB of the source, which
    /// costs about as much as the copy itself (Linux 5.14+; elsewhere a no-op).
    fn populate(&self, a: usize, b: usize) {
        #[cfg(target_os = "linux")]
        if let Some(map) = self.map {
            let offset = self.bytes.as_ptr() as usize - map.as_ptr() as usize + a;
            let _ = map.advise_range(memmap2::Advice::PopulateRead, offset, b - a);
        }
        #[cfg(not(target_os = "linux"))]
        let _ = (a, b);
    }
}

/// What was handed to the kernel for one part.
struct Meant {
    bytes: u64,
    xxh3: u128,
}

/// Buffers, hashes and counts the bytes of one part.
struct PartWriter<'a> {
    path: &'a Path,
    file: BufWriter<File>,
    hash: Xxh3Default,
    bytes: u64,
    progress: &'a dyn Progress,
    cancel: &'a AtomicBool,
}

impl PartWriter<'_> {
    fn put(&mut self, bytes: &[u8]) -> Result<(), ShardError> {
        // Runs go straight from the map to the kernel in pieces of PIECE bytes (BufWriter
        // passes writes as large as its buffer through); short writes (a CRLF line's text and
        // its `\n`) gather in the buffer.
        for piece in bytes.chunks(PIECE) {
            if piece.len() >= PIECE && self.cancel.load(Ordering::Relaxed) {
                return Err(ShardError::Interrupted);
            }
            self.file
                .write_all(piece)
                .map_err(|e| ShardError::write(self.path, e))?;
            self.hash.update(piece);
            self.bytes += piece.len() as u64;
            self.progress.advance(piece.len() as u64);
        }
        Ok(())
    }

    fn finish(self) -> Result<Meant, ShardError> {
        let file = self
            .file
            .into_inner()
            .map_err(|e| ShardError::write(self.path, e.into_error()))?;
        drop(file);
        Ok(Meant {
            bytes: self.bytes,
            xxh3: self.hash.digest128(),
        })
    }
}

/// Copies records `range` into a new file at `path`, each as its line's bytes without the
/// line end, then `\n`. Runs of records that are already `\n`-terminated and adjacent in the
/// source are written as one slice.
fn write_part(
    path: &Path,
    range: std::ops::Range<usize>,
    index: &RecordIndex,
    data: &[Source<'_>],
    progress: &dyn Progress,
    cancel: &AtomicBool,
) -> Result<Meant, ShardError> {
    if cancel.load(Ordering::Relaxed) {
        return Err(ShardError::Interrupted);
    }
    let file = File::create_new(path).map_err(|e| ShardError::write(path, e))?;
    let mut w = PartWriter {
        path,
        file: BufWriter::with_capacity(PIECE, file),
        hash: Xxh3Default::new(),
        bytes: 0,
        progress,
        cancel,
    };
    let mut seg = index.segment_of(range.start);
    // (segment, start, end) of the pending run of adjacent, `\n`-terminated lines.
    let mut run: Option<(usize, usize, usize)> = None;
    let flush = |w: &mut PartWriter<'_>, (s, a, b): (usize, usize, usize)| {
        data[s].populate(a, b);
        w.put(&data[s].bytes[a..b])
    };
    for i in range {
        while index.segments.get(seg + 1).is_some_and(|s| s.first <= i) {
            seg += 1;
        }
        let d = data[seg].bytes;
        let off = index.offsets[i] as usize;
        let size = (index.ends[i + 1] - index.ends[i]) as usize;
        if off + size <= d.len() && d[off + size - 1] == b'\n' {
            match &mut run {
                Some((s, _, end)) if *s == seg && *end == off => *end += size,
                _ => {
                    if let Some(r) = run.take() {
                        flush(&mut w, r)?;
                    }
                    run = Some((seg, off, off + size));
                }
            }
        } else {
            // A CRLF line, or an unterminated last line: its text, then `\n`.
            if let Some(r) = run.take() {
                flush(&mut w, r)?;
            }
            w.put(&d[off..off + size - 1])?;
            w.put(b"\n")?;
        }
    }
    if let Some(r) = run.take() {
        flush(&mut w, r)?;
    }
    w.finish()
}

/// What a file holds, read back from disk.
struct Found {
    bytes: u64,
    lines: u64,
    ends_with_newline: bool,
    xxh3: u128,
    sha256: String,
}

fn read_back(path: &Path) -> Result<Found, ShardError> {
    let read_err = |e| ShardError::Verify {
        path: path.to_path_buf(),
        what: format!("cannot read it back: {e}"),
    };
    let mut file = File::open(path).map_err(read_err)?;
    let mut buf = vec![0u8; PIECE];
    let mut sha = Sha256::new();
    let mut xxh = Xxh3Default::new();
    let (mut bytes, mut lines, mut last) = (0u64, 0u64, b'\n');
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(read_err(e)),
        };
        let block = &buf[..n];
        sha.update(block);
        xxh.update(block);
        lines += memchr::memchr_iter(b'\n', block).count() as u64;
        bytes += n as u64;
        last = block[n - 1];
    }
    let digest = sha.finalize();
    let mut sha256 = String::with_capacity(64);
    for b in digest.iter() {
        sha256.push_str(&format!("{b:02x}"));
    }
    Ok(Found {
        bytes,
        lines,
        ends_with_newline: last == b'\n',
        xxh3: xxh.digest128(),
        sha256,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shard::plan::JobPlan;
    use crate::shard::Segment;
    use crate::validate::NoProgress;

    /// Two records `{}` and `[]`, in one job of one file.
    fn fixture() -> (ShardPlan, RecordIndex, Vec<u8>) {
        let data = b"{}\n[]\n".to_vec();
        let index = RecordIndex {
            ends: vec![0, 3, 6],
            offsets: vec![0, 3],
            segments: vec![Segment { first: 0, file: 0 }],
        };
        let plan = ShardPlan {
            jobs: vec![JobPlan {
                records: 0..2,
                files: std::iter::once(0..2).collect(),
            }],
        };
        (plan, index, data)
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_part_that_does_not_read_back_as_written_leaves_nothing() {
        let parent = tempfile::tempdir().unwrap();
        let out = parent.path().join("out");
        let (plan, index, data) = fixture();
        let source = [Source {
            bytes: &data,
            map: None,
        }];
        let mut staging = Staging::prepare(&out, false, &[]).unwrap();
        staging.corrupt_after_write = true;
        let e = staging
            .write_parts(
                &plan,
                &index,
                &source,
                1,
                &NoProgress,
                &AtomicBool::new(false),
            )
            .unwrap_err();
        assert!(matches!(e, ShardError::Verify { .. }), "{e}");
        assert!(
            e.to_string().contains("did not read back as written"),
            "{e}"
        );
        drop(staging);
        assert!(
            entries(parent.path()).is_empty(),
            "{:?}",
            entries(parent.path())
        );
    }

    #[test]
    fn a_clean_write_commits_and_a_filled_out_is_not_replaced_without_force() {
        let parent = tempfile::tempdir().unwrap();
        let out = parent.path().join("out");
        let (plan, index, data) = fixture();
        let source = [Source {
            bytes: &data,
            map: None,
        }];
        let mut staging = Staging::prepare(&out, false, &[]).unwrap();
        let jobs = staging
            .write_parts(
                &plan,
                &index,
                &source,
                1,
                &NoProgress,
                &AtomicBool::new(false),
            )
            .unwrap();
        assert_eq!(jobs[0].files[0].records, 2);
        assert_eq!(jobs[0].files[0].bytes, 6);
        // Someone fills the output folder while we work: the commit refuses and cleans up.
        fs::create_dir(&out).unwrap();
        fs::write(out.join("theirs.txt"), "x").unwrap();
        let e = staging.commit(false).unwrap_err();
        assert!(matches!(e, ShardError::OutNotEmpty(_)), "{e}");
        assert_eq!(entries(parent.path()), vec!["out"]);
        assert_eq!(entries(&out), vec!["theirs.txt"]);
        // With --force it is replaced, and nothing is left beside it.
        let mut staging = Staging::prepare(&out, true, &[]).unwrap();
        staging
            .write_parts(
                &plan,
                &index,
                &source,
                1,
                &NoProgress,
                &AtomicBool::new(false),
            )
            .unwrap();
        staging.commit(true).unwrap();
        assert_eq!(entries(parent.path()), vec!["out"]);
        assert_eq!(entries(&out), vec!["job-001"]);
        assert_eq!(fs::read(out.join("job-001/part-0001.jsonl")).unwrap(), data);
    }

    #[test]
    fn a_cancel_stops_the_copy() {
        let parent = tempfile::tempdir().unwrap();
        let out = parent.path().join("out");
        let (plan, index, data) = fixture();
        let source = [Source {
            bytes: &data,
            map: None,
        }];
        let mut staging = Staging::prepare(&out, false, &[]).unwrap();
        let e = staging
            .write_parts(
                &plan,
                &index,
                &source,
                1,
                &NoProgress,
                &AtomicBool::new(true),
            )
            .unwrap_err();
        assert!(matches!(e, ShardError::Interrupted));
        drop(staging);
        assert!(entries(parent.path()).is_empty());
    }
}
