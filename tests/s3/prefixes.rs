//! `s3://` inputs: a prefix gives the report of the same files on disk; one object, a prefix
//! without a slash and a nested prefix; a prefix of more than 1,000 objects read whole in key
//! order.

use super::*;

#[test]
#[ignore = "needs moto_server; .ci/run runs it"]
fn a_prefix_gives_the_report_of_the_same_files_on_disk() {
    let aws = Aws::moto();
    let work = tempfile::tempdir().unwrap();
    messy_folder(&work.path().join("data"));
    let b = bucket("equal");
    upload_dir(&work.path().join("data"), &b, "in/2026/");
    let uri = format!("s3://{b}/in/2026/");
    // The GitHub log's stop-commands token hashes the text it guards, paths included.
    let token = regex::Regex::new("bedrock-batch-[0-9a-f]{16}").unwrap();
    for format in ["json", "text", "jsonl", "github", "sarif", "junit"] {
        let remote = aws.run(&[
            "validate",
            &uri,
            "--format",
            format,
            "--model-id",
            "anthropic.claude-3-5-haiku-20241022-v1:0",
        ]);
        let disk = local(
            &[
                "validate",
                "data/",
                "--format",
                format,
                "--model-id",
                "anthropic.claude-3-5-haiku-20241022-v1:0",
            ],
            work.path(),
        );
        assert_eq!(remote.code, disk.code, "{format}: {}", remote.stderr);
        assert_eq!(remote.code, 1, "the folder has errors");
        // GitHub annotations percent-encode the `:` of a file property.
        let encoded = uri.replacen("s3:", "s3%3A", 1);
        let remote_text = remote
            .stdout
            .replace(&uri, "data/")
            .replace(&encoded, "data/");
        assert_eq!(
            token.replace_all(&remote_text, "TOKEN"),
            token.replace_all(&disk.stdout, "TOKEN"),
            "{format}: the S3 report differs from the local one\nstderr: {}",
            remote.stderr
        );
    }
    let report = aws.run(&["validate", &uri, "--format", "json"]).json();
    let paths: Vec<&str> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            format!("{uri}a-b.jsonl"),
            format!("{uri}a/deeper/pandas.jsonl"),
            format!("{uri}a/deeper/y.jsonl"),
            format!("{uri}a/x.jsonl"),
            format!("{uri}b/many.jsonl"),
            format!("{uri}c/old.jsonl.gz"),
        ]
    );
    // The stray object is reported by its URI.
    let stray: Vec<&serde_json::Value> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "F003")
        .collect();
    assert_eq!(stray.len(), 1);
    assert_eq!(stray[0]["path"], format!("{uri}notes.txt"));
}

#[test]
#[ignore = "needs moto_server; .ci/run runs it"]
fn one_object_a_prefix_without_slash_and_a_nested_prefix() {
    let aws = Aws::moto();
    let b = bucket("one");
    put(
        &b,
        "jobs/7/input.jsonl",
        &fixture("sample/claude-batch.jsonl"),
    );
    put(&b, "jobs/7/sub/more.jsonl", pandas_lines(0, 5).as_bytes());
    put(&b, "jobs/70/other.jsonl", b"not json\n");
    put(
        &b,
        "jobs/7/input.txt",
        &fixture("sample/claude-batch.jsonl"),
    );
    // One object: its report is the file's.
    let one = aws.run(&[
        "validate",
        &format!("s3://{b}/jobs/7/input.jsonl"),
        "--format",
        "json",
    ]);
    assert_eq!(one.code, 0, "{}", one.stderr);
    let r = one.json();
    assert_eq!(r["summary"]["files"], 1);
    assert_eq!(r["summary"]["records"], 120);
    // Without the slash it is still the folder `jobs/7/`, not `jobs/70/`.
    let folder = aws.run(&["validate", &format!("s3://{b}/jobs/7"), "--format", "json"]);
    let r = folder.json();
    assert_eq!(r["summary"]["files"], 2, "{}", folder.stdout);
    assert_eq!(r["summary"]["by_code"]["F003"], 1);
    // A nested prefix alone.
    let nested = aws.run(&[
        "validate",
        &format!("s3://{b}/jobs/7/sub/"),
        "--format",
        "json",
    ]);
    assert_eq!(nested.json()["summary"]["records"], 5);
    // An object named directly that is not .jsonl is F001, as a file named on disk is.
    let named = aws.run(&[
        "validate",
        &format!("s3://{b}/jobs/7/input.txt"),
        "--format",
        "json",
    ]);
    assert_eq!(named.code, 1);
    assert_eq!(named.json()["summary"]["by_code"]["F001"], 1);
    // An empty prefix: no input (F002), not a tool error.
    let empty = aws.run(&[
        "validate",
        &format!("s3://{b}/nothing/"),
        "--format",
        "json",
    ]);
    assert_eq!(empty.code, 1, "{}", empty.stderr);
    assert_eq!(empty.json()["summary"]["by_code"]["F002"], 1);
    // `shard` takes one object as it takes one file: the same parts as from disk.
    let sharded = aws.run(&[
        "shard",
        &format!("s3://{b}/jobs/7/input.jsonl"),
        "--out",
        &format!("s3://{b}/sharded/"),
        "--format",
        "json",
    ]);
    assert_eq!(sharded.code, 0, "{}", sharded.stderr);
    let work = tempfile::tempdir().unwrap();
    std::fs::write(
        work.path().join("input.jsonl"),
        fixture("sample/claude-batch.jsonl"),
    )
    .unwrap();
    let disk = local(
        &["shard", "input.jsonl", "--out", "out", "--format", "json"],
        work.path(),
    );
    assert_eq!(disk.code, 0, "{}", disk.stderr);
    let files = |v: &serde_json::Value| -> Vec<(String, String)> {
        v["manifest"]["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|j| j["files"].as_array().unwrap().clone())
            .map(|f| {
                (
                    f["path"].as_str().unwrap().to_string(),
                    f["sha256"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let (remote_files, disk_files) = (files(&sharded.json()), files(&disk.json()));
    assert_eq!(remote_files, disk_files);
    for (path, _) in &remote_files {
        assert_eq!(
            get(&b, &format!("sharded/{path}")).body,
            std::fs::read(work.path().join("out").join(path)).unwrap()
        );
    }
}

#[test]
#[ignore = "needs moto_server; .ci/run runs it"]
fn a_prefix_of_more_than_1000_objects_is_read_whole_in_key_order() {
    let aws = Aws::moto();
    let b = bucket("pages");
    let n = 1_050;
    for i in 0..n {
        put(
            &b,
            &format!("in/part-{i:05}.jsonl"),
            short_record(i).as_bytes(),
        );
    }
    // One recordId repeated across the first and the last page of the listing.
    put(&b, "in/zz-last.jsonl", short_record(3).as_bytes());
    let run = aws.run(&["validate", &format!("s3://{b}/in/"), "--format", "json"]);
    let r = run.json();
    assert_eq!(r["summary"]["files"], n + 1, "{}", run.stderr);
    assert_eq!(r["summary"]["records"], n + 1);
    let paths: Vec<String> = r["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    let dup = r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "R006")
        .expect("R006");
    assert_eq!(dup["path"], format!("s3://{b}/in/zz-last.jsonl"));
    assert!(
        dup["message"]
            .as_str()
            .unwrap()
            .contains(&format!("s3://{b}/in/part-00003.jsonl:1")),
        "{dup}"
    );
}
