//! `s3://` inputs and outputs against a real S3-compatible server (`moto_server`, started by
//! the harness on 127.0.0.1), with the user's setup a user would have: a profile in a shared
//! credentials file and `AWS_ENDPOINT_URL`. Faults come from a proxy in front of the server.
//!
//! Opt-in (`#[ignore]`), since they need `moto_server`. CI runs them with a pinned moto:
//!
//! ```sh
//! python3 -m venv .venv-moto && .venv-moto/bin/pip install 'moto[server]==5.2.5'
//! BEDROCK_BATCH_MOTO_SERVER=.venv-moto/bin/moto_server cargo test --test s3 -- --ignored
//! ```

#![cfg(feature = "s3")]

mod harness;

use std::io::Write;
use std::path::Path;

use base64::Engine;
use harness::*;
use sha2::{Digest, Sha256};

const BODY: &str = r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":256,"messages":[{"role":"user","content":"Classify the sentiment of this review: \"arrived late, works fine\""}]}"#;

/// A record with a UUID-like recordId, as pipelines write them.
fn record(i: usize) -> String {
    format!(
        "{{\"recordId\":\"{:08x}-4f1c-4a2b-9c3d-{:012x}\",\"modelInput\":{BODY}}}\n",
        i,
        i * 7919
    )
}

/// A record with an 11-character recordId (the documented format).
fn short_record(i: usize) -> String {
    format!("{{\"recordId\":\"{i:011}\",\"modelInput\":{BODY}}}\n")
}

/// What pandas `to_json(orient="records", lines=True)` writes: no spaces, `\/` escapes, and
/// no final newline.
fn pandas_lines(from: usize, n: usize) -> String {
    let mut s = String::new();
    for i in from..from + n {
        s.push_str(&format!(
            "{{\"recordId\":\"P{i:010}\",\"modelInput\":{{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":64,\"messages\":[{{\"role\":\"user\",\"content\":\"See https:\\/\\/example.com\\/item\\/{i}\"}}]}}}}"
        ));
        if i + 1 < from + n {
            s.push('\n');
        }
    }
    s
}

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(rel),
    )
    .unwrap()
}

/// A folder as a data pipeline leaves it: record files at several depths, a file name that
/// sorts between a folder and its contents (`a-b.jsonl` vs `a/`), a compressed file, a stray
/// file, a broken file, a pandas export, and recordIds repeated across files.
fn messy_folder(root: &Path) {
    let w = |rel: &str, bytes: &[u8]| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    };
    w("a-b.jsonl", &fixture("sample/claude-batch.jsonl"));
    w("a/x.jsonl", &fixture("sample/broken-batch.jsonl"));
    w(
        "a/deeper/y.jsonl",
        &fixture("sample/claude-batch.jsonl")[..2000],
    );
    w("a/deeper/pandas.jsonl", pandas_lines(0, 40).as_bytes());
    let many: String = (0..300).map(record).collect();
    w("b/many.jsonl", many.as_bytes());
    w("notes.txt", b"exported 2026-11-29\n");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(record(9).as_bytes()).unwrap();
    w("c/old.jsonl.gz", &gz.finish().unwrap());
}

