//! The `CreateModelInvocationJob` request: how it is put together from the AWS CLI's flags and
//! `--cli-input-json`/`--cli-input-yaml`, and its typed form once it has passed the checks.
//!
//! Assembly follows the AWS CLI:
//! - every flag value may be `file://path`, which is replaced by the file's text;
//! - a structured flag whose value starts with `{` (a structure) or `[` (a list) is JSON,
//!   anything else is shorthand syntax ([`super::shorthand`]);
//! - a list of structures (`--tags`) takes several values, each one element;
//! - `--cli-input-json`/`--cli-input-yaml` gives the whole request, and a flag given beside it
//!   replaces that top-level member entirely.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::constraints::CREATE_REQUEST;
use super::shorthand;
use super::JobError;

/// The typed `CreateModelInvocationJob` request (member names and order as in the service model).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateModelInvocationJobRequest {
    /// `jobName`.
    pub job_name: String,
    /// `roleArn`.
    pub role_arn: String,
    /// `clientRequestToken`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_request_token: Option<String>,
    /// `modelId`.
    pub model_id: String,
    /// `inputDataConfig`.
    pub input_data_config: InputDataConfig,
    /// `outputDataConfig`.
    pub output_data_config: OutputDataConfig,
    /// `vpcConfig`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_config: Option<VpcConfig>,
    /// `timeoutDurationInHours`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_duration_in_hours: Option<i64>,
    /// `tags`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
    /// `modelInvocationType`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_invocation_type: Option<ModelInvocationType>,
}

/// `ModelInvocationJobInputDataConfig` (a tagged union with one member).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InputDataConfig {
    /// `s3InputDataConfig`.
    pub s3_input_data_config: S3InputDataConfig,
}

/// `ModelInvocationJobS3InputDataConfig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct S3InputDataConfig {
    /// `s3InputFormat` (only `JSONL` exists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_input_format: Option<String>,
    /// `s3Uri`.
    pub s3_uri: String,
    /// `s3BucketOwner`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_bucket_owner: Option<String>,
}

/// `ModelInvocationJobOutputDataConfig` (a tagged union with one member).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputDataConfig {
    /// `s3OutputDataConfig`.
    pub s3_output_data_config: S3OutputDataConfig,
}

/// `ModelInvocationJobS3OutputDataConfig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct S3OutputDataConfig {
    /// `s3Uri`.
    pub s3_uri: String,
    /// `s3EncryptionKeyId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_encryption_key_id: Option<String>,
    /// `s3BucketOwner`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_bucket_owner: Option<String>,
}

/// `VpcConfig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VpcConfig {
    /// `subnetIds`.
    pub subnet_ids: Vec<String>,
    /// `securityGroupIds`.
    pub security_group_ids: Vec<String>,
}

/// `Tag`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    /// `key`.
    pub key: String,
    /// `value`.
    pub value: String,
}

/// `ModelInvocationType`: the service model's name for [`crate::InvocationType`], the one enum
/// `validate` and the job emulator share (same variants, same spelling on the wire).
pub type ModelInvocationType = crate::InvocationType;

impl CreateModelInvocationJobRequest {
    /// Builds the typed request from a JSON object that passed
    /// `super::constraints::param_problems` and `super::constraints::violations`.
    pub fn from_checked(value: &Value) -> Result<Self, JobError> {
        serde_json::from_value(value.clone()).map_err(|e| {
            JobError::Internal(format!(
                "a request that passed the service-model checks did not deserialize: {e}"
            ))
        })
    }

    /// The invocation type in effect (the service's default is `InvokeModel`).
    pub fn invocation_type(&self) -> ModelInvocationType {
        self.model_invocation_type.unwrap_or_default()
    }

    /// The canonical form: compact JSON, members in model order, absent members left out. The
    /// job id is derived from it.
    pub fn canonical_json(&self) -> String {
        serde_json::to_string(self).expect("a request always serializes")
    }
}

/// A request member as the AWS CLI takes it from one flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagKind {
    /// A string member: taken as written.
    String,
    /// An integer member: parsed as a number.
    Integer,
    /// A structure member: JSON (starts with `{`) or shorthand.
    Structure,
    /// A list of structures: one JSON list (starts with `[`), or several values, each a JSON
    /// object or shorthand.
    StructureList,
}

/// The request flags of `create-model-invocation-job`: flag name, request member, kind.
pub const CREATE_FLAGS: &[(&str, &str, FlagKind)] = &[
    ("--job-name", "jobName", FlagKind::String),
    ("--role-arn", "roleArn", FlagKind::String),
    (
        "--client-request-token",
        "clientRequestToken",
        FlagKind::String,
    ),
    ("--model-id", "modelId", FlagKind::String),
    (
        "--input-data-config",
        "inputDataConfig",
        FlagKind::Structure,
    ),
    (
        "--output-data-config",
        "outputDataConfig",
        FlagKind::Structure,
    ),
    ("--vpc-config", "vpcConfig", FlagKind::Structure),
    (
        "--timeout-duration-in-hours",
        "timeoutDurationInHours",
        FlagKind::Integer,
    ),
    ("--tags", "tags", FlagKind::StructureList),
    (
        "--model-invocation-type",
        "modelInvocationType",
        FlagKind::String,
    ),
];

