//! Property: the library's shard on random records and quotas.

use super::*;

/// One generated input line: a valid record of some size, a blank line, or an invalid one,
/// with LF or CRLF.
#[derive(Clone, Debug)]
enum Line {
    Valid(usize, bool),
    Blank(bool),
    Invalid(bool),
}

fn line_strategy() -> impl Strategy<Value = Line> {
    prop_oneof![
        8 => (0usize..120, any::<bool>()).prop_map(|(n, crlf)| Line::Valid(n, crlf)),
        1 => any::<bool>().prop_map(Line::Blank),
        1 => any::<bool>().prop_map(Line::Invalid),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Random records and quotas through the library: either the folder is written and
    /// every invariant holds (quotas, manifest, checksums, the valid lines in order, the
    /// invalid ones in rejected.jsonl), or nothing is written and the refusal is right.
    #[test]
    fn every_invariant_holds_for_random_records_and_quotas(
        lines in prop::collection::vec(line_strategy(), 0..160),
        min in 1u64..40,
        rf in 1u64..60,
        rj in 1u64..120,
        fb in 60u64..2000,
        jb in 100u64..12_000,
        final_newline in any::<bool>(),
    ) {
        use bedrock_batch::commands::shard::{
            shard, OnInvalid, ShardOptions, ShardOutcome, ShardProgress,
        };
        use bedrock_batch::commands::validate::ValidateOptions;
        use bedrock_batch::{NoProgress, QuotaOverrides};

        let dir = tempfile::tempdir().unwrap();
        let (mut input, mut valid, mut invalid) = (Vec::new(), Vec::new(), Vec::new());
        for (i, l) in lines.iter().enumerate() {
            let (text, crlf) = match l {
                Line::Valid(n, crlf) => (padded(i, *n), *crlf),
                Line::Blank(crlf) => (String::new(), *crlf),
                Line::Invalid(crlf) => (format!("{{\"recordId\":\"R{i}\""), *crlf),
            };
            let last = i + 1 == lines.len();
            let end = if last && !final_newline { "" } else if crlf { "\r\n" } else { "\n" };
            input.extend_from_slice(text.as_bytes());
            input.extend_from_slice(end.as_bytes());
            match l {
                Line::Valid(..) => valid.extend_from_slice(format!("{text}\n").as_bytes()),
                Line::Invalid(_) => invalid.extend_from_slice(format!("{text}{}", if end.is_empty() { "\n" } else { end }).as_bytes()),
                Line::Blank(_) => {}
            }
        }
        let p = write(dir.path(), "in.jsonl", &input);
        let out = dir.path().join("out");
        let opts = ShardOptions {
            validate: ValidateOptions {
                quota_overrides: QuotaOverrides {
                    min_records_per_job: Some(min),
                    max_records_per_file: Some(rf),
                    max_records_per_job: Some(rj),
                    max_file_bytes: Some(fb),
                    max_job_bytes: Some(jb),
                },
                chunk_size: 256,
                ..ValidateOptions::default()
            },
            out: out.clone(),
            on_invalid: OnInvalid::Quarantine,
            force: false,
            requests: None,
            cancel: None,
        };
        let progress = ShardProgress { scan: &NoProgress, write: &NoProgress };
        let outcome = shard(&[p], &opts, &progress).unwrap();
        match outcome {
            ShardOutcome::Written(s) => {
                let quotas = serde_json::to_value(s.quotas).unwrap();
                let (m, all) = check_out(&out, &quotas);
                prop_assert_eq!(all, valid);
                let rejected = fs::read(out.join("rejected.jsonl")).unwrap();
                prop_assert_eq!(rejected, invalid);
                prop_assert_eq!(serde_json::to_value(&s.manifest).unwrap(), m);
            }
            ShardOutcome::Refused(r) => {
                prop_assert!(!out.exists());
                // The refusal is the planner's answer for exactly these sizes.
                let mut ends = vec![0u64];
                for l in valid.split_inclusive(|&b| b == b'\n') {
                    ends.push(ends.last().unwrap() + l.len() as u64);
                }
                let q = bedrock_batch::QuotaProfile {
                    min_records_per_job: min, max_records_per_file: rf, max_records_per_job: rj,
                    max_file_bytes: fb, max_job_bytes: jb,
                };
                let planned = bedrock_batch::internals::plan(&ends, &q);
                prop_assert!(planned.is_err(), "refused ({}) but a plan exists", r.message);
                prop_assert_eq!(planned.unwrap_err().quota(), r.quota);
            }
            ShardOutcome::Invalid(_) => prop_assert!(false, "quarantine never fails on invalid records"),
        }
        prop_assert_eq!(names(dir.path()).into_iter().filter(|n| n.starts_with('.')).count(), 0);
    }
}