/// Runs `bedrock-batch` on local files (no AWS settings needed).
fn local(args: &[&str], cwd: &Path) -> Run {
    let out = assert_cmd::Command::cargo_bin("bedrock-batch")
        .unwrap()
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

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

/// An input of `records` records of about 700 bytes.
fn big_input(path: &Path, records: usize) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..records {
        let pad = "x".repeat(480 + i % 97);
        writeln!(
            f,
            "{{\"recordId\":\"{i:011}\",\"modelInput\":{{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":100,\"messages\":[{{\"role\":\"user\",\"content\":\"{pad}\"}}]}}}}"
        )
        .unwrap();
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The checksum S3 computes for a multipart upload with SHA-256: the SHA-256 of the parts'
/// SHA-256s, base64, then `-N`.
fn composite(bytes: &[u8], part: usize) -> String {
    let mut all = Sha256::new();
    let chunks: Vec<&[u8]> = bytes.chunks(part).collect();
    for c in &chunks {
        all.update(Sha256::digest(c));
    }
    format!(
        "{}-{}",
        base64::engine::general_purpose::STANDARD.encode(all.finalize()),
        chunks.len()
    )
}

#[test]
#[ignore = "needs moto_server; .ci/run runs it"]
fn shard_writes_multipart_parts_with_checksums_and_the_manifest_last() {
    let aws = Aws::moto();
    let work = tempfile::tempdir().unwrap();
    let input = work.path().join("big.jsonl");
    big_input(&input, 24_000); // ~13 MB
    let b = bucket("shard");
    let out = format!("s3://{b}/batches/run-1/");
    let part = 5 << 20;
    let run = aws
        .bb(&[
            "shard",
            input.to_str().unwrap(),
            "--out",
            &out,
            "--format",
            "json",
            "--max-records-per-file",
            "20000",
        ])
        .env("BEDROCK_BATCH_S3_PART_SIZE", part.to_string())
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(summary["out"], out);
    // Read every object back and hold it against the manifest S3 has.
    let manifest: serde_json::Value =
        serde_json::from_slice(&get(&b, "batches/run-1/manifest.json").body).unwrap();
    assert_eq!(manifest, summary["manifest"]);
    let mut records = 0;
    let mut multipart = 0;
    for f in manifest["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|j| j["files"].as_array().unwrap())
    {
        let key = format!("batches/run-1/{}", f["path"].as_str().unwrap());
        let body = get(&b, &key).body;
        assert_eq!(f["sha256"], sha256_hex(&body), "{key}");
        assert_eq!(f["bytes"], body.len());
        let s3 = &f["s3"];
        assert_eq!(s3["uri"], format!("s3://{b}/{key}"));
        assert_eq!(s3["checksum_algorithm"], "SHA256");
        if body.len() > part {
            multipart += 1;
            assert_eq!(s3["checksum_type"], "COMPOSITE");
            assert_eq!(s3["checksum"], composite(&body, part));
            assert!(s3["parts"].as_u64().unwrap() >= 2);
        } else {
            assert_eq!(s3["checksum_type"], "FULL_OBJECT");
            assert_eq!(
                s3["checksum"],
                base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&body))
            );
        }
        // S3's own record of the checksum it verified.
        let head = request(
            moto().port,
            "HEAD",
            &format!("/{b}/{key}"),
            &[("x-amz-checksum-mode", "ENABLED")],
            b"",
        );
        let stored = head
            .header("x-amz-checksum-sha256")
            .expect("S3 kept the checksum");
        assert!(
            s3["checksum"].as_str().unwrap().starts_with(stored),
            "{stored} vs {s3}"
        );
        records += body.iter().filter(|&&c| c == b'\n').count();
    }
    assert!(multipart >= 1, "an object went up in parts");
    assert_eq!(records, 24_000);
    assert!(open_multipart_uploads(&b).is_empty());

    // The same prefix again: refused without --force, nothing touched.
    let before = keys(&b, "batches/run-1/");
    let again = aws.run(&["shard", input.to_str().unwrap(), "--out", &out]);
    assert_eq!(again.code, 2);
    assert_eq!(again.stderr.lines().count(), 1, "{}", again.stderr);
    assert!(
        again.stderr.contains(&out) && again.stderr.contains("--force"),
        "{}",
        again.stderr
    );
    assert_eq!(keys(&b, "batches/run-1/"), before);

    // With --force and fewer parts: replaced, and the old part that has no successor is gone.
    let small = work.path().join("small.jsonl");
    big_input(&small, 300);
    let forced = aws.run(&["shard", small.to_str().unwrap(), "--out", &out, "--force"]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert_eq!(
        keys(&b, "batches/run-1/"),
        [
            "batches/run-1/job-001/part-0001.jsonl",
            "batches/run-1/manifest.json"
        ]
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&get(&b, "batches/run-1/manifest.json").body).unwrap();
    assert_eq!(manifest["jobs"][0]["records"], 300);

    // A retried run gives the same objects.
    let first = get(&b, "batches/run-1/job-001/part-0001.jsonl").body;
    let retried = aws.run(&["shard", small.to_str().unwrap(), "--out", &out, "--force"]);
    assert_eq!(retried.code, 0);
    assert_eq!(get(&b, "batches/run-1/job-001/part-0001.jsonl").body, first);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&get(&b, "batches/run-1/manifest.json").body)
            .unwrap(),
        manifest
    );
}

