//! The line and envelope repairs of `fix`: BOM, CRLF, blank lines, the final newline,
//! repeated top-level keys and unknown keys; `modelInput` and the members kept copied byte for
//! byte; the golden messy fixture with every flag; bounded memory on hostile nesting.

use super::*;

#[test]
fn bom_is_stripped() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.jsonl", format!("\u{FEFF}{REC}\n"));
    let (r, out) = fix_to(dir.path(), &input, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(read(&out), format!("{REC}\n").as_bytes());
    assert_eq!(change(&r.json(), "L005"), 1);
    assert_eq!(
        read(&input),
        format!("\u{FEFF}{REC}\n").as_bytes(),
        "input untouched"
    );
}

#[test]
fn bom_at_the_start_of_a_later_line_from_joined_files_is_stripped_too() {
    let dir = tempfile::tempdir().unwrap();
    let second = r#"{"recordId":"CALL0000002","modelInput":{}}"#;
    let input = write(
        dir.path(),
        "in.jsonl",
        format!("\u{FEFF}{REC}\n\u{FEFF}{second}\n"),
    );
    let (r, out) = fix_to(dir.path(), &input, &[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(read(&out), format!("{REC}\n{second}\n").as_bytes());
    assert_eq!(change(&r.json(), "L005"), 2);
}

#[test]
fn crlf_line_ends_become_lf() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "in.jsonl",
        format!("{REC}\r\n{REC2}\r\n", REC2 = REC.replace("01", "02")),
    );
    let (r, out) = fix_to(dir.path(), &input, &[]);
    assert_eq!(r.code, 0);
    assert_eq!(
        read(&out),
        format!("{REC}\n{}\n", REC.replace("01", "02")).as_bytes()
    );
    assert_eq!(change(&r.json(), "L004"), 2);
    assert!(!validate_codes(&out).contains_key("L004"));
}

#[test]
fn blank_and_whitespace_lines_are_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.jsonl", format!("\n{REC}\n   \n\t\r\n\n"));
    let (r, out) = fix_to(dir.path(), &input, &[]);
    assert_eq!(r.code, 0);
    assert_eq!(read(&out), format!("{REC}\n").as_bytes());
    let j = r.json();
    assert_eq!(change(&j, "L003"), 4);
    assert_eq!(j["changes"][0]["first"]["line"], 1);
}

#[test]
fn final_newline_is_added() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.jsonl", REC);
    let (r, out) = fix_to(dir.path(), &input, &[]);
    assert_eq!(r.code, 0);
    assert_eq!(read(&out), format!("{REC}\n").as_bytes());
    assert_eq!(change(&r.json(), "L006"), 1);
}

#[test]
fn a_stray_carriage_return_on_the_last_line_does_not_become_crlf() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.jsonl", format!("{REC}\r"));
    let (r, out) = fix_to(dir.path(), &input, &[]);
    assert_eq!(r.code, 0);
    assert_eq!(read(&out), format!("{REC}\n").as_bytes());
}

#[test]
fn a_clean_file_is_copied_byte_for_byte_with_no_changes() {
    let dir = tempfile::tempdir().unwrap();
    let body = "{ \"recordId\" : \"CALL0000001\" ,\t\"modelInput\": {\"x\": [1.0, -0, 1e5]} }\n";
    let input = write(dir.path(), "in.jsonl", body);
    let (r, out) = fix_to(dir.path(), &input, &[]);
    assert_eq!(r.code, 0);
    assert_eq!(read(&out), body.as_bytes());
    let j = r.json();
    assert_eq!(j["summary"]["changes"], 0);
    assert_eq!(j["changes"], serde_json::json!([]));
}

