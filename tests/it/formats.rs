//! Every report format on one fixture set (`fixtures/formats/`), through the real binary:
//! snapshots of each format for one job and for `--group folder`, the SARIF log against the
//! official SARIF 2.1.0 schema, the JSONL stream against the JSON report, GitHub's caps and
//! step summary, and JUnit's pass/fail line.

use std::fs;

use crate::common::*;
use serde_json::Value;

/// The fixture set, named as a user would name it (relative to the repository root).
const FILES: &[&str] = &[
    "fixtures/formats/jobs/a.jsonl",
    "fixtures/formats/jobs/legacy,v1.json",
    "fixtures/formats/other/c.jsonl",
];

/// `validate --format FORMAT EXTRA FILES`, with no config file and no CI environment.
fn render(format: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "validate",
        "--no-config",
        "--color",
        "never",
        "--format",
        format,
    ];
    args.extend_from_slice(extra);
    args.extend_from_slice(FILES);
    let out = bb()
        .env_remove("GITHUB_STEP_SUMMARY")
        .args(&args)
        .output()
        .expect("runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 output"),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The output with the crate version replaced, so a release does not rewrite snapshots.
fn stable(text: &str) -> String {
    text.replace(
        &format!("\"{}\"", env!("CARGO_PKG_VERSION")),
        "\"[VERSION]\"",
    )
}

fn snapshot(format: &str, extra: &[&str]) -> String {
    let run = render(format, extra);
    assert_eq!(run.code, 1, "the fixture set has errors\n{}", run.stderr);
    assert_eq!(run.stderr, "", "nothing on stderr");
    stable(&run.stdout)
}

const FOLDER: &[&str] = &["--group", "folder"];

#[test]
fn text_one_job() {
    insta::assert_snapshot!(snapshot("text", &[]));
}

#[test]
fn text_group_folder() {
    insta::assert_snapshot!(snapshot("text", FOLDER));
}

#[test]
fn json_one_job() {
    insta::assert_snapshot!(snapshot("json", &[]));
}

#[test]
fn json_group_folder() {
    insta::assert_snapshot!(snapshot("json", FOLDER));
}

#[test]
fn jsonl_one_job() {
    insta::assert_snapshot!(snapshot("jsonl", &[]));
}

#[test]
fn jsonl_group_folder() {
    insta::assert_snapshot!(snapshot("jsonl", FOLDER));
}

#[test]
fn github_one_job() {
    insta::assert_snapshot!(snapshot("github", &[]));
}

#[test]
fn github_group_folder() {
    insta::assert_snapshot!(snapshot("github", FOLDER));
}

#[test]
fn sarif_one_job() {
    insta::assert_snapshot!(snapshot("sarif", &[]));
}

#[test]
fn sarif_group_folder() {
    insta::assert_snapshot!(snapshot("sarif", FOLDER));
}

#[test]
fn junit_one_job() {
    insta::assert_snapshot!(snapshot("junit", &[]));
}

#[test]
fn junit_group_folder() {
    insta::assert_snapshot!(snapshot("junit", FOLDER));
}

