//! `bedrock-batch`: check and prepare JSONL input for Amazon Bedrock batch inference.
//!
//! The library does all the work; the `bedrock-batch` binary only turns flags into a
//! configuration, draws progress and picks an exit code. Library code never prints or exits.
//!
//! ```no_run
//! use bedrock_batch::validate::{validate, ValidateOptions, VerdictStatus};
//!
//! let report = validate(&["input/".into()], &ValidateOptions::default())?;
//! if report.verdict.status == VerdictStatus::Failed {
//!     eprintln!("{}", report.verdict.message.unwrap_or_default());
//! }
//! # Ok::<(), bedrock_batch::Error>(())
//! ```

// The shape the library keeps: everything public is documented, it never prints or exits
// (the binary does), and every unsafe operation sits in its own `unsafe` block with a
// `// SAFETY:` comment, even inside an `unsafe fn`.
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

mod atomic;
pub mod commands;
pub mod diagnostic;
#[cfg(test)]
mod differential;
pub mod error;
pub mod fix;
pub mod input;
pub mod job;
pub mod json;
pub mod limits;
pub mod media;
pub mod models;
pub mod quota;
pub mod remote;
pub mod report;
pub mod rules;
pub mod scan;
pub mod schema;
#[cfg(feature = "simd-dom")]
pub mod schema_simd;
pub mod schema_tape;
pub mod shard;
pub mod text;
pub mod validate;

pub use error::{Error, Result};

use serde::Serialize;

/// How the records of a job are invoked (`modelInvocationType`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub enum InvocationType {
    /// Bodies are InvokeModel request bodies of the model (the default).
    #[default]
    InvokeModel,
    /// Bodies are Converse request bodies, whatever the model.
    Converse,
}

impl InvocationType {
    /// The service's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            InvocationType::InvokeModel => "InvokeModel",
            InvocationType::Converse => "Converse",
        }
    }
}

impl std::str::FromStr for InvocationType {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s {
            "InvokeModel" => Ok(InvocationType::InvokeModel),
            "Converse" => Ok(InvocationType::Converse),
            other => Err(format!(
                "\"{other}\" is not an invocation type; use InvokeModel or Converse"
            )),
        }
    }
}
