//! `shard --emit-requests`: one `aws bedrock create-model-invocation-job --cli-input-json`
//! document per job, in `DIR/requests/` (outside the job folders, so uploading a job folder
//! uploads nothing else).
//!
//! Job `job-NNN` gets `jobName` `PREFIX-NNN`, its input `s3Uri` is `INPUT_PREFIX/job-NNN/`
//! (the folder uploaded as is) and its output `s3Uri` is `OUTPUT_PREFIX/job-NNN/`, so the
//! service's output folder of each job is found from the job's name. Every document is run
//! through the same checks as `bedrock-batch job create` ([`crate::job::check_request`]):
//! settings the service would refuse stop the run before anything is written.

use serde_json::{json, Value};

use super::{job_name, ShardError};
use crate::InvocationType;

/// The flags of `--emit-requests`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestSettings {
    /// `jobName` is this, `-`, and the job's number.
    pub job_name_prefix: String,
    /// `roleArn`: the service role that reads the input and writes the output.
    pub role_arn: String,
    /// `s3://bucket/prefix/`: job folders are uploaded below it.
    pub s3_input_prefix: String,
    /// `s3://bucket/prefix/`: each job writes below it, in a folder named like the job's.
    pub s3_output_prefix: String,
}

/// `prefix` + `/` + `folder` + `/`, without doubling a `/` the prefix already ends with.
fn join_uri(prefix: &str, folder: &str) -> String {
    format!("{}/{folder}/", prefix.trim_end_matches('/'))
}

/// The request of job `index` (0-based) of `jobs`.
fn document(
    req: &RequestSettings,
    model_id: &str,
    invocation: InvocationType,
    index: usize,
    jobs: usize,
) -> (String, Value) {
    let folder = job_name(index, jobs);
    let number = folder.trim_start_matches("job-");
    let doc = json!({
        "jobName": format!("{}-{number}", req.job_name_prefix),
        "roleArn": req.role_arn,
        "modelId": model_id,
        "inputDataConfig": {
            "s3InputDataConfig": {
                "s3Uri": join_uri(&req.s3_input_prefix, &folder),
                "s3InputFormat": "JSONL"
            }
        },
        "outputDataConfig": {
            "s3OutputDataConfig": {
                "s3Uri": join_uri(&req.s3_output_prefix, &folder)
            }
        },
        "modelInvocationType": invocation.as_str()
    });
    (folder, doc)
}

fn checked(doc: &Value, name: &str) -> Result<(), ShardError> {
    crate::job::check_request(doc)
        .map(|_| ())
        .map_err(|rejection| {
            ShardError::Request(format!(
                "the request of {name} would be refused: {}",
                rejection.to_string().replace(";\n", "; ")
            ))
        })
}

fn model(model_id: Option<&str>) -> Result<&str, ShardError> {
    model_id
        .ok_or_else(|| ShardError::Request("needs --model-id (the model the jobs run)".to_string()))
}

/// Checks the settings with the request of job 1 of `jobs`.
pub fn check(
    req: &RequestSettings,
    model_id: Option<&str>,
    invocation: InvocationType,
    jobs: usize,
) -> Result<(), ShardError> {
    let (name, doc) = document(req, model(model_id)?, invocation, 0, jobs);
    checked(&doc, &name)
}

/// Every job's request, checked: `(job folder name, document)`.
pub fn build(
    req: &RequestSettings,
    model_id: Option<&str>,
    invocation: InvocationType,
    jobs: usize,
) -> Result<Vec<(String, Value)>, ShardError> {
    let model_id = model(model_id)?;
    (0..jobs)
        .map(|j| {
            let (name, doc) = document(req, model_id, invocation, j, jobs);
            checked(&doc, &name)?;
            Ok((name, doc))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> RequestSettings {
        RequestSettings {
            job_name_prefix: "nightly".into(),
            role_arn: "arn:aws:iam::123456789012:role/BedrockBatch".into(),
            s3_input_prefix: "s3://my-bucket/batch/in".into(),
            s3_output_prefix: "s3://my-bucket/batch/out/".into(),
        }
    }

    #[test]
    fn each_job_points_at_its_own_folder() {
        let model = "anthropic.claude-3-5-haiku-20241022-v1:0";
        let docs = build(&settings(), Some(model), InvocationType::InvokeModel, 2).unwrap();
        assert_eq!(docs.len(), 2);
        let (name, doc) = &docs[1];
        assert_eq!(name, "job-002");
        assert_eq!(doc["jobName"], "nightly-002");
        assert_eq!(
            doc["inputDataConfig"]["s3InputDataConfig"]["s3Uri"],
            "s3://my-bucket/batch/in/job-002/"
        );
        assert_eq!(
            doc["outputDataConfig"]["s3OutputDataConfig"]["s3Uri"],
            "s3://my-bucket/batch/out/job-002/"
        );
        assert_eq!(doc["modelId"], model);
        assert_eq!(doc["modelInvocationType"], "InvokeModel");
    }

    #[test]
    fn settings_the_service_refuses_are_refused_here() {
        let mut s = settings();
        s.job_name_prefix = "my_job".into();
        let e = check(
            &s,
            Some("anthropic.claude-3-5-haiku-20241022-v1:0"),
            InvocationType::InvokeModel,
            1,
        )
        .unwrap_err();
        assert!(e.to_string().contains("jobName"), "{e}");
        let mut s = settings();
        s.s3_input_prefix = "s3://My-Bucket/in".into();
        let e = check(
            &s,
            Some("anthropic.claude-3-5-haiku-20241022-v1:0"),
            InvocationType::InvokeModel,
            1,
        )
        .unwrap_err();
        assert!(e.to_string().contains("s3Uri"), "{e}");
        let e = check(&settings(), None, InvocationType::InvokeModel, 1).unwrap_err();
        assert!(e.to_string().contains("--model-id"), "{e}");
    }
}
