//! Record ids in `fix`: `--add-record-ids` and its formats, `--dedupe-record-ids`, the id
//! map, and ids `fix` made never being flagged afterwards.

use super::*;

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
