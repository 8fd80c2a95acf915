//! `bedrock-batch fix`: each repair, byte-exact `modelInput`, the rejected file and the id
//! map, atomic writes and `--in-place`, and a property test (fix, then validate: none of the
//! repaired codes, and the same multiset of `modelInput` bodies).

use crate::common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::common::{run, Run};
use bedrock_batch::fix::{fix, FixOptions, IdFormat, Target};
use bedrock_batch::json::{Scanned, Scanner};
use bedrock_batch::validate::{validate, NoProgress, ValidateOptions};
use proptest::prelude::*;
use serde_json::Value;

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// `bedrock-batch fix --format json ARGS INPUT --out DIR/out.jsonl`.
fn fix_to(dir: &Path, input: &Path, args: &[&str]) -> (Run, PathBuf) {
    let out = dir.join("out.jsonl");
    let mut all = vec!["fix", "--format", "json"];
    all.extend_from_slice(args);
    let (i, o) = (s(input), s(&out));
    all.extend([i.as_str(), "--out", o.as_str()]);
    (run(&all, None), out)
}

fn lines(bytes: &[u8]) -> Vec<&[u8]> {
    let mut v: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    assert_eq!(v.pop(), Some(&b""[..]), "every line ends in \\n");
    v
}

/// The raw bytes of `recordId` and `modelInput` of a record line.
fn members(line: &[u8]) -> (Option<Vec<u8>>, Vec<u8>) {
    match Scanner::new().scan(line) {
        Scanned::Object(env) => {
            let m = env.model_input.expect("modelInput");
            (
                env.record_id
                    .map(|r| line[r.value_start..r.value_end].to_vec()),
                line[m.value_start..m.value_end].to_vec(),
            )
        }
        other => panic!("not an object: {other:?}"),
    }
}

fn id_of(line: &[u8]) -> String {
    let raw = members(line).0.expect("a recordId");
    serde_json::from_slice::<String>(&raw).unwrap()
}

fn change(report: &Value, code: &str) -> u64 {
    report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == code)
        .map_or(0, |c| c["count"].as_u64().unwrap())
}

fn remaining(report: &Value, code: &str) -> u64 {
    report["remaining"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == code)
        .map_or(0, |c| c["count"].as_u64().unwrap())
}

/// `validate` on the output: the findings per code.
fn validate_codes(path: &Path) -> std::collections::BTreeMap<String, u64> {
    let report = validate(&[path.to_path_buf()], &ValidateOptions::default()).unwrap();
    report.summary.by_code
}

const REC: &str = r#"{"recordId":"CALL0000001","modelInput":{"a":1}}"#;

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
fn add_record_ids_gives_missing_ids_eleven_alphanumerics_and_maps_them() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "in.jsonl",
        "{\"modelInput\":{\"a\":1}}\n{\"modelInput\":{\"a\":1}}\n{\"recordId\":\"\",\"modelInput\":{}}\n",
    );
    let (r, out) = fix_to(dir.path(), &input, &["--add-record-ids"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let bytes = read(&out);
    let ids: Vec<String> = lines(&bytes).iter().map(|l| id_of(l)).collect();
    assert_eq!(ids.len(), 3);
    for id in &ids {
        assert!(
            id.len() == 11 && id.bytes().all(|b| b.is_ascii_alphanumeric()),
            "{id}"
        );
    }
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        3,
        "unique: {ids:?}"
    );
    let j = r.json();
    assert_eq!(change(&j, "R003"), 2);
    assert_eq!(change(&j, "R004"), 1);
    let map = read(&dir.path().join("out.id-map.jsonl"));
    let entries: Vec<Value> = lines(&map)
        .iter()
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0]["line"], 1);
    assert_eq!(entries[0]["old"], Value::Null);
    assert_eq!(entries[0]["reason"], "missing-record-id");
    assert_eq!(entries[2]["old"], "");
    assert_eq!(entries[2]["reason"], "record-id-not-string");
    assert_eq!(entries[2]["new"], ids[2].as_str());
    assert!(!validate_codes(&out).contains_key("R003"));
}

#[test]
fn without_the_flag_missing_ids_are_left_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "in.jsonl",
        "{\"modelInput\":{}}\n{\"recordId\":5,\"modelInput\":{}}\n",
    );
    let (r, out) = fix_to(dir.path(), &input, &[]);
    // R004 is an error the user did not ask to repair: exit 1, output still written.
    assert_eq!(r.code, 1);
    assert_eq!(read(&out), read(&input));
    let j = r.json();
    assert_eq!(remaining(&j, "R003"), 1);
    assert_eq!(remaining(&j, "R004"), 1);
    assert!(!dir.path().join("out.id-map.jsonl").exists());
}

