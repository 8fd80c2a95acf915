//! `bedrock-batch validate` through the real binary: edge cases of lines and files, job
//! composition, exit codes, tool errors, and the guarantee that output never depends on the
//! input path taken (mmap, reads, stdin), the thread count or the chunk size.

use std::fs;

use crate::common::*;

const MIN1: &[&str] = &["--min-records-per-job", "1"];

fn validate_bytes(bytes: &[u8], extra: &[&str]) -> (serde_json::Value, i32) {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "in.jsonl", bytes);
    let mut args = MIN1.to_vec();
    args.extend_from_slice(extra);
    validate_json(&args, &[&p])
}

#[test]
fn clean_input_is_scheduled_with_exit_0() {
    let (r, code) = validate_bytes(records(3).as_bytes(), &[]);
    assert_eq!(code, 0);
    assert_eq!(codes(&r), Vec::<String>::new());
    assert_eq!(r["verdict"]["status"], "Scheduled");
    assert_eq!(r["verdict"]["message"], serde_json::Value::Null);
    assert_eq!(r["summary"]["records"], 3);
    assert_eq!(r["summary"]["files"], 1);
    assert_eq!(r["summary"]["bytes"], records(3).len());
    assert_eq!(r["summary"]["diagnostics_truncated"], false);
    assert_eq!(r["tool"]["name"], "bedrock-batch");
    assert_eq!(r["version"], 1);
}

#[test]
fn empty_file_has_no_records() {
    let (r, code) = validate_bytes(b"", &[]);
    assert_eq!(code, 1);
    let d = find(&r, "F002").expect("F002");
    assert_eq!(d["path"], serde_json::Value::Null, "job-level: no path");
    assert_eq!(d["line"], serde_json::Value::Null);
    assert_eq!(r["verdict"]["status"], "Failed");
    assert!(r["verdict"]["message"]
        .as_str()
        .unwrap()
        .starts_with("F002 no-input-records"));
}

#[test]
fn only_newlines_are_blank_lines_and_no_records() {
    let (r, _) = validate_bytes(b"\n\n\n", &[]);
    assert_eq!(codes(&r), ["L003", "L003", "L003", "F002", "Q005"]);
    assert_eq!(r["summary"]["records"], 0);
}

#[test]
fn missing_final_newline_points_past_the_last_character() {
    let text = records(2);
    let text = text.trim_end();
    let (r, code) = validate_bytes(text.as_bytes(), &[]);
    assert_eq!(code, 0, "L006 is info");
    let d = find(&r, "L006").unwrap();
    assert_eq!(d["line"], 2);
    assert_eq!(d["column"], record(2).chars().count() + 1);
    assert_eq!(d["byte_offset"], text.len());
}

#[test]
fn crlf_is_reported_once_with_the_count_and_records_still_parse() {
    let text = records(3).replace('\n', "\r\n");
    let (r, _) = validate_bytes(text.as_bytes(), &[]);
    assert_eq!(codes(&r), ["L004"]);
    let d = find(&r, "L004").unwrap();
    assert_eq!(d["line"], 1);
    assert!(d["message"]
        .as_str()
        .unwrap()
        .starts_with("3 lines end in CRLF"));
}

#[test]
fn bom_is_a_warning_and_line_one_still_parses() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(records(2).as_bytes());
    let (r, code) = validate_bytes(&bytes, &[]);
    assert_eq!(codes(&r), ["L005"]);
    assert_eq!(code, 0);
    assert_eq!(r["summary"]["records"], 2);
    // Columns on line 1 count from after the BOM, as editors show them.
    let mut bytes = b"\xEF\xBB\xBF{\"recordId\":1,\"modelInput\":{}}\n".to_vec();
    bytes.extend_from_slice(records(1).as_bytes());
    let (r, _) = validate_bytes(&bytes, &[]);
    assert_eq!(find(&r, "R004").unwrap()["column"], 13);
    assert_eq!(find(&r, "R004").unwrap()["byte_offset"], 15);
}