#[test]
#[ignore = "needs moto_server; .ci/run runs it"]
fn shard_from_a_prefix_writes_what_shard_from_disk_writes() {
    let aws = Aws::moto();
    let work = tempfile::tempdir().unwrap();
    messy_folder(&work.path().join("data"));
    std::fs::remove_file(work.path().join("data/a/x.jsonl")).unwrap();
    std::fs::remove_file(work.path().join("data/c/old.jsonl.gz")).unwrap();
    std::fs::write(
        work.path().join("data/a/deeper/y.jsonl"),
        pandas_lines(100, 10),
    )
    .unwrap();
    let b = bucket("reshard");
    upload_dir(&work.path().join("data"), &b, "in/");
    let disk = local(
        &[
            "shard",
            "data/",
            "--out",
            "out-local",
            "--format",
            "json",
            "--max-records-per-file",
            "150",
        ],
        work.path(),
    );
    assert_eq!(disk.code, 0, "{}", disk.stderr);
    let remote = aws.run(&[
        "shard",
        &format!("s3://{b}/in/"),
        "--out",
        &format!("s3://{b}/out/"),
        "--format",
        "json",
        "--max-records-per-file",
        "150",
    ]);
    assert_eq!(remote.code, 0, "{}", remote.stderr);
    let (d, r) = (disk.json(), remote.json());
    for (jd, jr) in d["manifest"]["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .zip(r["manifest"]["jobs"].as_array().unwrap())
    {
        for (fd, fr) in jd["files"]
            .as_array()
            .unwrap()
            .iter()
            .zip(jr["files"].as_array().unwrap())
        {
            assert_eq!(
                (&fd["path"], &fd["sha256"], &fd["records"]),
                (&fr["path"], &fr["sha256"], &fr["records"])
            );
            let local_bytes = std::fs::read(
                work.path()
                    .join("out-local")
                    .join(fd["path"].as_str().unwrap()),
            )
            .unwrap();
            assert_eq!(
                get(&b, &format!("out/{}", fr["path"].as_str().unwrap())).body,
                local_bytes
            );
        }
    }
    assert_eq!(
        d["manifest"]["jobs"].as_array().unwrap().len(),
        r["manifest"]["jobs"].as_array().unwrap().len()
    );
    // The same input summary, except that stray files are named where they are: the
    // objects by URI, the files on disk by path.
    let (mut ri, mut di) = (r["input"].clone(), d["input"].clone());
    let (r_stray, d_stray) = (ri["stray"].take(), di["stray"].take());
    assert_eq!(ri, di);
    assert_eq!(
        r_stray.as_array().unwrap().len(),
        d_stray.as_array().unwrap().len()
    );
    for s in r_stray.as_array().unwrap() {
        assert!(
            s.as_str().unwrap().starts_with("s3://"),
            "a stray object is named by its URI: {s}"
        );
    }
}

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

/// A proxy that answers the first `n` requests with `fault`, then forwards.
fn first(n: usize, fault: Fault) -> Proxy {
    Proxy::start(Box::new(
        move |i, _, _| if i < n { fault.clone() } else { Fault::Pass },
    ))
}

#[test]
#[ignore = "needs moto_server; .ci/run runs it"]
fn throttling_5xx_and_dropped_connections_are_retried() {
    let b = bucket("retry");
    let work = tempfile::tempdir().unwrap();
    big_input(&work.path().join("in.jsonl"), 30_000); // ~16 MB: two ranged GETs
    upload_dir(work.path(), &b, "in/");
    let clean = Aws::moto().run(&["validate", &format!("s3://{b}/in/"), "--format", "json"]);
    assert_eq!(clean.code, 0, "{}", clean.stderr);
    for (what, proxy) in [
        ("SlowDown", first(3, Fault::Error(503, "SlowDown"))),
        (
            "InternalError",
            first(2, Fault::Error(500, "InternalError")),
        ),
        (
            "cut body",
            Proxy::start(Box::new(|i, m, _| {
                if m == "GET" && (1..3).contains(&i) {
                    Fault::CutBody
                } else {
                    Fault::Pass
                }
            })),
        ),
    ] {
        let run = Aws::at(&proxy.endpoint()).run(&[
            "validate",
            &format!("s3://{b}/in/"),
            "--format",
            "json",
        ]);
        assert_eq!(
            run.code,
            0,
            "{what}: {}\n{:?}",
            run.stderr,
            proxy.log.lock().unwrap()
        );
        assert_eq!(run.stdout, clean.stdout, "{what}");
        assert!(
            proxy.requests.load(std::sync::atomic::Ordering::SeqCst) > 3,
            "{what}"
        );
    }
    // A server that never recovers: one line, exit 2, after the retries.
    let proxy = Proxy::start(Box::new(|_, _, _| Fault::Error(503, "SlowDown")));
    let run = Aws::at(&proxy.endpoint()).run(&["validate", &format!("s3://{b}/in/")]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("s3://{b}/in/")) && run.stderr.contains("try again later"),
        "{}",
        run.stderr
    );
}

