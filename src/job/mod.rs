//! `job`: the `create-model-invocation-job` request in, the `get-model-invocation-job` response
//! out, with every check the service makes in between, offline.
//!
//! A pipeline that already builds the `aws bedrock create-model-invocation-job` call can run the
//! same arguments through `bedrock-batch job create` first. What happens, in the service's order:
//!
//! 1. The request is assembled as the AWS CLI does ([`request`], [`shorthand`]).
//! 2. botocore's client-side checks ([`constraints::param_problems`]): unknown members, wrong
//!    types, tagged unions. Failing them is `Parameter validation failed`.
//! 3. The service's synchronous checks ([`constraints::violations`]): required members, lengths,
//!    patterns, ranges, enums, list sizes; then whether the catalog marks the model as not
//!    supporting batch. Failing them is a `ValidationException`.
//! 4. Idempotency: a client request token seen before returns the job it created, unchanged.
//! 5. The Validating phase: [`crate::validate`] on the local copy of the input (`--local-input`),
//!    with the job's model id and invocation type. It decides `Scheduled` or `Failed`.
//! 6. The job is stored ([`state`]) and returned in the `GetModelInvocationJob` shape
//!    ([`response`]).
//!
//! Decisions where the service is silent or cannot be reproduced offline:
//! - The job id is the first 12 characters of the lower-case RFC 4648 base32 encoding of the
//!   SHA-256 of the request's canonical JSON ([`request::CreateModelInvocationJobRequest::canonical_json`]:
//!   compact, members in service-model order, absent members left out, the client request token
//!   included when given). The same request gives the same job ARN on every machine.
//! - The ARN's partition and account come from the role ARN (account `000000000000` when the
//!   role ARN has none); the region is the caller's.
//! - A request without `timeoutDurationInHours` is echoed with 24, the value the service is
//!   inferred to use (it is not documented); `jobExpirationTime` is the submit time plus the
//!   timeout.
//! - Timestamps are the submit instant truncated to milliseconds (the service's precision);
//!   `lastModifiedTime` equals `submitTime`, and a `Failed` job's `endTime` too.
//! - Without a local copy of the input the data checks are skipped: the job is `Scheduled` (the
//!   caller says so on stderr).
//! - `totalRecordCount` (like the other counters) is 0, as the service returns until processing
//!   starts (D3); the local record count goes back to the caller in [`DataCheck`].

pub mod constraints;
pub mod request;
pub mod response;
pub mod shorthand;
pub mod skeleton;
pub mod state;

use std::fmt;
use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::models::Catalog;
use crate::quota::QuotaOverrides;
use constraints::{ParamProblem, Violation, CREATE_REQUEST, GET_REQUEST};
use request::{CreateModelInvocationJobRequest, ModelInvocationType};
use response::{format_timestamp, JobStatus, ModelInvocationJob};
use state::{StateStore, StoredJob};

/// The timeout the service is taken to apply when the request has none (hours).
pub const DEFAULT_TIMEOUT_HOURS: i64 = 24;

/// The region used when neither `--region` nor the environment names one.
pub const DEFAULT_REGION: &str = "us-east-1";

/// The account put in job ARNs when the role ARN has none.
pub const FALLBACK_ACCOUNT: &str = "000000000000";

/// The longest `message` the service returns (`Message` shape).
const MESSAGE_MAX_CHARS: usize = 2048;

