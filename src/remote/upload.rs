//! Writing a finished local output to S3 so that it is either complete or not there.
//!
//! `shard --out s3://…` and `fix --out s3://…` first write and check their output locally,
//! exactly as for a local `--out` (in a temporary folder), then hand it to [`OutputPrefix`]:
//!
//! 1. Before anything is read, the destination is checked: a non-empty prefix is refused
//!    without `--force` (as a non-empty folder is), and with `--force` a prefix holding one of
//!    the inputs is refused.
//! 2. With `--force`, the old `manifest.json` is deleted first, so the old set stops being a
//!    committed output before any of its objects change.
//! 3. Every file is uploaded, in path order, with `x-amz-checksum-sha256` on each PUT and
//!    each part, which S3 verifies before it stores the bytes. Files over the part size go
//!    up as multipart uploads, parts in parallel.
//! 4. With `--force`, objects of the old set that the new one does not replace are deleted.
//! 5. `manifest.json`, which records every object's URI and checksum, is written last: it is
//!    the commit point.
//!
//! On any failure the multipart upload in progress is aborted and every object this run
//! wrote is deleted, so no manifest and no half output is left; a run retried gives the
//! same objects (the output is deterministic).

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

use base64::Engine;
use futures::stream::FuturesOrdered;
use futures::StreamExt;
use object_store::aws::AmazonS3;
use object_store::{MultipartUpload, ObjectStoreExt, PutPayload};
use sha2::{Digest, Sha256};

use super::progress::{progress, Direction};
use super::s3::{
    check_listable, delete_keys, describe, list_prefix, obj_path, runtime, store_for, TransferDone,
};
use super::{S3Uri, Uploaded};
use crate::error::{Error, Result};

/// The part size of multipart uploads (and the size above which a file is sent in parts).
/// 16 MiB keeps a 1 GB file at 60 parts, far under S3's 10,000, and four parts in flight
/// at 64 MiB of memory. `BEDROCK_BATCH_S3_PART_SIZE` (bytes, at least S3's minimum of 5 MiB)
/// overrides it.
pub const DEFAULT_PART_SIZE: usize = 16 << 20;
/// S3's smallest part (all but the last).
const MIN_PART_SIZE: usize = 5 << 20;
/// Parts uploaded at once.
const PARTS_IN_FLIGHT: usize = 4;

/// The part size in force.
fn part_size() -> usize {
    std::env::var("BEDROCK_BATCH_S3_PART_SIZE")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .map_or(DEFAULT_PART_SIZE, |n| n.max(MIN_PART_SIZE))
}

/// Called with every uploaded file (path relative to the folder, and its record) before the
/// last file is sent; may rewrite the last file.
pub type Finalize<'a> = dyn FnMut(&[(String, Uploaded)]) -> Result<()> + 'a;

/// A destination prefix, checked and ready to take a finished output.
pub struct OutputPrefix {
    uri: S3Uri,
    store: std::sync::Arc<AmazonS3>,
    /// Keys under the prefix before this run (only with `--force`; else there are none).
    existing: Vec<String>,
    /// Keys this run wrote, deleted again on failure.
    written: Vec<String>,
}

impl OutputPrefix {
    /// Checks `uri` as an output prefix: empty, or `force` and holding none of `inputs` (the
    /// job's S3 inputs).
    pub fn prepare(uri: &str, force: bool, inputs: &[&S3Uri]) -> Result<OutputPrefix> {
        let parsed = S3Uri::parse(uri)?;
        let prefix = parsed.with_key(&parsed.as_prefix());
        let store = store_for(&prefix)?;
        let existing: Vec<String> = runtime()
            .block_on(list_prefix(&store, &prefix))?
            .into_iter()
            .map(|o| o.uri.key)
            .collect();
        if !existing.is_empty() {
            if !force {
                return Err(Error::Remote {
                    uri: prefix.to_string(),
                    message: format!(
                        "is not empty ({} object{}); use --force to replace them",
                        existing.len(),
                        if existing.len() == 1 { "" } else { "s" }
                    ),
                });
            }
            for input in inputs {
                if input.bucket == prefix.bucket && input.key.starts_with(&prefix.key) {
                    return Err(Error::Remote {
                        uri: prefix.to_string(),
                        message: format!(
                            "holds the input `{input}`; --force would delete it (write somewhere else)"
                        ),
                    });
                }
            }
        }
        Ok(OutputPrefix {
            uri: prefix,
            store,
            existing,
            written: Vec::new(),
        })
    }