#[test]
fn blank_and_whitespace_lines_are_warnings_not_records() {
    let text = format!("{}\n   \t\n{}\n", record(1), record(2));
    let (r, code) = validate_bytes(text.as_bytes(), &[]);
    assert_eq!(codes(&r), ["L003"]);
    assert_eq!(find(&r, "L003").unwrap()["line"], 2);
    assert_eq!(r["summary"]["records"], 2);
    assert_eq!(code, 0);
    let (_, code) = validate_bytes(text.as_bytes(), &["--fail-on", "warning"]);
    assert_eq!(code, 1, "--fail-on warning");
}

#[test]
fn invalid_utf8_in_the_middle_of_a_multibyte_character() {
    // "é" is C3 A9; cut after C3 and continue with ASCII.
    let line = b"{\"recordId\":\"REC00000001\",\"modelInput\":{\"p\":\"caf\xC3\"}}\n";
    let (r, code) = validate_bytes(line, &[]);
    assert_eq!(code, 1);
    let d = find(&r, "L002").unwrap();
    assert_eq!(d["line"], 1);
    assert_eq!(d["column"], 49);
    assert_eq!(d["byte_offset"], 48);
    // A 3-byte character cut short after a valid multi-byte one: the column counts
    // characters, not bytes.
    let line = "{\"modelInput\":{\"p\":\"€".as_bytes().to_vec();
    let mut bytes = line.clone();
    bytes.extend_from_slice(b"\xE2\x82\"}}\n");
    let (r, _) = validate_bytes(&bytes, &[]);
    let d = find(&r, "L002").unwrap();
    assert_eq!(d["column"], 22);
    assert_eq!(d["byte_offset"], line.len());
}

#[test]
fn invalid_json_reports_where_parsing_failed() {
    let (r, _) = validate_bytes(b"{\"recordId\":\"a\" \"modelInput\":{}}\n", &[]);
    let d = find(&r, "L001").unwrap();
    assert_eq!(d["column"], 17);
    assert!(d["message"]
        .as_str()
        .unwrap()
        .contains("expected ',' or '}'"));
    assert_eq!(r["verdict"]["status"], "Failed");
    let msg = r["verdict"]["message"].as_str().unwrap();
    assert!(msg.starts_with("L001 invalid-json at "), "{msg}");
    assert!(msg.contains("in.jsonl:1:17: "), "{msg}");
}

#[test]
fn a_record_straddling_a_chunk_boundary_and_a_line_longer_than_a_chunk() {
    let long = format!(
        "{{\"recordId\":\"REC00000009\",\"modelInput\":{{\"p\":\"{}\",\"p\":1}}}}\n",
        "é".repeat(5000)
    );
    let text = format!(
        "{}{}{}",
        records(3),
        long,
        records(2).replace("REC0000000", "REC0000010")
    );
    for chunk in ["1", "7", "64", "1000", "4096", "1MiB"] {
        let (r, code) = validate_bytes(text.as_bytes(), &["--chunk-size", chunk]);
        assert_eq!(code, 0, "chunk {chunk}");
        assert_eq!(codes(&r), ["L008"], "chunk {chunk}");
        let d = find(&r, "L008").unwrap();
        assert_eq!(d["line"], 4);
        assert_eq!(d["column"], 5000 + 48);
        assert_eq!(r["summary"]["records"], 6);
    }
}

