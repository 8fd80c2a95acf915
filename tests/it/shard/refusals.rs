//! Inputs `shard` cannot split, refused before anything is written: too few records, a
//! minimum above the maximum, counts between what k and k+1 jobs hold, a record larger than a
//! file, and an `--out` that is a URI other than `s3://`.

use super::*;

#[test]
fn too_few_records_are_refused_with_the_quota_and_the_shortfall() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "in.jsonl", records(30));
    let out = dir.path().join("out");
    let r = shard_run(&[p.to_str().unwrap(), "--out", out.to_str().unwrap()], None);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains(
            "30 valid records, 70 short of the minimum of 100 per job (--min-records-per-job)"
        ),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("nothing was written"));
    assert_eq!(names(dir.path()), vec!["in.jsonl"]);
    let r = shard_run(
        &[
            p.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(r.code, 1);
    let j = r.json();
    assert_eq!(j["status"], "refused");
    assert_eq!(j["quota"], "min_records_per_job");
    assert_eq!(names(dir.path()), vec!["in.jsonl"]);
}

#[test]
fn a_minimum_above_the_maximum_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "in.jsonl", records(30));
    let out = dir.path().join("out");
    let r = shard_run(
        &[
            p.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--min-records-per-job",
            "20",
            "--max-records-per-job",
            "15",
        ],
        None,
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("--min-records-per-job (20) is above --max-records-per-job (15) by 5"),
        "{}",
        r.stderr
    );
    assert!(!out.exists());
}

#[test]
fn counts_between_what_k_and_k_plus_1_jobs_hold_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "in.jsonl", records(150));
    let out = dir.path().join("out");
    let r = shard_run(
        &[
            p.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--max-records-per-job",
            "120",
        ],
        None,
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("150 valid records need at least 2 jobs of at most 120 records"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("50 short"), "{}", r.stderr);
    assert!(!out.exists());
}

#[test]
fn a_record_larger_than_a_file_is_refused_by_name_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let input = records(3) + &padded(9, 500) + "\n" + &records_from(10, 2);
    let p = write(dir.path(), "big.jsonl", &input);
    let out = dir.path().join("out");
    let r = shard_run(
        &[
            p.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--min-records-per-job",
            "1",
            "--max-file-bytes",
            "300",
        ],
        None,
    );
    assert_eq!(r.code, 1);
    let line = padded(9, 500).len() + 1;
    let expected = format!(
        "big.jsonl:4: the record is {line} bytes (with its line end), over --max-file-bytes (300) by {} bytes; no file can hold it",
        line - 300
    );
    assert!(
        r.stderr.contains(&expected),
        "{}\nwanted: {expected}",
        r.stderr
    );
    assert!(!out.exists());
}

/// `--out` given a URI other than `s3://` (which is written, see tests/s3) is refused before
/// anything is read or written: it used to make a local folder named `gs:`.
#[test]
fn out_given_a_uri_is_refused_and_nothing_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, common::pandas_records(150)).unwrap();
    for uri in ["gs://bucket/x/", "https://example.com/out/"] {
        let out = common::bb()
            .current_dir(dir.path())
            .args(["shard", "in.jsonl", "--out", uri])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{uri}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let scheme = uri.split("://").next().unwrap();
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        assert!(
            stderr.starts_with(&format!(
                "bedrock-batch: error: --out {uri}: writing to {scheme}:// is not supported; "
            )),
            "{stderr}"
        );
        assert!(
            stderr.trim_end().ends_with("Nothing was written"),
            "{stderr}"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["in.jsonl"], "nothing created for {uri}");
    }
}
