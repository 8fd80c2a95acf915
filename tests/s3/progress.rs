//! Progress on S3 transfers: drawn on a terminal, never otherwise.

use super::*;

/// Progress text: a spinner or a bar, or the carriage returns and escape sequences that
/// draw them (a terminal ends its lines with `\r\n`, which is not one).
fn progress_text(stderr: &str) -> bool {
    let text = stderr.replace("\r\n", "\n");
    [
        "listing",
        "uploading",
        "downloading",
        "reading",
        "\r",
        "\x1b[",
    ]
    .iter()
    .any(|w| text.contains(w))
}

#[test]
#[ignore = "needs moto_server; .ci/run runs it"]
fn s3_progress_is_drawn_on_a_terminal_and_never_otherwise() {
    let aws = Aws::moto();
    let work = tempfile::tempdir().unwrap();
    let input = work.path().join("in.jsonl");
    big_input(&input, 6_000); // ~3.5 MB
    let b = bucket("progress");
    let input = input.to_str().unwrap();
    let out = format!("s3://{b}/run/");
    // The job's files, without the manifest (which a job's prefix must not hold).
    let job = format!("s3://{b}/run/job-001/");
    let shard = ["shard", input, "--out", &out];
    // A terminal: the upload is shown, and cleared when done.
    let (code, screen, _) = aws.on_terminal(&shard, &[]);
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("uploading 2 files to s3://"), "{screen:?}");
    // Listing and the bytes read: `job create --check-s3-input` has no checking bar, so the
    // bytes read from S3 get one of their own.
    let state = work.path().join("state");
    let create = |name: &str, extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = [
            "job",
            "create",
            "--state-dir",
            state.to_str().unwrap(),
            "--role-arn",
            "arn:aws:iam::123456789012:role/BedrockBatch",
            "--model-id",
            "anthropic.claude-3-5-haiku-20241022-v1:0",
            "--input-data-config",
            &format!("s3InputDataConfig={{s3Uri={job}}}"),
            "--output-data-config",
            &format!("s3OutputDataConfig={{s3Uri=s3://{b}/results/}}"),
            "--region",
            "us-east-1",
            "--check-s3-input",
            "--job-name",
            name,
        ]
        .map(String::from)
        .to_vec();
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let args = create("on-terminal", &[]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, screen, stdout) = aws.on_terminal(&args, &[]);
    assert_eq!(code, 0, "{screen}");
    assert!(stdout.contains("\"Scheduled\""), "{stdout}");
    assert!(screen.contains(&format!("listing {job}")), "{screen:?}");
    assert!(screen.contains("reading "), "{screen:?}");
    // `validate` and `fix` show the listing; `results --output s3://` the download.
    let (code, screen, _) = aws.on_terminal(&["validate", &job], &[]);
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains(&format!("listing {job}")), "{screen:?}");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/results/claude");
    upload_dir(&root.join("output"), &b, "results/job/");
    let job_input = root.join("input");
    let results = [
        "results",
        "--input",
        job_input.to_str().unwrap(),
        "--output",
        &format!("s3://{b}/results/job/"),
    ];
    let (code, screen, _) = aws.on_terminal(&results, &[]);
    assert!(code != 2, "{screen}");
    assert!(screen.contains("downloading s3://"), "{screen:?}");

    // Never otherwise: --no-progress, CI set, or stderr not a terminal.
    let forced = ["shard", input, "--out", &out, "--force"];
    let quiet_shard = ["shard", input, "--out", &out, "--force", "--no-progress"];
    let no_progress = create("no-progress", &["--no-progress"]);
    let no_progress: Vec<&str> = no_progress.iter().map(String::as_str).collect();
    for (args, env) in [
        (&quiet_shard[..], &[][..]),
        (&forced[..], &[("CI", "true")][..]),
        (&no_progress[..], &[][..]),
        (&["validate", &job, "--no-progress"][..], &[][..]),
        (&results[..], &[("CI", "1")][..]),
    ] {
        let (code, screen, _) = aws.on_terminal(args, env);
        assert!(code != 2, "{args:?}: {screen}");
        assert!(!progress_text(&screen), "{args:?} {env:?}: {screen:?}");
    }
    for args in [&forced[..], &["validate", &job][..], &results[..]] {
        let run = aws.run(args);
        assert!(run.code != 2, "{args:?}: {}", run.stderr);
        assert!(!progress_text(&run.stderr), "{args:?}: {:?}", run.stderr);
    }
    let piped = create("piped", &[]);
    let piped: Vec<&str> = piped.iter().map(String::as_str).collect();
    let run = aws.run(&piped);
    assert!(!progress_text(&run.stderr), "{:?}", run.stderr);
}
