//! `job create`: the full response, every optional member echoed, the data checks on a
//! local input (skipped, failing, unreadable, failing at inference, an unknown model id), the
//! request syntaxes (JSON, shorthand, `file://`, `--cli-input-json` and `--cli-input-yaml`
//! with flags overriding them) and the region.

use super::*;

#[test]
fn good_request_is_scheduled_with_the_full_response_shape() {
    let env = Env::new();
    let input = env.input("in.jsonl", 120);
    let r = run(env
        .create()
        .args(["--tags", "key=team,value=ml", "key=env,value=dev"])
        .arg("--local-input")
        .arg(&input));
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    assert_eq!(
        r.stderr,
        "bedrock-batch: pre-flight: 120 records in --local-input (the job's totalRecordCount \
         reads 0 until the service starts processing)\n"
    );
    let job = r.json();
    let keys: Vec<&str> = job
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "jobArn",
            "jobName",
            "modelId",
            "roleArn",
            "status",
            "submitTime",
            "lastModifiedTime",
            "inputDataConfig",
            "outputDataConfig",
            "timeoutDurationInHours",
            "jobExpirationTime",
            "modelInvocationType",
            "totalRecordCount",
            "processedRecordCount",
            "successRecordCount",
            "errorRecordCount"
        ]
    );
    assert!(
        is_job_arn(job["jobArn"].as_str().unwrap()),
        "{}",
        job["jobArn"]
    );
    assert_eq!(job["status"], "Scheduled");
    assert_eq!(job["jobName"], "my-batch-job");
    assert_eq!(job["modelId"], MODEL);
    assert_eq!(job["roleArn"], ROLE);
    assert_eq!(job["submitTime"], "2024-05-01T12:00:00+00:00");
    assert_eq!(job["lastModifiedTime"], "2024-05-01T12:00:00+00:00");
    assert_eq!(job["jobExpirationTime"], "2024-05-02T12:00:00+00:00");
    assert_eq!(job["timeoutDurationInHours"], 24);
    assert_eq!(job["modelInvocationType"], "InvokeModel");
    assert_eq!(
        job["inputDataConfig"],
        json!({"s3InputDataConfig": {"s3Uri": "s3://my-bucket/in/", "s3InputFormat": "JSONL"}})
    );
    assert_eq!(
        job["outputDataConfig"],
        json!({"s3OutputDataConfig": {"s3Uri": "s3://my-bucket/out/"}})
    );
    // 0 as the service answers until processing starts; the local count is on stderr.
    assert_eq!(job["totalRecordCount"], 0);
    assert!(
        r.stderr
            .contains("pre-flight: 120 records in --local-input"),
        "{}",
        r.stderr
    );
    for k in [
        "processedRecordCount",
        "successRecordCount",
        "errorRecordCount",
    ] {
        assert_eq!(job[k], 0, "{k}");
    }
}

#[test]
fn every_optional_member_is_echoed() {
    let env = Env::new();
    // Converse bodies, as the Converse-type job below needs (other bodies would fail at
    // inference, which exits 1).
    let text: String = (0..100)
        .map(|i| {
            format!(
                "{{\"recordId\":\"REC{i:08}\",\"modelInput\":{{\"messages\":[{{\"role\":\"user\",\"content\":[{{\"text\":\"hi\"}}]}}],\"inferenceConfig\":{{\"maxTokens\":16}}}}}}\n"
            )
        })
        .collect();
    let input = env.write("in.jsonl", &text);
    let r = run(env
        .create()
        .args(["--client-request-token", "tok-123"])
        .args(["--vpc-config", "subnetIds=subnet-1,subnet-2,securityGroupIds=sg-1"])
        .args(["--timeout-duration-in-hours", "72"])
        .args(["--model-invocation-type", "Converse"])
        .args([
            "--output-data-config",
            "s3OutputDataConfig={s3Uri=s3://my-bucket/out/,s3EncryptionKeyId=alias/batch-key,s3BucketOwner=123456789012}",
        ])
        .arg("--local-input")
        .arg(&input));
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let job = r.json();
    assert_eq!(job["clientRequestToken"], "tok-123");
    assert_eq!(
        job["vpcConfig"],
        json!({"subnetIds": ["subnet-1", "subnet-2"], "securityGroupIds": ["sg-1"]})
    );
    assert_eq!(job["timeoutDurationInHours"], 72);
    assert_eq!(job["jobExpirationTime"], "2024-05-04T12:00:00+00:00");
    assert_eq!(job["modelInvocationType"], "Converse");
    assert_eq!(
        job["outputDataConfig"]["s3OutputDataConfig"]["s3EncryptionKeyId"],
        "alias/batch-key"
    );
}

