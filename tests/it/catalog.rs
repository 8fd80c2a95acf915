//! The catalog through the real binary: batch support per id form (base id, profile, both),
//! unlisted ids and catch-alls, models without a body schema, per-model quotas with their
//! sources, media outside the input folder, and the same answers from `validate`, `models`
//! and `job create`.

use std::path::Path;

use crate::common::*;
use serde_json::Value;

/// `n` Claude records with UUID record ids, as AWS's own sample writes them.
fn claude_uuid_records(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "{{\"recordId\":\"{:08x}-4b1e-4c2a-9f3d-{:012x}\",\"modelInput\":{{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":300,\"messages\":[{{\"role\":\"user\",\"content\":\"Summarize call transcript {i}.\"}}]}}}}\n",
                0x5f00_0000u32 + i as u32,
                0xa11c_e000_0000u64 + i as u64
            )
        })
        .collect()
}

/// `validate --format json --model-id ID` on a file, with R005 (UUID ids) out of the way.
fn check(model: &str, extra: &[&str], path: &Path) -> (Value, i32) {
    let mut args = vec!["--model-id", model, "--ignore", "R005"];
    args.extend_from_slice(extra);
    validate_json(&args, &[path])
}

fn job_level_codes(report: &Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["path"].is_null())
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn batch_support_follows_the_id_form() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "calls.jsonl", claude_uuid_records(1200));
    // (model id, codes about the id, exit, verdict)
    let cases: &[(&str, &[&str], i32, &str)] = &[
        // Profile only (D8 No/Yes): the base id is refused, every profile prefix passes.
        (
            "anthropic.claude-3-7-sonnet-20250219-v1:0",
            &["M011"],
            1,
            "Failed",
        ),
        (
            "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
            &[],
            0,
            "Scheduled",
        ),
        (
            "eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
            &[],
            0,
            "Scheduled",
        ),
        ("anthropic.claude-sonnet-4-6", &["M011"], 1, "Failed"),
        ("global.anthropic.claude-sonnet-4-6", &[], 0, "Scheduled"),
        (
            "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0",
            &["M011"],
            1,
            "Failed",
        ),
        // Base only (D8 Yes/No).
        (
            "us.anthropic.claude-3-haiku-20240307-v1:0",
            &["M011"],
            1,
            "Failed",
        ),
        (
            "anthropic.claude-3-haiku-20240307-v1:0",
            &[],
            0,
            "Scheduled",
        ),
        // Both.
        (
            "anthropic.claude-3-5-haiku-20241022-v1:0",
            &[],
            0,
            "Scheduled",
        ),
        (
            "apac.anthropic.claude-3-5-haiku-20241022-v1:0",
            &[],
            0,
            "Scheduled",
        ),
        // No batch at all (D8 No/No), whatever the form.
        (
            "anthropic.claude-opus-4-1-20250805-v1:0",
            &["M010"],
            1,
            "Failed",
        ),
        (
            "us.anthropic.claude-opus-4-20250514-v1:0",
            &["M010"],
            1,
            "Failed",
        ),
    ];
    for (model, want, exit, verdict) in cases {
        let (report, code) = check(model, &[], &input);
        assert_eq!(job_level_codes(&report), *want, "{model}: {report:#}");
        assert_eq!(code, *exit, "{model}");
        assert_eq!(report["verdict"]["status"], *verdict, "{model}");
        assert_eq!(report["family"], "anthropic-claude-messages", "{model}");
    }
    let (report, _) = check("anthropic.claude-3-7-sonnet-20250219-v1:0", &[], &input);
    let m = find(&report, "M011").unwrap()["message"].as_str().unwrap();
    assert!(
        m.contains("use `us.anthropic.claude-3-7-sonnet-20250219-v1:0`"),
        "{m}"
    );
    let (report, _) = check("us.anthropic.claude-3-haiku-20240307-v1:0", &[], &input);
    let m = find(&report, "M011").unwrap()["message"].as_str().unwrap();
    assert!(
        m.contains("use `anthropic.claude-3-haiku-20240307-v1:0`"),
        "{m}"
    );
    assert!(report["verdict"]["message"]
        .as_str()
        .unwrap()
        .starts_with("M011 model-id-form"));
}