/// Why `job` could not do its work (exit code 2): bad flag values, unreadable files, a state
/// folder that cannot be used, an input the data check cannot read.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// A flag's value could not be parsed (AWS CLI wording).
    #[error("Error parsing parameter '{flag}': {message}")]
    Param {
        /// The flag, with its dashes.
        flag: String,
        /// What is wrong.
        message: String,
    },
    /// A `file://` value could not be read.
    #[error("Error parsing parameter '{flag}': Unable to load paramfile file://{}: {source}", path.display())]
    ParamFile {
        /// The flag, with its dashes.
        flag: String,
        /// The path as written after `file://`.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// `--region` cannot be part of an ARN.
    #[error("invalid region '{0}': a region is 1 to 20 lower-case letters, digits and hyphens (--region, AWS_REGION)")]
    Region(String),
    /// `--now` is not an RFC 3339 timestamp.
    #[error("invalid --now '{0}': expected an RFC 3339 timestamp such as 2024-05-01T12:00:00Z")]
    Now(String),
    /// No state folder could be found.
    #[error("no state directory: the platform has none; give --state-dir DIR or set BEDROCK_BATCH_STATE_DIR")]
    NoStateDir,
    /// The state folder could not be read or written.
    #[error("state directory: `{}`: {source}", path.display())]
    State {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A state file is not a stored job.
    #[error("state directory: `{}` is not a stored job ({message}); remove it or use another --state-dir", path.display())]
    StateCorrupt {
        /// The file.
        path: PathBuf,
        /// The parser's complaint.
        message: String,
    },
    /// The data check could not run (unreadable `--local-input`, bad schema, ...).
    #[error("--local-input: {0}")]
    Data(#[from] crate::Error),
    /// A bug: something the checks guarantee did not hold.
    #[error("internal error: {0}")]
    Internal(String),
}

/// A request the real call would refuse (exit code 1), worded as the AWS CLI prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// botocore's client-side validation failed: one problem per line.
    ParamValidation(Vec<ParamProblem>),
    /// The service answered with an error.
    Service {
        /// `ValidationException`, `ResourceNotFoundException`, ...
        code: &'static str,
        /// `CreateModelInvocationJob` or `GetModelInvocationJob`.
        operation: &'static str,
        /// The service's message.
        message: String,
    },
}

impl Rejection {
    /// Advice for refusals users are known to walk into, printed after the service's own
    /// wording (which stays exact).
    pub fn hints(&self) -> Vec<String> {
        let Rejection::ParamValidation(problems) = self else {
            return Vec::new();
        };
        let mut hints = Vec::new();
        // AWS's batch VPC guide (D6) writes `subnets` in its example; the API member is
        // `subnetIds` (botocore), and users copy the example.
        if problems.iter().any(|p| {
            p.0.starts_with("Unknown parameter in vpcConfig: \"subnets\"")
        }) {
            hints.push(
                "the VPC member is `subnetIds`, not `subnets` (the example in AWS's \"Protect batch \
                 inference jobs using a VPC\" guide says `subnets`): --vpc-config \
                 subnetIds=subnet-1,securityGroupIds=sg-1"
                    .to_owned(),
            );
        }
        hints
    }

    fn validation(operation: &'static str, violations: &[Violation]) -> Self {
        Rejection::Service {
            code: "ValidationException",
            operation,
            message: validation_message(violations),
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::ParamValidation(problems) => {
                f.write_str("Parameter validation failed:")?;
                for p in problems {
                    write!(f, "\n{p}")?;
                }
                Ok(())
            }
            Rejection::Service {
                code,
                operation,
                message,
            } => write!(
                f,
                "An error occurred ({code}) when calling the {operation} operation: {message}"
            ),
        }
    }
}

/// The service's `ValidationException` message for `violations`: `N validation error(s)
/// detected: ` and the violations joined by `; `, here with a line break after each `;` so
/// every violation is on its own line (join the lines with a space to get the service's text).
pub fn validation_message(violations: &[Violation]) -> String {
    let n = violations.len();
    let noun = if n == 1 { "error" } else { "errors" };
    let list: Vec<String> = violations.iter().map(ToString::to_string).collect();
    format!("{n} validation {noun} detected: {}", list.join(";\n"))
}

/// Runs every check the service makes on a `CreateModelInvocationJob` request, synchronously,
/// before it creates a job: client-side parameter validation, the service model's constraints,
/// and the catalog's batch support (per id form).
pub fn check_request(value: &Value) -> Result<CreateModelInvocationJobRequest, Rejection> {
    check_request_with(value, Catalog::embedded(), None)
}

/// [`check_request`] for a job in `region`, whose inference-profile prefix a wrong-form
/// refusal names (`eu-west-1` → `eu.…`).
pub fn check_request_in(
    value: &Value,
    region: &str,
) -> Result<CreateModelInvocationJobRequest, Rejection> {
    check_request_with(value, Catalog::embedded(), Some(region))
}

const CREATE_OPERATION: &str = "CreateModelInvocationJob";
const GET_OPERATION: &str = "GetModelInvocationJob";

/// The service's wording for a model without batch support (stdapi-ai/stdapi.ai #292).
const NOT_SUPPORTED: &str = "Batch inference is not supported for the requested model";

fn check_request_with(
    value: &Value,
    catalog: &'static Catalog,
    region: Option<&str>,
) -> Result<CreateModelInvocationJobRequest, Rejection> {
    let problems = constraints::param_problems(&CREATE_REQUEST, value);
    if !problems.is_empty() {
        return Err(Rejection::ParamValidation(problems));
    }
    let violations = constraints::violations(&CREATE_REQUEST, value);
    if !violations.is_empty() {
        return Err(Rejection::validation(CREATE_OPERATION, &violations));
    }
    let request = CreateModelInvocationJobRequest::from_checked(value).map_err(|e| {
        // Unreachable after the two passes above; report it rather than panic.
        Rejection::ParamValidation(vec![ParamProblem(e.to_string())])
    })?;
    // Unknown ids are let through (the caller warns): the catalog is not a complete list.
    let resolution = catalog.resolve(&request.model_id);
    let refuse = |message: String| {
        Err(Rejection::Service {
            code: "ValidationException",
            operation: CREATE_OPERATION,
            message,
        })
    };
    if resolution.entry.map(|e| e.batch) == Some(false) {
        return refuse(NOT_SUPPORTED.to_owned());
    }
    // The service's wording for a wrong id form is not documented: the documented refusal,
    // followed by what bedrock-batch knows (marked as its own).
    if let Some(p) = resolution.form_problem(region) {
        return refuse(format!("{NOT_SUPPORTED} (bedrock-batch: {})", p.message));
    }
    Ok(request)
}

/// The 12-character job id of a request (see the module documentation).
pub fn derive_job_id(request: &CreateModelInvocationJobRequest) -> String {
    let digest = Sha256::digest(request.canonical_json().as_bytes());
    base32_lower(&digest).chars().take(12).collect()
}

/// RFC 4648 base32 without padding, lower case (`a`–`z`, `2`–`7`).
fn base32_lower(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Whether `region` can stand in a job ARN (`[a-z0-9-]{1,20}`).
pub fn is_valid_region(region: &str) -> bool {
    (1..=20).contains(&region.len())
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The ARN prefix of a job created with `role_arn` in `region`, up to the account:
/// `arn:aws:bedrock:us-east-1:123456789012`.
fn arn_scope(role_arn: &str, region: &str) -> String {
    // The role ARN passed `arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+`, so splitting on `:`
    // gives the partition second and the (possibly empty) account fifth.
    let parts: Vec<&str> = role_arn.splitn(6, ':').collect();
    let partition = parts.get(1).copied().unwrap_or("aws");
    let account = parts
        .get(4)
        .copied()
        .filter(|a| !a.is_empty())
        .unwrap_or(FALLBACK_ACCOUNT);
    format!("arn:{partition}:bedrock:{region}:{account}")
}

/// What the data check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataCheck {
    /// Records in the input.
    pub records: u64,
    /// Why the Validating phase fails, if it does.
    pub failure: Option<String>,
    /// Records referencing media outside the input folder (M013): they pass Validating and
    /// fail at inference. The count and the first finding, for the caller to show.
    pub media_outside: Option<(u64, String)>,
    /// Records with an error of their own (a body that does not fit the model, a repeated
    /// recordId, ...): in a `Scheduled` job, the records that would fail at inference.
    pub failing_records: u64,
    /// Findings by severity: errors, warnings, infos (as `validate` counts them), so the
    /// caller can apply `--fail-on` as `validate` does.
    pub findings: [u64; 3],
}

/// The Validating phase on the local copy of the job's input.
fn check_data(
    local_input: &Path,
    model_id: &str,
    invocation_type: ModelInvocationType,
    quota_overrides: QuotaOverrides,
    input_s3_uri: Option<&str>,
) -> Result<DataCheck, JobError> {
    use crate::scan::LineStatus;
    use crate::validate::{JobRun, JobSetup, NoProgress, ValidateOptions, VerdictStatus};
    let opts = ValidateOptions {
        model_id: Some(model_id.to_owned()),
        invocation_type,
        quota_overrides,
        input_s3_uri: input_s3_uri.map(str::to_owned),
        ..ValidateOptions::default()
    };
    // `validate`'s scan, with each line's status: the records with errors are counted here,
    // the findings are only counted (the caller points at `validate` to list them).
    let inputs = crate::input::collect(&[local_input.to_path_buf()], None)?;
    let setup = JobSetup::new(&opts)?;
    let mut run = JobRun::new(&opts, &setup).with_line_status();
    let mut failing_records = 0u64;
    run.scan_all(&inputs.files, &NoProgress, &mut |_, _, chunk| {
        failing_records += chunk
            .line_status
            .iter()
            .filter(|s| **s == LineStatus::Invalid)
            .count() as u64;
        Ok(())
    })?;
    let report = run.try_finish(&inputs.files)?;
    let failure =
        match report.verdict.status {
            VerdictStatus::Scheduled => None,
            VerdictStatus::Failed => Some(report.verdict.message.unwrap_or_else(|| {
                "The input failed validation (no finding was named)".to_owned()
            })),
        };
    let media_outside = report.summary.by_code.get("M013").map(|&n| {
        let first = report
            .diagnostics
            .iter()
            .find(|d| d.code == crate::rules::RuleCode::M013)
            .map(|d| match (&d.path, d.position) {
                (Some(path), Some(p)) => format!("{path}:{}: {}", p.line, d.message),
                _ => d.message.clone(),
            })
            .unwrap_or_default();
        (n, first)
    });
    let s = &report.summary;
    Ok(DataCheck {
        records: s.records,
        failure,
        media_outside,
        failing_records,
        findings: [s.errors, s.warnings, s.infos],
    })
}

/// How `job create` runs.
#[derive(Debug, Clone)]
pub struct CreateOptions {
    /// The region of the job ARN.
    pub region: String,
    /// The submit time.
    pub now: Timestamp,
    /// The local copy of what sits at the input `s3Uri`; `None` skips the data checks.
    pub local_input: Option<PathBuf>,
    /// Where jobs are kept.
    pub state: StateStore,
    /// Quotas adjusted for the account, for the data check.
    pub quota_overrides: QuotaOverrides,
}

/// What `job create` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateOutcome {
    /// A new job, `Scheduled` or `Failed`, and what the data check found (`None` without
    /// `--local-input`). The job's `totalRecordCount` is 0, as the service answers until
    /// processing starts; the check's record count is for the caller to show elsewhere.
    Created(Box<ModelInvocationJob>, Option<DataCheck>),
    /// The client request token was used before: the job it created, unchanged.
    Replayed(Box<ModelInvocationJob>),
    /// The request would be refused.
    Rejected(Rejection),
}

/// `CreateModelInvocationJob`, offline: checks the request (a JSON object as the AWS CLI would
/// send it), the data, and stores the job.
pub fn create(value: &Value, opts: &CreateOptions) -> Result<CreateOutcome, JobError> {
    if !is_valid_region(&opts.region) {
        return Err(JobError::Region(opts.region.clone()));
    }
    let request = match check_request_in(value, &opts.region) {
        Ok(r) => r,
        Err(rejection) => return Ok(CreateOutcome::Rejected(rejection)),
    };
    let scope = arn_scope(&request.role_arn, &opts.region);
    if let Some(token) = &request.client_request_token {
        if let Some(stored) = opts.state.find_by_token(&scope, token)? {
            return Ok(CreateOutcome::Replayed(Box::new(stored.job)));
        }
    }
    let data = match &opts.local_input {
        Some(path) => Some(check_data(
            path,
            &request.model_id,
            request.invocation_type(),
            opts.quota_overrides,
            Some(
                request
                    .input_data_config
                    .s3_input_data_config
                    .s3_uri
                    .as_str(),
            ),
        )?),
        None => None,
    };
    let job = build_job(&request, &scope, opts.now, data.as_ref())?;
    opts.state
        .save(&StoredJob::new(request, job.clone()), &scope)?;
    Ok(CreateOutcome::Created(Box::new(job), data))
}

fn build_job(
    request: &CreateModelInvocationJobRequest,
    scope: &str,
    now: Timestamp,
    data: Option<&DataCheck>,
) -> Result<ModelInvocationJob, JobError> {
    let submit = now
        .round(
            jiff::TimestampRound::new()
                .smallest(jiff::Unit::Millisecond)
                .mode(jiff::RoundMode::Trunc),
        )
        .map_err(|e| JobError::Internal(format!("rounding the submit time: {e}")))?;
    let timeout = request
        .timeout_duration_in_hours
        .unwrap_or(DEFAULT_TIMEOUT_HOURS);
    let expiration = submit
        .checked_add(SignedDuration::from_hours(timeout))
        .map_err(|e| JobError::Now(format!("{submit} + {timeout} hours: {e}")))?;
    let failure = data.and_then(|d| d.failure.as_deref());
    let submit_text = format_timestamp(submit);
    Ok(ModelInvocationJob {
        job_arn: format!("{scope}:model-invocation-job/{}", derive_job_id(request)),
        job_name: request.job_name.clone(),
        model_id: request.model_id.clone(),
        client_request_token: request.client_request_token.clone(),
        role_arn: request.role_arn.clone(),
        status: if failure.is_some() {
            JobStatus::Failed
        } else {
            JobStatus::Scheduled
        },
        message: failure.map(|m| m.chars().take(MESSAGE_MAX_CHARS).collect()),
        submit_time: submit_text.clone(),
        last_modified_time: submit_text.clone(),
        end_time: failure.map(|_| submit_text),
        input_data_config: request.input_data_config.clone(),
        output_data_config: request.output_data_config.clone(),
        vpc_config: request.vpc_config.clone(),
        timeout_duration_in_hours: timeout,
        job_expiration_time: format_timestamp(expiration),
        model_invocation_type: request.invocation_type(),
        // The service returns 0 for every counter until processing starts (D3; T7 saw 0
        // while Validating), so a pre-flight answer that filled it in would never match the
        // real job's. The local count is reported by the caller instead.
        total_record_count: 0,
        processed_record_count: 0,
        success_record_count: 0,
        error_record_count: 0,
    })
}

/// What `job get` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GetOutcome {
    /// The stored job.
    Found(Box<ModelInvocationJob>),
    /// The request would be refused (bad identifier, unknown job).
    Rejected(Rejection),
}

