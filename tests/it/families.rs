//! Every body family has valid and invalid bodies under `fixtures/families/<family>/`:
//! the valid ones (including every documented example) are never flagged, and each invalid
//! one is flagged with the expected code at the expected line and pointer. Runs the binary
//! with the family's model id (`model.txt`), and with `--invocation-type Converse` for the
//! Converse family. Where a line's diagnosis differs from the schema's first finding (a body of
//! another family is one M014; a misspelled field and the required one it stands for are one
//! M002), `expect.json` gives it as `diagnosed`.

use crate::common::*;
use serde_json::Value;

fn family_dirs() -> Vec<std::path::PathBuf> {
    let mut dirs: Vec<_> = std::fs::read_dir(fixture("families"))
        .expect("fixtures/families exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn args_for(dir: &std::path::Path) -> Vec<String> {
    let family = dir.file_name().unwrap().to_str().unwrap();
    let model = std::fs::read_to_string(dir.join("model.txt")).expect("model.txt");
    let mut args = vec![
        "--model-id".to_string(),
        model.trim().to_string(),
        "--min-records-per-job".into(),
        "1".into(),
        "--max-diagnostics".into(),
        "100000".into(),
        // Titan Text and DeepSeek-R1 cannot run batch jobs (M010) but their bodies are still
        // checked; these fixtures are about the bodies.
        "--ignore".into(),
        "M010".into(),
    ];
    if family == "converse" {
        args.extend(["--invocation-type".into(), "Converse".into()]);
    }
    args
}

#[test]
fn every_embedded_family_has_fixtures() {
    let have: Vec<String> = family_dirs()
        .iter()
        .map(|d| d.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for family in bedrock_batch::commands::schema::families() {
        assert!(
            have.iter().any(|h| h == family),
            "no fixtures/families/{family}/"
        );
    }
}

#[test]
fn valid_bodies_are_never_flagged() {
    for dir in family_dirs() {
        let args = args_for(&dir);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let (report, code) = validate_json(&refs, &[&dir.join("valid.jsonl")]);
        let family = dir.file_name().unwrap().to_str().unwrap();
        let flagged: Vec<String> = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                format!(
                    "line {} {} {} {}",
                    d["line"], d["code"], d["pointer"], d["message"]
                )
            })
            .collect();
        assert!(
            flagged.is_empty(),
            "{family}: valid bodies flagged:\n{}",
            flagged.join("\n")
        );
        assert_eq!(code, 0, "{family}");
        if family != "converse" {
            assert_eq!(
                report["family"], family,
                "{family}: model.txt resolves to another family"
            );
        }
    }
}

#[test]
fn invalid_bodies_are_flagged_where_expected() {
    for dir in family_dirs() {
        let family = dir.file_name().unwrap().to_str().unwrap().to_string();
        let expect: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expect.json")).unwrap())
                .unwrap();
        let args = args_for(&dir);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let (report, code) = validate_json(&refs, &[&dir.join("invalid.jsonl")]);
        assert_eq!(code, 1, "{family}: M findings are errors");
        let diags = report["diagnostics"].as_array().unwrap();
        for e in &expect {
            // `code`/`pointer` are the schema's own first finding; by model id the tool may
            // report the line as one diagnosis instead (M014, or a misspelled field named
            // once), given as `diagnosed`.
            let want = e.get("diagnosed").unwrap_or(e);
            let hit = diags.iter().any(|d| {
                d["line"] == e["line"]
                    && d["code"] == want["code"]
                    && d["pointer"] == want["pointer"]
            });
            assert!(
                hit,
                "{family}: expected {} at line {} pointer {}; got:\n{}",
                want["code"],
                e["line"],
                want["pointer"],
                diags
                    .iter()
                    .filter(|d| d["line"] == e["line"])
                    .map(|d| format!("  {} {} {}", d["code"], d["pointer"], d["message"]))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
        // Every line of the invalid file is flagged with something from the M family.
        let lines = std::fs::read_to_string(dir.join("invalid.jsonl"))
            .unwrap()
            .lines()
            .count();
        for line in 1..=lines {
            assert!(
                diags
                    .iter()
                    .any(|d| d["line"] == line && d["code"].as_str().unwrap().starts_with('M')),
                "{family}: invalid.jsonl line {line} is not flagged"
            );
        }
    }
}