#[test]
fn unlisted_ids_are_m009_with_the_nearest_real_ids() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "calls.jsonl", claude_uuid_records(150));
    for (model, suggestion) in [
        (
            "anthropic.claude-3.5-sonnet",
            "anthropic.claude-3-5-sonnet-20240620-v1:0",
        ),
        (
            "anthropic.claude-3-5-haiku",
            "anthropic.claude-3-5-haiku-20241022-v1:0",
        ),
        (
            "us.anthropic.claude-sonnet-5",
            "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        ),
        ("deepseek.v3-2", "deepseek.v3.2"),
    ] {
        let (report, code) = check(model, &[], &input);
        assert_eq!(job_level_codes(&report), ["M009"], "{model}: {report:#}");
        // A warning: the service may know the id; the tool does not.
        assert_eq!(code, 0, "{model}");
        let m = find(&report, "M009").unwrap()["message"].as_str().unwrap();
        assert!(m.contains("did you mean"), "{model}: {m}");
        assert!(m.contains(&format!("`{suggestion}`")), "{model}: {m}");
    }
    // Claude's family is certain, so a mistyped Claude id still gets its bodies checked.
    let bad = write(
        dir.path(),
        "bad.jsonl",
        &(claude_uuid_records(149)
            + "{\"recordId\":\"x\",\"modelInput\":{\"anthropic_version\":\"bedrock-2023-05-31\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}\n"),
    );
    let (report, code) = check("anthropic.claude-3.5-sonnet", &[], &bad);
    assert_eq!(report["family"], "anthropic-claude-messages");
    assert_eq!(find(&report, "M001").unwrap()["line"], 150);
    assert_eq!(code, 1);
    // A provider known only from a third-party list: unknown, bodies not checked.
    let (report, _) = check("google.gemma-3-27b-it", &[], &input);
    assert_eq!(job_level_codes(&report), ["M009"]);
    assert!(report["family"].is_null());
    // Nothing like any real id: no suggestion, a pointer to the catalog.
    let (report, _) = check("acme.frobnicator-v9", &[], &input);
    let m = find(&report, "M009").unwrap()["message"].as_str().unwrap();
    assert!(
        !m.contains("did you mean") && m.contains("bedrock-batch models"),
        "{m}"
    );
}

#[test]
fn models_without_a_documented_body_say_bodies_were_not_checked() {
    let dir = tempfile::tempdir().unwrap();
    // pandas `to_json(orient="records", lines=True)` output of OpenAI-style chat bodies.
    let text: String = (0..300)
        .map(|i| format!("{{\"recordId\":\"row{i:08}\",\"modelInput\":{{\"messages\":[{{\"role\":\"user\",\"content\":\"Review diff {i}\"}}],\"max_tokens\":2048}}}}\n"))
        .collect();
    let input = write(dir.path(), "reviews.jsonl", &text);
    for model in [
        "qwen.qwen3-32b-v1:0",
        "us.deepseek.v3-v1:0",
        "deepseek.v3.2",
        "mistral.devstral-2-123b",
        "minimax.minimax-m2.1",
        "zai.glm-4.7-flash",
    ] {
        let (report, code) = check(model, &[], &input);
        assert_eq!(job_level_codes(&report), ["M012"], "{model}: {report:#}");
        assert_eq!(code, 0, "{model}: M012 is a warning");
        assert_eq!(report["verdict"]["status"], "Scheduled");
        let m = find(&report, "M012").unwrap()["message"].as_str().unwrap();
        assert!(m.contains("bodies were not checked"), "{m}");
        // With Converse the bodies are checked (these are not Converse bodies).
        let (report, _) = check(model, &["--invocation-type", "Converse"], &input);
        assert!(find(&report, "M012").is_none(), "{model}");
        assert_eq!(report["family"], "converse");
    }
}