/// The official SARIF 2.1.0 schema (OASIS, errata 01), committed beside the tests.
fn sarif_validator() -> jsonschema::Validator {
    let text =
        fs::read_to_string(root().join("tests/data/sarif-schema-2.1.0.json")).expect("schema file");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    assert_eq!(
        schema["id"],
        "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    );
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn assert_valid_sarif(log: &Value) {
    let validator = sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema violations:\n{}",
        errors.join("\n")
    );
}

#[test]
fn sarif_conforms_to_the_official_schema() {
    for extra in [&[][..], FOLDER, &["--group", "file"]] {
        let log: Value = serde_json::from_str(&render("sarif", extra).stdout).unwrap();
        assert_valid_sarif(&log);
    }
    // A clean run (no results) and a run whose only input is standard input.
    let clean = run(
        &[
            "validate",
            "--no-config",
            "--format",
            "sarif",
            "--min-records-per-job",
            "1",
            "fixtures/formats/other/c.jsonl",
        ],
        None,
    );
    assert_eq!(clean.code, 0);
    assert_valid_sarif(&serde_json::from_str(&clean.stdout).unwrap());
    let stdin = run(
        &["validate", "--no-config", "--format", "sarif", "-"],
        Some(b"{\"recordId\":1}\n"),
    );
    let log: Value = serde_json::from_str(&stdin.stdout).unwrap();
    assert_valid_sarif(&log);
    assert_eq!(
        log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "%3Cstdin%3E"
    );
}

#[test]
fn sarif_sanity_check_the_schema_rejects_a_broken_log() {
    let mut log: Value = serde_json::from_str(&render("sarif", &[]).stdout).unwrap();
    log["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(
        !sarif_validator().is_valid(&log),
        "a wrong level must fail the schema"
    );
}

#[test]
fn sarif_describes_every_rule_and_locates_every_result() {
    let log: Value = serde_json::from_str(&render("sarif", &[]).stdout).unwrap();
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), bedrock_batch::commands::rules::RULES.len());
    for rule in rules {
        for field in ["shortDescription", "fullDescription", "help"] {
            assert!(rule[field]["text"].as_str().is_some_and(|t| !t.is_empty()));
        }
        assert!(rule["defaultConfiguration"]["level"].is_string());
    }
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        let place = &r["locations"][0]["physicalLocation"];
        assert!(
            place["artifactLocation"]["uri"].is_string(),
            "every result has a file: {r}"
        );
    }
    let l001 = results.iter().find(|r| r["ruleId"] == "L001").unwrap();
    assert_eq!(
        l001["locations"][0]["physicalLocation"]["region"],
        serde_json::json!({"startLine": 2, "startColumn": 80, "byteOffset": 164})
    );
    // Job-level: placed on the first input; file-level: the file, with no region.
    let q005 = results.iter().find(|r| r["ruleId"] == "Q005").unwrap();
    let place = &q005["locations"][0]["physicalLocation"];
    assert_eq!(
        place["artifactLocation"]["uri"],
        "fixtures/formats/jobs/a.jsonl"
    );
    assert!(place.get("region").is_none());
    let f001 = results.iter().find(|r| r["ruleId"] == "F001").unwrap();
    assert_eq!(
        f001["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "fixtures/formats/jobs/legacy%2Cv1.json"
    );
}

/// The JSONL stream holds the JSON report, event for event: the same findings in the same
/// order, and a summary equal to the report without its findings.
#[test]
fn jsonl_events_are_the_json_report() {
    for extra in [
        &[][..],
        &["--max-diagnostics", "3"],
        &["--threads", "1", "--chunk-size", "64"],
    ] {
        let report: Value = serde_json::from_str(&render("json", extra).stdout).unwrap();
        let events: Vec<Value> = render("jsonl", extra)
            .stdout
            .lines()
            .map(|l| serde_json::from_str(l).expect("one JSON event per line"))
            .collect();
        let (summary, diagnostics) = events.split_last().unwrap();
        let mut expected_summary = report.clone();
        expected_summary
            .as_object_mut()
            .unwrap()
            .remove("diagnostics");
        let mut summary = summary.clone();
        assert_eq!(
            summary.as_object_mut().unwrap().remove("type").unwrap(),
            "summary"
        );
        assert_eq!(summary, expected_summary);
        let diagnostics: Vec<Value> = diagnostics
            .iter()
            .map(|e| {
                let mut e = e.clone();
                assert_eq!(
                    e.as_object_mut().unwrap().remove("type").unwrap(),
                    "diagnostic"
                );
                e
            })
            .collect();
        assert_eq!(&diagnostics, report["diagnostics"].as_array().unwrap());
    }
}

#[test]
fn jsonl_group_folder_closes_each_job_and_ends_with_the_run() {
    let events: Vec<Value> = render("jsonl", FOLDER)
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    let jobs: Vec<usize> = (0..kinds.len()).filter(|&i| kinds[i] == "job").collect();
    assert_eq!(jobs.len(), 2);
    assert_eq!(*kinds.last().unwrap(), "summary");
    for e in &events[..jobs[0]] {
        assert_eq!(e["job"], "fixtures/formats/jobs");
    }
    let json: Value = serde_json::from_str(&render("json", FOLDER).stdout).unwrap();
    let mut last = events.last().unwrap().clone();
    last.as_object_mut().unwrap().remove("type");
    let mut top = json.clone();
    top.as_object_mut().unwrap().remove("diagnostics");
    top.as_object_mut().unwrap().remove("jobs");
    assert_eq!(last, top);
}