#[test]
fn folder_with_mixed_files_is_one_job_and_strays_are_warned() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "in/a.jsonl", records(60));
    write(
        dir.path(),
        "in/nested/b.jsonl",
        records(60).replace("REC0000", "REC1000"),
    );
    write(dir.path(), "in/_SUCCESS", "");
    write(dir.path(), "in/nested/notes.txt", "x");
    let (r, code) = validate_json(&[], &[&dir.path().join("in")]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["summary"]["files"], 2);
    assert_eq!(
        r["summary"]["records"], 120,
        "120 >= 100 across files: no Q005"
    );
    assert_eq!(codes(&r), ["F003", "F003"]);
    let paths: Vec<_> = r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap().to_string())
        .collect();
    assert!(
        paths[0].ends_with("in/_SUCCESS") && paths[1].ends_with("in/nested/notes.txt"),
        "{paths:?}"
    );
}

#[test]
fn several_files_form_one_job_with_cross_file_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.jsonl", records(2));
    let b = write(dir.path(), "b.jsonl", format!("{}\n", record(2)));
    // Given out of order: reports are in path order anyway.
    let (r, code) = validate_json(MIN1, &[&b, &a]);
    assert_eq!(code, 1);
    assert_eq!(r["summary"]["files"], 2);
    assert_eq!(r["summary"]["records"], 3);
    let d = find(&r, "R006").unwrap();
    assert!(d["path"].as_str().unwrap().ends_with("b.jsonl"));
    assert_eq!(d["line"], 1);
    let msg = d["message"].as_str().unwrap();
    assert!(
        msg.contains("\"REC00000002\"") && msg.contains("a.jsonl:2"),
        "{msg}"
    );
    assert_eq!(
        r["verdict"]["status"], "Scheduled",
        "R006 is an inference-phase error"
    );
    assert!(r["files"][0]["path"].as_str().unwrap().ends_with("a.jsonl"));
}

#[test]
fn escaped_record_ids_are_compared_by_value() {
    let text =
        "{\"recordId\":\"AB\",\"modelInput\":{}}\n{\"recordId\":\"A\\u0042\",\"modelInput\":{}}\n";
    let (r, _) = validate_bytes(text.as_bytes(), &["--ignore", "R005"]);
    assert_eq!(codes(&r), ["R006"]);
}

#[test]
fn stdin_is_read_and_named() {
    let input = format!("{}{{\"modelInput\":{{}}}}\n", records(2));
    let r = run(
        &[
            "validate",
            "--format",
            "json",
            "--min-records-per-job",
            "1",
            "-",
        ],
        Some(input.as_bytes()),
    );
    let rep = r.json();
    assert_eq!(find(&rep, "R003").unwrap()["path"], "<stdin>");
    assert_eq!(rep["files"][0]["path"], "<stdin>");
    assert_eq!(
        find(&rep, "F001"),
        None,
        "unnamed stdin has no name to judge"
    );
    let r = run(
        &[
            "validate",
            "--format",
            "json",
            "--min-records-per-job",
            "1",
            "--stdin-filename",
            "batch/in.json",
            "-",
        ],
        Some(input.as_bytes()),
    );
    let rep = r.json();
    assert_eq!(find(&rep, "R003").unwrap()["path"], "batch/in.json");
    assert!(
        find(&rep, "F001").is_some(),
        "a named stdin is judged by its name"
    );
    // No PATH and piped stdin: stdin is read.
    let r = run(
        &["validate", "--format", "json", "--min-records-per-job", "1"],
        Some(input.as_bytes()),
    );
    assert_eq!(r.json()["summary"]["records"], 3);
}

