//! Faults from a proxy in front of the server: throttling, 5xx and dropped connections are
//! retried; each fault is one line naming the URI and what to do; a failed upload leaves no
//! manifest, no object and no open multipart upload.

use super::*;

/// A proxy that answers the first `n` requests with `fault`, then forwards.
fn first(n: usize, fault: Fault) -> Proxy {
    Proxy::start(Box::new(
        move |i, _, _| if i < n { fault.clone() } else { Fault::Pass },
    ))
}

#[test]
#[ignore = "needs moto_server; .ci/run runs it"]
fn throttling_5xx_and_dropped_connections_are_retried() {
    let b = bucket("retry");
    let work = tempfile::tempdir().unwrap();
    big_input(&work.path().join("in.jsonl"), 30_000); // ~16 MB: two ranged GETs
    upload_dir(work.path(), &b, "in/");
    let clean = Aws::moto().run(&["validate", &format!("s3://{b}/in/"), "--format", "json"]);
    assert_eq!(clean.code, 0, "{}", clean.stderr);
    for (what, proxy) in [
        ("SlowDown", first(3, Fault::Error(503, "SlowDown"))),
        (
            "InternalError",
            first(2, Fault::Error(500, "InternalError")),
        ),
        (
            "cut body",
            Proxy::start(Box::new(|i, m, _| {
                if m == "GET" && (1..3).contains(&i) {
                    Fault::CutBody
                } else {
                    Fault::Pass
                }
            })),
        ),
    ] {
        let run = Aws::at(&proxy.endpoint()).run(&[
            "validate",
            &format!("s3://{b}/in/"),
            "--format",
            "json",
        ]);
        assert_eq!(
            run.code,
            0,
            "{what}: {}\n{:?}",
            run.stderr,
            proxy.log.lock().unwrap()
        );
        assert_eq!(run.stdout, clean.stdout, "{what}");
        assert!(
            proxy.requests.load(std::sync::atomic::Ordering::SeqCst) > 3,
            "{what}"
        );
    }
    // A server that never recovers: one line, exit 2, after the retries.
    let proxy = Proxy::start(Box::new(|_, _, _| Fault::Error(503, "SlowDown")));
    let run = Aws::at(&proxy.endpoint()).run(&["validate", &format!("s3://{b}/in/")]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("s3://{b}/in/")) && run.stderr.contains("try again later"),
        "{}",
        run.stderr
    );
}

/// Runs `validate URI` and checks the one-line error and exit code 2.
fn fails_with(aws: &Aws, uri: &str, words: &[&str]) {
    let run = aws.run(&["validate", uri]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert_eq!(run.stderr.lines().count(), 1, "one line: {}", run.stderr);
    assert!(run.stderr.contains(uri), "names the URI: {}", run.stderr);
    for w in words {
        assert!(run.stderr.contains(w), "says {w:?}: {}", run.stderr);
    }
}

#[test]
#[ignore = "needs moto_server; .ci/run runs it"]
fn each_fault_is_one_line_naming_the_uri_and_what_to_do() {
    let b = bucket("faults");
    put(&b, "in/a.jsonl", &fixture("sample/claude-batch.jsonl"));
    let uri = format!("s3://{b}/in/");
    fails_with(
        &Aws::moto(),
        "s3://no-such-bucket-bb/in/",
        &["does not exist", "AWS_REGION"],
    );
    let denied = first(usize::MAX, Fault::Error(403, "AccessDenied"));
    fails_with(
        &Aws::at(&denied.endpoint()),
        &uri,
        &["access denied", "s3:ListBucket"],
    );
    let expired = first(usize::MAX, Fault::Error(400, "ExpiredToken"));
    fails_with(
        &Aws::at(&expired.endpoint()),
        &uri,
        &["expired", "aws sso login"],
    );
    let bad_key = first(usize::MAX, Fault::Error(403, "InvalidAccessKeyId"));
    fails_with(
        &Aws::at(&bad_key.endpoint()),
        &uri,
        &["rejected", "AWS_PROFILE"],
    );
    // A profile with no keys at all.
    let none = Aws::with_profile(
        &format!("http://127.0.0.1:{}", moto().port),
        "region = us-east-1\n",
    );
    fails_with(&none, &uri, &["no AWS credentials found", "aws sso login"]);
    // Nothing listens there.
    let closed = Aws::at(&format!("http://127.0.0.1:{}", free_port()));
    fails_with(
        &closed,
        &uri,
        &["cannot reach the S3 endpoint", "AWS_ENDPOINT_URL"],
    );
    // A bad URI is refused before any request.
    fails_with(
        &Aws::moto(),
        "s3://Bad_Bucket/x",
        &["not a bucket name", "s3://BUCKET/PREFIX/"],
    );
    // --profile names the profile over AWS_PROFILE.
    let aws = Aws::moto();
    let run = aws
        .bb(&["--profile", "nobody", "validate", &uri])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("no AWS credentials found for profile `nobody`"),
        "{stderr}"
    );
}

