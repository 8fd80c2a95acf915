//! `shard --out s3://bucket/prefix/`: the output is written and checked in a local temporary
//! folder exactly as a local `--out` is, then uploaded with [`crate::remote::upload`]
//! (`manifest.json` last, as the commit point, recording each object's S3-verified
//! checksum). The temporary folder is removed when the run ends, whatever happens.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
#[cfg(feature = "s3")]
use std::sync::atomic::Ordering;

use super::{Manifest, ShardError};
use crate::input::InputFile;

/// Where the output goes.
pub(super) enum Destination {
    /// A local folder.
    Local,
    /// An S3 prefix, with the local folder the output is prepared in.
    #[cfg(feature = "s3")]
    S3 {
        prefix: crate::remote::upload::OutputPrefix,
        tmp: tempfile::TempDir,
    },
}

impl Destination {
    /// Checks `out`: for an `s3://` URI, that the prefix is empty (or `force` and holding no
    /// input), before anything is read.
    pub(super) fn prepare(
        out: &Path,
        force: bool,
        inputs: &[InputFile],
    ) -> Result<Destination, ShardError> {
        if !crate::remote::is_s3(out) {
            return Ok(Destination::Local);
        }
        #[cfg(feature = "s3")]
        {
            // The S3 inputs, which `--force` must not delete.
            let remote_inputs: Vec<&crate::remote::S3Uri> = inputs
                .iter()
                .filter_map(|f| match &f.source {
                    crate::input::SourceSpec::Remote(o) => Some(&o.uri),
                    _ => None,
                })
                .collect();
            let prefix = crate::remote::upload::OutputPrefix::prepare(
                &out.to_string_lossy(),
                force,
                &remote_inputs,
            )?;
            let tmp = tempfile::Builder::new()
                .prefix("bedrock-batch-shard-")
                .tempdir()
                .map_err(|e| ShardError::write(std::env::temp_dir(), e))?;
            Ok(Destination::S3 { prefix, tmp })
        }
        #[cfg(not(feature = "s3"))]
        {
            let _ = (force, inputs);
            Err(ShardError::Input(crate::remote::not_built(
                &out.to_string_lossy(),
            )))
        }
    }

    /// Whether the output is a local folder.
    pub(super) fn is_local(&self) -> bool {
        matches!(self, Destination::Local)
    }

    /// The folder the output is written to: `out` itself, or one in the temporary folder.
    pub(super) fn local_dir(&self, out: &Path) -> PathBuf {
        match self {
            Destination::Local => out.to_path_buf(),
            #[cfg(feature = "s3")]
            Destination::S3 { tmp, .. } => tmp.path().join("out"),
        }
    }

    /// Uploads the committed local output (nothing to do for a local one), and records
    /// each object in `manifest` (and in the uploaded `manifest.json`).
    pub(super) fn finish(
        self,
        dir: &Path,
        manifest: &mut Manifest,
        cancel: &AtomicBool,
    ) -> Result<(), ShardError> {
        #[cfg(not(feature = "s3"))]
        let _ = (dir, manifest, cancel);
        match self {
            Destination::Local => Ok(()),
            #[cfg(feature = "s3")]
            Destination::S3 { prefix, tmp } => {
                let manifest_path = dir.join("manifest.json");
                let mut finalize = |done: &[(String, crate::remote::Uploaded)]| {
                    if cancel.load(Ordering::Relaxed) {
                        return Err(crate::Error::Config("interrupted".into()));
                    }
                    for (rel, up) in done {
                        for f in manifest.jobs.iter_mut().flat_map(|j| j.files.iter_mut()) {
                            if &f.path == rel {
                                f.s3 = Some(up.clone());
                            }
                        }
                        if let Some(r) = manifest.rejected.as_mut().filter(|r| &r.path == rel) {
                            r.s3 = Some(up.clone());
                        }
                    }
                    let mut text = serde_json::to_vec_pretty(&*manifest)
                        .map_err(|e| crate::Error::write(&manifest_path, e.into()))?;
                    text.push(b'\n');
                    std::fs::write(&manifest_path, text)
                        .map_err(|e| crate::Error::write(&manifest_path, e))
                };
                let result = prefix.upload_dir(dir, "manifest.json", &mut finalize);
                drop(tmp);
                match result {
                    Ok(_) => Ok(()),
                    Err(_) if cancel.load(Ordering::Relaxed) => Err(ShardError::Interrupted),
                    Err(e) => Err(ShardError::Input(e)),
                }
            }
        }
    }
}
