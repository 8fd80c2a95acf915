//! Remote inputs and outputs: `s3://bucket/prefix/` and `s3://bucket/key` wherever a path is
//! taken.
//!
//! This module is the only place that knows about object stores. The rest of the crate sees
//! an S3 object as an [`crate::input::InputFile`] whose source is a [`RemoteObject`] and
//! whose bytes arrive as a stream ([`crate::input::Opened::Stream`]), exactly as standard
//! input does; so a report for a prefix is the report for the same files on disk, with the
//! objects named by their URIs.
//!
//! The I/O itself lives in `s3` (cargo feature `s3`, on by default): listing, parallel
//! ranged reads, uploads with S3-verified checksums, and the AWS CLI's credential chain.
//! Without the feature an `s3://` path is refused with a one-line error. Progress (listing
//! pages, bytes read and uploaded) goes to the observer set with [`set_progress`]; the
//! library never draws it.

pub mod progress;
#[cfg(feature = "s3")]
mod s3;
#[cfg(feature = "s3")]
pub mod upload;

use std::path::Path;
use std::sync::OnceLock;

use crate::error::{Error, Result};
pub use progress::{set_progress, Direction, RemoteProgress};

/// The URI scheme of S3 locations.
pub const S3_SCHEME: &str = "s3://";

/// Whether a path as given on the command line names an S3 location.
pub fn is_s3(path: &Path) -> bool {
    path.to_str().is_some_and(|s| s.starts_with(S3_SCHEME))
}

/// A parsed `s3://bucket/key` location.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct S3Uri {
    /// The bucket.
    pub bucket: String,
    /// The key or prefix (no leading `/`; may be empty, may end in `/`).
    pub key: String,
}

impl S3Uri {
    /// Parses `s3://bucket/key`. The bucket must be a valid S3 bucket name (3-63 lower-case
    /// letters, digits, `.` and `-`), as the service requires.
    pub fn parse(uri: &str) -> Result<S3Uri> {
        let bad = |why: &str| Error::Remote {
            uri: uri.to_string(),
            message: format!("{why}; write it as s3://BUCKET/PREFIX/ or s3://BUCKET/KEY"),
        };
        let rest = uri
            .strip_prefix(S3_SCHEME)
            .ok_or_else(|| bad("not an s3:// URI"))?;
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        let bucket_ok = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
            && bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
            && bucket.ends_with(|c: char| c.is_ascii_alphanumeric());
        if !bucket_ok {
            return Err(bad(&format!("`{bucket}` is not a bucket name")));
        }
        if key.starts_with('/') || key.contains("//") {
            return Err(bad("the key has an empty path segment (`//`)"));
        }
        Ok(S3Uri {
            bucket: bucket.to_string(),
            key: key.to_string(),
        })
    }

    /// The key read as a prefix ("folder"): ends in `/` unless empty (the whole bucket).
    pub fn as_prefix(&self) -> String {
        if self.key.is_empty() || self.key.ends_with('/') {
            self.key.clone()
        } else {
            format!("{}/", self.key)
        }
    }

    /// `s3://bucket/` joined with `key`.
    pub fn with_key(&self, key: &str) -> S3Uri {
        S3Uri {
            bucket: self.bucket.clone(),
            key: key.to_string(),
        }
    }
}

impl std::fmt::Display for S3Uri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{S3_SCHEME}{}/{}", self.bucket, self.key)
    }
}

/// One object of an input set, found by listing a prefix or named on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteObject {
    /// Where it is.
    pub uri: S3Uri,
    /// Its size in bytes, as listed.
    pub size: u64,
    /// Its ETag, as listed: reads require it to match, so an object replaced while it is
    /// read fails instead of mixing two versions.
    pub e_tag: Option<String>,
}

/// An object this run uploaded, as recorded in a manifest: where it is and the checksum S3
/// verified when it stored the bytes.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Uploaded {
    /// `s3://bucket/key`.
    pub uri: String,
    /// `SHA256`: every PUT and part carried `x-amz-checksum-sha256`, and S3 refuses bytes
    /// that do not match (`BadDigest`).
    pub checksum_algorithm: String,
    /// The checksum as S3 reports it (`x-amz-checksum-sha256`, base64): of the whole object
    /// for one PUT; for a multipart upload, the SHA-256 of the parts' SHA-256s followed by
    /// `-N` (N parts).
    pub checksum: String,
    /// `FULL_OBJECT` (one PUT) or `COMPOSITE` (multipart), as S3's `ChecksumType`.
    pub checksum_type: String,
    /// Parts of the upload (1 for a single PUT).
    pub parts: u32,
}

