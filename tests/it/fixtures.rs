//! Every rule code has a fixture under `fixtures/<CODE>/`; run the real binary on each and
//! check code, line (and column/pointer where given), exit code and verdict.

use std::path::Path;

use crate::common::*;
use bedrock_batch::RuleCode;
use serde_json::Value;

fn load_case(code: &str) -> Option<Value> {
    let path = fixture(code).join("case.json");
    let text = std::fs::read_to_string(path).ok()?;
    Some(serde_json::from_str(&text).expect("case.json is JSON"))
}

fn args_of(case: &Value) -> Vec<String> {
    case["args"]
        .as_array()
        .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

fn check_fail(code: &str, case: &Value, input: &Path) {
    let args = args_of(case);
    let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (report, exit) = validate_json(&arg_refs, &[input]);
    let expect = &case["expect"];
    let d = find(&report, code)
        .unwrap_or_else(|| panic!("{code}: not reported on {}: {report:#}", input.display()));
    assert_eq!(d["line"], expect["line"], "{code}: line in {d:#}");
    if let Some(col) = expect.get("column") {
        assert_eq!(&d["column"], col, "{code}: column in {d:#}");
    }
    if let Some(ptr) = expect.get("pointer") {
        assert_eq!(&d["pointer"], ptr, "{code}: pointer in {d:#}");
    }
    let rule = code.parse::<RuleCode>().unwrap();
    assert_eq!(d["name"], rule.name());
    assert_eq!(d["severity"], rule.severity().as_str());
    assert_eq!(d["phase"], rule.phase().as_str());
    assert_eq!(
        i64::from(exit),
        expect["exit"].as_i64().unwrap(),
        "{code}: exit code"
    );
    assert_eq!(
        report["verdict"]["status"], expect["verdict"],
        "{code}: verdict"
    );
    if expect["verdict"] == "Failed" {
        let msg = report["verdict"]["message"].as_str().unwrap();
        assert!(!msg.is_empty());
    }
}

fn check_pass(code: &str, case: &Value, input: &Path) {
    // `pass_args` replaces `args` when the passing example differs by a flag (a model id).
    let args = match case.get("pass_args") {
        Some(_) => args_of(&serde_json::json!({"args": case["pass_args"]})),
        None => args_of(case),
    };
    let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (report, exit) = validate_json(&arg_refs, &[input]);
    assert_eq!(
        codes(&report),
        Vec::<String>::new(),
        "{code}: the passing input {} is not clean",
        input.display()
    );
    assert_eq!(exit, 0, "{code}: passing input exit code");
    assert_eq!(report["verdict"]["status"], "Scheduled");
}

#[test]
fn every_rule_code_has_a_fixture_that_the_binary_flags() {
    let mut missing = Vec::new();
    for rule in RuleCode::ALL {
        let code = rule.as_str();
        let Some(case) = load_case(code) else {
            missing.push(code);
            continue;
        };
        let dir = fixture(code);
        if let Some(fail) = case["fail"].as_str() {
            check_fail(code, &case, &dir.join(fail));
        }
        if let Some(pass) = case["pass"].as_str() {
            check_pass(code, &case, &dir.join(pass));
        }
    }
    assert!(
        missing.is_empty(),
        "rule codes without fixtures/<CODE>/case.json: {missing:?}"
    );
}

/// R008's failing input is 25 MB, so it is built here instead of committed.
#[test]
fn r008_record_too_large_is_generated() {
    let case = load_case("R008").expect("fixtures/R008/case.json");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.jsonl");
    let big = format!(
        "{}\n{{\"recordId\":\"REC00000002\",\"modelInput\":{{\"prompt\":\"{}\"}}}}\n",
        record(1),
        "x".repeat(25_000_000)
    );
    std::fs::write(&path, big).unwrap();
    check_fail("R008", &case, &path);
}