/// Reads `file://path` parameter values, relative to a base folder, as the AWS CLI does.
#[derive(Debug, Clone)]
pub struct ParamFiles {
    base: PathBuf,
}

impl Default for ParamFiles {
    fn default() -> Self {
        ParamFiles {
            base: PathBuf::from("."),
        }
    }
}

impl ParamFiles {
    /// The text of a `file://` value, or `None` if `value` is not one.
    pub fn load(&self, value: &str) -> Result<Option<String>, (PathBuf, std::io::Error)> {
        let Some(rest) = value.strip_prefix("file://") else {
            return Ok(None);
        };
        let path = expand_home(rest);
        let path = if path.is_absolute() {
            path
        } else {
            self.base.join(path)
        };
        std::fs::read_to_string(&path)
            .map(Some)
            .map_err(|e| (PathBuf::from(rest), e))
    }

    /// The value with a `file://` reference replaced by the file's text; errors name `flag`.
    pub fn resolve(&self, flag: &str, value: &str) -> Result<String, JobError> {
        match self.load(value) {
            Ok(Some(text)) => Ok(text),
            Ok(None) => Ok(value.to_owned()),
            Err((path, source)) => Err(JobError::ParamFile {
                flag: flag.to_owned(),
                path,
                source,
            }),
        }
    }
}

/// `~/x` → the home folder's `x`, as the CLI's `os.path.expanduser` does.
fn expand_home(path: &str) -> PathBuf {
    if let Some(rest) = path.strip_prefix("~/") {
        if let Some(home) = dirs::home_dir() {
            return home.join(rest);
        }
    }
    PathBuf::from(path)
}

fn bad_param(flag: &str, message: impl Into<String>) -> JobError {
    JobError::Param {
        flag: flag.to_owned(),
        message: message.into(),
    }
}

fn parse_json(flag: &str, text: &str) -> Result<Value, JobError> {
    serde_json::from_str(text).map_err(|e| bad_param(flag, format!("Invalid JSON: {e}")))
}

fn parse_shorthand(flag: &str, text: &str, files: &ParamFiles) -> Result<Value, JobError> {
    let resolve = |v: &str| -> Result<Option<String>, String> {
        files
            .load(v)
            .map_err(|(path, e)| format!("Unable to load paramfile file://{}: {e}", path.display()))
    };
    shorthand::parse_with_files(text, &resolve)
        .map(Value::Object)
        .map_err(|e| bad_param(flag, e.to_string()))
}

/// Turns the values of one request flag into the JSON of its member. `values` has one element
/// except for list flags (`--tags a b`).
pub fn decode_flag(
    flag: &str,
    kind: FlagKind,
    member: &str,
    values: &[String],
    files: &ParamFiles,
) -> Result<Value, JobError> {
    let shape = CREATE_REQUEST
        .member(member)
        .map(|m| m.shape)
        .ok_or_else(|| JobError::Internal(format!("no member {member} in the request shape")))?;
    let resolved: Vec<String> = values
        .iter()
        .map(|v| files.resolve(flag, v))
        .collect::<Result<_, _>>()?;
    let first = resolved
        .first()
        .ok_or_else(|| bad_param(flag, "expected a value"))?;
    let mut value = match kind {
        FlagKind::String => Value::String(first.clone()),
        FlagKind::Integer => {
            let n: i64 = first.trim().parse().map_err(|_| {
                bad_param(
                    flag,
                    format!("invalid literal for int() with base 10: '{first}'"),
                )
            })?;
            Value::from(n)
        }
        FlagKind::Structure => {
            if first.trim_start().starts_with('{') {
                parse_json(flag, first)?
            } else {
                parse_shorthand(flag, first, files)?
            }
        }
        FlagKind::StructureList => {
            let looks_json = first.trim_start().starts_with(['[', '{']);
            if looks_json {
                if resolved.len() == 1 && first.trim_start().starts_with('[') {
                    parse_json(flag, first)?
                } else {
                    // Several JSON objects, one per element; each must be an object.
                    let items = resolved
                        .iter()
                        .map(|v| {
                            if v.trim_start().starts_with('{') {
                                parse_json(flag, v)
                            } else {
                                Err(bad_param(flag, format!("Invalid JSON: {v}")))
                            }
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    Value::Array(items)
                }
            } else {
                let items = resolved
                    .iter()
                    .map(|v| parse_shorthand(flag, v, files))
                    .collect::<Result<Vec<_>, _>>()?;
                Value::Array(items)
            }
        }
    };
    // Shorthand values are untyped text; the model decides what is a list or a number. JSON
    // values go through the same pass, which only wraps scalars given for lists, as the CLI.
    if matches!(kind, FlagKind::Structure | FlagKind::StructureList) {
        shorthand::coerce(&mut value, shape).map_err(|e| bad_param(flag, e.to_string()))?;
    }
    Ok(value)
}

/// Where `--cli-input-json`/`--cli-input-yaml` text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CliInputFormat {
    /// `--cli-input-json`.
    Json,
    /// `--cli-input-yaml`.
    Yaml,
}

impl CliInputFormat {
    /// The flag's name.
    pub fn flag(self) -> &'static str {
        match self {
            CliInputFormat::Json => "--cli-input-json",
            CliInputFormat::Yaml => "--cli-input-yaml",
        }
    }
}

