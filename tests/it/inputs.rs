//! Inputs for pipelines and hooks, through the real binary: `.jsonl.gz` / `.jsonl.zst` read on
//! the fly (F001 still applies), corrupt compressed data, `--stdin-filename`, and `--group`.

use std::fs;
use std::io::Write;

use crate::common::*;
use serde_json::Value;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn zstd(bytes: &[u8]) -> Vec<u8> {
    zstd::encode_all(bytes, 3).unwrap()
}

/// Three clean records, a duplicate id, an invalid line and a blank one.
fn mixed() -> String {
    let mut s = records(3);
    s.push_str(&record(2));
    s.push('\n');
    s.push_str("{\"recordId\":\"REC00000009\",\"modelInput\":{,}}\n\n");
    s.push_str(&records(2));
    s
}

/// The report without what legitimately differs between a file and its compressed copy:
/// the paths and the F001 finding about the compression.
fn comparable(report: &Value) -> (Vec<Value>, Value) {
    let diags = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] != "F001")
        .map(|d| {
            let mut d = d.clone();
            d["path"] = Value::Null;
            d["message"] = d["message"]
                .as_str()
                .unwrap()
                .split(" is already used at ")
                .next()
                .into();
            d
        })
        .collect();
    (diags, report["summary"]["records"].clone())
}

#[test]
fn gzip_and_zstd_files_are_read_as_their_contents_and_flagged_f001() {
    let dir = tempfile::tempdir().unwrap();
    let text = mixed();
    let plain = write(dir.path(), "in.jsonl", &text);
    let gz = write(dir.path(), "in.jsonl.gz", gzip(text.as_bytes()));
    let zst = write(dir.path(), "in.jsonl.zst", zstd(text.as_bytes()));
    let (base, _) = validate_json(&["--min-records-per-job", "1"], &[&plain]);
    assert!(find(&base, "F001").is_none());
    for (path, kind) in [(&gz, "gzip"), (&zst, "zstd")] {
        for extra in [
            &["--min-records-per-job", "1"][..],
            &[
                "--min-records-per-job",
                "1",
                "--chunk-size",
                "100",
                "--threads",
                "3",
            ],
        ] {
            let (r, code) = validate_json(extra, &[path]);
            assert_eq!(code, 1);
            assert_eq!(comparable(&r), comparable(&base), "{kind}");
            // Sizes are the decompressed bytes: what will be uploaded.
            assert_eq!(r["summary"]["bytes"], text.len());
            let f001 = find(&r, "F001").expect("F001 for a compressed file");
            let msg = f001["message"].as_str().unwrap();
            assert!(msg.contains(&format!("{kind}-compressed")), "{msg}");
            assert!(msg.contains("decompress it before upload"), "{msg}");
            assert_eq!(f001["line"], Value::Null);
        }
    }
}

#[test]
fn concatenated_gzip_members_and_zstd_frames_are_one_stream() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (records(2), records(5)[records(2).len()..].to_string());
    let mut gz = gzip(a.as_bytes());
    gz.extend(gzip(b.as_bytes()));
    let mut zst = zstd(a.as_bytes());
    zst.extend(zstd(b.as_bytes()));
    for (name, bytes) in [("m.jsonl.gz", gz), ("m.jsonl.zst", zst)] {
        let p = write(dir.path(), name, bytes);
        let (r, _) = validate_json(&["--min-records-per-job", "1", "--ignore", "F001"], &[&p]);
        assert_eq!(r["summary"]["records"], 5, "{name}");
        assert_eq!(codes(&r), Vec::<String>::new(), "{name}");
    }
}

