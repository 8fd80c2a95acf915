//! The `GetModelInvocationJob` output shape, and the AWS CLI's three ways of printing it
//! (`--output json|yaml|text`).

use std::fmt::Write as _;

use jiff::{tz::Offset, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::request::{InputDataConfig, ModelInvocationType, OutputDataConfig, VpcConfig};

/// `ModelInvocationJobStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobStatus {
    /// Submitted to a queue for validation.
    Submitted,
    /// Running.
    InProgress,
    /// Finished.
    Completed,
    /// Failed; `message` says why.
    Failed,
    /// Being stopped by a user.
    Stopping,
    /// Stopped by a user.
    Stopped,
    /// Finished with some records unprocessed.
    PartiallyCompleted,
    /// Timed out before it started.
    Expired,
    /// Being validated.
    Validating,
    /// Validated and queued.
    Scheduled,
}

impl JobStatus {
    /// The service's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Submitted => "Submitted",
            JobStatus::InProgress => "InProgress",
            JobStatus::Completed => "Completed",
            JobStatus::Failed => "Failed",
            JobStatus::Stopping => "Stopping",
            JobStatus::Stopped => "Stopped",
            JobStatus::PartiallyCompleted => "PartiallyCompleted",
            JobStatus::Expired => "Expired",
            JobStatus::Validating => "Validating",
            JobStatus::Scheduled => "Scheduled",
        }
    }
}

/// `GetModelInvocationJobResponse`: every member, in the service model's order. Timestamps are
/// kept as the ISO-8601 text the AWS CLI prints (`format_timestamp`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelInvocationJob {
    /// `jobArn`.
    pub job_arn: String,
    /// `jobName`.
    pub job_name: String,
    /// `modelId`.
    pub model_id: String,
    /// `clientRequestToken` (only when the request had one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_request_token: Option<String>,
    /// `roleArn`.
    pub role_arn: String,
    /// `status`.
    pub status: JobStatus,
    /// `message` (only when `Failed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `submitTime`.
    pub submit_time: String,
    /// `lastModifiedTime`.
    pub last_modified_time: String,
    /// `endTime` (only when the job ended, i.e. `Failed` here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// `inputDataConfig`.
    pub input_data_config: InputDataConfig,
    /// `outputDataConfig`.
    pub output_data_config: OutputDataConfig,
    /// `vpcConfig` (only when the request had one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_config: Option<VpcConfig>,
    /// `timeoutDurationInHours`.
    pub timeout_duration_in_hours: i64,
    /// `jobExpirationTime`: submit time plus the timeout.
    pub job_expiration_time: String,
    /// `modelInvocationType`.
    pub model_invocation_type: ModelInvocationType,
    /// `totalRecordCount`.
    pub total_record_count: u64,
    /// `processedRecordCount`.
    pub processed_record_count: u64,
    /// `successRecordCount`.
    pub success_record_count: u64,
    /// `errorRecordCount`.
    pub error_record_count: u64,
}

impl ModelInvocationJob {
    /// The job id: the last segment of the ARN.
    pub fn job_id(&self) -> &str {
        self.job_arn.rsplit('/').next().unwrap_or(&self.job_arn)
    }

    /// As JSON, members in model order.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).expect("a job always serializes")
    }
}

/// A timestamp as the AWS CLI prints it (Python's `datetime.isoformat()` in UTC):
/// `2024-05-01T12:00:00+00:00`, with `.ffffff` microseconds only when they are not zero.
pub fn format_timestamp(ts: Timestamp) -> String {
    let dt = Offset::UTC.to_datetime(ts);
    let micros = dt.subsec_nanosecond() / 1_000;
    let mut out = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    );
    if micros != 0 {
        let _ = write!(out, ".{micros:06}");
    }
    out.push_str("+00:00");
    out
}

/// How to print a response (the AWS CLI's `--output`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// Pretty JSON with four-space indents.
    #[default]
    Json,
    /// YAML.
    Yaml,
    /// Tab-separated text, as the AWS CLI's `text` output.
    Text,
}

/// Renders a response the way the AWS CLI does for `format`, ending with a newline.
pub fn render(value: &Value, format: OutputFormat) -> String {
    match format {
        OutputFormat::Json => render_json(value),
        OutputFormat::Yaml => serde_norway::to_string(value).expect("JSON values are valid YAML"),
        OutputFormat::Text => render_text(value),
    }
}

/// JSON with four-space indents (Python's `json.dumps(indent=4)`, which the CLI uses).
pub fn render_json(value: &Value) -> String {
    let mut buf = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
    value
        .serialize(&mut ser)
        .expect("serializing to memory cannot fail");
    let mut text = String::from_utf8(buf).expect("serde_json writes UTF-8");
    text.push('\n');
    text
}

