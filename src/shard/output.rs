//! The output folder of `shard`, written so that it is either complete and checked, or not
//! there at all.
//!
//! Everything goes into a staging folder beside `DIR` (same file system, so the final rename
//! is atomic): `.DIR.tmp-XXXXXX`. Each part is written in one pass: runs of records whose
//! bytes do not change are copied by the kernel (`copy_file_range` on Linux, through
//! [`std::io::copy`]; a plain read and write where the kernel cannot), and the SHA-256 and
//! CRC64NVME that go into the manifest are computed from the same source bytes as they are
//! copied, so the file is never read a second time. Once written, its size on disk is compared
//! with the bytes meant for it. Only then is the staging folder renamed to `DIR`. With `--force` and an existing `DIR`, the old folder is
//! first renamed aside (`.DIR.old-XXXXXX`), the new one renamed in, and the old one removed;
//! if the second rename fails the old one is put back. On any error the staging folder is
//! removed when [`Staging`] is dropped.
//!
//! Not done: `fsync`. The rename makes the folder appear at once to other processes, but
//! after a power cut the files may be incomplete, as with any tool that does not sync (`split`
//! included); the manifest's checksums let users check them: `sha256sum -c` locally, and the
//! CRC64NVME against what S3 reports after upload (S3 computes that checksum by default,
//! also for multipart uploads), which is also the check that catches a file changed on disk
//! after it was written.

use std::fs::{self, File};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use crc_fast::CrcAlgorithm;
use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

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
                        bytes.pop();
                        fs::write(&path, bytes).expect("test file");
                    }
                    // The checksums describe the bytes handed to the kernel; the size on disk
                    // says they all arrived.
                    let on_disk = fs::metadata(&path)
                        .map_err(|e| ShardError::Verify {
                            path: path.clone(),
                            what: format!("cannot read its size: {e}"),
                        })?
                        .len();
                    if on_disk != meant.bytes {
                        return Err(mismatch(&path, "bytes", meant.bytes, on_disk));
                    }
                    Ok(ManifestFile {
                        path: rel.clone(),
                        records: range.len() as u64,
                        bytes: meant.bytes,
                        sha256: meant.sums.sha256_hex(),
                        crc64nvme: meant.sums.crc64nvme_base64(),
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
            sha256: found.sums.sha256_hex(),
            crc64nvme: found.sums.crc64nvme_base64(),
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
        what: format!("{found} {what} on disk, {meant} written"),
    }
}

/// The file records of one segment point into: a mapped input file, or the spool.
#[derive(Clone, Copy)]
pub struct Source<'a> {
    /// The file, opened again by each part that copies from it.
    pub path: &'a Path,
    /// Its bytes, when mapped: hashed from here. `None` is the spool, which is never mapped
    /// (so `--no-mmap` keeps memory small) and holds only `\n`-terminated lines; its bytes are
    /// read in pieces to be hashed.
    pub map: Option<&'a memmap2::Mmap>,
}

impl Source<'_> {
    /// Fills the page tables of `a..b` in one call before it is hashed: without it, reading
    /// the map takes a page fault every 4 KiB, which costs about as much as the hashing
    /// itself (Linux 5.14+; elsewhere a no-op).
    fn populate(&self, a: usize, b: usize) {
        #[cfg(target_os = "linux")]
        if let Some(map) = self.map {
            let _ = map.advise_range(memmap2::Advice::PopulateRead, a, b - a);
        }
        #[cfg(not(target_os = "linux"))]
        let _ = (a, b);
    }
}

/// The checksums of one file, fed in order.
struct Sums {
    sha256: Sha256,
    crc64: crc_fast::Digest,
}

impl Sums {
    fn new() -> Sums {
        Sums {
            sha256: Sha256::new(),
            crc64: crc_fast::Digest::new(CrcAlgorithm::Crc64Nvme),
        }
    }

