//! `fix` to and from S3 (objects, a prefix, the side files uploaded beside the output and
//! deleted when the upload fails) and `job create` checking an `s3://` input.

use super::*;

#[test]
#[ignore = "needs moto_server; .ci/run runs it"]
fn fix_reads_and_writes_objects_and_job_create_checks_the_s3_input() {
    let aws = Aws::moto();
    let b = bucket("fix");
    put(
        &b,
        "raw/broken.jsonl",
        &fixture("sample/broken-batch.jsonl"),
    );
    let out = format!("s3://{b}/clean/fixed.jsonl");
    let run = aws.run(&[
        "fix",
        &format!("s3://{b}/raw/broken.jsonl"),
        "--out",
        &out,
        "--side-dir",
        ".",
    ]);
    assert_eq!(run.code, 1, "rejected lines: {}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(&format!("wrote {out}")),
        "{}",
        run.stdout
    );
    let fixed = get(&b, "clean/fixed.jsonl");
    assert_eq!(fixed.status, 200);
    let local_fix = tempfile::tempdir().unwrap();
    std::fs::write(
        local_fix.path().join("broken.jsonl"),
        fixture("sample/broken-batch.jsonl"),
    )
    .unwrap();
    local(
        &["fix", "broken.jsonl", "--out", "fixed.jsonl"],
        local_fix.path(),
    );
    assert_eq!(
        fixed.body,
        std::fs::read(local_fix.path().join("fixed.jsonl")).unwrap()
    );
    // In place would rewrite the object: refused.
    let inplace = aws.run(&["fix", &format!("s3://{b}/raw/broken.jsonl"), "--in-place"]);
    assert_eq!(inplace.code, 2);
    assert!(
        inplace
            .stderr
            .contains("--in-place cannot rewrite the S3 object"),
        "{}",
        inplace.stderr
    );

    // job create reads inputDataConfig's s3Uri itself.
    put(
        &b,
        "jobs/good/part-1.jsonl",
        &fixture("sample/claude-batch.jsonl"),
    );
    let state = tempfile::tempdir().unwrap();
    let create = |uri: &str| {
        aws.run(&[
            "job",
            "create",
            "--state-dir",
            state.path().to_str().unwrap(),
            "--job-name",
            &format!(
                "job-{}",
                uri.trim_start_matches(&format!("s3://{b}/"))
                    .trim_end_matches('/')
                    .replace('/', "-")
            ),
            "--role-arn",
            "arn:aws:iam::123456789012:role/BedrockBatch",
            "--model-id",
            "anthropic.claude-3-5-haiku-20241022-v1:0",
            "--input-data-config",
            &format!("s3InputDataConfig={{s3Uri={uri}}}"),
            "--output-data-config",
            &format!("s3OutputDataConfig={{s3Uri=s3://{b}/results/}}"),
            "--region",
            "us-east-1",
            "--check-s3-input",
        ])
    };
    let good = create(&format!("s3://{b}/jobs/good/"));
    assert_eq!(good.code, 0, "{}", good.stderr);
    let job = good.json();
    assert_eq!(job["status"], "Scheduled", "{job}");
    let bad = create(&format!("s3://{b}/raw/"));
    let job = bad.json();
    assert_eq!(job["status"], "Failed", "{job}");
    assert!(
        job["message"]
            .as_str()
            .unwrap()
            .contains(&format!("s3://{b}/raw/broken.jsonl")),
        "{job}"
    );
    // The pre-flight line names what it read: the request's s3Uri, not --local-input.
    assert!(
        bad.stderr.contains(&format!(
            "pre-flight: 6 records in s3://{b}/raw/ (the request's input s3Uri)"
        )),
        "{}",
        bad.stderr
    );
    assert!(!bad.stderr.contains("--local-input"), "{}", bad.stderr);
    // Records that fail at inference but pass Validating: Scheduled, exit 1, and the
    // `validate` command it names reads the same URI and lists them.
    let soft: String = (0..2_000)
        .map(|i| {
            let r = record(i);
            if i == 1_500 {
                r.replace("\"max_tokens\":256", "\"max_tokens\":\"256\"")
            } else {
                r
            }
        })
        .collect();
    put(&b, "jobs/soft/part-1.jsonl", soft.as_bytes());
    let scheduled = create(&format!("s3://{b}/jobs/soft/"));
    assert_eq!(scheduled.code, 1, "{}", scheduled.stderr);
    assert_eq!(scheduled.json()["status"], "Scheduled");
    let line = scheduled
        .stderr
        .lines()
        .find(|l| l.contains("would fail at inference"))
        .unwrap_or_else(|| panic!("{}", scheduled.stderr));
    let tail = format!("--input-s3-uri s3://{b}/jobs/soft/ s3://{b}/jobs/soft/");
    assert!(line.ends_with(&tail), "{line}");
    let command = line.split("See them with: bedrock-batch ").nth(1).unwrap();
    let listed = aws.run(
        &command
            .split(' ')
            .chain(["--format", "json"])
            .collect::<Vec<_>>(),
    );
    assert_eq!(listed.code, 1, "{}", listed.stderr);
    let errors: Vec<serde_json::Value> = listed.json()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .cloned()
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["line"], 1_501);
    // --local-input takes a URI too (here one that is not the request's s3Uri).
    let local_input = aws.run(&[
        "job",
        "create",
        "--state-dir",
        state.path().to_str().unwrap(),
        "--job-name",
        "job-local-input",
        "--role-arn",
        "arn:aws:iam::123456789012:role/BedrockBatch",
        "--model-id",
        "anthropic.claude-3-5-haiku-20241022-v1:0",
        "--input-data-config",
        &format!("s3InputDataConfig={{s3Uri=s3://{b}/jobs/other/}}"),
        "--output-data-config",
        &format!("s3OutputDataConfig={{s3Uri=s3://{b}/results/}}"),
        "--region",
        "us-east-1",
        "--local-input",
        &format!("s3://{b}/raw/broken.jsonl"),
    ]);
    assert_eq!(
        local_input.json()["status"],
        "Failed",
        "{}",
        local_input.stderr
    );
    // Without a flag, no data is read and the note says how to check it.
    let skipped = aws.run(&[
        "job",
        "create",
        "--state-dir",
        state.path().to_str().unwrap(),
        "--job-name",
        "job-unchecked",
        "--role-arn",
        "arn:aws:iam::123456789012:role/BedrockBatch",
        "--model-id",
        "anthropic.claude-3-5-haiku-20241022-v1:0",
        "--input-data-config",
        &format!("s3InputDataConfig={{s3Uri=s3://{b}/raw/}}"),
        "--output-data-config",
        &format!("s3OutputDataConfig={{s3Uri=s3://{b}/results/}}"),
        "--region",
        "us-east-1",
    ]);
    assert_eq!(skipped.json()["status"], "Scheduled");
    assert!(
        skipped.stderr.contains("--check-s3-input"),
        "{}",
        skipped.stderr
    );
}