#[test]
#[ignore = "needs moto_server; .ci/run runs it"]
fn a_failed_upload_leaves_no_manifest_no_object_and_no_open_multipart_upload() {
    let work = tempfile::tempdir().unwrap();
    let input = work.path().join("big.jsonl");
    big_input(&input, 24_000);
    let b = bucket("abort");
    let out = format!("s3://{b}/out/");
    // Every request passes until the third part of a multipart upload, which is refused.
    let parts = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = parts.clone();
    let proxy = Proxy::start(Box::new(move |_, m, target| {
        if m == "PUT"
            && target.contains("partNumber=")
            && seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 2
        {
            Fault::Error(403, "AccessDenied")
        } else {
            Fault::Pass
        }
    }));
    let run = Aws::at(&proxy.endpoint())
        .bb(&[
            "shard",
            input.to_str().unwrap(),
            "--out",
            &out,
            "--max-records-per-file",
            "8000",
        ])
        .env("BEDROCK_BATCH_S3_PART_SIZE", (5 << 20).to_string())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(
        run.status.code(),
        Some(2),
        "{stderr}\n{:?}",
        proxy.log.lock().unwrap()
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("access denied"), "{stderr}");
    assert!(
        proxy
            .log
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("DELETE")),
        "cleaned up"
    );
    assert_eq!(keys(&b, "out/"), Vec::<String>::new(), "nothing left");
    assert!(open_multipart_uploads(&b).is_empty(), "multipart aborted");
    // The same run again, without faults and without --force, writes everything.
    let again = Aws::moto()
        .bb(&[
            "shard",
            input.to_str().unwrap(),
            "--out",
            &out,
            "--max-records-per-file",
            "8000",
        ])
        .env("BEDROCK_BATCH_S3_PART_SIZE", (5 << 20).to_string())
        .output()
        .unwrap();
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(keys(&b, "out/").last().unwrap(), "out/manifest.json");
    // And the objects it wrote are those of a run that never failed: the same bytes and the
    // same S3-verified checksums.
    let clean = Aws::moto()
        .bb(&[
            "shard",
            input.to_str().unwrap(),
            "--out",
            &format!("s3://{b}/clean/"),
            "--max-records-per-file",
            "8000",
        ])
        .env("BEDROCK_BATCH_S3_PART_SIZE", (5 << 20).to_string())
        .output()
        .unwrap();
    assert_eq!(clean.status.code(), Some(0));
    let manifest = |prefix: &str| -> serde_json::Value {
        let text = String::from_utf8(get(&b, &format!("{prefix}manifest.json")).body).unwrap();
        serde_json::from_str(&text.replace(&format!("s3://{b}/{prefix}"), "PREFIX/")).unwrap()
    };
    assert_eq!(manifest("out/"), manifest("clean/"));
    let retried_keys = keys(&b, "out/");
    assert_eq!(retried_keys.len(), keys(&b, "clean/").len());
    // The manifests differ only in the URIs they record (compared above).
    for key in retried_keys
        .iter()
        .filter(|k| !k.ends_with("manifest.json"))
    {
        let same = get(&b, key).body == get(&b, &key.replacen("out/", "clean/", 1)).body;
        assert!(same, "{key} differs from the clean run's");
    }
}