#[test]
fn json_group_keeps_the_contract_at_the_top_and_adds_jobs() {
    let one: Value = serde_json::from_str(&render("json", &[]).stdout).unwrap();
    let grouped: Value = serde_json::from_str(&render("json", FOLDER).stdout).unwrap();
    assert!(one.get("jobs").is_none() && one.get("job").is_none());
    for key in [
        "version",
        "tool",
        "verdict",
        "summary",
        "quotas",
        "files",
        "diagnostics",
    ] {
        assert!(grouped.get(key).is_some(), "{key} at the top level");
    }
    let jobs = grouped["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 2);
    assert_eq!(jobs[0]["job"], "fixtures/formats/jobs");
    assert_eq!(jobs[1]["job"], "fixtures/formats/other");
    // Two jobs, so two Q005 findings, where one job had one.
    assert_eq!(grouped["summary"]["by_code"]["Q005"], 2);
    assert_eq!(one["summary"]["by_code"]["Q005"], 1);
    assert_eq!(grouped["summary"]["records"], one["summary"]["records"]);
    assert_eq!(grouped["verdict"]["status"], "Failed");
}

/// A file with `n` blank lines (each a warning) and `n` invalid ones (each an error).
fn noisy(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&format!(
            "{{\"recordId\":\"REC{i:08}\",\"modelInput\":{{}}}}\n\n{{\n"
        ));
    }
    fs::write(dir.path().join("noisy.jsonl"), text).unwrap();
    dir
}

#[test]
fn github_caps_annotations_per_type_and_says_how_many_more() {
    let dir = noisy(25);
    let out = bb()
        .env_remove("GITHUB_STEP_SUMMARY")
        .args([
            "validate",
            "--no-config",
            "--format",
            "github",
            "--min-records-per-job",
            "1",
        ])
        .arg(dir.path().join("noisy.jsonl"))
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let count = |prefix: &str| stdout.lines().filter(|l| l.starts_with(prefix)).count();
    assert_eq!(count("::error "), 10);
    assert_eq!(count("::warning "), 10);
    // One notice: the count of what was left out (the infos' places shrink by one for it).
    assert_eq!(count("::notice "), 1);
    let notice = stdout.lines().find(|l| l.starts_with("::notice ")).unwrap();
    assert!(
        notice.contains("::30 more findings not shown as annotations"),
        "{notice}"
    );
    assert!(
        notice.contains("15 errors, 15 warnings, 0 infos"),
        "{notice}"
    );
    // The log still lists every finding, between stop-commands markers.
    let token = stdout
        .lines()
        .find_map(|l| l.strip_prefix("::stop-commands::"))
        .expect("stop-commands");
    assert!(stdout.trim_end().ends_with(&format!("::{token}::")));
    assert_eq!(stdout.matches(": L003 ").count(), 25);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn github_data_cannot_inject_workflow_commands() {
    let dir = tempfile::tempdir().unwrap();
    // A recordId carrying a newline and a command: escaped in annotations (%0A), and inert in
    // the log because the log sits between stop-commands markers.
    let id = "x\\n::error file=evil::pwned";
    let rec = format!("{{\"recordId\":\"{id}\",\"modelInput\":{{}}}}\n");
    fs::write(dir.path().join("in.jsonl"), rec.repeat(2)).unwrap();
    let out = bb()
        .env_remove("GITHUB_STEP_SUMMARY")
        .args([
            "validate",
            "--no-config",
            "--format",
            "github",
            "--min-records-per-job",
            "1",
        ])
        .arg(dir.path().join("in.jsonl"))
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let token = stdout
        .lines()
        .find_map(|l| l.strip_prefix("::stop-commands::"))
        .unwrap()
        .to_string();
    let mut active = true;
    for line in stdout.lines() {
        if line.starts_with("::stop-commands::") {
            active = false;
            continue;
        }
        if line == format!("::{token}::") {
            active = true;
            continue;
        }
        if active {
            // `::command properties::data`: the data's own `::` and newline stay inside it.
            let (head, data) = line[2..].split_once("::").expect("a workflow command");
            assert!(!head.contains("evil"), "{line}");
            assert!(!data.contains('\n'));
        }
    }
}

#[test]
fn github_appends_a_markdown_summary_when_actions_asks_for_one() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    fs::write(&summary, "earlier step\n").unwrap();
    let mut args = vec![
        "validate",
        "--no-config",
        "--format",
        "github",
        "--group",
        "folder",
    ];
    args.extend_from_slice(FILES);
    let out = bb()
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(&args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = fs::read_to_string(&summary).unwrap();
    assert!(text.starts_with("earlier step\n"), "appended, not replaced");
    insta::assert_snapshot!(text);
}

#[test]
fn junit_fails_cases_from_fail_on_up() {
    let parse = |extra: &[&str]| {
        let xml = render("junit", extra).stdout;
        let attr = |name: &str| -> usize {
            let start = xml
                .find("<testsuites name=\"bedrock-batch validate\"")
                .unwrap();
            let head = &xml[start..xml[start..].find('>').unwrap() + start];
            let v = head.split(&format!(" {name}=\"")).nth(1).unwrap();
            v[..v.find('"').unwrap()].parse().unwrap()
        };
        (attr("tests"), attr("failures"))
    };
    // Errors fail 4 cases (L001 line, R006 line, F001 file, Q005 job); with --fail-on info the
    // R003 and R005 records fail too.
    assert_eq!(parse(&[]), (8, 4));
    assert_eq!(parse(&["--fail-on", "warning"]), (8, 5));
    assert_eq!(parse(&["--fail-on", "info"]), (8, 6));
}

#[test]
fn junit_is_well_formed_xml_with_hostile_data() {
    let dir = tempfile::tempdir().unwrap();
    let id = "a<b>&\\\"c\\u0001";
    let rec = format!("{{\"recordId\":\"{id}\",\"modelInput\":{{}}}}\n");
    fs::write(dir.path().join("in.jsonl"), rec.repeat(2)).unwrap();
    let out = bb()
        .args([
            "validate",
            "--no-config",
            "--format",
            "junit",
            "--min-records-per-job",
            "1",
        ])
        .arg(dir.path().join("in.jsonl"))
        .output()
        .unwrap();
    let xml = String::from_utf8(out.stdout).unwrap();
    assert!(xml.contains("a&lt;b&gt;&amp;"), "{xml}");
    assert!(
        xml.contains("\\u{0001}"),
        "control characters are spelled out: {xml}"
    );
    assert!(
        !xml.chars().any(|c| (c as u32) < 0x20 && c != '\n'),
        "{xml}"
    );
    // Every opened element is closed, in order.
    let mut stack = Vec::new();
    for tag in xml.split('<').skip(2) {
        let tag = &tag[..tag.find('>').unwrap()];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop(), Some(name.to_string()));
        } else if !tag.ends_with('/') {
            stack.push(tag.split_whitespace().next().unwrap().to_string());
        }
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
}