/// What a dataframe export and a hand-edited file look like together: records without
/// recordIds, a repeated recordId, a broken line, a stray file.
fn fix_folder(root: &Path) {
    let w = |rel: &str, bytes: &[u8]| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    };
    let no_ids: String = (0..400)
        .map(|i| record(i).replace(&format!("\"recordId\":\"{i:08x}-"), "\"id\":\"x-"))
        .collect();
    w("2026/11/a.jsonl", no_ids.as_bytes());
    let mut repeated: String = (0..300).map(record).collect();
    repeated.push_str(&record(7));
    repeated.push_str("{\"recordId\":\"broken\",\"modelInput\":{\n");
    w("2026/11/b.jsonl", repeated.as_bytes());
    w("2026/12/pandas.jsonl", pandas_lines(0, 200).as_bytes());
    w("README.txt", b"export of 2026-11-29\n");
}

#[test]
#[ignore = "needs moto_server; .ci/run runs it"]
fn fix_reads_a_prefix_and_uploads_the_output_with_its_side_files_beside_it() {
    let aws = Aws::moto();
    let work = tempfile::tempdir().unwrap();
    fix_folder(&work.path().join("data"));
    let b = bucket("fixdir");
    upload_dir(&work.path().join("data"), &b, "raw/");
    let flags = [
        "--add-record-ids",
        "--dedupe-record-ids",
        "--record-id-format",
        "uuid",
        "--format",
        "json",
    ];
    let out = format!("s3://{b}/clean/all.jsonl");
    let mut args = vec!["fix", "--out", &out];
    let raw = format!("s3://{b}/raw/");
    args.push(&raw);
    args.extend(flags);
    let remote = aws.run(&args);
    let mut args = vec!["fix", "--out", "all.jsonl", "data/"];
    args.extend(flags);
    let disk = local(&args, work.path());
    assert_eq!(remote.code, disk.code, "{}", remote.stderr);
    assert_eq!(remote.code, 1, "a line was rejected: {}", remote.stdout);
    // Nothing on stderr: no progress text when stderr is not a terminal.
    assert_eq!(remote.stderr, "");
    // The same files, at the same names, with the same bytes: the ids generated in the
    // second pass (the objects are read again) are the ones generated from disk.
    let mut written = keys(&b, "clean/");
    written.sort();
    assert_eq!(
        written,
        [
            "clean/all.id-map.jsonl",
            "clean/all.jsonl",
            "clean/all.rejected.jsonl"
        ]
    );
    // (The id map names each input by where it was read: the object's URI, the file's path.)
    for key in &written {
        let name = key.trim_start_matches("clean/");
        let remote = String::from_utf8(get(&b, key).body).unwrap();
        let disk = std::fs::read_to_string(work.path().join(name)).unwrap();
        assert!(
            remote.replace(&raw, "data/") == disk,
            "{name} differs from the one fixed from disk"
        );
    }
    // The same report, with the objects named by URI; each output's size is what was
    // written (the id map is longer by the URIs it holds).
    let mut remote_report: serde_json::Value = serde_json::from_str(
        &remote
            .stdout
            .replace(&format!("s3://{b}/clean/"), "")
            .replace(&raw, "data/"),
    )
    .unwrap();
    let mut disk_report = disk.json();
    for o in remote_report["outputs"].as_array_mut().unwrap() {
        let name = o["path"].as_str().unwrap().to_string();
        assert_eq!(o["bytes"], get(&b, &format!("clean/{name}")).body.len());
        o["bytes"] = serde_json::Value::Null;
    }
    for o in disk_report["outputs"].as_array_mut().unwrap() {
        let name = o["path"].as_str().unwrap().to_string();
        let size = std::fs::metadata(work.path().join(&name)).unwrap().len();
        assert_eq!(o["bytes"], size);
        o["bytes"] = serde_json::Value::Null;
    }
    assert_eq!(remote_report, disk_report);
    // The input is never touched.
    assert_eq!(keys(&b, "raw/").len(), 4);
}