/// The single most valuable test of a parallel scanner: one input through every path
/// (mmap, reads, stdin; 1..4 threads; tiny to large chunks) gives byte-identical output.
#[test]
fn output_is_identical_for_every_source_thread_count_and_chunk_size() {
    let mut text = String::new();
    text.push('\u{FEFF}');
    for i in 0..400 {
        match i % 37 {
            3 => text.push_str("\r\n"),
            5 => text.push_str("{\"recordId\":\"REC00000001\",\"modelInput\":{\"a\":1}}\n"),
            7 => text.push_str("{\"recordId\":12,\"modelInput\":[]}\n"),
            11 => text.push_str("not json at all\n"),
            13 => text.push_str(&format!(
                "{{\"recordId\":\"x{i}\",\"modelInput\":{{\"k\":1,\"k\":2}},\"extra\":true}}\r\n"
            )),
            17 => text.push_str("{\"modelInput\":{\"t\":\"日本語 \\\" 😀\"}}\n"),
            19 => text.push_str("   \n"),
            _ => text.push_str(&(record(i) + "\n")),
        }
    }
    text.push_str(&record(999));
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "mixed.jsonl", text.as_bytes());
    let p = path.to_str().unwrap();
    for format in ["json", "text"] {
        let base = run(
            &[
                "validate",
                "--format",
                format,
                "--color",
                "never",
                "--max-diagnostics",
                "50",
                p,
            ],
            None,
        );
        assert_eq!(base.code, 1);
        assert!(!base.stdout.is_empty());
        for threads in ["1", "2", "4"] {
            for chunk in ["1", "100", "4KiB", "64MiB"] {
                for mmap in [true, false] {
                    let mut args = vec![
                        "validate",
                        "--format",
                        format,
                        "--color",
                        "never",
                        "--max-diagnostics",
                        "50",
                        "--threads",
                        threads,
                        "--chunk-size",
                        chunk,
                    ];
                    if !mmap {
                        args.push("--no-mmap");
                    }
                    args.push(p);
                    let r = run(&args, None);
                    assert_eq!(
                        r.stdout, base.stdout,
                        "{format} threads={threads} chunk={chunk} mmap={mmap}"
                    );
                    assert_eq!(r.code, base.code);
                }
                let r = run(
                    &[
                        "validate",
                        "--format",
                        format,
                        "--color",
                        "never",
                        "--max-diagnostics",
                        "50",
                        "--threads",
                        threads,
                        "--chunk-size",
                        chunk,
                        "--stdin-filename",
                        p,
                        "-",
                    ],
                    Some(text.as_bytes()),
                );
                assert_eq!(
                    r.stdout, base.stdout,
                    "{format} stdin threads={threads} chunk={chunk}"
                );
            }
        }
    }
}

#[test]
fn max_diagnostics_lists_the_first_n_and_counts_all() {
    let text: String = (0..50)
        .map(|i| format!("{{\"modelInput\":{{\"i\":{i}}}}}\n"))
        .collect();
    let (r, code) = validate_bytes(
        text.as_bytes(),
        &["--max-diagnostics", "5", "--chunk-size", "64"],
    );
    assert_eq!(code, 0);
    assert_eq!(r["diagnostics"].as_array().unwrap().len(), 5);
    let lines: Vec<_> = r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [1, 2, 3, 4, 5]);
    assert_eq!(r["summary"]["by_code"]["R003"], 50);
    assert_eq!(r["summary"]["warnings"], 50);
    assert_eq!(r["summary"]["diagnostics_truncated"], true);
}

#[test]
fn errors_are_listed_before_warnings_past_the_cap_and_name_the_verdict() {
    let mut text: String = (0..20)
        .map(|i| format!("{{\"modelInput\":{{\"i\":{i}}}}}\n"))
        .collect();
    text.push_str("{broken\n");
    let (r, code) = validate_bytes(text.as_bytes(), &["--max-diagnostics", "3"]);
    assert_eq!(code, 1);
    // The one error comes first, then the earliest warnings; listed in file order.
    let listed: Vec<(String, u64)> = r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let want = [("R003", 1), ("R003", 2), ("L001", 21)];
    assert_eq!(listed, want.map(|(c, l)| (c.to_string(), l)), "{r:#}");
    assert_eq!(r["summary"]["warnings"], 20);
    assert_eq!(r["summary"]["diagnostics_truncated"], true);
    let msg = r["verdict"]["message"].as_str().unwrap();
    assert!(
        msg.starts_with("L001 invalid-json at ") && msg.contains(":21:2: "),
        "{msg}"
    );
    // Listing nothing still names the failing finding.
    let (r, code) = validate_bytes(text.as_bytes(), &["--max-diagnostics", "0"]);
    assert_eq!(code, 1);
    assert_eq!(r["diagnostics"].as_array().unwrap().len(), 0);
    assert!(r["verdict"]["message"]
        .as_str()
        .unwrap()
        .starts_with("L001 invalid-json at "));
}

