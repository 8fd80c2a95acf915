//! Errors that stop the tool (exit code 2), as opposed to findings about the data.

use std::path::PathBuf;

/// Why the tool could not do its work.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A path could not be read.
    #[error("cannot read `{path}`: {source}")]
    Io {
        /// The path as the user gave it.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// Standard input was named more than once.
    #[error("`-` (standard input) can be given only once")]
    StdinTwice,
    /// An option's value makes no sense.
    #[error("{0}")]
    Config(String),
    /// A schema could not be loaded or compiled.
    #[error("schema `{path}`: {message}")]
    Schema {
        /// Where the schema came from.
        path: String,
        /// What is wrong with it.
        message: String,
    },
    /// An output could not be written.
    #[error("cannot write `{path}`: {source}")]
    Write {
        /// The file being written.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// An `s3://` location could not be read or written (bucket missing, access denied,
    /// credentials expired, endpoint unreachable, ...). The message says what to do.
    #[error("`{uri}`: {message}")]
    Remote {
        /// The location, as an `s3://` URI.
        uri: String,
        /// What went wrong and what to do about it.
        message: String,
    },
    /// A corrected output failed its own re-check, so nothing was replaced.
    #[error("{0}")]
    Recheck(String),
}

impl Error {
    /// An I/O error about `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// An error writing `path`.
    pub fn write(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Write {
            path: path.into(),
            source,
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