/// Runs `validate URI` and checks the one-line error and exit code 2.
fn fails_with(aws: &Aws, uri: &str, words: &[&str]) {
    let run = aws.run(&["validate", uri]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert_eq!(run.stderr.lines().count(), 1, "one line: {}", run.stderr);
    assert!(run.stderr.contains(uri), "names the URI: {}", run.stderr);
    for w in words {
        assert!(run.stderr.contains(w), "says {w:?}: {}", run.stderr);
    }
}

#[test]
#[ignore = "needs moto_server; .ci/run runs it"]
fn each_fault_is_one_line_naming_the_uri_and_what_to_do() {
    let b = bucket("faults");
    put(&b, "in/a.jsonl", &fixture("sample/claude-batch.jsonl"));
    let uri = format!("s3://{b}/in/");
    fails_with(
        &Aws::moto(),
        "s3://no-such-bucket-bb/in/",
        &["does not exist", "AWS_REGION"],
    );
    let denied = first(usize::MAX, Fault::Error(403, "AccessDenied"));
    fails_with(
        &Aws::at(&denied.endpoint()),
        &uri,
        &["access denied", "s3:ListBucket"],
    );
    let expired = first(usize::MAX, Fault::Error(400, "ExpiredToken"));
    fails_with(
        &Aws::at(&expired.endpoint()),
        &uri,
        &["expired", "aws sso login"],
    );
    let bad_key = first(usize::MAX, Fault::Error(403, "InvalidAccessKeyId"));
    fails_with(
        &Aws::at(&bad_key.endpoint()),
        &uri,
        &["rejected", "AWS_PROFILE"],
    );
    // A profile with no keys at all.
    let none = Aws::with_profile(
        &format!("http://127.0.0.1:{}", moto().port),
        "region = us-east-1\n",
    );
    fails_with(&none, &uri, &["no AWS credentials found", "aws sso login"]);
    // Nothing listens there.
    let closed = Aws::at(&format!("http://127.0.0.1:{}", free_port()));
    fails_with(
        &closed,
        &uri,
        &["cannot reach the S3 endpoint", "AWS_ENDPOINT_URL"],
    );
    // A bad URI is refused before any request.
    fails_with(
        &Aws::moto(),
        "s3://Bad_Bucket/x",
        &["not a bucket name", "s3://BUCKET/PREFIX/"],
    );
    // --profile names the profile over AWS_PROFILE.
    let aws = Aws::moto();
    let run = aws
        .bb(&["--profile", "nobody", "validate", &uri])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("no AWS credentials found for profile `nobody`"),
        "{stderr}"
    );
}