#[test]
fn new_ids_avoid_ids_used_further_down_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "in.jsonl",
        "{\"modelInput\":{}}\n{\"recordId\":\"REC00000001\",\"modelInput\":{}}\n{\"recordId\":\"REC00000003\",\"modelInput\":{}}\n{\"modelInput\":{}}\n",
    );
    let (r, out) = fix_to(
        dir.path(),
        &input,
        &["--add-record-ids", "--record-id-format", "seq"],
    );
    assert_eq!(r.code, 0);
    let bytes = read(&out);
    let ids: Vec<String> = lines(&bytes).iter().map(|l| id_of(l)).collect();
    assert_eq!(
        ids,
        ["REC00000002", "REC00000001", "REC00000003", "REC00000004"]
    );
}

/// The documented `hash` format, computed here independently.
fn expected_hash_id(body: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(body);
    let mut n = u128::from_be_bytes(d[..16].try_into().unwrap());
    let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    (0..11)
        .map(|_| {
            let c = alphabet[(n % 62) as usize] as char;
            n /= 62;
            c
        })
        .collect()
}

#[test]
fn record_id_formats_uuid_seq_and_hash() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "in.jsonl",
        "{\"modelInput\":{\"q\":\"one\"}}\n{\"modelInput\":{\"q\":\"two\"}}\n",
    );
    let ids = |format: &str| -> Vec<String> {
        let (r, out) = fix_to(
            dir.path(),
            &input,
            &["--add-record-ids", "--record-id-format", format],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        let bytes = read(&out);
        lines(&bytes).iter().map(|l| id_of(l)).collect()
    };
    let uuids = ids("uuid");
    for u in &uuids {
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "8", "version 8: {u}");
        assert_eq!(u.matches('-').count(), 4);
    }
    assert_eq!(ids("seq"), ["REC00000001", "REC00000002"]);
    let hashes = ids("hash");
    assert_eq!(hashes[0], expected_hash_id(br#"{"q":"one"}"#));
    assert_eq!(hashes[1], expected_hash_id(br#"{"q":"two"}"#));
    // Stable across runs, for every format.
    assert_eq!(ids("hash"), hashes);
    assert_eq!(ids("uuid"), uuids);
    assert_eq!(ids("alnum"), ids("alnum"));
}

#[test]
fn dedupe_keeps_the_first_use_and_maps_later_ones() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "in.jsonl",
        "{\"recordId\":\"A\",\"modelInput\":{\"n\":1}}\n\n{\"recordId\":\"B\",\"modelInput\":{\"n\":2}}\n{\"recordId\":\"A\",\"modelInput\":{\"n\":3}}\n{\"recordId\":\"\\u0041\",\"modelInput\":{\"n\":4}}\n",
    );
    let (r, out) = fix_to(dir.path(), &input, &["--dedupe-record-ids"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let bytes = read(&out);
    let got = lines(&bytes);
    let ids: Vec<String> = got.iter().map(|l| id_of(l)).collect();
    assert_eq!(ids[0], "A");
    assert_eq!(ids[1], "B");
    assert!(ids[2] != "A" && ids[3] != "A" && ids[2] != ids[3]);
    assert_eq!(change(&r.json(), "R006"), 2);
    let map = read(&dir.path().join("out.id-map.jsonl"));
    let entries: Vec<Value> = lines(&map)
        .iter()
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["line"], 4, "input line, blank line counted");
    assert_eq!(entries[0]["output_line"], 3);
    assert_eq!(entries[0]["old"], "A");
    assert_eq!(entries[0]["new"], ids[2].as_str());
    assert_eq!(entries[0]["reason"], "duplicate-record-id");
    assert_eq!(entries[1]["old"], "A", "escaped spelling of the same id");
    assert!(!validate_codes(&out).contains_key("R006"));
}

#[test]
fn duplicates_without_the_flag_are_left_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.jsonl", format!("{REC}\n{REC}\n"));
    let (r, out) = fix_to(dir.path(), &input, &[]);
    assert_eq!(r.code, 1);
    assert_eq!(read(&out), read(&input));
    assert_eq!(remaining(&r.json(), "R006"), 1);
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
fn unrepairable_lines_go_byte_for_byte_to_the_rejected_file_with_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    let bad: [&[u8]; 5] = [
        b"{\"recordId\": \"x\", oops}",
        b"{\"modelInput\":{\"t\":\"caf\xE9\"}}",
        b"[1,2]",
        b"{\"recordId\":\"x\"}",
        b"{\"modelInput\":\"{}\"}",
    ];
    let mut input_bytes = Vec::new();
    input_bytes.extend_from_slice(REC.as_bytes());
    input_bytes.push(b'\n');
    for (i, b) in bad.iter().enumerate() {
        input_bytes.extend_from_slice(b);
        // One CRLF among them: the line end is not part of the line.
        input_bytes.extend_from_slice(if i == 2 { b"\r\n" } else { b"\n" });
    }
    let input = write(dir.path(), "in.jsonl", &input_bytes);
    let (r, out) = fix_to(dir.path(), &input, &[]);
    assert_eq!(r.code, 1, "rejections exit 1");
    assert_eq!(read(&out), format!("{REC}\n").as_bytes());
    let rejected = read(&dir.path().join("out.rejected.jsonl"));
    assert_eq!(lines(&rejected), bad.to_vec());
    let j = r.json();
    let listed: Vec<(u64, String)> = j["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["line"].as_u64().unwrap(),
                x["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            (2, "L001".to_string()),
            (3, "L002".into()),
            (4, "L007".into()),
            (5, "R001".into()),
            (6, "R002".into())
        ]
    );
    assert_eq!(j["summary"]["rejected"], 5);
    // The text summary lists them with path:line.
    let o = s(&dir.path().join("out.jsonl"));
    let text = run(&["fix", &s(&input), "--out", &o], None);
    assert!(
        text.stdout
            .contains(&format!("{}:2: L001 invalid-json", s(&input))),
        "{}",
        text.stdout
    );
}

#[test]
fn a_stale_rejected_file_from_an_earlier_run_is_removed() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.jsonl", "nope\n");
    let (r, _) = fix_to(dir.path(), &input, &[]);
    assert_eq!(r.code, 1);
    let rejected = dir.path().join("out.rejected.jsonl");
    assert!(rejected.exists());
    write(dir.path(), "in.jsonl", format!("{REC}\n"));
    let (r, _) = fix_to(dir.path(), &input, &[]);
    assert_eq!(r.code, 0);
    assert!(!rejected.exists());
    assert_eq!(r.json()["removed"][0], s(&rejected));
}