#[test]
fn select_and_ignore_filter_rules_and_counts() {
    let text = "{\"modelInput\":{},\"x\":1}\n\n";
    let (r, _) = validate_bytes(text.as_bytes(), &["--ignore", "R003,L"]);
    assert_eq!(codes(&r), ["R007"]);
    let (r, _) = validate_bytes(text.as_bytes(), &["--select", "R"]);
    assert_eq!(codes(&r), ["R003", "R007"]);
    assert_eq!(r["summary"]["by_code"].as_object().unwrap().len(), 2);
    let (r, _) = validate_bytes(text.as_bytes(), &["--select", "blank-line"]);
    assert_eq!(codes(&r), ["L003"]);
}

#[test]
fn model_id_picks_the_quota_profile() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "in.jsonl", records(60));
    for (id, q005) in [
        ("meta.llama4-scout-17b-instruct-v1:0", false),
        ("us.meta.llama4-scout-17b-instruct-v1:0", false),
        (
            "arn:aws:bedrock:us-east-1::foundation-model/meta.llama4-scout-17b-instruct-v1:0",
            false,
        ),
        ("anthropic.claude-3-5-haiku-20241022-v1:0", true),
    ] {
        let (r, _) = validate_json(&["--model-id", id, "--select", "Q"], &[&p]);
        assert_eq!(find(&r, "Q005").is_some(), q005, "{id}: {r:#}");
        assert_eq!(r["model_id"], id);
    }
    let (r, _) = validate_json(&["--model-id", "eu.amazon.nova-pro-v1:0"], &[&p]);
    assert_eq!(r["quotas"]["max_job_bytes"], 100_000_000_000u64);
}

#[test]
fn quota_findings_name_the_quota_and_the_excess() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "in.jsonl", records(3));
    let (r, code) = validate_json(
        &[
            "--max-records-per-file",
            "2",
            "--max-records-per-job",
            "2",
            "--min-records-per-job",
            "1",
        ],
        &[&p],
    );
    assert_eq!(code, 1);
    assert!(find(&r, "Q002").unwrap()["message"]
        .as_str()
        .unwrap()
        .contains("over the per-file quota of 2 by 1"));
    assert!(find(&r, "Q004").unwrap()["message"]
        .as_str()
        .unwrap()
        .contains("over the per-job quota of 2 by 1"));
    assert_eq!(
        codes(&r),
        ["Q002", "Q004"],
        "file-level first, job-level last"
    );
    let (r, _) = validate_json(
        &["--max-file-bytes", "0.2KB", "--min-records-per-job", "1"],
        &[&p],
    );
    assert!(find(&r, "Q001").is_some());
}

