//! S3 settings of the process: which AWS CLI profile supplies credentials and region, and
//! who observes transfers (listing pages, bytes read and uploaded; the library never draws).
//! `s3://` paths are taken wherever a path is; without the cargo feature `s3` they are
//! refused with a one-line error.

pub use crate::remote::{is_s3, set_profile, set_progress, Direction, RemoteProgress, S3_SCHEME};
