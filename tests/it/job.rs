//! `bedrock-batch job`: the real binary, temporary state folders and inputs.

use std::fs;
use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::{json, Value};
use tempfile::TempDir;

const ROLE: &str = "arn:aws:iam::123456789012:role/BatchRole";
const MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";
const INPUT_SHORTHAND: &str = "s3InputDataConfig={s3Uri=s3://my-bucket/in/,s3InputFormat=JSONL}";
const OUTPUT_SHORTHAND: &str = "s3OutputDataConfig={s3Uri=s3://my-bucket/out/}";
const NOW: &str = "2024-05-01T12:00:00Z";

struct Env {
    dir: TempDir,
}

impl Env {
    fn new() -> Self {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn state(&self) -> PathBuf {
        self.path("state")
    }

    /// A JSONL file of `n` valid Claude records.
    fn input(&self, name: &str, n: usize) -> PathBuf {
        let mut text = String::new();
        for i in 0..n {
            text.push_str(
                &json!({
                    "recordId": format!("REC{i:08}"),
                    "modelInput": {
                        "anthropic_version": "bedrock-2023-05-31",
                        "max_tokens": 16,
                        "messages": [{"role": "user", "content": "hi"}]
                    }
                })
                .to_string(),
            );
            text.push('\n');
        }
        let path = self.path(name);
        fs::write(&path, text).unwrap();
        path
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        fs::write(&path, text).unwrap();
        path
    }

    /// `bedrock-batch job SUB` with this state folder and a clean environment.
    fn job(&self, sub: &str) -> Command {
        let mut cmd = Command::cargo_bin("bedrock-batch").unwrap();
        cmd.current_dir(self.dir.path())
            .env_remove("AWS_REGION")
            .env_remove("AWS_DEFAULT_REGION")
            .env_remove("BEDROCK_BATCH_STATE_DIR")
            .args(["job", sub, "--state-dir"])
            .arg(self.state());
        cmd
    }

    /// `job create` with a good request in shorthand syntax.
    fn create(&self) -> Command {
        let mut cmd = self.job("create");
        cmd.args(["--job-name", "my-batch-job", "--role-arn", ROLE])
            .args(["--model-id", MODEL])
            .args(["--input-data-config", INPUT_SHORTHAND])
            .args(["--output-data-config", OUTPUT_SHORTHAND])
            .args(["--now", NOW]);
        cmd
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// Runs a request that must be refused; returns its stderr lines.
fn refused(cmd: &mut Command) -> Vec<String> {
    let r = run(cmd);
    assert_eq!(r.code, 1, "stderr: {}", r.stderr);
    assert_eq!(r.stdout, "", "nothing on stdout when refused");
    r.stderr.lines().map(str::to_owned).collect()
}

/// Runs a command that must fail as a tool error; returns the one stderr line.
fn tool_error(cmd: &mut Command) -> String {
    let r = run(cmd);
    assert_eq!(r.code, 2, "stderr: {}", r.stderr);
    assert_eq!(r.stdout, "");
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {}", r.stderr);
    lines[0].to_owned()
}

const VALIDATION: &str =
    "An error occurred (ValidationException) when calling the CreateModelInvocationJob operation: ";

fn is_job_arn(arn: &str) -> bool {
    let Some(id) = arn.strip_prefix("arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/")
    else {
        return false;
    };
    id.len() == 12
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

fn is_iso_timestamp(s: &str) -> bool {
    // 2024-05-01T12:00:00+00:00 or 2024-05-01T12:00:00.123000+00:00
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| r.clone().all(|i| b.get(i).is_some_and(u8::is_ascii_digit));
    s.ends_with("+00:00")
        && b.len() >= 25
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[10] == b'T'
        && digits(11..13)
        && (b.len() == 25 || (b[19] == b'.' && b.len() == 32 && digits(20..26)))
}

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
fn the_issue_example_pattern_violation() {
    let env = Env::new();
    let lines = refused(env.create().args(["--job-name", "my_job"]));
    assert_eq!(
        lines,
        [format!(
            r"{VALIDATION}1 validation error detected: Value 'my_job' at 'jobName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9]{{1,63}}(-*[a-zA-Z0-9\+\-\.]){{0,63}}"
        )]
    );
}

#[test]
fn required_members_are_reported_as_null() {
    let env = Env::new();
    let mut cmd = env.job("create");
    cmd.args(["--job-name", "ok", "--model-id", MODEL]).args([
        "--input-data-config",
        "s3InputDataConfig={s3InputFormat=JSONL}",
    ]);
    let lines = refused(&mut cmd);
    assert_eq!(
        lines,
        [
            format!("{VALIDATION}3 validation errors detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null;"),
            "Value null at 'inputDataConfig.s3InputDataConfig.s3Uri' failed to satisfy constraint: Member must not be null;".to_owned(),
            "Value null at 'outputDataConfig' failed to satisfy constraint: Member must not be null".to_owned(),
        ]
    );
}

#[test]
fn lengths_are_checked() {
    let env = Env::new();
    let long_name = "a".repeat(64);
    let lines = refused(env.create().args(["--job-name", &long_name]));
    assert_eq!(
        lines,
        [format!("{VALIDATION}1 validation error detected: Value '{long_name}' at 'jobName' failed to satisfy constraint: Member must have length less than or equal to 63")]
    );
    let token = "t".repeat(257);
    let lines = refused(env.create().args(["--client-request-token", &token]));
    assert!(lines[0].contains("at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to 256"), "{lines:?}");
}

#[test]
fn patterns_of_every_string_member() {
    let env = Env::new();
    let mut cmd = env.create();
    cmd.args(["--role-arn", "arn:aws:iam::123:role/x"])
        .args(["--model-id", "Claude 3 Haiku"])
        .args(["--client-request-token", "abc_123"])
        .args([
            "--input-data-config",
            "s3InputDataConfig={s3Uri=s3://my-bucket/date=2024-01-01/x.jsonl,s3BucketOwner=12345}",
        ])
        .args([
            "--output-data-config",
            "s3OutputDataConfig={s3Uri=s3://ab/out/,s3EncryptionKeyId='my key'}",
        ]);
    let lines = refused(&mut cmd);
    assert!(
        lines[0].starts_with(&format!("{VALIDATION}7 validation errors detected: ")),
        "{lines:?}"
    );
    let paths: Vec<&str> = lines
        .iter()
        .map(|l| l.split(" at '").nth(1).unwrap().split('\'').next().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "roleArn",
            "clientRequestToken",
            "modelId",
            "inputDataConfig.s3InputDataConfig.s3Uri",
            "inputDataConfig.s3InputDataConfig.s3BucketOwner",
            "outputDataConfig.s3OutputDataConfig.s3Uri",
            "outputDataConfig.s3OutputDataConfig.s3EncryptionKeyId",
        ]
    );
    for l in &lines {
        assert!(
            l.contains(
                "failed to satisfy constraint: Member must satisfy regular expression pattern: "
            ),
            "{l}"
        );
    }
    assert!(lines[3].contains(
        r"Value 's3://my-bucket/date=2024-01-01/x.jsonl' at 'inputDataConfig.s3InputDataConfig.s3Uri' failed to satisfy constraint: Member must satisfy regular expression pattern: s3://[a-z0-9][-.a-z0-9]{1,61}[a-z0-9](?:/[-!_*'().a-z0-9A-Z]+(?:/[-!_*'().a-z0-9A-Z]+)*)?/?"
    ));
}

#[test]
fn the_timeout_range_is_24_to_168() {
    let env = Env::new();
    for (hours, constraint) in [
        ("23", "Member must have value greater than or equal to 24"),
        ("169", "Member must have value less than or equal to 168"),
    ] {
        let lines = refused(env.create().args(["--timeout-duration-in-hours", hours]));
        assert_eq!(
            lines,
            [format!("{VALIDATION}1 validation error detected: Value '{hours}' at 'timeoutDurationInHours' failed to satisfy constraint: {constraint}")]
        );
    }
    for hours in ["24", "168"] {
        let r = run(env.create().args(["--timeout-duration-in-hours", hours]));
        assert_eq!(r.code, 0, "{hours}: {}", r.stderr);
    }
    let line = tool_error(env.create().args(["--timeout-duration-in-hours", "a day"]));
    assert!(line.contains("'--timeout-duration-in-hours'"), "{line}");
}

#[test]
fn tag_limits() {
    let env = Env::new();
    let tags: Vec<String> = (0..201).map(|i| format!("key=k{i},value=v")).collect();
    let lines = refused(env.create().arg("--tags").args(&tags));
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("at 'tags' failed to satisfy constraint: Member must have length less than or equal to 200"), "{lines:?}");

    let tags: Vec<String> = (0..200).map(|i| format!("key=k{i},value=v")).collect();
    let r = run(env.create().arg("--tags").args(&tags));
    assert_eq!(r.code, 0, "{}", r.stderr);

    let long_key = "k".repeat(129);
    let lines = refused(env.create().args([
        "--tags",
        "key=ok,value=ok",
        &format!("key={long_key},value=v"),
        "key=,value=caf\u{e9}",
    ]));
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(
        lines[0],
        format!("{VALIDATION}3 validation errors detected: Value '{long_key}' at 'tags.2.member.key' failed to satisfy constraint: Member must have length less than or equal to 128;")
    );
    assert_eq!(
        lines[1..],
        [
            "Value '' at 'tags.3.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1;".to_owned(),
            "Value 'caf\u{e9}' at 'tags.3.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9\\s._:/=+@-]*".to_owned(),
        ]
    );
}

#[test]
fn vpc_limits() {
    let env = Env::new();
    let subnets: Vec<String> = (0..17).map(|i| format!("subnet-{i}")).collect();
    let groups: Vec<String> = (0..6).map(|i| format!("sg-{i}")).collect();
    let vpc = json!({"subnetIds": subnets, "securityGroupIds": groups}).to_string();
    let lines = refused(env.create().args(["--vpc-config", &vpc]));
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].contains("at 'vpcConfig.subnetIds' failed to satisfy constraint: Member must have length less than or equal to 16;"));
    assert!(lines[1].contains("at 'vpcConfig.securityGroupIds' failed to satisfy constraint: Member must have length less than or equal to 5"));

