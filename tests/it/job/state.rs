//! The local job state: the same client token returns the first job, a failed job is
//! replayed, a refused request creates nothing, `job get` by ARN and by id, and the state
//! folder (one file per job, `BEDROCK_BATCH_STATE_DIR`).

use super::*;

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