#[test]
fn jsonl_reader_going_away_ends_quietly_with_the_full_exit_code() {
    // Whether the reader is gone before the first line or after the last, the run finishes,
    // says nothing on stderr, and exits as the findings say.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("bedrock-batch"))
        .current_dir(root())
        .args(["validate", "--no-config", "--format", "jsonl"])
        .args(FILES)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// The model the user-shaped inputs below are written for.
const CLAUDE: &str = "anthropic.claude-3-5-haiku-20241022-v1:0";

/// 3,000 pandas-shaped records with UUID ids and an extra `source` column on each (3,000
/// R007 warnings), and two real errors near the end: invalid JSON on line 2,991 and a
/// string `max_tokens` on line 2,996.
fn crowded() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..3000u64 {
        let mut line = pandas_record(i);
        line.insert_str(line.len() - 1, r#","source":"crm-export""#);
        if i == 2990 {
            line.insert(line.len() - 1, ',');
        }
        if i == 2995 {
            line = line.replace(r#""max_tokens":512"#, r#""max_tokens":"512""#);
        }
        text.push_str(&line);
        text.push('\n');
    }
    fs::write(dir.path().join("tickets.jsonl"), text).unwrap();
    dir
}

/// Issue 13: in a file with thousands of findings, the cap used to keep the first 1,000 in
/// file order, so no format showed the two errors near the end. Now every format lists them,
/// the counts stay exact, and UUID ids are not findings at all.
#[test]
fn errors_near_the_end_of_a_crowded_file_are_listed_in_every_format() {
    let dir = crowded();
    let input = dir.path().join("tickets.jsonl");
    let run_format = |format: &str| {
        let out = bb()
            .env_remove("GITHUB_STEP_SUMMARY")
            .args([
                "validate",
                "--no-config",
                "--model-id",
                CLAUDE,
                "--format",
                format,
            ])
            .arg(&input)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}");
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run_format("text");
    assert!(text.contains("tickets.jsonl:2991:"), "{text}");
    assert!(text.contains(":2996:") && text.contains(" M003 "), "{text}");
    assert!(text.contains("Checked 1 file, 3,000 records"), "{text}");
    assert!(
        text.contains(": 2 errors, 2,999 warnings, 0 infos"),
        "{text}"
    );
    assert!(
        text.contains(
            "… 2,001 more findings not listed (--max-diagnostics 1000 lists the most severe first)"
        ),
        "{text}"
    );
    assert_eq!(text.matches(" R005 ").count(), 0, "UUIDs are plain ids");

    let json: Value = serde_json::from_str(&run_format("json")).unwrap();
    let listed = json["diagnostics"].as_array().unwrap();
    assert_eq!(listed.len(), 1000);
    let errors: Vec<(&str, u64)> = listed
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| (d["code"].as_str().unwrap(), d["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(errors, [("L001", 2991), ("M003", 2996)]);
    // Report order (by place) after the selection: the errors come last here.
    assert_eq!(listed[998]["line"], 2991);
    assert_eq!(listed[997]["line"], 998, "the first 998 warnings, in order");
    assert_eq!(json["summary"]["errors"], 2);
    assert_eq!(
        json["summary"]["warnings"], 2999,
        "no R007 on the invalid line"
    );
    assert_eq!(json["summary"]["by_code"]["R007"], 2999);
    assert!(json["summary"]["by_code"].get("R005").is_none());
    assert_eq!(json["summary"]["diagnostics_truncated"], true);
    assert_eq!(json["verdict"]["status"], "Failed");

    let jsonl = run_format("jsonl");
    let events: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let jsonl_errors: Vec<&str> = events
        .iter()
        .filter(|e| e["severity"] == "error")
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(jsonl_errors, ["L001", "M003"]);
    assert_eq!(events.last().unwrap()["summary"]["errors"], 2);

    let github = run_format("github");
    let annotations = |kind: &str| {
        github
            .lines()
            .filter(|l| l.starts_with(&format!("::{kind} ")))
            .count()
    };
    assert_eq!(annotations("error"), 2, "{github}");
    assert_eq!(annotations("warning"), 10);
    assert!(github.contains("::error file=") && github.contains("line=2991"));

    let sarif: Value = serde_json::from_str(&run_format("sarif")).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let levels = |level: &str| results.iter().filter(|r| r["level"] == level).count();
    assert_eq!((levels("error"), levels("warning")), (2, 998));
    assert_valid_sarif(&sarif);

    let junit = run_format("junit");
    assert!(
        junit.contains(r#"<failure message="L001 invalid-json"#),
        "{junit}"
    );
    assert!(junit.contains(r#"type="M003""#), "{junit}");
}

/// Job-level findings are listed whatever the cap, on top of it.
#[test]
fn job_level_findings_are_never_cut_by_the_cap() {
    let dir = crowded();
    let input = dir.path().join("tickets.jsonl");
    let (report, code) = validate_json(
        &[
            "--no-config",
            "--model-id",
            CLAUDE,
            "--max-diagnostics",
            "5",
            "--min-records-per-job",
            "5000",
        ],
        &[&input],
    );
    assert_eq!(code, 1);
    let listed: Vec<(String, Value)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["code"].as_str().unwrap().to_string(), d["line"].clone()))
        .collect();
    let want = [
        ("R007", Value::from(1)),
        ("R007", Value::from(2)),
        ("R007", Value::from(3)),
        ("L001", Value::from(2991)),
        ("M003", Value::from(2996)),
        ("Q005", Value::Null),
    ];
    assert_eq!(listed, want.map(|(c, l)| (c.to_string(), l)));
    assert_eq!(report["summary"]["errors"], 3);
}

/// A job the service would schedule but whose records would fail: the step summary's
/// headline says so, not only its table.
#[test]
fn github_summary_headline_says_records_would_fail() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = pandas_records(300);
    text = text.replacen(r#""max_tokens":512"#, r#""max_tokens":"512""#, 2);
    let input = dir.path().join("batch.jsonl");
    fs::write(&input, text).unwrap();
    let summary = dir.path().join("summary.md");
    let out = bb()
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args([
            "validate",
            "--no-config",
            "--format",
            "github",
            "--model-id",
            CLAUDE,
        ])
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let md = fs::read_to_string(&summary).unwrap();
    let mut lines = md.lines();
    assert_eq!(
        lines.next(),
        Some("### bedrock-batch validate: Scheduled, but 2 errors: records would fail")
    );
    assert!(md.contains("Would pass the Validating phase, but 2 errors would fail records"));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("::error ")).count(),
        2
    );
}
