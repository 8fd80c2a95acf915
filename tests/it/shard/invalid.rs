//! `--on-invalid`: invalid records fail the run by default with `validate`'s report and
//! write nothing, quota findings do not fail it, `skip` leaves them out and counts them,
//! `quarantine` writes them byte for byte.

use super::*;

#[test]
fn invalid_records_fail_by_default_with_the_validate_report_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = records(3) + "{\"recordId\": 1}\n" + &records_from(10, 2);
    let p = write(dir.path(), "in.jsonl", &input);
    let out = dir.path().join("out");
    let args = [
        p.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--min-records-per-job",
        "1",
    ];
    let r = shard_run(&[&args[..], &["--format", "json"]].concat(), None);
    assert_eq!(r.code, 1);
    let report = r.json();
    assert_eq!(report["verdict"]["status"], "Failed");
    let c = codes(&report);
    assert!(
        c.contains(&"R001".to_string()) && c.contains(&"R004".to_string()),
        "{c:?}"
    );
    assert!(r.stderr.contains("nothing was written"), "{}", r.stderr);
    assert_eq!(names(dir.path()), vec!["in.jsonl"]);
    let r = shard_run(&args, None);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("in.jsonl:4:"), "{}", r.stdout);
    assert!(r.stdout.contains("Verdict: Failed"), "{}", r.stdout);
    assert_eq!(names(dir.path()), vec!["in.jsonl"]);
}

#[test]
fn quota_findings_are_what_shard_fixes_so_they_do_not_fail_it() {
    // Over every per-file and per-job quota, and named .txt: shard fixes all of it.
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "in.txt", records(12));
    let out = dir.path().join("out");
    let r = shard_run(
        &[
            p.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--min-records-per-job",
            "2",
            "--max-records-per-job",
            "4",
            "--max-records-per-file",
            "2",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = r.json();
    assert_eq!(s["output"]["jobs"], 3);
    assert_eq!(s["output"]["files"], 6);
    check_out(&out, &s["quotas"]);
}

#[test]
fn skip_leaves_invalid_records_out_and_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    let input = records(3) + "not json\n" + &records_from(10, 2);
    let p = write(dir.path(), "in.jsonl", &input);
    let out = dir.path().join("out");
    let r = shard_run(
        &[
            p.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--min-records-per-job",
            "1",
            "--on-invalid",
            "skip",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(r.code, 1, "records were left out: exit 1, as qsv validate");
    let s = r.json();
    assert_eq!(s["left_out"]["invalid_records"], 1);
    assert_eq!(s["left_out"]["on_invalid"], "skip");
    assert_eq!(s["left_out"]["by_code"]["L001"], 1);
    let (m, all) = check_out(&out, &s["quotas"]);
    assert_eq!(
        String::from_utf8(all).unwrap(),
        records(3) + &records_from(10, 2)
    );
    assert_eq!(m["rejected"], Value::Null);
    assert!(!out.join("rejected.jsonl").exists());
}

#[test]
fn quarantine_writes_invalid_lines_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let bad1 = "{\"recordId\":\"X\",\"modelInput\":\"a string\"}\r\n";
    let bad2 = "{oops \u{e9}\n";
    let dup = record(1) + "\n";
    let bad3 = "[1,2]"; // the last line, unterminated
    let input = records(3) + bad1 + &records_from(10, 2) + bad2 + &dup + bad3;
    let p = write(dir.path(), "in.jsonl", &input);
    let out = dir.path().join("out");
    let r = shard_run(
        &[
            p.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--min-records-per-job",
            "1",
            "--on-invalid",
            "quarantine",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(r.code, 1);
    let s = r.json();
    assert_eq!(s["left_out"]["invalid_records"], 4);
    let rejected = fs::read(out.join("rejected.jsonl")).unwrap();
    let expected = format!("{bad1}{bad2}{dup}{bad3}\n");
    assert_eq!(String::from_utf8(rejected.clone()).unwrap(), expected);
    let (m, all) = check_out(&out, &s["quotas"]);
    assert_eq!(
        String::from_utf8(all).unwrap(),
        records(3) + &records_from(10, 2)
    );
    assert_eq!(m["rejected"]["records"], 4);
    assert_eq!(m["rejected"]["bytes"], expected.len());
    assert_eq!(m["rejected"]["sha256"], sha256_hex(&rejected));
    assert_eq!(m["rejected"]["crc64nvme"], crc64nvme(&rejected));
    // The second use of an id is the invalid one.
    assert_eq!(s["left_out"]["by_code"]["R006"], 1);
}
