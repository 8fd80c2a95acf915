//! What `job` prints: the text and YAML output formats, `job skeleton`, and snapshots of
//! `job create`'s pre-flight output (passing and failing) and of the skeletons.

use super::*;

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

// Snapshots of what `job create` prints with `--local-input` (the job on stdout, the
// pre-flight lines on stderr) and of the skeletons. Nothing is redacted: each run happens in a
// fresh temporary folder with relative paths (the helper checks no temporary path is printed),
// `--now` fixes the times, and the job id is derived from the request.

/// The arguments of `job create` with a good request (the state folder inside the run's).
const CREATE: &[&str] = &[
    "job",
    "create",
    "--no-config",
    "--state-dir",
    "state",
    "--job-name",
    "nightly-tickets",
    "--role-arn",
    ROLE,
    "--model-id",
    MODEL,
    "--input-data-config",
    INPUT_SHORTHAND,
    "--output-data-config",
    OUTPUT_SHORTHAND,
];

/// `job create --local-input export.jsonl` with a good request, in a fresh folder.
fn create_with_local_input(input: &str) -> String {
    let files: &[(&str, &[u8])] = &[("export.jsonl", input.as_bytes())];
    crate::common::run_in_fresh_dir(
        files,
        &[CREATE, &["--now", NOW, "--local-input", "export.jsonl"]].concat(),
    )
    .transcript()
}

/// A pandas export of 300 records with UUID recordIds, with `edit` applied to record `i`.
fn export(edit: impl Fn(u64, String) -> String) -> String {
    (0..300)
        .map(|i| edit(i, crate::common::pandas_record(i)) + "\n")
        .collect()
}

#[test]
fn create_pre_flight_passes_on_a_pandas_export() {
    insta::assert_snapshot!(create_with_local_input(&export(|_, line| line)));
}

/// Bodies the service would reject record by record: one in OpenAI's chat shape, one with
/// `max_tokens` as a string (a DataFrame column of strings). The job is still scheduled.
#[test]
fn create_pre_flight_names_records_that_would_fail_at_inference() {
    let input = export(|i, line| match i {
        150 => format!(
            r#"{{"recordId":"{}","modelInput":{{"model":"gpt-4o","messages":[{{"role":"user","content":"Summarise ticket 150"}}]}}}}"#,
            crate::common::uuid_like(i)
        ),
        250 => line.replacen(r#""max_tokens":512"#, r#""max_tokens":"512""#, 1),
        _ => line,
    });
    insta::assert_snapshot!(create_with_local_input(&input));
}

/// A line cut short fails the whole job, as the service fails it.
#[test]
fn create_pre_flight_fails_the_job_on_a_broken_line() {
    let input = export(|i, mut line| {
        if i == 200 {
            line.truncate(90);
        }
        line
    });
    insta::assert_snapshot!(create_with_local_input(&input));
}

fn skeleton(args: &[&str]) -> String {
    crate::common::run_in_fresh_dir(&[], args).transcript()
}

#[test]
fn skeleton_input() {
    insta::assert_snapshot!(skeleton(&["job", "skeleton"]));
}

#[test]
fn skeleton_yaml_input() {
    insta::assert_snapshot!(skeleton(&["job", "skeleton", "yaml-input"]));
}

#[test]
fn skeleton_output() {
    insta::assert_snapshot!(skeleton(
        &[CREATE, &["--generate-cli-skeleton", "output"]].concat()
    ));
}