#[test]
fn without_local_input_the_data_checks_are_skipped_and_said_so() {
    let env = Env::new();
    let mut cmd = env.job("create");
    cmd.args([
        "--job-name",
        "my-batch-job",
        "--role-arn",
        ROLE,
        "--model-id",
        MODEL,
    ])
    .args(["--input-data-config", INPUT_SHORTHAND])
    .args(["--output-data-config", OUTPUT_SHORTHAND]);
    let r = run(&mut cmd);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    assert!(r.stderr.contains("no --local-input given"), "{}", r.stderr);
    let job = r.json();
    assert_eq!(job["status"], "Scheduled");
    assert_eq!(job["totalRecordCount"], 0);
    // The submit time is now: only its form is checked.
    for k in ["submitTime", "lastModifiedTime", "jobExpirationTime"] {
        assert!(
            is_iso_timestamp(job[k].as_str().unwrap()),
            "{k}: {}",
            job[k]
        );
    }
}

#[test]
fn data_that_fails_validating_gives_a_failed_job() {
    let env = Env::new();
    let input = env.input("in.jsonl", 50);
    let r = run(env.create().arg("--local-input").arg(&input));
    assert_eq!(r.code, 1, "stderr: {}", r.stderr);
    let job = r.json();
    assert_eq!(job["status"], "Failed");
    let message = job["message"].as_str().unwrap();
    assert!(
        message.starts_with("Q005 job-has-too-few-records"),
        "{message}"
    );
    assert_eq!(job["endTime"], "2024-05-01T12:00:00+00:00");
    assert_eq!(job["totalRecordCount"], 0);
    assert!(r.stderr.contains("pre-flight: 50 records"), "{}", r.stderr);
    let keys: Vec<&str> = job
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let at = |k: &str| keys.iter().position(|x| *x == k).unwrap();
    assert!(at("status") < at("message") && at("message") < at("submitTime"));
    assert!(at("lastModifiedTime") < at("endTime") && at("endTime") < at("inputDataConfig"));
}

#[test]
fn an_unreadable_local_input_is_a_tool_error() {
    let env = Env::new();
    let line = tool_error(env.create().args(["--local-input", "nowhere/in.jsonl"]));
    assert!(
        line.contains("--local-input") && line.contains("nowhere/in.jsonl"),
        "{line}"
    );
}

#[test]
fn json_and_shorthand_syntax_give_the_same_job() {
    let env = Env::new();
    let short = run(env
        .create()
        .args([
            "--vpc-config",
            "subnetIds=subnet-1,subnet-2,securityGroupIds=sg-1",
        ])
        .args(["--tags", "key=team,value=ml", "key=env,value=dev"]));
    assert_eq!(short.code, 0, "{}", short.stderr);

    let other = Env::new();
    let mut cmd = other.job("create");
    cmd.args([
        "--job-name",
        "my-batch-job",
        "--role-arn",
        ROLE,
        "--model-id",
        MODEL,
    ])
    .args([
        "--input-data-config",
        r#"{"s3InputDataConfig": {"s3Uri": "s3://my-bucket/in/", "s3InputFormat": "JSONL"}}"#,
    ])
    .args([
        "--output-data-config",
        r#"{"s3OutputDataConfig": {"s3Uri": "s3://my-bucket/out/"}}"#,
    ])
    .args([
        "--vpc-config",
        r#"{"subnetIds": ["subnet-1", "subnet-2"], "securityGroupIds": ["sg-1"]}"#,
    ])
    .args([
        "--tags",
        r#"[{"key": "team", "value": "ml"}, {"key": "env", "value": "dev"}]"#,
    ])
    .args(["--now", NOW]);
    let long = run(&mut cmd);
    assert_eq!(long.code, 0, "{}", long.stderr);
    // The same request gives the same job id, in another state folder too.
    assert_eq!(short.stdout, long.stdout);
}