#[test]
fn titan_v2_takes_100000_records_per_job_with_its_source() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("in");
    std::fs::create_dir(&folder).unwrap();
    for part in 0..2 {
        let text: String = (0..30_000)
            .map(|i| format!("{{\"recordId\":\"E{part}{i:09}\",\"modelInput\":{{\"inputText\":\"product {i}\",\"dimensions\":512,\"normalize\":true}}}}\n"))
            .collect();
        write(&folder, &format!("part-{part}.jsonl"), &text);
    }
    let (report, code) = validate_json(&["--model-id", "amazon.titan-embed-text-v2:0"], &[&folder]);
    assert_eq!(codes(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(code, 0);
    // Nova Micro keeps the 50,000 default: the same 60,000 records are one job too many.
    let (report, code) = validate_json(
        &["--model-id", "amazon.nova-micro-v1:0", "--select", "Q"],
        &[&folder],
    );
    assert_eq!(codes(&report), ["Q004"]);
    assert_eq!(code, 1);
    let r = run(&["models", "amazon.titan-embed-text-v2:0"], None);
    assert!(
        r.stdout.contains("100,000 records per job")
            && r.stdout.contains("values from T4 (2026-08-13)"),
        "{}",
        r.stdout
    );
    let r = run(&["models", "qwen.qwen3-32b-v1:0"], None);
    assert!(
        r.stdout.contains("ASSUMED: the default values"),
        "{}",
        r.stdout
    );
}

#[test]
fn models_shows_sources_dates_and_the_whole_entry() {
    let r = run(&["models", "anthropic.claude-opus-4-1-20250805-v1:0"], None);
    assert_eq!(r.code, 0);
    for want in [
        "batch:    NOT supported for batch inference (M010)",
        "D8  AWS Bedrock UG, Model support by feature",
        "(2026-01-25)",
        "https://docs.aws.amazon.com/bedrock/latest/userguide/models-features.html",
        "checked:  2026-11-29",
    ] {
        assert!(r.stdout.contains(want), "missing {want:?} in\n{}", r.stdout);
    }
    let r = run(
        &["models", "us.amazon.nova-premier-v1:0", "--format", "json"],
        None,
    );
    let v = r.json();
    assert_eq!(v["known"], true);
    assert_eq!(v["form"], "profile");
    assert_eq!(v["batch_via"], "profile");
    assert_eq!(v["entry"]["ids"][0], "amazon.nova-premier-v1:0");
    assert_eq!(v["quotas_assumed"], true);
    assert_eq!(v["sources"][0]["key"], "D7");
    assert!(v["sources"][0]["url"]
        .as_str()
        .unwrap()
        .ends_with("batch-inference-supported.html"));
    assert_eq!(v["findings"], serde_json::json!([]));
    let r = run(
        &["models", "amazon.nova-premier-v1:0", "--format", "json"],
        None,
    );
    let v = r.json();
    assert_eq!(v["form_problem"]["use_id"], "us.amazon.nova-premier-v1:0");
    assert_eq!(v["findings"][0]["code"], "M011");
    // Without an id: the whole catalog, every entry with its sources and date.
    let all = run(&["models", "--format", "json"], None).json();
    assert_eq!(all["version"], 2);
    let models = all["models"].as_array().unwrap();
    assert!(models.len() > 40);
    for m in models {
        assert!(!m["sources"].as_array().unwrap().is_empty(), "{m}");
        assert!(m["checked"].as_str().unwrap().starts_with("2026-"), "{m}");
        for key in m["sources"].as_array().unwrap() {
            assert!(
                all["sources"][key.as_str().unwrap()]["date"].is_string(),
                "{key}"
            );
        }
    }
    // The old flag still works.
    assert_eq!(run(&["models", "--json"], None).json()["version"], 2);
}

/// What the brief calls "every model listed": validate, models and the catalog agree.
#[test]
fn validate_and_models_agree_on_every_listed_id() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "one.jsonl",
        "{\"recordId\":\"A0000000001\",\"modelInput\":{}}\n",
    );
    let catalog = run(&["models", "--format", "json"], None).json();
    for entry in catalog["models"].as_array().unwrap() {
        for id in entry["ids"].as_array().into_iter().flatten() {
            let id = id.as_str().unwrap();
            let info = run(&["models", id, "--format", "json"], None).json();
            let (report, _) = validate_json(
                &["--model-id", id, "--select", "M009,M010,M011,M012"],
                &[&input],
            );
            let from_models: Vec<&str> = info["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["code"].as_str().unwrap())
                .collect();
            assert_eq!(codes(&report), from_models, "{id}");
            assert_eq!(report["family"], entry["family"], "{id}");
            let batch = entry["batch"].as_bool().unwrap();
            let via = entry["batch_via"].as_str().unwrap_or("");
            let want: &[&str] = match (batch, via, entry["family"].is_null()) {
                (false, _, _) => &["M010"],
                (true, "profile", true) => &["M011", "M012"],
                (true, "profile", false) => &["M011"],
                (true, _, true) => &["M012"],
                (true, _, false) => &[],
            };
            assert_eq!(from_models, want, "{id}");
        }
    }
}

mod job_create {
    use super::*;

    const ROLE: &str = "arn:aws:iam::123456789012:role/BatchRole";

    fn create(dir: &Path, model: &str, input_uri: &str, extra: &[&str]) -> Run {
        let input = format!("s3InputDataConfig={{s3Uri={input_uri}}}");
        let state = dir.join("state");
        let mut args = vec![
            "job",
            "create",
            "--job-name",
            "nightly-batch",
            "--role-arn",
            ROLE,
            "--model-id",
            model,
            "--input-data-config",
            &input,
            "--output-data-config",
            "s3OutputDataConfig={s3Uri=s3://my-bucket/out/}",
            "--now",
            "2026-11-29T12:00:00Z",
            "--state-dir",
        ];
        let state = state.to_string_lossy().into_owned();
        args.push(&state);
        args.extend_from_slice(extra);
        run(&args, None)
    }

