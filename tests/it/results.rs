//! `bedrock-batch results` through the real binary: every status on realistic output
//! (`fixtures/results/`), the JSON summary's shape, the manifest check, the byte-exact retry
//! file re-validated and re-sharded, `--joined` for Claude, Nova and Titan embeddings, the
//! refusals (exit 2), and the same answer whatever the thread count, chunk size or input path.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::*;

const CLAUDE_IN: &str = "fixtures/results/claude/input";
const CLAUDE_OUT: &str = "fixtures/results/claude/output/s1xkq2m4r7zb";

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Each physical line of `bytes`, its line end included.
fn lines_with_ends(bytes: &[u8]) -> Vec<&[u8]> {
    bytes.split_inclusive(|&b| b == b'\n').collect()
}

/// The statuses an independent reading of the output gives: recordId → (status, errorCode).
/// The first line of a record counts; lines that do not parse (the cut last line) are skipped.
fn statuses(out_dir: &Path) -> HashMap<String, (String, Option<i64>)> {
    let mut map = HashMap::new();
    let mut names: Vec<PathBuf> = fs::read_dir(out_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".jsonl.out"))
        .collect();
    names.sort();
    for name in names {
        for line in fs::read_to_string(&name).unwrap().lines() {
            let Ok(v) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            let id = v["recordId"].as_str().unwrap().to_string();
            let status = if v.get("modelOutput").is_some() {
                ("succeeded".to_string(), None)
            } else {
                ("failed".to_string(), v["error"]["errorCode"].as_i64())
            };
            map.entry(id).or_insert(status);
        }
    }
    map
}

/// The input lines (with their line ends, a missing last one added) of the records whose
/// status `take` accepts, in input order: what `--retry` must write.
fn expected_retry(
    inputs: &[PathBuf],
    out_dir: &Path,
    take: impl Fn(&str, Option<i64>) -> bool,
) -> Vec<u8> {
    let st = statuses(out_dir);
    let mut want = Vec::new();
    for input in inputs {
        let bytes = fs::read(input).unwrap();
        for line in lines_with_ends(&bytes) {
            let v: Value = serde_json::from_slice(line).unwrap();
            let Some(id) = v["recordId"].as_str() else {
                continue;
            };
            let (status, code) = st.get(id).cloned().unwrap_or(("missing".to_string(), None));
            if take(&status, code) {
                want.extend_from_slice(line);
                if !line.ends_with(b"\n") {
                    want.push(b'\n');
                }
            }
        }
    }
    want
}

fn claude_inputs() -> Vec<PathBuf> {
    vec![
        fixture("results/claude/input/part-0001.jsonl"),
        fixture("results/claude/input/part-0002.jsonl"),
    ]
}

