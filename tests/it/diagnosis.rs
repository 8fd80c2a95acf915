//! Body diagnostics through the real binary, on inputs shaped like the ones users produce:
//! thousands of records with UUID `recordId`s, bodies written for another model family or
//! invocation type, misspelled fields. Each problem must come out as one finding that says
//! what to do.

use std::path::Path;

use crate::common::*;
use serde_json::{json, Value};

/// One JSONL line: `{"recordId": uuid_like(i), "modelInput": body}`.
fn line(i: u64, body: &Value) -> String {
    json!({"recordId": uuid_like(i), "modelInput": body}).to_string() + "\n"
}

fn claude_body(i: u64) -> Value {
    json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 512,
           "messages": [{"role": "user", "content": [{"type": "text", "text": format!("Summarize ticket {i}.")}]}]})
}

fn converse_body(i: u64) -> Value {
    json!({"messages": [{"role": "user", "content": [{"text": format!("Summarize ticket {i}.")}]}],
           "inferenceConfig": {"maxTokens": 512, "temperature": 0.2}})
}

fn gpt_oss_body(i: u64) -> Value {
    json!({"messages": [{"role": "developer", "content": "Be terse."},
                        {"role": "user", "content": format!("Summarize ticket {i}.")}],
           "max_completion_tokens": 256})
}

/// `n` lines of `good(i)`, with `bad` bodies put at the given 1-based lines.
fn file_with(n: u64, good: fn(u64) -> Value, bad: &[(u64, Value)]) -> String {
    (1..=n)
        .map(|i| match bad.iter().find(|(at, _)| *at == i) {
            Some((_, body)) => line(i, body),
            None => line(i, &good(i)),
        })
        .collect()
}