#[test]
fn dry_run_reports_the_same_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.jsonl", format!("\u{FEFF}{REC}\r\n\nbad\n"));
    let (dry, out) = fix_to(dir.path(), &input, &["--dry-run", "--add-record-ids"]);
    assert_eq!(dry.code, 1);
    assert!(!out.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "only the input"
    );
    let (real, _) = fix_to(dir.path(), &input, &["--add-record-ids"]);
    let (mut a, mut b) = (dry.json(), real.json());
    assert_eq!(a["dry_run"], true);
    a["dry_run"] = Value::Null;
    b["dry_run"] = Value::Null;
    assert_eq!(a, b);
}

#[test]
fn out_refuses_to_overwrite_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.jsonl", format!("{REC}\r\n"));
    let r = run(&["fix", &s(&input), "--out", &s(&input)], None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--in-place"), "{}", r.stderr);
    assert_eq!(read(&input), format!("{REC}\r\n").as_bytes());
    // Nor may a side file land on an input.
    let side = write(dir.path(), "out.rejected.jsonl", "x\n");
    let r = run(
        &["fix", &s(&side), "--out", &s(&dir.path().join("out.jsonl"))],
        None,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(read(&side), b"x\n");
    // --out or --in-place is required.
    assert_eq!(run(&["fix", &s(&input)], None).code, 2);
}

fn no_temp_files(dir: &Path) {
    for e in std::fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.ends_with(".tmp"), "temporary file left: {name}");
    }
}

#[test]
fn in_place_rewrites_each_file_and_keeps_its_permissions() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        dir.path(),
        "a.jsonl",
        "{\"recordId\":\"A\",\"modelInput\":{}}\r\n\r\n",
    );
    let b = write(
        dir.path(),
        "b.jsonl",
        "{\"recordId\":\"A\",\"modelInput\":{\"b\":1}}",
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&a, std::fs::Permissions::from_mode(0o640)).unwrap();
    }
    let r = run(
        &[
            "fix",
            "--format",
            "json",
            "--in-place",
            "--dedupe-record-ids",
            &s(dir.path()),
        ],
        None,
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(read(&a), b"{\"recordId\":\"A\",\"modelInput\":{}}\n");
    let bb = read(&b);
    let got = lines(&bb);
    assert_ne!(
        id_of(got[0]),
        "A",
        "the id is unique across the files of the job"
    );
    assert!(dir.path().join("b.id-map.jsonl").exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&a).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }
    no_temp_files(dir.path());
}

