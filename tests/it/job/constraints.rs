//! `job create`'s parameter validation, as the service answers it: required members,
//! lengths, patterns, ranges, tag and VPC limits, enums, unknown members and wrong types,
//! every violation in one answer; bad flag values and missing files as tool errors.

use super::*;

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
