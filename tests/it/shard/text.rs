//! Snapshots of `shard`'s text output, which people and scripts read: the summary of the jobs
//! written, what was left out (quarantined), and the report when invalid records fail the run.
//! The input is a pandas export with UUID recordIds, a few hundred records, with the mistakes
//! such files carry (a line cut short, another model family's body, a blank line).
//!
//! Nothing is redacted: each run happens in a fresh temporary folder with relative paths, so
//! no temporary path is printed (the helper checks), and `shard` prints no timings. Each run is
//! made with `--threads 1` and with the default thread count, which must print the same.

use super::*;

/// `n` pandas records with UUID recordIds, as `df.to_json(orient="records", lines=True)`
/// writes them.
fn export(n: u64) -> String {
    pandas_records(n)
}

/// The export with mistakes: after record 100 a line cut short (a write that was interrupted);
/// after record 200 a blank line and a body in OpenAI's chat shape, which Claude rejects.
fn export_with_mistakes() -> String {
    let mut text = String::new();
    for i in 0..300 {
        text.push_str(&pandas_record(i));
        text.push('\n');
        if i == 100 {
            text.push_str(&pandas_record(1000)[..90]);
            text.push('\n');
        }
        if i == 200 {
            text.push('\n');
            text.push_str(&format!(
                r#"{{"recordId":"{}","modelInput":{{"model":"gpt-4o","messages":[{{"role":"user","content":"Summarise ticket 1001"}}]}}}}"#,
                uuid_like(1001)
            ));
            text.push('\n');
        }
    }
    text
}

const MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";

/// `shard --model-id MODEL export.jsonl -o shards EXTRA` on `input`, with `--threads 1` and
/// with the default thread count.
fn shard(input: &str, extra: &[&str]) -> String {
    let files: &[(&str, &[u8])] = &[("export.jsonl", input.as_bytes())];
    let args = [
        &[
            "shard",
            "--no-config",
            "--model-id",
            MODEL,
            "export.jsonl",
            "-o",
            "shards",
        ],
        extra,
    ]
    .concat();
    transcript_any_threads(files, &args)
}

#[test]
fn summary_of_a_pandas_export_cut_into_three_jobs() {
    let quotas = [
        "--min-records-per-job",
        "100",
        "--max-records-per-job",
        "150",
        "--max-records-per-file",
        "50",
    ];
    insta::assert_snapshot!(shard(&export(360), &quotas));
}

#[test]
fn summary_with_invalid_records_quarantined() {
    let flags = ["--on-invalid", "quarantine", "--max-records-per-job", "150"];
    insta::assert_snapshot!(shard(&export_with_mistakes(), &flags));
}

#[test]
fn invalid_records_fail_the_run_with_the_report_and_nothing_written() {
    insta::assert_snapshot!(shard(&export_with_mistakes(), &[]));
}