/// Parses a `--cli-input-json`/`--cli-input-yaml` value (inline or `file://path`) into the
/// request object it gives.
pub fn parse_cli_input(
    format: CliInputFormat,
    value: &str,
    files: &ParamFiles,
) -> Result<Map<String, Value>, JobError> {
    let flag = format.flag();
    let text = files.resolve(flag, value)?;
    let parsed: Value = match format {
        CliInputFormat::Json => parse_json(flag, &text)?,
        CliInputFormat::Yaml => serde_norway::from_str(&text)
            .map_err(|e| bad_param(flag, format!("Invalid YAML: {e}")))?,
    };
    match parsed {
        Value::Object(map) => Ok(map),
        // An empty YAML document is no input at all.
        Value::Null => Ok(Map::new()),
        other => Err(bad_param(
            flag,
            format!(
                "Invalid type: the input must be a {} object, not {}",
                if format == CliInputFormat::Json {
                    "JSON"
                } else {
                    "YAML"
                },
                json_kind(&other)
            ),
        )),
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Merges the request: `base` (from `--cli-input-json`/`--cli-input-yaml`, or empty) with the
/// decoded flags on top. A flag replaces the whole top-level member, as in the AWS CLI.
pub fn merge(mut base: Map<String, Value>, flags: Vec<(&str, Value)>) -> Value {
    for (member, value) in flags {
        base.insert(member.to_owned(), value);
    }
    Value::Object(base)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decode(flag: &str, values: &[&str]) -> Result<Value, JobError> {
        let (_, member, kind) = CREATE_FLAGS.iter().find(|(f, _, _)| *f == flag).unwrap();
        let values: Vec<String> = values.iter().map(|s| s.to_string()).collect();
        decode_flag(flag, *kind, member, &values, &ParamFiles::default())
    }

    #[test]
    fn structures_take_json_or_shorthand() {
        let a = decode(
            "--input-data-config",
            &["s3InputDataConfig={s3Uri=s3://b/in/,s3InputFormat=JSONL}"],
        )
        .unwrap();
        let b = decode(
            "--input-data-config",
            &[r#" {"s3InputDataConfig": {"s3Uri": "s3://b/in/", "s3InputFormat": "JSONL"}}"#],
        )
        .unwrap();
        assert_eq!(a, b);
        let vpc = decode("--vpc-config", &["subnetIds=a,b,securityGroupIds=sg-1"]).unwrap();
        assert_eq!(
            vpc,
            json!({"subnetIds": ["a", "b"], "securityGroupIds": ["sg-1"]})
        );
    }

    #[test]
    fn tag_lists_in_every_form() {
        let want = json!([{"key": "team", "value": "ml"}, {"key": "env", "value": "dev"}]);
        assert_eq!(
            decode("--tags", &["key=team,value=ml", "key=env,value=dev"]).unwrap(),
            want
        );
        assert_eq!(
            decode(
                "--tags",
                &[r#"[{"key":"team","value":"ml"},{"key":"env","value":"dev"}]"#]
            )
            .unwrap(),
            want
        );
        assert_eq!(
            decode(
                "--tags",
                &[
                    r#"{"key":"team","value":"ml"}"#,
                    r#"{"key":"env","value":"dev"}"#
                ]
            )
            .unwrap(),
            want
        );
    }

    #[test]
    fn bad_values_name_the_flag() {
        let e = decode("--input-data-config", &["{not json"])
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("Error parsing parameter '--input-data-config': Invalid JSON:"),
            "{e}"
        );
        let e = decode("--timeout-duration-in-hours", &["abc"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("'--timeout-duration-in-hours'"), "{e}");
        let e = decode("--vpc-config", &["file://definitely/missing.json"])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("--vpc-config") && e.contains("definitely/missing.json"),
            "{e}"
        );
    }

    #[test]
    fn flags_replace_whole_members() {
        let base = parse_cli_input(
            CliInputFormat::Yaml,
            "jobName: a\ntimeoutDurationInHours: 24\n",
            &ParamFiles::default(),
        )
        .unwrap();
        let merged = merge(base, vec![("jobName", json!("b"))]);
        assert_eq!(
            merged,
            json!({"jobName": "b", "timeoutDurationInHours": 24})
        );
    }
}