#[test]
fn text_format_lists_findings_then_summary_and_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "in.jsonl", "{\"modelInput\":{}}\n{bad\n");
    let r = run(&["validate", "--color", "never", p.to_str().unwrap()], None);
    assert_eq!(r.code, 1);
    let lines: Vec<&str> = r.stdout.lines().collect();
    let shown = p.to_str().unwrap();
    assert_eq!(
        lines[0],
        format!("{shown}:1:1: R003 Record has no recordId")
    );
    assert!(
        lines[1].starts_with(&format!("{shown}:2:2: L001 ")),
        "{}",
        lines[1]
    );
    assert!(lines[2].starts_with("job: Q005 "));
    assert_eq!(
        lines[3],
        "Checked 1 file, 2 records, 23 B: 2 errors, 1 warning, 0 infos"
    );
    assert!(lines[4].starts_with("Verdict: Failed: L001 invalid-json at "));
    let q = run(
        &[
            "validate",
            "--quiet",
            "--color",
            "never",
            p.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(q.stdout.lines().count(), 3, "--quiet: findings only");
    let c = run(
        &["validate", "--color", "always", p.to_str().unwrap()],
        None,
    );
    assert!(c.stdout.contains("\x1b["));
}

#[test]
fn tool_errors_exit_2_with_one_line_naming_the_problem() {
    let r = run(&["validate", "does/not/exist.jsonl"], None);
    assert_eq!(r.code, 2);
    assert_eq!(r.stdout, "");
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.contains("does/not/exist.jsonl"));
    let r = run(&["validate", "--max-file-bytes", "1 GiBs", "x.jsonl"], None);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--max-file-bytes") && r.stderr.contains("not a size"),
        "{}",
        r.stderr
    );
    let r = run(&["validate", "--select", "Z999", "x.jsonl"], None);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--select") && r.stderr.contains("Z999"),
        "{}",
        r.stderr
    );
    let r = run(&["validate", "--no-such-flag"], None);
    assert_eq!(r.code, 2);
    let r = run(&["validate", "-", "-"], Some(b""));
    assert_eq!(r.code, 2);
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_a_tool_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "secret.jsonl", records(1));
    fs::set_permissions(&p, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&p).is_ok() {
        return; // running as root: permissions do not apply
    }
    let r = run(&["validate", p.to_str().unwrap()], None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("secret.jsonl"));
}

#[test]
fn closed_stdout_exits_quietly() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let text: String = (0..20000)
        .map(|i| format!("{{\"modelInput\":{{\"i\":{i}}}}}\n"))
        .collect();
    let p = write(dir.path(), "in.jsonl", text);
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("bedrock-batch"))
        .args([
            "validate",
            "--max-diagnostics",
            "100000",
            p.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A line end inside data (a decoded recordId) never splits a text finding over two lines.
#[test]
fn text_findings_stay_on_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "in.jsonl",
        "{\"recordId\":\"a\\nb\",\"modelInput\":{}}\n{\"recordId\":\"a\\nb\",\"modelInput\":{}}\n",
    );
    let r = run(
        &[
            "validate",
            "--select",
            "R006",
            "--color",
            "never",
            "-q",
            p.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(r.stdout.lines().count(), 1, "{}", r.stdout);
    assert!(r.stdout.contains("recordId \"a\\nb\""));
}

/// R005 is one finding per file (as L004): ids are odd for one cause, how they were made.
/// UUIDs and other plain ids are not findings.
#[test]
fn odd_record_ids_are_one_finding_per_file_and_uuids_none() {
    let (r, _) = validate_bytes(pandas_records(3000).as_bytes(), &[]);
    assert!(r["summary"]["by_code"].get("R005").is_none(), "{r:#}");
    assert_eq!(r["summary"]["infos"], 0);
    // Ids made from titles: a space in every one of 3,000.
    let text: String = (0..3000u64)
        .map(|i| pandas_record(i).replace(&uuid_like(i), &format!("ticket {i}")) + "\n")
        .collect();
    let (r, code) = validate_bytes(text.as_bytes(), &[]);
    assert_eq!(code, 0);
    assert_eq!(r["summary"]["by_code"]["R005"], 1);
    assert_eq!(codes(&r), ["R005"]);
    let d = find(&r, "R005").unwrap();
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(1), Some(13))
    );
    assert_eq!(d["pointer"], "/recordId");
    assert_eq!(
        d["message"],
        "3,000 recordIds are not plain (ASCII letters, digits, - _ . :; at most 256 characters), the first here: \"ticket 0\" holds whitespace (U+0020)"
    );
    // Non-ASCII and over-long ids, one file each.
    let odd = [
        ("naïve-1", "holds the non-ASCII character 'ï' (U+00EF)"),
        (&"x".repeat(300), "is 300 characters long"),
    ];
    for (id, why) in odd {
        let line = pandas_record(1).replace(&uuid_like(1), id) + "\n";
        let (r, _) = validate_bytes(line.as_bytes(), &[]);
        let m = find(&r, "R005").unwrap()["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            m.starts_with("1 recordId is not plain") && m.contains(why),
            "{m}"
        );
    }
}