#[test]
fn corrupt_or_truncated_compressed_input_is_a_tool_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let good = gzip(records(50).as_bytes());
    let truncated = write(dir.path(), "cut.jsonl.gz", &good[..good.len() / 2]);
    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0xFF;
    flipped[mid + 1] ^= 0xFF;
    let corrupt = write(dir.path(), "bad.jsonl.gz", flipped);
    let not_gzip = write(dir.path(), "plain.jsonl.gz", records(2));
    let zst = zstd(records(50).as_bytes());
    let zst_cut = write(dir.path(), "cut.jsonl.zst", &zst[..zst.len() - 5]);
    for (p, kind) in [
        (&truncated, "gzip"),
        (&corrupt, "gzip"),
        (&not_gzip, "gzip"),
        (&zst_cut, "zstd"),
    ] {
        let r = run(&["validate", p.to_str().unwrap()], None);
        assert_eq!(r.code, 2, "{}: {}", p.display(), r.stderr);
        assert!(
            r.stderr.contains(&format!("cannot read `{}`", p.display())),
            "{}",
            r.stderr
        );
        assert!(
            r.stderr
                .contains(&format!("corrupt or truncated {kind} data")),
            "{}",
            r.stderr
        );
        assert_eq!(r.stdout, "");
    }
}

#[test]
fn compressed_files_in_a_folder_are_records_others_are_stray() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "in/a.jsonl", records(2));
    write(dir.path(), "in/b.jsonl.gz", gzip(records(3).as_bytes()));
    write(dir.path(), "in/c.jsonl.zst", zstd(records(1).as_bytes()));
    write(dir.path(), "in/notes.csv.gz", gzip(b"a,b\n"));
    let (r, _) = validate_json(
        &["--min-records-per-job", "1", "--ignore", "R006"],
        &[&dir.path().join("in")],
    );
    assert_eq!(r["summary"]["files"], 3);
    assert_eq!(r["summary"]["records"], 6);
    let by_code = |code: &str| -> Vec<String> {
        r["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["code"] == code)
            .map(|d| {
                d["path"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    assert_eq!(by_code("F001"), ["b.jsonl.gz", "c.jsonl.zst"]);
    assert_eq!(by_code("F003"), ["notes.csv.gz"]);
}

#[test]
fn stdin_filename_names_stdin_and_picks_its_decoder() {
    let named = run(
        &[
            "validate",
            "--format",
            "json",
            "--min-records-per-job",
            "1",
            "--stdin-filename",
            "batch/part-7.jsonl",
            "-",
        ],
        Some(b"{\"modelInput\":{}}\n"),
    );
    let r = named.json();
    assert_eq!(r["files"][0]["path"], "batch/part-7.jsonl");
    assert_eq!(find(&r, "R003").unwrap()["path"], "batch/part-7.jsonl");
    assert!(find(&r, "F001").is_none());
    let wrong = run(
        &[
            "validate",
            "--format",
            "json",
            "--min-records-per-job",
            "1",
            "--stdin-filename",
            "part-7.json",
            "-",
        ],
        Some(records(1).as_bytes()),
    );
    assert!(
        find(&wrong.json(), "F001").is_some(),
        "the name given is judged"
    );
    let gz = run(
        &[
            "validate",
            "--format",
            "json",
            "--min-records-per-job",
            "1",
            "--stdin-filename",
            "part-7.jsonl.gz",
            "-",
        ],
        Some(&gzip(records(4).as_bytes())),
    );
    let r = gz.json();
    assert_eq!(r["summary"]["records"], 4);
    assert_eq!(codes(&r), ["F001"]);
}

/// Jobs of a grouped run, by name, with their codes.
fn jobs(report: &Value) -> Vec<(String, Vec<String>)> {
    report["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .map(|j| (j["job"].as_str().unwrap().to_string(), codes(j)))
        .collect()
}

#[test]
fn group_folder_makes_one_job_per_folder() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a1 = write(d, "a/1.jsonl", records(2));
    let a2 = write(d, "a/2.jsonl", records(2)); // the same ids as a/1.jsonl
    let b1 = write(d, "b/1.jsonl", records(1));
    let all = [a1.as_path(), a2.as_path(), b1.as_path()];
    let (one, code) = validate_json(&["--min-records-per-job", "1"], &all);
    assert_eq!(code, 1);
    assert!(one.get("jobs").is_none());
    assert_eq!(
        codes(&one),
        ["R006", "R006", "R006"],
        "one job: ids collide across all three"
    );
    let (grouped, code) = validate_json(&["--min-records-per-job", "1", "--group", "folder"], &all);
    assert_eq!(code, 1);
    let prefix = d.to_string_lossy().into_owned();
    assert_eq!(
        jobs(&grouped),
        [
            (
                format!("{prefix}/a"),
                vec!["R006".to_string(), "R006".to_string()]
            ),
            (format!("{prefix}/b"), vec![]),
        ]
    );
    assert_eq!(grouped["jobs"][1]["verdict"]["status"], "Scheduled");
    // Quotas are per job: three records in one job, two and one apart.
    let (min3, _) = validate_json(
        &[
            "--min-records-per-job",
            "3",
            "--group",
            "folder",
            "--ignore",
            "R006",
        ],
        &all,
    );
    let q005: Vec<_> = jobs(&min3)
        .into_iter()
        .map(|(_, c)| c.contains(&"Q005".to_string()))
        .collect();
    assert_eq!(q005, [false, true]);
}

#[test]
fn group_folder_on_a_folder_splits_subfolders_and_drops_stray_only_ones() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "data/README.md", "about the data");
    write(d, "data/x/part.jsonl", records(2));
    write(d, "data/x/_SUCCESS", "");
    write(d, "data/y/part.jsonl", records(2));
    let (r, code) = validate_json(
        &["--min-records-per-job", "1", "--group", "folder"],
        &[&d.join("data")],
    );
    let prefix = d.join("data").to_string_lossy().into_owned();
    assert_eq!(
        jobs(&r),
        [
            (format!("{prefix}/x"), vec!["F003".to_string()]),
            (format!("{prefix}/y"), vec![]),
        ],
        "README.md sits in no job's folder"
    );
    assert_eq!(code, 0, "F003 is a warning");
}

#[test]
fn group_file_makes_one_job_per_file() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.jsonl", records(2));
    let b = write(dir.path(), "b.jsonl", records(2));
    let (r, code) = validate_json(
        &["--min-records-per-job", "2", "--group", "file"],
        &[&a, &b],
    );
    assert_eq!(code, 0, "the same ids in two jobs are no duplicates");
    let names: Vec<String> = jobs(&r).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, [a.to_string_lossy(), b.to_string_lossy()]);
    assert_eq!(r["summary"]["files"], 2);
    assert_eq!(r["verdict"]["status"], "Scheduled");
}

