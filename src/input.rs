//! The input set of a job: which files form it, and how each is read.
//!
//! Several paths, or a folder, form one job, as an S3 prefix does for the service: every
//! `*.jsonl` below a folder (recursively) is part of it, and any other file there is reported
//! as stray. Files are put in path order, so results never depend on the order the operating
//! system lists a folder in.
//!
//! Compressed input (`.gz`, `.zst`) is decompressed on the fly while it is read, so data
//! pipelines can check what they keep compressed; inside a folder, `*.jsonl.gz` and
//! `*.jsonl.zst` count as record files. The service itself reads only uncompressed `.jsonl`,
//! which `validate` reports (F001). [`Grouping`] splits an input set into several jobs.

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
    /// An S3 object (see [`crate::remote`]), read as a stream.
    Remote(crate::remote::RemoteObject),
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

    /// How the file is compressed, judged by its name (for standard input, the name given
    /// with `--stdin-filename`).
    pub fn compression(&self) -> Compression {
        Compression::of_name(&self.display)
    }

    /// Opens the file for scanning, decompressing it on the fly when its name says it is
    /// compressed (see [`open`]).
    pub fn open(&self, use_mmap: bool) -> Result<Opened> {
        match (&self.source, self.compression()) {
            (SourceSpec::Stdin, Compression::None) => open(&self.source, use_mmap),
            (SourceSpec::Stdin, c) => Ok(Opened::Stream(
                c.decoder(Box::new(std::io::stdin()), Path::new("-"))?,
            )),
            (SourceSpec::Path(_), _) => open(&self.source, use_mmap),
            (SourceSpec::Remote(_), _) => open(&self.source, use_mmap),
        }
    }
}

/// How a file's bytes are stored, judged by the end of its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// Plain bytes.
    None,
    /// gzip (`.gz`); several concatenated members are read as one stream, as `zcat` does.
    Gzip,
    /// Zstandard (`.zst`); several concatenated frames are read as one stream.
    Zstd,
}

impl Compression {
    /// The compression a file name announces.
    pub fn of_name(name: &str) -> Compression {
        if name.ends_with(".gz") {
            Compression::Gzip
        } else if name.ends_with(".zst") {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    /// The format's usual name, for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Compression::None => "uncompressed",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }

    /// A reader of the decompressed bytes of `raw` (read from `path`, named in errors). Both
    /// decoders buffer `raw` themselves.
    fn decoder(self, raw: Box<dyn Read + Send>, path: &Path) -> Result<Box<dyn Read + Send>> {
        let inner: Box<dyn Read + Send> = match self {
            Compression::None => return Ok(raw),
            Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(raw)),
            Compression::Zstd => {
                Box::new(zstd::stream::read::Decoder::new(raw).map_err(|e| Error::io(path, e))?)
            }
        };
        Ok(Box::new(Decompressed {
            inner,
            format: self,
        }))
    }
}

/// A decompressing reader whose errors say that the compressed data is at fault, so the
/// message names the cause (`cannot read `a.jsonl.gz`: corrupt gzip data: ...`).
struct Decompressed {
    inner: Box<dyn Read + Send>,
    format: Compression,
}

impl Read for Decompressed {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            if e.kind() == std::io::ErrorKind::Interrupted {
                return e;
            }
            let tool = match self.format {
                Compression::Zstd => "zstd -t",
                _ => "gzip -t",
            };
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "corrupt or truncated {} data ({e}); `{tool}` checks the file",
                    self.format.as_str()
                ),
            )
        })
    }
}

/// Whether a file found in a folder holds records: `*.jsonl`, or one compressed as
/// `*.jsonl.gz` / `*.jsonl.zst` (read, and reported because the service cannot read it).
fn is_record_file(name: &str) -> bool {
    name.ends_with(".jsonl") || name.ends_with(".jsonl.gz") || name.ends_with(".jsonl.zst")
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
        if crate::remote::is_s3(path) {
            collect_s3(path, &mut files)?;
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

/// What forms one job when several files are checked (`--group`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Grouping {
    /// Every file together forms one job, as one S3 prefix holding them all (the default).
    #[default]
    All,
    /// The files of each folder (their parent folder, not counting subfolders) form one
    /// job: a pre-commit hook is handed files from many folders at once.
    Folder,
    /// Every file is a job of its own.
    File,
}

impl Grouping {
    /// The name used on the command line and in the config file.
    pub fn as_str(self) -> &'static str {
        match self {
            Grouping::All => "all",
            Grouping::Folder => "folder",
            Grouping::File => "file",
        }
    }
}

/// The input of one job of a run.
#[derive(Clone, Debug)]
pub struct JobInput {
    /// The job's name in reports: its folder (`--group folder`) or file (`--group file`);
    /// `None` when everything forms one job.
    pub name: Option<String>,
    /// Its files, stray ones included, in path order.
    pub files: Vec<InputFile>,
}