    #[test]
    fn refuses_the_wrong_form_and_names_the_id_for_the_region() {
        let dir = tempfile::tempdir().unwrap();
        let r = create(
            dir.path(),
            "amazon.nova-2-lite-v1:0",
            "s3://my-bucket/in/",
            &["--region", "eu-central-1"],
        );
        assert_eq!(r.code, 1);
        assert!(r.stdout.is_empty());
        assert!(r.stderr.starts_with("An error occurred (ValidationException) when calling the CreateModelInvocationJob operation: Batch inference is not supported for the requested model (bedrock-batch: "), "{}", r.stderr);
        assert!(
            r.stderr.contains("use `eu.amazon.nova-2-lite-v1:0`"),
            "{}",
            r.stderr
        );
        let r = create(
            dir.path(),
            "eu.amazon.nova-2-lite-v1:0",
            "s3://my-bucket/in/",
            &["--region", "eu-central-1"],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(r.json()["status"], "Scheduled");
        for model in [
            "us.deepseek.r1-v1:0",
            "cohere.embed-v4:0",
            "anthropic.claude-opus-4-1-20250805-v1:0",
        ] {
            let r = create(dir.path(), model, "s3://my-bucket/in/", &[]);
            assert_eq!(r.code, 1, "{model}");
            assert!(
                r.stderr
                    .trim_end()
                    .ends_with("Batch inference is not supported for the requested model"),
                "{model}: {}",
                r.stderr
            );
        }
    }

    #[test]
    fn vpc_subnets_from_the_aws_guide_get_a_hint() {
        let dir = tempfile::tempdir().unwrap();
        let r = create(
            dir.path(),
            "anthropic.claude-3-5-haiku-20241022-v1:0",
            "s3://my-bucket/in/",
            &[
                "--vpc-config",
                r#"{"subnets": ["subnet-0123456789abcdef0"], "securityGroupIds": ["sg-0123456789abcdef0"]}"#,
            ],
        );
        assert_eq!(r.code, 1);
        let lines: Vec<&str> = r.stderr.lines().collect();
        assert_eq!(lines[0], "Parameter validation failed:");
        assert!(lines[1].starts_with("Unknown parameter in vpcConfig: \"subnets\""));
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("bedrock-batch: hint: the VPC member is `subnetIds`")),
            "{}",
            r.stderr
        );
    }

    #[test]
    fn media_outside_the_input_folder_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("in");
        std::fs::create_dir(&folder).unwrap();
        let text: String = (0..120)
            .map(|i| {
                let bucket = if i == 77 { "other-bucket" } else { "batch-inference-input-bucket" };
                format!("{{\"recordId\":\"VID{i:08}\",\"modelInput\":{{\"messages\":[{{\"role\":\"user\",\"content\":[{{\"text\":\"Describe the clip\"}},{{\"video\":{{\"format\":\"mp4\",\"source\":{{\"s3Location\":{{\"uri\":\"s3://{bucket}/videos/clip{i}.mp4\",\"bucketOwner\":\"111122223333\"}}}}}}}}]}}]}}}}\n")
            })
            .collect();
        write(&folder, "input.jsonl", &text);
        let local = folder.to_string_lossy().into_owned();
        let r = create(
            dir.path(),
            "amazon.nova-pro-v1:0",
            "s3://batch-inference-input-bucket",
            &["--local-input", &local],
        );
        assert_eq!(r.json()["status"], "Scheduled", "{}", r.stderr);
        assert!(
            r.stderr
                .contains("M013: 1 media reference outside the job's input folder")
                && r.stderr.contains("input.jsonl:78:")
                && r.stderr.contains("s3://other-bucket/videos/clip77.mp4"),
            "{}",
            r.stderr
        );
        // Naming the .jsonl file instead of its folder: every media reference is cut off.
        let r = create(
            dir.path(),
            "amazon.nova-pro-v1:0",
            "s3://batch-inference-input-bucket/input.jsonl",
            &["--local-input", &local, "--job-name", "nightly-batch-2"],
        );
        assert!(
            r.stderr.contains("M013: 120 media references"),
            "{}",
            r.stderr
        );
    }
}

/// `shard` writes jobs that will carry the model id, so findings about it are always shown.
#[test]
fn shard_shows_findings_about_the_model_id() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "calls.jsonl", claude_uuid_records(400));
    let out = dir.path().join("shards");
    let r = run(
        &[
            "shard",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--model-id",
            "anthropic.claude-opus-4-5-20251101-v1:0",
            "--no-progress",
        ],
        None,
    );
    assert!(
        r.stdout.contains("M011")
            && r.stdout
                .contains("use `us.anthropic.claude-opus-4-5-20251101-v1:0`"),
        "{}\n{}",
        r.stdout,
        r.stderr
    );
    assert!(
        !r.stdout.contains("more (bedrock-batch validate"),
        "{}",
        r.stdout
    );
}