    let lines = refused(
        env.create()
            .args(["--vpc-config", "subnetIds=subnet_1,securityGroupIds=sg-1"]),
    );
    assert_eq!(
        lines,
        [format!("{VALIDATION}1 validation error detected: Value '[subnet_1]' at 'vpcConfig.subnetIds' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 32, Member must have length greater than or equal to 0, Member must satisfy regular expression pattern: [-0-9a-zA-Z]+]")]
    );

    let lines = refused(
        env.create()
            .args(["--vpc-config", r#"{"subnetIds": ["subnet-1"]}"#]),
    );
    assert_eq!(
        lines,
        [format!("{VALIDATION}1 validation error detected: Value null at 'vpcConfig.securityGroupIds' failed to satisfy constraint: Member must not be null")]
    );
}

#[test]
fn enums_are_checked() {
    let env = Env::new();
    let mut cmd = env.create();
    cmd.args([
        "--input-data-config",
        "s3InputDataConfig={s3Uri=s3://my-bucket/in/,s3InputFormat=CSV}",
    ])
    .args(["--model-invocation-type", "Batch"]);
    let lines = refused(&mut cmd);
    assert_eq!(
        lines,
        [
            format!("{VALIDATION}2 validation errors detected: Value 'CSV' at 'inputDataConfig.s3InputDataConfig.s3InputFormat' failed to satisfy constraint: Member must satisfy enum value set: [JSONL];"),
            "Value 'Batch' at 'modelInvocationType' failed to satisfy constraint: Member must satisfy enum value set: [InvokeModel, Converse]".to_owned(),
        ]
    );
}

#[test]
fn every_violation_is_reported_in_one_answer() {
    let env = Env::new();
    let mut cmd = env.create();
    cmd.args(["--job-name", "-bad"])
        .args(["--timeout-duration-in-hours", "500"])
        .args(["--tags", "key=,value=v"])
        .args(["--model-invocation-type", "converse"]);
    let lines = refused(&mut cmd);
    assert!(lines[0].starts_with(&format!("{VALIDATION}4 validation errors detected: ")));
    assert_eq!(lines.len(), 4);
    assert!(lines[..3].iter().all(|l| l.ends_with(';')));
}

#[test]
fn unknown_members_and_wrong_types_fail_parameter_validation() {
    let env = Env::new();
    let lines = refused(env.create().args([
        "--input-data-config",
        r#"{"s3InputDataConfig": {"s3Uri": "s3://my-bucket/in/", "format": "JSONL"}}"#,
    ]));
    assert_eq!(
        lines,
        [
            "Parameter validation failed:",
            "Unknown parameter in inputDataConfig.s3InputDataConfig: \"format\", must be one of: s3InputFormat, s3Uri, s3BucketOwner",
        ]
    );
    let lines = refused(env.job("create").args([
        "--cli-input-json",
        r#"{"jobName": "a", "timeoutDurationInHours": "48"}"#,
    ]));
    assert_eq!(
        lines,
        [
            "Parameter validation failed:",
            "Invalid type for parameter timeoutDurationInHours, value: 48, type: <class 'str'>, valid types: <class 'int'>",
        ]
    );
}

#[test]
fn bad_flag_values_and_missing_files_are_tool_errors() {
    let env = Env::new();
    let line = tool_error(
        env.job("create")
            .args(["--cli-input-json", "file://missing.json"]),
    );
    assert!(
        line.contains("'--cli-input-json'") && line.contains("file://missing.json"),
        "{line}"
    );
    let line = tool_error(env.create().args(["--vpc-config", "file://nope/vpc.json"]));
    assert!(
        line.contains("'--vpc-config'") && line.contains("nope/vpc.json"),
        "{line}"
    );
    let line = tool_error(
        env.create()
            .args(["--input-data-config", r#"{"s3InputDataConfig": "#]),
    );
    assert!(
        line.starts_with(
            "bedrock-batch: error: Error parsing parameter '--input-data-config': Invalid JSON:"
        ),
        "{line}"
    );
    let line = tool_error(env.create().args(["--vpc-config", "subnetIds"]));
    assert!(line.contains("'--vpc-config': Expected: '='"), "{line}");
    let line = tool_error(
        env.job("create")
            .args(["--cli-input-yaml", "jobName: [unclosed"]),
    );
    assert!(line.contains("'--cli-input-yaml': Invalid YAML"), "{line}");
    let line = tool_error(env.create().args(["--region", "US_EAST"]));
    assert!(line.contains("US_EAST"), "{line}");
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

#[test]
fn the_same_token_returns_the_first_job() {
    let env = Env::new();
    let input = env.input("in.jsonl", 100);
    let first = run(env
        .create()
        .args(["--client-request-token", "run-42"])
        .arg("--local-input")
        .arg(&input));
    assert_eq!(first.code, 0, "{}", first.stderr);
    // Another time, name and input: the service ignores the request and answers the first job.
    let again = run(env
        .create()
        .args(["--client-request-token", "run-42", "--job-name", "renamed"])
        .args(["--now", "2024-06-01T00:00:00Z"]));
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(again.stdout, first.stdout);
    assert_eq!(again.stderr, "", "a replay runs no data check, so no note");

    // Another token is another job.
    let other = run(env.create().args([
        "--client-request-token",
        "run-43",
        "--now",
        "2024-06-01T00:00:00Z",
    ]));
    assert_ne!(other.json()["jobArn"], first.json()["jobArn"]);
    assert_eq!(other.json()["submitTime"], "2024-06-01T00:00:00+00:00");
}

#[test]
fn a_failed_job_is_replayed_as_failed() {
    let env = Env::new();
    let small = env.input("small.jsonl", 10);
    let first = run(env
        .create()
        .args(["--client-request-token", "t1"])
        .arg("--local-input")
        .arg(&small));
    assert_eq!(first.code, 1);
    let again = run(env.create().args(["--client-request-token", "t1"]));
    assert_eq!(again.code, 1);
    assert_eq!(again.stdout, first.stdout);
}

#[test]
fn a_refused_request_creates_nothing() {
    let env = Env::new();
    refused(
        env.create()
            .args(["--client-request-token", "t1", "--job-name", "bad_name"]),
    );
    assert!(!env.state().join("jobs").exists());
    let r = run(env.create().args(["--client-request-token", "t1"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["jobName"], "my-batch-job");
}

#[test]
fn get_by_arn_and_by_id() {
    let env = Env::new();
    let input = env.input("in.jsonl", 100);
    let created = run(env.create().arg("--local-input").arg(&input));
    assert_eq!(created.code, 0);
    let arn = created.json()["jobArn"].as_str().unwrap().to_owned();
    let id = arn.rsplit('/').next().unwrap().to_owned();

    let by_arn = run(env.job("get").args(["--job-identifier", &arn]));
    assert_eq!(by_arn.code, 0, "{}", by_arn.stderr);
    assert_eq!(by_arn.stdout, created.stdout);
    let by_id = run(env.job("get").args(["--job-identifier", &id]));
    assert_eq!(by_id.stdout, created.stdout);
    let by_json = run(env.job("get").args([
        "--cli-input-json",
        &json!({"jobIdentifier": arn}).to_string(),
    ]));
    assert_eq!(by_json.stdout, created.stdout);
}

#[test]
fn get_of_an_unknown_job_or_a_bad_identifier_is_refused() {
    let env = Env::new();
    let lines = refused(env.job("get").args(["--job-identifier", "abcdefghijkl"]));
    assert!(lines[0].starts_with("An error occurred (ResourceNotFoundException) when calling the GetModelInvocationJob operation: "), "{lines:?}");

    let created = run(&mut env.create());
    let arn = created.json()["jobArn"].as_str().unwrap().to_owned();
    // Same id, other account: not this job.
    let other = arn.replace("123456789012", "210987654321");
    let lines = refused(env.job("get").args(["--job-identifier", &other]));
    assert!(lines[0].contains("ResourceNotFoundException"), "{lines:?}");

    let lines = refused(env.job("get").args(["--job-identifier", "not-a-job"]));
    assert_eq!(
        lines,
        ["An error occurred (ValidationException) when calling the GetModelInvocationJob operation: 1 validation error detected: Value 'not-a-job' at 'jobIdentifier' failed to satisfy constraint: Member must satisfy regular expression pattern: ((arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:model-invocation-job/)?[a-z0-9]{12})"]
    );
}

#[test]
fn get_prints_a_failed_job_with_exit_0_like_the_aws_cli() {
    let env = Env::new();
    let small = env.input("small.jsonl", 3);
    let created = run(env.create().arg("--local-input").arg(&small));
    assert_eq!(created.code, 1);
    let arn = created.json()["jobArn"].as_str().unwrap().to_owned();
    let got = run(env.job("get").args(["--job-identifier", &arn]));
    assert_eq!(got.code, 0);
    assert_eq!(got.json()["status"], "Failed");
}

#[test]
fn text_and_yaml_output() {
    let env = Env::new();
    let r = run(env.create().args([
        "--output",
        "text",
        "--vpc-config",
        "subnetIds=s-1,s-2,securityGroupIds=sg-1",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    // The AWS CLI's text layout: top-level scalars sorted by member name, then one line per
    // nested structure or list element.
    let first: Vec<&str> = lines[0].split('\t').collect();
    assert_eq!(first.len(), 14, "{first:?}");
    assert_eq!(first[0], "0"); // errorRecordCount
    assert!(is_job_arn(first[1]));
    assert_eq!(first[9], "Scheduled");
    assert_eq!(
        lines[1..],
        [
            "S3INPUTDATACONFIG\tJSONL\ts3://my-bucket/in/",
            "S3OUTPUTDATACONFIG\ts3://my-bucket/out/",
            "SECURITYGROUPIDS\tsg-1",
            "SUBNETIDS\ts-1",
            "SUBNETIDS\ts-2",
        ]
    );

    let arn = first[1];
    let y = run(env
        .job("get")
        .args(["--job-identifier", arn, "--output", "yaml"]));
    assert_eq!(y.code, 0);
    assert!(
        y.stdout
            .starts_with(&format!("jobArn: {arn}\njobName: my-batch-job\n")),
        "{}",
        y.stdout
    );
    assert!(
        y.stdout
            .contains("\nvpcConfig:\n  subnetIds:\n  - s-1\n  - s-2\n"),
        "{}",
        y.stdout
    );
}

#[test]
fn skeletons() {
    let env = Env::new();
    // `skeleton` takes no --state-dir: run it without the helper's arguments.
    let input = run(Command::cargo_bin("bedrock-batch")
        .unwrap()
        .args(["job", "skeleton"]));
    assert_eq!(input.code, 0, "{}", input.stderr);
    let skel = input.json();
    assert_eq!(skel["jobName"], "");
    assert_eq!(
        skel["inputDataConfig"]["s3InputDataConfig"]["s3InputFormat"],
        "JSONL"
    );
    assert_eq!(skel["tags"], json!([{"key": "", "value": ""}]));
    assert_eq!(skel["timeoutDurationInHours"], 0);

    let same = run(env.job("create").arg("--generate-cli-skeleton"));
    assert_eq!(same.stdout, input.stdout);

    let yaml =
        run(Command::cargo_bin("bedrock-batch")
            .unwrap()
            .args(["job", "skeleton", "yaml-input"]));
    assert!(
        yaml.stdout.starts_with("jobName: '' # [REQUIRED]\n"),
        "{}",
        yaml.stdout
    );

    let output = run(env.create().args(["--generate-cli-skeleton", "output"]));
    assert_eq!(output.code, 0, "{}", output.stderr);
    let out = output.json();
    assert_eq!(out["jobArn"], "jobArn");
    assert_eq!(out["submitTime"], "1970-01-01T00:00:00");
    assert!(!env.state().exists(), "a skeleton creates no job");

    // `output` checks the request first, as the AWS CLI does.
    refused(env.create().args([
        "--generate-cli-skeleton",
        "output",
        "--job-name",
        "bad_name",
    ]));

    // The input skeleton, filled in, is a valid --cli-input-json.
    let mut filled = skel;
    filled["jobName"] = json!("from-skeleton");
    filled["roleArn"] = json!(ROLE);
    filled["clientRequestToken"] = json!("tok");
    filled["modelId"] = json!(MODEL);
    filled["inputDataConfig"]["s3InputDataConfig"] =
        json!({"s3Uri": "s3://my-bucket/in/", "s3InputFormat": "JSONL"});
    filled["outputDataConfig"]["s3OutputDataConfig"] = json!({"s3Uri": "s3://my-bucket/out/"});
    filled["vpcConfig"] = json!({"subnetIds": ["s-1"], "securityGroupIds": ["sg-1"]});
    filled["timeoutDurationInHours"] = json!(24);
    filled["tags"] = json!([{"key": "k", "value": "v"}]);
    let path = env.write("filled.json", &filled.to_string());
    let r = run(env
        .job("create")
        .arg("--cli-input-json")
        .arg(format!("file://{}", path.display())));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["jobName"], "from-skeleton");
}

#[test]
fn the_state_folder_holds_one_file_per_job() {
    let env = Env::new();
    let created = run(env.create().args(["--client-request-token", "tok"]));
    let id = created.json()["jobArn"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let stored: Value = serde_json::from_str(
        &fs::read_to_string(env.state().join("jobs").join(format!("{id}.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(stored["version"], 1);
    assert_eq!(stored["job"], created.json());
    assert_eq!(stored["request"]["clientRequestToken"], "tok");
    assert_eq!(fs::read_dir(env.state().join("tokens")).unwrap().count(), 1);
    // Nothing but the two files is left behind (no temporary files).
    assert_eq!(fs::read_dir(env.state().join("jobs")).unwrap().count(), 1);
}

#[test]
fn the_state_dir_can_come_from_the_environment() {
    let env = Env::new();
    let mut cmd = Command::cargo_bin("bedrock-batch").unwrap();
    cmd.env("BEDROCK_BATCH_STATE_DIR", env.path("from-env"))
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .args([
            "job",
            "create",
            "--job-name",
            "j",
            "--role-arn",
            ROLE,
            "--model-id",
            MODEL,
        ])
        .args([
            "--input-data-config",
            INPUT_SHORTHAND,
            "--output-data-config",
            OUTPUT_SHORTHAND,
        ]);
    let r = run(&mut cmd);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(env.path("from-env").join("jobs").is_dir());
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