#[test]
fn group_with_nothing_to_check_still_reports_no_input() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("empty")).unwrap();
    let (r, code) = validate_json(&["--group", "folder"], &[&dir.path().join("empty")]);
    assert_eq!(code, 1);
    assert_eq!(codes(&r), ["F002", "Q005"]);
    assert!(r.get("jobs").is_none(), "no named job was formed");
    // SARIF still places the finding somewhere: the folder named.
    let sarif = run(
        &[
            "validate",
            "--format",
            "sarif",
            "--group",
            "folder",
            dir.path().join("empty").to_str().unwrap(),
        ],
        None,
    );
    let log: Value = serde_json::from_str(&sarif.stdout).unwrap();
    assert_eq!(
        log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        format!("file://{}", dir.path().join("empty").display())
    );
}

#[test]
fn group_text_report_names_each_job_and_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a/in.jsonl", records(2));
    let b = write(dir.path(), "b/in.jsonl", "{,}\n");
    let r = run(
        &[
            "validate",
            "--color",
            "never",
            "--min-records-per-job",
            "1",
            "--group",
            "folder",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(r.code, 1);
    let prefix = dir.path().to_string_lossy();
    assert!(
        r.stdout.contains(&format!("== job {prefix}/a\n")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(&format!("== job {prefix}/b\n")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("All 2 jobs: 2 files, 3 records"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(&format!(
            "Verdict: Failed: 1 of 2 jobs would fail: {prefix}/b"
        )),
        "{}",
        r.stdout
    );
}