#[test]
fn every_status_is_counted_and_the_json_summary_has_the_contract_shape() {
    let r = run(
        &[
            "results", "--input", CLAUDE_IN, "--output", CLAUDE_OUT, "--format", "json",
        ],
        None,
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let j = r.json();
    let c = &j["counts"];
    assert_eq!(c["input_records"], 500);
    assert_eq!(c["succeeded"], 452);
    assert_eq!(c["failed"], 26);
    assert_eq!(c["missing"], 19);
    assert_eq!(c["unknown"], 4);
    assert_eq!(c["duplicates"], 1);
    assert_eq!(c["not_joinable"], 3);
    // Failures by errorCode: an object keyed by the code as a string, counts as numbers,
    // with a sample message per code.
    assert_eq!(
        j["failures"],
        serde_json::json!({"400": 11, "424": 1, "429": 10, "500": 4})
    );
    assert_eq!(
        j["failure_samples"]["429"],
        "Too many requests, please wait before trying again."
    );
    // Tokens: the manifest's and the outputs' own.
    assert_eq!(j["tokens"]["manifest_input"], 33812);
    assert_eq!(j["tokens"]["manifest_output"], 11810);
    assert_eq!(j["tokens"]["records"]["outputs"], 456);
    assert_eq!(j["tokens"]["records"]["outputs_with_usage"], 456);
    // The manifest disagrees: it counted the cut line's record, not the stray line nor the
    // duplicate's second copy.
    let counters: Vec<&str> = j["disagreements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["counter"].as_str().unwrap())
        .collect();
    assert_eq!(
        counters,
        [
            "processedRecordCount",
            "errorRecordCount",
            "inputTokenCount",
            "outputTokenCount"
        ]
    );
    let d = &j["disagreements"][0];
    assert_eq!(
        (d["manifest"].as_u64(), d["counted"].as_u64()),
        (Some(482), Some(483))
    );
    // Records without recordId: counted, with the first place.
    assert_eq!(j["not_joinable"]["count"], 3);
    assert_eq!(j["not_joinable"]["by_reason"]["no recordId"], 3);
    assert!(j["not_joinable"]["first"]
        .as_str()
        .unwrap()
        .starts_with("fixtures/results/claude/input/part-0002.jsonl:18: no recordId"));
    // The cut last line is reported, not fatal.
    assert_eq!(j["truncated"]["count"], 1);
    assert!(j["truncated"]["first"]
        .as_str()
        .unwrap()
        .contains("part-0002.jsonl.out:236"));
    assert!(j["first_unknown"]
        .as_str()
        .unwrap()
        .contains("b3f1c0de-0000-4000-8000-00000000beef"));
    assert!(j["first_duplicate"].as_str().is_some());
    assert_eq!(j["input_files"].as_array().unwrap().len(), 2);
    assert_eq!(j["output_files"].as_array().unwrap().len(), 2);
    assert_eq!(j["unreadable_output_lines"]["count"], 0);
}

#[test]
fn text_summary_names_every_count_and_problem() {
    let r = run(
        &["results", "--input", CLAUDE_IN, "--output", CLAUDE_OUT],
        None,
    );
    assert_eq!(r.code, 1);
    for want in [
        "500 input records in 2 files",
        "  succeeded  452\n",
        "  failed      26\n",
        "  missing     19\n",
        "  unknown      4\n",
        "  duplicates   1\n",
        "failures by errorCode:\n    400   11  \"Malformed input request",
        "tokens: manifest 33,812 in / 11,810 out; outputs' usage 33,814 in / 11,806 out (456 of 456 outputs report usage)",
        "manifest disagrees: manifest.json.out says processedRecordCount 482, but 483 output lines have a modelOutput or an error",
        "not joinable: 3 input records without a usable recordId",
        "truncated: fixtures/results/claude/output/s1xkq2m4r7zb/part-0002.jsonl.out:236: the last line stops after 300 bytes",
    ] {
        assert!(r.stdout.contains(want), "missing {want:?} in:\n{}", r.stdout);
    }
    assert!(r.stderr.is_empty(), "{}", r.stderr);
}

#[test]
fn retry_is_byte_exact_in_input_order_and_ready_for_validate_and_shard() {
    let tmp = tempfile::tempdir().unwrap();
    let retry = tmp.path().join("retry.jsonl");
    let r = run(
        &[
            "results",
            "--input",
            CLAUDE_IN,
            "--output",
            CLAUDE_OUT,
            "--retry",
            s(&retry),
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let got = fs::read(&retry).unwrap();
    let want = expected_retry(&claude_inputs(), &fixture(&CLAUDE_OUT[9..]), |st, _| {
        st != "succeeded"
    });
    assert_eq!(got, want);
    assert_eq!(r.json()["retry"]["records"], 45);
    assert_eq!(r.json()["retry"]["bytes"], got.len() as u64);
    assert_eq!(r.json()["retry"]["selection"], "failed,missing");
    // The CRLF of the missing record's line is kept; the last input line (no line end, a
    // failed record) got a `\n`.
    assert_eq!(got.windows(2).filter(|w| w == b"\r\n").count(), 1);
    assert!(got.ends_with(b"\n"));
    // Ready for the next job: validate passes it (45 records, so the minimum is lowered)...
    let v = run(
        &[
            "validate",
            s(&retry),
            "--min-records-per-job",
            "1",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(v.code, 0, "{}", v.stdout);
    assert_eq!(v.json()["verdict"]["status"], "Scheduled");
    assert_eq!(v.json()["summary"]["records"], 45);
    // ...and shard re-cuts it into one job holding exactly those records.
    let next = tmp.path().join("next");
    let sh = run(
        &[
            "shard",
            s(&retry),
            "--out",
            s(&next),
            "--min-records-per-job",
            "1",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(sh.code, 0, "{}{}", sh.stdout, sh.stderr);
    let part = fs::read(next.join("job-001/part-0001.jsonl")).unwrap();
    // shard normalises line ends to `\n`; the records are the retry's, in order.
    assert_eq!(
        part,
        String::from_utf8(got)
            .unwrap()
            .replace("\r\n", "\n")
            .into_bytes()
    );
}

#[test]
fn retry_only_narrows_to_throttling_and_server_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let retry = tmp.path().join("retry.jsonl");
    let r = run(
        &[
            "results",
            "--input",
            CLAUDE_IN,
            "--output",
            CLAUDE_OUT,
            "--retry",
            s(&retry),
            "--retry-only",
            "throttled,server-errors",
        ],
        None,
    );
    assert_eq!(r.code, 1);
    let want = expected_retry(&claude_inputs(), &fixture(&CLAUDE_OUT[9..]), |st, code| {
        st == "failed" && matches!(code, Some(429 | 500..=599))
    });
    assert_eq!(fs::read(&retry).unwrap(), want);
    assert_eq!(lines_with_ends(&want).len(), 14);
    assert!(
        r.stdout
            .contains("retry: wrote 14 records (throttled,server-errors) to "),
        "{}",
        r.stdout
    );
    // Codes by number, and the missing ones.
    let r = run(
        &[
            "results",
            "--input",
            CLAUDE_IN,
            "--output",
            CLAUDE_OUT,
            "--retry",
            s(&retry),
            "--retry-only",
            "424,missing",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(r.json()["retry"]["records"], 20);
    // A word that is not a class is a flag error.
    let r = run(
        &[
            "results",
            "--input",
            CLAUDE_IN,
            "--output",
            CLAUDE_OUT,
            "--retry",
            s(&retry),
            "--retry-only",
            "everything",
        ],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("\"everything\" is not a retry class"),
        "{}",
        r.stderr
    );
}

#[test]
fn joined_has_one_line_per_joinable_record_in_input_order() {
    let tmp = tempfile::tempdir().unwrap();
    let joined = tmp.path().join("joined.jsonl");
    let r = run(
        &[
            "results",
            "--input",
            CLAUDE_IN,
            "--output",
            CLAUDE_OUT,
            "--joined",
            s(&joined),
            "--model-id",
            "us.anthropic.claude-3-5-haiku-20241022-v1:0",
        ],
        None,
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let st = statuses(&fixture(&CLAUDE_OUT[9..]));
    let ids: Vec<String> = claude_inputs()
        .iter()
        .flat_map(|p| {
            fs::read_to_string(p)
                .unwrap()
                .lines()
                .filter_map(|l| {
                    let v: Value = serde_json::from_str(l).unwrap();
                    v["recordId"].as_str().map(str::to_string)
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let text = fs::read_to_string(&joined).unwrap();
    let rows: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), ids.len());
    for (row, id) in rows.iter().zip(&ids) {
        assert_eq!(row["recordId"], id.as_str());
        let (status, code) = st.get(id).cloned().unwrap_or(("missing".into(), None));
        assert_eq!(row["status"], status.as_str(), "{row}");
        match status.as_str() {
            "succeeded" => {
                assert!(row["outputText"]
                    .as_str()
                    .unwrap()
                    .starts_with("Category: "));
                assert!(row["inputTokens"].as_u64().unwrap() > 0);
                assert!(row["outputTokens"].as_u64().unwrap() > 0);
                assert_eq!(row["stopReason"], "end_turn");
                assert_eq!(row["modelOutput"]["type"], "message");
                assert!(row.get("error").is_none());
            }
            "failed" => {
                assert_eq!(row["errorCode"].as_i64(), code);
                assert!(row["errorMessage"].is_string());
                assert_eq!(row["error"]["errorCode"].as_i64(), code);
                assert!(row.get("modelOutput").is_none());
            }
            _ => assert_eq!(row.as_object().unwrap().len(), 2, "{row}"),
        }
    }
    assert!(
        r.stdout.contains("joined: wrote 497 records to"),
        "{}",
        r.stdout
    );
}

#[test]
fn nova_job_that_fully_succeeded_exits_0_and_its_manifest_agrees() {
    let tmp = tempfile::tempdir().unwrap();
    let joined = tmp.path().join("joined.jsonl");
    let r = run(
        &[
            "results",
            "--input",
            "fixtures/results/nova/input/tickets.jsonl",
            "--output",
            "fixtures/results/nova/output/n0v4l1t3j0b1/",
            "--joined",
            s(&joined),
            "--retry",
            s(&tmp.path().join("retry.jsonl")),
        ],
        None,
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("  succeeded  120\n"), "{}", r.stdout);
    assert!(r
        .stdout
        .contains("manifest: its counters match what was counted"));
    assert!(r.stdout.contains("retry: wrote 0 records"));
    assert_eq!(fs::read(tmp.path().join("retry.jsonl")).unwrap(), b"");
    let first: Value =
        serde_json::from_str(fs::read_to_string(&joined).unwrap().lines().next().unwrap()).unwrap();
    assert_eq!(first["status"], "succeeded");
    assert!(first["outputText"]
        .as_str()
        .unwrap()
        .contains(": Ticket #10000"));
    assert_eq!(first["stopReason"], "end_turn");
    assert!(first["inputTokens"].as_u64().is_some());
}

#[test]
fn titan_embeddings_are_joined_as_plain_vectors() {
    let tmp = tempfile::tempdir().unwrap();
    let joined = tmp.path().join("joined.jsonl");
    let r = run(
        &[
            "results",
            "--input",
            "fixtures/results/titan-embed/input",
            "--output",
            "fixtures/results/titan-embed/output/t1t4nv2e6b0d",
            "--joined",
            s(&joined),
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(r.code, 1);
    let j = r.json();
    assert_eq!(j["counts"]["succeeded"], 38);
    assert_eq!(j["failures"], serde_json::json!({"400": 2}));
    assert!(j["disagreements"].as_array().unwrap().is_empty(), "{j}");
    let rows: Vec<Value> = fs::read_to_string(&joined)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 40);
    let ok: Vec<&Value> = rows.iter().filter(|r| r["status"] == "succeeded").collect();
    assert_eq!(ok.len(), 38);
    for row in ok {
        assert_eq!(row["embedding"].as_array().unwrap().len(), 256);
        assert_eq!(row["outputTokens"], 0);
    }
}

#[test]
fn tool_errors_are_one_line_and_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    // A folder with neither output files nor a manifest.
    let r = run(
        &["results", "--input", CLAUDE_IN, "--output", CLAUDE_IN],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(
            "is not a job's output folder: it holds no *.jsonl.out and no manifest.json.out"
        ),
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.lines().count(), 1);
    // A file as --output.
    let r = run(
        &[
            "results",
            "--input",
            CLAUDE_IN,
            "--output",
            "fixtures/results/claude/input/part-0001.jsonl",
        ],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("is a file; give the job's output folder"),
        "{}",
        r.stderr
    );
    // The parent of two jobs' folders.
    let r = run(
        &[
            "results",
            "--input",
            CLAUDE_IN,
            "--output",
            "fixtures/results",
        ],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("manifest.json.out files"), "{}", r.stderr);
    // An output folder that does not exist.
    let r = run(
        &[
            "results",
            "--input",
            CLAUDE_IN,
            "--output",
            s(&tmp.path().join("nope")),
        ],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with("bedrock-batch: error: cannot read"),
        "{}",
        r.stderr
    );
    // A manifest that is not the documented object.
    let bad = tmp.path().join("job");
    fs::create_dir_all(&bad).unwrap();
    fs::write(
        bad.join("manifest.json.out"),
        "{\"totalRecordCount\": \"lots\"}",
    )
    .unwrap();
    let r = run(
        &["results", "--input", CLAUDE_IN, "--output", s(&bad)],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("is not the manifest the service writes"),
        "{}",
        r.stderr
    );
    // Files are written locally; a URI is refused before anything is read.
    let r = run(
        &[
            "results",
            "--input",
            CLAUDE_IN,
            "--output",
            CLAUDE_OUT,
            "--retry",
            "s3://bucket/retry.jsonl",
        ],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("--retry s3://bucket/retry.jsonl: writing to s3:// is not supported"),
        "{}",
        r.stderr
    );
    // --input is required.
    let r = run(&["results", "--output", CLAUDE_OUT], None);
    assert_eq!(r.code, 2);
}

#[test]
fn refuses_to_overwrite_an_input_or_an_output() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in.jsonl");
    fs::copy(fixture("results/nova/input/tickets.jsonl"), &input).unwrap();
    let before = fs::read(&input).unwrap();
    let out = "fixtures/results/nova/output/n0v4l1t3j0b1";
    let r = run(
        &[
            "results",
            "--input",
            s(&input),
            "--output",
            out,
            "--retry",
            s(&input),
        ],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("is an input of the job; refusing to overwrite it"),
        "{}",
        r.stderr
    );
    assert_eq!(fs::read(&input).unwrap(), before);
    let manifest = format!("{out}/manifest.json.out");
    let r = run(
        &[
            "results",
            "--input",
            s(&input),
            "--output",
            out,
            "--joined",
            &manifest,
        ],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("is the job's manifest"), "{}", r.stderr);
    let same = tmp.path().join("x.jsonl");
    let r = run(
        &[
            "results",
            "--input",
            s(&input),
            "--output",
            out,
            "--joined",
            s(&same),
            "--retry",
            s(&same),
        ],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("give them different files"),
        "{}",
        r.stderr
    );
    // Nothing half-written is left behind.
    let left: Vec<_> = fs::read_dir(tmp.path()).unwrap().collect();
    assert_eq!(left.len(), 1);
}

#[test]
fn nested_output_names_and_an_expired_job_without_output_lines() {
    let tmp = tempfile::tempdir().unwrap();
    // Output files one folder deeper than the manifest (nested input names).
    let job = tmp.path().join("out/s1xkq2m4r7zb");
    fs::create_dir_all(job.join("input")).unwrap();
    for name in ["part-0001.jsonl.out", "part-0002.jsonl.out"] {
        fs::copy(
            fixture(&format!("{}/{name}", &CLAUDE_OUT[9..])),
            job.join("input").join(name),
        )
        .unwrap();
    }
    fs::copy(
        fixture(&format!("{}/manifest.json.out", &CLAUDE_OUT[9..])),
        job.join("manifest.json.out"),
    )
    .unwrap();
    // And the parent holds only this job, so it is accepted too.
    for out in [job.clone(), tmp.path().join("out")] {
        let r = run(
            &[
                "results",
                "--input",
                CLAUDE_IN,
                "--output",
                s(&out),
                "--format",
                "json",
            ],
            None,
        );
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert_eq!(r.json()["counts"]["succeeded"], 452);
        assert_eq!(r.json()["counts"]["unknown"], 4);
    }
    // An expired job: a manifest, no output lines. Everything is missing.
    let expired = tmp.path().join("expired");
    fs::create_dir_all(&expired).unwrap();
    fs::write(
        expired.join("manifest.json.out"),
        r#"{"totalRecordCount": 120, "processedRecordCount": 0, "successRecordCount": 0, "errorRecordCount": 0, "inputTokenCount": 0, "outputTokenCount": 0}"#,
    )
    .unwrap();
    let retry = tmp.path().join("retry.jsonl");
    let r = run(
        &[
            "results",
            "--input",
            "fixtures/results/nova/input/tickets.jsonl",
            "--output",
            s(&expired),
            "--retry",
            s(&retry),
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(r.code, 1);
    assert_eq!(r.json()["counts"]["missing"], 120);
    assert!(r.json()["disagreements"].as_array().unwrap().is_empty());
    assert_eq!(
        fs::read(&retry).unwrap(),
        fs::read(fixture("results/nova/input/tickets.jsonl")).unwrap()
    );
}

/// A generated job of a few thousand records in two files, with outputs shuffled across
/// files in a way no fixture pins: the answer must be the same whatever the thread count,
/// the chunk size, mapping, or whether the input comes from stdin.
#[test]
fn same_answer_for_any_threads_chunk_size_and_input_path() {
    let tmp = tempfile::tempdir().unwrap();
    let (inputs, out) = generated_job(tmp.path(), 4000);
    let base_args = |extra: &[&str]| -> (String, Vec<u8>, Vec<u8>) {
        let retry = tmp.path().join("retry.jsonl");
        let joined = tmp.path().join("joined.jsonl");
        let mut args = vec!["results", "--input"];
        let ins: Vec<&str> = inputs.iter().map(|p| s(p)).collect();
        if !extra.contains(&"-") {
            args.extend(&ins);
        }
        args.extend(extra);
        args.extend([
            "--output",
            s(&out),
            "--retry",
            s(&retry),
            "--joined",
            s(&joined),
            "--format",
            "json",
        ]);
        let stdin = extra.contains(&"-").then(|| {
            ins.iter()
                .flat_map(|p| fs::read(p).unwrap())
                .collect::<Vec<u8>>()
        });
        let r = run(&args, stdin.as_deref());
        assert_eq!(r.code, 1, "{}", r.stderr);
        let mut j = r.json();
        j["input_files"] = Value::Null;
        (
            j.to_string(),
            fs::read(&retry).unwrap(),
            fs::read(&joined).unwrap(),
        )
    };
    let reference = base_args(&[]);
    let summary: Value = serde_json::from_str(&reference.0).unwrap();
    assert_eq!(summary["counts"]["input_records"], 4000);
    assert_eq!(summary["counts"]["failed"], 400);
    assert_eq!(summary["counts"]["missing"], 200);
    assert_eq!(summary["counts"]["succeeded"], 3400);
    assert_eq!(
        summary["failures"],
        serde_json::json!({"429": 200, "503": 200})
    );
    for extra in [
        &["--threads", "1"][..],
        &["--threads", "3", "--chunk-size", "777"],
        &["--no-mmap", "--chunk-size", "4096"],
    ] {
        assert!(base_args(extra) == reference, "differs with {extra:?}");
    }
    // Standard input (the two files concatenated) gives the same records, retry and join.
    let piped = base_args(&["-", "--chunk-size", "10000"]);
    assert_eq!(piped.1, reference.1);
    assert_eq!(piped.2, reference.2);
}

/// Writes `n` records in two input files and their output (shuffled, one output file per
/// input), every 10th failed (429 or 503), every 20th missing. UUID-like ids.
fn generated_job(dir: &Path, n: usize) -> (Vec<PathBuf>, PathBuf) {
    let inputs = vec![dir.join("in/a.jsonl"), dir.join("in/b.jsonl")];
    let out = dir.join("out/j0b0000000001");
    fs::create_dir_all(dir.join("in")).unwrap();
    fs::create_dir_all(&out).unwrap();
    let mut ins = [String::new(), String::new()];
    let mut outs = [Vec::new(), Vec::new()];
    for i in 0..n {
        let f = usize::from(i >= n / 2);
        let id = format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            i * 7919,
            i % 65536,
            i % 4096,
            (i * 31) % 4096,
            i as u64 * 104729
        );
        let body = format!(
            r#"{{"anthropic_version":"bedrock-2023-05-31","max_tokens":64,"messages":[{{"role":"user","content":"Question {i}: what is {i} squared? Réponds en français 🙂"}}]}}"#
        );
        ins[f].push_str(&format!(
            "{{\"recordId\":\"{id}\",\"modelInput\":{body}}}\n"
        ));
        if i % 20 == 7 {
            continue;
        }
        let line = if i % 10 == 3 {
            let code = if i % 20 == 3 { 429 } else { 503 };
            format!(
                r#"{{"recordId": "{id}", "modelInput": {body}, "error": {{"errorCode": {code}, "errorMessage": "try again"}}}}"#
            )
        } else {
            format!(
                r#"{{"recordId": "{id}", "modelInput": {body}, "modelOutput": {{"type": "message", "role": "assistant", "content": [{{"type": "text", "text": "{}"}}], "stop_reason": "end_turn", "usage": {{"input_tokens": 20, "output_tokens": {}}}}}}}"#,
                i * i,
                1 + i % 5
            )
        };
        outs[f].push(line);
    }
    for (k, o) in outs.iter_mut().enumerate() {
        // A fixed permutation: reverse, then interleave halves.
        o.reverse();
        let half = o.len() / 2;
        let (a, b) = o.split_at(half);
        let mixed: Vec<String> = b
            .iter()
            .zip(a.iter().chain(std::iter::repeat(&String::new())))
            .flat_map(|(x, y)| [x.clone(), y.clone()])
            .filter(|l| !l.is_empty())
            .collect();
        fs::write(&inputs[k], &ins[k]).unwrap();
        let name = inputs[k]
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        fs::write(out.join(format!("{name}.out")), mixed.join("\n") + "\n").unwrap();
    }
    (inputs, out)
}

#[test]
fn compressed_input_is_spooled_and_a_garbage_output_line_is_counted_not_fatal() {
    use std::io::Write;
    let tmp = tempfile::tempdir().unwrap();
    let plain = fs::read(fixture("results/nova/input/tickets.jsonl")).unwrap();
    let gz = tmp.path().join("tickets.jsonl.gz");
    let mut enc = flate2::write::GzEncoder::new(
        fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    enc.write_all(&plain).unwrap();
    enc.finish().unwrap();
    // The output with one line replaced by garbage in the middle: its record is missing.
    let job = tmp.path().join("job");
    fs::create_dir_all(&job).unwrap();
    let out = fs::read_to_string(fixture(
        "results/nova/output/n0v4l1t3j0b1/tickets.jsonl.out",
    ))
    .unwrap();
    let mut lines: Vec<&str> = out.lines().collect();
    let lost: Value = serde_json::from_str(lines[50]).unwrap();
    lines[50] = "<html><body>503 Service Unavailable</body></html>";
    fs::write(job.join("tickets.jsonl.out"), lines.join("\n") + "\n").unwrap();
    let retry = tmp.path().join("retry.jsonl");
    let r = run(
        &[
            "results",
            "--input",
            s(&gz),
            "--output",
            s(&job),
            "--retry",
            s(&retry),
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let j = r.json();
    assert_eq!(j["counts"]["missing"], 1);
    assert_eq!(j["unreadable_output_lines"]["count"], 1);
    assert!(j["unreadable_output_lines"]["first"]
        .as_str()
        .unwrap()
        .contains("tickets.jsonl.out:51: not valid JSON"));
    // The retry line is the missing record's line from the decompressed input.
    let id = lost["recordId"].as_str().unwrap();
    let want: Vec<u8> = lines_with_ends(&plain)
        .into_iter()
        .find(|l| String::from_utf8_lossy(l).contains(id))
        .unwrap()
        .to_vec();
    assert_eq!(fs::read(&retry).unwrap(), want);
}

#[test]
fn the_first_unjoinable_record_is_the_earliest_whatever_its_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in.jsonl");
    fs::write(
        &input,
        concat!(
            "{\"recordId\":\"a1\",\"modelInput\":{}}\n",
            "\n",
            "{\"modelInput\":{\"inputText\":\"no id here\"}}\n",
            "{\"recordId\":\"a1\",\"modelInput\":{}}\n",
            "not json at all\n",
            "{\"recordId\":7,\"modelInput\":{}}\n",
        ),
    )
    .unwrap();
    let job = tmp.path().join("job");
    fs::create_dir_all(&job).unwrap();
    fs::write(
        job.join("in.jsonl.out"),
        "{\"recordId\": \"a1\", \"modelInput\": {}, \"modelOutput\": {\"results\": []}}\n",
    )
    .unwrap();
    let r = run(
        &[
            "results",
            "--input",
            s(&input),
            "--output",
            s(&job),
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let j = r.json();
    assert_eq!(j["counts"]["input_records"], 5);
    assert_eq!(j["counts"]["succeeded"], 1);
    assert_eq!(j["counts"]["not_joinable"], 4);
    let nj = &j["not_joinable"];
    assert_eq!(nj["count"], 3);
    assert_eq!(
        nj["by_reason"],
        serde_json::json!({"no recordId": 1, "not valid JSON": 1, "recordId not a non-empty string": 1})
    );
    // The warning-level R003 on line 3 comes before the L001 error on line 5.
    let first = nj["first"].as_str().unwrap();
    assert!(first.ends_with("in.jsonl:3: no recordId"), "{first}");
    assert_eq!(j["repeated_ids"]["count"], 1);
    assert!(j["repeated_ids"]["first"]
        .as_str()
        .unwrap()
        .contains("in.jsonl:4: recordId \"a1\" is already used"));
}
