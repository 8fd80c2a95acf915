//! `--retry` and `--joined`: files written in input order from bytes read back by offset.
//!
//! Both are written to a temporary file beside the destination (a hidden name that does not
//! end in `.jsonl`, so a folder scan or an `aws s3 sync` never takes a half-written file for
//! input) and renamed over it only when complete; a destination that is one of the job's
//! inputs or outputs is refused before anything is read.
//!
//! The retry file holds each chosen record's input line byte for byte, its line end as it
//! was (`\n` or `\r\n`). Two things are not copied, because they are not part of a line: a
//! file's UTF-8 byte-order mark, and nothing is added except a `\n` after a last input line
//! that had none (so the next record starts a line of its own, and the file is valid JSONL).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use memmap2::Mmap;
use tempfile::NamedTempFile;

use crate::atomic::{file_id, temp_beside, FileId};
use crate::error::{Error, Result};
use crate::input::{self, InputFile, Opened, SourceSpec};
use crate::json::{Scanned, Scanner};

use super::folder::{display, OutputFolder};
use super::join::{Joiner, Status};
use super::shapes;
use super::summary::Written;
use super::ResultsOptions;

/// Refuses a `--retry` or `--joined` destination that would overwrite one of the job's
/// files, a folder, or the other destination.
pub fn check_destinations(
    opts: &ResultsOptions,
    inputs: &[InputFile],
    folder: &OutputFolder,
) -> Result<()> {
    let mut protected: Vec<(FileId, String)> = Vec::new();
    let paths = inputs
        .iter()
        .filter_map(|f| match &f.source {
            SourceSpec::Path(p) => Some((p.clone(), "an input of the job")),
            SourceSpec::Stdin | SourceSpec::Remote(_) => None,
        })
        .chain(
            folder
                .files
                .iter()
                .map(|f| (f.path.clone(), "an output file of the job")),
        )
        .chain(
            folder
                .manifest
                .iter()
                .map(|p| (p.clone(), "the job's manifest")),
        );
    for (path, what) in paths {
        if let Some(id) = file_id(&path) {
            protected.push((id, what.to_string()));
        }
    }
    let dests = [("--retry", &opts.retry), ("--joined", &opts.joined)];
    for (flag, dest) in dests {
        let Some(dest) = dest else { continue };
        if dest.is_dir() {
            return Err(Error::Config(format!(
                "{flag} `{}` is a folder; give a file name such as retry.jsonl",
                dest.display()
            )));
        }
        if let Some(id) = file_id(dest) {
            if let Some((_, what)) = protected.iter().find(|(p, _)| *p == id) {
                return Err(Error::Config(format!(
                    "{flag} `{}` is {what}; refusing to overwrite it (choose another file)",
                    dest.display()
                )));
            }
        }
    }
    if let (Some(a), Some(b)) = (&opts.retry, &opts.joined) {
        let same = a == b || matches!((file_id(a), file_id(b)), (Some(x), Some(y)) if x == y);
        if same {
            return Err(Error::Config(format!(
                "--retry and --joined both name `{}`; give them different files",
                a.display()
            )));
        }
    }
    Ok(())
}

/// Bytes of a file read back by offset: mapped, or read with positioned reads.
enum Access {
    Map(Arc<Mmap>, PathBuf),
    File(File, PathBuf),
    Empty(PathBuf),
}

impl Access {
    fn open(path: &Path, mmap: bool) -> Result<Access> {
        Ok(
            match input::open(&SourceSpec::Path(path.to_path_buf()), mmap)? {
                Opened::Mapped(map) => Access::Map(map, path.to_path_buf()),
                Opened::Empty => Access::Empty(path.to_path_buf()),
                Opened::Stream(_) => Access::File(
                    File::open(path).map_err(|e| Error::io(path, e))?,
                    path.to_path_buf(),
                ),
            },
        )
    }