impl InputSet {
    /// Adds, for every file named on its own, the other files of its folder (not those of
    /// its subfolders), as a folder's walk finds them: record files, and stray ones (F003).
    /// So a changed file is judged as part of its job, the folder that is one S3 prefix;
    /// the pre-commit hook hands over only the changed files (`validate --whole-folder`).
    pub fn with_folder_mates(mut self) -> Result<InputSet> {
        let mut folders: Vec<PathBuf> = self
            .files
            .iter()
            .filter(|f| !f.in_folder)
            .filter_map(|f| match &f.source {
                SourceSpec::Path(p) => Some(p.parent().unwrap_or(Path::new("")).to_path_buf()),
                // Standard input has no folder; an S3 object's prefix is read with
                // `validate s3://bucket/prefix/` instead.
                _ => None,
            })
            .collect();
        folders.sort();
        folders.dedup();
        for folder in folders {
            let listed = if folder.as_os_str().is_empty() {
                Path::new(".")
            } else {
                &folder
            };
            let entries = std::fs::read_dir(listed).map_err(|e| Error::io(listed, e))?;
            for entry in entries {
                let entry = entry.map_err(|e| Error::io(listed, e))?;
                // Links are followed, as a folder's walk (and `aws s3 sync`) follows them.
                if !std::fs::metadata(entry.path()).is_ok_and(|m| m.is_file()) {
                    continue;
                }
                let path = folder.join(entry.file_name());
                let shown = display(&path);
                self.files.push(InputFile {
                    is_stray: !is_record_file(&shown),
                    display: Arc::from(shown.as_str()),
                    source: SourceSpec::Path(path),
                    in_folder: true,
                });
            }
        }
        // Stable, so a file named on its own comes before its listing and is the one kept.
        self.files.sort_by(|a, b| a.display.cmp(&b.display));
        self.files.dedup_by(|a, b| a.display == b.display);
        Ok(self)
    }

    /// Splits the set into jobs, in order of their names.
    ///
    /// A stray file belongs to the job of its folder; a folder (or, with
    /// [`Grouping::File`], a stray file) holding no record file forms no job, because no
    /// S3 prefix would be made of it. When no job at all is left, everything forms one
    /// unnamed job, so that "no input" is still reported (F002).
    pub fn group(self, grouping: Grouping) -> Vec<JobInput> {
        let mut jobs: std::collections::BTreeMap<String, Vec<InputFile>> = Default::default();
        match grouping {
            Grouping::All => {
                return vec![JobInput {
                    name: None,
                    files: self.files,
                }]
            }
            Grouping::Folder => {
                for f in &self.files {
                    jobs.entry(parent_folder(&f.display).to_string())
                        .or_default()
                        .push(f.clone());
                }
                jobs.retain(|_, files| files.iter().any(|f| !f.is_stray));
            }
            Grouping::File => {
                for f in self.files.iter().filter(|f| !f.is_stray) {
                    jobs.insert(f.display.to_string(), vec![f.clone()]);
                }
            }
        }
        if jobs.is_empty() {
            return vec![JobInput {
                name: None,
                files: self.files,
            }];
        }
        jobs.into_iter()
            .map(|(name, files)| JobInput {
                name: Some(name),
                files,
            })
            .collect()
    }
}

/// The folder part of a display path (`data/a.jsonl` → `data`), `.` for a bare name.
fn parent_folder(display: &str) -> &str {
    match display.rsplit_once('/') {
        Some(("", _)) => "/",
        Some((parent, _)) => parent,
        None => ".",
    }
}

/// An `s3://` path: one object, or every object under a prefix as a folder is walked (the
/// same record-file and stray rules, and path order: each object is shown by its URI, so a
/// prefix sorts exactly as the same files on disk do).
fn collect_s3(path: &Path, files: &mut Vec<InputFile>) -> Result<()> {
    use crate::remote::Listing;
    let uri = path.to_string_lossy();
    match crate::remote::list(&uri)? {
        Listing::Object(object) => files.push(InputFile {
            display: Arc::from(object.uri.to_string().as_str()),
            source: SourceSpec::Remote(object),
            in_folder: false,
            is_stray: false,
        }),
        Listing::Prefix(objects) => {
            for object in objects {
                let shown = object.uri.to_string();
                files.push(InputFile {
                    is_stray: !is_record_file(&shown),
                    display: Arc::from(shown.as_str()),
                    source: SourceSpec::Remote(object),
                    in_folder: true,
                });
            }
        }
    }
    Ok(())
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
        let is_stray = !is_record_file(&shown);
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
    /// A stream: standard input, a pipe, a compressed file (decompressed), or a file read
    /// with `--no-mmap`.
    Stream(Box<dyn Read + Send>),
}

/// Opens a file for scanning; maps regular files when `use_mmap` is set, and falls back to
/// reading when mapping fails. A path whose name ends in `.gz` or `.zst` is streamed through
/// a decoder instead (a compressed file cannot be scanned in place). An S3 object is always
/// streamed (parallel ranged GETs, see [`crate::remote::open`]), and can be opened again
/// for a second pass.
pub fn open(spec: &SourceSpec, use_mmap: bool) -> Result<Opened> {
    match spec {
        SourceSpec::Stdin => Ok(Opened::Stream(Box::new(std::io::stdin()))),
        SourceSpec::Remote(object) => {
            let shown = object.uri.to_string();
            let raw = crate::remote::open(object)?;
            Ok(Opened::Stream(
                Compression::of_name(&shown).decoder(raw, Path::new(&shown))?,
            ))
        }
        SourceSpec::Path(path) => {
            let file = File::open(path).map_err(|e| Error::io(path, e))?;
            let compression = Compression::of_name(&path.to_string_lossy());
            if compression != Compression::None {
                return Ok(Opened::Stream(compression.decoder(Box::new(file), path)?));
            }
            let meta = file.metadata().map_err(|e| Error::io(path, e))?;
            if use_mmap && meta.is_file() {
                if meta.len() == 0 {
                    return Ok(Opened::Empty);
                }
                // SAFETY: the contract of `map_file` is that the file is not modified while
                // mapped. That cannot be enforced against other processes, so it is the
                // user's choice: `--no-mmap` reads instead, for files that may change while
                // they are checked (documented in docs/validate.md, as ripgrep does).
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
