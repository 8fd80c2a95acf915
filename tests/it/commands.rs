//! The informational commands (`rules`, `models`, `schema`) and colour handling, through the
//! real binary.

use crate::common::*;

#[test]
fn rules_lists_every_rule_and_explains_one_with_examples() {
    let r = run(&["rules"], None);
    assert_eq!(r.code, 0);
    for rule in bedrock_batch::commands::rules::RULES {
        assert!(
            r.stdout.contains(rule.code) && r.stdout.contains(rule.name),
            "{}",
            rule.code
        );
    }
    let r = run(&["rules", "L001"], None);
    assert_eq!(r.code, 0);
    assert!(r
        .stdout
        .starts_with("L001 invalid-json (error, validating phase)"));
    assert!(
        r.stdout.contains("Fails: fail.jsonl") && r.stdout.contains("Passes: pass.jsonl"),
        "{}",
        r.stdout
    );
    // Names work too, and JSON lists are machine-readable.
    assert_eq!(run(&["rules", "blank-line"], None).code, 0);
    let json: serde_json::Value =
        serde_json::from_str(&run(&["rules", "--json"], None).stdout).unwrap();
    assert_eq!(
        json.as_array().unwrap().len(),
        bedrock_batch::commands::rules::RULES.len()
    );
    let bad = run(&["rules", "X123"], None);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("X123"));
}

#[test]
fn models_resolves_ids_and_explains_how() {
    let r = run(&["models", "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.meta.llama4-scout-17b-instruct-v1:0"], None);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("inference-profile ARN"), "{}", r.stdout);
    assert!(
        r.stdout.contains("cross-region inference profile `us`"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("50-50,000 records per job"),
        "{}",
        r.stdout
    );
    let j: serde_json::Value =
        serde_json::from_str(&run(&["models", "--json", "acme.nothing-v1:0"], None).stdout)
            .unwrap();
    assert_eq!(j["known"], false);
    assert_eq!(j["quotas"]["min_records_per_job"], 100);
    let list = run(&["models"], None);
    assert!(list.stdout.contains("anthropic.claude-"));
}

#[test]
fn schema_prints_embedded_families_and_rejects_unknown_ones() {
    let list = run(&["schema"], None);
    assert_eq!(list.code, 0);
    for family in list.stdout.lines() {
        let r = run(&["schema", family], None);
        assert_eq!(r.code, 0);
        let v: serde_json::Value =
            serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{family}: {e}"));
        assert!(v.is_object());
    }
    let bad = run(&["schema", "no-such-family"], None);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("no-such-family"));
}

#[test]
fn color_follows_the_flag_and_the_environment() {
    let p = fixture("L003/fail.jsonl");
    let p = p.to_str().unwrap();
    let plain = bb().args(["validate", p]).output().unwrap();
    assert!(
        !String::from_utf8_lossy(&plain.stdout).contains('\x1b'),
        "a pipe is not a terminal"
    );
    let forced = bb()
        .args(["validate", p])
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&forced.stdout).contains('\x1b'));
    let no = bb()
        .args(["validate", p])
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&no.stdout).contains('\x1b'),
        "NO_COLOR wins"
    );
    let always = bb()
        .args(["validate", "--color", "always", p])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&always.stdout).contains('\x1b'),
        "an explicit flag wins"
    );
}

#[test]
fn version_and_help() {
    let r = run(&["--version"], None);
    assert_eq!(r.code, 0);
    assert!(r.stdout.starts_with("bedrock-batch "));
    let r = run(&["validate", "--help"], None);
    assert_eq!(r.code, 0);
    for flag in [
        "--model-id",
        "--invocation-type",
        "--max-file-bytes",
        "--fail-on",
        "--select",
        "--no-mmap",
        "--stdin-filename",
        "--schema",
    ] {
        assert!(r.stdout.contains(flag), "{flag} missing from --help");
    }
}
