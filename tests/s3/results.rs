//! `results` reading the job's input and output from S3.

use super::*;

#[test]
#[ignore = "needs moto_server; .ci/run runs it"]
fn results_reads_the_input_and_the_job_output_from_s3() {
    let aws = Aws::moto();
    let b = bucket("results");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/results/claude");
    upload_dir(&root.join("input"), &b, "batch/in/");
    upload_dir(&root.join("output"), &b, "batch/out/");
    let remote = aws.run(&[
        "results",
        "--input",
        &format!("s3://{b}/batch/in/"),
        "--output",
        &format!("s3://{b}/batch/out/"),
        "--format",
        "json",
        "--retry",
        "retry-s3.jsonl",
        "--joined",
        "joined-s3.jsonl",
    ]);
    let disk = local(
        &[
            "results",
            "--input",
            root.join("input/").to_str().unwrap(),
            "--output",
            root.join("output/").to_str().unwrap(),
            "--format",
            "json",
            "--retry",
            "retry.jsonl",
            "--joined",
            "joined.jsonl",
        ],
        aws.dir.path(),
    );
    assert_eq!(remote.code, disk.code, "{}", remote.stderr);
    let strip = |text: &str, a: &str, b: &str| {
        text.replace(a, "ROOT/")
            .replace(b, "ROOT/")
            .replace("-s3.jsonl", ".jsonl")
    };
    assert_eq!(
        strip(
            &remote.stdout,
            &format!("s3://{b}/batch/in/"),
            &format!("s3://{b}/batch/out/")
        ),
        strip(
            &disk.stdout,
            &format!("{}/", root.join("input").display()),
            &format!("{}/", root.join("output").display())
        ),
    );
    for name in ["retry", "joined"] {
        let s3 = std::fs::read(aws.dir.path().join(format!("{name}-s3.jsonl"))).unwrap();
        assert!(!s3.is_empty());
        assert_eq!(
            s3,
            std::fs::read(aws.dir.path().join(format!("{name}.jsonl"))).unwrap(),
            "{name}"
        );
    }
    // One object as --input, as one file on disk.
    let one = aws.run(&[
        "results",
        "--input",
        &format!("s3://{b}/batch/in/part-0001.jsonl"),
        "--output",
        &format!("s3://{b}/batch/out/"),
        "--format",
        "json",
    ]);
    let one_disk = local(
        &[
            "results",
            "--input",
            root.join("input/part-0001.jsonl").to_str().unwrap(),
            "--output",
            root.join("output/").to_str().unwrap(),
            "--format",
            "json",
        ],
        aws.dir.path(),
    );
    assert_eq!(one.code, one_disk.code, "{}", one.stderr);
    assert_eq!(
        strip(
            &one.stdout,
            &format!("s3://{b}/batch/in/"),
            &format!("s3://{b}/batch/out/")
        ),
        strip(
            &one_disk.stdout,
            &format!("{}/", root.join("input").display()),
            &format!("{}/", root.join("output").display())
        ),
    );
}