#[test]
fn structured_flags_read_file_urls() {
    let env = Env::new();
    env.write(
        "input.json",
        r#"{"s3InputDataConfig": {"s3Uri": "s3://my-bucket/in/", "s3InputFormat": "JSONL"}}"#,
    );
    let direct = run(&mut env.create());
    let via_file = run(env
        .create()
        .args(["--input-data-config", "file://input.json"]));
    assert_eq!(via_file.code, 0, "{}", via_file.stderr);
    assert_eq!(direct.json()["jobArn"], via_file.json()["jobArn"]);
}

#[test]
fn cli_input_json_with_flags_overriding_it() {
    let env = Env::new();
    env.write(
        "request.json",
        &json!({
            "jobName": "from-file",
            "roleArn": ROLE,
            "modelId": MODEL,
            "inputDataConfig": {"s3InputDataConfig": {"s3Uri": "s3://my-bucket/in/"}},
            "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": "s3://my-bucket/out/"}},
            "timeoutDurationInHours": 48
        })
        .to_string(),
    );
    let mut cmd = env.job("create");
    cmd.args(["--cli-input-json", "file://request.json"])
        .args(["--job-name", "from-flag"])
        .args([
            "--input-data-config",
            "s3InputDataConfig={s3Uri=s3://other-bucket/x.jsonl}",
        ])
        .args(["--now", NOW]);
    let r = run(&mut cmd);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let job = r.json();
    assert_eq!(job["jobName"], "from-flag");
    assert_eq!(job["timeoutDurationInHours"], 48);
    // A flag replaces the whole member: no s3InputFormat survives from the file.
    assert_eq!(
        job["inputDataConfig"],
        json!({"s3InputDataConfig": {"s3Uri": "s3://other-bucket/x.jsonl"}})
    );
    assert_eq!(
        job["outputDataConfig"]["s3OutputDataConfig"]["s3Uri"],
        "s3://my-bucket/out/"
    );

    // Inline JSON works the same way.
    let inline = fs::read_to_string(env.path("request.json")).unwrap();
    let r = run(env
        .job("create")
        .args(["--cli-input-json", &inline, "--now", NOW]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["jobName"], "from-file");
}