    /// `len` bytes at `offset`; `buf` holds them when they are read rather than mapped.
    fn read<'a>(&'a self, offset: u64, len: u64, buf: &'a mut Vec<u8>) -> Result<&'a [u8]> {
        let changed = |path: &Path| {
            Error::Config(format!(
                "`{}` changed while it was read (give --no-mmap for files still being written)",
                display(path)
            ))
        };
        match self {
            Access::Map(map, path) => {
                let (start, end) = (offset as usize, (offset + len) as usize);
                map.get(start..end).ok_or_else(|| changed(path))
            }
            Access::File(file, path) => {
                buf.clear();
                buf.resize(len as usize, 0);
                read_exact_at(file, buf, offset).map_err(|e| match e.kind() {
                    std::io::ErrorKind::UnexpectedEof => changed(path),
                    _ => Error::io(path, e),
                })?;
                Ok(buf)
            }
            Access::Empty(path) => Err(changed(path)),
        }
    }
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(not(unix))]
fn read_exact_at(mut file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buf)
}

/// Every input file, ready to be read back (spooled ones from their spool).
fn input_access(joiner: &Joiner, opts: &ResultsOptions) -> Result<Vec<Access>> {
    let index = &joiner.index;
    index
        .files
        .iter()
        .zip(&index.spools)
        .map(|(f, spool)| match (spool, &f.source) {
            (Some(file), _) => Ok(Access::File(
                file.try_clone()
                    .map_err(|e| Error::io(std::env::temp_dir(), e))?,
                PathBuf::from(f.display.as_ref()),
            )),
            (None, SourceSpec::Path(p)) if !f.is_stray => Access::open(p, opts.mmap),
            _ => Ok(Access::Empty(PathBuf::from(f.display.as_ref()))),
        })
        .collect()
}

/// A file written beside its destination and renamed over it when complete.
struct AtomicOut {
    dest: PathBuf,
    w: BufWriter<NamedTempFile>,
    records: u64,
    bytes: u64,
}

impl AtomicOut {
    fn create(dest: &Path) -> Result<AtomicOut> {
        let tmp = temp_beside(dest, None).map_err(|e| Error::write(dest, e))?;
        Ok(AtomicOut {
            dest: dest.to_path_buf(),
            w: BufWriter::with_capacity(1 << 20, tmp),
            records: 0,
            bytes: 0,
        })
    }

    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.bytes += bytes.len() as u64;
        self.w
            .write_all(bytes)
            .map_err(|e| Error::write(&self.dest, e))
    }

    fn commit(self, selection: Option<String>) -> Result<Written> {
        let tmp = self
            .w
            .into_inner()
            .map_err(|e| Error::write(&self.dest, e.into_error()))?;
        tmp.as_file()
            .sync_all()
            .map_err(|e| Error::write(&self.dest, e))?;
        tmp.persist(&self.dest)
            .map_err(|e| Error::write(&self.dest, e.error))?;
        Ok(Written {
            path: display(&self.dest),
            records: self.records,
            bytes: self.bytes,
            selection,
        })
    }
}

/// Writes the input lines of the failed and missing records `--retry-only` selects, in
/// input order.
pub fn write_retry(path: &Path, opts: &ResultsOptions, joiner: &Joiner) -> Result<Written> {
    let access = input_access(joiner, opts)?;
    let mut out = AtomicOut::create(path)?;
    let mut buf = Vec::new();
    let sel = &opts.retry_only;
    for r in &joiner.index.records {
        let take = match r.status {
            Status::Succeeded => false,
            Status::Missing => sel.missing,
            Status::Failed => joiner
                .codes
                .get(usize::from(r.code))
                .is_some_and(|code| sel.takes_failed(code)),
        };
        if !take {
            continue;
        }
        let line = access[r.file as usize].read(r.offset, r.len, &mut buf)?;
        out.write(line)?;
        if !line.ends_with(b"\n") {
            out.write(b"\n")?;
        }
        out.records += 1;
    }
    out.commit(Some(sel.describe()))
}

