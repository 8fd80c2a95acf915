//! What remote I/O reports as it goes: listing pages, bytes read, bytes uploaded.
//!
//! The library never draws. The caller (the binary) installs one observer per process with
//! [`set_progress`], and decides whether anyone is watching; without one, every report goes
//! nowhere. Reports come from whichever thread does the work (the caller's, or a scan
//! thread reading an object), so an observer must be `Sync`. Every report names the location
//! it is about, so an observer can tell concurrent transfers apart.

use std::sync::{Arc, OnceLock};

/// Which way a transfer goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Objects copied to a local temporary folder (`results --output s3://…`).
    Download,
    /// Local files uploaded to a prefix (`shard --out s3://…`, `fix --out s3://…`).
    Upload,
}

/// Receives the progress of remote I/O. Every method has an empty default.
pub trait RemoteProgress: Send + Sync {
    /// A listing of `prefix` has found `objects` objects of `bytes` bytes so far (after each
    /// page of up to 1,000 keys).
    fn listing(&self, _prefix: &str, _objects: u64, _bytes: u64) {}
    /// What `uri` names is known: `objects` objects of `bytes` bytes in all (one object
    /// named by its key, or every object under a prefix).
    fn listed(&self, _uri: &str, _objects: u64, _bytes: u64) {}
    /// `bytes` more of the object `object` arrived (a ranged GET), for whatever reads it.
    fn read(&self, _object: &str, _bytes: u64) {}
    /// A transfer of `files` files of `bytes` bytes to or from `prefix` starts.
    fn transfer_start(&self, _direction: Direction, _prefix: &str, _files: u64, _bytes: u64) {}
    /// `bytes` more of `object` were transferred (an uploaded part or file, a downloaded
    /// piece).
    fn transferred(&self, _direction: Direction, _object: &str, _bytes: u64) {}
    /// The transfer to or from `prefix` is over (done, or failed).
    fn transfer_done(&self, _direction: Direction, _prefix: &str) {}
}

/// An observer that ignores everything.
struct Silent;
impl RemoteProgress for Silent {}

static OBSERVER: OnceLock<Arc<dyn RemoteProgress>> = OnceLock::new();

/// Sends the progress of every remote transfer of this process to `observer`. Only the
/// first call counts; returns whether this one did.
pub fn set_progress(observer: Arc<dyn RemoteProgress>) -> bool {
    OBSERVER.set(observer).is_ok()
}

/// The observer in force (a silent one until [`set_progress`] is called).
#[cfg_attr(not(feature = "s3"), allow(dead_code))]
pub(crate) fn progress() -> &'static dyn RemoteProgress {
    match OBSERVER.get() {
        Some(o) => o.as_ref(),
        None => &Silent,
    }
}