    fn update(&mut self, bytes: &[u8]) {
        self.sha256.update(bytes);
        self.crc64.update(bytes);
    }

    fn sha256_hex(&self) -> String {
        let digest = self.sha256.clone().finalize();
        let mut hex = String::with_capacity(64);
        for b in digest.iter() {
            hex.push_str(&format!("{b:02x}"));
        }
        hex
    }

    fn crc64nvme_base64(&self) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(self.crc64.finalize().to_be_bytes())
    }
}

/// What was handed to the kernel for one part.
struct Meant {
    bytes: u64,
    sums: Sums,
}

/// Copies, hashes and counts the bytes of one part.
struct PartWriter<'a> {
    path: &'a Path,
    file: File,
    /// Short writes (a CRLF line's text and its `\n`) gather here until the next copy.
    pending: Vec<u8>,
    /// The source files, opened on first use (one handle per part: each has its own offset).
    opened: Vec<Option<File>>,
    /// Where source bytes are read to be hashed when the source is not mapped.
    buf: Vec<u8>,
    sums: Sums,
    bytes: u64,
    progress: &'a dyn Progress,
    cancel: &'a AtomicBool,
}

impl PartWriter<'_> {
    /// Appends `bytes` (not from a source file as they are).
    fn put(&mut self, bytes: &[u8]) -> Result<(), ShardError> {
        self.sums.update(bytes);
        self.bytes += bytes.len() as u64;
        self.progress.advance(bytes.len() as u64);
        self.pending.extend_from_slice(bytes);
        if self.pending.len() >= PIECE {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), ShardError> {
        if !self.pending.is_empty() {
            self.file
                .write_all(&self.pending)
                .map_err(|e| ShardError::write(self.path, e))?;
            self.pending.clear();
        }
        Ok(())
    }

    /// Appends bytes `a..b` of `source` as they are: hashed, then copied by the kernel, a
    /// piece at a time (the piece is still in the CPU's caches when the kernel copies it).
    fn copy(
        &mut self,
        s: usize,
        source: &Source<'_>,
        a: usize,
        b: usize,
    ) -> Result<(), ShardError> {
        self.flush()?;
        let read_err = |e: std::io::Error| ShardError::Verify {
            path: source.path.to_path_buf(),
            what: format!("cannot read it again to copy it: {e}"),
        };
        if self.opened[s].is_none() {
            self.opened[s] = Some(File::open(source.path).map_err(read_err)?);
        }
        let from = self.opened[s].as_mut().expect("opened above");
        from.seek(SeekFrom::Start(a as u64)).map_err(read_err)?;
        source.populate(a, b);
        let mut at = a;
        while at < b {
            if self.cancel.load(Ordering::Relaxed) {
                return Err(ShardError::Interrupted);
            }
            let n = PIECE.min(b - at);
            match source.map {
                Some(map) => self.sums.update(&map[at..at + n]),
                None => {
                    let piece = &mut self.buf[..n];
                    from.read_exact_at(piece, at as u64).map_err(read_err)?;
                    self.sums.update(piece);
                }
            }
            // `io::copy` between two files is `copy_file_range` on Linux (std falls back to
            // `sendfile`, `splice` or read/write where the kernel refuses it).
            let copied = std::io::copy(&mut Read::by_ref(from).take(n as u64), &mut self.file)
                .map_err(|e| ShardError::write(self.path, e))?;
            if copied != n as u64 {
                return Err(read_err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!("{copied} of {n} bytes at offset {at}: the file is shorter than when it was checked"),
                )));
            }
            self.bytes += copied;
            self.progress.advance(copied);
            at += n;
        }
        Ok(())
    }

    fn finish(mut self) -> Result<Meant, ShardError> {
        self.flush()?;
        Ok(Meant {
            bytes: self.bytes,
            sums: self.sums,
        })
    }
}