#[test]
fn in_place_dry_run_leaves_the_file_alone() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.jsonl", format!("{REC}\r\n"));
    let r = run(&["fix", "--in-place", "--dry-run", &s(&a)], None);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("would write"), "{}", r.stdout);
    assert_eq!(read(&a), format!("{REC}\r\n").as_bytes());
}

/// Atomicity: when the run fails after the first file was written (the second cannot be
/// opened: it is a socket), nothing is replaced and no temporary file is left.
#[cfg(unix)]
#[test]
fn in_place_replaces_nothing_when_a_later_file_fails() {
    let dir = tempfile::tempdir().unwrap();
    let original = format!("{REC}\r\n\n");
    let a = write(dir.path(), "a.jsonl", &original);
    let sock = dir.path().join("b.jsonl");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    let r = run(&["fix", "--in-place", &s(&a), &s(&sock)], None);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("b.jsonl"), "{}", r.stderr);
    assert_eq!(read(&a), original.as_bytes());
    no_temp_files(dir.path());

    // The same with --out: an existing output keeps its old content.
    let out = write(dir.path(), "out.jsonl", "old\n");
    let r = run(&["fix", &s(&a), &s(&sock), "--out", &s(&out)], None);
    assert_eq!(r.code, 2);
    assert_eq!(read(&out), b"old\n");
    no_temp_files(dir.path());
}

#[test]
fn in_place_refuses_stdin() {
    let r = run(&["fix", "--in-place", "-"], Some(REC.as_bytes()));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--out"), "{}", r.stderr);
}

#[test]
fn several_inputs_go_into_one_output_in_path_order_as_one_job() {
    let dir = tempfile::tempdir().unwrap();
    let b = write(
        dir.path(),
        "b.jsonl",
        "{\"recordId\":\"X\",\"modelInput\":{\"f\":\"b\"}}\n",
    );
    let a = write(
        dir.path(),
        "a.jsonl",
        "{\"recordId\":\"X\",\"modelInput\":{\"f\":\"a\"}}\r\n",
    );
    let out = dir.path().join("out.jsonl");
    let r = run(
        &[
            "fix",
            "--format",
            "json",
            "--dedupe-record-ids",
            &s(&b),
            &s(&a),
            "--out",
            &s(&out),
        ],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let bytes = read(&out);
    let got = lines(&bytes);
    assert_eq!(got[0], b"{\"recordId\":\"X\",\"modelInput\":{\"f\":\"a\"}}");
    assert_eq!(members(got[1]).1, b"{\"f\":\"b\"}");
    assert_ne!(id_of(got[1]), "X");
    let j = r.json();
    assert_eq!(j["inputs"][0]["path"], s(&a));
    assert_eq!(j["inputs"][1]["path"], s(&b));
}

#[test]
fn stdin_is_read_twice_through_a_spool_when_ids_are_generated() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    let input = "{\"modelInput\":{}}\n{\"recordId\":\"REC00000001\",\"modelInput\":{}}\n";
    let r = run(
        &[
            "fix",
            "-",
            "--out",
            &s(&out),
            "--add-record-ids",
            "--record-id-format",
            "seq",
            "--stdin-filename",
            "piped.jsonl",
            "--format",
            "json",
        ],
        Some(input.as_bytes()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let bytes = read(&out);
    let ids: Vec<String> = lines(&bytes).iter().map(|l| id_of(l)).collect();
    assert_eq!(ids, ["REC00000002", "REC00000001"]);
    assert_eq!(r.json()["inputs"][0]["path"], "piped.jsonl");
    let map = String::from_utf8(read(&dir.path().join("out.id-map.jsonl"))).unwrap();
    assert!(map.contains("\"path\":\"piped.jsonl\""), "{map}");
}

#[test]
fn mapped_and_read_inputs_give_identical_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "in.jsonl",
        format!("\u{FEFF}{{\"modelInput\":{{}}}}\r\n\n{REC}\n{REC}\nbad\n{{\"modelInput\":{{}},\"x\":1}}"),
    );
    let flags = [
        "--add-record-ids",
        "--dedupe-record-ids",
        "--drop-unknown-keys",
    ];
    let (r1, out) = fix_to(dir.path(), &input, &flags);
    let first = (read(&out), read(&dir.path().join("out.id-map.jsonl")));
    let mut with_no_mmap = flags.to_vec();
    with_no_mmap.push("--no-mmap");
    let (r2, _) = fix_to(dir.path(), &input, &with_no_mmap);
    assert_eq!(r1.stdout, r2.stdout);
    assert_eq!(
        first,
        (read(&out), read(&dir.path().join("out.id-map.jsonl")))
    );
    let piped = run(
        &[
            "fix",
            "-",
            "--out",
            &s(&out),
            "--stdin-filename",
            &s(&input),
            "--format",
            "json",
            "--add-record-ids",
            "--dedupe-record-ids",
            "--drop-unknown-keys",
        ],
        Some(&read(&input)),
    );
    assert_eq!(piped.stdout, r1.stdout);
    assert_eq!(first.0, read(&out));
}