#[test]
#[ignore = "needs moto_server; .ci/run runs it"]
fn a_failed_fix_upload_deletes_the_side_files_it_wrote() {
    let b = bucket("fixfail");
    let work = tempfile::tempdir().unwrap();
    fix_folder(&work.path().join("data"));
    upload_dir(&work.path().join("data"), &b, "raw/");
    // The output itself goes up last; its PUT is refused after the side files are stored.
    let proxy = Proxy::start(Box::new(|_, m, target| {
        if m == "PUT" && target.contains("/clean/all.jsonl") {
            Fault::Error(403, "AccessDenied")
        } else {
            Fault::Pass
        }
    }));
    let out = format!("s3://{b}/clean/all.jsonl");
    let run = Aws::at(&proxy.endpoint()).run(&[
        "fix",
        &format!("s3://{b}/raw/"),
        "--out",
        &out,
        "--add-record-ids",
        "--dedupe-record-ids",
    ]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(&out) && run.stderr.contains("access denied"),
        "{}",
        run.stderr
    );
    let log = proxy.log.lock().unwrap().join("\n");
    assert!(
        log.contains("all.rejected.jsonl"),
        "side files went up first: {log}"
    );
    assert_eq!(
        keys(&b, "clean/"),
        Vec::<String>::new(),
        "nothing left: {log}"
    );
}