/// What an `s3://` input path names.
// Built only by the S3 client: without the `s3` feature, listing refuses first.
#[cfg_attr(not(feature = "s3"), allow(dead_code))]
#[derive(Debug)]
pub enum Listing {
    /// One object, named by its full key.
    Object(RemoteObject),
    /// Every object under a prefix, in key order.
    Prefix(Vec<RemoteObject>),
}

static PROFILE: OnceLock<String> = OnceLock::new();

/// Uses the named profile of the shared AWS config and credentials files (`--profile`),
/// over `AWS_PROFILE`. Only the first call counts.
pub fn set_profile(name: &str) {
    let _ = PROFILE.set(name.to_string());
}

/// The profile set with [`set_profile`], if any.
// Read only by the S3 client's credential chain (feature `s3`).
#[cfg_attr(not(feature = "s3"), allow(dead_code))]
pub fn profile() -> Option<&'static str> {
    PROFILE.get().map(String::as_str)
}

/// Lists what `uri` names: the object with that exact key when there is one (and the key
/// does not end in `/`), else every object under it as a prefix.
pub fn list(uri: &str) -> Result<Listing> {
    let parsed = S3Uri::parse(uri)?;
    #[cfg(feature = "s3")]
    {
        s3::list(&parsed)
    }
    #[cfg(not(feature = "s3"))]
    {
        Err(not_built(&parsed.to_string()))
    }
}

/// A reader of the object's bytes: ranged GETs fetched in parallel ahead of the reader, in
/// order, with a bounded number of bytes in memory whatever the object's size.
pub fn open(object: &RemoteObject) -> Result<Box<dyn std::io::Read + Send>> {
    #[cfg(feature = "s3")]
    {
        s3::open(object)
    }
    #[cfg(not(feature = "s3"))]
    {
        Err(not_built(&object.uri.to_string()))
    }
}

/// Copies every object under the prefix `uri` into a new temporary folder (keys relative to
/// the prefix become paths), for readers that need files they can read again by offset
/// (`results --output s3://…`). The folder is removed when the returned handle is dropped.
pub fn download_prefix(uri: &str) -> Result<tempfile::TempDir> {
    let parsed = S3Uri::parse(uri)?;
    #[cfg(feature = "s3")]
    {
        s3::download_prefix(&parsed)
    }
    #[cfg(not(feature = "s3"))]
    {
        Err(not_built(&parsed.to_string()))
    }
}

/// The error for an `s3://` path in a build without the `s3` feature.
#[cfg(not(feature = "s3"))]
pub fn not_built(uri: &str) -> Error {
    Error::Remote {
        uri: uri.to_string(),
        message: "this bedrock-batch was built without S3 support (cargo feature `s3`); \
                  download the objects first, or install a build with default features"
            .into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_parse_and_print_back() {
        let u = S3Uri::parse("s3://my-bucket/in/part-1.jsonl").unwrap();
        assert_eq!(u.bucket, "my-bucket");
        assert_eq!(u.key, "in/part-1.jsonl");
        assert_eq!(u.to_string(), "s3://my-bucket/in/part-1.jsonl");
        assert_eq!(u.as_prefix(), "in/part-1.jsonl/");
        let b = S3Uri::parse("s3://my-bucket").unwrap();
        assert_eq!((b.key.as_str(), b.as_prefix().as_str()), ("", ""));
        assert_eq!(b.to_string(), "s3://my-bucket/");
        let p = S3Uri::parse("s3://my-bucket/in/").unwrap();
        assert_eq!(p.as_prefix(), "in/");
    }

    #[test]
    fn bad_uris_say_how_to_write_one() {
        for bad in [
            "s3://",
            "s3://A_B/x",
            "s3://ab/x",
            "s3://bucket//x",
            "http://b/x",
        ] {
            let e = S3Uri::parse(bad).unwrap_err().to_string();
            assert!(e.contains("s3://BUCKET/PREFIX/"), "{bad}: {e}");
            assert!(e.starts_with(&format!("`{bad}`")), "{bad}: {e}");
        }
    }
}