#[test]
#[ignore = "needs moto_server; .ci/run runs it"]
fn a_failed_upload_leaves_no_manifest_no_object_and_no_open_multipart_upload() {
    let work = tempfile::tempdir().unwrap();
    let input = work.path().join("big.jsonl");
    big_input(&input, 24_000);
    let b = bucket("abort");
    let out = format!("s3://{b}/out/");
    // Every request passes until the third part of a multipart upload, which is refused.
    let parts = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = parts.clone();
    let proxy = Proxy::start(Box::new(move |_, m, target| {
        if m == "PUT"
            && target.contains("partNumber=")
            && seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 2
        {
            Fault::Error(403, "AccessDenied")
        } else {
            Fault::Pass
        }
    }));
    let run = Aws::at(&proxy.endpoint())
        .bb(&[
            "shard",
            input.to_str().unwrap(),
            "--out",
            &out,
            "--max-records-per-file",
            "8000",
        ])
        .env("BEDROCK_BATCH_S3_PART_SIZE", (5 << 20).to_string())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(
        run.status.code(),
        Some(2),
        "{stderr}\n{:?}",
        proxy.log.lock().unwrap()
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("access denied"), "{stderr}");
    assert!(
        proxy
            .log
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("DELETE")),
        "cleaned up"
    );
    assert_eq!(keys(&b, "out/"), Vec::<String>::new(), "nothing left");
    assert!(open_multipart_uploads(&b).is_empty(), "multipart aborted");
    // The same run again, without faults and without --force, writes everything.
    let again = Aws::moto()
        .bb(&[
            "shard",
            input.to_str().unwrap(),
            "--out",
            &out,
            "--max-records-per-file",
            "8000",
        ])
        .env("BEDROCK_BATCH_S3_PART_SIZE", (5 << 20).to_string())
        .output()
        .unwrap();
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(keys(&b, "out/").last().unwrap(), "out/manifest.json");
    // And the objects it wrote are those of a run that never failed: the same bytes and the
    // same S3-verified checksums.
    let clean = Aws::moto()
        .bb(&[
            "shard",
            input.to_str().unwrap(),
            "--out",
            &format!("s3://{b}/clean/"),
            "--max-records-per-file",
            "8000",
        ])
        .env("BEDROCK_BATCH_S3_PART_SIZE", (5 << 20).to_string())
        .output()
        .unwrap();
    assert_eq!(clean.status.code(), Some(0));
    let manifest = |prefix: &str| -> serde_json::Value {
        let text = String::from_utf8(get(&b, &format!("{prefix}manifest.json")).body).unwrap();
        serde_json::from_str(&text.replace(&format!("s3://{b}/{prefix}"), "PREFIX/")).unwrap()
    };
    assert_eq!(manifest("out/"), manifest("clean/"));
    let retried_keys = keys(&b, "out/");
    assert_eq!(retried_keys.len(), keys(&b, "clean/").len());
    // The manifests differ only in the URIs they record (compared above).
    for key in retried_keys
        .iter()
        .filter(|k| !k.ends_with("manifest.json"))
    {
        let same = get(&b, key).body == get(&b, &key.replacen("out/", "clean/", 1)).body;
        assert!(same, "{key} differs from the clean run's");
    }
}

