//! Writing files atomically, and telling whether two paths name the same file: shared by
//! the commands that write next to their inputs (`fix`, `results --retry/--joined`).
//!
//! A file is written to a temporary file beside its destination (a hidden name that does
//! not end in `.jsonl`, so a half-written file is never taken for input by a folder scan or
//! an `aws s3 sync`) and persisted over the destination only when complete.

use std::fs::File;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// A temporary file in `dest`'s folder, named after it. It gets the permissions of `like`
/// when that exists, else those `File::create` would give.
pub(crate) fn temp_beside(dest: &Path, like: Option<&Path>) -> std::io::Result<NamedTempFile> {
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
pub(crate) fn sync_parent(path: &Path) {
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

/// What identifies an existing file, whatever path names it (links, `..`, hard links):
/// device and inode where there are such, else the canonical path.
#[derive(PartialEq, Eq, Hash)]
pub(crate) enum FileId {
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg_attr(unix, allow(dead_code))]
    Canonical(PathBuf),
}

/// The identity of the existing file at `path`; `None` when there is none.
pub(crate) fn file_id(path: &Path) -> Option<FileId> {
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