#[test]
fn text_summary_names_changes_rejections_and_files() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.jsonl", format!("{REC}\r\n\nnot json\n"));
    let out = dir.path().join("out.jsonl");
    let r = run(&["fix", &s(&input), "--out", &s(&out)], None);
    assert_eq!(r.code, 1);
    for want in [
        "1 of 2 records kept from 1 file; 1 line rejected",
        "L004 crlf-line-ending",
        "L003 blank-line",
        ":3: L001 invalid-json",
        "wrote ",
        "out.rejected.jsonl (1 line)",
    ] {
        assert!(
            r.stdout.contains(want),
            "missing {want:?} in:\n{}",
            r.stdout
        );
    }
}

// ---------------------------------------------------------------------------------------
// Property: for any input, `fix` then `validate` shows none of the repaired codes, and the
// multiset of `modelInput` bodies of the records kept is unchanged.

/// One generated input line and what the test knows about it.
#[derive(Clone, Debug)]
enum Gen {
    /// A record that `fix` keeps, with its `modelInput` text.
    Record { line: String, body: String },
    /// A blank or whitespace-only line.
    Blank(String),
    /// A line `fix` must reject, byte for byte.
    Bad(Vec<u8>),
}

fn body() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("{}".to_string()),
        Just("{\"a\":1}".to_string()),
        Just("{ \"a\" : 1.0e3 , \"b\":[true,null] }".to_string()),
        Just("{\"s\":\"\\u00e9\\n\",\"k\":1,\"k\":2}".to_string()),
        "[a-z]{0,6}".prop_map(|t| format!("{{\"t\":\"{t}\"}}")),
    ]
}

fn record_id() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("\"AAAAAAAAAAA\"".to_string())),
        Just(Some("\"REC00000001\"".to_string())),
        Just(Some("\"x\"".to_string())),
        Just(Some("\"\\u0078\"".to_string())),
        Just(Some("\"\"".to_string())),
        Just(Some("42".to_string())),
        Just(Some("null".to_string())),
    ]
}

fn gen_line() -> impl Strategy<Value = Gen> {
    prop_oneof![
        6 => (record_id(), body(), prop::option::of("[a-z]{1,4}"), any::<bool>(), any::<bool>()).prop_map(
            |(id, body, extra, id_last, dup_id)| {
                let mut members = Vec::new();
                if dup_id {
                    members.push("\"recordId\":\"dupdupdup00\"".to_string());
                }
                if let (Some(id), false) = (&id, id_last) {
                    members.push(format!("\"recordId\":{id}"));
                }
                members.push(format!("\"modelInput\" : {body}"));
                if let Some(k) = extra {
                    members.push(format!("\"{k}\":[1]"));
                }
                if let (Some(id), true) = (&id, id_last) {
                    members.push(format!("\"recordId\":{id}"));
                }
                Gen::Record { line: format!("{{{}}}", members.join(",")), body }
            }
        ),
        1 => prop_oneof![Just(""), Just("  "), Just("\t"), Just(" \t ")].prop_map(|s| Gen::Blank(s.to_string())),
        2 => prop_oneof![
            Just(b"not json".to_vec()),
            Just(b"[1]".to_vec()),
            Just(b"\"str\"".to_vec()),
            Just(b"{\"recordId\":\"x\"}".to_vec()),
            Just(b"{\"modelInput\":[]}".to_vec()),
            Just(b"{\"modelInput\":{\"a\":\"\xFF\"}}".to_vec()),
            Just(b"{\"modelInput\":{},}".to_vec()),
        ].prop_map(Gen::Bad),
    ]
}

