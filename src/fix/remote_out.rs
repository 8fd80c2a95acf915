//! `fix --out s3://bucket/key.jsonl`: the corrected copy (and its `.rejected.jsonl` /
//! `.id-map.jsonl` side files, unless `--side-dir` puts them elsewhere) is written and
//! re-checked in a local temporary folder exactly as a local `--out` is, then uploaded beside
//! each other with S3-verified checksums, the output last. On failure the objects this run
//! wrote are deleted. The temporary folder is removed when the run ends.

use std::path::PathBuf;

use super::{FixOptions, FixReport};
use crate::error::Result;
use crate::validate::Progress;

/// Runs [`fix`] with its output in a temporary folder, then uploads it to `out`.
pub(super) fn fix_to_s3(
    paths: &[PathBuf],
    opts: &FixOptions,
    progress: &dyn Progress,
    out: &str,
) -> Result<FixReport> {
    #[cfg(feature = "s3")]
    {
        use super::{fix, Target};
        use crate::error::Error;
        use crate::remote::{upload::OutputPrefix, S3Uri};
        let uri = S3Uri::parse(out)?;
        let name = match uri.key.rsplit_once('/') {
            Some((_, name)) => name,
            None => uri.key.as_str(),
        };
        if name.is_empty() {
            return Err(Error::Remote {
                uri: uri.to_string(),
                message: "--out must name an object (s3://BUCKET/KEY.jsonl), not a prefix".into(),
            });
        }
        for p in paths {
            if p.to_str() == Some(out) {
                return Err(Error::Config(format!(
                    "the output `{out}` is the input; fix never overwrites its input: write to another key"
                )));
            }
        }
        let parent = uri.with_key(&uri.key[..uri.key.len() - name.len()]);
        // Checked before anything is read: the bucket exists and can be listed.
        let prefix = OutputPrefix::overwrite(&parent)?;
        let tmp = tempfile::Builder::new()
            .prefix("bedrock-batch-fix-")
            .tempdir()
            .map_err(|e| Error::write(std::env::temp_dir(), e))?;
        let local = tmp.path().join(name);
        let mut local_opts = opts.clone();
        local_opts.target = Target::Out(local.clone());
        let mut report = fix(paths, &local_opts, progress)?;
        let shown = |p: &str| -> String {
            match std::path::Path::new(p).strip_prefix(tmp.path()) {
                Ok(rel) => format!("{parent}{}", rel.to_string_lossy()),
                Err(_) => p.to_string(),
            }
        };
        for o in &mut report.outputs {
            o.path = shown(&o.path);
        }
        if !opts.dry_run {
            prefix.upload_dir(tmp.path(), name, &mut |_| Ok(()))?;
        }
        Ok(report)
    }
    #[cfg(not(feature = "s3"))]
    {
        let _ = (paths, opts, progress);
        Err(crate::remote::not_built(out))
    }
}
