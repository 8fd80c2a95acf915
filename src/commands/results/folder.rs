//! A job's output folder, `{outputS3Uri}/{jobId}/`: which files in it are output and which
//! is the manifest.
//!
//! The service writes one `{input file name}.out` per input file and a `manifest.json.out`
//! beside them (reference §3.4). How nested input names map to output keys is not
//! documented, so nothing here predicts names: every file below the folder, at any depth, is
//! classified by its suffix, in path order (results never depend on listing order).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The name the service gives the job's counters.
pub const MANIFEST_NAME: &str = "manifest.json.out";
/// The suffix of output record files (`a.jsonl` → `a.jsonl.out`).
pub const OUTPUT_SUFFIX: &str = ".jsonl.out";

/// One output record file.
#[derive(Clone, Debug)]
pub struct OutputFile {
    /// Where it is.
    pub path: PathBuf,
    /// The path as shown in the summary (`/`-separated, as given under `--output`).
    pub display: String,
    /// Its size.
    pub bytes: u64,
}

/// The classified contents of an output folder.
#[derive(Clone, Debug)]
pub struct OutputFolder {
    /// The folder as given.
    pub root: PathBuf,
    /// `*.jsonl.out` files, in path order.
    pub files: Vec<OutputFile>,
    /// `manifest.json.out`, if there is one.
    pub manifest: Option<PathBuf>,
    /// Other files (left alone; counted in the summary).
    pub other_files: u64,
    /// For `--output s3://…`: the local copy the files are read from (removed on drop).
    pub spool: Option<std::sync::Arc<tempfile::TempDir>>,
}

/// `manifest.json.out`: the job's counters as the service wrote them (reference §3.2). Every
/// member is optional, so a manifest of a job in an unexpected state still reads.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Records submitted to the job.
    #[serde(rename = "totalRecordCount", skip_serializing_if = "Option::is_none")]
    pub total_record_count: Option<u64>,
    /// Records processed (successes and errors).
    #[serde(
        rename = "processedRecordCount",
        skip_serializing_if = "Option::is_none"
    )]
    pub processed_record_count: Option<u64>,
    /// Records processed successfully.
    #[serde(rename = "successRecordCount", skip_serializing_if = "Option::is_none")]
    pub success_record_count: Option<u64>,
    /// Records that caused errors.
    #[serde(rename = "errorRecordCount", skip_serializing_if = "Option::is_none")]
    pub error_record_count: Option<u64>,
    /// Input tokens submitted.
    #[serde(rename = "inputTokenCount", skip_serializing_if = "Option::is_none")]
    pub input_token_count: Option<u64>,
    /// Output tokens generated.
    #[serde(rename = "outputTokenCount", skip_serializing_if = "Option::is_none")]
    pub output_token_count: Option<u64>,
}

impl OutputFolder {
    /// Lists `root`. Fails (exit 2) when it is not a folder, holds neither output files nor
    /// a manifest, or holds several manifests (the parent of several jobs' folders).
    pub fn find(root: &Path) -> Result<OutputFolder> {
        if crate::remote::is_s3(root) {
            return Self::find_remote(root);
        }
        let meta = std::fs::metadata(root).map_err(|e| Error::io(root, e))?;
        if !meta.is_dir() {
            return Err(Error::Config(format!(
                "--output `{}` is a file; give the job's output folder, {{outputS3Uri}}/{{jobId}}/, which holds *.jsonl.out and manifest.json.out",
                root.display()
            )));
        }
        let mut files = Vec::new();
        let mut manifests = Vec::new();
        let mut other_files = 0;
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
            let name = entry.file_name().to_string_lossy();
            let path = entry.path().to_path_buf();
            if name == MANIFEST_NAME {
                manifests.push(path);
            } else if name.ends_with(OUTPUT_SUFFIX) {
                let bytes = entry
                    .metadata()
                    .map_err(|e| Error::io(&path, e.into()))?
                    .len();
                files.push(OutputFile {
                    display: display(&path),
                    path,
                    bytes,
                });
            } else {
                other_files += 1;
            }
        }
        if files.is_empty() && manifests.is_empty() {
            return Err(Error::Config(format!(
                "--output `{}` is not a job's output folder: it holds no *.jsonl.out and no manifest.json.out (give {{outputS3Uri}}/{{jobId}}/, downloaded with `aws s3 cp --recursive`)",
                root.display()
            )));
        }
        if manifests.len() > 1 {
            return Err(Error::Config(format!(
                "--output `{}` holds {} manifest.json.out files ({}, {}, ...): it is the output of several jobs; give one job's folder",
                root.display(),
                manifests.len(),
                display(&manifests[0]),
                display(&manifests[1])
            )));
        }
        files.sort_by(|a, b| a.display.cmp(&b.display));
        Ok(OutputFolder {
            root: root.to_path_buf(),
            files,
            manifest: manifests.pop(),
            other_files,
            spool: None,
        })
    }

    /// `--output s3://bucket/prefix/`: the prefix is copied to a temporary folder (the output
    /// files are read twice: scanned, then read back by offset for `--joined`), and files
    /// are named by their URIs.
    fn find_remote(root: &Path) -> Result<OutputFolder> {
        let uri = root.to_string_lossy();
        let prefix = crate::remote::S3Uri::parse(&uri)?;
        let prefix = prefix.with_key(&prefix.as_prefix()).to_string();
        let tmp = crate::remote::download_prefix(&uri)?;
        let mut found = Self::find(tmp.path()).map_err(|e| match e {
            Error::Config(m) => {
                Error::Config(m.replace(&tmp.path().to_string_lossy().into_owned(), &prefix))
            }
            other => other,
        })?;
        for f in &mut found.files {
            if let Ok(rel) = f.path.strip_prefix(tmp.path()) {
                f.display = format!("{prefix}{}", display(rel));
            }
        }
        found.root = root.to_path_buf();
        found.spool = Some(std::sync::Arc::new(tmp));
        Ok(found)
    }

    /// Bytes in the output files.
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.bytes).sum()
    }

    /// Reads the manifest, if there is one. A manifest that is not the documented JSON
    /// object is an error: its counters are what the summary checks.
    pub fn read_manifest(&self) -> Result<Option<Manifest>> {
        let Some(path) = &self.manifest else {
            return Ok(None);
        };
        let text = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        serde_json::from_slice(&text).map(Some).map_err(|e| {
            Error::Config(format!(
                "`{}` is not the manifest the service writes ({e}); expected {{\"totalRecordCount\": N, \"processedRecordCount\": N, ...}}",
                display(path)
            ))
        })
    }
}

/// A path for the summary: as found, with `/` separators.
pub(crate) fn display(path: &Path) -> String {
    let s = path.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '/' {
        s.into_owned()
    } else {
        s.replace(std::path::MAIN_SEPARATOR, "/")
    }
}