fn input_strategy() -> impl Strategy<Value = (Vec<Gen>, bool, Vec<bool>, bool)> {
    (
        prop::collection::vec(gen_line(), 0..24),
        any::<bool>(),
        prop::collection::vec(any::<bool>(), 24),
        any::<bool>(),
    )
}

fn build(lines: &[Gen], bom: bool, crlf: &[bool], final_newline: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if bom {
        out.extend_from_slice("\u{FEFF}".as_bytes());
    }
    for (i, g) in lines.iter().enumerate() {
        match g {
            Gen::Record { line, .. } => out.extend_from_slice(line.as_bytes()),
            Gen::Blank(s) => out.extend_from_slice(s.as_bytes()),
            Gen::Bad(b) => out.extend_from_slice(b),
        }
        let last = i + 1 == lines.len();
        if !last || final_newline {
            out.extend_from_slice(if crlf[i] { b"\r\n" } else { b"\n" });
        }
    }
    out
}

fn check_fix(input: &[u8], gens: &[Gen], all_flags: bool, format: IdFormat, in_place: bool) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "in.jsonl", input);
    let (out, target) = if in_place {
        (path.clone(), Target::InPlace)
    } else {
        let out = dir.path().join("out.jsonl");
        (out.clone(), Target::Out(out))
    };
    let mut opts = FixOptions::new(target);
    opts.add_record_ids = all_flags;
    opts.dedupe_record_ids = all_flags;
    opts.drop_unknown_keys = all_flags;
    opts.id_format = format;
    opts.chunk_size = 64;
    let report = fix(std::slice::from_ref(&path), &opts, &NoProgress).expect("fix runs");
    if !in_place {
        assert_eq!(read(&path), input, "the input is never modified");
    }

    let vopts = ValidateOptions {
        max_diagnostics: usize::MAX,
        ..ValidateOptions::default()
    };
    let v = validate(std::slice::from_ref(&out), &vopts).unwrap();
    for code in opts.repaired_codes() {
        assert!(
            !v.summary.by_code.contains_key(code.as_str()),
            "{code} left in the output: {:?}\ninput: {:?}",
            v.diagnostics,
            String::from_utf8_lossy(input)
        );
    }
    // A repeated key may remain only inside a value, never at the top level.
    for d in &v.diagnostics {
        if d.code.as_str() == "L008" {
            let p = d.pointer.as_deref().unwrap_or("");
            assert!(p.rfind('/') != Some(0), "top-level repeat left: {p}");
        }
    }

    let bytes = read(&out);
    let mut got: Vec<Vec<u8>> = lines(&bytes).iter().map(|l| members(l).1).collect();
    let mut want: Vec<Vec<u8>> = gens
        .iter()
        .filter_map(|g| match g {
            Gen::Record { body, .. } => Some(body.as_bytes().to_vec()),
            _ => None,
        })
        .collect();
    got.sort();
    want.sort();
    assert_eq!(got, want, "modelInput bodies changed");

    let bad: Vec<&[u8]> = gens
        .iter()
        .filter_map(|g| match g {
            Gen::Bad(b) => Some(b.as_slice()),
            _ => None,
        })
        .collect();
    let rejected_path = dir.path().join(if in_place {
        "in.rejected.jsonl"
    } else {
        "out.rejected.jsonl"
    });
    if bad.is_empty() {
        assert!(!rejected_path.exists());
    } else {
        let rejected = read(&rejected_path);
        assert_eq!(
            lines(&rejected),
            bad,
            "rejected lines, byte for byte, in order"
        );
    }
    assert_eq!(report.rejected.len(), bad.len());
    if all_flags {
        // Ids are unique and every record has one.
        let ids: Vec<String> = lines(&bytes).iter().map(|l| id_of(l)).collect();
        let unique: HashSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn fix_then_validate_shows_no_repaired_code_and_keeps_every_body(
        (gens, bom, crlf, final_newline) in input_strategy(),
        all_flags in any::<bool>(),
        in_place in any::<bool>(),
        format in prop_oneof![Just(IdFormat::Alnum), Just(IdFormat::Seq), Just(IdFormat::Hash), Just(IdFormat::Uuid)],
    ) {
        let input = build(&gens, bom, &crlf, final_newline);
        check_fix(&input, &gens, all_flags, format, in_place);
    }
}

