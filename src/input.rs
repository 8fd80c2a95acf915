//! The input set of a job: which files form it, and how each is read.
//!
//! Several paths, or a folder, form one job, as an S3 prefix does for the service: every
//! `*.jsonl` below a folder (recursively) is part of it, and any other file there is reported
//! as stray. Files are put in path order, so results never depend on the order the operating
//! system lists a folder in.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use memmap2::Mmap;

use crate::error::{Error, Result};

/// Where a file's bytes come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceSpec {
    /// A file on disk.
    Path(PathBuf),
    /// Standard input.
    Stdin,
}

/// One file of the job, or a stray file beside them.
#[derive(Clone, Debug)]
pub struct InputFile {
    /// The path as shown in reports.
    pub display: Arc<str>,
    /// Where to read it from.
    pub source: SourceSpec,
    /// Found while walking a folder (as opposed to named on the command line).
    pub in_folder: bool,
    /// A non-`.jsonl` file inside a folder: reported, not read.
    pub is_stray: bool,
}

impl InputFile {
    /// Whether the file's name ends in `.jsonl`, as the service requires (case-sensitive).
    pub fn has_jsonl_extension(&self) -> bool {
        self.display.ends_with(".jsonl")
    }
}

/// The files of one job, in path order.
#[derive(Clone, Debug, Default)]
pub struct InputSet {
    /// Every file: those that are read and the stray ones, in path order.
    pub files: Vec<InputFile>,
}

/// Collects the input set for `paths`. `-` is standard input, shown as `stdin_name`.
pub fn collect(paths: &[PathBuf], stdin_name: Option<&str>) -> Result<InputSet> {
    let mut files = Vec::new();
    let mut saw_stdin = false;
    for path in paths {
        if path.as_os_str() == "-" {
            if saw_stdin {
                return Err(Error::StdinTwice);
            }
            saw_stdin = true;
            files.push(InputFile {
                display: Arc::from(stdin_name.unwrap_or("<stdin>")),
                source: SourceSpec::Stdin,
                in_folder: false,
                is_stray: false,
            });
            continue;
        }
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.is_dir() {
            walk_folder(path, &mut files)?;
        } else {
            files.push(InputFile {
                display: Arc::from(display(path).as_str()),
                source: SourceSpec::Path(path.clone()),
                in_folder: false,
                is_stray: false,
            });
        }
    }
    files.sort_by(|a, b| a.display.cmp(&b.display));
    // The same file named twice (or inside a folder also named) is one S3 object.
    files.dedup_by(|a, b| a.display == b.display);
    Ok(InputSet { files })
}

fn walk_folder(root: &Path, files: &mut Vec<InputFile>) -> Result<()> {
    // Links are followed because `aws s3 sync` and `aws s3 cp --recursive` follow them too.
    for entry in walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(root).to_path_buf();
            let io = e
                .into_io_error()
                .unwrap_or_else(|| std::io::Error::other("filesystem loop"));
            Error::io(path, io)
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let path = entry.path();
        let shown = display(path);
        let is_stray = !shown.ends_with(".jsonl");
        files.push(InputFile {
            display: Arc::from(shown.as_str()),
            source: SourceSpec::Path(path.to_path_buf()),
            in_folder: true,
            is_stray,
        });
    }
    Ok(())
}

/// A path for reports: as given, with `/` separators.
fn display(path: &Path) -> String {
    let s = path.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '/' {
        s.into_owned()
    } else {
        s.replace(std::path::MAIN_SEPARATOR, "/")
    }
}

/// An opened input: mapped into memory, or read as a stream.
pub enum Opened {
    /// The whole file, mapped.
    Mapped(Arc<Mmap>),
    /// An empty file (which cannot be mapped).
    Empty,
    /// A stream: standard input, a pipe, or a file read with `--no-mmap`.
    Stream(Box<dyn Read + Send>),
}

/// Opens a file for scanning; maps regular files when `use_mmap` is set, and falls back to
/// reading when mapping fails.
pub fn open(spec: &SourceSpec, use_mmap: bool) -> Result<Opened> {
    match spec {
        SourceSpec::Stdin => Ok(Opened::Stream(Box::new(std::io::stdin()))),
        SourceSpec::Path(path) => {
            let file = File::open(path).map_err(|e| Error::io(path, e))?;
            let meta = file.metadata().map_err(|e| Error::io(path, e))?;
            if use_mmap && meta.is_file() {
                if meta.len() == 0 {
                    return Ok(Opened::Empty);
                }
                // SAFETY: the contract of `map_file` is that the file is not modified while
                // mapped. That cannot be enforced against other processes, so it is the
                // user's choice: `--no-mmap` reads instead, for files that may change while
                // they are checked (documented in the README, as ripgrep does).
                if let Ok(map) = unsafe { map_file(&file) } {
                    return Ok(Opened::Mapped(Arc::new(map)));
                }
            }
            Ok(Opened::Stream(Box::new(file)))
        }
    }
}

/// Maps `file` read-only.
///
/// # Safety
/// The file must not be truncated or modified while the map is alive; if it is, reads of the
/// map may see changed bytes or fault (SIGBUS on truncation).
unsafe fn map_file(file: &File) -> std::io::Result<Mmap> {
    // SAFETY: forwarded to the caller, see above.
    let map = unsafe { Mmap::map(file)? };
    // The scan reads the map front to back once.
    #[cfg(unix)]
    let _ = map.advise(memmap2::Advice::Sequential);
    Ok(map)
}