#[test]
#[ignore = "needs moto_server; .ci/run runs it"]
fn results_reads_the_input_and_the_job_output_from_s3() {
    let aws = Aws::moto();
    let b = bucket("results");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/results/claude");
    upload_dir(&root.join("input"), &b, "batch/in/");
    upload_dir(&root.join("output"), &b, "batch/out/");
    let remote = aws.run(&[
        "results",
        "--input",
        &format!("s3://{b}/batch/in/"),
        "--output",
        &format!("s3://{b}/batch/out/"),
        "--format",
        "json",
        "--retry",
        "retry-s3.jsonl",
        "--joined",
        "joined-s3.jsonl",
    ]);
    let disk = local(
        &[
            "results",
            "--input",
            root.join("input/").to_str().unwrap(),
            "--output",
            root.join("output/").to_str().unwrap(),
            "--format",
            "json",
            "--retry",
            "retry.jsonl",
            "--joined",
            "joined.jsonl",
        ],
        aws.dir.path(),
    );
    assert_eq!(remote.code, disk.code, "{}", remote.stderr);
    let strip = |text: &str, a: &str, b: &str| {
        text.replace(a, "ROOT/")
            .replace(b, "ROOT/")
            .replace("-s3.jsonl", ".jsonl")
    };
    assert_eq!(
        strip(
            &remote.stdout,
            &format!("s3://{b}/batch/in/"),
            &format!("s3://{b}/batch/out/")
        ),
        strip(
            &disk.stdout,
            &format!("{}/", root.join("input").display()),
            &format!("{}/", root.join("output").display())
        ),
    );
    for name in ["retry", "joined"] {
        let s3 = std::fs::read(aws.dir.path().join(format!("{name}-s3.jsonl"))).unwrap();
        assert!(!s3.is_empty());
        assert_eq!(
            s3,
            std::fs::read(aws.dir.path().join(format!("{name}.jsonl"))).unwrap(),
            "{name}"
        );
    }
    // One object as --input, as one file on disk.
    let one = aws.run(&[
        "results",
        "--input",
        &format!("s3://{b}/batch/in/part-0001.jsonl"),
        "--output",
        &format!("s3://{b}/batch/out/"),
        "--format",
        "json",
    ]);
    let one_disk = local(
        &[
            "results",
            "--input",
            root.join("input/part-0001.jsonl").to_str().unwrap(),
            "--output",
            root.join("output/").to_str().unwrap(),
            "--format",
            "json",
        ],
        aws.dir.path(),
    );
    assert_eq!(one.code, one_disk.code, "{}", one.stderr);
    assert_eq!(
        strip(
            &one.stdout,
            &format!("s3://{b}/batch/in/"),
            &format!("s3://{b}/batch/out/")
        ),
        strip(
            &one_disk.stdout,
            &format!("{}/", root.join("input").display()),
            &format!("{}/", root.join("output").display())
        ),
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

/// Progress text: a spinner or a bar, or the carriage returns and escape sequences that
/// draw them (a terminal ends its lines with `\r\n`, which is not one).
fn progress_text(stderr: &str) -> bool {
    let text = stderr.replace("\r\n", "\n");
    [
        "listing",
        "uploading",
        "downloading",
        "reading",
        "\r",
        "\x1b[",
    ]
    .iter()
    .any(|w| text.contains(w))
}

#[test]
#[ignore = "needs moto_server; .ci/run runs it"]
fn s3_progress_is_drawn_on_a_terminal_and_never_otherwise() {
    let aws = Aws::moto();
    let work = tempfile::tempdir().unwrap();
    let input = work.path().join("in.jsonl");
    big_input(&input, 6_000); // ~3.5 MB
    let b = bucket("progress");
    let input = input.to_str().unwrap();
    let out = format!("s3://{b}/run/");
    // The job's files, without the manifest (which a job's prefix must not hold).
    let job = format!("s3://{b}/run/job-001/");
    let shard = ["shard", input, "--out", &out];
    // A terminal: the upload is shown, and cleared when done.
    let (code, screen, _) = aws.on_terminal(&shard, &[]);
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("uploading 2 files to s3://"), "{screen:?}");
    // Listing and the bytes read: `job create --check-s3-input` has no checking bar, so the
    // bytes read from S3 get one of their own.
    let state = work.path().join("state");
    let create = |name: &str, extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = [
            "job",
            "create",
            "--state-dir",
            state.to_str().unwrap(),
            "--role-arn",
            "arn:aws:iam::123456789012:role/BedrockBatch",
            "--model-id",
            "anthropic.claude-3-5-haiku-20241022-v1:0",
            "--input-data-config",
            &format!("s3InputDataConfig={{s3Uri={job}}}"),
            "--output-data-config",
            &format!("s3OutputDataConfig={{s3Uri=s3://{b}/results/}}"),
            "--region",
            "us-east-1",
            "--check-s3-input",
            "--job-name",
            name,
        ]
        .map(String::from)
        .to_vec();
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let args = create("on-terminal", &[]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, screen, stdout) = aws.on_terminal(&args, &[]);
    assert_eq!(code, 0, "{screen}");
    assert!(stdout.contains("\"Scheduled\""), "{stdout}");
    assert!(screen.contains(&format!("listing {job}")), "{screen:?}");
    assert!(screen.contains("reading "), "{screen:?}");
    // `validate` and `fix` show the listing; `results --output s3://` the download.
    let (code, screen, _) = aws.on_terminal(&["validate", &job], &[]);
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains(&format!("listing {job}")), "{screen:?}");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/results/claude");
    upload_dir(&root.join("output"), &b, "results/job/");
    let job_input = root.join("input");
    let results = [
        "results",
        "--input",
        job_input.to_str().unwrap(),
        "--output",
        &format!("s3://{b}/results/job/"),
    ];
    let (code, screen, _) = aws.on_terminal(&results, &[]);
    assert!(code != 2, "{screen}");
    assert!(screen.contains("downloading s3://"), "{screen:?}");

    // Never otherwise: --no-progress, CI set, or stderr not a terminal.
    let forced = ["shard", input, "--out", &out, "--force"];
    let quiet_shard = ["shard", input, "--out", &out, "--force", "--no-progress"];
    let no_progress = create("no-progress", &["--no-progress"]);
    let no_progress: Vec<&str> = no_progress.iter().map(String::as_str).collect();
    for (args, env) in [
        (&quiet_shard[..], &[][..]),
        (&forced[..], &[("CI", "true")][..]),
        (&no_progress[..], &[][..]),
        (&["validate", &job, "--no-progress"][..], &[][..]),
        (&results[..], &[("CI", "1")][..]),
    ] {
        let (code, screen, _) = aws.on_terminal(args, env);
        assert!(code != 2, "{args:?}: {screen}");
        assert!(!progress_text(&screen), "{args:?} {env:?}: {screen:?}");
    }
    for args in [&forced[..], &["validate", &job][..], &results[..]] {
        let run = aws.run(args);
        assert!(run.code != 2, "{args:?}: {}", run.stderr);
        assert!(!progress_text(&run.stderr), "{args:?}: {:?}", run.stderr);
    }
    let piped = create("piped", &[]);
    let piped: Vec<&str> = piped.iter().map(String::as_str).collect();
    let run = aws.run(&piped);
    assert!(!progress_text(&run.stderr), "{:?}", run.stderr);
}