/// `--select`/`--ignore` decide what is listed and what sets the exit code; the verdict is
/// the service's answer whatever is listed.
#[test]
fn select_and_ignore_never_change_the_verdict() {
    let mut text = pandas_records(200);
    text.push_str("{\"recordId\":\"x\",\"modelInput\":{\"a\":1,}}\n");
    for args in [
        &["--select", "M"][..],
        &["--ignore", "L001"],
        &["--select", "R003"],
    ] {
        let (r, code) = validate_bytes(text.as_bytes(), args);
        assert_eq!(r["verdict"]["status"], "Failed", "{args:?}");
        let msg = r["verdict"]["message"].as_str().unwrap();
        assert!(
            msg.starts_with("L001 invalid-json at ") && msg.contains(":201:"),
            "{msg}"
        );
        // Nothing selected is found: nothing listed or counted, exit 0.
        assert_eq!(code, 0, "{args:?}");
        assert_eq!(r["summary"]["errors"], 0);
        assert!(find(&r, "L001").is_none());
    }
    // File- and job-level validating findings too (Q005 under --select M).
    let dir = tempfile::tempdir().unwrap();
    let short = write(dir.path(), "short.jsonl", records(3).as_bytes());
    let (r, code) = validate_json(&["--select", "M"], &[&short]);
    assert_eq!((r["verdict"]["status"].as_str(), code), (Some("Failed"), 0));
    assert!(r["verdict"]["message"]
        .as_str()
        .unwrap()
        .starts_with("Q005 job-has-too-few-records"));
}

/// `--whole-folder` (the pre-commit hook's): a file named alone is read with the other files
/// of its folder, its job; without it, one 80-record file of a 240-record folder is a false
/// Q005.
#[test]
fn whole_folder_judges_a_named_file_as_part_of_its_job() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch");
    std::fs::create_dir_all(batch.join("sub")).unwrap();
    for (k, name) in ["a", "b", "c"].iter().enumerate() {
        let start = k as u64 * 80;
        let text: String = (start..start + 80)
            .map(|i| pandas_record(i) + "\n")
            .collect();
        std::fs::write(batch.join(format!("{name}.jsonl")), text).unwrap();
    }
    std::fs::write(batch.join("_SUCCESS"), "").unwrap();
    // A subfolder is another job under --group folder: not read with `batch`.
    std::fs::write(batch.join("sub/x.jsonl"), "{broken\n").unwrap();
    let b = batch.join("b.jsonl");
    let (alone, code) = validate_json(&["--group", "folder"], &[&b]);
    assert_eq!(code, 1);
    assert_eq!(codes(&alone), ["Q005"]);
    let (whole, code) = validate_json(&["--group", "folder", "--whole-folder"], &[&b]);
    assert_eq!(code, 0, "{whole:#}");
    assert_eq!(whole["summary"]["records"], 240);
    assert_eq!(whole["summary"]["files"], 3);
    // The stray file of the folder is reported as a folder's walk would.
    assert_eq!(codes(&whole), ["F003"]);
    assert_eq!(whole["verdict"]["status"], "Scheduled");
    // Run from inside the folder, with a bare file name: the same job.
    let out = bb()
        .current_dir(&batch)
        .args([
            "validate",
            "--format",
            "json",
            "--group",
            "folder",
            "--whole-folder",
            "b.jsonl",
        ])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["records"], 240);
    assert_eq!(report["jobs"][0]["job"], ".");
}
