//! `shard` to and from S3: multipart parts with checksums and the manifest last, and a prefix
//! sharded as the same files on disk are.

use super::*;

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The checksum S3 computes for a multipart upload with SHA-256: the SHA-256 of the parts'
/// SHA-256s, base64, then `-N`.
fn composite(bytes: &[u8], part: usize) -> String {
    let mut all = Sha256::new();
    let chunks: Vec<&[u8]> = bytes.chunks(part).collect();
    for c in &chunks {
        all.update(Sha256::digest(c));
    }
    format!(
        "{}-{}",
        base64::engine::general_purpose::STANDARD.encode(all.finalize()),
        chunks.len()
    )
}

#[test]
#[ignore = "needs moto_server; .ci/run runs it"]
fn shard_writes_multipart_parts_with_checksums_and_the_manifest_last() {
    let aws = Aws::moto();
    let work = tempfile::tempdir().unwrap();
    let input = work.path().join("big.jsonl");
    big_input(&input, 24_000); // ~13 MB
    let b = bucket("shard");
    let out = format!("s3://{b}/batches/run-1/");
    let part = 5 << 20;
    let run = aws
        .bb(&[
            "shard",
            input.to_str().unwrap(),
            "--out",
            &out,
            "--format",
            "json",
            "--max-records-per-file",
            "20000",
        ])
        .env("BEDROCK_BATCH_S3_PART_SIZE", part.to_string())
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(summary["out"], out);
    // Read every object back and hold it against the manifest S3 has.
    let manifest: serde_json::Value =
        serde_json::from_slice(&get(&b, "batches/run-1/manifest.json").body).unwrap();
    assert_eq!(manifest, summary["manifest"]);
    let mut records = 0;
    let mut multipart = 0;
    for f in manifest["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|j| j["files"].as_array().unwrap())
    {
        let key = format!("batches/run-1/{}", f["path"].as_str().unwrap());
        let body = get(&b, &key).body;
        assert_eq!(f["sha256"], sha256_hex(&body), "{key}");
        assert_eq!(f["bytes"], body.len());
        let s3 = &f["s3"];
        assert_eq!(s3["uri"], format!("s3://{b}/{key}"));
        assert_eq!(s3["checksum_algorithm"], "SHA256");
        if body.len() > part {
            multipart += 1;
            assert_eq!(s3["checksum_type"], "COMPOSITE");
            assert_eq!(s3["checksum"], composite(&body, part));
            assert!(s3["parts"].as_u64().unwrap() >= 2);
        } else {
            assert_eq!(s3["checksum_type"], "FULL_OBJECT");
            assert_eq!(
                s3["checksum"],
                base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&body))
            );
        }
        // S3's own record of the checksum it verified.
        let head = request(
            moto().port,
            "HEAD",
            &format!("/{b}/{key}"),
            &[("x-amz-checksum-mode", "ENABLED")],
            b"",
        );
        let stored = head
            .header("x-amz-checksum-sha256")
            .expect("S3 kept the checksum");
        assert!(
            s3["checksum"].as_str().unwrap().starts_with(stored),
            "{stored} vs {s3}"
        );
        records += body.iter().filter(|&&c| c == b'\n').count();
    }
    assert!(multipart >= 1, "an object went up in parts");
    assert_eq!(records, 24_000);
    assert!(open_multipart_uploads(&b).is_empty());

    // The same prefix again: refused without --force, nothing touched.
    let before = keys(&b, "batches/run-1/");
    let again = aws.run(&["shard", input.to_str().unwrap(), "--out", &out]);
    assert_eq!(again.code, 2);
    assert_eq!(again.stderr.lines().count(), 1, "{}", again.stderr);
    assert!(
        again.stderr.contains(&out) && again.stderr.contains("--force"),
        "{}",
        again.stderr
    );
    assert_eq!(keys(&b, "batches/run-1/"), before);

    // With --force and fewer parts: replaced, and the old part that has no successor is gone.
    let small = work.path().join("small.jsonl");
    big_input(&small, 300);
    let forced = aws.run(&["shard", small.to_str().unwrap(), "--out", &out, "--force"]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert_eq!(
        keys(&b, "batches/run-1/"),
        [
            "batches/run-1/job-001/part-0001.jsonl",
            "batches/run-1/manifest.json"
        ]
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&get(&b, "batches/run-1/manifest.json").body).unwrap();
    assert_eq!(manifest["jobs"][0]["records"], 300);

    // A retried run gives the same objects.
    let first = get(&b, "batches/run-1/job-001/part-0001.jsonl").body;
    let retried = aws.run(&["shard", small.to_str().unwrap(), "--out", &out, "--force"]);
    assert_eq!(retried.code, 0);
    assert_eq!(get(&b, "batches/run-1/job-001/part-0001.jsonl").body, first);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&get(&b, "batches/run-1/manifest.json").body)
            .unwrap(),
        manifest
    );
}