    /// A prefix whose objects may be replaced one by one (`fix --out s3://…`): nothing
    /// under it is refused or deleted, but the bucket must exist and be listable.
    pub fn overwrite(prefix: &S3Uri) -> Result<OutputPrefix> {
        let store = store_for(prefix)?;
        runtime().block_on(check_listable(&store, prefix))?;
        Ok(OutputPrefix {
            uri: prefix.clone(),
            store,
            existing: Vec::new(),
            written: Vec::new(),
        })
    }

    /// Uploads every file under `dir` (relative paths become keys under the prefix), the
    /// one named `last` after all others, following the protocol in the module docs.
    /// `finalize` is called with every other file's upload record before `last` is sent, and
    /// may rewrite `last` (the manifest records the checksums). On failure everything this
    /// run wrote is deleted before the error is returned.
    pub fn upload_dir(
        mut self,
        dir: &Path,
        last: &str,
        finalize: &mut Finalize<'_>,
    ) -> Result<Vec<(String, Uploaded)>> {
        let result = self.upload_dir_inner(dir, last, finalize);
        if let Err(first) = result {
            let written = std::mem::take(&mut self.written);
            return Err(
                match runtime().block_on(delete_keys(&self.store, &self.uri, &written)) {
                    Ok(()) => first,
                    Err(cleanup) => Error::Remote {
                        uri: self.uri.to_string(),
                        message: format!(
                            "{first}; and the objects this run wrote could not all be deleted \
                             ({cleanup}): delete them by hand"
                        ),
                    },
                },
            );
        }
        result
    }

