//! `--emit-requests`: one `--cli-input-json` file per job outside the job folders, and
//! nothing written when the service would refuse the settings.

use super::*;

const REQ: &[&str] = &[
    "--emit-requests",
    "--job-name-prefix",
    "nightly",
    "--role-arn",
    "arn:aws:iam::123456789012:role/BedrockBatch",
    "--s3-input-prefix",
    "s3://my-bucket/batch/in/",
    "--s3-output-prefix",
    "s3://my-bucket/batch/out",
    "--model-id",
    "anthropic.claude-3-5-haiku-20241022-v1:0",
];

#[test]
fn emit_requests_writes_one_cli_input_json_per_job_outside_the_job_folders() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "in.jsonl", records(250));
    let out = dir.path().join("out");
    let mut args = vec![
        p.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--max-records-per-job",
        "100",
        "--min-records-per-job",
        "50",
        "--format",
        "json",
    ];
    args.extend_from_slice(REQ);
    let r = shard_run(&args, None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = r.json();
    assert_eq!(
        s["requests"],
        serde_json::json!([
            "requests/job-001.json",
            "requests/job-002.json",
            "requests/job-003.json"
        ])
    );
    check_out(&out, &s["quotas"]);
    let doc: Value =
        serde_json::from_slice(&fs::read(out.join("requests/job-002.json")).unwrap()).unwrap();
    assert_eq!(
        doc,
        serde_json::json!({
            "jobName": "nightly-002",
            "roleArn": "arn:aws:iam::123456789012:role/BedrockBatch",
            "modelId": "anthropic.claude-3-5-haiku-20241022-v1:0",
            "inputDataConfig": {"s3InputDataConfig": {"s3Uri": "s3://my-bucket/batch/in/job-002/", "s3InputFormat": "JSONL"}},
            "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": "s3://my-bucket/batch/out/job-002/"}},
            "modelInvocationType": "InvokeModel"
        })
    );
    // The job folders hold nothing but parts: what is uploaded is what the manifest lists.
    for job in ["job-001", "job-002", "job-003"] {
        assert!(names(&out.join(job))
            .iter()
            .all(|n| n.starts_with("part-") && n.ends_with(".jsonl")));
    }
    // And `bedrock-batch job create` accepts the request with the job's folder as its input.
    let state = tempfile::tempdir().unwrap();
    let r = run(
        &[
            "job",
            "create",
            "--cli-input-json",
            &format!("file://{}", out.join("requests/job-002.json").display()),
            "--local-input",
            out.join("job-002").to_str().unwrap(),
            "--state-dir",
            state.path().to_str().unwrap(),
            "--min-records-per-job",
            "50",
        ],
        None,
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(r.json()["status"], "Scheduled");
}

#[test]
fn emit_requests_with_settings_the_service_refuses_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "in.jsonl", records(5));
    let out = dir.path().join("out");
    let mut args = vec![
        p.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--min-records-per-job",
        "1",
    ];
    args.extend_from_slice(REQ);
    let pos = args.iter().position(|a| *a == "nightly").unwrap();
    args[pos] = "my_job";
    let r = shard_run(&args, None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("jobName"), "{}", r.stderr);
    assert_eq!(names(dir.path()), vec!["in.jsonl"]);
    // Without --model-id.
    let args: Vec<&str> = [
        p.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--min-records-per-job",
        "1",
    ]
    .into_iter()
    .chain(REQ[..REQ.len() - 2].iter().copied())
    .collect();
    let r = shard_run(&args, None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--model-id"), "{}", r.stderr);
    // A missing request flag is a usage error.
    let r = shard_run(
        &[
            p.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--emit-requests",
        ],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(!out.exists());
}