#[test]
fn side_dir_keeps_rejected_and_id_map_files_out_of_the_job_folder() {
    let dir = tempfile::tempdir().unwrap();
    let job = dir.path().join("job");
    let side = dir.path().join("side");
    std::fs::create_dir_all(&job).unwrap();
    std::fs::create_dir_all(&side).unwrap();
    write(&job, "a.jsonl", "{\"modelInput\":{}}\nbroken\n");
    let r = run(
        &[
            "fix",
            "--in-place",
            "--add-record-ids",
            "--side-dir",
            &s(&side),
            &s(&job),
        ],
        None,
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let mut in_job: Vec<String> = std::fs::read_dir(&job)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    in_job.sort();
    assert_eq!(in_job, ["a.jsonl"]);
    assert_eq!(read(&side.join("a.rejected.jsonl")), b"broken\n");
    assert!(side.join("a.id-map.jsonl").exists());
    let codes = validate_codes(&job);
    assert!(
        codes.keys().all(|c| c == "Q005" || c == "R005"),
        "only the job's size is left: {codes:?}"
    );
}

#[test]
fn side_dir_refuses_two_outputs_with_the_same_side_file() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["x", "y"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        write(&dir.path().join(sub), "a.jsonl", format!("{REC}\n"));
    }
    let r = run(
        &[
            "fix",
            "--in-place",
            "--side-dir",
            &s(dir.path()),
            &s(&dir.path().join("x")),
            &s(&dir.path().join("y")),
        ],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("a.rejected.jsonl"), "{}", r.stderr);
}

#[cfg(unix)]
#[test]
fn in_place_leaves_a_file_that_needs_nothing_untouched() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let clean = write(dir.path(), "clean.jsonl", format!("{REC}\n"));
    let messy = write(dir.path(), "messy.jsonl", format!("{REC}\r\n"));
    let (ino_clean, ino_messy) = (
        std::fs::metadata(&clean).unwrap().ino(),
        std::fs::metadata(&messy).unwrap().ino(),
    );
    let r = run(
        &[
            "fix",
            "--in-place",
            "--format",
            "json",
            &s(&clean),
            &s(&messy),
        ],
        None,
    );
    // The same id in both files is left (no --dedupe-record-ids): exit 1, files still fixed.
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        std::fs::metadata(&clean).unwrap().ino(),
        ino_clean,
        "not rewritten"
    );
    assert_ne!(
        std::fs::metadata(&messy).unwrap().ino(),
        ino_messy,
        "replaced"
    );
    assert_eq!(read(&messy), format!("{REC}\n").as_bytes());
    let j = r.json();
    assert_eq!(j["outputs"][0]["unchanged"], true);
    assert_eq!(j["outputs"][1]["unchanged"], false);
}

#[test]
fn in_place_appends_to_side_files_so_earlier_runs_are_not_lost() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.jsonl", format!("first bad\n{REC}\n"));
    let r = run(&["fix", "--in-place", &s(&a)], None);
    assert_eq!(r.code, 1);
    let rejected = dir.path().join("a.rejected.jsonl");
    assert_eq!(read(&rejected), b"first bad\n");
    // The rejected lines now exist only in the side file: a clean run keeps it...
    let r = run(&["fix", "--in-place", &s(&a)], None);
    assert_eq!(r.code, 0);
    assert_eq!(read(&rejected), b"first bad\n");
    // ...and a run with new rejections appends.
    std::fs::write(&a, format!("{REC}\nsecond bad\n")).unwrap();
    let r = run(&["fix", "--in-place", &s(&a)], None);
    assert_eq!(r.code, 1);
    assert_eq!(read(&rejected), b"first bad\nsecond bad\n");
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

#[test]
fn the_same_file_named_twice_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.jsonl", format!("{REC}\n"));
    let again = dir.path().join(".").join("a.jsonl");
    let r = run(&["fix", "--in-place", &s(&a), &s(&again)], None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("same file"), "{}", r.stderr);
}

#[test]
fn stdin_is_streamed_once_when_no_ids_are_generated() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    let r = run(
        &["fix", "--out", &s(&out), "--format", "json"],
        Some(format!("\u{FEFF}{REC}\r\n\n").as_bytes()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(read(&out), format!("{REC}\n").as_bytes());
    assert_eq!(r.json()["inputs"][0]["path"], "<stdin>");
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

/// `fix --out` given a URI other than `s3://` (which is written, see tests/s3), or
/// `--side-dir` given any URI, is refused before anything is written.
#[test]
fn out_given_a_uri_is_refused_and_nothing_is_created() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.jsonl"), common::pandas_records(20)).unwrap();
    for args in [
        &["--out", "gs://bucket/fixed.jsonl"][..],
        &["--out", "fixed.jsonl", "--side-dir", "s3://bucket/side/"],
        &["--out", "https://example.com/fixed.jsonl"],
    ] {
        let out = common::bb()
            .current_dir(dir.path())
            .arg("fix")
            .arg("in.jsonl")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("is not supported") && stderr.contains("Nothing was written"),
            "{stderr}"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["in.jsonl"], "nothing created for {args:?}");
    }
}