    fn upload_dir_inner(
        &mut self,
        dir: &Path,
        last: &str,
        finalize: &mut Finalize<'_>,
    ) -> Result<Vec<(String, Uploaded)>> {
        let mut rels = Vec::new();
        for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
            let entry = entry.map_err(|e| {
                Error::io(
                    dir,
                    e.into_io_error()
                        .unwrap_or_else(|| std::io::Error::other("walk")),
                )
            })?;
            if entry.file_type().is_file() {
                let rel = entry
                    .path()
                    .strip_prefix(dir)
                    .unwrap_or(entry.path())
                    .to_string_lossy()
                    .replace(std::path::MAIN_SEPARATOR, "/");
                rels.push(rel);
            }
        }
        rels.sort();
        let shown = self.uri.to_string();
        let mut total = 0u64;
        for rel in &rels {
            let path = dir.join(rel);
            total += std::fs::metadata(&path)
                .map_err(|e| Error::io(&path, e))?
                .len();
        }
        let _done = TransferDone(Direction::Upload, &shown);
        progress().transfer_start(Direction::Upload, &shown, rels.len() as u64, total);
        let base = self.uri.key.clone();
        let key_of = |rel: &str| format!("{base}{rel}");
        let last_key = key_of(last);
        // An old commit point goes first, so the old set is never read as committed while it
        // changes.
        if self.existing.contains(&last_key) {
            runtime().block_on(delete_keys(
                &self.store,
                &self.uri,
                std::slice::from_ref(&last_key),
            ))?;
        }
        let mut done = Vec::new();
        for rel in rels.iter().filter(|r| r.as_str() != last) {
            let up = self.upload_file(&dir.join(rel), &key_of(rel))?;
            done.push((rel.clone(), up));
        }
        let new: BTreeSet<String> = rels.iter().map(|r| key_of(r)).collect();
        let stale: Vec<String> = self
            .existing
            .iter()
            .filter(|k| !new.contains(*k) && **k != last_key)
            .cloned()
            .collect();
        runtime().block_on(delete_keys(&self.store, &self.uri, &stale))?;
        finalize(&done)?;
        if rels.iter().any(|r| r == last) {
            let up = self.upload_file(&dir.join(last), &last_key)?;
            done.push((last.to_string(), up));
        }
        Ok(done)
    }

    /// Uploads one file to `key`: one PUT up to the part size, else a multipart upload.
    fn upload_file(&mut self, path: &Path, key: &str) -> Result<Uploaded> {
        let uri = self.uri.with_key(key);
        let len = std::fs::metadata(path)
            .map_err(|e| Error::io(path, e))?
            .len();
        let part = part_size();
        let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        // Recorded before the request: a PUT that fails after S3 stored it must be cleaned up.
        self.written.push(key.to_string());
        let store = self.store.clone();
        if len <= part as u64 {
            let mut buf = Vec::with_capacity(len as usize);
            file.read_to_end(&mut buf).map_err(|e| Error::io(path, e))?;
            let digest = Sha256::digest(&buf);
            runtime()
                .block_on(store.put(&obj_path(key), PutPayload::from(buf)))
                .map_err(|e| describe(&uri, &e))?;
            progress().transferred(Direction::Upload, &uri.to_string(), len);
            return Ok(Uploaded {
                uri: uri.to_string(),
                checksum_algorithm: "SHA256".into(),
                checksum: base64::engine::general_purpose::STANDARD.encode(digest),
                checksum_type: "FULL_OBJECT".into(),
                parts: 1,
            });
        }
        runtime().block_on(async {
            let mut upload = store
                .put_multipart(&obj_path(key))
                .await
                .map_err(|e| describe(&uri, &e))?;
            match send_parts(&mut *upload, &mut file, path, part, &uri.to_string()).await {
                Ok(digests) => match upload.complete().await {
                    Ok(_) => {
                        let mut all = Sha256::new();
                        for d in &digests {
                            all.update(d);
                        }
                        Ok(Uploaded {
                            uri: uri.to_string(),
                            checksum_algorithm: "SHA256".into(),
                            checksum: format!(
                                "{}-{}",
                                base64::engine::general_purpose::STANDARD.encode(all.finalize()),
                                digests.len()
                            ),
                            checksum_type: "COMPOSITE".into(),
                            parts: digests.len() as u32,
                        })
                    }
                    Err(e) => {
                        let _ = upload.abort().await;
                        Err(describe(&uri, &e))
                    }
                },
                Err(e) => {
                    // Parts already stored are billed until the upload is aborted.
                    let _ = upload.abort().await;
                    Err(match e {
                        PartError::Store(e) => describe(&uri, &e),
                        PartError::Local(e) => e,
                    })
                }
            }
        })
    }
}

enum PartError {
    Store(object_store::Error),
    Local(Error),
}

/// Reads `file` part by part and uploads the parts, at most [`PARTS_IN_FLIGHT`] at once,
/// reporting each part as uploaded (to `shown`) when S3 has it; returns each part's
/// SHA-256, in order.
async fn send_parts(
    upload: &mut dyn MultipartUpload,
    file: &mut std::fs::File,
    path: &Path,
    part: usize,
    shown: &str,
) -> std::result::Result<Vec<[u8; 32]>, PartError> {
    let mut digests = Vec::new();
    let mut in_flight = FuturesOrdered::new();
    let sent = |r: (usize, object_store::Result<()>)| {
        r.1.map_err(PartError::Store)?;
        progress().transferred(Direction::Upload, shown, r.0 as u64);
        Ok::<(), PartError>(())
    };
    loop {
        let mut buf = Vec::with_capacity(part);
        (&mut *file)
            .take(part as u64)
            .read_to_end(&mut buf)
            .map_err(|e| PartError::Local(Error::io(path, e)))?;
        if buf.is_empty() {
            break;
        }
        digests.push(Sha256::digest(&buf).into());
        let len = buf.len();
        let put = upload.put_part(PutPayload::from(buf));
        in_flight.push_back(async move { (len, put.await) });
        if in_flight.len() >= PARTS_IN_FLIGHT {
            if let Some(r) = in_flight.next().await {
                sent(r)?;
            }
        }
    }
    while let Some(r) = in_flight.next().await {
        sent(r)?;
    }
    Ok(digests)
}
