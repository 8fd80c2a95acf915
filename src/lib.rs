//! `bedrock-batch`: check and prepare JSONL input for Amazon Bedrock batch inference.
//!
//! The library does all the work; the `bedrock-batch` binary only turns flags into a
//! configuration, draws progress and picks an exit code. Library code never prints or exits.
//!
//! # The API
//!
//! Everything public is listed here; the modules that do the work (the scanner, the JSON
//! tape, the chunker, the rules' checks, inputs, limits, S3 I/O) are private to the crate.
//!
//! - [`commands`]: one module per subcommand with a library side, each with its entry point,
//!   options and result types: [`commands::validate`], [`commands::shard`],
//!   [`commands::fix`], [`commands::job`], [`commands::results`], [`commands::models`],
//!   [`commands::rules`] and [`commands::schema`].
//! - [`report`]: the validate report model ([`Report`]) and its renderers (text, JSON, JSONL,
//!   GitHub, SARIF, JUnit).
//! - The shared vocabulary, at the top: [`Error`] and [`Result`], [`InvocationType`],
//!   [`Diagnostic`], [`RuleCode`], [`Severity`], [`RuleSelection`], [`QuotaOverrides`] and
//!   [`parse_size`], [`Grouping`], the [`Progress`] observer and [`DEFAULT_CHUNK_SIZE`].
//! - [`s3`]: process-wide S3 settings (profile, progress observer) and [`s3::is_s3`].
//! - [`fmt`]: the number and text formatting the reports use, for callers that render their
//!   own summaries.
//!
//! # Examples
//!
//! Validate a job (a folder, files, or `-` for standard input):
//!
//! ```no_run
//! use bedrock_batch::commands::validate::{validate, ValidateOptions};
//! use bedrock_batch::report::VerdictStatus;
//!
//! let report = validate(&["input/".into()], &ValidateOptions::default())?;
//! if report.verdict.status == VerdictStatus::Failed {
//!     eprintln!("{}", report.verdict.message.unwrap_or_default());
//! }
//! # Ok::<(), bedrock_batch::Error>(())
//! ```
//!
//! Render the report as the binary does (any [`std::io::Write`]):
//!
//! ```no_run
//! use bedrock_batch::commands::validate::{validate, ValidateOptions};
//! use bedrock_batch::report::{self, text::TextStyle};
//!
//! let report = validate(&["input/".into()], &ValidateOptions::default())?;
//! let style = TextStyle { color: false, quiet: false, max_diagnostics: 1000 };
//! report::text::write(&report, style, &mut std::io::stdout())
//!     .map_err(|e| bedrock_batch::Error::write("standard output", e))?;
//! report::sarif::write(&[report], &mut std::io::sink())
//!     .map_err(|e| bedrock_batch::Error::write("the SARIF log", e))?;
//! # Ok::<(), bedrock_batch::Error>(())
//! ```
//!
//! Split a job into jobs and files within the model's quotas:
//!
//! ```no_run
//! use bedrock_batch::commands::shard::{shard, OnInvalid, ShardOptions, ShardOutcome, ShardProgress};
//! use bedrock_batch::commands::validate::ValidateOptions;
//! use bedrock_batch::NoProgress;
//!
//! let opts = ShardOptions {
//!     validate: ValidateOptions { model_id: Some("anthropic.claude-3-haiku-20240307-v1:0".into()), ..Default::default() },
//!     out: "jobs/".into(),
//!     on_invalid: OnInvalid::Quarantine,
//!     force: false,
//!     requests: None,
//!     cancel: None,
//! };
//! let progress = ShardProgress { scan: &NoProgress, write: &NoProgress };
//! match shard(&["export.jsonl".into()], &opts, &progress) {
//!     Ok(ShardOutcome::Written(summary)) => eprintln!("{} jobs", summary.manifest.jobs.len()),
//!     Ok(other) => eprintln!("nothing written: {other:?}"),
//!     Err(e) => eprintln!("{e}"),
//! }
//! ```
//!
//! Repair what can be repaired safely, into a new file:
//!
//! ```no_run
//! use bedrock_batch::commands::fix::{fix, FixOptions, Target};
//! use bedrock_batch::NoProgress;
//!
//! let mut opts = FixOptions::new(Target::Out("fixed.jsonl".into()));
//! opts.add_record_ids = true;
//! let report = fix(&["export.jsonl".into()], &opts, &NoProgress)?;
//! for r in &report.rejected {
//!     eprintln!("{}:{}: {} {}", r.path, r.line, r.code, r.message);
//! }
//! # Ok::<(), bedrock_batch::Error>(())
//! ```
//!
//! Check a `create-model-invocation-job` request offline, and print a request skeleton:
//!
//! ```no_run
//! use bedrock_batch::commands::job::{self, CreateOptions, CreateOutcome, StateStore};
//! use bedrock_batch::QuotaOverrides;
//!
//! let request: serde_json::Value = serde_json::from_str(&std::fs::read_to_string("request.json")?)?;
//! let opts = CreateOptions {
//!     region: "us-east-1".into(),
//!     now: jiff::Timestamp::now(),
//!     local_input: Some("input/".into()),
//!     state: StateStore::new("state/"),
//!     quota_overrides: QuotaOverrides::default(),
//! };
//! match job::create(&request, &opts)? {
//!     CreateOutcome::Created(job, _) | CreateOutcome::Replayed(job) => eprintln!("{}", job.job_arn),
//!     CreateOutcome::Rejected(why) => eprintln!("{why}"),
//! }
//! let skeleton = job::skeleton::generate(&job::CREATE_REQUEST, false);
//! eprintln!("{skeleton:#}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Join a finished job's output to its input:
//!
//! ```no_run
//! use bedrock_batch::commands::results::{results, ResultsOptions};
//!
//! let opts = ResultsOptions::new(vec!["input/".into()], "output/abc123def456/".into());
//! let summary = results(&opts)?;
//! eprintln!("{} failed, {} missing", summary.counts.failed, summary.counts.missing);
//! # Ok::<(), bedrock_batch::Error>(())
//! ```
//!
//! The model catalog, the rules table and the body schema families:
//!
//! ```no_run
//! use bedrock_batch::commands::models::Catalog;
//! use bedrock_batch::commands::{rules, schema};
//! use bedrock_batch::RuleCode;
//!
//! let resolution = Catalog::embedded().resolve("anthropic.claude-3-haiku-20240307-v1:0");
//! eprintln!("{:?}", resolution.family());
//! for rule in rules::RULES {
//!     eprintln!("{} {} {}", rule.code, rule.name, rule.summary);
//! }
//! let example = rules::example(RuleCode::L001);
//! eprintln!("{}", example.is_some());
//! for family in schema::families() {
//!     eprintln!("{family}: {} bytes", schema::schema_text(family).unwrap_or_default().len());
//! }
//! ```

