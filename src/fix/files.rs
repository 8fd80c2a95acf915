//! The files `fix` writes (output, rejected lines, id map): each to a temporary file beside its
//! destination, persisted only after the re-check; counted only in a dry run.

use super::*;
use crate::error::{Error, Result};
use std::fs::File;
use std::io::{BufWriter, Seek, Write};
use std::path::{Path, PathBuf};
use tempfile::{NamedTempFile, TempPath};

/// A file written atomically: a temporary file beside the destination, renamed over it
/// only after [`AtomicFile::finish`] and the caller's checks. In a dry run nothing is
/// created and only lines and bytes are counted.
pub(super) struct AtomicFile {
    pub(super) kind: &'static str,
    pub(super) dest: PathBuf,
    pub(super) tmp: Option<BufWriter<NamedTempFile>>,
    /// Sync the data to disk before the rename (the destination replaces an original).
    pub(super) sync: bool,
    pub(super) lines: u64,
    pub(super) bytes: u64,
}

impl AtomicFile {
    /// Starts writing `dest`. The file gets the permissions of `like` when it exists
    /// (the original, for `--in-place`; an output being replaced), else the usual ones for
    /// a new file. With `keep_existing`, what `dest` already holds is copied first, so new
    /// lines are appended (still atomically). With `sync`, the data is synced to disk before
    /// the rename.
    pub(super) fn create(
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
    pub(super) fn line(&mut self, line: &[u8]) -> Result<()> {
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
    pub(super) fn finish(self) -> Result<Finished> {
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
pub(super) struct Finished {
    pub(super) summary: OutputSummary,
    pub(super) dest: PathBuf,
    pub(super) tmp: Option<TempPath>,
}

impl Finished {
    pub(super) fn persist(self) -> Result<()> {
        if let Some(tmp) = self.tmp {
            tmp.persist(&self.dest)
                .map_err(|e| Error::write(&self.dest, e.error))?;
            sync_parent(&self.dest);
        }
        Ok(())
    }
}
