//! What `fix` reads and writes: the rejected file, `--dry-run`, `--out` and `--in-place`
//! (atomic, permissions kept), `--side-dir`, several inputs, stdin, mapped and read inputs,
//! the text summary, URIs refused, and stray files named as `validate` names them.

use super::*;

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