#[test]
fn cli_input_yaml_with_overrides() {
    let env = Env::new();
    env.write(
        "request.yaml",
        &format!(
            "jobName: from-yaml\nroleArn: {ROLE}\nmodelId: {MODEL}\ninputDataConfig:\n  \
             s3InputDataConfig:\n    s3Uri: s3://my-bucket/in/\noutputDataConfig:\n  \
             s3OutputDataConfig:\n    s3Uri: s3://my-bucket/out/\ntags:\n- key: team\n  value: ml\n"
        ),
    );
    let r = run(env
        .job("create")
        .args(["--cli-input-yaml", "file://request.yaml"])
        .args(["--timeout-duration-in-hours", "100", "--now", NOW]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let job = r.json();
    assert_eq!(job["jobName"], "from-yaml");
    assert_eq!(job["timeoutDurationInHours"], 100);
}

#[test]
fn cli_input_json_and_yaml_together_is_a_tool_error() {
    let env = Env::new();
    let r = run(env
        .job("create")
        .args(["--cli-input-json", "{}", "--cli-input-yaml", "{}"]));
    assert_eq!(r.code, 2);
    assert_eq!(r.stdout, "");
}

#[test]
fn region_comes_from_the_flag_or_the_environment() {
    let env = Env::new();
    let arn = |r: Run| r.json()["jobArn"].as_str().unwrap().to_owned();
    let default = arn(run(&mut env.create()));
    assert!(default.starts_with("arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/"));
    let from_env = arn(run(env.create().env("AWS_REGION", "eu-west-1")));
    assert!(
        from_env.starts_with("arn:aws:bedrock:eu-west-1:123456789012:"),
        "{from_env}"
    );
    let from_flag = arn(run(env
        .create()
        .env("AWS_REGION", "eu-west-1")
        .args(["--region", "ap-south-1"])));
    assert!(
        from_flag.starts_with("arn:aws:bedrock:ap-south-1:123456789012:"),
        "{from_flag}"
    );
    // The id depends on the request only.
    assert_eq!(default.rsplit('/').next(), from_flag.rsplit('/').next());
}

/// Records that would fail at inference: the status stays `Scheduled` (the service's answer),
/// the exit code follows `--fail-on` as `validate`'s does, and stderr says how many records
/// and which `validate` command lists them.
#[test]
fn records_failing_at_inference_keep_scheduled_but_exit_1_and_say_how_to_see_them() {
    let env = Env::new();
    // pandas-shaped, UUID ids, 3,000 records; two bodies with a string max_tokens.
    let mut text = String::new();
    for i in 0..3000u64 {
        let id = format!("{:08x}-7a4d-4c9b-9e1f-{:012x}", i * 7919, i);
        let tokens = if i == 2100 || i == 2950 {
            "\"512\""
        } else {
            "512"
        };
        text.push_str(&format!(
            r#"{{"recordId":"{id}","modelInput":{{"anthropic_version":"bedrock-2023-05-31","max_tokens":{tokens},"messages":[{{"role":"user","content":"Summarise https:\/\/example.com\/t\/{i}"}}]}}}}"#
        ));
        text.push('\n');
    }
    let input = env.write("batch in.jsonl", &text);
    let r = run(env.create().arg("--local-input").arg(&input));
    assert_eq!(r.code, 1, "stderr: {}", r.stderr);
    assert_eq!(r.json()["status"], "Scheduled");
    let line = r
        .stderr
        .lines()
        .find(|l| l.contains("would fail at inference"))
        .unwrap_or_else(|| panic!("{}", r.stderr));
    assert_eq!(
        line,
        format!(
            "bedrock-batch: pre-flight: 2 records of 3,000 would fail at inference (2 errors); \
             the job stays Scheduled, as the service would answer, but exits 1. See them with: \
             bedrock-batch validate --model-id {MODEL} --input-s3-uri s3://my-bucket/in/ '{}'",
            input.display()
        )
    );
    // The command it names lists exactly those records.
    let cmd: Vec<&str> = vec![
        "validate",
        "--model-id",
        MODEL,
        "--input-s3-uri",
        "s3://my-bucket/in/",
        "--format",
        "json",
    ];
    let out = Command::cargo_bin("bedrock-batch")
        .unwrap()
        .args(&cmd)
        .arg(&input)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let lines: Vec<u64> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [2101, 2951]);

    // --fail-on warning: clean bodies but a warning (an unknown top-level key) also exit 1.
    let env = Env::new();
    let input = env.input("in.jsonl", 120);
    let with_key = fs::read_to_string(&input).unwrap().replacen(
        "\"modelInput\"",
        "\"source\":\"crm\",\"modelInput\"",
        1,
    );
    fs::write(&input, with_key).unwrap();
    let r = run(env.create().arg("--local-input").arg(&input));
    assert_eq!(r.code, 0, "warnings pass by default: {}", r.stderr);
    let r = run(env
        .create()
        .args(["--fail-on", "warning", "--client-request-token", "t2"])
        .arg("--local-input")
        .arg(&input));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "pre-flight: the data has 0 errors, 1 warning, 0 infos (--fail-on warning); the job stays Scheduled, but exits 1. See them with: bedrock-batch validate --model-id"
        ),
        "{}",
        r.stderr
    );
}

/// A model id the catalog does not know is said on stderr (M009, with the nearest ids); the
/// service decides, so the job is still created.
#[test]
fn an_unknown_model_id_is_said_with_did_you_mean() {
    let env = Env::new();
    let input = env.input("in.jsonl", 120);
    let r = run(env
        .create()
        .args(["--model-id", "anthropic.claude-3-5-haiku"])
        .arg("--local-input")
        .arg(&input));
    let line = r
        .stderr
        .lines()
        .find(|l| l.contains("M009"))
        .unwrap_or_else(|| panic!("{}", r.stderr));
    assert!(
        line.starts_with("bedrock-batch: warning: M009 unknown-model-id: model id `anthropic.claude-3-5-haiku` is not in the catalog"),
        "{line}"
    );
    assert!(line.contains("did you mean"), "{line}");
    // Without --local-input too.
    let r = run(env.create().args([
        "--model-id",
        "anthropic.claude-3-5-haiku",
        "--client-request-token",
        "t3",
    ]));
    assert!(
        r.stderr.contains("warning: M009 unknown-model-id"),
        "{}",
        r.stderr
    );
}