#[test]
#[ignore = "needs moto_server; .ci/run runs it"]
fn shard_from_a_prefix_writes_what_shard_from_disk_writes() {
    let aws = Aws::moto();
    let work = tempfile::tempdir().unwrap();
    messy_folder(&work.path().join("data"));
    std::fs::remove_file(work.path().join("data/a/x.jsonl")).unwrap();
    std::fs::remove_file(work.path().join("data/c/old.jsonl.gz")).unwrap();
    std::fs::write(
        work.path().join("data/a/deeper/y.jsonl"),
        pandas_lines(100, 10),
    )
    .unwrap();
    let b = bucket("reshard");
    upload_dir(&work.path().join("data"), &b, "in/");
    let disk = local(
        &[
            "shard",
            "data/",
            "--out",
            "out-local",
            "--format",
            "json",
            "--max-records-per-file",
            "150",
        ],
        work.path(),
    );
    assert_eq!(disk.code, 0, "{}", disk.stderr);
    let remote = aws.run(&[
        "shard",
        &format!("s3://{b}/in/"),
        "--out",
        &format!("s3://{b}/out/"),
        "--format",
        "json",
        "--max-records-per-file",
        "150",
    ]);
    assert_eq!(remote.code, 0, "{}", remote.stderr);
    let (d, r) = (disk.json(), remote.json());
    for (jd, jr) in d["manifest"]["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .zip(r["manifest"]["jobs"].as_array().unwrap())
    {
        for (fd, fr) in jd["files"]
            .as_array()
            .unwrap()
            .iter()
            .zip(jr["files"].as_array().unwrap())
        {
            assert_eq!(
                (&fd["path"], &fd["sha256"], &fd["records"]),
                (&fr["path"], &fr["sha256"], &fr["records"])
            );
            let local_bytes = std::fs::read(
                work.path()
                    .join("out-local")
                    .join(fd["path"].as_str().unwrap()),
            )
            .unwrap();
            assert_eq!(
                get(&b, &format!("out/{}", fr["path"].as_str().unwrap())).body,
                local_bytes
            );
        }
    }
    assert_eq!(
        d["manifest"]["jobs"].as_array().unwrap().len(),
        r["manifest"]["jobs"].as_array().unwrap().len()
    );
    // The same input summary, except that stray files are named where they are: the
    // objects by URI, the files on disk by path.
    let (mut ri, mut di) = (r["input"].clone(), d["input"].clone());
    let (r_stray, d_stray) = (ri["stray"].take(), di["stray"].take());
    assert_eq!(ri, di);
    assert_eq!(
        r_stray.as_array().unwrap().len(),
        d_stray.as_array().unwrap().len()
    );
    for s in r_stray.as_array().unwrap() {
        assert!(
            s.as_str().unwrap().starts_with("s3://"),
            "a stray object is named by its URI: {s}"
        );
    }
}
