//! Where created jobs are kept, so `job get` can print them again and a repeated `create` with
//! the same client request token returns the first job.
//!
//! Layout under the state folder (default: the platform's state directory, e.g.
//! `~/.local/state/bedrock-batch` on Linux):
//!
//! ```text
//! jobs/<job id>.json        one job: {"version": 1, "request": {...}, "job": {...}}
//! tokens/<sha256>.json      {"jobArn": "..."}: the job a client request token created; the hash
//!                           is of "<ARN prefix up to the account>:<token>", so a token is scoped
//!                           to a partition, region and account, as in the service
//! ```
//!
//! Every write goes to a temporary file in the same folder and is renamed over the target, so a
//! reader never sees half a file.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::request::CreateModelInvocationJobRequest;
use super::response::ModelInvocationJob;
use super::JobError;

/// The version of the stored-job format.
const FORMAT_VERSION: u32 = 1;

/// One stored job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredJob {
    /// The format version (1).
    pub version: u32,
    /// The request that created the job (tags included, which the response has no place for).
    pub request: CreateModelInvocationJobRequest,
    /// The job as `get-model-invocation-job` shows it.
    pub job: ModelInvocationJob,
}

impl StoredJob {
    /// A record of the current format.
    pub fn new(request: CreateModelInvocationJobRequest, job: ModelInvocationJob) -> Self {
        StoredJob {
            version: FORMAT_VERSION,
            request,
            job,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenEntry {
    job_arn: String,
}

/// The state folder.
#[derive(Debug, Clone)]
pub struct StateStore {
    root: PathBuf,
}

impl StateStore {
    /// A store rooted at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        StateStore { root: root.into() }
    }

    /// The platform's state folder for this tool: `$XDG_STATE_HOME/bedrock-batch` (or
    /// `~/.local/state/bedrock-batch`) on Linux; the local data folder on macOS and Windows,
    /// which have no separate state folder.
    pub fn default_root() -> Option<PathBuf> {
        dirs::state_dir()
            .or_else(dirs::data_local_dir)
            .map(|d| d.join("bedrock-batch"))
    }

    /// The root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn job_path(&self, job_id: &str) -> PathBuf {
        self.root.join("jobs").join(format!("{job_id}.json"))
    }

    fn token_path(&self, scope: &str, token: &str) -> PathBuf {
        let digest = Sha256::digest(format!("{scope}:{token}").as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        self.root.join("tokens").join(format!("{hex}.json"))
    }

    /// Saves a job, and the token that created it when there is one. `scope` is the job ARN up
    /// to the account (`arn:aws:bedrock:us-east-1:123456789012`).
    pub fn save(&self, stored: &StoredJob, scope: &str) -> Result<(), JobError> {
        let text = serde_json::to_vec_pretty(stored).expect("a stored job always serializes");
        write_atomic(&self.job_path(stored.job.job_id()), &text)?;
        if let Some(token) = &stored.request.client_request_token {
            let entry = TokenEntry {
                job_arn: stored.job.job_arn.clone(),
            };
            let text = serde_json::to_vec(&entry).expect("a token entry always serializes");
            write_atomic(&self.token_path(scope, token), &text)?;
        }
        Ok(())
    }

    /// The job with id `job_id` (12 lower-case letters and digits), if stored.
    pub fn load(&self, job_id: &str) -> Result<Option<StoredJob>, JobError> {
        let path = self.job_path(job_id);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(JobError::State { path, source }),
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| JobError::StateCorrupt {
                path,
                message: e.to_string(),
            })
    }

    /// The job a client request token created in `scope`, if any.
    pub fn find_by_token(&self, scope: &str, token: &str) -> Result<Option<StoredJob>, JobError> {
        let path = self.token_path(scope, token);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(JobError::State { path, source }),
        };
        let entry: TokenEntry =
            serde_json::from_slice(&bytes).map_err(|e| JobError::StateCorrupt {
                path: path.clone(),
                message: e.to_string(),
            })?;
        let id = entry.job_arn.rsplit('/').next().unwrap_or_default();
        Ok(self
            .load(id)?
            .filter(|stored| stored.job.job_arn == entry.job_arn))
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), JobError> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let state_err = |source| JobError::State {
        path: path.to_owned(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(state_err)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(state_err)?;
    tmp.write_all(bytes).map_err(state_err)?;
    tmp.as_file().sync_all().map_err(state_err)?;
    tmp.persist(path).map_err(|e| state_err(e.error))?;
    Ok(())
}