#[test]
fn model_input_is_copied_byte_for_byte_when_the_envelope_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    // Numbers in odd forms, key order, escapes, whitespace and a nested repeated key: a
    // re-serialiser would change every one of them.
    let body = r#"{ "z": 1.50, "a": -0.0e+00, "big": 12345678901234567890123, "s": "\u00e9\/\"\ud83d\ude00", "k": 1, "k": 2, "arr": [ 1 ,2 ] }"#;
    let line = format!(r#"{{"extra":{{"x":1}}, "modelInput" :{body} ,"recordId":7}}"#);
    let input = write(dir.path(), "in.jsonl", format!("{line}\n"));
    let (r, out) = fix_to(
        dir.path(),
        &input,
        &["--add-record-ids", "--drop-unknown-keys"],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    let bytes = read(&out);
    let got = lines(&bytes);
    assert_eq!(got.len(), 1);
    let (id, mi) = members(got[0]);
    assert_eq!(mi, body.as_bytes());
    let id = String::from_utf8(id.unwrap()).unwrap();
    assert!(id.starts_with('"') && id.len() == 13, "{id}");
    // The rebuilt envelope is recordId first, then modelInput, nothing else.
    let expect = format!(r#"{{"recordId":{id},"modelInput":{body}}}"#);
    assert_eq!(got[0], expect.as_bytes());
    let j = r.json();
    assert_eq!(change(&j, "R004"), 1);
    assert_eq!(change(&j, "R007"), 1);
    assert_eq!(
        remaining(&j, "L008"),
        1,
        "the nested repeat stays, byte for byte"
    );
}

#[test]
fn a_kept_record_id_keeps_its_json_text_and_unknown_keys_their_order() {
    let dir = tempfile::tempdir().unwrap();
    // A repeated top-level key forces a rebuild; the escaped id must stay escaped.
    let line = r#"{"b":1,"modelInput":{"x":1},"a":[2],"recordId":"CALL\u0030000001","b":3}"#;
    let input = write(dir.path(), "in.jsonl", format!("{line}\n"));
    let (r, out) = fix_to(dir.path(), &input, &[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(
        read(&out),
        b"{\"recordId\":\"CALL\\u0030000001\",\"modelInput\":{\"x\":1},\"a\":[2],\"b\":3}\n"
    );
    let j = r.json();
    assert_eq!(change(&j, "L008"), 1);
    assert_eq!(remaining(&j, "R007"), 2);
}

#[test]
fn top_level_duplicate_keys_keep_the_last_value() {
    let dir = tempfile::tempdir().unwrap();
    let line = r#"{"recordId":"AAAAAAAAAAA","modelInput":{"old":1},"recordId":"BBBBBBBBBBB","modelInput":{"new":2}}"#;
    let input = write(dir.path(), "in.jsonl", format!("{line}\n"));
    let (r, out) = fix_to(dir.path(), &input, &[]);
    assert_eq!(r.code, 0);
    assert_eq!(
        read(&out),
        b"{\"recordId\":\"BBBBBBBBBBB\",\"modelInput\":{\"new\":2}}\n"
    );
    assert_eq!(change(&r.json(), "L008"), 2);
    assert!(!validate_codes(&out).contains_key("L008"));
}

#[test]
fn drop_unknown_keys_removes_only_top_level_extras() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "in.jsonl",
        "{\"recordId\":\"CALL0000001\",\"modelInput\":{\"keep\":{\"me\":1}},\"modelId\":\"x\",\"meta\":{}}\n",
    );
    let (r, out) = fix_to(dir.path(), &input, &["--drop-unknown-keys"]);
    assert_eq!(r.code, 0);
    assert_eq!(
        read(&out),
        b"{\"recordId\":\"CALL0000001\",\"modelInput\":{\"keep\":{\"me\":1}}}\n"
    );
    assert_eq!(change(&r.json(), "R007"), 2);
    assert!(!validate_codes(&out).contains_key("R007"));
}

#[test]
fn golden_messy_fixture_with_every_flag() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    let r = run(
        &[
            "fix",
            "fixtures/fix/messy.jsonl",
            "--out",
            &s(&out),
            "--add-record-ids",
            "--dedupe-record-ids",
            "--drop-unknown-keys",
            "--record-id-format",
            "seq",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(r.code, 1, "two lines are rejected: {}", r.stderr);
    let fixture = |name: &str| read(&common::fixture("fix").join(name));
    assert_eq!(read(&out), fixture("expected.jsonl"));
    assert_eq!(
        read(&dir.path().join("out.rejected.jsonl")),
        fixture("expected.rejected.jsonl")
    );
    assert_eq!(
        read(&dir.path().join("out.id-map.jsonl")),
        fixture("expected.id-map.jsonl")
    );
    let j = r.json();
    let counts: Vec<(String, u64)> = j["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["code"].as_str().unwrap().to_string(),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect();
    let want: Vec<(String, u64)> = [
        ("L003", 2),
        ("L004", 9),
        ("L005", 1),
        ("L006", 1),
        ("L008", 1),
        ("R003", 1),
        ("R004", 1),
        ("R006", 1),
        ("R007", 1),
    ]
    .iter()
    .map(|(c, n)| (c.to_string(), *n))
    .collect();
    assert_eq!(counts, want);
    // The corrected file passes the Validating phase (given enough records).
    let (v, code) = common::validate_json(&["--min-records-per-job", "1"], &[out.as_path()]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["summary"]["by_code"], serde_json::json!({}));
}

/// r8: `fix` on a line with tens of thousands of nested repeated keys finishes in bounded
/// memory (its scanner keeps details of a few thousand repeats and counts the rest).
#[test]
fn r8_deeply_nested_repeated_keys_are_counted_not_stored() {
    let depth = 20_000;
    let line = format!(
        "{{\"recordId\":\"REC00000001\",\"modelInput\":{}1{}}}\n",
        "{\"a\":1,\"a\":".repeat(depth),
        "}".repeat(depth)
    );
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("deep.jsonl");
    std::fs::write(&input, &line).unwrap();
    let out = dir.path().join("fixed.jsonl");
    let r = assert_cmd::Command::cargo_bin("bedrock-batch")
        .unwrap()
        .args(["fix", "--format", "json"])
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert!(
        String::from_utf8_lossy(&r.stdout).contains("20000"),
        "the summary counts every repeat"
    );
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        line,
        "the body is copied byte for byte"
    );
}