/// The AWS CLI's `text` output (a port of `awscli/text.py`): a structure prints its scalar
/// members (sorted by name) on one tab-separated line, prefixed with its member name in upper
/// case when nested; nested structures and lists follow on their own lines.
pub fn render_text(value: &Value) -> String {
    let mut out = String::new();
    format_text(value, None, None, &mut out);
    out
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        other => other.to_string(),
    }
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Array(_) | Value::Object(_))
}

fn format_text(
    item: &Value,
    identifier: Option<&str>,
    scalar_keys: Option<&[String]>,
    out: &mut String,
) {
    match item {
        Value::Object(map) => {
            let mut scalars: Vec<String> = Vec::new();
            let mut non_scalars: Vec<(&str, &Value)> = Vec::new();
            match scalar_keys {
                None => {
                    let mut keys: Vec<&String> = map.keys().collect();
                    keys.sort();
                    for k in keys {
                        let v = &map[k];
                        if is_scalar(v) {
                            scalars.push(scalar_text(v));
                        } else {
                            non_scalars.push((k, v));
                        }
                    }
                }
                Some(keys) => {
                    for k in keys {
                        scalars.push(map.get(k).map(scalar_text).unwrap_or_default());
                    }
                    let mut rest: Vec<&String> = map.keys().filter(|k| !keys.contains(k)).collect();
                    rest.sort();
                    for k in rest {
                        non_scalars.push((k, &map[k]));
                    }
                }
            }
            if !scalars.is_empty() {
                if let Some(id) = identifier {
                    scalars.insert(0, id.to_uppercase());
                }
                out.push_str(&scalars.join("\t"));
                out.push('\n');
            }
            for (k, v) in non_scalars {
                format_text(v, Some(k), None, out);
            }
        }
        Value::Array(items) => {
            if items.is_empty() {
                return;
            }
            if items.iter().any(Value::is_object) {
                let mut keys: Vec<String> = items
                    .iter()
                    .filter_map(Value::as_object)
                    .flat_map(|m| {
                        m.iter()
                            .filter(|(_, v)| is_scalar(v))
                            .map(|(k, _)| k.clone())
                    })
                    .collect();
                keys.sort();
                keys.dedup();
                for el in items {
                    format_text(el, identifier, Some(&keys), out);
                }
            } else if items.iter().any(Value::is_array) {
                let (scalars, nested): (Vec<&Value>, Vec<&Value>) =
                    items.iter().partition(|v| is_scalar(v));
                if !scalars.is_empty() {
                    format_scalar_list(&scalars, identifier, out);
                }
                for n in nested {
                    format_text(n, identifier, None, out);
                }
            } else {
                let all: Vec<&Value> = items.iter().collect();
                format_scalar_list(&all, identifier, out);
            }
        }
        scalar => {
            out.push_str(&scalar_text(scalar));
            out.push('\n');
        }
    }
}

fn format_scalar_list(items: &[&Value], identifier: Option<&str>, out: &mut String) {
    match identifier {
        Some(id) => {
            for v in items {
                let _ = writeln!(out, "{}\t{}", id.to_uppercase(), scalar_text(v));
            }
        }
        None => {
            let parts: Vec<String> = items.iter().map(|v| scalar_text(v)).collect();
            out.push_str(&parts.join("\t"));
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn timestamps_look_like_python_isoformat() {
        let ts: Timestamp = "2024-05-01T12:00:00Z".parse().unwrap();
        assert_eq!(format_timestamp(ts), "2024-05-01T12:00:00+00:00");
        let ts: Timestamp = "2024-05-01T12:00:00.837Z".parse().unwrap();
        assert_eq!(format_timestamp(ts), "2024-05-01T12:00:00.837000+00:00");
    }

    #[test]
    fn text_output_matches_the_aws_cli() {
        // Expected text produced by awscli 1.45's text formatter for this document.
        let v = json!({
            "jobArn": "arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/abcdefghijkl",
            "status": "Scheduled",
            "inputDataConfig": {"s3InputDataConfig": {"s3Uri": "s3://b/in/", "s3InputFormat": "JSONL"}},
            "vpcConfig": {"subnetIds": ["a", "b"], "securityGroupIds": ["sg"]},
            "tags": [{"key": "k", "value": "v"}, {"key": "k2"}],
            "totalRecordCount": 0
        });
        assert_eq!(
            render_text(&v),
            "arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/abcdefghijkl\tScheduled\t0\n\
             S3INPUTDATACONFIG\tJSONL\ts3://b/in/\n\
             TAGS\tk\tv\n\
             TAGS\tk2\t\n\
             SECURITYGROUPIDS\tsg\n\
             SUBNETIDS\ta\n\
             SUBNETIDS\tb\n"
        );
    }

    #[test]
    fn json_uses_four_space_indents() {
        assert_eq!(
            render_json(&json!({"a": [1]})),
            "{\n    \"a\": [\n        1\n    ]\n}\n"
        );
    }
}