/// A one-shot-per-request HTTP server on 127.0.0.1 that answers every request with `body`
/// (JSON) and counts the requests: the container credentials endpoint of ECS and EKS.
fn json_server(body: String) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{BufRead, BufReader};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/creds", listener.local_addr().unwrap());
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, hits)
}

#[test]
#[ignore = "needs moto_server; .ci/run runs it"]
fn credentials_and_endpoint_come_as_the_aws_cli_takes_them() {
    let b = bucket("chain");
    put(&b, "in/a.jsonl", &fixture("sample/claude-batch.jsonl"));
    let uri = format!("s3://{b}/in/");
    let moto_url = format!("http://127.0.0.1:{}", moto().port);
    let closed = format!("http://127.0.0.1:{}", free_port());
    let ok = |run: std::process::Output, what: &str| {
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(0), "{what}: {stderr}");
        let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
        assert_eq!(report["summary"]["records"], 120, "{what}");
    };
    let validate = ["validate", uri.as_str(), "--format", "json"];

    // Keys in the environment, no files at all.
    let aws = Aws::moto();
    ok(
        aws.bb(&validate)
            .env_remove("AWS_PROFILE")
            .env("AWS_SHARED_CREDENTIALS_FILE", aws.dir.path().join("none"))
            .env("AWS_CONFIG_FILE", aws.dir.path().join("none"))
            .env("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT")
            .env("AWS_SECRET_ACCESS_KEY", "secret")
            .env("AWS_REGION", "us-east-1")
            .output()
            .unwrap(),
        "environment keys",
    );

    // credential_process in the profile: the process is run (it leaves a mark).
    let mark = aws.dir.path().join("process-ran");
    let process = Aws::with_profile(
        &moto_url,
        &format!(
            "credential_process = sh -c \"touch '{}'; echo '{{\\\"Version\\\": 1, \\\"AccessKeyId\\\": \\\"AKIAPROCESS\\\", \\\"SecretAccessKey\\\": \\\"s\\\"}}'\"\n",
            mark.display()
        ),
    );
    ok(
        process.bb(&validate).output().unwrap(),
        "credential_process",
    );
    assert!(mark.exists(), "the credential process ran");

    // AWS_ENDPOINT_URL_S3 wins over AWS_ENDPOINT_URL (which points nowhere here).
    ok(
        Aws::at(&closed)
            .bb(&validate)
            .env("AWS_ENDPOINT_URL_S3", &moto_url)
            .output()
            .unwrap(),
        "AWS_ENDPOINT_URL_S3",
    );

    // The profile's own endpoint_url, with no endpoint in the environment.
    let profile = Aws::moto();
    std::fs::write(
        profile.dir.path().join("config"),
        format!("[profile bb-test]\nregion = us-east-1\nendpoint_url = {moto_url}\n"),
    )
    .unwrap();
    ok(
        profile
            .bb(&validate)
            .env_remove("AWS_ENDPOINT_URL")
            .output()
            .unwrap(),
        "the profile's endpoint_url",
    );

    // Container credentials (ECS, EKS Pod Identity): asked of the local endpoint.
    let (creds_url, hits) = json_server(
        r#"{"AccessKeyId":"AKIACONTAINER","SecretAccessKey":"s","Token":"t","Expiration":"2099-01-01T00:00:00Z"}"#
            .to_string(),
    );
    let container = Aws::moto();
    ok(
        container
            .bb(&validate)
            .env_remove("AWS_PROFILE")
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                container.dir.path().join("none"),
            )
            .env("AWS_CONFIG_FILE", container.dir.path().join("none"))
            .env("AWS_REGION", "us-east-1")
            .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &creds_url)
            .output()
            .unwrap(),
        "container credentials",
    );
    assert!(hits.load(std::sync::atomic::Ordering::SeqCst) >= 1);

    // Web identity (EKS IRSA): the token is exchanged with STS, which moto also answers.
    let web = Aws::moto();
    let token = web.dir.path().join("token");
    std::fs::write(&token, "eyJhbGciOiJSUzI1NiJ9.e30.c2ln").unwrap();
    ok(
        web.bb(&validate)
            .env_remove("AWS_PROFILE")
            .env("AWS_SHARED_CREDENTIALS_FILE", web.dir.path().join("none"))
            .env("AWS_CONFIG_FILE", web.dir.path().join("none"))
            .env("AWS_REGION", "us-east-1")
            .env("AWS_WEB_IDENTITY_TOKEN_FILE", &token)
            .env("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/irsa")
            .env("AWS_ROLE_SESSION_NAME", "bb-test")
            .output()
            .unwrap(),
        "web identity",
    );

    // SSO after `aws sso login`: the profile names an sso-session, the login left its token
    // in ~/.aws/sso/cache/SHA1(session name).json, and the role's credentials are asked of
    // the SSO portal (here a local stand-in, through AWS_ENDPOINT_URL_SSO).
    let (portal, portal_hits) = json_server(
        r#"{"roleCredentials":{"accessKeyId":"AKIASSO","secretAccessKey":"s","sessionToken":"t","expiration":4070908800000}}"#
            .to_string(),
    );
    let portal = portal.trim_end_matches("/creds").to_string();
    let sso = Aws::moto();
    let home = sso.dir.path().join("home");
    let cache = home.join(".aws/sso/cache");
    std::fs::create_dir_all(&cache).unwrap();
    let session = "bb-sso";
    let name: String = <sha1::Sha1 as sha1::Digest>::digest(session.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    std::fs::write(
        cache.join(format!("{name}.json")),
        r#"{"startUrl":"https://bb.awsapps.com/start","region":"us-east-1","accessToken":"token-from-aws-sso-login","expiresAt":"2099-01-01T00:00:00Z"}"#,
    )
    .unwrap();
    std::fs::write(
        sso.dir.path().join("config"),
        format!(
            "[profile bb-test]\nsso_session = {session}\nsso_account_id = 123456789012\n\
             sso_role_name = DataEngineer\nregion = us-east-1\n\n[sso-session {session}]\n\
             sso_start_url = https://bb.awsapps.com/start\nsso_region = us-east-1\n"
        ),
    )
    .unwrap();
    std::fs::write(sso.dir.path().join("credentials"), "").unwrap();
    ok(
        sso.bb(&validate)
            .env("HOME", &home)
            .env("AWS_ENDPOINT_URL_SSO", &portal)
            .output()
            .unwrap(),
        "SSO",
    );
    assert!(portal_hits.load(std::sync::atomic::Ordering::SeqCst) >= 1);
}