/// The (line, code, pointer) of every diagnostic on a line whose code starts with `prefix`
/// (job-level findings about the model id itself are left out).
fn findings(report: &Value, prefix: &str) -> Vec<(u64, String, String)> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"].as_str().unwrap().starts_with(prefix) && d["line"].is_u64())
        .map(|d| {
            (
                d["line"].as_u64().unwrap_or(0),
                d["code"].as_str().unwrap().to_string(),
                d["pointer"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn message_at(report: &Value, line: u64, code: &str) -> String {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["line"] == line && d["code"] == code)
        .unwrap_or_else(|| panic!("no {code} at line {line}: {report:#}"))["message"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn converse_jobs_check_bodies_with_or_without_a_model_id() {
    let dir = tempfile::tempdir().unwrap();
    let bad = [
        (1234, json!({"inferenceConfig": {"maxTokens": 100}})),
        (
            2999,
            json!({"messages": [{"role": "user", "content": "a string, not blocks"}]}),
        ),
    ];
    let path = write(
        dir.path(),
        "converse.jsonl",
        file_with(3000, converse_body, &bad),
    );
    let want = vec![
        (1234, "M001".to_string(), "/modelInput/messages".to_string()),
        (
            2999,
            "M003".to_string(),
            "/modelInput/messages/0/content".to_string(),
        ),
    ];
    for model in [
        None,
        Some("anthropic.claude-3-5-haiku-20241022-v1:0"),
        Some("us.amazon.nova-pro-v1:0"),
    ] {
        let mut args = vec!["--invocation-type", "Converse", "--select", "M"];
        if let Some(m) = model {
            args.extend(["--model-id", m]);
        }
        let (report, exit) = validate_json(&args, &[&path]);
        assert_eq!(report["family"], "converse", "{model:?}");
        assert_eq!(report["invocation_type"], "Converse");
        assert_eq!(findings(&report, "M"), want, "{model:?}");
        assert_eq!(exit, 1);
        assert_eq!(report["summary"]["records"], 3000);
    }
    // An InvokeModel job without a model id has no body schema: nothing is checked.
    let (report, exit) = validate_json(&["--select", "M"], &[&path]);
    assert_eq!(report["family"], Value::Null);
    assert!(findings(&report, "M").is_empty(), "{report:#}");
    assert_eq!(exit, 0);
}

#[test]
fn gpt_oss_model_field_must_name_the_jobs_model() {
    let dir = tempfile::tempdir().unwrap();
    let with_model = |i: u64, model: Value| {
        let mut b = gpt_oss_body(i);
        b["model"] = model;
        b
    };
    // Accepted: the job's model by its id, an inference profile or an ARN of it, or no field.
    let accepted = [
        (10, with_model(10, json!("openai.gpt-oss-120b-1:0"))),
        (20, with_model(20, json!("us.openai.gpt-oss-120b-1:0"))),
        (
            30,
            with_model(
                30,
                json!("arn:aws:bedrock:us-west-2::foundation-model/openai.gpt-oss-120b-1:0"),
            ),
        ),
    ];
    // Refused: an OpenAI model, the other gpt-oss size, OpenAI's own name for the model.
    let refused = [
        (500, with_model(500, json!("gpt-4o-mini"))),
        (1500, with_model(1500, json!("openai.gpt-oss-20b-1:0"))),
        (1999, with_model(1999, json!("gpt-oss-120b"))),
    ];
    let bad: Vec<(u64, Value)> = accepted.iter().chain(&refused).cloned().collect();
    let path = write(dir.path(), "oss.jsonl", file_with(2000, gpt_oss_body, &bad));
    for job in [
        "openai.gpt-oss-120b-1:0",
        "us.openai.gpt-oss-120b-1:0",
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.openai.gpt-oss-120b-1:0",
    ] {
        let (report, exit) = validate_json(&["--select", "M", "--model-id", job], &[&path]);
        let want: Vec<_> = refused
            .iter()
            .map(|(at, _)| (*at, "M005".to_string(), "/modelInput/model".to_string()))
            .collect();
        assert_eq!(findings(&report, "M"), want, "job {job}");
        assert_eq!(exit, 1);
        let msg = message_at(&report, 500, "M005");
        assert!(
            msg.contains("\"gpt-4o-mini\"") && msg.contains(job) && msg.contains("left out"),
            "{msg}"
        );
    }
    // The 20b job refuses the 120b names and accepts its own.
    let (report, _) = validate_json(
        &["--select", "M", "--model-id", "openai.gpt-oss-20b-1:0"],
        &[&path],
    );
    let lines: Vec<u64> = findings(&report, "M").iter().map(|f| f.0).collect();
    assert_eq!(lines, vec![10, 20, 30, 500, 1999]);
}

#[test]
fn one_problem_is_one_finding() {
    let dir = tempfile::tempdir().unwrap();
    // Claude and Nova: a `system` first turn is a role the schema refuses (M005), not also a
    // conversation that starts wrongly (M007); an `assistant` first turn is M007 alone.
    let mut system_first = claude_body(7);
    system_first["messages"] = json!([{"role": "system", "content": "Be terse."},
                                      {"role": "user", "content": "Hi"}]);
    let mut assistant_first = claude_body(8);
    assistant_first["messages"] = json!([{"role": "assistant", "content": "Hello"},
                                         {"role": "user", "content": "Hi"}]);
    let path = write(
        dir.path(),
        "claude.jsonl",
        file_with(
            1500,
            claude_body,
            &[(700, system_first), (1400, assistant_first)],
        ),
    );
    let (report, _) = validate_json(
        &[
            "--select",
            "M",
            "--model-id",
            "anthropic.claude-3-5-haiku-20241022-v1:0",
        ],
        &[&path],
    );
    assert_eq!(
        findings(&report, "M"),
        vec![
            (
                700,
                "M005".to_string(),
                "/modelInput/messages/0/role".to_string()
            ),
            (
                1400,
                "M007".to_string(),
                "/modelInput/messages/0/role".to_string()
            ),
        ]
    );
    assert!(
        message_at(&report, 700, "M005").contains("top-level `system` field"),
        "{report:#}"
    );

    // Mistral chat: `developer` is not a Mistral role (M005 only).
    let mistral = |i: u64| json!({"messages": [{"role": "user", "content": format!("q{i}")}]});
    let developer = json!({"messages": [{"role": "developer", "content": "x"}, {"role": "user", "content": "y"}]});
    let path = write(
        dir.path(),
        "mistral.jsonl",
        file_with(200, mistral, &[(150, developer)]),
    );
    for model in [
        "mistral.mistral-large-2407-v1:0",
        "mistral.mistral-large-2402-v1:0",
    ] {
        let (report, _) = validate_json(&["--select", "M", "--model-id", model], &[&path]);
        assert_eq!(
            findings(&report, "M"),
            vec![(
                150,
                "M005".to_string(),
                "/modelInput/messages/0/role".to_string()
            )],
            "{model}"
        );
    }

    // Titan embeddings: a string dimension is one wrong value, not a wrong type and a wrong value.
    let titan = |i: u64| json!({"inputText": format!("doc {i}"), "dimensions": 512});
    let path = write(
        dir.path(),
        "titan.jsonl",
        file_with(
            300,
            titan,
            &[(
                299,
                json!({"inputText": "x", "dimensions": "1024", "normalize": true}),
            )],
        ),
    );
    let (report, _) = validate_json(
        &[
            "--select",
            "M",
            "--model-id",
            "amazon.titan-embed-text-v2:0",
        ],
        &[&path],
    );
    assert_eq!(
        findings(&report, "M"),
        vec![(
            299,
            "M005".to_string(),
            "/modelInput/dimensions".to_string()
        )]
    );
}

fn nova_body(i: u64) -> Value {
    json!({"schemaVersion": "messages-v1",
           "system": [{"text": "You are a support analyst."}],
           "messages": [{"role": "user", "content": [{"text": format!("Summarize ticket {i}.")}]}],
           "inferenceConfig": {"maxTokens": 300, "temperature": 0.3}})
}

fn llama_body(i: u64) -> Value {
    json!({"prompt": format!("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\nSummarize ticket {i}.<|eot_id|>"),
           "max_gen_len": 512, "temperature": 0.5, "top_p": 0.9})
}

const CLAUDE: &str = "anthropic.claude-3-5-haiku-20241022-v1:0";
const NOVA: &str = "us.amazon.nova-pro-v1:0";

#[test]
fn a_misspelled_field_is_one_finding_that_names_the_right_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut camel = claude_body(1);
    camel["maxTokens"] = camel.as_object_mut().unwrap().remove("max_tokens").unwrap();
    let mut llama_name = claude_body(2);
    llama_name["max_gen_len"] = llama_name
        .as_object_mut()
        .unwrap()
        .remove("max_tokens")
        .unwrap();
    let mut typo = claude_body(3);
    typo["temprature"] = json!(0.2);
    let path = write(
        dir.path(),
        "claude.jsonl",
        file_with(
            2500,
            claude_body,
            &[(100, camel), (1200, llama_name), (2400, typo)],
        ),
    );
    let (report, _) = validate_json(&["--select", "M", "--model-id", CLAUDE], &[&path]);
    assert_eq!(
        findings(&report, "M"),
        vec![
            (100, "M002".into(), "/modelInput/maxTokens".into()),
            (1200, "M002".into(), "/modelInput/max_gen_len".into()),
            (2400, "M002".into(), "/modelInput/temprature".into()),
        ]
    );
    for line in [100, 1200] {
        let msg = message_at(&report, line, "M002");
        assert!(
            msg.contains("did you mean `max_tokens`, which is required and missing"),
            "{msg}"
        );
    }
    assert!(message_at(&report, 2400, "M002").contains("did you mean `temperature`?"));
    assert_eq!(report["summary"]["by_code"], json!({"M002": 3}));

    // Nova: snake_case inside inferenceConfig, and a setting written beside it.
    let mut snake = nova_body(1);
    snake["inferenceConfig"] = json!({"max_tokens": 300, "stop_sequences": ["END"]});
    let mut beside = nova_body(2);
    beside["maxTokens"] = json!(300);
    beside.as_object_mut().unwrap().remove("inferenceConfig");
    let path = write(
        dir.path(),
        "nova.jsonl",
        file_with(1000, nova_body, &[(10, snake), (990, beside)]),
    );
    let (report, _) = validate_json(&["--select", "M", "--model-id", NOVA], &[&path]);
    assert_eq!(
        findings(&report, "M"),
        vec![
            (
                10,
                "M002".into(),
                "/modelInput/inferenceConfig/max_tokens".into()
            ),
            (
                10,
                "M002".into(),
                "/modelInput/inferenceConfig/stop_sequences".into()
            ),
            (990, "M002".into(), "/modelInput/maxTokens".into()),
        ]
    );
    let text: Vec<String> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap().to_string())
        .collect();
    assert!(
        text[0].ends_with("did you mean `maxTokens`?"),
        "{}",
        text[0]
    );
    assert!(
        text[1].ends_with("did you mean `stopSequences`?"),
        "{}",
        text[1]
    );
    assert!(
        text[2].contains(
            "did you mean `inferenceConfig/maxTokens`? (the setting goes inside `inferenceConfig`)"
        ),
        "{}",
        text[2]
    );
}

#[test]
fn a_body_of_another_family_is_one_diagnosis_per_record() {
    let dir = tempfile::tempdir().unwrap();
    // A whole file of Nova bodies under a Claude model: one M014 per record, nothing else.
    let path = write(dir.path(), "nova.jsonl", file_with(3000, nova_body, &[]));
    let (report, exit) = validate_json(&["--model-id", CLAUDE], &[&path]);
    assert_eq!(exit, 1);
    assert_eq!(report["verdict"]["status"], "Scheduled");
    assert_eq!(report["summary"]["records"], 3000);
    assert_eq!(report["summary"]["by_code"]["M014"], 3000);
    assert_eq!(report["summary"]["errors"], 3000, "{:#}", report["summary"]);
    let msg = message_at(&report, 1, "M014");
    assert!(
        msg.contains("Amazon Nova")
            && msg.contains("amazon-nova-messages-v1")
            && msg.contains("--model-id"),
        "{msg}"
    );
    assert_eq!(find(&report, "M014").unwrap()["pointer"], "/modelInput");

    // Mixed mistakes in one Claude job: a Llama prompt body, a Converse request, an OpenAI
    // Batch API line put inside modelInput.
    let openai_inside = json!({"custom_id": "req-1", "method": "POST", "url": "/v1/chat/completions",
        "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 100}});
    let path = write(
        dir.path(),
        "mixed.jsonl",
        file_with(
            2000,
            claude_body,
            &[
                (400, llama_body(400)),
                (800, converse_body(800)),
                (1600, openai_inside),
            ],
        ),
    );
    let (report, _) = validate_json(&["--select", "M", "--model-id", CLAUDE], &[&path]);
    assert_eq!(
        findings(&report, "M"),
        vec![
            (400, "M014".into(), "/modelInput".into()),
            (800, "M014".into(), "/modelInput".into()),
            (1600, "M014".into(), "/modelInput".into()),
        ]
    );
    assert!(message_at(&report, 400, "M014").contains("Meta Llama (family meta-llama)"));
    assert!(message_at(&report, 800, "M014").contains("--invocation-type Converse"));
    assert!(message_at(&report, 1600, "M014").contains("OpenAI Batch API"));

    // With M014 ignored, the field findings are listed instead (nothing is hidden).
    let (report, _) = validate_json(
        &["--select", "M", "--ignore", "M014", "--model-id", CLAUDE],
        &[&path],
    );
    let at_400: Vec<String> = findings(&report, "M")
        .into_iter()
        .filter(|f| f.0 == 400)
        .map(|f| f.1)
        .collect();
    assert!(at_400.contains(&"M001".to_string()) && at_400.contains(&"M002".to_string()));

    // Claude bodies under Nova, and in a Converse job for the Claude model itself.
    let path = write(
        dir.path(),
        "claude.jsonl",
        file_with(1000, claude_body, &[]),
    );
    let (report, _) = validate_json(&["--select", "M", "--model-id", NOVA], &[&path]);
    assert_eq!(report["summary"]["by_code"], json!({"M014": 1000}));
    assert!(message_at(&report, 1, "M014").contains("Anthropic Claude"));
    let (report, _) = validate_json(
        &[
            "--select",
            "M",
            "--model-id",
            CLAUDE,
            "--invocation-type",
            "Converse",
        ],
        &[&path],
    );
    assert_eq!(report["summary"]["by_code"], json!({"M014": 1000}));
    assert!(
        message_at(&report, 1, "M014").contains("this model's InvokeModel body")
            && message_at(&report, 1, "M014").contains("--invocation-type InvokeModel")
    );
}

#[test]
fn openai_batch_api_lines_are_one_r001_each_that_says_how_to_convert() {
    let dir = tempfile::tempdir().unwrap();
    // What `client.batches` users have on disk: {"custom_id", "method", "url", "body"}.
    let text: String = (1..=1200)
        .map(|i| {
            json!({"custom_id": uuid_like(i), "method": "POST", "url": "/v1/chat/completions",
                   "body": {"model": "gpt-4o-mini", "max_tokens": 256,
                            "messages": [{"role": "user", "content": format!("Summarize ticket {i}.")}]}})
            .to_string()
                + "\n"
        })
        .collect();
    let path = write(dir.path(), "openai-batch.jsonl", &text);
    let (report, exit) = validate_json(&["--model-id", "openai.gpt-oss-120b-1:0"], &[&path]);
    assert_eq!(exit, 1);
    assert_eq!(report["verdict"]["status"], "Failed");
    assert_eq!(report["summary"]["by_code"], json!({"R001": 1200}));
    let msg = message_at(&report, 1, "R001");
    assert!(
        msg.contains("OpenAI Batch API") && msg.contains("\"recordId\": <custom_id>"),
        "{msg}"
    );
    assert!(report["verdict"]["message"]
        .as_str()
        .unwrap()
        .contains("OpenAI Batch API"));
}

/// `n` Claude records as Python's `json.dumps(record)` writes them (`", "` and `": "`), with
/// UUID ids: the records a pandas or plain-Python pipeline holds before writing them out.
fn python_records(n: u64) -> Vec<Value> {
    (1..=n)
        .map(|i| json!({"recordId": uuid_like(i), "modelInput": claude_body(i)}))
        .collect()
}

/// Python's `json.dumps(value, indent=2)`.
fn indented(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap()
}

/// pandas `DataFrame.to_json(orient="records", lines=True)`: compact, `/` escaped as `\/`,
/// non-ASCII as `\uXXXX`, a `\n` after every line.
fn pandas_lines(records: &[Value]) -> String {
    records
        .iter()
        .map(|r| {
            let compact = r.to_string().replace('/', "\\/");
            let mut out = String::new();
            for c in compact.chars() {
                if c.is_ascii() {
                    out.push(c);
                } else {
                    let mut buf = [0u16; 2];
                    for unit in c.encode_utf16(&mut buf) {
                        out.push_str(&format!("\\u{unit:04x}"));
                    }
                }
            }
            out + "\n"
        })
        .collect()
}

fn f004(report: &Value) -> Vec<(String, String)> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "F004")
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_file_that_is_not_json_lines_is_one_f004() {
    let dir = tempfile::tempdir().unwrap();
    let mut records = python_records(2000);
    // pandas escapes what it writes; the records stay valid JSON lines.
    records[5]["modelInput"]["messages"][0]["content"][0]["text"] =
        json!("Résumé of https://example.com/tickets/5 — « urgent » 🚀");
    let pandas = write(dir.path(), "pandas.jsonl", pandas_lines(&records));
    let pretty: String = records.iter().map(|r| indented(r) + "\n").collect();
    let pretty_path = write(dir.path(), "pretty.jsonl", &pretty);
    let array = write(
        dir.path(),
        "array.jsonl",
        indented(&Value::Array(records.clone())),
    );
    // pandas `to_json(orient="records")` without lines=True: one line, an array.
    let one_line = write(
        dir.path(),
        "to_json.jsonl",
        Value::Array(records.clone()).to_string(),
    );
    // pandas `to_json()` with its default orient ("columns") and with orient="index": one line
    // holding the whole table, `{"recordId":{"0":…},"modelInput":{"0":…}}`.
    let column = |key: &str| -> serde_json::Map<String, Value> {
        records
            .iter()
            .enumerate()
            .map(|(i, r)| (i.to_string(), r[key].clone()))
            .collect()
    };
    let columns_doc = json!({"recordId": column("recordId"), "modelInput": column("modelInput")});
    let columns = write(dir.path(), "columns.jsonl", columns_doc.to_string());
    let index_doc: serde_json::Map<String, Value> = records
        .iter()
        .enumerate()
        .map(|(i, r)| (i.to_string(), r.clone()))
        .collect();
    let index = write(
        dir.path(),
        "index.jsonl",
        Value::Object(index_doc).to_string(),
    );
    let plain = pandas_lines(&records);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, plain.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let gz_path = dir.path().join("compressed.jsonl");
    std::fs::write(&gz_path, &gz).unwrap();
    let zst = zstd::encode_all(plain.as_bytes(), 3).unwrap();
    let zst_path = dir.path().join("zstd.jsonl");
    std::fs::write(&zst_path, &zst).unwrap();

    // The pandas output is clean JSON lines: no F004, nothing at all but the UUID infos.
    let (report, exit) = validate_json(&["--model-id", CLAUDE, "--ignore", "R005"], &[&pandas]);
    assert_eq!(codes(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(exit, 0);
    assert_eq!(report["summary"]["records"], 2000);

    let cases: [(&Path, &str, u64); 7] = [
        (
            &pretty_path,
            "pretty-printed",
            pretty.lines().count() as u64,
        ),
        (&array, "a JSON array", 0),
        (&one_line, "a JSON array", 1),
        (&columns, "orient=\"columns\"", 1),
        (&index, "orient=\"index\"", 1),
        (&gz_path, "gzip-compressed", 0),
        (&zst_path, "zstd-compressed", 0),
    ];
    for (path, says, lines) in cases {
        let name = path.file_name().unwrap().to_str().unwrap();
        for extra in [
            &[][..],
            &["--no-mmap", "--chunk-size", "4096", "--threads", "1"][..],
        ] {
            let mut args = vec!["--model-id", CLAUDE];
            args.extend_from_slice(extra);
            let (report, exit) = validate_json(&args, &[path]);
            let found = f004(&report);
            assert_eq!(found.len(), 1, "{name}: {report:#}");
            assert!(found[0].1.contains(says), "{name}: {}", found[0].1);
            // One finding for the file, nothing per line, and the verdict the service gives.
            assert_eq!(
                report["summary"]["by_code"],
                json!({"F004": 1}),
                "{name} {extra:?}"
            );
            assert_eq!(report["verdict"]["status"], "Failed");
            assert!(report["verdict"]["message"]
                .as_str()
                .unwrap()
                .starts_with("F004 not-jsonl-content"));
            assert_eq!(exit, 1);
            if lines > 0 {
                // Records are counted as the service counts them: one per line.
                assert_eq!(report["summary"]["records"], lines, "{name}");
            }
        }
    }

    // gzip piped to standard input, as `cat requests.jsonl.gz | bedrock-batch validate -`.
    let r = run(
        &["validate", "--format", "json", "--model-id", CLAUDE, "-"],
        Some(&gz),
    );
    let report = r.json();
    let found = f004(&report);
    assert_eq!(found.len(), 1, "{report:#}");
    assert!(
        found[0]
            .1
            .starts_with("standard input holds gzip-compressed data")
            && found[0].1.contains("--stdin-filename"),
        "{}",
        found[0].1
    );
    assert_eq!(r.code, 1);
    // Named as compressed, the same bytes are read decompressed and check clean (but F001:
    // the service cannot read a compressed file).
    let r = run(
        &[
            "validate",
            "--format",
            "json",
            "--model-id",
            CLAUDE,
            "--ignore",
            "R005",
            "--stdin-filename",
            "requests.jsonl.gz",
            "-",
        ],
        Some(&gz),
    );
    assert_eq!(codes(&r.json()), vec!["F001".to_string()]);

    // With F004 ignored, the lines are judged one by one again.
    let (report, _) = validate_json(
        &["--model-id", CLAUDE, "--ignore", "F004,R005"],
        &[&pretty_path],
    );
    assert!(report["summary"]["by_code"]["L001"].as_u64().unwrap() > 1000);
}

#[test]
fn a_broken_first_record_is_not_a_file_of_the_wrong_kind() {
    let dir = tempfile::tempdir().unwrap();
    // The first record cut short by a failed write, the rest fine: L001 on line 1 only.
    let good = pandas_lines(&python_records(500));
    let first = good.lines().next().unwrap();
    let text = format!(
        "{}\n{}",
        &first[..first.len() / 2],
        &good[first.len() + 1..]
    );
    let path = write(dir.path(), "truncated.jsonl", &text);
    let (report, exit) = validate_json(&["--model-id", CLAUDE, "--ignore", "R005"], &[&path]);
    assert_eq!(codes(&report), vec!["L001".to_string()], "{report:#}");
    assert_eq!(report["diagnostics"][0]["line"], 1);
    assert_eq!(exit, 1);
    // A JSONL file of arrays (not records) is judged line by line too.
    let arrays: String = (0..200).map(|i| format!("[{i}, \"x\"]\n")).collect();
    let path = write(dir.path(), "arrays.jsonl", &arrays);
    let (report, _) = validate_json(&["--min-records-per-job", "1"], &[&path]);
    assert_eq!(report["summary"]["by_code"], json!({"L007": 200}));
}