// The shape the library keeps: everything public is documented, it never prints or exits
// (the binary does), and every unsafe operation sits in its own `unsafe` block with a
// `// SAFETY:` comment, even inside an `unsafe fn`.
#![deny(missing_docs)]
// What a caller can reach (a field's type, a return type) it can also name: the public
// modules re-export it. Not with `internals`, which hands out engine types on purpose and
// only to the package's own tests, benches and fuzz targets.
#![cfg_attr(not(feature = "internals"), deny(unnameable_types))]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

// The modules that do the work: private. What callers need is re-exported below or through
// the public modules; tests/it/layers.rs fails if a `pub mod` appears here that is not on
// its list of public modules.
mod atomic;
mod diagnostic;
#[cfg(test)]
mod differential;
mod error;
mod fix;
mod input;
mod job;
mod json;
mod limits;
mod media;
mod models;
mod quota;
mod remote;
mod rules;
mod scan;
mod schema;
#[cfg(feature = "simd-dom")]
mod schema_simd;
mod schema_tape;
mod shard;
mod text;
mod validate;

// The public modules (the list tests/it/layers.rs keeps).
pub mod commands;
pub mod fmt;
pub mod report;
pub mod s3;

// Not API: the scanner, chunker, tapes and planner for benches, fuzz targets and the
// integration tests that drive them directly (cargo feature `internals`, off by default).
// A feature rather than an always-public `#[doc(hidden)]` module, so that without it nothing
// outside this list can be named; the package's own tests get it through its
// dev-dependency on itself (Cargo.toml).
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod internals;

pub use diagnostic::{Diagnostic, Position};
pub use error::{Error, Result};
pub use input::Grouping;
pub use limits::DEFAULT_CHUNK_SIZE;
pub use quota::{parse_size, QuotaOverrides, QuotaProfile};
pub use rules::{RuleCode, RuleSelection, Severity, UnknownRule};
pub use validate::{NoProgress, Progress, Report};

use serde::{Deserialize, Serialize};

/// How the records of a job are invoked (`modelInvocationType`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