/// Writes one JSON line per joinable input record, in input order: `recordId`, `status`,
/// the plain fields of known output shapes, then `modelOutput` or `error` as the output had
/// them.
pub fn write_joined(
    path: &Path,
    opts: &ResultsOptions,
    folder: &OutputFolder,
    joiner: &Joiner,
) -> Result<Written> {
    let inputs = input_access(joiner, opts)?;
    let outputs: Vec<Access> = folder
        .files
        .iter()
        .map(|f| Access::open(&f.path, opts.mmap))
        .collect::<Result<_>>()?;
    let family = opts
        .model_id
        .as_deref()
        .and_then(|id| crate::models::Catalog::embedded().resolve(id).family());
    let places = joiner.places.as_deref().unwrap_or_default();
    let mut out = AtomicOut::create(path)?;
    let (mut in_buf, mut out_buf, mut line) = (Vec::new(), Vec::new(), Vec::new());
    let mut scanner = Scanner::new();
    for (i, r) in joiner.index.records.iter().enumerate() {
        line.clear();
        let id = inputs[r.file as usize].read(
            r.offset + u64::from(r.id_offset),
            u64::from(r.id_len),
            &mut in_buf,
        )?;
        line.extend_from_slice(b"{\"recordId\":");
        line.extend_from_slice(id);
        line.extend_from_slice(b",\"status\":\"");
        line.extend_from_slice(r.status.as_str().as_bytes());
        line.push(b'"');
        if r.status != Status::Missing {
            let place = places.get(i).copied().unwrap_or_default();
            let text = outputs[place.file as usize].read(place.offset, place.len, &mut out_buf)?;
            if let Scanned::Object(env) = scanner.scan(text) {
                let name = if r.status == Status::Succeeded {
                    "modelOutput"
                } else {
                    "error"
                };
                if let Some((m, _)) = env.unknown_keys.iter().rev().find(|(_, k)| k == name) {
                    let value = &text[m.value_start..m.value_end];
                    if r.status == Status::Succeeded {
                        plain_fields(&mut line, value, family);
                    } else {
                        error_fields(&mut line, value);
                    }
                    line.extend_from_slice(b",\"");
                    line.extend_from_slice(name.as_bytes());
                    line.extend_from_slice(b"\":");
                    line.extend_from_slice(value);
                }
            }
        }
        line.extend_from_slice(b"}\n");
        out.write(&line)?;
        out.records += 1;
    }
    out.commit(None)
}

/// `,"outputText":...,"inputTokens":...` for a known output shape.
fn plain_fields(line: &mut Vec<u8>, model_output: &[u8], family: Option<&str>) {
    let Some(p) = shapes::plain(model_output, family) else {
        return;
    };
    let mut field = |name: &str, value: serde_json::Value| {
        line.extend_from_slice(b",\"");
        line.extend_from_slice(name.as_bytes());
        line.extend_from_slice(b"\":");
        // Serialising a `Value` into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *line, &value);
    };
    if let Some(t) = p.text {
        field("outputText", t.into());
    }
    if let Some(e) = p.embedding {
        field("embedding", e);
    }
    if let Some(n) = p.input_tokens {
        field("inputTokens", n.into());
    }
    if let Some(n) = p.output_tokens {
        field("outputTokens", n.into());
    }
    if let Some(s) = p.stop_reason {
        field("stopReason", s.into());
    }
}

/// `,"errorCode":400,"errorMessage":"..."` from an `error` object.
fn error_fields(line: &mut Vec<u8>, error: &[u8]) {
    let Ok(serde_json::Value::Object(e)) = serde_json::from_slice(error) else {
        return;
    };
    for name in ["errorCode", "errorMessage"] {
        if let Some(v) = e.get(name) {
            line.extend_from_slice(b",\"");
            line.extend_from_slice(name.as_bytes());
            line.extend_from_slice(b"\":");
            let _ = serde_json::to_writer(&mut *line, v);
        }
    }
}