/// Copies records `range` into a new file at `path`, each as its line's bytes without the
/// line end, then `\n`. Runs of records that are already `\n`-terminated and adjacent in the
/// source are copied as one range.
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
        file,
        pending: Vec::new(),
        opened: (0..data.len()).map(|_| None).collect(),
        buf: vec![0; PIECE],
        sums: Sums::new(),
        bytes: 0,
        progress,
        cancel,
    };
    let mut seg = index.segment_of(range.start);
    // (segment, start, end) of the pending run of adjacent, `\n`-terminated lines.
    let mut run: Option<(usize, usize, usize)> = None;
    let flush =
        |w: &mut PartWriter<'_>, (s, a, b): (usize, usize, usize)| w.copy(s, &data[s], a, b);
    for i in range {
        while index.segments.get(seg + 1).is_some_and(|s| s.first <= i) {
            seg += 1;
        }
        let off = index.offsets[i] as usize;
        let size = (index.ends[i + 1] - index.ends[i]) as usize;
        // An unterminated last line ends one byte short of `size` (its `\n` is added).
        let line = data[seg].map.map(|m| &m[off..(off + size).min(m.len())]);
        if line.is_none_or(|l| l.len() == size && l.ends_with(b"\n")) {
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
            let line = line.expect("only mapped inputs hold other line ends");
            w.put(&line[..size - 1])?;
            w.put(b"\n")?;
        }
    }
    if let Some(r) = run.take() {
        flush(&mut w, r)?;
    }
    w.finish()
}

/// What a file holds, read back from disk (the quarantine file only: its lines are written as
/// the scan finds them, so they are checked once it is over).
struct Found {
    bytes: u64,
    lines: u64,
    sums: Sums,
}

fn read_back(path: &Path) -> Result<Found, ShardError> {
    let read_err = |e| ShardError::Verify {
        path: path.to_path_buf(),
        what: format!("cannot read it back: {e}"),
    };
    let mut file = File::open(path).map_err(read_err)?;
    let mut buf = vec![0u8; PIECE];
    let mut sums = Sums::new();
    let (mut bytes, mut lines) = (0u64, 0u64);
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(read_err(e)),
        };
        let block = &buf[..n];
        sums.update(block);
        lines += memchr::memchr_iter(b'\n', block).count() as u64;
        bytes += n as u64;
    }
    Ok(Found { bytes, lines, sums })
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

    /// `data` as a spool would hold it, in a file in `dir`.
    fn spooled(dir: &Path, data: &[u8]) -> PathBuf {
        let path = dir.join(".spool");
        fs::write(&path, data).unwrap();
        path
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
        let src = tempfile::tempdir().unwrap();
        let out = parent.path().join("out");
        let (plan, index, data) = fixture();
        let source = [Source {
            path: &spooled(src.path(), &data),
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
        assert!(e.to_string().contains("5 bytes on disk, 6 written"), "{e}");
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
        let src = tempfile::tempdir().unwrap();
        let out = parent.path().join("out");
        let (plan, index, data) = fixture();
        let source = [Source {
            path: &spooled(src.path(), &data),
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
    fn crc64nvme_is_the_catalogue_check_value_in_s3s_spelling() {
        // CRC-64/NVME of "123456789" is 0xAE8B14860A799888 (the CRC catalogue's check
        // value); S3 prints it as base64 of the big-endian bytes.
        let mut sums = Sums::new();
        sums.update(b"1234");
        sums.update(b"56789");
        assert_eq!(sums.crc64.finalize(), 0xAE8B_1486_0A79_9888);
        assert_eq!(sums.crc64nvme_base64(), "rosUhgp5mIg=");
        assert_eq!(
            sums.sha256_hex(),
            "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225"
        );
    }

    #[test]
    fn a_cancel_stops_the_copy() {
        let parent = tempfile::tempdir().unwrap();
        let src = tempfile::tempdir().unwrap();
        let out = parent.path().join("out");
        let (plan, index, data) = fixture();
        let source = [Source {
            path: &spooled(src.path(), &data),
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