/// `fix` never reports its own work back: ids it made (any `--record-id-format`) are not
/// counted as R005; ids the user chose still are, judged as `validate` judges them.
#[test]
fn ids_fix_made_are_never_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..3000u64 {
        let line = common::pandas_record(i);
        // Every third record lost its id in the export; one has an id with a space.
        let line = match i % 3 {
            0 => line.replace(&format!("\"recordId\":\"{}\",", common::uuid_like(i)), ""),
            _ if i == 1 => line.replace(&common::uuid_like(i), "ticket 1"),
            _ => line,
        };
        text.push_str(&line);
        text.push('\n');
    }
    std::fs::write(dir.path().join("in.jsonl"), &text).unwrap();
    for format in ["alnum", "uuid", "seq", "hash"] {
        let out = dir.path().join(format!("fixed-{format}.jsonl"));
        let r = run(
            &[
                "fix",
                dir.path().join("in.jsonl").to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--add-record-ids",
                "--record-id-format",
                format,
                "--format",
                "json",
            ],
            None,
        );
        assert_eq!(r.code, 0, "{format}: {}", r.stderr);
        let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        let r005: Vec<_> = report["remaining"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["code"] == "R005")
            .collect();
        assert_eq!(r005.len(), 1, "{format}: {report:#}");
        assert_eq!(
            r005[0]["count"], 1,
            "only the user's \"ticket 1\": {report:#}"
        );
        // validate agrees: one R005 finding, for that one id.
        let v = run(
            &["validate", "--format", "json", out.to_str().unwrap()],
            None,
        );
        let v: serde_json::Value = serde_json::from_str(&v.stdout).unwrap();
        assert_eq!(v["summary"]["by_code"]["R005"], 1, "{format}");
        assert!(v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "R005"
                && d["message"]
                    .as_str()
                    .unwrap()
                    .starts_with("1 recordId is not plain")));
    }
}

/// `shard` and `fix` say the same as `validate` about stray and compressed files of a
/// folder; `shard`'s quarantine sits beside the job folders.
#[test]
fn stray_and_compressed_files_are_named_alike_by_every_command() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("a.jsonl"), common::pandas_records(120)).unwrap();
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(data.join("b.jsonl.gz")).unwrap(),
        flate2::Compression::default(),
    );
    gz.write_all(format!("{}{{broken\n", common::pandas_record(500)).as_bytes())
        .unwrap();
    gz.finish().unwrap();
    std::fs::write(data.join("_SUCCESS"), "").unwrap();
    let d = data.to_str().unwrap();
    let validate = run(&["validate", d], None);
    assert!(
        validate.stdout.contains("_SUCCESS: F003"),
        "{}",
        validate.stdout
    );
    assert!(
        validate.stdout.contains("b.jsonl.gz: F001"),
        "{}",
        validate.stdout
    );
    let fixed = dir.path().join("fixed.jsonl");
    let fix = run(&["fix", d, "--out", fixed.to_str().unwrap()], None);
    let shard_out = dir.path().join("shards");
    let shard = run(
        &[
            "shard",
            d,
            "--out",
            shard_out.to_str().unwrap(),
            "--on-invalid",
            "quarantine",
        ],
        None,
    );
    for (cmd, r) in [("fix", &fix), ("shard", &shard)] {
        assert!(
            r.stdout.contains(&format!(
                "not copied: {d}/_SUCCESS (not .jsonl; `validate` reports it as F003 stray-file"
            )),
            "{cmd}: {}",
            r.stdout
        );
        assert!(
            r.stdout.contains(&format!("read decompressed: {d}/b.jsonl.gz (the output is uncompressed .jsonl; `validate` reports compressed input as F001")),
            "{cmd}: {}",
            r.stdout
        );
    }
    assert!(
        shard
            .stdout
            .contains("rejected.jsonl, beside the job folders: not part of any job"),
        "{}",
        shard.stdout
    );
    assert!(shard_out.join("rejected.jsonl").is_file());
    assert!(!shard_out.join("job-001/rejected.jsonl").exists());
}