/// `GetModelInvocationJob`, offline: `value` is the request object (`{"jobIdentifier": ...}`).
pub fn get(value: &Value, state: &StateStore) -> Result<GetOutcome, JobError> {
    let problems = constraints::param_problems(&GET_REQUEST, value);
    if !problems.is_empty() {
        return Ok(GetOutcome::Rejected(Rejection::ParamValidation(problems)));
    }
    let violations = constraints::violations(&GET_REQUEST, value);
    if !violations.is_empty() {
        return Ok(GetOutcome::Rejected(Rejection::validation(
            GET_OPERATION,
            &violations,
        )));
    }
    let identifier = value
        .get("jobIdentifier")
        .and_then(Value::as_str)
        .unwrap_or_default();
    // The identifier is an ARN ending in `/ID` or a bare 12-character id.
    let id = identifier.rsplit('/').next().unwrap_or(identifier);
    let found = state
        .load(id)?
        .filter(|stored| !identifier.contains('/') || stored.job.job_arn == identifier);
    Ok(match found {
        Some(stored) => GetOutcome::Found(Box::new(stored.job)),
        None => GetOutcome::Rejected(Rejection::Service {
            code: "ResourceNotFoundException",
            operation: GET_OPERATION,
            message: format!(
                "The specified resource Amazon Resource Name (ARN) was not found. Check the \
                 Amazon Resource Name (ARN) and try your request again. (No job {identifier} \
                 in the state directory {}.)",
                state.root().display()
            ),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn good_request() -> Value {
        json!({
            "jobName": "my-job",
            "roleArn": "arn:aws:iam::123456789012:role/BatchRole",
            "modelId": "anthropic.claude-3-haiku-20240307-v1:0",
            "inputDataConfig": {"s3InputDataConfig": {"s3Uri": "s3://bucket/in/"}},
            "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": "s3://bucket/out/"}}
        })
    }

    #[test]
    fn base32_matches_rfc4648() {
        // RFC 4648 §10 test vectors, lower-cased, padding dropped.
        assert_eq!(base32_lower(b""), "");
        assert_eq!(base32_lower(b"f"), "my");
        assert_eq!(base32_lower(b"fo"), "mzxq");
        assert_eq!(base32_lower(b"foobar"), "mzxw6ytboi");
    }

    #[test]
    fn job_ids_are_stable_and_fit_the_arn_pattern() {
        let req = CreateModelInvocationJobRequest::from_checked(&good_request()).unwrap();
        let id = derive_job_id(&req);
        assert_eq!(id.len(), 12);
        assert_eq!(id, derive_job_id(&req.clone()));
        let arn = format!(
            "{}:model-invocation-job/{id}",
            arn_scope(&req.role_arn, "eu-west-1")
        );
        assert!(
            constraints::matches(constraints::JOB_ARN_PATTERN, &arn),
            "{arn}"
        );
        assert!(arn.starts_with("arn:aws:bedrock:eu-west-1:123456789012:"));
        let mut other = req.clone();
        other.job_name = "other".into();
        assert_ne!(derive_job_id(&other), id);
    }

    #[test]
    fn arn_scope_takes_partition_and_account_from_the_role() {
        assert_eq!(
            arn_scope("arn:aws-cn:iam::123456789012:role/x", "cn-north-1"),
            "arn:aws-cn:bedrock:cn-north-1:123456789012"
        );
        assert_eq!(
            arn_scope("arn:aws:iam:::role/x", "us-east-1"),
            "arn:aws:bedrock:us-east-1:000000000000"
        );
    }

    #[test]
    fn catalog_batch_false_is_refused_and_unknown_ids_pass() {
        let catalog: &'static Catalog = Box::leak(Box::new(
            serde_json::from_str(
                r#"{"version": 1, "profile_prefixes": ["us."],
                    "default_quotas": {"min_records_per_job": 100, "max_records_per_file": 50000,
                      "max_records_per_job": 50000, "max_file_bytes": 1000000000,
                      "max_job_bytes": 5000000000},
                    "checked": "2026-11-29", "sources": {}, "default_quotas_source": "D13",
                    "models": [
                      {"ids": ["acme.nobatch-v1:0"], "name": "No batch", "batch": false,
                       "sources": [], "checked": "2026-11-29"},
                      {"ids": ["acme.profile-v1:0"], "name": "Profile only", "batch": true,
                       "batch_via": "profile", "sources": [], "checked": "2026-11-29"}]}"#,
            )
            .unwrap(),
        ));
        let mut req = good_request();
        req["modelId"] = json!("us.acme.nobatch-v1:0");
        let err = check_request_with(&req, catalog, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "An error occurred (ValidationException) when calling the CreateModelInvocationJob \
             operation: Batch inference is not supported for the requested model"
        );
        req["modelId"] = json!("acme.other-v1:0");
        assert!(check_request_with(&req, catalog, None).is_ok());
        req["modelId"] = json!("acme.profile-v1:0");
        let err = check_request_with(&req, catalog, Some("eu-west-1"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("use `eu.acme.profile-v1:0`"), "{err}");
        req["modelId"] = json!("eu.acme.profile-v1:0");
        assert!(check_request_with(&req, catalog, Some("eu-west-1")).is_ok());
    }

    #[test]
    fn several_violations_one_per_line() {
        let mut req = good_request();
        req["jobName"] = json!("my_job");
        req["timeoutDurationInHours"] = json!(12);
        let err = check_request(&req).unwrap_err().to_string();
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 2, "{err}");
        assert!(lines[0].starts_with(
            "An error occurred (ValidationException) when calling the CreateModelInvocationJob \
             operation: 2 validation errors detected: Value 'my_job' at 'jobName'"
        ));
        assert!(lines[0].ends_with(';'));
        assert_eq!(lines[1], "Value '12' at 'timeoutDurationInHours' failed to satisfy constraint: Member must have value greater than or equal to 24");
    }

    #[test]
    fn build_job_fills_every_member() {
        let req = CreateModelInvocationJobRequest::from_checked(&good_request()).unwrap();
        let now: Timestamp = "2024-05-01T12:00:00.123456Z".parse().unwrap();
        let job = build_job(&req, "arn:aws:bedrock:us-east-1:123456789012", now, None).unwrap();
        assert_eq!(job.submit_time, "2024-05-01T12:00:00.123000+00:00");
        assert_eq!(job.job_expiration_time, "2024-05-02T12:00:00.123000+00:00");
        assert_eq!(job.status, JobStatus::Scheduled);
        assert_eq!(job.end_time, None);
        let failed = build_job(
            &req,
            "arn:aws:bedrock:us-east-1:123456789012",
            now,
            Some(&DataCheck {
                records: 3,
                failure: Some("x".repeat(3000)),
                media_outside: None,
                failing_records: 0,
                findings: [1, 0, 0],
            }),
        )
        .unwrap();
        assert_eq!(failed.status, JobStatus::Failed);
        assert_eq!(failed.message.as_ref().map(|m| m.len()), Some(2048));
        assert_eq!(
            failed.end_time.as_deref(),
            Some("2024-05-01T12:00:00.123000+00:00")
        );
        assert_eq!(
            failed.total_record_count, 0,
            "as the service answers before processing"
        );
    }
}
