//! `bedrock-batch.toml` through the real binary: found from the current folder upward or
//! named with `--config`, keys are the long flag names, flags win, every command that takes a
//! key's flag (validate, shard, fix, job create) takes the key, and every mistake is a tool
//! error (exit 2) naming the file and the key.

use std::fs;
use std::path::Path;

use crate::common::*;
use serde_json::Value;

/// A temp project: `in.jsonl` with three clean records and one without a recordId (R003,
/// a warning) and one whose id holds a space (R005, an info), and `sub/` to run from.
fn project(config: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut text = records(3);
    text.push_str("{\"modelInput\":{}}\n");
    text.push_str("{\"recordId\":\"r 1\",\"modelInput\":{}}\n");
    fs::write(dir.path().join("in.jsonl"), text).unwrap();
    fs::create_dir(dir.path().join("sub")).unwrap();
    if let Some(config) = config {
        fs::write(dir.path().join("bedrock-batch.toml"), config).unwrap();
    }
    dir
}

/// Runs `bedrock-batch ARGS` in `cwd`.
fn run_in(cwd: &Path, args: &[&str]) -> Run {
    let out = bb().current_dir(cwd).args(args).output().expect("runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn codes_of(r: &Run) -> Vec<String> {
    codes(&r.json())
}

const CONFIG: &str = r#"
# Defaults for this data.
format = "json"
min-records-per-job = 1
ignore = ["R005"]
"#;

#[test]
fn keys_set_defaults_found_from_the_current_folder_upward() {
    let dir = project(Some(CONFIG));
    for cwd in [dir.path().to_path_buf(), dir.path().join("sub")] {
        let input = dir.path().join("in.jsonl");
        let r = run_in(&cwd, &["validate", input.to_str().unwrap()]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        // format = "json" took effect; Q005 and R005 are gone.
        assert_eq!(codes_of(&r), ["R003"]);
    }
}

#[test]
fn flags_win_over_keys() {
    let dir = project(Some(CONFIG));
    let r = run_in(
        dir.path(),
        &[
            "validate",
            "--ignore",
            "R003",
            "--min-records-per-job",
            "10",
            "in.jsonl",
        ],
    );
    // The command line's --ignore replaces the file's list: R005 is back, R003 is gone.
    assert_eq!(codes_of(&r), ["R005", "Q005"]);
    let text = run_in(dir.path(), &["validate", "--format", "text", "in.jsonl"]);
    assert!(
        text.stdout.contains("Verdict: Scheduled"),
        "{}",
        text.stdout
    );
}

#[test]
fn every_kind_of_value_reaches_its_flag() {
    let dir = project(Some(
        r#"
format = "json"
min-records-per-job = 1
max-file-bytes = "1KB"
max-diagnostics = 1
fail-on = "warning"
select = "R,L"
quiet = true
no-mmap = true
threads = 2
group = "file"
stdin-filename = "piped.jsonl"
"#,
    ));
    let r = run_in(dir.path(), &["validate", "in.jsonl"]);
    assert_eq!(
        r.code, 1,
        "fail-on warning: R003 fails the run\n{}",
        r.stderr
    );
    let report = r.json();
    assert_eq!(report["jobs"][0]["job"], "in.jsonl", "group = file");
    assert_eq!(report["quotas"]["max_file_bytes"], 1000);
    assert_eq!(
        report["summary"]["by_code"],
        serde_json::json!({"R003": 1, "R005": 1})
    );
    assert_eq!(
        report["diagnostics"].as_array().unwrap().len(),
        1,
        "max-diagnostics"
    );
    let piped = bb()
        .current_dir(dir.path())
        .args(["validate", "-"])
        .write_stdin(records(1))
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&piped.stdout).unwrap();
    assert_eq!(report["files"][0]["path"], "piped.jsonl");
}

#[test]
fn config_flag_names_the_file_and_no_config_skips_it() {
    let dir = project(Some("format = \"json\"\n"));
    let other = dir.path().join("strict.toml");
    fs::write(
        &other,
        "min-records-per-job = 1\nfail-on = \"info\"\nformat = \"json\"\n",
    )
    .unwrap();
    let r = run_in(
        dir.path(),
        &["validate", "--config", "strict.toml", "in.jsonl"],
    );
    assert_eq!(r.code, 1, "fail-on info from strict.toml");
    assert_eq!(codes_of(&r), ["R003", "R005"]);
    let r = run_in(
        dir.path(),
        &["validate", "--no-config", "--color", "never", "in.jsonl"],
    );
    assert!(
        r.stdout
            .starts_with(dir.path().join("in.jsonl").to_str().unwrap())
            || r.stdout.starts_with("in.jsonl:"),
        "text, not json: {}",
        r.stdout
    );
    let missing = run_in(
        dir.path(),
        &["validate", "--config", "nope.toml", "in.jsonl"],
    );
    assert_eq!(missing.code, 2);
    assert!(
        missing
            .stderr
            .contains("--config: `nope.toml` is not a file"),
        "{}",
        missing.stderr
    );
}

#[test]
fn relative_paths_are_taken_from_the_config_folder() {
    let dir = project(Some(
        "format = \"json\"\nschema = \"body.schema.json\"\nmin-records-per-job = 1\n",
    ));
    fs::write(
        dir.path().join("body.schema.json"),
        r#"{"type": "object", "required": ["prompt"]}"#,
    )
    .unwrap();
    let input = dir.path().join("in.jsonl");
    let r = run_in(
        &dir.path().join("sub"),
        &["validate", input.to_str().unwrap()],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        codes_of(&r).contains(&"M001".to_string()),
        "the schema was loaded: {}",
        r.stdout
    );
}

#[test]
fn mistakes_are_tool_errors_naming_file_and_key() {
    let cases: &[(&str, &str)] = &[
        (
            "colour = \"never\"\n",
            "key `colour`: unknown key; keys are the long flag names of validate, shard, fix and job create:",
        ),
        (
            "threads = \"many\"\n",
            "key `threads`: invalid value 'many' for '--threads <N>'",
        ),
        (
            "format = \"xml\"\n",
            "key `format`: invalid value 'xml' for '--format <FORMAT>'",
        ),
        (
            "max-file-bytes = \"1 gigabyte\"\n",
            "key `max-file-bytes`: invalid value '1 gigabyte'",
        ),
        ("quiet = \"yes\"\n", "key `quiet`: expects true or false"),
        (
            "model-id = true\n",
            "key `model-id`: expects a value, not true or false",
        ),
        (
            "model-id = [\"a\", \"b\"]\n",
            "key `model-id`: takes one value, not a list",
        ),
        ("config = \"other.toml\"\n", "key `config`: unknown key"),
        (
            "[validate]\nformat = \"json\"\n",
            "key `validate`: unknown key",
        ),
        ("format = \"json\"\nformat = \"text\"\n", "duplicate key"),
        ("format = json\n", "config `"),
    ];
    for (text, expected) in cases {
        let dir = project(Some(text));
        let r = run_in(dir.path(), &["validate", "in.jsonl"]);
        assert_eq!(r.code, 2, "{text}: {}", r.stderr);
        assert!(r.stderr.contains(expected), "{text}:\n{}", r.stderr);
        assert!(
            r.stderr.contains("bedrock-batch.toml"),
            "names the file: {}",
            r.stderr
        );
        assert_eq!(r.stdout, "");
    }
}

/// One folder, one answer: the quota and model keys of the file reach `shard`, `fix` and
/// `job create` as they reach `validate`; keys a command has no flag for (`ignore` for
/// shard) and `format` (each command has its own formats) are passed over.
#[test]
fn every_command_that_takes_a_flag_takes_its_key() {
    const MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";
    let config = format!(
        "model-id = \"{MODEL}\"\nmin-records-per-job = 1\nmax-records-per-file = 2\nignore = [\"R005\"]\nformat = \"json\"\nno-progress = true\n"
    );
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("in.jsonl"), records(5)).unwrap();
    fs::write(dir.path().join("bedrock-batch.toml"), &config).unwrap();

    // validate: Q002 from the file's per-file quota, in the file's format.
    let r = run_in(dir.path(), &["validate", "in.jsonl"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(codes_of(&r), ["Q002"]);

    // shard: the same quota cuts 5 records into files of 2; its summary stays text.
    let r = run_in(dir.path(), &["shard", "--out", "out", "in.jsonl"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with("Wrote 1 job (3 files, 5 records"),
        "{}",
        r.stdout
    );
    let manifest: Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("out/manifest.json")).unwrap())
            .unwrap();
    let files: Vec<u64> = manifest["jobs"][0]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["records"].as_u64().unwrap())
        .collect();
    assert_eq!(files.len(), 3, "{manifest}");
    assert!(files.iter().all(|&n| n <= 2), "{manifest}");
    assert_eq!(files.iter().sum::<u64>(), 5, "{manifest}");
    // --no-config: the service's own quota of 50,000 per file keeps one file.
    let r = run_in(
        dir.path(),
        &[
            "shard",
            "--no-config",
            "--min-records-per-job",
            "1",
            "--out",
            "one",
            "in.jsonl",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with("Wrote 1 job (1 file, 5 records"),
        "{}",
        r.stdout
    );

    // fix takes none of these keys and is not troubled by them.
    let r = run_in(dir.path(), &["fix", "--out", "fixed.jsonl", "in.jsonl"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        fs::read_to_string(dir.path().join("fixed.jsonl")).unwrap(),
        records(5)
    );

    // job create: the model comes from the file, and so does the per-file quota its data
    // check applies.
    let r = run_in(
        dir.path(),
        &[
            "job",
            "create",
            "--state-dir",
            "state",
            "--job-name",
            "nightly",
            "--role-arn",
            "arn:aws:iam::123456789012:role/BatchRole",
            "--input-data-config",
            "s3InputDataConfig={s3Uri=s3://my-bucket/in/}",
            "--output-data-config",
            "s3OutputDataConfig={s3Uri=s3://my-bucket/out/}",
            "--local-input",
            "in.jsonl",
            "--now",
            "2024-05-01T12:00:00Z",
        ],
    );
    assert_eq!(
        r.code, 1,
        "Q002 fails the data check: {}\n{}",
        r.stdout, r.stderr
    );
    let job: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(job["modelId"], MODEL, "{job}");
    assert_eq!(job["status"], "Failed", "{job}");
    assert!(
        job["message"].as_str().unwrap().starts_with("Q002 "),
        "{job}"
    );

    // A bad value is named for the command that refuses it.
    fs::write(
        dir.path().join("bedrock-batch.toml"),
        "threads = \"many\"\n",
    )
    .unwrap();
    for args in [
        &["shard", "--out", "x", "in.jsonl"][..],
        &["fix", "--out", "y.jsonl", "in.jsonl"],
    ] {
        let r = run_in(dir.path(), args);
        assert_eq!(r.code, 2, "{args:?}");
        assert!(
            r.stderr.contains("key `threads`: invalid value 'many'"),
            "{}",
            r.stderr
        );
    }
}
